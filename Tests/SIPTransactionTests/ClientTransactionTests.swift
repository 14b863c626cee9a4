import SIPMessages
import SIPTransaction
import Testing

/// RFC 3261 §17.1 client transactions, checked on a pretend clock to the millisecond.
@Suite struct ClientTransactionTests {
    func delivered(_ log: [FakeClockDriver<ClientInviteTransaction>.Entry]) -> [Int] {
        log.compactMap { if case .deliverResponse(let response) = $0.action { response.statusCode } else { nil } }
    }

    @Test func inviteOverUDPWithNoAnswerIsSentSevenTimesThenTimerB() {
        var driver = FakeClockDriver(ClientInviteTransaction(request: Messages.request(.invite), reliability: .unreliable))
        driver.input { $0.start() }
        driver.advance(to: .seconds(40))
        // Timer A doubles from T1: 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; Timer B at 64*T1 = 32 s.
        #expect(driver.sendTimes == [0, 500, 1500, 3500, 7500, 15500, 31500])
        #expect(driver.machine.retransmissions == 6)
        #expect(driver.log.suffix(2).map(\.action) == [.timeout(.b), .terminated])
        #expect(driver.log.suffix(2).map(\.at) == [.seconds(32), .seconds(32)])
        #expect(driver.pendingTimers.isEmpty)
    }

    @Test func inviteOverTCPIsNeverRetransmitted() {
        var driver = FakeClockDriver(ClientInviteTransaction(request: Messages.request(.invite), reliability: .reliable))
        driver.input { $0.start() }
        driver.advance(to: .seconds(40))
        #expect(driver.sendTimes == [0])
        #expect(driver.log.last?.action == .terminated)
        #expect(driver.log.dropLast().last?.at == .seconds(32))
    }

    @Test func provisionalStopsRetransmissionsAndTimerB() {
        let invite = Messages.request(.invite)
        var driver = FakeClockDriver(ClientInviteTransaction(request: invite, reliability: .unreliable))
        driver.input { $0.start() }
        driver.advance(to: .milliseconds(1000))
        driver.input { $0.receive(Messages.response(180, to: invite)) }
        #expect(driver.machine.state == .proceeding)
        driver.advance(to: .seconds(120))
        #expect(driver.sendTimes == [0, 500])
        #expect(driver.machine.state == .proceeding, "in Proceeding only the TU ends the wait (with CANCEL)")
        #expect(self.delivered(driver.log) == [180])
        // A stale fire of a disarmed timer is ignored.
        driver.input { $0.timerFired(.a) }
        driver.input { $0.timerFired(.b) }
        #expect(driver.sendTimes == [0, 500])
    }

    @Test func rejectionIsAcknowledgedInsideTheTransactionAndTimerDAbsorbsRetransmissions() throws {
        let invite = Messages.request(.invite)
        var driver = FakeClockDriver(ClientInviteTransaction(request: invite, reliability: .unreliable))
        driver.input { $0.start() }
        driver.advance(to: .milliseconds(200))
        let busy = Messages.response(486, to: invite, reason: "Busy Here")
        driver.input { $0.receive(busy) }
        #expect(driver.machine.state == .completed)
        let ack = try #require(driver.machine.ack)
        #expect(driver.log.map(\.action) == [.send(.request(invite)), .send(.request(ack)), .deliverResponse(busy)])
        // The retransmitted 486 gets the same ACK again and is not passed up.
        driver.advance(to: .milliseconds(700))
        driver.input { $0.receive(busy) }
        #expect(driver.log.filter { $0.action == .send(.request(ack)) }.map(\.at) == [.milliseconds(200), .milliseconds(700)])
        #expect(self.delivered(driver.log) == [486])
        driver.advance(to: .seconds(40))
        #expect(driver.log.last == .init(at: .milliseconds(32200), action: .terminated))
        #expect(driver.sendTimes == [0, 200, 700], "no INVITE retransmission after the final response")
    }

    @Test func rejectionOverTCPTerminatesAtOnce() {
        let invite = Messages.request(.invite, via: "SIP/2.0/TCP 192.0.2.10:5060;transport=tcp")
        var machine = ClientInviteTransaction(request: invite, reliability: .reliable)
        _ = machine.start()
        let actions = machine.receive(Messages.response(403, to: invite, reason: "Forbidden"))
        #expect(actions.last == .terminated)
        #expect(actions.contains { if case .send(.request(let ack)) = $0 { ack.method == .ack } else { false } })
    }

    @Test func successEntersAcceptedAndPassesRetransmitted2xxToTheTU() {
        let invite = Messages.request(.invite)
        var driver = FakeClockDriver(ClientInviteTransaction(request: invite, reliability: .unreliable))
        driver.input { $0.start() }
        driver.advance(to: .milliseconds(100))
        let ok = Messages.response(200, to: invite, reason: "OK")
        driver.input { $0.receive(Messages.response(183, to: invite)) }
        driver.input { $0.receive(ok) }
        #expect(driver.machine.state == .accepted)
        driver.advance(to: .milliseconds(600))
        driver.input { $0.receive(ok) }
        // RFC 6026 §7.2: each 2xx reaches the TU (it sends the ACK, not the transaction).
        #expect(self.delivered(driver.log) == [183, 200, 200])
        #expect(!driver.log.contains { if case .send(.request(let request)) = $0.action { request.method == .ack } else { false } })
        driver.advance(to: .seconds(33))
        #expect(driver.log.last == .init(at: .milliseconds(32100), action: .terminated), "Timer M = 64*T1")
    }

    @Test func transportErrorEndsTheTransaction() {
        var machine = ClientInviteTransaction(request: Messages.request(.invite), reliability: .unreliable)
        _ = machine.start()
        #expect(machine.transportFailed().prefix(1) == [.transportError])
        #expect(machine.state == .terminated)
        #expect(machine.timerFired(.a).isEmpty)
    }

    @Test func nonInviteOverUDPRetransmitsUpToT2ThenTimerF() {
        var driver = FakeClockDriver(ClientNonInviteTransaction(request: Messages.request(.options), reliability: .unreliable))
        driver.input { $0.start() }
        driver.advance(to: .seconds(40))
        // Timer E: 0.5, 1, 2, then capped at T2 = 4 s; Timer F at 32 s.
        #expect(driver.sendTimes == [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500])
        #expect(driver.log.suffix(2).map(\.action) == [.timeout(.f), .terminated])
        #expect(driver.log.last?.at == .seconds(32))
    }

    @Test func nonInviteInProceedingRetransmitsEveryT2() {
        let register = Messages.request(.register)
        var driver = FakeClockDriver(ClientNonInviteTransaction(request: register, reliability: .unreliable))
        driver.input { $0.start() }
        driver.advance(to: .milliseconds(700))
        driver.input { $0.receive(Messages.response(100, to: register)) }
        driver.advance(to: .seconds(40))
        #expect(driver.sendTimes == [0, 500, 1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500])
        #expect(driver.log.suffix(2).map(\.action) == [.timeout(.f), .terminated])
    }

    @Test func nonInviteFinalResponseWaitsTimerKOverUDPOnly() {
        let bye = Messages.request(.bye)
        let ok = Messages.response(200, to: bye, reason: "OK")
        var udp = FakeClockDriver(ClientNonInviteTransaction(request: bye, reliability: .unreliable))
        udp.input { $0.start() }
        udp.advance(to: .milliseconds(50))
        udp.input { $0.receive(ok) }
        udp.input { $0.receive(ok) }
        #expect(udp.log.filter { $0.action == .deliverResponse(ok) }.count == 1, "the retransmitted 200 is absorbed")
        udp.advance(to: .seconds(10))
        #expect(udp.log.last == .init(at: .milliseconds(5050), action: .terminated), "Timer K = T4")
        #expect(udp.sendTimes == [0])

        var tcp = ClientNonInviteTransaction(request: bye, reliability: .reliable)
        _ = tcp.start()
        #expect(tcp.receive(ok) == [.cancelTimer(.f), .deliverResponse(ok), .terminated])
    }

    @Test func customTimerValuesScaleTheSchedule() {
        let timers = TransactionTimerValues(t1: .milliseconds(100), t2: .milliseconds(400), t4: .seconds(1))
        var driver = FakeClockDriver(ClientNonInviteTransaction(request: Messages.request(.options), reliability: .unreliable, timers: timers))
        driver.input { $0.start() }
        driver.advance(to: .seconds(10))
        #expect(driver.sendTimes.prefix(5) == [0, 100, 300, 700, 1100])
        #expect(driver.log.last?.at == .milliseconds(6400))
    }
}
