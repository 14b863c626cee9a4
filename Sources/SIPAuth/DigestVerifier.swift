/// Explains why a server might reject digest credentials: compares them with the challenge
/// they answer, and, given a candidate password, recomputes the response.
///
/// This is diagnosis, not server-side authentication: every check runs and reports a
/// ``DigestFinding`` instead of stopping at the first failure, so a person sees the whole picture
/// ("wrong realm *and* stale nonce", or "the password is right, the nonce is old").
public enum DigestVerifier {
    /// Checks `credentials` against `challenge` and, when given, a candidate password.
    ///
    /// - Parameters:
    ///   - challenge: the challenge the client answered, if known (the latest 401/407 before the request).
    ///   - credentials: the parsed `Authorization` / `Proxy-Authorization` value.
    ///   - method: the method of the request that carried the credentials (hashed into HA2).
    ///   - body: the request body, used only when the client chose `qop=auth-int`.
    ///   - requestURI: the request's Request-URI; when given, the digest `uri` must equal it
    ///     (RFC 3261 §22.4 has the client set `uri` to the Request-URI).
    ///   - candidatePassword: a password to test; `nil` reports ``DigestFinding/Code/notVerifiable``.
    public static func check(
        challenge: DigestChallenge?,
        credentials: DigestCredentials,
        method: String,
        body: [UInt8] = [],
        requestURI: String? = nil,
        candidatePassword: String?
    ) -> DigestCheckReport {
        var findings: [DigestFinding] = []
        if let challenge {
            Self.compare(credentials, with: challenge, into: &findings)
        } else {
            findings.append(
                DigestFinding(
                    code: .noChallenge,
                    severity: .info,
                    message: "no challenge was supplied, so the realm, nonce, algorithm, qop and opaque "
                        + "could not be compared with what the server asked for"
                )
            )
        }
        if let requestURI, requestURI != credentials.uri {
            findings.append(
                DigestFinding(
                    code: .uriMismatch,
                    severity: .warning,
                    message: "the digest uri '\(credentials.uri)' differs from the Request-URI '\(requestURI)'; "
                        + "RFC 3261 §22.4 lets servers refuse credentials whose uri is not the Request-URI, "
                        + "so strict ones reject them even with the right password (others accept them)"
                )
            )
        }
        Self.checkSyntax(of: credentials, into: &findings)
        Self.checkPassword(
            credentials,
            challenge: challenge,
            method: method,
            body: body,
            candidatePassword: candidatePassword,
            into: &findings
        )
        return DigestCheckReport(findings: findings)
    }

    /// Finds which of `usernames` would have produced the captured response with
    /// `candidatePassword`, for when the authentication username differs from the name shown in
    /// a dashboard (an account number, a `user@domain` form, a different case).
    ///
    /// With `userhash=true` credentials, each candidate is also matched against the hashed
    /// username (RFC 7616 §3.4.4). The credentials' own username is not tried unless listed.
    ///
    /// - Returns: the first matching username, or `nil` when none matches (or the algorithm is unknown).
    public static func identifyUsername(
        credentials: DigestCredentials,
        method: String,
        body: [UInt8] = [],
        candidatePassword: String,
        usernames: [String]
    ) -> String? {
        let algorithm = credentials.effectiveAlgorithm
        guard algorithm.isSupported else { return nil }
        for username in usernames {
            if credentials.userhash {
                let hashed = DigestComputation.userhashHex(
                    algorithm: algorithm,
                    username: username,
                    realm: credentials.realm
                )
                guard hashed?.lowercased() == credentials.username.lowercased() else { continue }
            }
            let expected = Self.expectedResponse(
                credentials,
                username: username,
                method: method,
                body: body,
                password: candidatePassword
            )
            if let expected, expected == credentials.response.lowercased() { return username }
        }
        return nil
    }

    // MARK: - Checks

    private static func compare(
        _ credentials: DigestCredentials,
        with challenge: DigestChallenge,
        into findings: inout [DigestFinding]
    ) {
        if credentials.realm != challenge.realm {
            findings.append(
                DigestFinding(
                    code: .realmMismatch,
                    severity: .error,
                    message: "the client answered for realm '\(credentials.realm)' but the server asked for "
                        + "'\(challenge.realm)'"
                )
            )
        }
        if credentials.nonce != challenge.nonce {
            findings.append(
                DigestFinding(
                    code: .nonceMismatch,
                    severity: .error,
                    message: "the client answered nonce '\(credentials.nonce)' but the challenge carries nonce "
                        + "'\(challenge.nonce)'; the client is probably reusing an old or stale nonce instead of "
                        + "answering the latest challenge"
                )
            )
        }
        if challenge.isStale {
            // RFC 2617 §3.2.1: stale=TRUE means "the previous request from the client was rejected because
            // the nonce value was stale", and the client "may wish to simply retry the request with a new
            // encrypted response, without reprompting the user for a new username and password".
            findings.append(
                DigestFinding(
                    code: .staleNonce,
                    severity: .info,
                    message: "the server marked the nonce as stale (stale=true): the previous response was "
                        + "correct but its nonce had expired, and the client should retry with the new nonce "
                        + "'\(challenge.nonce)' and the same password"
                )
            )
        }
        if !credentials.effectiveAlgorithm.isEquivalent(to: challenge.effectiveAlgorithm) {
            findings.append(
                DigestFinding(
                    code: .algorithmMismatch,
                    severity: .error,
                    message: "the client used algorithm \(credentials.effectiveAlgorithm.token) but the server "
                        + "asked for \(challenge.effectiveAlgorithm.token)"
                        + (credentials.algorithm == nil ? " (the client sent no algorithm, which means MD5)" : "")
                        + (challenge.algorithm == nil ? " (the challenge named no algorithm, which means MD5)" : "")
                )
            )
        }
        if let qop = credentials.qop {
            if !challenge.qopOptions.contains(where: { $0.isEquivalent(to: qop) }) {
                let offered =
                    challenge.qopOptions.isEmpty
                    ? "no qop at all" : "qop \(challenge.qopOptions.map(\.token).joined(separator: ","))"
                findings.append(
                    DigestFinding(
                        code: .qopNotOffered,
                        severity: .error,
                        message: "the client used qop=\(qop.token) but the server offered \(offered)"
                    )
                )
            }
        } else if !challenge.qopOptions.isEmpty {
            findings.append(
                DigestFinding(
                    code: .qopMissing,
                    severity: .warning,
                    message: "the server offered qop \(challenge.qopOptions.map(\.token).joined(separator: ",")) "
                        + "but the client answered without qop (RFC 2069 style); RFC 2617 §3.2.2 requires a qop "
                        + "when one is offered and strict servers reject this"
                )
            )
        }
        if let opaque = challenge.opaque, credentials.opaque != opaque {
            let sent = credentials.opaque.map { "'\($0)'" } ?? "nothing"
            findings.append(
                DigestFinding(
                    code: .opaqueMismatch,
                    severity: .error,
                    message: "the server sent opaque '\(opaque)' but the client echoed \(sent); RFC 2617 §3.2.2 "
                        + "requires opaque to be returned unchanged"
                )
            )
        }
    }

    private static func checkSyntax(of credentials: DigestCredentials, into findings: inout [DigestFinding]) {
        if credentials.qop != nil {
            if let nc = credentials.nonceCount {
                if DigestNonceCounter.parse(nc) == nil {
                    findings.append(
                        DigestFinding(
                            code: .malformedNC,
                            severity: .error,
                            message: "nc is '\(nc)', but it must be exactly 8 hexadecimal digits such as "
                                + "'00000001' (RFC 7616 §3.4)"
                        )
                    )
                }
            } else {
                findings.append(
                    DigestFinding(
                        code: .malformedNC,
                        severity: .error,
                        message: "the client used qop=\(credentials.qop?.token ?? "") but sent no nc "
                            + "(RFC 2617 §3.2.2: nc MUST be present with qop)"
                    )
                )
            }
            if credentials.cnonce == nil {
                findings.append(
                    DigestFinding(
                        code: .missingCNonce,
                        severity: .error,
                        message: "the client used qop=\(credentials.qop?.token ?? "") but sent no cnonce "
                            + "(RFC 2617 §3.2.2: cnonce MUST be present with qop)"
                    )
                )
            }
        }
        let algorithm = credentials.effectiveAlgorithm
        if let length = algorithm.responseHexLength {
            let isHex = credentials.response.utf8.allSatisfy { HexEncoding.nibble($0) != nil }
            if credentials.response.utf8.count != length || !isHex {
                findings.append(
                    DigestFinding(
                        code: .malformedResponse,
                        severity: .error,
                        message: "the response has \(credentials.response.utf8.count) characters"
                            + (isHex ? "" : " and is not hexadecimal")
                            + ", but \(algorithm.token) produces \(length) hexadecimal digits"
                    )
                )
            }
        } else {
            findings.append(
                DigestFinding(
                    code: .unsupportedAlgorithm,
                    severity: .warning,
                    message: "the algorithm '\(algorithm.token)' is not MD5, SHA-256 or SHA-512-256, "
                        + "so the response cannot be recomputed"
                )
            )
        }
    }

    private static func checkPassword(
        _ credentials: DigestCredentials,
        challenge: DigestChallenge?,
        method: String,
        body: [UInt8],
        candidatePassword: String?,
        into findings: inout [DigestFinding]
    ) {
        guard credentials.effectiveAlgorithm.isSupported else { return }
        guard let candidatePassword else {
            findings.append(
                DigestFinding(
                    code: .notVerifiable,
                    severity: .info,
                    message: "no candidate password was given, so whether the password is right cannot be told"
                )
            )
            return
        }
        guard !credentials.userhash else {
            findings.append(
                DigestFinding(
                    code: .notVerifiable,
                    severity: .info,
                    message: "the username is hashed (userhash=true), so the response can only be recomputed "
                        + "with candidate usernames (see identifyUsername)"
                )
            )
            return
        }
        let expected = Self.expectedResponse(
            credentials,
            username: credentials.username,
            method: method,
            body: body,
            password: candidatePassword
        )
        let who = "username '\(credentials.username)' in realm '\(credentials.realm)'"
        if expected == credentials.response.lowercased() {
            let others = findings.filter { $0.severity == .error }.map(\.code.name)
            let tail =
                others.isEmpty
                ? "; every checked field is consistent, so if the server still rejects it, check the account "
                    + "on the server (username, realm, whether it is enabled)"
                : "; the rejection is explained by: \(others.joined(separator: ", "))"
            findings.append(
                DigestFinding(
                    code: .passwordCorrect,
                    severity: .info,
                    message: "the response matches the candidate password for \(who): the rejection is not due "
                        + "to the password" + tail
                )
            )
            return
        }
        let isConsistent =
            challenge != nil
            && !findings.contains(where: {
                $0.severity == .error || $0.code == .qopMissing
            })
        let message =
            isConsistent
            ? "the password is wrong for \(who): the response does not match the candidate password, and every "
                + "other field agrees with the challenge"
            : "the response does not match the candidate password for \(who): either the password or the "
                + "username is wrong, or the client hashed other values than it sent (see the other findings)"
        findings.append(DigestFinding(code: .responseMismatch, severity: .error, message: message))
    }

    /// Recomputes the response from the credentials' own fields (what the client claims it
    /// hashed), with `username` and `password` supplied.
    static func expectedResponse(
        _ credentials: DigestCredentials,
        username: String,
        method: String,
        body: [UInt8],
        password: String
    ) -> String? {
        let algorithm = credentials.effectiveAlgorithm
        guard let hash = algorithm.hashFunction else { return nil }
        let cnonce = credentials.cnonce ?? ""
        var ha1 = DigestComputation.baseHA1Hex(
            hash: hash,
            username: username,
            realm: credentials.realm,
            password: password
        )
        if algorithm.isSession {
            ha1 = DigestComputation.sessionHA1Hex(hash: hash, baseHA1Hex: ha1, nonce: credentials.nonce, cnonce: cnonce)
        }
        return DigestComputation.response(
            hash: hash,
            ha1Hex: ha1,
            nonce: credentials.nonce,
            nonceCount: credentials.nonceCount ?? "",
            cnonce: cnonce,
            qop: credentials.qop,
            method: method,
            uri: credentials.uri,
            body: body
        )
    }
}
