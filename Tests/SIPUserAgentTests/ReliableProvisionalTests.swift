import SIPAuth
import SIPMessages
import SIPTransaction
import SIPUserAgent
import Testing

/// RFC 3262 on the caller's side: PRACK for reliable provisional responses, RSeq ordering,
/// a challenged PRACK, and option tags we cannot honour.
@Suite struct ReliableProvisionalTests {
    typealias T = OutboundCallTests

    static func reliable(_ status: Int, _ reason: String, to invite: SIPRequest, rseq: UInt32, body: String = "") -> SIPMessage {
        T.response(status, reason, to: invite, headers: [(.require, "100rel"), (.rseq, String(rseq))], body: body)
    }

    @Test func reliableProvisionalsArePrackedOnceInOrder() throws {
        var call = OutboundCall(configuration: T.configuration())
        let invite = try #require(T.sent(call.start()).first)
        #expect(invite.headers.values(.supported).contains("100rel"))
        #expect(invite.headers.values(.allow).contains("PRACK"))

        let ringing = Self.reliable(180, "Ringing", to: invite, rseq: 7)
        let first = call.receive(ringing)
        let prack = try #require(T.sent(first).first)
        #expect(prack.method == .prack)
        #expect(prack.headers.first(.rack) == "7 1 INVITE")
        #expect(prack.headers.cseq == SIPCSeq(number: 2, method: .prack))
        #expect(prack.headers.toTag == "remote-1", "sent in the early dialog")
        #expect(prack.requestURI.raw == "sip:bob@198.51.100.20:5070", "to the remote target from the 180's Contact")
        #expect(prack.headers.topVia?.branch != invite.headers.topVia?.branch, "its own transaction")
        let ringingResponse = try #require(ringing.response)
        #expect(T.news(first).contains(.progress(ringingResponse)))

        // The same 180 again (the UAS did not see our PRACK yet): no second PRACK, no news.
        let again = call.receive(ringing)
        #expect(T.sent(again).isEmpty)
        #expect(T.news(again).isEmpty)
        // Out of order (RSeq 9 after 7): neither acknowledged nor processed (RFC 3262 §4).
        let skipped = call.receive(Self.reliable(183, "Session Progress", to: invite, rseq: 9, body: "v=0\r\n"))
        #expect(T.sent(skipped).isEmpty)
        #expect(T.news(skipped).isEmpty)
        // The next in order, with SDP: early media and a PRACK with the next CSeq.
        let progress = call.receive(Self.reliable(183, "Session Progress", to: invite, rseq: 8, body: "v=0\r\n"))
        let second = try #require(T.sent(progress).first)
        #expect(second.headers.first(.rack) == "8 1 INVITE")
        #expect(second.headers.cseq?.number == 3)
        #expect(T.news(progress).contains { if case .earlyMedia = $0 { true } else { false } })

        // The PRACK's 200 is reported; the INVITE's 200 is ACKed with the INVITE's CSeq.
        let prackOK = call.receive(T.response(200, "OK", to: prack))
        #expect(T.news(prackOK).contains { if case .prackAnswered(let response) = $0 { response.statusCode == 200 } else { false } })
        let answered = call.receive(T.response(200, "OK", to: invite))
        let ack = try #require(T.sent(answered).first)
        #expect(ack.headers.cseq == SIPCSeq(number: 1, method: .ack))
        let bye = try #require(T.sent(call.hangUp()).first)
        #expect(bye.headers.cseq == SIPCSeq(number: 4, method: .bye), "after INVITE 1 and PRACKs 2 and 3")
    }

    @Test func challengedPrackIsResentWithCredentials() throws {
        var call = OutboundCall(configuration: T.configuration())
        let invite = try #require(T.sent(call.start()).first)
        let prack = try #require(T.sent(call.receive(Self.reliable(180, "Ringing", to: invite, rseq: 1))).first)
        #expect(prack.headers.first(.proxyAuthorization) == nil)
        let challenge = "Digest realm=\"trunk.example.com\", nonce=\"p-1\", qop=\"auth\", algorithm=MD5"
        let events = call.receive(T.response(407, "Proxy Authentication Required", to: prack, headers: [(.proxyAuthenticate, challenge)]))
        #expect(T.news(events).contains(.authenticating(realm: "trunk.example.com", proxy: true)))
        let retry = try #require(T.sent(events).first { $0.method == .prack })
        #expect(retry.headers.first(.rack) == "1 1 INVITE", "the same provisional is acknowledged")
        #expect(retry.headers.cseq?.number == 3)
        #expect(retry.headers.topVia?.branch != prack.headers.topVia?.branch)
        let credentials = try DigestCredentials.parse(try #require(retry.headers.first(.proxyAuthorization)))
        let report = DigestVerifier.check(challenge: try DigestChallenge.parse(challenge), credentials: credentials, method: "PRACK",
                                          requestURI: retry.requestURI.raw, candidatePassword: "s3cret")
        #expect(report.contains(.passwordCorrect), "\(report)")
        // A second challenge for the same realm is not answered again (no endless loop).
        let refused = call.receive(T.response(407, "Proxy Authentication Required", to: retry, headers: [(.proxyAuthenticate, challenge)]))
        #expect(T.sent(refused).allSatisfy { $0.method != .prack })
    }

    @Test func unsupportedRequirementIsReportedAndTheCallCancelled() throws {
        var call = OutboundCall(configuration: T.configuration())
        let invite = try #require(T.sent(call.start()).first)
        let events = call.receive(T.response(180, "Ringing", to: invite, headers: [(.require, "100rel, precondition"), (.rseq, "1")]))
        #expect(T.news(events).contains { if case .unsupportedRequirement(_, let options) = $0 { options == ["precondition"] } else { false } })
        #expect(T.sent(events).map(\.method) == [.cancel])
        #expect(call.phase == .cancelling)
    }

    @Test func withoutSupportFor100relAReliableProvisionalIsRefused() throws {
        var configuration = T.configuration()
        configuration.supports100rel = false
        var call = OutboundCall(configuration: configuration)
        let invite = try #require(T.sent(call.start()).first)
        #expect(!invite.headers.values(.supported).contains("100rel"))
        let events = call.receive(Self.reliable(180, "Ringing", to: invite, rseq: 1))
        #expect(T.news(events).contains { if case .unsupportedRequirement(_, let options) = $0 { options == ["100rel"] } else { false } })
    }

    @Test func badExtensionIsARejection() throws {
        var call = OutboundCall(configuration: T.configuration())
        let invite = try #require(T.sent(call.start()).first)
        let events = call.receive(T.response(420, "Bad Extension", to: invite, headers: [(.unsupported, "timer")]))
        guard case .failed(.rejected(let response)) = T.news(events).last else {
            Issue.record("expected a rejection, got \(events)")
            return
        }
        #expect(response.headers.values(.unsupported) == ["timer"])
    }
}

/// RFC 3262 between our own two sides: the callee's reliable 180 and the caller's PRACK.
@Suite struct ReliableProvisionalPairTests {
    typealias T = OutboundCallTests

    static func responses(_ events: [InboundCallEvent]) -> [SIPResponse] {
        events.compactMap { if case .send(.response(let response)) = $0 { response } else { nil } }
    }

    @Test func reliableRingingIsResentUntilPracked() throws {
        var caller = OutboundCall(configuration: T.configuration())
        let invite = try #require(T.sent(caller.start()).first)
        var callee = InboundCall(invite: invite, localTag: "callee-1", contact: "<sip:bob@198.51.100.20:5070>",
                                 sentBy: "198.51.100.20:5070", transport: "UDP")
        #expect(callee.callerSupports100rel)
        _ = callee.start()
        let ringing = callee.progress(reliable: true)
        let reliable = try #require(Self.responses(ringing).first)
        #expect(reliable.headers.first(.require) == "100rel")
        #expect(reliable.headers.first(.rseq) == "1")
        #expect(ringing.contains(.startTimer(.retransmit1xx, .milliseconds(500))))
        // No second reliable 1xx while the first is unacknowledged.
        #expect(callee.progress(reliable: true).isEmpty)
        // Lost PRACK: the 180 is resent at T1, then 2*T1.
        let resent = callee.timerFired(.retransmit1xx)
        #expect(Self.responses(resent) == [reliable])
        #expect(resent.contains(.startTimer(.retransmit1xx, .seconds(1))))

        // The caller PRACKs the first copy, and not the retransmission.
        let prack = try #require(T.sent(caller.receive(.response(reliable))).first)
        #expect(T.sent(caller.receive(.response(reliable))).isEmpty)
        let acknowledged = callee.receive(.request(prack))
        #expect(Self.responses(acknowledged).map(\.statusCode) == [200])
        #expect(acknowledged.contains(.provisionalAcknowledged(prack)))
        #expect(acknowledged.contains(.cancelTimer(.retransmit1xx)))
        #expect(callee.unacknowledgedProvisional == nil)
        #expect(callee.timerFired(.retransmit1xx).isEmpty, "nothing more to resend")
        // The caller hears the 200 for its PRACK.
        let prackOK = try #require(Self.responses(acknowledged).first)
        #expect(T.news(caller.receive(.response(prackOK))).contains(.prackAnswered(prackOK)))
    }

    @Test func prackForAnotherRSeqIsRefused() throws {
        var caller = OutboundCall(configuration: T.configuration())
        let invite = try #require(T.sent(caller.start()).first)
        var callee = InboundCall(invite: invite, localTag: "callee-1", contact: "<sip:bob@198.51.100.20:5070>",
                                 sentBy: "198.51.100.20:5070", transport: "UDP")
        _ = callee.start()
        let reliable = try #require(Self.responses(callee.progress(reliable: true)).first)
        var prack = try #require(T.sent(caller.receive(.response(reliable))).first)
        prack.headers.set(.rack, "7 1 INVITE")
        #expect(Self.responses(callee.receive(.request(prack))).map(\.statusCode) == [481])
        #expect(callee.unacknowledgedProvisional != nil)
    }
}
