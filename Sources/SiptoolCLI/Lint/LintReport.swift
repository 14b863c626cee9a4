import SIPMessages

/// One thing `siptool lint` has to say about a message.
public struct LintFinding: Hashable, Sendable {
    /// How much the finding matters.
    public enum Severity: String, Hashable, Sendable, Comparable {
        /// Informational: context a person reading the message will want.
        case info
        /// Legal but likely to cause trouble (NAT, DTMF, framing on TCP, ...).
        case warning
        /// A compliant element must reject the message (respond 4xx/5xx, or drop a response).
        case error

        private var rank: Int {
            switch self {
            case .info: return 0
            case .warning: return 1
            case .error: return 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// How much the finding matters.
    public var severity: Severity
    /// A stable identifier, e.g. `nat.private-contact`, `sip.missing-header`, `sdp.no-telephone-event`.
    public var code: String
    /// The 1-based line of the input the finding is about, when there is one.
    public var line: Int?
    /// One plain sentence saying what is wrong and why it matters.
    public var message: String
    /// What to change, when lint can tell.
    public var hint: String?

    public init(_ severity: Severity, _ code: String, line: Int? = nil, _ message: String, hint: String? = nil) {
        self.severity = severity
        self.code = code
        self.line = line
        self.message = message
        self.hint = hint
    }
}

/// Everything `siptool lint` found in one message: the verdict, the findings and the normalised form.
public struct LintReport: Sendable {
    /// The overall verdict, which decides the exit code.
    public enum Verdict: String, Hashable, Sendable {
        /// The message parses and nothing forces a compliant element to reject it (warnings allowed).
        case wellFormed = "well-formed"
        /// The message parses, but a compliant element must reject it (RFC 4475 "respond 400" cases).
        case mustReject = "must-reject"
        /// The message cannot be parsed at all.
        case unparseable
    }

    /// The overall verdict.
    public var verdict: Verdict
    /// The parse error, for an unparseable message.
    public var parseError: SIPParseError?
    /// The parsed message, when it parsed.
    public var message: SIPMessage?
    /// Findings in input order (those without a line last).
    public var findings: [LintFinding]
    /// The message re-serialized in canonical form (CRLF, full header names, Content-Length recomputed).
    public var normalized: [UInt8]?

    /// The highest severity among the findings, if any.
    public var worstSeverity: LintFinding.Severity? { self.findings.map(\.severity).max() }

    /// A one-line summary of the message: "INVITE sip:+1555...@host (Call-ID x, CSeq 1 INVITE)".
    public var summary: String {
        guard let message = self.message else { return "not a SIP message" }
        var text: String
        switch message {
        case .request(let request):
            text = "\(request.method) \(request.requestURI)"
        case .response(let response):
            text = "\(response.statusCode) \(response.reasonPhrase)"
            if let cseq = message.cseq { text += " to \(cseq.method)" }
        }
        var details: [String] = []
        if let callID = message.callID { details.append("Call-ID \(callID)") }
        if let cseq = message.cseq { details.append("CSeq \(cseq)") }
        if !details.isEmpty { text += " (" + details.joined(separator: ", ") + ")" }
        return text
    }
}
