/// A `WWW-Authenticate`, `Proxy-Authenticate`, `Authorization` or `Proxy-Authorization` value
/// that could not be read as digest authentication.
///
/// Errors carry a stable ``code`` plus context for a person: the byte ``offset`` into the header
/// value, the scheme or parameter concerned, and a short excerpt of the input. Two errors are
/// equal when their codes are equal, so tests can compare against a bare code.
///
/// Header values handled here never contain a password, so quoting the input is safe.
public struct DigestParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of error, stable across releases; its ``description`` is a kebab-case identifier.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The kebab-case identifier, e.g. `unsupported-scheme`.
        public let name: String

        private init(_ name: String) { self.name = name }

        public var description: String { self.name }

        /// The header value is empty or only whitespace.
        public static let empty = Code("empty")
        /// The header value is longer than ``DigestParseLimits/maximumHeaderValueLength``.
        public static let headerValueTooLong = Code("header-value-too-long")
        /// More parameters than ``DigestParseLimits/maximumParameterCount``.
        public static let tooManyParameters = Code("too-many-parameters")
        /// The value does not start with an authentication scheme token.
        public static let malformedScheme = Code("malformed-scheme")
        /// The scheme is not `Digest` (for example `Basic` or `NTLM`); see ``DigestParseError/scheme``.
        public static let unsupportedScheme = Code("unsupported-scheme")
        /// A parameter is not `name=value` or is followed by stray text.
        public static let malformedParameter = Code("malformed-parameter")
        /// A quoted string has no closing quote.
        public static let unterminatedQuotedString = Code("unterminated-quoted-string")
        /// A known parameter occurs twice (RFC 7235 §2.1: "Each parameter name MUST only occur
        /// once per challenge"), so which one the peer meant is unknown.
        public static let duplicateParameter = Code("duplicate-parameter")
        /// A required parameter (realm, nonce, username, uri, response) is absent.
        public static let missingParameter = Code("missing-parameter")
        /// A parameter has a value that cannot be used (for example too many qop options).
        public static let invalidParameterValue = Code("invalid-parameter-value")
    }

    /// What went wrong.
    public var code: Code
    /// Byte offset into the header value where the problem was found.
    public var offset: Int
    /// The scheme found, for ``Code/unsupportedScheme`` (e.g. `"Basic"`).
    public var scheme: String?
    /// The parameter concerned, for parameter errors (e.g. `"nonce"`).
    public var parameter: String?
    /// A plain-English explanation quoting (a bounded excerpt of) the input.
    public var detail: String

    /// Creates an error.
    public init(code: Code, offset: Int, scheme: String? = nil, parameter: String? = nil, detail: String) {
        self.code = code
        self.offset = offset
        self.scheme = scheme
        self.parameter = parameter
        self.detail = detail
    }

    public var description: String { "\(self.code) at byte \(self.offset): \(self.detail)" }

    public static func == (lhs: DigestParseError, rhs: DigestParseError) -> Bool { lhs.code == rhs.code }

    public func hash(into hasher: inout Hasher) { hasher.combine(self.code) }
}

/// Bounds applied while parsing, so hostile input cannot make the parser use unbounded memory.
public enum DigestParseLimits {
    /// Longest header value accepted, in UTF-8 bytes. Real challenges and responses are a few
    /// hundred bytes; RFC 3261 sets no limit, so 16 KiB is ours (it leaves room for long nonces
    /// and request URIs while rejecting a 1 MiB value at once).
    public static let maximumHeaderValueLength = 16 * 1024
    /// Most parameters in one value. RFC 7616 defines 12 for a response; 64 leaves room for
    /// vendor extensions and stops a flood of `a=b,` pairs.
    public static let maximumParameterCount = 64
    /// Most entries in a `qop` or `domain` list. RFC 7616 defines two qop values; 16 is generous.
    public static let maximumListCount = 16
    /// Longest input excerpt quoted in an error message.
    static let maximumExcerptLength = 40
}
