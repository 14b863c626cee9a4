/// Digest credentials from an `Authorization` or `Proxy-Authorization` header
/// (RFC 3261 §20.7, §20.28, §22; RFC 2617 §3.2.2; RFC 7616 §3.4).
///
/// Fields are kept as the client wrote them, even when malformed (an `nc` of `"1"`, a short
/// `response`), because ``DigestVerifier`` needs the client's exact text to explain a rejection.
public struct DigestCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The username, or its hash when ``userhash`` is set (RFC 7616 §3.4.4).
    public var username: String
    /// The realm the client answered for.
    public var realm: String
    /// The nonce the client answered.
    public var nonce: String
    /// The digest URI (`uri` parameter), hashed into HA2.
    public var uri: String
    /// The response: hexadecimal digest.
    public var response: String
    /// The `algorithm` parameter as sent, `nil` when absent (meaning MD5).
    public var algorithm: DigestAlgorithm?
    /// The client nonce, present with qop.
    public var cnonce: String?
    /// The echoed opaque value.
    public var opaque: String?
    /// The chosen quality of protection, `nil` in RFC 2069 compatibility mode.
    public var qop: DigestQOP?
    /// The nonce count exactly as written (RFC 7616 §3.4: 8 hexadecimal digits); see
    /// ``nonceCountValue``.
    public var nonceCount: String?
    /// `userhash=true`: ``username`` is `H(username ":" realm)` (RFC 7616 §3.4.4).
    public var userhash: Bool
    /// Parameters not listed above.
    public var extensionParameters: [DigestExtensionParameter]

    /// Creates credentials.
    public init(
        username: String,
        realm: String,
        nonce: String,
        uri: String,
        response: String,
        algorithm: DigestAlgorithm? = nil,
        cnonce: String? = nil,
        opaque: String? = nil,
        qop: DigestQOP? = nil,
        nonceCount: String? = nil,
        userhash: Bool = false,
        extensionParameters: [DigestExtensionParameter] = []
    ) {
        self.username = username
        self.realm = realm
        self.nonce = nonce
        self.uri = uri
        self.response = response
        self.algorithm = algorithm
        self.cnonce = cnonce
        self.opaque = opaque
        self.qop = qop
        self.nonceCount = nonceCount
        self.userhash = userhash
        self.extensionParameters = extensionParameters
    }

    /// The algorithm in force: the parameter, or MD5 when it is absent.
    public var effectiveAlgorithm: DigestAlgorithm { self.algorithm ?? .md5 }

    /// The nonce count as a number when it is exactly 8 hexadecimal digits, else `nil`.
    public var nonceCountValue: UInt32? { self.nonceCount.flatMap(DigestNonceCounter.parse) }

    private static let knownNames: Set<String> = [
        "username", "username*", "realm", "nonce", "uri", "response", "algorithm", "cnonce", "opaque", "qop",
        "nc", "userhash",
    ]

    /// Parses an `Authorization` or `Proxy-Authorization` header value.
    ///
    /// `username*` (RFC 7616 §3.4.4, RFC 5987 `UTF-8''percent-encoded`) is accepted when
    /// `username` is absent. `nc` and `qop` are accepted quoted or unquoted, because deployed
    /// clients send both.
    ///
    /// - Throws: ``DigestParseError``; ``DigestParseError/Code/missingParameter`` when username,
    ///   realm, nonce, uri or response is absent (RFC 3261 §25 `dig-resp`).
    public static func parse(_ headerValue: String) throws(DigestParseError) -> DigestCredentials {
        let parameters = try AuthParameterScanner.scan(headerValue)
        try parameters.rejectingDuplicates(of: Self.knownNames)
        var username: String?
        var extendedUsername: String?
        var realm: String?
        var nonce: String?
        var uri: String?
        var response: String?
        var credentials = DigestCredentials(username: "", realm: "", nonce: "", uri: "", response: "")
        for parameter in parameters {
            switch parameter.name {
            case "username": username = parameter.value
            case "username*":
                guard let decoded = Self.decodeExtendedValue(parameter.value) else {
                    throw DigestParseError(
                        code: .invalidParameterValue,
                        offset: parameter.offset,
                        parameter: parameter.name,
                        detail: "username* is not UTF-8''percent-encoded text (RFC 5987)"
                    )
                }
                extendedUsername = decoded
            case "realm": realm = parameter.value
            case "nonce": nonce = parameter.value
            case "uri": uri = parameter.value
            case "response": response = parameter.value
            case "algorithm": credentials.algorithm = DigestAlgorithm(token: parameter.value)
            case "cnonce": credentials.cnonce = parameter.value
            case "opaque": credentials.opaque = parameter.value
            case "qop": credentials.qop = DigestQOP(token: parameter.value)
            case "nc": credentials.nonceCount = parameter.value
            case "userhash": credentials.userhash = parameter.value.lowercased() == "true"
            default:
                credentials.extensionParameters.append(
                    DigestExtensionParameter(name: parameter.name, value: parameter.value)
                )
            }
        }
        guard let resolvedUsername = username ?? extendedUsername else {
            throw DigestChallenge.missing("username", in: headerValue)
        }
        guard let realm else { throw DigestChallenge.missing("realm", in: headerValue) }
        guard let nonce else { throw DigestChallenge.missing("nonce", in: headerValue) }
        guard let uri else { throw DigestChallenge.missing("uri", in: headerValue) }
        guard let response else { throw DigestChallenge.missing("response", in: headerValue) }
        credentials.username = resolvedUsername
        credentials.realm = realm
        credentials.nonce = nonce
        credentials.uri = uri
        credentials.response = response
        return credentials
    }

    /// The credentials written as a header value.
    ///
    /// String fields are quoted (RFC 3261 §25: username, realm, nonce, uri, response, cnonce and
    /// opaque are quoted-strings); RFC 7616 §3.4 leaves `algorithm`, `qop` and `nc` unquoted:
    /// "For historical reasons, a sender MUST NOT generate the quoted string syntax for the
    /// following parameters: algorithm, qop, and nc."
    public var headerValue: String {
        var output = "Digest "
        AuthParameterWriter.appendParameter("username", self.username, alwaysQuote: true, to: &output)
        AuthParameterWriter.appendParameter("realm", self.realm, alwaysQuote: true, to: &output)
        AuthParameterWriter.appendParameter("nonce", self.nonce, alwaysQuote: true, to: &output)
        AuthParameterWriter.appendParameter("uri", self.uri, alwaysQuote: true, to: &output)
        AuthParameterWriter.appendParameter("response", self.response, alwaysQuote: true, to: &output)
        if let algorithm = self.algorithm {
            AuthParameterWriter.appendParameter("algorithm", algorithm.token, alwaysQuote: false, to: &output)
        }
        if let cnonce = self.cnonce {
            AuthParameterWriter.appendParameter("cnonce", cnonce, alwaysQuote: true, to: &output)
        }
        if let opaque = self.opaque {
            AuthParameterWriter.appendParameter("opaque", opaque, alwaysQuote: true, to: &output)
        }
        if let qop = self.qop {
            AuthParameterWriter.appendParameter("qop", qop.token, alwaysQuote: false, to: &output)
        }
        if let nonceCount = self.nonceCount {
            AuthParameterWriter.appendParameter("nc", nonceCount, alwaysQuote: false, to: &output)
        }
        if self.userhash { AuthParameterWriter.appendParameter("userhash", "true", alwaysQuote: false, to: &output) }
        for parameter in self.extensionParameters {
            AuthParameterWriter.appendParameter(parameter.name, parameter.value, alwaysQuote: false, to: &output)
        }
        return output
    }

    public var description: String { self.headerValue }

    /// Decodes an RFC 5987 `ext-value` (`charset'language'pct-encoded`) in UTF-8.
    static func decodeExtendedValue(_ value: String) -> String? {
        let parts = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].lowercased() == "utf-8" else { return nil }
        var bytes: [UInt8] = []
        var iterator = parts[2].utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(HexEncoding.nibble),
                    let low = iterator.next().flatMap(HexEncoding.nibble)
                else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
