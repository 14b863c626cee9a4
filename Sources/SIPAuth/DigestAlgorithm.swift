/// The `algorithm` of a digest challenge or response (RFC 7616 §3.3, RFC 8760 §2.2).
///
/// Tokens compare case-insensitively, as RFC 7616 §3.3 says ("algorithm ... case-insensitive"
/// by the `token` rule of RFC 7235). An unknown token is kept as ``other(_:)`` so a checker can
/// say which algorithm a peer asked for, instead of failing the whole header.
public enum DigestAlgorithm: Sendable, Hashable, CustomStringConvertible {
    /// `MD5` (RFC 2617 §3.2.1). The default when the parameter is absent.
    case md5
    /// `MD5-sess`: HA1 is re-hashed with the nonce and cnonce (RFC 2617 §3.2.2.2).
    case md5Session
    /// `SHA-256` (RFC 7616 §3.2, RFC 8760 §2.2).
    case sha256
    /// `SHA-256-sess`.
    case sha256Session
    /// `SHA-512-256`: SHA-512/256 from FIPS 180-4 (RFC 7616 §3.2, RFC 8760 §2.2).
    case sha512256
    /// `SHA-512-256-sess`.
    case sha512256Session
    /// Any other token, kept as it was written.
    case other(String)

    /// Reads an `algorithm` token, case-insensitively.
    public init(token: String) {
        switch token.lowercased() {
        case "md5": self = .md5
        case "md5-sess": self = .md5Session
        case "sha-256": self = .sha256
        case "sha-256-sess": self = .sha256Session
        case "sha-512-256": self = .sha512256
        case "sha-512-256-sess": self = .sha512256Session
        default: self = .other(token)
        }
    }

    /// The token as the RFCs spell it (`MD5`, `SHA-256-sess`, ...), or the original text for ``other(_:)``.
    public var token: String {
        switch self {
        case .md5: return "MD5"
        case .md5Session: return "MD5-sess"
        case .sha256: return "SHA-256"
        case .sha256Session: return "SHA-256-sess"
        case .sha512256: return "SHA-512-256"
        case .sha512256Session: return "SHA-512-256-sess"
        case .other(let token): return token
        }
    }

    public var description: String { self.token }

    /// Whether this is a `-sess` variant, whose HA1 also covers the nonce and cnonce
    /// (RFC 7616 §3.4.2: `A1 = H(unq(username):unq(realm):passwd):unq(nonce-prime):unq(cnonce-prime)`).
    public var isSession: Bool {
        switch self {
        case .md5Session, .sha256Session, .sha512256Session: return true
        case .md5, .sha256, .sha512256, .other: return false
        }
    }

    /// Whether this module can compute responses for the algorithm.
    public var isSupported: Bool { self.hashFunction != nil }

    /// The number of hexadecimal characters in a response for this algorithm (32 for MD5, 64 for
    /// the SHA-2 variants), or `nil` when the algorithm is unknown.
    public var responseHexLength: Int? { self.hashFunction?.hexLength }

    /// A rank for choosing among several challenges; higher is stronger (RFC 8760 §2.4 asks
    /// clients to use the strongest algorithm they support). `nil` when unsupported.
    public var strength: Int? {
        switch self {
        case .md5, .md5Session: return 1
        case .sha256, .sha256Session: return 2
        case .sha512256, .sha512256Session: return 3
        case .other: return nil
        }
    }

    /// The hash behind the algorithm, `nil` for ``other(_:)``.
    var hashFunction: DigestHashFunction? {
        switch self {
        case .md5, .md5Session: return .md5
        case .sha256, .sha256Session: return .sha256
        case .sha512256, .sha512256Session: return .sha512256
        case .other: return nil
        }
    }

    /// Equality as a server would judge it: ``other(_:)`` tokens compare case-insensitively.
    func isEquivalent(to other: DigestAlgorithm) -> Bool {
        switch (self, other) {
        case (.other(let a), .other(let b)): return a.lowercased() == b.lowercased()
        default: return self == other
        }
    }
}

/// A "quality of protection" value (RFC 2617 §3.2.1, RFC 7616 §3.3).
public enum DigestQOP: Sendable, Hashable, CustomStringConvertible {
    /// `auth`: authentication only; HA2 covers the method and digest URI.
    case auth
    /// `auth-int`: authentication with integrity; HA2 also covers H(body).
    case authInt
    /// Any other token, kept as written.
    case other(String)

    /// Reads a qop token, case-insensitively.
    public init(token: String) {
        switch token.lowercased() {
        case "auth": self = .auth
        case "auth-int": self = .authInt
        default: self = .other(token)
        }
    }

    /// The token as written on the wire.
    public var token: String {
        switch self {
        case .auth: return "auth"
        case .authInt: return "auth-int"
        case .other(let token): return token
        }
    }

    public var description: String { self.token }

    /// Equality as a server would judge it: ``other(_:)`` tokens compare case-insensitively.
    func isEquivalent(to other: DigestQOP) -> Bool {
        switch (self, other) {
        case (.other(let a), .other(let b)): return a.lowercased() == b.lowercased()
        default: return self == other
        }
    }
}
