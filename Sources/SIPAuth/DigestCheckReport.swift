/// One observation about a digest exchange, with a stable code and a sentence for a person.
public struct DigestFinding: Sendable, Hashable, CustomStringConvertible {
    /// A stable kebab-case identifier for a kind of finding (used in output and tests).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The kebab-case identifier, e.g. `realm-mismatch`.
        public let name: String

        private init(_ name: String) { self.name = name }

        public var description: String { self.name }

        /// No challenge was available, so only the credentials and password could be checked.
        public static let noChallenge = Code("no-challenge")
        /// The credentials' realm differs from the challenge's.
        public static let realmMismatch = Code("realm-mismatch")
        /// The credentials answer a different nonce than the challenge's (old or stale nonce).
        public static let nonceMismatch = Code("nonce-mismatch")
        /// The challenge says `stale=true`: the last response was right but its nonce expired.
        public static let staleNonce = Code("stale-nonce")
        /// The credentials use a different algorithm than the challenge.
        public static let algorithmMismatch = Code("algorithm-mismatch")
        /// The credentials use a qop the challenge did not offer.
        public static let qopNotOffered = Code("qop-not-offered")
        /// The challenge offered qop but the credentials carry none (RFC 2617 §3.2.2: MUST use one).
        public static let qopMissing = Code("qop-missing")
        /// The challenge's opaque was not echoed unchanged.
        public static let opaqueMismatch = Code("opaque-mismatch")
        /// The digest `uri` differs from the Request-URI.
        public static let uriMismatch = Code("uri-mismatch")
        /// `nc` is missing (with qop) or is not 8 hex digits.
        public static let malformedNC = Code("malformed-nc")
        /// `cnonce` is missing although qop is used.
        public static let missingCNonce = Code("missing-cnonce")
        /// The response is not hex of the length the algorithm produces.
        public static let malformedResponse = Code("malformed-response")
        /// The algorithm is unknown, so the response cannot be recomputed.
        public static let unsupportedAlgorithm = Code("unsupported-algorithm")
        /// The response matches the candidate password: the password is not the problem.
        public static let passwordCorrect = Code("password-correct")
        /// The response does not match the candidate password (password or username wrong).
        public static let responseMismatch = Code("response-mismatch")
        /// No candidate password (or a hashed username), so the response was not recomputed.
        public static let notVerifiable = Code("not-verifiable")
    }

    /// How much the finding matters.
    public enum Severity: Int, Sendable, Hashable, Comparable, CustomStringConvertible {
        /// Context; nothing wrong.
        case info
        /// Unusual; may explain a rejection by a strict server.
        case warning
        /// Would make a server reject the credentials.
        case error

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            switch self {
            case .info: return "info"
            case .warning: return "warning"
            case .error: return "error"
            }
        }
    }

    /// What was found.
    public var code: Code
    /// How much it matters.
    public var severity: Severity
    /// One plain-English sentence (never contains a password).
    public var message: String

    /// Creates a finding.
    public init(code: Code, severity: Severity, message: String) {
        self.code = code
        self.severity = severity
        self.message = message
    }

    public var description: String { "\(self.severity) \(self.code): \(self.message)" }
}

/// The result of ``DigestVerifier/check(challenge:credentials:method:body:requestURI:candidatePassword:)``.
public struct DigestCheckReport: Sendable, Hashable, CustomStringConvertible {
    /// Findings in the order the checks ran (challenge consistency first, password last).
    public var findings: [DigestFinding]

    /// Creates a report.
    public init(findings: [DigestFinding]) {
        self.findings = findings
    }

    /// Whether a finding with `code` is present.
    public func contains(_ code: DigestFinding.Code) -> Bool {
        self.findings.contains { $0.code == code }
    }

    /// The first finding with `code`, if any.
    public func finding(_ code: DigestFinding.Code) -> DigestFinding? {
        self.findings.first { $0.code == code }
    }

    /// Whether any finding is an error.
    public var hasErrors: Bool { self.findings.contains { $0.severity == .error } }

    /// The codes, in order (handy in tests and compact output).
    public var codes: [DigestFinding.Code] { self.findings.map(\.code) }

    public var description: String { self.findings.map(\.description).joined(separator: "\n") }
}
