/// A parameter this module does not interpret, kept so nothing the peer sent is lost.
public struct DigestExtensionParameter: Sendable, Hashable {
    /// The parameter name, lowercased.
    public var name: String
    /// The value, unquoted.
    public var value: String

    /// Creates a parameter.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A digest challenge from a `WWW-Authenticate` (401) or `Proxy-Authenticate` (407) header
/// (RFC 3261 §20.44, §20.27, §22; RFC 2617 §3.2.1; RFC 7616 §3.3).
///
/// ```
/// let challenge = try DigestChallenge.parse(#"Digest realm="asterisk", nonce="3a0c8ba9", algorithm=MD5"#)
/// ```
public struct DigestChallenge: Sendable, Hashable, CustomStringConvertible {
    /// The protection space, shown to users and hashed into HA1.
    public var realm: String
    /// URIs of the protection space (space-separated in the header), often absent in SIP.
    public var domain: [String]
    /// The server's nonce.
    public var nonce: String
    /// Opaque data the client must echo unchanged.
    public var opaque: String?
    /// `stale=true`: the previous response was correct but used an old nonce, so the client may
    /// retry with the new nonce without asking the user again (RFC 2617 §3.2.1).
    public var isStale: Bool
    /// The `algorithm` parameter as sent, `nil` when absent (which means MD5, RFC 2617 §3.2.1).
    public var algorithm: DigestAlgorithm?
    /// The offered `qop` values; empty when the parameter is absent (RFC 2069 compatibility mode).
    public var qopOptions: [DigestQOP]
    /// The `charset` parameter (RFC 7616 §3.3: only "UTF-8" is defined).
    public var charset: String?
    /// `userhash=true`: the server accepts a hashed username (RFC 7616 §3.4.4).
    public var userhash: Bool
    /// Parameters not listed above.
    public var extensionParameters: [DigestExtensionParameter]

    /// Creates a challenge.
    public init(
        realm: String,
        nonce: String,
        algorithm: DigestAlgorithm? = nil,
        qopOptions: [DigestQOP] = [],
        opaque: String? = nil,
        isStale: Bool = false,
        domain: [String] = [],
        charset: String? = nil,
        userhash: Bool = false,
        extensionParameters: [DigestExtensionParameter] = []
    ) {
        self.realm = realm
        self.domain = domain
        self.nonce = nonce
        self.opaque = opaque
        self.isStale = isStale
        self.algorithm = algorithm
        self.qopOptions = qopOptions
        self.charset = charset
        self.userhash = userhash
        self.extensionParameters = extensionParameters
    }

    /// The algorithm in force: the parameter, or MD5 when it is absent.
    public var effectiveAlgorithm: DigestAlgorithm { self.algorithm ?? .md5 }

    /// Parameter names this type interprets; a second occurrence of one is an error.
    private static let knownNames: Set<String> = [
        "realm", "domain", "nonce", "opaque", "stale", "algorithm", "qop", "charset", "userhash",
    ]

    /// Parses a `WWW-Authenticate` or `Proxy-Authenticate` header value.
    ///
    /// - Throws: ``DigestParseError`` with code ``DigestParseError/Code/unsupportedScheme`` (and
    ///   ``DigestParseError/scheme`` set) for `Basic`, `NTLM` and other schemes;
    ///   ``DigestParseError/Code/missingParameter`` when realm or nonce is absent; other codes for
    ///   malformed or oversized input.
    public static func parse(_ headerValue: String) throws(DigestParseError) -> DigestChallenge {
        let parameters = try AuthParameterScanner.scan(headerValue)
        try parameters.rejectingDuplicates(of: Self.knownNames)
        var realm: String?
        var nonce: String?
        var challenge = DigestChallenge(realm: "", nonce: "")
        for parameter in parameters {
            switch parameter.name {
            case "realm": realm = parameter.value
            case "nonce": nonce = parameter.value
            case "opaque": challenge.opaque = parameter.value
            case "domain":
                let uris = parameter.value.split(whereSeparator: \.isWhitespace).map(String.init)
                guard uris.count <= DigestParseLimits.maximumListCount else {
                    throw Self.tooManyEntries(parameter)
                }
                challenge.domain = uris
            // RFC 2617 §3.2.1: "If stale is TRUE (case-insensitive)"; any other value is false.
            case "stale": challenge.isStale = parameter.value.lowercased() == "true"
            case "algorithm": challenge.algorithm = DigestAlgorithm(token: parameter.value)
            case "qop":
                // RFC 2617 §3.2.1: qop-options = "qop" "=" <"> 1#qop-value <">
                let tokens = parameter.value.split(separator: ",").map { Self.trimmed($0) }.filter { !$0.isEmpty }
                guard tokens.count <= DigestParseLimits.maximumListCount else {
                    throw Self.tooManyEntries(parameter)
                }
                challenge.qopOptions = tokens.map(DigestQOP.init(token:))
            case "charset": challenge.charset = parameter.value
            case "userhash": challenge.userhash = parameter.value.lowercased() == "true"
            default:
                challenge.extensionParameters.append(
                    DigestExtensionParameter(name: parameter.name, value: parameter.value)
                )
            }
        }
        guard let realm else { throw Self.missing("realm", in: headerValue) }
        guard let nonce else { throw Self.missing("nonce", in: headerValue) }
        challenge.realm = realm
        challenge.nonce = nonce
        return challenge
    }

    /// Chooses the challenge with the strongest supported algorithm: SHA-512-256, then SHA-256,
    /// then MD5 (RFC 8760 §2.4: a server may send one challenge per algorithm, in preference
    /// order, and the client uses the first it supports; RFC 7616 §3.7 likewise). Among equals,
    /// the first one wins. Challenges with unknown algorithms are skipped.
    ///
    /// - Returns: the chosen challenge, or `nil` when none uses a supported algorithm.
    public static func preferred(among challenges: [DigestChallenge]) -> DigestChallenge? {
        var best: DigestChallenge?
        var bestStrength = 0
        for challenge in challenges {
            guard let strength = challenge.effectiveAlgorithm.strength, strength > bestStrength else { continue }
            best = challenge
            bestStrength = strength
        }
        return best
    }

    /// Parses each header value and returns the preferred challenge; values that are not
    /// parseable digest challenges (for example a `Basic` challenge alongside) are skipped.
    public static func preferred(amongHeaderValues headerValues: [String]) -> DigestChallenge? {
        Self.preferred(among: headerValues.compactMap { try? DigestChallenge.parse($0) })
    }

    /// The challenge written as a header value (for tests, servers and reports).
    public var headerValue: String {
        var output = "Digest "
        AuthParameterWriter.appendParameter("realm", self.realm, alwaysQuote: true, to: &output)
        if !self.domain.isEmpty {
            AuthParameterWriter.appendParameter(
                "domain",
                self.domain.joined(separator: " "),
                alwaysQuote: true,
                to: &output
            )
        }
        AuthParameterWriter.appendParameter("nonce", self.nonce, alwaysQuote: true, to: &output)
        if let opaque = self.opaque {
            AuthParameterWriter.appendParameter("opaque", opaque, alwaysQuote: true, to: &output)
        }
        if self.isStale { AuthParameterWriter.appendParameter("stale", "true", alwaysQuote: false, to: &output) }
        if let algorithm = self.algorithm {
            AuthParameterWriter.appendParameter("algorithm", algorithm.token, alwaysQuote: false, to: &output)
        }
        if !self.qopOptions.isEmpty {
            let list = self.qopOptions.map(\.token).joined(separator: ",")
            AuthParameterWriter.appendParameter("qop", list, alwaysQuote: true, to: &output)
        }
        if let charset = self.charset {
            AuthParameterWriter.appendParameter("charset", charset, alwaysQuote: false, to: &output)
        }
        if self.userhash { AuthParameterWriter.appendParameter("userhash", "true", alwaysQuote: false, to: &output) }
        for parameter in self.extensionParameters {
            AuthParameterWriter.appendParameter(parameter.name, parameter.value, alwaysQuote: false, to: &output)
        }
        return output
    }

    public var description: String { self.headerValue }

    static func trimmed(_ text: Substring) -> String {
        var slice = text
        while let first = slice.first, first.isWhitespace {
            slice = slice.dropFirst()
        }
        while let last = slice.last, last.isWhitespace {
            slice = slice.dropLast()
        }
        return String(slice)
    }

    static func missing(_ name: String, in headerValue: String) -> DigestParseError {
        DigestParseError(
            code: .missingParameter,
            offset: headerValue.utf8.count,
            parameter: name,
            detail: "the required parameter '\(name)' is missing"
        )
    }

    private static func tooManyEntries(_ parameter: AuthParameter) -> DigestParseError {
        DigestParseError(
            code: .invalidParameterValue,
            offset: parameter.offset,
            parameter: parameter.name,
            detail: "parameter '\(parameter.name)' lists more than \(DigestParseLimits.maximumListCount) entries"
        )
    }
}
