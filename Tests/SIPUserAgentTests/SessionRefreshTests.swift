import SIPMessages
import SIPTransaction
import SIPUserAgent
import Testing

/// re-INVITE and UPDATE from the far end during a call, on both sides: answered 200 with our SDP,
/// the o= version kept when nothing changed and bumped on hold and resume.
@Suite struct SessionRefreshTests {
    typealias T = OutboundCallTests

    static let remoteSDP = "v=0\r\no=far 9 9 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n"

    /// A request from the far end inside the caller's dialog (its tag in From, ours in To).
    static func fromFarEnd(_ method: SIPMethod, cseq: UInt32, branch: String, dialog: SIPDialog, sdp: String? = nil,
                           headers: [(SIPHeaderName, String)] = []) -> SIPRequest {
        var copy = dialog
        var request = copy.makeRequest(method, via: "SIP/2.0/UDP 198.51.100.20:5070;branch=z9hG4bK-\(branch)", contact: "<sip:bob@198.51.100.21:5070>")
        request.headers.set(.from, "<sip:+15550011234@trunk.example.com>;tag=\(dialog.id.remoteTag)")
        request.headers.set(.to, "\"Test\" <sip:1001@trunk.example.com>;tag=\(dialog.id.localTag)")
        request.headers.set(.cseq, "\(cseq) \(method.rawValue)")
        for (name, value) in headers { request.headers.insert(name, value, at: 0) }
        if let sdp {
            request.body = Array(sdp.utf8)
            request.headers.set(.contentLength, String(sdp.utf8.count))
            request.headers.insert(.contentType, "application/sdp", at: 0)
        }
        return request
    }

    static func text(_ response: SIPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    static func changes(_ events: [CallEvent]) -> [SessionRefresh.Change] {
        events.compactMap { if case .remoteRefresh(let change) = $0 { change } else { nil } }
    }

    @Test func callerAnswersRefreshHoldAndResume() throws {
        let configuration = T.configuration()
        var call = OutboundCall(configuration: configuration)
        let invite = try #require(T.sent(call.start()).first)
        _ = call.receive(T.response(200, "OK", to: invite))
        let dialog = try #require(call.dialog)

        // Session refresh (RFC 4028): same SDP, same o= version, Session-Expires echoed.
        let refresh = Self.fromFarEnd(.invite, cseq: 10, branch: "r1", dialog: dialog, sdp: Self.remoteSDP,
                                      headers: [(.sessionExpires, "1800"), (.supported, "timer")])
        let first = call.receive(.request(refresh))
        let ok = try #require(T.sentResponses(first).first)
        #expect(ok.statusCode == 200)
        #expect(ok.body == configuration.offer, "unchanged: the very same SDP")
        #expect(ok.headers.first(.contentType) == "application/sdp")
        #expect(ok.headers.first(.contact) == configuration.contact)
        #expect(ok.headers.first(.sessionExpires) == "1800;refresher=uac")
        #expect(ok.headers.first(.require) == "timer")
        let change = try #require(Self.changes(first).first)
        #expect(change.method == .invite && !change.versionChanged && change.localVersion == "1" && !change.heldByRemote)
        #expect(change.remoteAudioAddress == "198.51.100.20" && change.remoteAudioPort == 30000, "where the offer wants audio")
        #expect(call.dialog?.remoteTarget.raw == "sip:bob@198.51.100.21:5070", "target refreshed from the re-INVITE's Contact")
        // Its ACK is absorbed; a retransmission of the re-INVITE gets the same 200.
        #expect(T.sent(call.receive(.request(Self.fromFarEnd(.ack, cseq: 10, branch: "r1a", dialog: dialog)))).isEmpty)
        #expect(T.sentResponses(call.receive(.request(refresh))) == [ok])

        // Hold: a=sendonly -> our answer says recvonly with o= version 2.
        let hold = Self.fromFarEnd(.invite, cseq: 11, branch: "r2", dialog: dialog, sdp: Self.remoteSDP + "a=sendonly\r\n")
        let held = call.receive(.request(hold))
        let holdOK = try #require(T.sentResponses(held).first)
        #expect(Self.text(holdOK).contains("a=recvonly"))
        #expect(Self.text(holdOK).contains("o=- 1 2 IN IP4 192.0.2.10"))
        #expect(Self.changes(held).first?.heldByRemote == true)

        // Resume by UPDATE: sendrecv again, version 3.
        let resume = Self.fromFarEnd(.update, cseq: 12, branch: "r3", dialog: dialog, sdp: Self.remoteSDP + "a=sendrecv\r\n")
        let resumed = call.receive(.request(resume))
        let resumeOK = try #require(T.sentResponses(resumed).first)
        #expect(Self.text(resumeOK).contains("a=sendrecv"))
        #expect(Self.text(resumeOK).contains("o=- 1 3 IN IP4"))
        let last = try #require(Self.changes(resumed).first)
        #expect(last.method == .update && last.versionChanged && !last.heldByRemote)

        // An UPDATE without SDP (a pure session-timer refresh) gets 200 with our current SDP.
        let bare = call.receive(.request(Self.fromFarEnd(.update, cseq: 13, branch: "r4", dialog: dialog)))
        #expect(T.sentResponses(bare).first?.statusCode == 200)
        #expect(Self.changes(bare).first?.versionChanged == false)

        // The old way to hold (RFC 2543): c=0.0.0.0.
        let zeroHold = call.receive(.request(Self.fromFarEnd(.invite, cseq: 14, branch: "r6", dialog: dialog,
                                                             sdp: "v=0\r\no=far 9 10 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n")))
        #expect(Self.changes(zeroHold).first?.heldByRemote == true)

        // A CSeq lower than the last one is out of order: 500 (§12.2.2).
        let stale = call.receive(.request(Self.fromFarEnd(.invite, cseq: 5, branch: "r5", dialog: dialog, sdp: Self.remoteSDP)))
        #expect(T.sentResponses(stale).map(\.statusCode) == [500])
        #expect(call.phase == .answered)
    }

    /// Over UDP our 200 to a re-INVITE is resent until its ACK (RFC 3261 §13.3.1.4, §14.2): T1,
    /// doubling up to T2; without an ACK for 64*T1 the session ends with BYE.
    @Test func callerResendsItsRefresh200UntilTheACK() throws {
        var call = OutboundCall(configuration: T.configuration())
        let invite = try #require(T.sent(call.start()).first)
        _ = call.receive(T.response(200, "OK", to: invite))
        let dialog = try #require(call.dialog)
        let refresh = Self.fromFarEnd(.invite, cseq: 10, branch: "g1", dialog: dialog, sdp: Self.remoteSDP)
        let first = call.receive(.request(refresh))
        let ok = try #require(T.sentResponses(first).first)
        let started = first.compactMap { if case .startTimer(let timer, let after) = $0 { (timer, after) } else { nil } }
        let g = try #require(started.first { $0.0.timer == .g })
        #expect(g.1 == .milliseconds(500))
        #expect(started.contains { $0.0.timer == .h && $0.0.transaction == g.0.transaction && $0.1 == .seconds(32) })
        var intervals: [Duration] = []
        for _ in 0..<5 {
            let fired = call.timerFired(g.0)
            #expect(T.sentResponses(fired) == [ok], "the same 200 again")
            for case .startTimer(let timer, let after) in fired where timer == g.0 { intervals.append(after) }
        }
        #expect(intervals == [.seconds(1), .seconds(2), .seconds(4), .seconds(4), .seconds(4)])
        // The ACK (its own branch, the re-INVITE's CSeq) stops both timers and sends nothing.
        let acked = call.receive(.request(Self.fromFarEnd(.ack, cseq: 10, branch: "g1a", dialog: dialog)))
        #expect(T.sent(acked).isEmpty && T.sentResponses(acked).isEmpty)
        #expect(acked.contains(.cancelTimer(g.0)))
        #expect(acked.contains(.cancelTimer(CallTimer(transaction: g.0.transaction, timer: .h))))
        #expect(T.sentResponses(call.timerFired(g.0)).isEmpty, "nothing resent after the ACK")

        // A second re-INVITE whose ACK never comes: after 64*T1 the call hangs up.
        let second = call.receive(.request(Self.fromFarEnd(.invite, cseq: 11, branch: "g2", dialog: dialog, sdp: Self.remoteSDP)))
        let h = try #require(second.compactMap { if case .startTimer(let timer, _) = $0, timer.timer == .h { timer } else { nil } }.first)
        let expired = call.timerFired(h)
        #expect(expired.contains(.refreshUnacknowledged))
        #expect(T.sent(expired).map(\.method) == [.bye])
        #expect(call.phase == .terminating)
    }

    @Test func calleeAnswersReInviteAndUpdate() throws {
        var (caller, callee) = try Self.answeredCall(localTag: "callee-1")
        #expect(callee.phase == .confirmed)

        // A PRACK from the caller is accepted.
        var dialog = try #require(caller.dialog)
        var prack = dialog.makeRequest(.prack, via: "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-p1")
        prack.headers.insert(.rack, "1 1 INVITE", at: 0)
        #expect(Self.responses(callee.receive(.request(prack))).map(\.statusCode) == [200])

        // A re-INVITE with a=sendonly: 200 with a=recvonly and version 6; then its ACK.
        var hold = dialog.makeRequest(.invite, via: "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-h1", contact: "<sip:1001@192.0.2.10:5060>")
        let holdSDP = "v=0\r\no=- 1 2 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=sendonly\r\n"
        hold.body = Array(holdSDP.utf8)
        hold.headers.set(.contentLength, String(hold.body.count))
        let held = callee.receive(.request(hold))
        let holdOK = try #require(Self.responses(held).first)
        #expect(holdOK.statusCode == 200)
        #expect(Self.text(holdOK).contains("a=recvonly"))
        #expect(Self.text(holdOK).contains("o=- 5 6 IN IP4"))
        #expect(held.contains { if case .remoteRefresh(let change) = $0 { change.heldByRemote } else { false } })
        #expect(callee.phase == .confirmed, "the call goes on")
        // A retransmitted re-INVITE gets the same 200, not a second answer.
        #expect(Self.responses(callee.receive(.request(hold))) == [holdOK])

        // A refresh by UPDATE without SDP: 200, our SDP unchanged.
        let update = dialog.makeRequest(.update, via: "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-u1")
        let updated = callee.receive(.request(update))
        let updateOK = try #require(Self.responses(updated).first)
        #expect(updateOK.statusCode == 200)
        #expect(Self.text(updateOK).contains("o=- 5 6 IN IP4"))
    }

    /// The answering side resends its 200 to a re-INVITE until the ACK, and hangs up when none
    /// comes within 64*T1.
    @Test func calleeResendsItsRefresh200UntilTheACK() throws {
        var (caller, callee) = try Self.answeredCall(localTag: "callee-2")
        var dialog = try #require(caller.dialog)

        var refresh = dialog.makeRequest(.invite, via: "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-g1", contact: "<sip:1001@192.0.2.10:5060>")
        refresh.body = T.configuration().offer
        refresh.headers.set(.contentLength, String(refresh.body.count))
        let answered = callee.receive(.request(refresh))
        let refreshOK = try #require(Self.responses(answered).first)
        let timer = try #require(answered.compactMap { if case .startTimer(let timer, let after) = $0, case .retransmitRefresh2xx = timer, after == .milliseconds(500) { timer } else { nil } }.first)
        let fired = callee.timerFired(timer)
        #expect(Self.responses(fired) == [refreshOK])
        #expect(fired.contains(.startTimer(timer, .seconds(1))))
        let ack = dialog.makeRequest(.ack, via: "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-g1a", cseq: refresh.headers.cseq?.number)
        #expect(callee.receive(.request(ack)).contains(.cancelTimer(timer)))
        #expect(Self.responses(callee.timerFired(timer)).isEmpty, "nothing resent after the ACK")

        // No ACK for the next one: BYE after 64*T1.
        var again = dialog.makeRequest(.invite, via: "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-g2", contact: "<sip:1001@192.0.2.10:5060>")
        again.body = T.configuration().offer
        again.headers.set(.contentLength, String(again.body.count))
        let wait = try #require(callee.receive(.request(again)).compactMap { if case .startTimer(let timer, let after) = $0, case .refreshAckTimeout = timer, after == .seconds(32) { timer } else { nil } }.first)
        let expired = callee.timerFired(wait)
        #expect(expired.contains(.ackTimedOut))
        #expect(expired.contains { if case .send(.request(let bye)) = $0 { bye.method == .bye } else { false } })
    }

    /// A call over UDP from an OutboundCall to an InboundCall, answered with SDP and ACKed.
    static func answeredCall(localTag: String) throws -> (caller: OutboundCall, callee: InboundCall) {
        var caller = OutboundCall(configuration: T.configuration())
        let invite = try #require(T.sent(caller.start()).first)
        var callee = InboundCall(invite: invite, localTag: localTag, contact: "<sip:bob@198.51.100.20:5070>",
                                 sentBy: "198.51.100.20:5070", transport: "UDP")
        _ = callee.start()
        let answerSDP = Array("v=0\r\no=- 5 5 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n".utf8)
        let ok = try #require(Self.responses(callee.answer(sdp: answerSDP)).first)
        _ = callee.receive(.request(try #require(T.sent(caller.receive(.response(ok))).first)))
        return (caller, callee)
    }

    static func responses(_ events: [InboundCallEvent]) -> [SIPResponse] {
        events.compactMap { if case .send(.response(let response)) = $0 { response } else { nil } }
    }
}
