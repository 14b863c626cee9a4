import SIPMessages

/// The non-INVITE server transaction of RFC 3261 §17.2.2.
/// Sans-IO: every input returns the actions the driver must carry out, in order.
public struct ServerNonInviteTransaction: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        case trying, proceeding, completed, terminated
    }

    public let request: SIPRequest
    public let reliability: TransportReliability
    public let timers: TransactionTimerValues
    public private(set) var state: State = .trying
    public private(set) var lastResponse: SIPResponse?
    private var armed = ArmedTimers()

    public init(request: SIPRequest, reliability: TransportReliability, timers: TransactionTimerValues = .rfc3261) {
        self.request = request
        self.reliability = reliability
        self.timers = timers
    }

    /// Passes the request to the TU.
    public mutating func start() -> [TransactionAction] {
        [.deliverRequest(self.request)]
    }

    /// A retransmission of the request: answered with the last response, if any (none is
    /// sent in Trying: the TU has not answered yet).
    public mutating func receive(_ request: SIPRequest) -> [TransactionAction] {
        switch self.state {
        case .proceeding, .completed:
            guard let last = self.lastResponse else { return [] }
            return [.send(.response(last))]
        case .trying, .terminated:
            return []
        }
    }

    /// The TU sends a response through this transaction.
    public mutating func send(_ response: SIPResponse) -> [TransactionAction] {
        switch self.state {
        case .trying, .proceeding:
            self.lastResponse = response
            if response.statusCode < 200 {
                self.state = .proceeding
                return [.send(.response(response))]
            }
            self.state = .completed
            if self.reliability == .unreliable {
                return [.send(.response(response)), self.armed.start(.j, self.timers.transactionTimeout)]
            }
            return [.send(.response(response))] + self.terminate()
        case .completed, .terminated:
            // Further final responses from the TU are discarded (§17.2.2).
            return []
        }
    }

    /// A timer the transaction armed has expired.
    public mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        guard self.state != .terminated, self.armed.fire(timer), timer == .j else { return [] }
        return self.terminate()
    }

    /// The transport could not send a response (RFC 3261 §17.2.4).
    public mutating func transportFailed() -> [TransactionAction] {
        guard self.state != .terminated else { return [] }
        return [.transportError] + self.terminate()
    }

    private mutating func terminate() -> [TransactionAction] {
        self.state = .terminated
        return self.armed.cancelAll() + [.terminated]
    }
}
