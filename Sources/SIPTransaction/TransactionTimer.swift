import SIPMessages

/// Whether the transport under a transaction retransmits for us (TCP, TLS, SCTP, WebSocket) or
/// not (UDP). RFC 3261 §17 retransmits only over unreliable transports and uses zero-length
/// "wait" timers (D, I, J, K) over reliable ones.
public enum TransportReliability: Hashable, Sendable {
    case unreliable
    case reliable

    /// The reliability of a Via transport token (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, `WSS`).
    public init(viaTransport: String) {
        self = viaTransport.uppercased() == "UDP" ? .unreliable : .reliable
    }
}

/// The base timer values of RFC 3261 §17.1.1.1 and table 4: T1 (round-trip estimate), T2 (the
/// cap on non-INVITE and INVITE-response retransmission intervals) and T4 (how long a message
/// may live in the network). Configurable because some networks raise T1 (RFC 3261 §17.1.1.1
/// allows larger values) and tests use small ones.
public struct TransactionTimerValues: Hashable, Sendable {
    public var t1: Duration
    public var t2: Duration
    public var t4: Duration

    /// RFC 3261 defaults: T1 500 ms, T2 4 s, T4 5 s.
    public static let rfc3261 = TransactionTimerValues(t1: .milliseconds(500), t2: .seconds(4), t4: .seconds(5))

    public init(t1: Duration, t2: Duration, t4: Duration) {
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
    }

    /// 64*T1: Timers B, F, H, J (unreliable), L and M.
    public var transactionTimeout: Duration { self.t1 * 64 }

    /// Timer D over unreliable transports: "at least 32 s" (RFC 3261 table 4), longer when T1 is.
    public var timerD: Duration { max(.seconds(32), self.transactionTimeout) }
}

/// The named timers of RFC 3261 table 4 and RFC 6026 (L and M).
public enum TransactionTimer: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// INVITE request retransmission (client, unreliable).
    case a = "A"
    /// INVITE transaction timeout (client, Calling state).
    case b = "B"
    /// Wait for response retransmissions after a non-2xx final (client INVITE).
    case d = "D"
    /// Non-INVITE request retransmission (client, unreliable).
    case e = "E"
    /// Non-INVITE transaction timeout (client).
    case f = "F"
    /// INVITE final response retransmission (server, unreliable).
    case g = "G"
    /// Wait for the ACK (server INVITE, Completed state).
    case h = "H"
    /// Wait for ACK retransmissions (server INVITE, Confirmed state).
    case i = "I"
    /// Wait for non-INVITE request retransmissions (server).
    case j = "J"
    /// Wait for non-INVITE response retransmissions (client).
    case k = "K"
    /// RFC 6026: how long the server INVITE transaction stays in Accepted after a 2xx.
    case l = "L"
    /// RFC 6026: how long the client INVITE transaction stays in Accepted after a 2xx.
    case m = "M"

    public var description: String { "Timer \(self.rawValue)" }
}

/// What a transaction asks its driver (the runtime, a test, a scenario runner) to do. The
/// state machines never touch sockets or clocks: they return these and the driver carries them
/// out in order.
public enum TransactionAction: Hashable, Sendable {
    /// Hand this message to the transport (first transmission or a retransmission).
    case send(SIPMessage)
    /// Arm (or re-arm) a timer; when it expires call the transaction's `timerFired(_:)`.
    case startTimer(TransactionTimer, Duration)
    /// Disarm a timer. Firing a disarmed timer is harmless (it is ignored), so a driver may
    /// also leave it running.
    case cancelTimer(TransactionTimer)
    /// Pass this response to the transaction user (client transactions).
    case deliverResponse(SIPResponse)
    /// Pass this request to the transaction user (the request that created a server
    /// transaction, or an ACK for a 2xx received in the RFC 6026 Accepted state).
    case deliverRequest(SIPRequest)
    /// The transaction failed for lack of an answer: Timer B or F (no final response) or
    /// Timer H (no ACK for a non-2xx final response).
    case timeout(TransactionTimer)
    /// The transport reported that the message could not be sent.
    case transportError
    /// The transaction is over and can be dropped.
    case terminated
}

/// The armed timers of a state machine: a fire of a timer that is not armed (cancelled, or
/// already fired) is ignored, so drivers need not cancel timers exactly.
struct ArmedTimers: Hashable, Sendable {
    private var bits: UInt16 = 0

    private static func bit(_ timer: TransactionTimer) -> UInt16 {
        1 << UInt16(TransactionTimer.allCases.firstIndex(of: timer)!)
    }

    func contains(_ timer: TransactionTimer) -> Bool { self.bits & Self.bit(timer) != 0 }

    /// Arms `timer` and returns the action that asks the driver to start it.
    mutating func start(_ timer: TransactionTimer, _ duration: Duration) -> TransactionAction {
        self.bits |= Self.bit(timer)
        return .startTimer(timer, duration)
    }

    /// Disarms `timer`; returns the cancel action only when it was armed.
    mutating func cancel(_ timer: TransactionTimer) -> TransactionAction? {
        guard self.contains(timer) else { return nil }
        self.bits &= ~Self.bit(timer)
        return .cancelTimer(timer)
    }

    /// Marks a timer as fired; returns false when it was not armed (a stale fire).
    mutating func fire(_ timer: TransactionTimer) -> Bool {
        guard self.contains(timer) else { return false }
        self.bits &= ~Self.bit(timer)
        return true
    }

    /// Disarms every timer and returns the cancel actions.
    mutating func cancelAll() -> [TransactionAction] {
        TransactionTimer.allCases.compactMap { self.cancel($0) }
    }
}

/// What every transaction state machine offers its driver, so one driver (a runtime's timer
/// wheel, a test's fake clock) can run all four kinds.
public protocol TransactionStateMachine: Sendable {
    /// A timer the machine asked for has expired.
    mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction]
    /// The transport reported a failure to send.
    mutating func transportFailed() -> [TransactionAction]
    /// The machine reached Terminated and can be dropped.
    var isTerminated: Bool { get }
}

extension ClientInviteTransaction: TransactionStateMachine {
    public var isTerminated: Bool { self.state == .terminated }
}

extension ClientNonInviteTransaction: TransactionStateMachine {
    public var isTerminated: Bool { self.state == .terminated }
}

extension ServerInviteTransaction: TransactionStateMachine {
    public var isTerminated: Bool { self.state == .terminated }
}

extension ServerNonInviteTransaction: TransactionStateMachine {
    public var isTerminated: Bool { self.state == .terminated }
}
