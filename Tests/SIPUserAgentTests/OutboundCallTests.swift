import SIPAuth
import SIPMessages
import SIPTransaction
import SIPUserAgent
import Testing

/// The caller's side of a call, driven message by message as a trunk would answer.
@Suite struct OutboundCallTests {
    static func configuration(username: String? = "1001", password: String? = "s3cret") -> OutboundCallConfiguration {
        OutboundCallConfiguration(
            requestURI: try! SIPURI.parse("sip:+15550011234@trunk.example.com;user=phone"),
            from: "\"Test\" <sip:1001@trunk.example.com>", to: "<sip:+15550011234@trunk.example.com>",
            contact: "<sip:1001@192.0.2.10:5060>", sentBy: "192.0.2.10:5060", transport: "UDP",
            callID: "outbound-1@192.0.2.10", fromTag: "ft-1", branchPrefix: "z9hG4bK-oc",
            username: username, password: password, extraHeaders: [("X-Agent-Id", "42")],
            offer: Array("v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n".utf8),
            userAgent: "siptool-test"
        )
    }

    /// The far end's response to `request`, with To tag, Contact and extra headers.
    static func response(_ status: Int, _ reason: String, to request: SIPRequest, tag: String? = "remote-1",
                         headers: [(SIPHeaderName, String)] = [], body: String = "") -> SIPMessage {
        var response = ServerInviteTransaction.response(to: request, status: status, reason: reason, toTag: tag)
        if (101..<300).contains(status) { response.headers.insert(.contact, "<sip:bob@198.51.100.20:5070>", at: 0) }
        for (name, value) in headers { response.headers.insert(name, value, at: 0) }
        if !body.isEmpty {
            response.body = Array(body.utf8)
            response.headers.set(.contentLength, String(body.utf8.count))
        }
        return .response(response)
    }

    static func sent(_ events: [CallEvent]) -> [SIPRequest] {
        events.compactMap { if case .send(.request(let request)) = $0 { request } else { nil } }
    }

    static func sentResponses(_ events: [CallEvent]) -> [SIPResponse] {
        events.compactMap { if case .send(.response(let response)) = $0 { response } else { nil } }
    }

    static func news(_ events: [CallEvent]) -> [CallEvent] {
        events.filter {
            switch $0 {
            case .send, .startTimer, .cancelTimer: return false
            default: return true
            }
        }
    }

    @Test func answeredCallIsAcknowledgedAndHungUp() throws {
        var call = OutboundCall(configuration: Self.configuration())
        let start = call.start()
        let invite = try #require(Self.sent(start).first)
        #expect(invite.method == .invite)
        #expect(invite.headers.cseq == SIPCSeq(number: 1, method: .invite))
        #expect(invite.headers.topVia?.branch == "z9hG4bK-oc-1")
        #expect(invite.headers.first(SIPHeaderName("X-Agent-Id")) == "42")
        #expect(invite.headers.first(.contentType) == "application/sdp")
        #expect(start.contains(.startTimer(CallTimer(transaction: 1, timer: .a), .milliseconds(500))))

        _ = call.receive(Self.response(100, "Trying", to: invite, tag: nil))
        let ringing = call.receive(Self.response(183, "Session Progress", to: invite, body: "v=0\r\n"))
        #expect(call.phase == .ringing)
        #expect(Self.news(ringing).count == 2, "progress and early media: \(ringing)")
        #expect(call.dialog?.state == .early)

        let ok = Self.response(200, "OK", to: invite, headers: [(.recordRoute, "<sip:edge.trunk.example.com;lr>")])
        let answered = call.receive(ok)
        let ack = try #require(Self.sent(answered).first)
        #expect(ack.method == .ack)
        #expect(ack.requestURI.raw == "sip:bob@198.51.100.20:5070")
        #expect(ack.headers.cseq == SIPCSeq(number: 1, method: .ack))
        #expect(ack.headers.toTag == "remote-1")
        #expect(ack.headers.values(.route) == ["<sip:edge.trunk.example.com;lr>"])
        #expect(ack.headers.topVia?.branch != invite.headers.topVia?.branch, "the ACK for a 2xx is a new transaction")
        #expect(Self.news(answered).count == 1)
        #expect(call.phase == .answered)
        // A retransmitted 200 gets the same ACK, and no second "answered".
        let again = call.receive(ok)
        #expect(Self.sent(again) == [ack])
        #expect(Self.news(again).isEmpty)

        let hangUp = call.hangUp()
        let bye = try #require(Self.sent(hangUp).first)
        #expect(bye.method == .bye)
        #expect(bye.headers.cseq == SIPCSeq(number: 2, method: .bye))
        #expect(bye.headers.topVia?.branch != ack.headers.topVia?.branch)
        let ended = call.receive(Self.response(200, "OK", to: bye))
        #expect(Self.news(ended) == [.ended(byRemote: false)])
        #expect(call.phase == .ended)
    }

    @Test func proxyChallengeIsAnsweredOnceAndASecondChallengeMeansRejectedCredentials() throws {
        var call = OutboundCall(configuration: Self.configuration())
        let invite = try #require(Self.sent(call.start()).first)
        let challenge = "Digest realm=\"trunk.example.com\", nonce=\"n-1\", qop=\"auth\", algorithm=MD5"
        let first = call.receive(Self.response(407, "Proxy Authentication Required", to: invite, headers: [(.proxyAuthenticate, challenge)]))
        let sent = Self.sent(first)
        #expect(sent.map(\.method) == [.ack, .invite], "ACK for the 407 inside its transaction, then the new INVITE")
        #expect(sent[0].headers.topVia?.branch == invite.headers.topVia?.branch)
        let second = sent[1]
        #expect(second.headers.cseq?.number == 2)
        #expect(second.headers.topVia?.branch != invite.headers.topVia?.branch)
        #expect(second.headers.fromTag == "ft-1")
        #expect(second.headers.callID == invite.headers.callID)
        #expect(Self.news(first) == [.authenticating(realm: "trunk.example.com", proxy: true)])
        // The credentials are right for the password, checked by the independent verifier.
        let credentials = try DigestCredentials.parse(try #require(second.headers.first(.proxyAuthorization)))
        #expect(credentials.username == "1001")
        #expect(credentials.uri == "sip:+15550011234@trunk.example.com;user=phone")
        let report = DigestVerifier.check(challenge: try DigestChallenge.parse(challenge), credentials: credentials, method: "INVITE",
                                          requestURI: second.requestURI.raw, candidatePassword: "s3cret")
        #expect(report.contains(.passwordCorrect), "\(report)")
        #expect(call.authenticationRounds == 1)

        let rejected = call.receive(Self.response(407, "Proxy Authentication Required", to: second, headers: [(.proxyAuthenticate, challenge)]))
        guard case .failed(.credentialsRejected(_, let username, let realm)) = Self.news(rejected).last else {
            Issue.record("expected credentialsRejected, got \(rejected)")
            return
        }
        #expect(username == "1001")
        #expect(realm == "trunk.example.com")
        #expect(call.phase == .ended)
        #expect(!"\(rejected)".contains("s3cret"), "the password never appears in what the call reports")
    }

    @Test func staleNonceIsRetriedAndTheStrongestAlgorithmIsChosen() throws {
        var call = OutboundCall(configuration: Self.configuration())
        let invite = try #require(Self.sent(call.start()).first)
        let md5 = "Digest realm=\"r\", nonce=\"n-1\", qop=\"auth\", algorithm=MD5"
        let sha = "Digest realm=\"r\", nonce=\"n-1\", qop=\"auth\", algorithm=SHA-256"
        let first = call.receive(Self.response(401, "Unauthorized", to: invite, headers: [(.wwwAuthenticate, md5), (.wwwAuthenticate, sha)]))
        let second = try #require(Self.sent(first).last)
        let credentials = try DigestCredentials.parse(try #require(second.headers.first(.authorization)))
        #expect(credentials.algorithm == .sha256)
        let stale = "Digest realm=\"r\", nonce=\"n-2\", qop=\"auth\", algorithm=SHA-256, stale=true"
        let retry = call.receive(Self.response(401, "Unauthorized", to: second, headers: [(.wwwAuthenticate, stale)]))
        let third = try #require(Self.sent(retry).last)
        #expect(third.method == .invite)
        #expect(third.headers.cseq?.number == 3)
        #expect(try DigestCredentials.parse(try #require(third.headers.first(.authorization))).nonce == "n-2")
        #expect(third.headers.values(.authorization).count == 1, "the old credentials for the realm are replaced")
        #expect(call.authenticationRounds == 2)
    }

    @Test func challengeWithoutCredentialsFailsClearly() throws {
        var call = OutboundCall(configuration: Self.configuration(username: nil, password: nil))
        let invite = try #require(Self.sent(call.start()).first)
        let events = call.receive(Self.response(401, "Unauthorized", to: invite, headers: [(.wwwAuthenticate, "Digest realm=\"r\", nonce=\"n\"")]))
        guard case .failed(.cannotAuthenticate(_, let reason)) = Self.news(events).last else {
            Issue.record("expected cannotAuthenticate, got \(events)")
            return
        }
        #expect(reason.contains("none were given"))
    }

    @Test func rejectionIsAcknowledgedAndReported() throws {
        var call = OutboundCall(configuration: Self.configuration())
        let invite = try #require(Self.sent(call.start()).first)
        let events = call.receive(Self.response(486, "Busy Here", to: invite))
        #expect(Self.sent(events).map(\.method) == [.ack])
        guard case .failed(.rejected(let response)) = Self.news(events).last else {
            Issue.record("expected rejected, got \(events)")
            return
        }
        #expect(response.statusCode == 486)
    }

    @Test func cancelWaitsForAProvisionalResponse() throws {
        var call = OutboundCall(configuration: Self.configuration())
        let invite = try #require(Self.sent(call.start()).first)
        #expect(call.hangUp().isEmpty, "§9.1: no CANCEL before a provisional response")
        let ringing = call.receive(Self.response(180, "Ringing", to: invite))
        let cancel = try #require(Self.sent(ringing).first)
        #expect(cancel.method == .cancel)
        #expect(cancel.headers.topVia?.branch == invite.headers.topVia?.branch)
        #expect(cancel.headers.cseq == SIPCSeq(number: 1, method: .cancel))
        _ = call.receive(Self.response(200, "OK", to: cancel, tag: nil))
        let terminated = call.receive(Self.response(487, "Request Terminated", to: invite))
        #expect(Self.sent(terminated).map(\.method) == [.ack])
        #expect(Self.news(terminated).last == .failed(.cancelled))
    }

    @Test func answerThatCrossesTheCancelIsAcknowledgedAndEndedWithBye() throws {
        var call = OutboundCall(configuration: Self.configuration())
        let invite = try #require(Self.sent(call.start()).first)
        _ = call.receive(Self.response(180, "Ringing", to: invite))
        #expect(Self.sent(call.hangUp()).map(\.method) == [.cancel])
        let crossed = call.receive(Self.response(200, "OK", to: invite))
        #expect(Self.sent(crossed).map(\.method) == [.ack, .bye])
        #expect(call.phase == .terminating)
    }

    @Test func noAnswerTimesOutWithTimerB() throws {
        var call = OutboundCall(configuration: Self.configuration())
        _ = call.start()
        let retransmit = call.timerFired(CallTimer(transaction: 1, timer: .a))
        #expect(Self.sent(retransmit).map(\.method) == [.invite])
        let timeout = call.timerFired(CallTimer(transaction: 1, timer: .b))
        #expect(Self.news(timeout) == [.failed(.timeout)])
        #expect(call.phase == .ended)
    }

    @Test func byeFromTheFarEndIsAnsweredAndEndsTheCall() throws {
        var call = OutboundCall(configuration: Self.configuration())
        let invite = try #require(Self.sent(call.start()).first)
        _ = call.receive(Self.response(200, "OK", to: invite))
        var dialog = try #require(call.dialog)
        // The far end's BYE: its tag in From, ours in To.
        var bye = dialog.makeRequest(.bye, via: "SIP/2.0/UDP 198.51.100.20:5070;branch=z9hG4bK-far-1")
        bye.headers.set(.from, "<sip:+15550011234@trunk.example.com>;tag=remote-1")
        bye.headers.set(.to, "\"Test\" <sip:1001@trunk.example.com>;tag=ft-1")
        let events = call.receive(.request(bye))
        #expect(Self.sentResponses(events).map(\.statusCode) == [200])
        #expect(Self.news(events) == [.ended(byRemote: true)])
        // Its retransmission gets the same 200 again.
        #expect(Self.sentResponses(call.receive(.request(bye))).map(\.statusCode) == [200])
        // A request for another dialog is refused with 481.
        bye.headers.set(.from, "<sip:+15550011234@trunk.example.com>;tag=someone-else")
        bye.headers.set(.via, "SIP/2.0/UDP 198.51.100.20:5070;branch=z9hG4bK-far-2")
        #expect(Self.sentResponses(call.receive(.request(bye))).map(\.statusCode) == [481])
    }
}
