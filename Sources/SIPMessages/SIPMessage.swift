/// A SIP request (RFC 3261 §7.1).
public struct SIPRequest: Hashable, Sendable {
    /// The method from the Request-Line.
    public var method: SIPMethod
    /// The Request-URI.
    public var requestURI: SIPURI
    /// The protocol version as written, normally "SIP/2.0" (others are flagged by ``SIPMessage/validate()``).
    public var version: String
    /// The header fields.
    public var headers: SIPHeaders
    /// The body bytes (exactly Content-Length bytes for a parsed message).
    public var body: [UInt8]

    public init(
        method: SIPMethod,
        requestURI: SIPURI,
        version: String = "SIP/2.0",
        headers: SIPHeaders = SIPHeaders(),
        body: [UInt8] = []
    ) {
        self.method = method
        self.requestURI = requestURI
        self.version = version
        self.headers = headers
        self.body = body
    }
}

/// A SIP response (RFC 3261 §7.2).
public struct SIPResponse: Hashable, Sendable {
    /// The status code (three digits; 100-699 for a valid response).
    public var statusCode: Int
    /// The reason phrase as written (may be empty or UTF-8).
    public var reasonPhrase: String
    /// The protocol version as written, normally "SIP/2.0".
    public var version: String
    /// The header fields.
    public var headers: SIPHeaders
    /// The body bytes.
    public var body: [UInt8]

    public init(
        statusCode: Int,
        reasonPhrase: String,
        version: String = "SIP/2.0",
        headers: SIPHeaders = SIPHeaders(),
        body: [UInt8] = []
    ) {
        self.statusCode = statusCode
        self.reasonPhrase = reasonPhrase
        self.version = version
        self.headers = headers
        self.body = body
    }
}

/// A SIP message: a request or a response.
///
/// The typed accessors (``callID``, ``cseq``, ``topVia``, ...) parse the relevant header on access and
/// return nil when it is absent or malformed; ``validate()`` says which.
public enum SIPMessage: Hashable, Sendable, CustomStringConvertible {
    case request(SIPRequest)
    case response(SIPResponse)

    /// The header fields.
    public var headers: SIPHeaders {
        get {
            switch self {
            case .request(let request): return request.headers
            case .response(let response): return response.headers
            }
        }
        set {
            switch self {
            case .request(var request):
                request.headers = newValue
                self = .request(request)
            case .response(var response):
                response.headers = newValue
                self = .response(response)
            }
        }
    }

    /// The body bytes.
    public var body: [UInt8] {
        switch self {
        case .request(let request): return request.body
        case .response(let response): return response.body
        }
    }

    /// The protocol version from the start line.
    public var version: String {
        switch self {
        case .request(let request): return request.version
        case .response(let response): return response.version
        }
    }

    /// The request, if this is one.
    public var request: SIPRequest? {
        if case .request(let request) = self { return request }
        return nil
    }

    /// The response, if this is one.
    public var response: SIPResponse? {
        if case .response(let response) = self { return response }
        return nil
    }

    public var callID: String? { self.headers.callID }
    public var cseq: SIPCSeq? { self.headers.cseq }
    public var topVia: SIPVia? { self.headers.topVia }
    public var from: SIPNameAddress? { self.headers.from }
    public var to: SIPNameAddress? { self.headers.to }
    public var contentLength: Int? { self.headers.contentLength }
    public var contentType: SIPContentType? { self.headers.contentType }
    public var maxForwards: Int? { self.headers.maxForwards }

    /// The message as text (serialized; invalid UTF-8 in a body is replaced).
    public var description: String {
        String(decoding: self.serialized(), as: UTF8.self)
    }
}

extension SIPHeaders {
    /// The Call-ID (RFC 3261 §20.8), compact form `i`.
    public var callID: String? {
        guard let index = self.firstIndex(id: KnownHeaderID.callID) else { return nil }
        return self.valueString(at: index)
    }

    /// The CSeq (RFC 3261 §20.16).
    public var cseq: SIPCSeq? {
        if let keys = self.keys, keys.cseq >= 0, let method = keys.cseqMethod {
            // Checked by the parser: only the method becomes a String.
            return SIPCSeq(number: keys.cseqNumber, method: SIPMethod(ASCII.string(self.storage, method)))
        }
        guard let index = self.firstIndex(id: KnownHeaderID.cseq) else { return nil }
        let (bytes, range) = self.unfoldedValue(at: index)
        return try? SIPCSeq.parse(bytes, range)
    }

    /// The first Via value: the one a response is routed back with (RFC 3261 §18.2.2).
    public var topVia: SIPVia? {
        guard let index = self.firstIndex(id: KnownHeaderID.via) else { return nil }
        let (bytes, range) = self.unfoldedValue(at: index)
        return try? SIPVia.parseFirst(bytes, range)
    }

    /// All Via values in order (every Via field, each split at commas). Throws on the first malformed one.
    public func vias() throws(SIPParseError) -> [SIPVia] {
        var result: [SIPVia] = []
        for index in self.entries.indices where self.entries[index].id == KnownHeaderID.via {
            let (bytes, range) = self.unfoldedValue(at: index)
            result += try SIPVia.parseList(bytes, range)
        }
        return result
    }

    /// The From header (RFC 3261 §20.20), compact form `f`.
    public var from: SIPNameAddress? { self.nameAddress(id: KnownHeaderID.from) }

    /// The To header (RFC 3261 §20.39), compact form `t`.
    public var to: SIPNameAddress? { self.nameAddress(id: KnownHeaderID.to) }

    /// The Contact values (RFC 3261 §20.10), or nil for `Contact: *` or when one is malformed.
    public var contacts: [SIPNameAddress]? {
        try? self.nameAddresses(.contact)
    }

    /// Every value of a name-addr list header (Contact, Route, Record-Route, Path, ...), in order.
    /// Throws on the first malformed value.
    public func nameAddresses(_ name: SIPHeaderName) throws(SIPParseError) -> [SIPNameAddress] {
        var result: [SIPNameAddress] = []
        for index in self.entries.indices where self.matches(index, name) {
            let (bytes, range) = self.unfoldedValue(at: index)
            for piece in ASCII.splitTopLevel(bytes, range, separator: ASCII.comma) {
                if piece.count == 1 && bytes[piece.lowerBound] == UInt8(ascii: "*") && name == .contact {
                    continue
                }
                result.append(try SIPNameAddress.parse(bytes, piece))
            }
        }
        return result
    }

    /// Content-Length (RFC 3261 §20.14), compact form `l`, when it is a valid number.
    public var contentLength: Int? { self.number(id: KnownHeaderID.contentLength, maximum: UInt64(Int32.max)) }

    /// Max-Forwards (RFC 3261 §20.22), when it is a valid number.
    public var maxForwards: Int? { self.number(id: KnownHeaderID.maxForwards, maximum: UInt64(UInt32.max)) }

    /// Expires (RFC 3261 §20.19) in seconds, when it is a valid 32-bit number.
    public var expires: Int? { self.number(id: KnownHeaderID.expires, maximum: UInt64(UInt32.max)) }

    /// Content-Type (RFC 3261 §20.15), compact form `c`.
    public var contentType: SIPContentType? {
        guard let index = self.firstIndex(id: KnownHeaderID.contentType) else { return nil }
        let (bytes, range) = self.unfoldedValue(at: index)
        return try? SIPContentType.parse(bytes, range)
    }

    func nameAddress(id: Int) -> SIPNameAddress? {
        guard let index = self.firstIndex(id: id) else { return nil }
        let (bytes, range) = self.unfoldedValue(at: index)
        return try? SIPNameAddress.parse(bytes, range)
    }

    func number(id: Int, maximum: UInt64) -> Int? {
        guard let index = self.firstIndex(id: id) else { return nil }
        let (bytes, range) = self.unfoldedValue(at: index)
        guard case .value(let value) = ASCII.parseDecimal(bytes, range, maximum: maximum) else { return nil }
        return Int(value)
    }
}

extension SIPHeaders {
    /// The From tag, found without parsing the URI (cheaper than `from?.tag`; dialog matching needs it
    /// on every message, RFC 3261 §12).
    public var fromTag: String? { self.tag(id: KnownHeaderID.from) }

    /// The To tag, found without parsing the URI.
    public var toTag: String? { self.tag(id: KnownHeaderID.to) }

    /// Finds where the header parameters start (after `>` of a name-addr, or at the first ';' after the
    /// userinfo of an addr-spec) and reads the `tag` parameter there.
    func tag(id: Int) -> String? {
        guard let index = self.firstIndex(id: id) else { return nil }
        let (bytes, range) = self.unfoldedValue(at: index)
        let parametersStart: Int? = bytes.withUnsafeBufferPointer { buffer in
            var position = range.lowerBound
            var inQuotes = false
            while position < range.upperBound {
                let byte = buffer[position]
                if inQuotes {
                    if byte == ASCII.backslash {
                        position += 1
                    } else if byte == ASCII.quote {
                        inQuotes = false
                    }
                } else if byte == ASCII.quote {
                    inQuotes = true
                } else if byte == ASCII.lessThan {
                    // name-addr: the parameters follow the '>' (none: not an address, no tag).
                    guard let close = ASCII.firstIndex(of: ASCII.greaterThan, in: buffer, from: position, to: range.upperBound)
                    else { return nil }
                    return close + 1
                }
                position += 1
            }
            // addr-spec: the parameters start at the first ';' after the userinfo.
            let start = ASCII.firstIndex(of: ASCII.at, in: buffer, from: range.lowerBound, to: range.upperBound) ?? range.lowerBound
            return ASCII.firstIndex(of: ASCII.semicolon, in: buffer, from: start, to: range.upperBound) ?? range.upperBound
        }
        guard let start = parametersStart else { return nil }
        return SIPNameAddress.headerParameter("tag", bytes, start..<range.upperBound)
    }
}

extension SIPMessage {
    /// The From tag (see ``SIPHeaders/fromTag``).
    public var fromTag: String? { self.headers.fromTag }
    /// The To tag (see ``SIPHeaders/toTag``).
    public var toTag: String? { self.headers.toTag }
}
