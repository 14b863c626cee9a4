import SIPMessages
import SIPTransaction
import SIPUserAgent
import Testing

/// The answering side of a call, and both sides talking to each other through the parser.
@Suite struct InboundCallTests {
    static let invite: SIPRequest = {
        var call = OutboundCall(configuration: OutboundCallTests.configuration())
        var invite = OutboundCallTests.sent(call.start()).first!
        invite.headers.insert(.recordRoute, "<sip:edge.example.net;lr>", at: 1)
        return invite
    }()

    static func make(transport: String = "UDP") -> InboundCall {
        InboundCall(invite: Self.invite, localTag: "uas-9", contact: "<sip:bob@198.51.100.20:5070>",
                    sentBy: "198.51.100.20:5070", transport: transport, userAgent: "siptool-answer")
    }

    static func sentResponses(_ events: [InboundCallEvent]) -> [SIPResponse] {
        events.compactMap { if case .send(.response(let response)) = $0 { response } else { nil } }
    }

    static func sentRequests(_ events: [InboundCallEvent]) -> [SIPRequest] {
        events.compactMap { if case .send(.request(let request)) = $0 { request } else { nil } }
    }

    @Test func answerIsRetransmittedUntilTheAck() throws {
        var call = Self.make()
        #expect(Self.sentResponses(call.start()).map(\.statusCode) == [100])
        let ringing = try #require(Self.sentResponses(call.progress()).first)
        #expect(ringing.statusCode == 180)
        #expect(ringing.headers.toTag == "uas-9")
        #expect(ringing.headers.values(.recordRoute) == ["<sip:edge.example.net;lr>"])
        #expect(ringing.headers.first(.contact) == "<sip:bob@198.51.100.20:5070>")
        // An INVITE retransmission gets the 180 again.
        #expect(Self.sentResponses(call.receive(.request(Self.invite))).map(\.statusCode) == [180])

        let sdp = Array("v=0\r\n".utf8)
        let answer = call.answer(sdp: sdp)
        let ok = try #require(Self.sentResponses(answer).first)
        #expect(ok.statusCode == 200)
        #expect(ok.body == sdp)
        #expect(ok.headers.first(.contentType) == "application/sdp")
        #expect(ok.headers.contentLength == sdp.count)
        #expect(answer.contains(.startTimer(.retransmit2xx, .milliseconds(500))))
        #expect(answer.contains(.startTimer(.ackTimeout, .seconds(32))))
        let first = call.timerFired(.retransmit2xx)
        #expect(Self.sentResponses(first).map(\.statusCode) == [200])
        #expect(first.contains(.startTimer(.retransmit2xx, .milliseconds(1000))))
        #expect(call.okRetransmissions == 1)

        var dialog = try #require(call.dialog)
        #expect(dialog.state == .confirmed)
        var ack = dialog.makeRequest(.ack, via: "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-ack", cseq: 1)
        ack.headers.set(.from, "\"Test\" <sip:1001@trunk.example.com>;tag=ft-1")
        ack.headers.set(.to, "<sip:+15550011234@trunk.example.com>;tag=uas-9")
        let confirmed = call.receive(.request(ack))
        #expect(confirmed.contains(.cancelTimer(.retransmit2xx)))
        #expect(confirmed.contains(.confirmed(ack)))
        #expect(call.phase == .confirmed)
        #expect(call.timerFired(.retransmit2xx).isEmpty, "no 2xx after the ACK")
    }

    @Test func missingAckEndsTheCallWithByeAfter64T1() throws {
        var call = Self.make()
        _ = call.start()
        _ = call.answer(sdp: Array("v=0\r\n".utf8))
        for _ in 0..<6 { _ = call.timerFired(.retransmit2xx) }
        #expect(call.okRetransmissions == 6)
        let timedOut = call.timerFired(.ackTimeout)
        #expect(timedOut.contains(.ackTimedOut))
        let bye = try #require(Self.sentRequests(timedOut).first)
        #expect(bye.method == .bye)
        #expect(bye.requestURI.raw == "sip:1001@192.0.2.10:5060", "to the caller's Contact")
        #expect(bye.headers.values(.route) == ["<sip:edge.example.net;lr>"])
        #expect(bye.headers.fromTag == "uas-9")
        #expect(bye.headers.toTag == "ft-1")
        let ended = call.receive(.response(ServerInviteTransaction.response(to: bye, status: 200, reason: "OK")))
        #expect(ended.contains(.ended(byRemote: false)))
    }

    @Test func cancelWhileRingingGets200And487() throws {
        var call = Self.make()
        _ = call.start()
        _ = call.progress()
        let cancel = ClientInviteTransaction.cancellation(of: Self.invite)
        let events = call.receive(.request(cancel))
        let responses = Self.sentResponses(events)
        #expect(responses.map(\.statusCode) == [200, 487])
        #expect(responses[0].headers.cseq?.method == .cancel)
        #expect(responses[1].headers.cseq?.method == .invite)
        #expect(events.contains(.cancelled))
        // The caller's ACK for the 487 is absorbed by the INVITE transaction.
        let ack = ClientInviteTransaction.acknowledgement(of: Self.invite, for: responses[1])
        #expect(Self.sentResponses(call.receive(.request(ack))).isEmpty)
        #expect(call.answer(sdp: []).isEmpty, "too late to answer")
    }

    @Test func rejectionWaitsForItsAckThenReports() throws {
        var call = Self.make()
        _ = call.start()
        let events = call.reject(488, reason: "Not Acceptable Here", headers: [(.warning, "304 siptool \"no common codec\"")])
        let response = try #require(Self.sentResponses(events).first)
        #expect(response.statusCode == 488)
        #expect(response.headers.first(.warning) == "304 siptool \"no common codec\"")
        let ack = ClientInviteTransaction.acknowledgement(of: Self.invite, for: response)
        #expect(call.receive(.request(ack)).contains(.rejected), "reported when the ACK arrives")
        #expect(!call.timerFired(.transaction(1, .i)).contains(.rejected), "and only once")
    }

    /// Both machines connected through serialization and the parser, as on a wire: the caller
    /// is challenged nowhere, the callee rings, answers, the caller ACKs and hangs up.
    @Test func callerAndCalleeTalkThroughTheParser() throws {
        var caller = OutboundCall(configuration: OutboundCallTests.configuration())
        var callee: InboundCall?
        var toCallee: [SIPMessage] = []
        var toCaller: [SIPMessage] = []
        var news: [String] = []

        func wire(_ message: SIPMessage) throws -> SIPMessage {
            try SIPDatagramParser.parse(message.serialized()).message
        }
        func fromCaller(_ events: [CallEvent]) throws {
            for event in events {
                switch event {
                case .send(let message): toCallee.append(try wire(message))
                case .startTimer, .cancelTimer: break
                default: news.append("caller: \(event)".prefix(40).description)
                }
            }
        }
        func fromCallee(_ events: [InboundCallEvent]) throws {
            for event in events {
                switch event {
                case .send(let message): toCaller.append(try wire(message))
                case .startTimer, .cancelTimer: break
                default: news.append("callee: \(event)".prefix(40).description)
                }
            }
        }

        try fromCaller(caller.start())
        var steps = 0
        while steps < 50, !(toCallee.isEmpty && toCaller.isEmpty) {
            steps += 1
            if !toCallee.isEmpty {
                let message = toCallee.removeFirst()
                if callee == nil, let invite = message.request, invite.method == .invite {
                    var created = InboundCall(invite: invite, localTag: "uas-wire", contact: "<sip:bob@198.51.100.20:5070>",
                                              sentBy: "198.51.100.20:5070", transport: "UDP")
                    try fromCallee(created.start())
                    try fromCallee(created.progress())
                    try fromCallee(created.answer(sdp: Array("v=0\r\no=- 2 2 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n".utf8)))
                    callee = created
                } else if var existing = callee {
                    try fromCallee(existing.receive(message))
                    callee = existing
                }
            } else {
                try fromCaller(caller.receive(toCaller.removeFirst()))
            }
            if caller.phase == .answered && callee?.phase == .confirmed {
                try fromCaller(caller.hangUp())
            }
        }
        #expect(caller.phase == .ended)
        #expect(callee?.phase == .ended)
        #expect(news.contains { $0.hasPrefix("caller: answered") })
        #expect(news.contains { $0.hasPrefix("callee: confirmed") })
        #expect(news.contains { $0.hasPrefix("callee: ended(byRemote: true)") })
        #expect(news.contains { $0.hasPrefix("caller: ended(byRemote: false)") })
    }
}
