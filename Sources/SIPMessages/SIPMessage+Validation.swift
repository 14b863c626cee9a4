/// A problem ``SIPMessage/validate()`` found in a message that parsed.
public struct SIPValidationIssue: Hashable, Sendable, CustomStringConvertible {
    /// How bad the problem is.
    public enum Severity: Hashable, Sendable, CustomStringConvertible {
        /// A compliant element must refuse the message: answer a request with an error response
        /// (400, 416, 505, ...) or drop a response.
        case reject
        /// Worth reporting; a compliant element may still process the message.
        case warning

        public var description: String {
            switch self {
            case .reject: return "reject"
            case .warning: return "warning"
            }
        }
    }

    /// How bad the problem is.
    public var severity: Severity
    /// A stable identifier: "missing-header", "duplicate-header", "cseq-method-mismatch",
    /// "unsupported-version", "overlarge-value", "unsupported-uri-scheme", "malformed-header", ...
    public var code: String
    /// The 1-based line of the offending header field, when there is one.
    public var line: Int?
    /// A sentence citing the RFC.
    public var reason: String

    public init(severity: Severity, code: String, line: Int? = nil, reason: String) {
        self.severity = severity
        self.code = code
        self.line = line
        self.reason = reason
    }

    public var description: String {
        var text = "\(self.severity) \(self.code)"
        if let line = self.line { text += " (line \(line))" }
        return text + ": " + self.reason
    }
}

extension SIPMessage {
    /// Header fields that may appear only once (RFC 3261 §7.3.1: only `#element` list headers may repeat).
    private static let singleValued: [SIPHeaderName] = [
        .to, .from, .callID, .cseq, .maxForwards, .contentLength, .contentType, .expires,
    ]

    /// Checks the message against RFC 3261 beyond what the parser needs for framing, and returns every
    /// problem found, in header order. An empty array means nothing to complain about.
    ///
    /// Mandatory headers (RFC 3261 §8.1.1), single-valued headers given twice (RFC 4475 §3.3.8), CSeq
    /// method vs request method (§8.1.1.5), the protocol version (505), the Request-URI scheme (416),
    /// numeric ranges (Max-Forwards 0-255, CSeq < 2**31, Expires < 2**32, status 100-699), the syntax of
    /// From/To/Contact/Route/Record-Route/Via/Content-Type/Date, and Max-Forwards 0 (warning).
    /// Messages whose top Via lacks the RFC 3261 magic cookie are treated as RFC 2543 senders: missing
    /// Max-Forwards and Contact are then warnings (RFC 4475 §3.4.1 asks for backward compatibility).
    public func validate() -> [SIPValidationIssue] {
        var issues: [SIPValidationIssue] = []
        let headers = self.headers
        func reject(_ code: String, _ line: Int?, _ reason: String) {
            issues.append(SIPValidationIssue(severity: .reject, code: code, line: line, reason: reason))
        }
        func warn(_ code: String, _ line: Int?, _ reason: String) {
            issues.append(SIPValidationIssue(severity: .warning, code: code, line: line, reason: reason))
        }
        func lineOf(_ index: Int) -> Int? {
            let line = headers.entries[index].line
            return line > 0 ? line : nil
        }

        // Version (RFC 3261 §7.1; 505 Version Not Supported, §21.5.7).
        if !ASCII.caseInsensitiveEquals(self.version, "SIP/2.0") {
            reject("unsupported-version", 1, "protocol version \(self.version) is not SIP/2.0; a UAS answers 505 Version Not Supported (RFC 3261 §8.2.2, §21.5.7)")
        }

        // Start line.
        let topVia = headers.topVia
        let isRFC2543 = topVia.map { !$0.hasMagicCookie } ?? false
        switch self {
        case .request(let request):
            let scheme = request.requestURI.scheme
            if scheme != "sip" && scheme != "sips" && scheme != "tel" {
                reject("unsupported-uri-scheme", 1, "Request-URI scheme '\(scheme)' is not supported; respond 416 Unsupported URI Scheme (RFC 3261 §8.2.2.1)")
            }
            if request.requestURI.isSIP && !request.requestURI.headers.isEmpty {
                reject("uri-headers-in-request-uri", 1, "a Request-URI must not carry URI headers (RFC 3261 §19.1.1 Table 1; RFC 4475 §3.1.2.11); respond 400")
            }
            if let cseq = headers.cseq, cseq.method != request.method, let index = headers.firstIndex(id: KnownHeaderID.cseq) {
                reject("cseq-method-mismatch", lineOf(index), "CSeq method \(cseq.method) does not match the request method \(request.method) (RFC 3261 §8.1.1.5, §20.16); respond 400")
            }
            var mandatory: [SIPHeaderName] = [.to, .from, .cseq, .callID, .via]
            var relaxed: [SIPHeaderName] = [.maxForwards]
            if request.method == .invite { relaxed.append(.contact) }
            if !isRFC2543 {
                mandatory += relaxed
                relaxed = []
            }
            for name in mandatory where !headers.contains(name) {
                reject("missing-header", nil, "a request must contain \(name) (RFC 3261 §8.1.1\(name == .contact ? ".8" : "")); respond 400")
            }
            for name in relaxed where !headers.contains(name) {
                warn("missing-header", nil, "\(name) is missing; tolerated because the top Via has no z9hG4bK branch (an RFC 2543 sender, RFC 4475 §3.4.1)")
            }
            if let index = headers.firstIndex(id: KnownHeaderID.maxForwards), headers.maxForwards == 0 {
                warn("max-forwards-zero", lineOf(index), "Max-Forwards is 0: a proxy must not forward this request (answer 483, RFC 3261 §16.3 step 2)")
            }
        case .response(let response):
            if response.statusCode < 100 || response.statusCode > 699 {
                reject("status-code-out-of-range", 1, "status code \(response.statusCode) is outside 100-699 (RFC 3261 §7.2, §21); drop the response")
            }
            for name in [SIPHeaderName.to, .from, .cseq, .callID, .via] where !headers.contains(name) {
                reject("missing-header", nil, "a response must contain \(name) (RFC 3261 §8.2.6.2); drop it")
            }
        }

        // Single-valued headers given more than once.
        for name in SIPMessage.singleValued {
            let indexes = headers.entries.indices.filter { headers.entries[$0].id == name.id }
            if indexes.count > 1 {
                reject("duplicate-header", lineOf(indexes[1]), "\(name) appears \(indexes.count) times but allows one value (RFC 3261 §7.3.1; RFC 4475 §3.3.8); respond 400")
            }
        }

        // Field by field.
        for index in headers.entries.indices {
            let entry = headers.entries[index]
            let line = lineOf(index)
            let (bytes, range) = headers.unfoldedValue(at: index)
            switch entry.id {
            case KnownHeaderID.from, KnownHeaderID.to:
                let name = entry.id == KnownHeaderID.from ? "From" : "To"
                do {
                    let address = try SIPNameAddress.parse(bytes, range)
                    let scheme = address.uri.scheme
                    if scheme != "sip" && scheme != "sips" && scheme != "tel" {
                        warn("unknown-scheme", line, "\(name) URI uses the scheme '\(scheme)' (legal, RFC 4475 §3.3.4, but no SIP element can route to it)")
                    }
                } catch {
                    reject("malformed-header", line, "\(name) is not a valid name-addr or addr-spec: \(error.reason) (RFC 3261 §20.\(name == "From" ? "20" : "39"), §25.1)")
                }
            case KnownHeaderID.contact, KnownHeaderID.route, KnownHeaderID.recordRoute:
                let name = SIPHeaderName.known[entry.id]
                for piece in ASCII.splitTopLevel(bytes, range, separator: ASCII.comma) {
                    if entry.id == KnownHeaderID.contact && piece.count == 1 && bytes[piece.lowerBound] == UInt8(ascii: "*") {
                        continue
                    }
                    do {
                        let address = try SIPNameAddress.parse(bytes, piece)
                        if let expires = address.parameter("expires"),
                            case .value = ASCII.parseDecimal(expires[...], maximum: UInt64(UInt32.max))
                        {
                        } else if let expires = address.parameter("expires") {
                            reject("overlarge-value", line, "Contact expires=\(expires) is not a number of seconds below 2**32 (RFC 3261 §20.10, §20.19); respond 400")
                        }
                    } catch {
                        reject("malformed-header", line, "\(name) value is not a valid name-addr: \(error.reason) (RFC 3261 §20.10, §25.1)")
                    }
                }
            case KnownHeaderID.via:
                do {
                    _ = try SIPVia.parseList(bytes, range)
                } catch {
                    reject("malformed-header", line, "Via is malformed: \(error.reason) (RFC 3261 §20.42)")
                }
            case KnownHeaderID.cseq:
                do {
                    let cseq = try SIPCSeq.parse(bytes, range)
                    if cseq.number >= 1 << 31 {
                        reject("overlarge-value", line, "CSeq number \(cseq.number) is not below 2**31 (RFC 3261 §8.1.1.5)")
                    }
                } catch {
                    reject("malformed-header", line, "CSeq is malformed: \(error.reason) (RFC 3261 §20.16)")
                }
            case KnownHeaderID.maxForwards:
                switch ASCII.parseDecimal(bytes, range, maximum: UInt64(UInt32.max)) {
                case .value(let value) where value > 255:
                    reject("overlarge-value", line, "Max-Forwards \(value) is above 255 (RFC 3261 §20.22)")
                case .value: break
                default:
                    reject("overlarge-value", line, "Max-Forwards is not a number from 0 to 255 (RFC 3261 §20.22)")
                }
            case KnownHeaderID.expires:
                if case .value = ASCII.parseDecimal(bytes, range, maximum: UInt64(UInt32.max)) {
                } else {
                    reject("overlarge-value", line, "Expires '\(SIPParseError.printableExcerpt(ASCII.string(bytes, range)))' is not a number of seconds from 0 to 2**32-1 (RFC 3261 §20.19)")
                }
            case KnownHeaderID.contentLength:
                switch ASCII.parseDecimal(bytes, range, maximum: UInt64(Int32.max)) {
                case .value(let value) where Int(value) != self.body.count:
                    reject("content-length-mismatch", line, "Content-Length \(value) does not match the body length \(self.body.count) (RFC 3261 §20.14)")
                case .value: break
                default:
                    reject("overlarge-value", line, "Content-Length is not a non-negative number (RFC 3261 §20.14)")
                }
            case KnownHeaderID.contentType:
                do {
                    _ = try SIPContentType.parse(bytes, range)
                } catch {
                    reject("malformed-header", line, "Content-Type is malformed: \(error.reason) (RFC 3261 §20.15)")
                }
            case KnownHeaderID.date:
                if !SIPMessage.isRFC1123GMTDate(bytes, range) {
                    reject("malformed-date", line, "Date must be an RFC 1123 date in GMT, e.g. 'Sat, 13 Nov 2010 23:29:00 GMT' (RFC 3261 §20.17; RFC 4475 §3.1.2.12)")
                }
            default:
                break
            }
        }

        if !self.body.isEmpty && !headers.contains(.contentType) {
            reject("missing-header", nil, "a message with a body must carry Content-Type (RFC 3261 §20.15)")
        }
        if let via = topVia, !via.hasMagicCookie, case .request = self {
            warn("missing-branch", headers.firstIndex(id: KnownHeaderID.via).flatMap(lineOf), "top Via branch lacks the z9hG4bK magic cookie: an RFC 2543 sender, matched by the old rules (RFC 3261 §8.1.1.7, §17.2.3)")
        }
        return issues
    }

    /// `wkday "," SP 2DIGIT SP month SP 4DIGIT SP 2DIGIT ":" 2DIGIT ":" 2DIGIT SP "GMT"` (RFC 3261 §25.1 rfc1123-date).
    static func isRFC1123GMTDate(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        let text = ASCII.string(bytes, range)
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return false }
        let days = ["Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func digits(_ part: Substring, _ count: Int) -> Bool {
            part.utf8.count == count && part.utf8.allSatisfy { ASCII.isDigit($0) }
        }
        let time = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        return days.contains(String(parts[0])) && digits(parts[1], 2) && months.contains(String(parts[2]))
            && digits(parts[3], 4) && time.count == 3 && time.allSatisfy { digits($0, 2) } && parts[5] == "GMT"
    }
}
