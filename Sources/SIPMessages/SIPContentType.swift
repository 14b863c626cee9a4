/// A media type as in Content-Type (RFC 3261 §20.15; RFC 2045 §5.1): `type/subtype;param=value`.
public struct SIPContentType: Hashable, Sendable, CustomStringConvertible {
    /// The type, lower-cased ("application").
    public var type: String
    /// The subtype, lower-cased ("sdp").
    public var subtype: String
    /// Parameters in order; quoted values keep their quotes.
    public var parameters: [SIPParameter]

    public init(type: String, subtype: String, parameters: [SIPParameter] = []) {
        self.type = ASCII.lowercased(type)
        self.subtype = ASCII.lowercased(subtype)
        self.parameters = parameters
    }

    /// `application/sdp`.
    public static let sdp = SIPContentType(type: "application", subtype: "sdp")

    /// The `boundary` parameter of a multipart type, quotes removed (RFC 2046 §5.1.1).
    public var boundary: String? { self.parameter("boundary") }

    /// The value of parameter `name` (case-insensitive), surrounding quotes removed.
    public func parameter(_ name: String) -> String? {
        guard let value = self.parameters.lookup(name) else { return nil }
        if value.utf8.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") {
            return String(value.dropFirst().dropLast())
        }
        return value
    }

    /// The type is `application/sdp`.
    public var isSDP: Bool { self.type == "application" && self.subtype == "sdp" }
    /// The type is `multipart/*`.
    public var isMultipart: Bool { self.type == "multipart" }

    public var description: String {
        var text = "\(self.type)/\(self.subtype)"
        for parameter in self.parameters { text += ";\(parameter)" }
        return text
    }

    /// Parses a Content-Type value.
    public static func parse(_ string: String) throws(SIPParseError) -> SIPContentType {
        let bytes = Array(string.utf8)
        return try SIPContentType.parse(bytes, 0..<bytes.count)
    }

    static func parse(_ bytes: [UInt8], _ fullRange: Range<Int>) throws(SIPParseError) -> SIPContentType {
        let range = ASCII.trim(bytes, fullRange)
        var index = range.lowerBound
        let typeStart = index
        while index < range.upperBound && ASCII.isTokenChar(bytes[index]) { index += 1 }
        let typeRange = typeStart..<index
        while index < range.upperBound && ASCII.isLWS(bytes[index]) { index += 1 }
        guard !typeRange.isEmpty, index < range.upperBound, bytes[index] == ASCII.slash else {
            throw SIPNameAddress.fail(bytes, range, at: index, "a media type must be type/subtype")
        }
        index += 1
        while index < range.upperBound && ASCII.isLWS(bytes[index]) { index += 1 }
        let subtypeStart = index
        while index < range.upperBound && ASCII.isTokenChar(bytes[index]) { index += 1 }
        guard index > subtypeStart else {
            throw SIPNameAddress.fail(bytes, range, at: index, "a media type must be type/subtype")
        }
        let parameters = try SIPNameAddress.parseHeaderParameters(bytes, index..<range.upperBound)
        return SIPContentType(
            type: ASCII.string(bytes, typeRange),
            subtype: ASCII.string(bytes, subtypeStart..<index),
            parameters: parameters
        )
    }
}
