import SIPMessages

/// The INVITE client transaction of RFC 3261 §17.1.1, with the Accepted state of RFC 6026 §7.2
/// (a 2xx does not end the transaction at once: retransmitted 2xx responses keep reaching the
/// transaction user, which must ACK each of them, until Timer M fires).
///
/// Sans-IO: every input returns the actions the driver must carry out, in order.
public struct ClientInviteTransaction: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        case calling, proceeding, completed, accepted, terminated
    }

    /// The INVITE this transaction sends.
    public let request: SIPRequest
    public let reliability: TransportReliability
    public let timers: TransactionTimerValues
    public private(set) var state: State = .calling
    /// How many times the INVITE was sent again by Timer A.
    public private(set) var retransmissions = 0
    /// The ACK sent for a non-2xx final response, resent for each retransmission of it.
    public private(set) var ack: SIPRequest?
    private var armed = ArmedTimers()
    private var intervalA: Duration

    public init(request: SIPRequest, reliability: TransportReliability, timers: TransactionTimerValues = .rfc3261) {
        self.request = request
        self.reliability = reliability
        self.timers = timers
        self.intervalA = timers.t1
    }

    /// Sends the INVITE and arms Timer A (unreliable transports only) and Timer B.
    public mutating func start() -> [TransactionAction] {
        var actions: [TransactionAction] = [.send(.request(self.request))]
        if self.reliability == .unreliable { actions.append(self.armed.start(.a, self.intervalA)) }
        actions.append(self.armed.start(.b, self.timers.transactionTimeout))
        return actions
    }

    /// A response matched to this transaction (RFC 3261 §17.1.3) arrived.
    public mutating func receive(_ response: SIPResponse) -> [TransactionAction] {
        let code = response.statusCode
        switch self.state {
        case .calling, .proceeding:
            var actions: [TransactionAction] = []
            if let cancel = self.armed.cancel(.a) { actions.append(cancel) }
            if code < 200 {
                // §17.1.1.2: a provisional response stops retransmissions; Timer B only
                // applies in Calling, so it stops too (the TU times out with CANCEL).
                if let cancel = self.armed.cancel(.b) { actions.append(cancel) }
                self.state = .proceeding
                actions.append(.deliverResponse(response))
            } else if code < 300 {
                actions += self.armed.cancelAll()
                self.state = .accepted
                actions.append(.deliverResponse(response))
                actions.append(self.armed.start(.m, self.timers.transactionTimeout))
            } else {
                actions += self.armed.cancelAll()
                let ack = Self.acknowledgement(of: self.request, for: response)
                self.ack = ack
                self.state = .completed
                actions.append(.send(.request(ack)))
                actions.append(.deliverResponse(response))
                // Timer D: at least 32 s over UDP, zero over reliable transports.
                if self.reliability == .unreliable {
                    actions.append(self.armed.start(.d, self.timers.timerD))
                } else {
                    actions += self.terminate()
                }
            }
            return actions
        case .completed:
            // A retransmitted final response: resend the ACK, do not bother the TU.
            guard code >= 300, let ack = self.ack else { return [] }
            return [.send(.request(ack))]
        case .accepted:
            // RFC 6026 §7.2: retransmitted 2xx responses go to the TU, which ACKs them.
            return (200..<300).contains(code) ? [.deliverResponse(response)] : []
        case .terminated:
            return []
        }
    }

    /// A timer the transaction armed has expired.
    public mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        guard self.state != .terminated, self.armed.fire(timer) else { return [] }
        switch timer {
        case .a where self.state == .calling:
            self.retransmissions += 1
            self.intervalA = self.intervalA * 2
            return [.send(.request(self.request)), self.armed.start(.a, self.intervalA)]
        case .b where self.state == .calling:
            return [.timeout(.b)] + self.terminate()
        case .d, .m:
            return self.terminate()
        default:
            return []
        }
    }

    /// The transport could not send a message of this transaction (RFC 3261 §17.1.4).
    public mutating func transportFailed() -> [TransactionAction] {
        guard self.state == .calling || self.state == .proceeding else { return [] }
        return [.transportError] + self.terminate()
    }

    private mutating func terminate() -> [TransactionAction] {
        self.state = .terminated
        return self.armed.cancelAll() + [.terminated]
    }

    /// The ACK for a non-2xx final response (RFC 3261 §17.1.1.3): the INVITE's Request-URI,
    /// Call-ID, From, CSeq number and single top Via (so it matches the transaction), the
    /// response's To (with its tag), and the INVITE's Route headers.
    public static func acknowledgement(of invite: SIPRequest, for response: SIPResponse) -> SIPRequest {
        var headers = SIPHeaders()
        if let via = invite.headers.first(.via), let top = try? SIPVia.parseList(via).first {
            headers.append(.via, top.description)
        }
        headers.append(.maxForwards, "70")
        if let from = invite.headers.first(.from) { headers.append(.from, from) }
        if let to = response.headers.first(.to) ?? invite.headers.first(.to) { headers.append(.to, to) }
        if let callID = invite.headers.first(.callID) { headers.append(.callID, callID) }
        let number = invite.headers.cseq?.number ?? 1
        headers.append(.cseq, "\(number) ACK")
        for route in invite.headers.values(.route) { headers.append(.route, route) }
        headers.append(.contentLength, "0")
        return SIPRequest(method: .ack, requestURI: invite.requestURI, headers: headers)
    }

    /// The CANCEL for a pending INVITE (RFC 3261 §9.1): same Request-URI, Call-ID, From, To
    /// (without a tag the INVITE did not have), CSeq number and top Via as the INVITE, and
    /// its Route headers. Send it in a new non-INVITE client transaction.
    public static func cancellation(of invite: SIPRequest) -> SIPRequest {
        var headers = SIPHeaders()
        if let via = invite.headers.first(.via), let top = try? SIPVia.parseList(via).first {
            headers.append(.via, top.description)
        }
        headers.append(.maxForwards, "70")
        for name in [SIPHeaderName.from, .to, .callID] {
            if let value = invite.headers.first(name) { headers.append(name, value) }
        }
        let number = invite.headers.cseq?.number ?? 1
        headers.append(.cseq, "\(number) CANCEL")
        for route in invite.headers.values(.route) { headers.append(.route, route) }
        headers.append(.contentLength, "0")
        return SIPRequest(method: .cancel, requestURI: invite.requestURI, headers: headers)
    }
}
