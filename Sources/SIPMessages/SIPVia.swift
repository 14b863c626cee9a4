/// One Via value (RFC 3261 §20.42, §18.2.1; RFC 3581 rport):
/// `SIP/2.0/UDP host:port;branch=z9hG4bK...;received=...;rport=...`.
public struct SIPVia: Hashable, Sendable, CustomStringConvertible {
    /// The `rport` parameter of RFC 3581.
    public enum RPort: Hashable, Sendable {
        /// No rport parameter.
        case absent
        /// `;rport` without a value: the client asks for the source port to be filled in.
        case requested
        /// `;rport=5060`: the port filled in by the server.
        case value(Int)
    }

    /// The protocol name, normally "SIP".
    public var protocolName: String
    /// The protocol version, normally "2.0".
    public var version: String
    /// The transport as written ("UDP", "TCP", "TLS", "SCTP", "WS", ... or an unknown token).
    public var transport: String
    /// The sent-by host without brackets.
    public var host: String
    /// The host was an IPv6 reference.
    public var isIPv6: Bool
    /// The sent-by port, if written.
    public var port: Int?
    /// All parameters in order, values as written.
    public var parameters: [SIPParameter]

    public init(
        protocolName: String = "SIP",
        version: String = "2.0",
        transport: String,
        host: String,
        port: Int? = nil,
        parameters: [SIPParameter] = []
    ) {
        self.protocolName = protocolName
        self.version = version
        self.transport = transport
        self.host = host
        self.isIPv6 = host.utf8.contains(ASCII.colon)
        self.port = port
        self.parameters = parameters
    }

    /// Memberwise, for the parser (which knows whether the host was bracketed).
    init(
        protocolName: String,
        version: String,
        transport: String,
        host: String,
        isIPv6: Bool,
        port: Int?,
        parameters: [SIPParameter]
    ) {
        self.protocolName = protocolName
        self.version = version
        self.transport = transport
        self.host = host
        self.isIPv6 = isIPv6
        self.port = port
        self.parameters = parameters
    }

    /// The `branch` parameter (the transaction id when it starts with the magic cookie `z9hG4bK`).
    public var branch: String? { self.parameters.lookup("branch") }
    /// The `received` parameter, brackets of an IPv6 reference removed (RFC 5118 §4.5).
    public var received: String? {
        guard var value = self.parameters.lookup("received") else { return nil }
        if value.hasPrefix("[") && value.hasSuffix("]") && value.utf8.count >= 2 {
            value = String(value.dropFirst().dropLast())
        }
        return value
    }
    /// The `maddr` parameter.
    public var maddr: String? { self.parameters.lookup("maddr") }
    /// The `ttl` parameter, when it is a number from 0 to 255.
    public var ttl: Int? {
        guard let value = self.parameters.lookup("ttl"), case .value(let ttl) = ASCII.parseDecimal(value[...], maximum: 255)
        else { return nil }
        return Int(ttl)
    }
    /// The `rport` parameter (RFC 3581 §4).
    public var rport: RPort {
        guard let value = self.parameters.lookup("rport") else { return .absent }
        if value.isEmpty { return .requested }
        if case .value(let port) = ASCII.parseDecimal(value[...], maximum: 65535) { return .value(Int(port)) }
        return .requested
    }
    /// The branch starts with the RFC 3261 magic cookie `z9hG4bK` (§8.1.1.7).
    public var hasMagicCookie: Bool { self.branch?.hasPrefix("z9hG4bK") ?? false }

    /// `SIP/2.0/UDP host:port;params`.
    public var description: String {
        var text = "\(self.protocolName)/\(self.version)/\(self.transport) "
        text += self.isIPv6 ? "[\(self.host)]" : self.host
        if let port = self.port { text += ":\(port)" }
        for parameter in self.parameters { text += ";\(parameter)" }
        return text
    }

    /// Parses a whole Via header value, which may hold several comma-separated Via values.
    public static func parseList(_ string: String) throws(SIPParseError) -> [SIPVia] {
        let bytes = Array(string.utf8)
        return try SIPVia.parseList(bytes, 0..<bytes.count)
    }

    /// Parses exactly one Via value.
    public static func parse(_ string: String) throws(SIPParseError) -> SIPVia {
        let bytes = Array(string.utf8)
        return try SIPVia.parseOne(bytes, ASCII.trim(bytes, 0..<bytes.count))
    }

    static func parseList(_ bytes: [UInt8], _ range: Range<Int>) throws(SIPParseError) -> [SIPVia] {
        var result: [SIPVia] = []
        for piece in ASCII.splitTopLevel(bytes, range, separator: ASCII.comma) {
            result.append(try SIPVia.parseOne(bytes, piece))
        }
        return result
    }

    /// The first Via value of a header value.
    static func parseFirst(_ bytes: [UInt8], _ range: Range<Int>) throws(SIPParseError) -> SIPVia {
        try SIPVia.parseOne(bytes, ASCII.firstTopLevelPiece(bytes, range, separator: ASCII.comma))
    }

    private static func fail(_ bytes: [UInt8], _ range: Range<Int>, at offset: Int, _ reason: String) -> SIPParseError {
        SIPNameAddress.fail(bytes, range, at: offset, reason)
    }

    /// `sent-protocol LWS sent-by *( SEMI via-params )`; LWS is allowed around "/" (RFC 4475 wsinv.dat).
    static func parseOne(_ bytes: [UInt8], _ range: Range<Int>) throws(SIPParseError) -> SIPVia {
        guard !range.isEmpty else { throw SIPVia.fail(bytes, range, at: range.lowerBound, "empty Via value") }
        var index = range.lowerBound
        func skipLWS() {
            while index < range.upperBound && ASCII.isLWS(bytes[index]) { index += 1 }
        }
        func token() -> Range<Int> {
            let start = index
            while index < range.upperBound && ASCII.isTokenChar(bytes[index]) { index += 1 }
            return start..<index
        }
        // sent-protocol = protocol-name SLASH protocol-version SLASH transport
        var parts: (Range<Int>, Range<Int>, Range<Int>) = (index..<index, index..<index, index..<index)
        for part in 0..<3 {
            skipLWS()
            let piece = token()
            guard !piece.isEmpty else {
                throw SIPVia.fail(bytes, range, at: index, "Via must start with protocol/version/transport")
            }
            switch part {
            case 0: parts.0 = piece
            case 1: parts.1 = piece
            default: parts.2 = piece
            }
            skipLWS()
            if part < 2 {
                guard index < range.upperBound, bytes[index] == ASCII.slash else {
                    throw SIPVia.fail(bytes, range, at: index, "expected '/' in the Via sent-protocol")
                }
                index += 1
            }
        }
        // sent-by = host [ COLON port ]
        var host: String
        var isIPv6 = false
        if index < range.upperBound && bytes[index] == ASCII.openBracket {
            guard let close = bytes[index..<range.upperBound].firstIndex(of: ASCII.closeBracket),
                SIPURI.isValidIPv6(bytes, (index + 1)..<close)
            else {
                throw SIPVia.fail(bytes, range, at: index, "invalid IPv6 reference in Via sent-by")
            }
            host = ASCII.string(bytes, (index + 1)..<close)
            isIPv6 = true
            index = close + 1
        } else {
            let start = index
            while index < range.upperBound {
                let byte = bytes[index]
                guard ASCII.isAlpha(byte) || ASCII.isDigit(byte) || byte == UInt8(ascii: "-") || byte == ASCII.dot
                    || byte == UInt8(ascii: "_")
                else { break }
                index += 1
            }
            guard index > start else { throw SIPVia.fail(bytes, range, at: index, "Via has no sent-by host") }
            host = ASCII.string(bytes, start..<index)
        }
        var port: Int? = nil
        var lookahead = index
        while lookahead < range.upperBound && ASCII.isLWS(bytes[lookahead]) { lookahead += 1 }
        if lookahead < range.upperBound && bytes[lookahead] == ASCII.colon {
            index = lookahead + 1
            skipLWS()
            let start = index
            while index < range.upperBound && ASCII.isDigit(bytes[index]) { index += 1 }
            guard case .value(let value) = ASCII.parseDecimal(bytes, start..<index, maximum: 65535) else {
                throw SIPVia.fail(bytes, range, at: start, "Via port is not a number from 0 to 65535")
            }
            port = Int(value)
        }
        let parameters = try SIPNameAddress.parseHeaderParameters(bytes, index..<range.upperBound)
        return SIPVia(
            protocolName: ASCII.commonToken(bytes, parts.0) ?? ASCII.string(bytes, parts.0),
            version: ASCII.commonToken(bytes, parts.1) ?? ASCII.string(bytes, parts.1),
            transport: ASCII.commonToken(bytes, parts.2) ?? ASCII.string(bytes, parts.2),
            host: host,
            isIPv6: isIPv6,
            port: port,
            parameters: parameters
        )
    }
}
