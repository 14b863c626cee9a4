/// A `name` or `name=value` parameter, as in `;transport=tcp`, `;lr` or `;tag=1928301774`.
public struct SIPParameter: Hashable, Sendable, CustomStringConvertible {
    /// The name as written (compare case-insensitively; see ``SIPURI/parameter(_:)``).
    public var name: String
    /// The value as written (quotes and escapes kept), or nil for a flag such as `lr`.
    public var value: String?

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }

    public var description: String {
        if let value = self.value { return "\(self.name)=\(value)" }
        return self.name
    }
}

extension [SIPParameter] {
    /// The value of the first parameter named `name` (case-insensitive): "" for a flag, nil when absent.
    func lookup(_ name: String) -> String? {
        for parameter in self where ASCII.caseInsensitiveEquals(parameter.name, name) {
            return parameter.value ?? ""
        }
        return nil
    }
}

/// A URI as found in a Request-URI or inside a name-addr: SIP and SIPS URIs (RFC 3261 §19.1) and
/// TEL URIs (RFC 3966) are split into parts; any other absolute URI (RFC 3986, e.g. `http:`,
/// `soap.beep:`) is kept opaque (``opaque``), so an unknown scheme never breaks a parser (RFC 4475 §3.3.4).
///
/// ``raw`` is what was written and what serialization writes back; the parts are decoded on access
/// where the RFC allows escaping (``user``, ``password``).
public struct SIPURI: Hashable, Sendable, CustomStringConvertible {
    /// The scheme, lower-cased ("sip", "sips", "tel", ...).
    public var scheme: String
    /// The user part as written, escapes kept; for a TEL URI the telephone number; nil when absent.
    public var rawUser: String?
    /// The password as written, escapes kept.
    public var rawPassword: String?
    /// The host without brackets: a name, an IPv4 address or an IPv6 address. Empty for TEL and opaque URIs.
    public var host: String
    /// The host was an IPv6 reference (`[2001:db8::1]`).
    public var isIPv6: Bool
    /// The port, if written.
    public var port: Int?
    /// The URI parameters (`;transport=tcp;lr`), names and values as written.
    public var parameters: [SIPParameter]
    /// The URI headers (`?subject=x&priority=urgent`), names and values as written (escaped).
    public var headers: [SIPParameter]
    /// For a scheme other than sip/sips/tel: everything after "scheme:". Empty otherwise.
    public var opaque: String
    /// The URI exactly as written.
    public var raw: String

    /// The user part with `%HH` escapes decoded (a `%00` becomes U+0000; nothing is truncated).
    public var user: String? {
        guard let rawUser = self.rawUser else { return nil }
        let bytes = Array(rawUser.utf8)
        return ASCII.percentDecoded(bytes, 0..<bytes.count)
    }

    /// The password with escapes decoded.
    public var password: String? {
        guard let rawPassword = self.rawPassword else { return nil }
        let bytes = Array(rawPassword.utf8)
        return ASCII.percentDecoded(bytes, 0..<bytes.count)
    }

    /// The scheme is sip or sips, so user/host/port/parameters are meaningful.
    public var isSIP: Bool { self.scheme == "sip" || self.scheme == "sips" }

    /// The value of URI parameter `name` (case-insensitive, escapes decoded): "" for a flag such as `lr`,
    /// nil when absent.
    public func parameter(_ name: String) -> String? {
        guard let value = self.parameters.lookup(name) else { return nil }
        let bytes = Array(value.utf8)
        return ASCII.percentDecoded(bytes, 0..<bytes.count)
    }

    /// The value of URI header `name` (case-insensitive, escapes decoded).
    public func header(_ name: String) -> String? {
        guard let value = self.headers.lookup(name) else { return nil }
        let bytes = Array(value.utf8)
        return ASCII.percentDecoded(bytes, 0..<bytes.count)
    }

    /// `host` or `host:port`, with brackets around an IPv6 host.
    public var hostPort: String {
        var text = self.isIPv6 ? "[\(self.host)]" : self.host
        if let port = self.port { text += ":\(port)" }
        return text
    }

    public var description: String { self.raw }

    /// Builds a SIP or SIPS URI; the user part is escaped where RFC 3261 §25.1 requires.
    public init(
        scheme: String = "sip",
        user: String? = nil,
        host: String,
        port: Int? = nil,
        parameters: [SIPParameter] = [],
        headers: [SIPParameter] = []
    ) {
        self.scheme = ASCII.lowercased(scheme)
        self.rawUser = user.map(SIPURI.escapeUser)
        self.rawPassword = nil
        self.isIPv6 = host.utf8.contains(ASCII.colon)
        self.host = host
        self.port = port
        self.parameters = parameters
        self.headers = headers
        self.opaque = ""
        var raw = self.scheme + ":"
        if let rawUser = self.rawUser { raw += rawUser + "@" }
        raw += self.isIPv6 ? "[\(host)]" : host
        if let port { raw += ":\(port)" }
        for parameter in parameters { raw += ";\(parameter)" }
        for (index, header) in headers.enumerated() { raw += (index == 0 ? "?" : "&") + "\(header.name)=\(header.value ?? "")" }
        self.raw = raw
    }

    /// Parses a URI (no surrounding whitespace or angle brackets).
    public static func parse(_ string: String) throws(SIPParseError) -> SIPURI {
        let bytes = Array(string.utf8)
        return try SIPURI.parse(bytes, 0..<bytes.count)
    }

    /// Escapes bytes that may not appear literally in a user part.
    static func escapeUser(_ user: String) -> String {
        var out = ""
        for byte in user.utf8 {
            let allowed: Bool
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: allowed = true
            case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "~"),
                UInt8(ascii: "*"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "&"),
                UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "$"), UInt8(ascii: ","), UInt8(ascii: ";"),
                UInt8(ascii: "?"), UInt8(ascii: "/"):
                allowed = true
            default: allowed = false
            }
            if allowed {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex: [Character] = Array("0123456789ABCDEF")
                out.append("%")
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }

    private static func fail(_ bytes: [UInt8], _ range: Range<Int>, at offset: Int, _ reason: String) -> SIPParseError {
        SIPParseError(
            .malformedURI,
            offset: offset,
            excerpt: SIPParseError.printableExcerpt(ASCII.string(bytes, range)),
            reason: reason
        )
    }

    /// Parses `bytes[range]` as a URI. Offsets in errors are relative to the start of `bytes`.
    static func parse(_ bytes: [UInt8], _ range: Range<Int>) throws(SIPParseError) -> SIPURI {
        // Characters no URI may contain literally (RFC 3986 §2; RFC 3261 §25.1).
        for index in range {
            let byte = bytes[index]
            if byte <= ASCII.space || byte >= 0x7F || byte == ASCII.lessThan || byte == ASCII.greaterThan
                || byte == ASCII.quote
            {
                throw SIPURI.fail(bytes, range, at: index, "a URI may not contain a space, control, non-ASCII or <>\" byte")
            }
        }
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1)
        var index = range.lowerBound
        guard index < range.upperBound, ASCII.isAlpha(bytes[index]) else {
            throw SIPURI.fail(bytes, range, at: index, "a URI must start with a scheme such as sip:")
        }
        while index < range.upperBound {
            let byte = bytes[index]
            if ASCII.isAlpha(byte) || ASCII.isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
                || byte == ASCII.dot
            {
                index += 1
            } else {
                break
            }
        }
        guard index < range.upperBound, bytes[index] == ASCII.colon else {
            throw SIPURI.fail(bytes, range, at: index, "a URI must start with a scheme followed by ':'")
        }
        let schemeRange = range.lowerBound..<index
        let scheme: String
        if ASCII.equalsLowercased(bytes, schemeRange, "sip") {
            scheme = "sip"  // the usual case, without building and lower-casing a String
        } else if ASCII.equalsLowercased(bytes, schemeRange, "sips") {
            scheme = "sips"
        } else if ASCII.equalsLowercased(bytes, schemeRange, "tel") {
            scheme = "tel"
        } else {
            scheme = ASCII.lowercased(ASCII.string(bytes, schemeRange))
        }
        let rest = (index + 1)..<range.upperBound
        var uri = SIPURI(
            scheme: scheme,
            rawUser: nil,
            rawPassword: nil,
            host: "",
            isIPv6: false,
            port: nil,
            parameters: [],
            headers: [],
            opaque: "",
            raw: ASCII.string(bytes, range)
        )
        switch scheme {
        case "sip", "sips":
            try SIPURI.parseSIP(bytes, rest, whole: range, into: &uri)
        case "tel":
            guard !rest.isEmpty else { throw SIPURI.fail(bytes, range, at: rest.lowerBound, "a tel URI needs a number") }
            var end = rest.lowerBound
            while end < rest.upperBound && bytes[end] != ASCII.semicolon { end += 1 }
            guard end > rest.lowerBound else {
                throw SIPURI.fail(bytes, range, at: end, "a tel URI needs a number before its parameters")
            }
            uri.rawUser = ASCII.string(bytes, rest.lowerBound..<end)
            uri.parameters = try SIPURI.parseParameters(bytes, end..<rest.upperBound, whole: range)
        default:
            guard !rest.isEmpty else {
                throw SIPURI.fail(bytes, range, at: rest.lowerBound, "nothing follows the scheme")
            }
            uri.opaque = ASCII.string(bytes, rest)
        }
        return uri
    }

    private init(
        scheme: String,
        rawUser: String?,
        rawPassword: String?,
        host: String,
        isIPv6: Bool,
        port: Int?,
        parameters: [SIPParameter],
        headers: [SIPParameter],
        opaque: String,
        raw: String
    ) {
        self.scheme = scheme
        self.rawUser = rawUser
        self.rawPassword = rawPassword
        self.host = host
        self.isIPv6 = isIPv6
        self.port = port
        self.parameters = parameters
        self.headers = headers
        self.opaque = opaque
        self.raw = raw
    }

    /// `[ userinfo "@" ] hostport uri-parameters [ headers ]` (RFC 3261 §25.1 SIP-URI).
    private static func parseSIP(
        _ bytes: [UInt8],
        _ rest: Range<Int>,
        whole: Range<Int>,
        into uri: inout SIPURI
    ) throws(SIPParseError) {
        var hostStart = rest.lowerBound
        // The user part may contain ; ? / : (RFC 4475 semiuri.dat, intmeth.dat) but never '@', so the
        // first '@' ends the userinfo.
        if let at = bytes[rest].firstIndex(of: ASCII.at) {
            var colon = at
            for index in rest.lowerBound..<at where bytes[index] == ASCII.colon {
                colon = index
                break
            }
            uri.rawUser = ASCII.string(bytes, rest.lowerBound..<colon)
            if colon < at {
                uri.rawPassword = ASCII.string(bytes, (colon + 1)..<at)
            }
            hostStart = at + 1
        }
        var index = hostStart
        if index < rest.upperBound && bytes[index] == ASCII.openBracket {
            guard let close = bytes[index..<rest.upperBound].firstIndex(of: ASCII.closeBracket) else {
                throw SIPURI.fail(bytes, whole, at: index, "an IPv6 reference has no closing ']'")
            }
            guard SIPURI.isValidIPv6(bytes, (index + 1)..<close) else {
                throw SIPURI.fail(
                    bytes,
                    whole,
                    at: index,
                    "'\(ASCII.string(bytes, (index + 1)..<close))' is not a valid IPv6 address (RFC 5954)"
                )
            }
            uri.host = ASCII.string(bytes, (index + 1)..<close)
            uri.isIPv6 = true
            index = close + 1
        } else {
            while index < rest.upperBound {
                let byte = bytes[index]
                if byte == ASCII.colon || byte == ASCII.semicolon || byte == ASCII.question { break }
                index += 1
            }
            guard SIPURI.isValidHostName(bytes, hostStart..<index) else {
                throw SIPURI.fail(
                    bytes,
                    whole,
                    at: hostStart,
                    "'\(ASCII.string(bytes, hostStart..<index))' is not a valid host"
                )
            }
            uri.host = ASCII.string(bytes, hostStart..<index)
        }
        if index < rest.upperBound && bytes[index] == ASCII.colon {
            var end = index + 1
            while end < rest.upperBound && bytes[end] != ASCII.semicolon && bytes[end] != ASCII.question { end += 1 }
            guard case .value(let port) = ASCII.parseDecimal(bytes, (index + 1)..<end, maximum: 65535) else {
                throw SIPURI.fail(
                    bytes,
                    whole,
                    at: index + 1,
                    "port '\(ASCII.string(bytes, (index + 1)..<end))' is not a number from 0 to 65535"
                )
            }
            uri.port = Int(port)
            index = end
        }
        guard index == rest.upperBound || bytes[index] == ASCII.semicolon || bytes[index] == ASCII.question else {
            throw SIPURI.fail(bytes, whole, at: index, "unexpected character after the host")
        }
        var question = rest.upperBound
        if let found = bytes[index..<rest.upperBound].firstIndex(of: ASCII.question) {
            question = found
        }
        uri.parameters = try SIPURI.parseParameters(bytes, index..<question, whole: whole)
        if question < rest.upperBound {
            var headers: [SIPParameter] = []
            var start = question + 1
            var position = start
            while position <= rest.upperBound {
                if position == rest.upperBound || bytes[position] == ASCII.ampersand {
                    let piece = start..<position
                    guard !piece.isEmpty else {
                        throw SIPURI.fail(bytes, whole, at: position, "empty URI header")
                    }
                    if let equals = bytes[piece].firstIndex(of: ASCII.equals) {
                        headers.append(
                            SIPParameter(
                                name: ASCII.string(bytes, piece.lowerBound..<equals),
                                value: ASCII.string(bytes, (equals + 1)..<piece.upperBound)
                            )
                        )
                    } else {
                        headers.append(SIPParameter(name: ASCII.string(bytes, piece), value: nil))
                    }
                    start = position + 1
                }
                position += 1
            }
            uri.headers = headers
        }
    }

    /// `*( ";" name [ "=" value ] )` inside a URI (no whitespace allowed).
    private static func parseParameters(
        _ bytes: [UInt8],
        _ range: Range<Int>,
        whole: Range<Int>
    ) throws(SIPParseError) -> [SIPParameter] {
        guard !range.isEmpty else { return [] }
        var result: [SIPParameter] = []
        var start = range.lowerBound + 1
        var position = start
        while position <= range.upperBound {
            if position == range.upperBound || bytes[position] == ASCII.semicolon {
                let piece = start..<position
                if let equals = bytes[piece].firstIndex(of: ASCII.equals) {
                    guard equals > piece.lowerBound else {
                        throw SIPURI.fail(bytes, whole, at: equals, "URI parameter without a name")
                    }
                    result.append(
                        SIPParameter(
                            name: ASCII.string(bytes, piece.lowerBound..<equals),
                            value: ASCII.string(bytes, (equals + 1)..<piece.upperBound)
                        )
                    )
                } else {
                    guard !piece.isEmpty else {
                        throw SIPURI.fail(bytes, whole, at: position, "empty URI parameter")
                    }
                    result.append(SIPParameter(name: ASCII.string(bytes, piece), value: nil))
                }
                start = position + 1
            }
            position += 1
        }
        return result
    }

    /// A host name or IPv4 address: alphanumerics, "-", "." (and "_", seen in the field), not empty.
    static func isValidHostName(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        if range.isEmpty { return false }
        for index in range {
            let byte = bytes[index]
            guard ASCII.isAlpha(byte) || ASCII.isDigit(byte) || byte == UInt8(ascii: "-") || byte == ASCII.dot
                || byte == UInt8(ascii: "_")
            else { return false }
        }
        return true
    }

    /// Dotted-quad IPv4 address, each part 0-255.
    static func isValidIPv4(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        var parts = 0
        var start = range.lowerBound
        var index = range.lowerBound
        while index <= range.upperBound {
            if index == range.upperBound || bytes[index] == ASCII.dot {
                guard index - start >= 1, index - start <= 3,
                    case .value = ASCII.parseDecimal(bytes, start..<index, maximum: 255)
                else { return false }
                parts += 1
                start = index + 1
            }
            index += 1
        }
        return parts == 4
    }

    /// An IPv6 address in text form (RFC 4291 §2.2 as corrected for SIP by RFC 5954): groups of 1-4
    /// hex digits, at most one "::", an optional trailing IPv4 part, 8 groups in all.
    static func isValidIPv6(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        let end = range.upperBound
        var groups = 0
        var sawDoubleColon = false
        if end - index >= 2 && bytes[index] == ASCII.colon && bytes[index + 1] == ASCII.colon {
            sawDoubleColon = true
            index += 2
            if index == end { return true }
        }
        while index < end {
            var pieceEnd = index
            var hasDot = false
            while pieceEnd < end && bytes[pieceEnd] != ASCII.colon {
                if bytes[pieceEnd] == ASCII.dot { hasDot = true }
                pieceEnd += 1
            }
            if hasDot {
                guard pieceEnd == end, SIPURI.isValidIPv4(bytes, index..<pieceEnd) else { return false }
                groups += 2
                index = end
                break
            }
            let length = pieceEnd - index
            guard length >= 1 && length <= 4 else { return false }
            for position in index..<pieceEnd where !ASCII.isHexDigit(bytes[position]) {
                return false
            }
            groups += 1
            index = pieceEnd
            if index == end { break }
            // At a ':'.
            if index + 1 < end && bytes[index + 1] == ASCII.colon {
                if sawDoubleColon { return false }
                sawDoubleColon = true
                index += 2
                if index == end { break }
            } else {
                index += 1
                if index == end { return false }
            }
        }
        return sawDoubleColon ? groups <= 7 : groups == 8
    }
}
