import SIPMessages

/// The non-INVITE client transaction of RFC 3261 §17.1.2 (REGISTER, OPTIONS, BYE, CANCEL, ...).
/// Sans-IO: every input returns the actions the driver must carry out, in order.
public struct ClientNonInviteTransaction: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        case trying, proceeding, completed, terminated
    }

    public let request: SIPRequest
    public let reliability: TransportReliability
    public let timers: TransactionTimerValues
    public private(set) var state: State = .trying
    /// How many times the request was sent again by Timer E.
    public private(set) var retransmissions = 0
    private var armed = ArmedTimers()
    private var intervalE: Duration

    public init(request: SIPRequest, reliability: TransportReliability, timers: TransactionTimerValues = .rfc3261) {
        self.request = request
        self.reliability = reliability
        self.timers = timers
        self.intervalE = timers.t1
    }

    /// Sends the request and arms Timer E (unreliable transports only) and Timer F.
    public mutating func start() -> [TransactionAction] {
        var actions: [TransactionAction] = [.send(.request(self.request))]
        if self.reliability == .unreliable { actions.append(self.armed.start(.e, self.intervalE)) }
        actions.append(self.armed.start(.f, self.timers.transactionTimeout))
        return actions
    }

    /// A response matched to this transaction arrived.
    public mutating func receive(_ response: SIPResponse) -> [TransactionAction] {
        switch self.state {
        case .trying, .proceeding:
            if response.statusCode < 200 {
                self.state = .proceeding
                return [.deliverResponse(response)]
            }
            self.state = .completed
            var actions = self.armed.cancelAll()
            actions.append(.deliverResponse(response))
            if self.reliability == .unreliable {
                actions.append(self.armed.start(.k, self.timers.t4))
            } else {
                actions += self.terminate()
            }
            return actions
        case .completed, .terminated:
            // Retransmitted final responses are absorbed.
            return []
        }
    }

    /// A timer the transaction armed has expired.
    public mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        guard self.state != .terminated, self.armed.fire(timer) else { return [] }
        switch timer {
        case .e where self.state == .trying || self.state == .proceeding:
            // §17.1.2.2: doubling up to T2 in Trying; every T2 once a provisional arrived.
            self.retransmissions += 1
            self.intervalE = self.state == .proceeding ? self.timers.t2 : min(self.intervalE * 2, self.timers.t2)
            return [.send(.request(self.request)), self.armed.start(.e, self.intervalE)]
        case .f where self.state == .trying || self.state == .proceeding:
            return [.timeout(.f)] + self.terminate()
        case .k:
            return self.terminate()
        default:
            return []
        }
    }

    /// The transport could not send the request (RFC 3261 §17.1.4).
    public mutating func transportFailed() -> [TransactionAction] {
        guard self.state == .trying || self.state == .proceeding else { return [] }
        return [.transportError] + self.terminate()
    }

    private mutating func terminate() -> [TransactionAction] {
        self.state = .terminated
        return self.armed.cancelAll() + [.terminated]
    }
}
