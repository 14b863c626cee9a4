import SIPAuth
import SIPMessages
import SIPTransaction
import SIPUserAgent
import Testing

/// REGISTER (with auth, expiry, refresh, 423, unregister) and OPTIONS pings.
@Suite struct RegistrationAndOptionsTests {
    static func configuration() -> Registration.Configuration {
        Registration.Configuration(
            registrar: try! SIPURI.parse("sip:trunk.example.com"), addressOfRecord: "<sip:1001@trunk.example.com>",
            contact: "<sip:1001@192.0.2.10:5060>", expires: 600, sentBy: "192.0.2.10:5060", transport: "UDP",
            callID: "reg-1", fromTag: "rt", branchPrefix: "z9hG4bK-reg", username: "1001", password: "pw")
    }

    static func sent<E>(_ events: [E], _ extract: (E) -> SIPMessage?) -> [SIPRequest] {
        events.compactMap { extract($0)?.request }
    }

    static func requests(_ events: [Registration.Event]) -> [SIPRequest] {
        events.compactMap { if case .send(.request(let request)) = $0 { request } else { nil } }
    }

    static func reply(_ status: Int, _ reason: String, to request: SIPRequest, headers: [(SIPHeaderName, String)] = []) -> SIPResponse {
        var response = ServerInviteTransaction.response(to: request, status: status, reason: reason, toTag: "reg-tag")
        for (name, value) in headers { response.headers.insert(name, value, at: 0) }
        return response
    }

    @Test func registerAuthenticatesTakesTheGrantedExpiryAndRefreshes() throws {
        var registration = Registration(configuration: Self.configuration())
        let first = try #require(Self.requests(registration.register()).first)
        #expect(first.method == .register)
        #expect(first.headers.expires == 600)
        #expect(first.headers.cseq?.number == 1)
        let challenge = "Digest realm=\"trunk.example.com\", nonce=\"abc\", qop=\"auth\""
        let challenged = registration.receive(Self.reply(401, "Unauthorized", to: first, headers: [(.wwwAuthenticate, challenge)]))
        let second = try #require(Self.requests(challenged).first)
        #expect(second.headers.cseq?.number == 2)
        #expect(second.headers.callID == "reg-1")
        #expect(second.headers.topVia?.branch != first.headers.topVia?.branch)
        let credentials = try DigestCredentials.parse(try #require(second.headers.first(.authorization)))
        #expect(credentials.uri == "sip:trunk.example.com")
        #expect(DigestVerifier.check(challenge: try DigestChallenge.parse(challenge), credentials: credentials, method: "REGISTER",
                                     candidatePassword: "pw").contains(.passwordCorrect))
        // The registrar grants 120 s on our binding and lists another device's binding too.
        let ok = Self.reply(200, "OK", to: second, headers: [
            (.contact, "<sip:1001@192.0.2.10:5060>;expires=120, <sip:1001@203.0.113.7:5060>;expires=3000"), (.expires, "3600"),
        ])
        let registered = registration.receive(ok)
        guard case .registered(let expires, let contacts, _) = registered.first(where: { if case .registered = $0 { true } else { false } }) else {
            Issue.record("not registered: \(registered)")
            return
        }
        #expect(expires == 120)
        #expect(contacts.count == 2)
        #expect(registered.contains(.startTimer(.refresh, .seconds(88))))
        // The refresh keeps the Call-ID and counts CSeq on.
        let refresh = try #require(Self.requests(registration.timerFired(.refresh)).first)
        #expect(refresh.headers.callID == "reg-1")
        #expect(refresh.headers.cseq?.number == 3)
    }

    @Test func intervalTooBriefIsRetriedWithMinExpiresThenUnregister() throws {
        var registration = Registration(configuration: Self.configuration())
        let first = try #require(Self.requests(registration.register()).first)
        let retry = try #require(Self.requests(registration.receive(Self.reply(423, "Interval Too Brief", to: first, headers: [(SIPHeaderName("Min-Expires"), "1800")]))).first)
        #expect(retry.headers.expires == 1800)
        _ = registration.receive(Self.reply(200, "OK", to: retry))
        #expect(registration.grantedExpires == 1800)
        let unregister = registration.unregister()
        #expect(unregister.first == .cancelTimer(.refresh))
        let removal = try #require(Self.requests(unregister).first)
        #expect(removal.headers.expires == 0)
        let done = registration.receive(Self.reply(200, "OK", to: removal))
        #expect(done.contains { if case .unregistered = $0 { true } else { false } })
        #expect(registration.grantedExpires == nil)
    }

    @Test func wrongPasswordIsReportedAsRejectedCredentials() throws {
        var registration = Registration(configuration: Self.configuration())
        let first = try #require(Self.requests(registration.register()).first)
        let challenge = [(SIPHeaderName.wwwAuthenticate, "Digest realm=\"r\", nonce=\"n\"")]
        let second = try #require(Self.requests(registration.receive(Self.reply(401, "Unauthorized", to: first, headers: challenge))).first)
        let events = registration.receive(Self.reply(401, "Unauthorized", to: second, headers: challenge))
        #expect(events.contains { if case .failed(.credentialsRejected(_, "1001", "r")) = $0 { true } else { false } })
    }

    @Test func refreshDelays() {
        #expect(Registration.refreshDelay(forGranted: 3600) == .seconds(3568))
        #expect(Registration.refreshDelay(forGranted: 60) == .seconds(30))
        #expect(Registration.refreshDelay(forGranted: 1) == .seconds(1))
    }

    @Test func optionsPingMeasuresRoundTripAndShowsHowTheServerSawUs() throws {
        var ping = OptionsPing(configuration: OptionsPing.Configuration(
            target: try SIPURI.parse("sip:trunk.example.com"), from: "<sip:siptool@192.168.1.20>", sentBy: "192.168.1.20:5060",
            transport: "UDP", callIDPrefix: "opt", fromTag: "ot", branchPrefix: "z9hG4bK-opt"))
        let sent = ping.ping(now: .milliseconds(1000))
        let options = try #require(sent.compactMap { if case .send(.request(let request)) = $0 { request } else { nil } }.first)
        #expect(options.method == .options)
        var response = ServerInviteTransaction.response(to: options, status: 200, reason: "OK", toTag: "srv")
        // The server filled in received/rport: we are behind NAT at 203.0.113.9:61000.
        response.headers.set(.via, "SIP/2.0/UDP 192.168.1.20:5060;branch=\(options.headers.topVia!.branch!);rport=61000;received=203.0.113.9")
        response.headers.insert(.allow, "INVITE, ACK, BYE, CANCEL, OPTIONS", at: 0)
        response.headers.insert(.server, "Kamailio (5.6)", at: 0)
        let events = ping.receive(response, now: .milliseconds(1042))
        guard case .reply(let reply) = events.first(where: { if case .reply = $0 { true } else { false } }) else {
            Issue.record("no reply: \(events)")
            return
        }
        #expect(reply.sequence == 1)
        #expect(reply.roundTrip == .milliseconds(42))
        #expect(reply.seenFrom == "203.0.113.9:61000")
        #expect(reply.allow == "INVITE, ACK, BYE, CANCEL, OPTIONS")
        #expect(reply.server == "Kamailio (5.6)")
        #expect(ping.isIdle)

        // A ping nobody answers times out with Timer F.
        _ = ping.ping(now: .seconds(2))
        let timeout = ping.timerFired(CallTimer(transaction: 4, timer: .f), now: .seconds(34))
        #expect(timeout.contains(.timedOut(sequence: 2)), "\(timeout)")
    }
}
