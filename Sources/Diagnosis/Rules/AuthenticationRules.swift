import PacketDecoding
import SIPAuth
import SIPMessages

/// Authentication: challenges answered and answered again, realms, 403 after login, stale nonces,
/// and (with a candidate password) whether the password or something else was wrong.
///
/// RFC 3261 §22.2 and §22.3: a UAC answers a 401/407 with credentials for the challenged realm; a
/// second challenge to the answered request means the server rejected them (unless it says
/// `stale=true`, RFC 2617 §3.2.1: the nonce expired and the same password should be retried).
enum AuthenticationRules {
    static func evaluate(_ call: CallRecord, context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        let events = call.events.filter { !$0.isRetransmission }
        // Challenges by CSeq method: the latest challenge before each request.
        var lastChallenge: (event: SIPEvent, challenge: DigestChallenge?)?
        var reportedRejection = false
        var reportedForbidden = false
        for (index, event) in events.enumerated() {
            if let status = event.statusCode, status == 401 || status == 407 {
                let header: SIPHeaderName = status == 401 ? .wwwAuthenticate : .proxyAuthenticate
                let challenge = DigestChallenge.preferred(amongHeaderValues: event.message.headers.values(header))
                // Was the request this challenge answers already carrying credentials?
                let answered = Self.request(answeredBy: event, in: events[..<index])
                if let answered, let credentials = Self.credentials(in: answered.message), !reportedRejection {
                    if challenge?.isStale == true {
                        findings.append(Finding(
                            .authStaleNonce, .info,
                            "the server challenged again with stale=true: the nonce had expired, the credentials "
                                + "themselves were accepted; the client must retry with the new nonce",
                            evidence: [context.evidence(event, "\(status) stale=true")]
                        ))
                    } else {
                        reportedRejection = true
                        findings += Self.rejection(
                            credentials: credentials, request: answered, challengeEvent: event,
                            challenge: lastChallenge?.challenge ?? challenge, context: context
                        )
                    }
                }
                lastChallenge = (event, challenge)
                continue
            }
            if event.statusCode == 403, !reportedForbidden {
                reportedForbidden = true
                let request = Self.request(answeredBy: event, in: events[..<index])
                let reason = event.message.response?.reasonPhrase ?? ""
                let warning = event.message.headers.first(.warning)
                var evidence = [context.evidence(event, "403 \(reason)")]
                if let warning { evidence.append(Evidence(frame: event.frame, time: context.seconds(event.time), "Warning", warning)) }
                let lowered = (reason + " " + (warning ?? "")).lowercased()
                let saysCredentials = ["password", "credential", "authenticat", "auth fail", "bad user", "unknown user"].contains { lowered.contains($0) }
                if let request, let credentials = Self.credentials(in: request.message), saysCredentials {
                    evidence.append(context.evidence(request, "request with credentials for '\(credentials.username)'"))
                    findings.append(Finding(
                        .authCredentialsRejected, .error,
                        "the server refused the credentials with 403 (\"\(reason)\"): username '\(credentials.username)' "
                            + "in realm '\(credentials.realm)' has the wrong password, or the username is not the auth "
                            + "username the provider expects (often not the name shown on its dashboard)",
                        fix: "check the auth username and password of the trunk; run again with --password-env VAR to "
                            + "find out which one is wrong",
                        evidence: evidence
                    ))
                } else if let request, let credentials = Self.credentials(in: request.message) {
                    evidence.append(context.evidence(request, "request with credentials for '\(credentials.username)'"))
                    findings.append(Finding(
                        .authForbiddenAfterAuth, .error,
                        "the server answered 403 Forbidden (\"\(reason)\") after credentials for username "
                            + "'\(credentials.username)' were sent: the login was accepted or not even checked, "
                            + "and the request is refused by policy: an IP ACL, a disabled account, a blocked "
                            + "destination or a geographic restriction" + (warning.map { " (Warning: \($0))" } ?? ""),
                        fix: "check the trunk's IP allow-list, that the account is enabled, and that the dialled "
                            + "number is allowed (international or premium destinations are often blocked)",
                        evidence: evidence
                    ))
                } else {
                    findings.append(Finding(
                        .authForbidden, .error,
                        "the server answered 403 Forbidden (\"\(reason)\") without asking for credentials: the "
                            + "source address is not allowed, or the account or destination is blocked"
                            + (warning.map { " (Warning: \($0))" } ?? ""),
                        fix: "add this source address to the trunk's IP allow-list, or configure digest credentials",
                        evidence: evidence
                    ))
                }
            }
        }
        // A challenge that was never answered.
        if let last = lastChallenge, !reportedRejection {
            let later = events.filter { $0.time >= last.event.time && $0.isRequest && Self.credentials(in: $0.message) != nil }
            if later.isEmpty && call.finalResponse.map({ $0.frame == last.event.frame }) ?? true {
                let realm = last.challenge.map { " for realm '\($0.realm)'" } ?? ""
                findings.append(Finding(
                    .authNoCredentials, .error,
                    "the server asked for credentials\(realm) (\(last.event.statusCode ?? 0)) and the client never "
                        + "answered with them",
                    fix: "configure the trunk's username and password on the calling side",
                    evidence: [context.evidence(last.event, "\(last.event.label)")]
                ))
            }
        }
        return findings
    }

    /// The request a response answers: same CSeq, sent the other way, latest before it.
    static func request(answeredBy response: SIPEvent, in events: ArraySlice<SIPEvent>) -> SIPEvent? {
        let cseq = response.message.cseq
        return events.last {
            $0.isRequest && $0.message.cseq == cseq && $0.source.address == response.destination.address
        } ?? events.last { $0.isRequest && $0.message.cseq == cseq }
    }

    static func credentials(in message: SIPMessage) -> DigestCredentials? {
        let value = message.headers.first(.authorization) ?? message.headers.first(.proxyAuthorization)
        return value.flatMap { try? DigestCredentials.parse($0) }
    }

    static func rejection(
        credentials: DigestCredentials,
        request: SIPEvent,
        challengeEvent: SIPEvent,
        challenge: DigestChallenge?,
        context: RuleContext
    ) -> [Finding] {
        var findings: [Finding] = []
        let evidence = [
            context.evidence(request, "\(request.label) with credentials: username '\(credentials.username)', realm '\(credentials.realm)'"),
            context.evidence(challengeEvent, "challenged again: \(challengeEvent.label)"),
        ]
        var detail = "the server rejected the credentials: \(request.label) with username '\(credentials.username)' "
            + "and realm '\(credentials.realm)' was answered with \(challengeEvent.statusCode ?? 0) again"
        let realmMismatch = challenge.map { $0.realm != credentials.realm } ?? false
        if let challenge, realmMismatch {
            findings.append(Finding(
                .authRealmMismatch, .error,
                "the client answered for realm '\(credentials.realm)' but the server asked for '\(challenge.realm)'",
                fix: "set the realm (or 'auth domain') on the client to '\(challenge.realm)', or leave it empty so "
                    + "the client takes it from the challenge",
                evidence: evidence
            ))
        }
        guard let password = context.candidatePassword else {
            detail += realmMismatch
                ? "; the credentials answer another realm than the challenge asked for (see auth.realm-mismatch)"
                : "; the username is often not the name shown on the provider's dashboard (look for an "
                    + "'auth username', 'SIP username' or account ID)"
            findings.append(Finding(
                .authCredentialsRejected, .error, detail,
                fix: "check the auth username and password of the trunk; run again with --password-env VAR to "
                    + "find out which one is wrong",
                evidence: evidence
            ))
            return findings
        }
        let method = request.method?.rawValue ?? "INVITE"
        let report = DigestVerifier.check(
            challenge: challenge, credentials: credentials, method: method, body: request.message.body,
            requestURI: request.message.request?.requestURI.raw, candidatePassword: password
        )
        if report.contains(.passwordCorrect) {
            // A digest uri other than the Request-URI is not given as the reason: servers compute
            // the response over the uri the client sent, and many (Kamailio among them) accept
            // it; auth.uri-mismatch below mentions it for the strict ones.
            let others = report.findings.filter { $0.severity == .error && $0.code != .uriMismatch }.map(\.message)
            findings.append(Finding(
                .authPasswordCorrect, .error,
                "the response matches the given password, so the password is right; "
                    + (others.isEmpty
                        ? "the server still refused: the username '\(credentials.username)' is probably wrong or not enabled for this "
                            + "realm, or the server holds another password for it"
                        : "the server refused because " + others.joined(separator: "; ")),
                fix: "check the auth username (often not the dashboard name) and that the account is active",
                evidence: evidence
            ))
        } else if report.contains(.responseMismatch) {
            let message = report.finding(.responseMismatch)?.message ?? "the response does not match the given password"
            findings.append(Finding(
                .authWrongPassword, .error, message,
                fix: "correct the password configured for username '\(credentials.username)'",
                evidence: evidence
            ))
        } else {
            findings.append(Finding(.authCredentialsRejected, .error, detail, evidence: evidence))
        }
        if report.contains(.uriMismatch), let requestURI = request.message.request?.requestURI.raw {
            findings.append(Finding(
                .authURIMismatch, .warning,
                "the digest uri '\(credentials.uri)' differs from the Request-URI '\(requestURI)' (RFC 3261 §22.4 "
                    + "wants them equal); a server that compares them (RFC 2617 §3.2.2.5) refuses the credentials, "
                    + "others (Kamailio, for one) accept them",
                fix: "if the server is strict about it, make the client put the Request-URI in the digest uri "
                    + "(SIPp: -auth_uri)",
                evidence: evidence
            ))
        }
        return findings
    }
}
