import SIPMessages
import SIPTransaction

/// Drives a transaction on a pretend clock: timers the machine starts are kept with their
/// deadlines and fired in order as time advances, so retransmission schedules are checked to
/// the millisecond without sleeping.
struct FakeClockDriver<Machine: TransactionStateMachine> {
    struct Entry: Equatable {
        var at: Duration
        var action: TransactionAction
    }

    var machine: Machine
    var now: Duration = .zero
    /// Every action the machine returned except timer bookkeeping, with the time it happened.
    var log: [Entry] = []
    private var deadlines: [TransactionTimer: Duration] = [:]

    init(_ machine: Machine) {
        self.machine = machine
    }

    /// Records `actions` and arms or disarms the timers they name.
    mutating func apply(_ actions: [TransactionAction]) {
        for action in actions {
            switch action {
            case .startTimer(let timer, let duration):
                self.deadlines[timer] = self.now + duration
            case .cancelTimer(let timer):
                self.deadlines[timer] = nil
            default:
                self.log.append(Entry(at: self.now, action: action))
            }
        }
    }

    /// Runs the machine's input `body` at the current time.
    mutating func input(_ body: (inout Machine) -> [TransactionAction]) {
        let actions = body(&self.machine)
        self.apply(actions)
    }

    /// Moves time forward to `time`, firing every timer due on the way, earliest first. At most
    /// 10,000 fires, so a machine that re-arms a zero timer forever fails the test, not hangs.
    mutating func advance(to time: Duration) {
        var fires = 0
        while fires < 10_000, let next = self.deadlines.min(by: { $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue < $1.key.rawValue) }), next.value <= time {
            fires += 1
            self.now = next.value
            self.deadlines[next.key] = nil
            self.apply(self.machine.timerFired(next.key))
        }
        self.now = time
    }

    /// Times (in ms) at which a message was sent.
    var sendTimes: [Int64] {
        self.log.compactMap { entry in
            if case .send = entry.action { return entry.at.milliseconds } else { return nil }
        }
    }

    var pendingTimers: Set<TransactionTimer> { Set(self.deadlines.keys) }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// Small messages for the tests.
enum Messages {
    static func request(_ method: SIPMethod, branch: String = "z9hG4bK-test-1", cseq: UInt32 = 1, via: String = "SIP/2.0/UDP 192.0.2.10:5060") -> SIPRequest {
        var headers = SIPHeaders()
        headers.append(.via, "\(via);branch=\(branch);rport")
        headers.append(.maxForwards, "70")
        headers.append(.from, "<sip:alice@example.com>;tag=from-1")
        headers.append(.to, "<sip:+15550011234@trunk.example.com>")
        headers.append(.callID, "call-1@192.0.2.10")
        headers.append(.cseq, "\(cseq) \(method == .ack ? "ACK" : method.rawValue)")
        headers.append(.route, "<sip:proxy.example.com;lr>")
        headers.append(.contentLength, "0")
        let uri = try! SIPURI.parse("sip:+15550011234@trunk.example.com;user=phone")
        return SIPRequest(method: method, requestURI: uri, headers: headers)
    }

    static func response(_ status: Int, to request: SIPRequest, reason: String = "Reason", toTag: String? = "to-1") -> SIPResponse {
        ServerInviteTransaction.response(to: request, status: status, reason: reason, toTag: status == 100 ? nil : toTag)
    }
}
