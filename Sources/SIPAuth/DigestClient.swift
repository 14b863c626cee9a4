/// A challenge the client cannot answer.
public struct DigestClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of error; its ``description`` is a stable kebab-case identifier.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The kebab-case identifier.
        public let name: String

        private init(_ name: String) { self.name = name }

        public var description: String { self.name }

        /// The challenge's algorithm is not MD5, SHA-256 or SHA-512-256 (or their -sess forms).
        public static let unsupportedAlgorithm = Code("unsupported-algorithm")
        /// The challenge offers qop values, none of which is `auth` or `auth-int`.
        public static let unsupportedQOP = Code("unsupported-qop")
    }

    /// What went wrong.
    public var code: Code
    /// A plain-English explanation (never contains the password).
    public var detail: String

    /// Creates an error.
    public init(code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(self.code): \(self.detail)" }

    public static func == (lhs: DigestClientError, rhs: DigestClientError) -> Bool { lhs.code == rhs.code }

    public func hash(into hasher: inout Hasher) { hasher.combine(self.code) }
}

/// Answers digest challenges for one account (RFC 3261 §22.2, RFC 7616 §3.4).
///
/// The client counts `nc` per nonce and caches HA1 per (realm, algorithm): HA1 depends only on
/// the username, realm and password, so it is computed once per realm rather than per request
/// (for `-sess` algorithms the cached value is the inner `H(username:realm:password)`). It also
/// caches HA2 per (method, URI) when the body is not hashed, so a repeated request such as a
/// REGISTER refresh costs one hash.
///
/// ```
/// var client = DigestClient(username: "alice", password: secret)
/// let challenge = try DigestChallenge.parse(wwwAuthenticateValue)
/// let credentials = try client.authorization(for: challenge, method: "REGISTER", uri: "sip:example.com")
/// // send credentials.headerValue in Authorization
/// ```
///
/// - Note: The password is never part of ``description``, ``debugDescription`` or the mirror.
public struct DigestClient: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The username the client authenticates as.
    public let username: String
    private let password: String
    /// The per-nonce request counter.
    public private(set) var nonceCounter = DigestNonceCounter()
    private var cachedHA1: CachedHA1?
    private var cachedHA2: CachedHA2?

    private struct CachedHA1: Sendable {
        var realm: String
        var hash: DigestHashFunction
        var baseHA1Hex: String
    }

    /// HA2 for `qop=auth` or no qop, which depends only on the method and URI.
    private struct CachedHA2: Sendable {
        var method: String
        var uri: String
        var hash: DigestHashFunction
        var ha2Hex: String
    }

    /// Creates a client for one account.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Answers `challenge` for a request, counting `nc` for the challenge's nonce and generating a
    /// cnonce when none is given.
    ///
    /// - Parameters:
    ///   - method: the request method (`REGISTER`, `INVITE`, ...).
    ///   - uri: the digest URI, normally the Request-URI (RFC 3261 §22.4).
    ///   - body: the message body, hashed only for `qop=auth-int`.
    ///   - cnonce: a fixed cnonce (for tests); `nil` generates one with ``makeCNonce()``.
    ///   - preferAuthInt: use `auth-int` when offered; otherwise `auth` is used whenever offered.
    public mutating func authorization(
        for challenge: DigestChallenge,
        method: String,
        uri: String,
        body: [UInt8] = [],
        cnonce: String? = nil,
        preferAuthInt: Bool = false
    ) throws(DigestClientError) -> DigestCredentials {
        let algorithm = challenge.effectiveAlgorithm
        guard let hash = algorithm.hashFunction else { throw Self.unsupported(algorithm) }
        let qop = try Self.chooseQOP(offered: challenge.qopOptions, preferAuthInt: preferAuthInt)
        let baseHA1: String
        if let cached = self.cachedHA1, cached.realm == challenge.realm, cached.hash == hash {
            baseHA1 = cached.baseHA1Hex
        } else {
            baseHA1 = DigestComputation.baseHA1Hex(
                hash: hash,
                username: self.username,
                realm: challenge.realm,
                password: self.password
            )
            self.cachedHA1 = CachedHA1(realm: challenge.realm, hash: hash, baseHA1Hex: baseHA1)
        }
        let nonceCount = qop == nil ? 0 : self.nonceCounter.next(for: challenge.nonce)
        var ha2: String?
        if qop != .authInt {
            if let cached = self.cachedHA2, cached.method == method, cached.uri == uri, cached.hash == hash {
                ha2 = cached.ha2Hex
            } else {
                let computed = DigestComputation.ha2Hex(hash: hash, method: method, uri: uri, qop: qop, body: [])
                self.cachedHA2 = CachedHA2(method: method, uri: uri, hash: hash, ha2Hex: computed)
                ha2 = computed
            }
        }
        return Self.credentials(
            for: challenge,
            hash: hash,
            baseHA1Hex: baseHA1,
            ha2Hex: ha2,
            qop: qop,
            method: method,
            uri: uri,
            username: self.username,
            body: body,
            cnonce: cnonce ?? Self.makeCNonce(),
            nonceCount: nonceCount
        )
    }

    /// Answers `challenge` statelessly, with the cnonce and nonce count given (deterministic,
    /// for tests and one-off computations).
    ///
    /// qop is `auth` when offered, `auth-int` when it is the only known option offered (or when
    /// `preferAuthInt` is set and it is offered), and absent when the challenge offers no qop
    /// (RFC 2069 compatibility: `cnonce` and `nonceCount` are then unused).
    public static func authorization(
        for challenge: DigestChallenge,
        method: String,
        uri: String,
        username: String,
        password: String,
        body: [UInt8] = [],
        cnonce: String,
        nonceCount: UInt32,
        preferAuthInt: Bool = false
    ) throws(DigestClientError) -> DigestCredentials {
        let algorithm = challenge.effectiveAlgorithm
        guard let hash = algorithm.hashFunction else { throw Self.unsupported(algorithm) }
        let qop = try Self.chooseQOP(offered: challenge.qopOptions, preferAuthInt: preferAuthInt)
        let baseHA1 = DigestComputation.baseHA1Hex(
            hash: hash,
            username: username,
            realm: challenge.realm,
            password: password
        )
        return Self.credentials(
            for: challenge,
            hash: hash,
            baseHA1Hex: baseHA1,
            ha2Hex: nil,
            qop: qop,
            method: method,
            uri: uri,
            username: username,
            body: body,
            cnonce: cnonce,
            nonceCount: nonceCount
        )
    }

    /// A fresh cnonce: 16 random bytes from `SystemRandomNumberGenerator` as 32 hex digits
    /// (RFC 7616 §3.4: the cnonce "SHOULD be random", so the client also contributes entropy).
    public static func makeCNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Self.makeCNonce(using: &generator)
    }

    /// A cnonce of 32 hex digits drawn from `generator`.
    public static func makeCNonce<Generator: RandomNumberGenerator>(using generator: inout Generator) -> String {
        let words = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeBytes(of: words) { HexEncoding.string($0) }
    }

    public var description: String { "DigestClient(username: \"\(self.username)\", password: <redacted>)" }

    public var debugDescription: String { self.description }

    public var customMirror: Mirror {
        Mirror(self, children: ["username": self.username, "nonceCounter": self.nonceCounter], displayStyle: .struct)
    }

    // MARK: - Helpers

    /// RFC 2617 §3.2.2: the client uses a qop when the server offered one; `auth` is preferred
    /// because `auth-int` needs the body and breaks when a proxy rewrites it.
    static func chooseQOP(offered: [DigestQOP], preferAuthInt: Bool) throws(DigestClientError) -> DigestQOP? {
        guard !offered.isEmpty else { return nil }
        let hasAuth = offered.contains(.auth)
        let hasAuthInt = offered.contains(.authInt)
        if hasAuthInt && (preferAuthInt || !hasAuth) { return .authInt }
        if hasAuth { return .auth }
        throw DigestClientError(
            code: .unsupportedQOP,
            detail: "the challenge offers qop \(offered.map(\.token).joined(separator: ",")), "
                + "but only auth and auth-int are supported"
        )
    }

    private static func unsupported(_ algorithm: DigestAlgorithm) -> DigestClientError {
        DigestClientError(
            code: .unsupportedAlgorithm,
            detail: "the challenge asks for algorithm '\(algorithm.token)', "
                + "which is not MD5, SHA-256 or SHA-512-256 (or a -sess variant)"
        )
    }

    private static func credentials(
        for challenge: DigestChallenge,
        hash: DigestHashFunction,
        baseHA1Hex: String,
        ha2Hex: String?,
        qop: DigestQOP?,
        method: String,
        uri: String,
        username: String,
        body: [UInt8],
        cnonce: String,
        nonceCount: UInt32
    ) -> DigestCredentials {
        let algorithm = challenge.effectiveAlgorithm
        let ha1 =
            algorithm.isSession
            ? DigestComputation.sessionHA1Hex(
                hash: hash,
                baseHA1Hex: baseHA1Hex,
                nonce: challenge.nonce,
                cnonce: cnonce
            )
            : baseHA1Hex
        let nc = DigestNonceCounter.format(nonceCount)
        let response: String
        if var ha2Hex {
            response = ha2Hex.withUTF8 { ha2Bytes in
                DigestComputation.finalResponse(
                    hash: hash,
                    ha1Hex: ha1,
                    nonce: challenge.nonce,
                    nonceCount: nc,
                    cnonce: cnonce,
                    qopToken: qop?.token,
                    ha2Hex: UnsafeRawBufferPointer(ha2Bytes)
                )
            }
        } else {
            response = DigestComputation.response(
                hash: hash,
                ha1Hex: ha1,
                nonce: challenge.nonce,
                nonceCount: nc,
                cnonce: cnonce,
                qop: qop,
                method: method,
                uri: uri,
                body: body
            )
        }
        // RFC 7616 §3.4.4: with userhash, the username parameter carries H(username:realm).
        let sentUsername =
            challenge.userhash
            ? (DigestComputation.userhashHex(algorithm: algorithm, username: username, realm: challenge.realm)
                ?? username)
            : username
        return DigestCredentials(
            username: sentUsername,
            realm: challenge.realm,
            nonce: challenge.nonce,
            uri: uri,
            response: response,
            algorithm: challenge.algorithm,
            // RFC 2617 §3.2.2: cnonce and nc "MUST NOT be specified if the server did not send a qop directive".
            cnonce: qop == nil ? nil : cnonce,
            opaque: challenge.opaque,
            qop: qop,
            nonceCount: qop == nil ? nil : nc,
            userhash: challenge.userhash
        )
    }
}
