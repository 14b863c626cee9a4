import SIPMessages

/// The INVITE server transaction of RFC 3261 §17.2.1 with the Accepted state of RFC 6026 §7.1:
/// after a 2xx the transaction absorbs INVITE retransmissions and passes ACKs to the TU until
/// Timer L fires; retransmitting the 2xx until its ACK arrives is the TU's job (§13.3.1.4).
/// Sans-IO: every input returns the actions the driver must carry out, in order.
public struct ServerInviteTransaction: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        case proceeding, completed, confirmed, accepted, terminated
    }

    /// The INVITE that created the transaction.
    public let request: SIPRequest
    public let reliability: TransportReliability
    public let timers: TransactionTimerValues
    public private(set) var state: State = .proceeding
    /// The last response sent: resent when the INVITE is retransmitted.
    public private(set) var lastResponse: SIPResponse?
    /// How many times the final response was sent again by Timer G.
    public private(set) var retransmissions = 0
    private var armed = ArmedTimers()
    private var intervalG: Duration

    public init(request: SIPRequest, reliability: TransportReliability, timers: TransactionTimerValues = .rfc3261) {
        self.request = request
        self.reliability = reliability
        self.timers = timers
        self.intervalG = timers.t1
    }

    /// Passes the INVITE to the TU and, with `sendTrying`, answers 100 Trying at once
    /// (§17.2.1: required unless the TU will answer within 200 ms).
    public mutating func start(sendTrying: Bool = true) -> [TransactionAction] {
        var actions: [TransactionAction] = []
        if sendTrying {
            let trying = Self.response(to: self.request, status: 100, reason: "Trying")
            self.lastResponse = trying
            actions.append(.send(.response(trying)))
        }
        actions.append(.deliverRequest(self.request))
        return actions
    }

    /// A request matched to this transaction: a retransmitted INVITE or the ACK of a non-2xx.
    public mutating func receive(_ request: SIPRequest) -> [TransactionAction] {
        let isACK = request.method == .ack
        switch self.state {
        case .proceeding:
            // A retransmitted INVITE gets the most recent provisional response again.
            guard !isACK, let last = self.lastResponse else { return [] }
            return [.send(.response(last))]
        case .completed:
            if isACK {
                self.state = .confirmed
                var actions: [TransactionAction] = []
                if let cancel = self.armed.cancel(.g) { actions.append(cancel) }
                if let cancel = self.armed.cancel(.h) { actions.append(cancel) }
                if self.reliability == .unreliable {
                    actions.append(self.armed.start(.i, self.timers.t4))
                } else {
                    actions += self.terminate()
                }
                return actions
            }
            guard let last = self.lastResponse else { return [] }
            return [.send(.response(last))]
        case .confirmed:
            return []
        case .accepted:
            // RFC 6026 §7.1: INVITE retransmissions are absorbed, ACKs go to the TU.
            return isACK ? [.deliverRequest(request)] : []
        case .terminated:
            return []
        }
    }

    /// The TU sends a response through this transaction.
    public mutating func send(_ response: SIPResponse) -> [TransactionAction] {
        let code = response.statusCode
        switch self.state {
        case .proceeding:
            self.lastResponse = response
            if code < 200 { return [.send(.response(response))] }
            if code < 300 {
                self.state = .accepted
                return [.send(.response(response)), self.armed.start(.l, self.timers.transactionTimeout)]
            }
            self.state = .completed
            var actions: [TransactionAction] = [.send(.response(response))]
            if self.reliability == .unreliable { actions.append(self.armed.start(.g, self.intervalG)) }
            actions.append(self.armed.start(.h, self.timers.transactionTimeout))
            return actions
        case .accepted:
            // RFC 6026 §7.1: the TU's 2xx retransmissions pass straight to the transport.
            guard (200..<300).contains(code) else { return [] }
            self.lastResponse = response
            return [.send(.response(response))]
        case .completed, .confirmed, .terminated:
            return []
        }
    }

    /// A timer the transaction armed has expired.
    public mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        guard self.state != .terminated, self.armed.fire(timer) else { return [] }
        switch timer {
        case .g where self.state == .completed:
            guard let last = self.lastResponse else { return [] }
            self.retransmissions += 1
            self.intervalG = min(self.intervalG * 2, self.timers.t2)
            return [.send(.response(last)), self.armed.start(.g, self.intervalG)]
        case .h where self.state == .completed:
            // No ACK for the non-2xx final response.
            return [.timeout(.h)] + self.terminate()
        case .i, .l:
            return self.terminate()
        default:
            return []
        }
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

    /// A response to `request` built per RFC 3261 §8.2.6.2: Via (all of them, in order), From,
    /// To, Call-ID and CSeq copied; `toTag` added to To when given and To has none.
    public static func response(to request: SIPRequest, status: Int, reason: String, toTag: String? = nil) -> SIPResponse {
        var headers = SIPHeaders()
        for field in request.headers where field.headerName == .via { headers.append(.via, field.value) }
        if let from = request.headers.first(.from) { headers.append(.from, from) }
        if var to = request.headers.first(.to) {
            if let toTag, request.headers.toTag == nil { to += ";tag=\(toTag)" }
            headers.append(.to, to)
        }
        if let callID = request.headers.first(.callID) { headers.append(.callID, callID) }
        if let cseq = request.headers.first(.cseq) { headers.append(.cseq, cseq) }
        headers.append(.contentLength, "0")
        return SIPResponse(statusCode: status, reasonPhrase: reason, headers: headers)
    }
}
