import SIPMessages
import SIPTransaction
import Testing

/// RFC 3261 §17.2 server transactions (with RFC 6026's Accepted state), on a pretend clock.
@Suite struct ServerTransactionTests {
    func sentStatuses<M>(_ driver: FakeClockDriver<M>) -> [Int] {
        driver.log.compactMap { if case .send(.response(let response)) = $0.action { response.statusCode } else { nil } }
    }

    @Test func inviteIsPassedUpWithTryingAndRetransmissionsGetTheLatestProvisional() {
        let invite = Messages.request(.invite)
        var driver = FakeClockDriver(ServerInviteTransaction(request: invite, reliability: .unreliable))
        driver.input { $0.start() }
        #expect(driver.log.map(\.action).last == .deliverRequest(invite))
        driver.input { $0.receive(invite) }
        driver.input { $0.send(Messages.response(180, to: invite, reason: "Ringing")) }
        driver.input { $0.receive(invite) }
        #expect(self.sentStatuses(driver) == [100, 100, 180, 180])
        #expect(driver.log.filter { if case .deliverRequest = $0.action { true } else { false } }.count == 1, "retransmissions are not passed up")
    }

    @Test func rejectionIsRetransmittedByTimerGUntilTimerH() {
        let invite = Messages.request(.invite)
        var driver = FakeClockDriver(ServerInviteTransaction(request: invite, reliability: .unreliable))
        driver.input { $0.start(sendTrying: false) }
        driver.input { $0.send(Messages.response(486, to: invite, reason: "Busy Here")) }
        driver.advance(to: .seconds(40))
        #expect(driver.sendTimes == [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500])
        #expect(driver.log.suffix(2).map(\.action) == [.timeout(.h), .terminated])
        #expect(driver.log.last?.at == .seconds(32))
    }

    @Test func ackConfirmsThenTimerIEnds() {
        let invite = Messages.request(.invite)
        let busy = Messages.response(486, to: invite, reason: "Busy Here")
        var driver = FakeClockDriver(ServerInviteTransaction(request: invite, reliability: .unreliable))
        driver.input { $0.start(sendTrying: false) }
        driver.input { $0.send(busy) }
        driver.advance(to: .milliseconds(1000))
        driver.input { $0.receive(invite) }  // a late INVITE retransmission gets the 486 again
        let ack = ClientInviteTransaction.acknowledgement(of: invite, for: busy)
        #expect(TransactionKey.server(receiving: ack) == TransactionKey.server(receiving: invite))
        driver.advance(to: .milliseconds(2000))
        driver.input { $0.receive(ack) }
        #expect(driver.machine.state == .confirmed)
        driver.input { $0.receive(ack) }  // ACK retransmissions are absorbed
        driver.advance(to: .seconds(40))
        #expect(driver.sendTimes == [0, 500, 1000, 1500])
        #expect(driver.log.last == .init(at: .milliseconds(7000), action: .terminated), "Timer I = T4")
        #expect(!driver.log.contains { $0.action == .timeout(.h) })
    }

    @Test func successEntersAcceptedAbsorbsInviteAndPassesAckForTimerL() {
        let invite = Messages.request(.invite)
        let ok = Messages.response(200, to: invite, reason: "OK")
        var driver = FakeClockDriver(ServerInviteTransaction(request: invite, reliability: .unreliable))
        driver.input { $0.start() }
        driver.input { $0.send(ok) }
        #expect(driver.machine.state == .accepted)
        driver.advance(to: .milliseconds(500))
        driver.input { $0.receive(invite) }
        driver.input { $0.send(ok) }  // the TU's own 2xx retransmission passes through
        var ack = Messages.request(.ack, branch: "z9hG4bK-ack-2xx")
        ack.headers.set(.to, "<sip:+15550011234@trunk.example.com>;tag=to-1")
        driver.input { $0.receive(ack) }
        #expect(self.sentStatuses(driver) == [100, 200, 200])
        #expect(driver.log.contains { $0.action == .deliverRequest(ack) })
        driver.advance(to: .seconds(40))
        #expect(driver.log.last == .init(at: .seconds(32), action: .terminated), "Timer L = 64*T1")
    }

    @Test func rejectionOverTCPIsNotRetransmittedAndAckEndsAtOnce() {
        let invite = Messages.request(.invite, via: "SIP/2.0/TCP 192.0.2.10:5060")
        let busy = Messages.response(486, to: invite, reason: "Busy Here")
        var driver = FakeClockDriver(ServerInviteTransaction(request: invite, reliability: .reliable))
        driver.input { $0.start(sendTrying: false) }
        driver.input { $0.send(busy) }
        driver.advance(to: .seconds(1))
        driver.input { $0.receive(ClientInviteTransaction.acknowledgement(of: invite, for: busy)) }
        #expect(driver.sendTimes == [0])
        #expect(driver.log.last == .init(at: .seconds(1), action: .terminated))
    }

    @Test func nonInviteAnswersRetransmissionsUntilTimerJ() {
        let options = Messages.request(.options)
        var driver = FakeClockDriver(ServerNonInviteTransaction(request: options, reliability: .unreliable))
        driver.input { $0.start() }
        driver.input { $0.receive(options) }  // Trying: nothing to resend yet
        driver.input { $0.send(Messages.response(200, to: options, reason: "OK")) }
        driver.advance(to: .seconds(2))
        driver.input { $0.receive(options) }
        driver.input { $0.send(Messages.response(500, to: options, reason: "Late")) }  // discarded
        driver.advance(to: .seconds(40))
        #expect(self.sentStatuses(driver) == [200, 200])
        #expect(driver.log.last == .init(at: .seconds(32), action: .terminated), "Timer J = 64*T1")

        var tcp = ServerNonInviteTransaction(request: options, reliability: .reliable)
        _ = tcp.start()
        #expect(tcp.send(Messages.response(200, to: options, reason: "OK")).last == .terminated)
    }
}
