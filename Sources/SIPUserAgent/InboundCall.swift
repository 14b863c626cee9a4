import SIPMessages
import SIPTransaction

/// A timer of an inbound call: one of its transactions' timers, or the call's own 2xx
/// retransmission and ACK-wait timers (RFC 3261 §13.3.1.4: the UAS core, not the transaction,
/// resends the 2xx until the ACK arrives).
public enum InboundCallTimer: Hashable, Sendable, CustomStringConvertible {
    case transaction(Int, TransactionTimer)
    /// Resend the 2xx (T1, doubling up to T2).
    case retransmit2xx
    /// 64*T1 without an ACK: give up and end the call with BYE.
    case ackTimeout
    /// Resend the unacknowledged reliable provisional response (RFC 3262 §3: T1, doubling).
    case retransmit1xx
    /// Resend our 2xx to the re-INVITE of this server transaction (T1, doubling up to T2).
    case retransmitRefresh2xx(Int)
    /// 64*T1 without the ACK of our 2xx to that re-INVITE: end the call with BYE.
    case refreshAckTimeout(Int)

    public var description: String {
        switch self {
        case .transaction(let id, let timer): return "\(timer) of transaction \(id)"
        case .retransmit2xx: return "2xx retransmission"
        case .ackTimeout: return "ACK wait"
        case .retransmit1xx: return "reliable 1xx retransmission"
        case .retransmitRefresh2xx(let id): return "re-INVITE 2xx retransmission of transaction \(id)"
        case .refreshAckTimeout(let id): return "re-INVITE ACK wait of transaction \(id)"
        }
    }
}

/// What an inbound call tells its driver.
public enum InboundCallEvent: Hashable, Sendable {
    case send(SIPMessage)
    case startTimer(InboundCallTimer, Duration)
    case cancelTimer(InboundCallTimer)
    /// The ACK for our 2xx arrived: media can be trusted to flow.
    case confirmed(SIPRequest)
    /// The caller cancelled before we answered (we sent 487).
    case cancelled
    /// No ACK came for our 2xx within 64*T1 (§13.3.1.4); we sent BYE.
    case ackTimedOut
    /// The call ended: by the caller's BYE, or by ours once answered (or timed out).
    case ended(byRemote: Bool)
    /// A final response >= 300 was sent and its ACK received (or timed out).
    case rejected
    /// The caller acknowledged our reliable provisional response with this PRACK (200 sent).
    case provisionalAcknowledged(SIPRequest)
    /// The caller sent a re-INVITE or UPDATE during the call (session refresh, hold, resume);
    /// it was answered 200 with our SDP (already sent).
    case remoteRefresh(SessionRefresh.Change)
}

/// The answering side of one call (RFC 3261 §13.3, §12.1.1): it passes the INVITE to its
/// owner, sends what the owner decides (180, 183, 200 with an SDP answer, or a rejection),
/// retransmits the 2xx until the ACK, answers CANCEL with 487, and handles BYE both ways.
/// Sans-IO: inputs return ``InboundCallEvent``s.
public struct InboundCall: Sendable {
    public enum Phase: Hashable, Sendable {
        case proceeding, answered, confirmed, terminating, ended
    }

    public let invite: SIPRequest
    public let localTag: String
    public let contact: String
    public let sentBy: String
    public let transport: String
    public let timers: TransactionTimerValues
    public private(set) var phase: Phase = .proceeding
    public private(set) var dialog: SIPDialog?
    /// How many times the 2xx was sent again before the ACK came.
    public private(set) var okRetransmissions = 0

    private var inviteServer: ServerInviteTransaction
    private var transactionCounter = 1
    private var branchCounter = 0
    private var ok: SIPResponse?
    private var okInterval: Duration
    private var servers: [TransactionKey: (id: Int, machine: ServerNonInviteTransaction)] = [:]
    private var clients: [Int: ClientNonInviteTransaction] = [:]
    private var byeTransaction: Int?
    private var userAgent: String?
    private var rejectionPending = false
    /// The reliable provisional response not yet PRACKed (RFC 3262), its RSeq and resend interval.
    public private(set) var unacknowledgedProvisional: SIPResponse?
    private var lastRSeq: UInt32 = 0
    private var provisionalInterval: Duration = .zero
    private var provisionalElapsed: Duration = .zero
    /// Our 2xx to each re-INVITE (by server transaction) until its ACK, with the next interval.
    private var unacknowledgedRefreshes: [Int: (ok: SIPResponse, cseq: UInt32, interval: Duration)] = [:]
    /// Our side of the session once answered, for re-INVITEs and UPDATEs.
    public private(set) var session: SessionRefresh?

    /// - Parameters:
    ///   - invite: the INVITE that starts the call.
    ///   - localTag: our To tag for every response that creates the dialog.
    ///   - contact: our Contact (`<sip:bob@198.51.100.20:5070>`), where the caller sends in-dialog requests.
    ///   - sentBy, transport: our Via sent-by and transport, for requests we send (BYE).
    public init(
        invite: SIPRequest, localTag: String, contact: String, sentBy: String, transport: String,
        userAgent: String? = nil, timers: TransactionTimerValues = .rfc3261
    ) {
        self.invite = invite
        self.localTag = localTag
        self.contact = contact
        self.sentBy = sentBy
        self.transport = transport
        self.userAgent = userAgent
        self.timers = timers
        self.okInterval = timers.t1
        self.inviteServer = ServerInviteTransaction(
            request: invite, reliability: TransportReliability(viaTransport: transport), timers: timers)
    }

    private var reliability: TransportReliability { TransportReliability(viaTransport: self.transport) }

    /// Sends 100 Trying (the INVITE itself is the owner's already).
    public mutating func start() -> [InboundCallEvent] {
        self.inviteActions(self.inviteServer.start(sendTrying: true).filter {
            if case .deliverRequest = $0 { return false } else { return true }
        })
    }

    /// Whether the caller offered reliable provisional responses (`Supported` or `Require: 100rel`).
    public var callerSupports100rel: Bool {
        (self.invite.headers.values(.supported) + self.invite.headers.values(.require)).contains { $0.trimmedOfSpaces.lowercased() == "100rel" }
    }

    /// Sends a provisional response (180 Ringing, or 183 with an early-media SDP). With
    /// `reliable` and a caller that supports it, the response carries `Require: 100rel` and an
    /// RSeq and is resent (T1, doubling) until the caller's PRACK (RFC 3262 §3); a second one
    /// is not sent while the first is unacknowledged.
    public mutating func progress(_ status: Int = 180, reason: String = "Ringing", sdp: [UInt8] = [], reliable: Bool = false) -> [InboundCallEvent] {
        guard self.phase == .proceeding, (101..<200).contains(status) else { return [] }
        var response = self.response(status, reason, sdp: sdp)
        if self.dialog == nil { self.dialog = try? SIPDialog(uasRequest: self.invite, localTag: self.localTag) }
        guard reliable && self.callerSupports100rel else { return self.inviteActions(self.inviteServer.send(response)) }
        guard self.unacknowledgedProvisional == nil else { return [] }
        self.lastRSeq += 1
        response.headers.insert(.require, "100rel", at: max(response.headers.count - 1, 0))
        response.headers.insert(.rseq, String(self.lastRSeq), at: max(response.headers.count - 1, 0))
        self.unacknowledgedProvisional = response
        self.provisionalInterval = self.timers.t1
        self.provisionalElapsed = .zero
        return self.inviteActions(self.inviteServer.send(response)) + [.startTimer(.retransmit1xx, self.provisionalInterval)]
    }

    /// Answers with 200 OK and the SDP answer, and starts retransmitting it until the ACK.
    public mutating func answer(sdp: [UInt8]) -> [InboundCallEvent] {
        guard self.phase == .proceeding else { return [] }
        let ok = self.response(200, "OK", sdp: sdp)
        self.ok = ok
        self.session = SessionRefresh(sdp: sdp)
        self.unacknowledgedProvisional = nil
        if self.dialog == nil { self.dialog = try? SIPDialog(uasRequest: self.invite, localTag: self.localTag) }
        self.dialog?.state = .confirmed
        self.phase = .answered
        var events = self.inviteActions(self.inviteServer.send(ok))
        if self.reliability == .unreliable { events.append(.startTimer(.retransmit2xx, self.okInterval)) }
        events.append(.startTimer(.ackTimeout, self.timers.transactionTimeout))
        return events
    }

    /// Rejects the call (486, 488, 603, 404, ...); the transaction waits for the ACK.
    public mutating func reject(_ status: Int, reason: String, headers: [(SIPHeaderName, String)] = []) -> [InboundCallEvent] {
        guard self.phase == .proceeding, status >= 300 else { return [] }
        var response = self.response(status, reason, sdp: [])
        for (name, value) in headers { response.headers.insert(name, value, at: max(response.headers.count - 1, 0)) }
        self.phase = .ended
        self.rejectionPending = true
        return self.inviteActions(self.inviteServer.send(response))
    }

    /// Ends an answered call with BYE.
    public mutating func hangUp() -> [InboundCallEvent] {
        guard self.phase == .answered || self.phase == .confirmed, var dialog = self.dialog else { return [] }
        self.branchCounter += 1
        let via = "SIP/2.0/\(self.transport.uppercased()) \(self.sentBy);branch=z9hG4bK-\(self.localTag)-\(self.branchCounter);rport"
        var bye = dialog.makeRequest(.bye, via: via)
        if let userAgent { bye.headers.insert(.userAgent, userAgent, at: max(bye.headers.count - 1, 0)) }
        self.dialog = dialog
        self.phase = .terminating
        self.transactionCounter += 1
        let id = self.transactionCounter
        self.byeTransaction = id
        var machine = ClientNonInviteTransaction(request: bye, reliability: self.reliability, timers: self.timers)
        let actions = machine.start()
        self.clients[id] = machine
        var events: [InboundCallEvent] = [.cancelTimer(.retransmit2xx), .cancelTimer(.ackTimeout)]
        events += self.clientActions(actions, id: id)
        return events
    }

    /// A message of this call from the network.
    public mutating func receive(_ message: SIPMessage) -> [InboundCallEvent] {
        switch message {
        case .request(let request): return self.receive(request)
        case .response(let response): return self.receive(response)
        }
    }

    /// A timer the call asked for expired.
    public mutating func timerFired(_ timer: InboundCallTimer) -> [InboundCallEvent] {
        switch timer {
        case .transaction(let id, let transactionTimer):
            if id == 1 { return self.inviteActions(self.inviteServer.timerFired(transactionTimer)) }
            if var machine = self.clients[id] {
                let actions = machine.timerFired(transactionTimer)
                self.clients[id] = machine
                return self.clientActions(actions, id: id)
            }
            if let entry = self.servers.first(where: { $0.value.id == id }) {
                var machine = entry.value.machine
                let actions = machine.timerFired(transactionTimer)
                self.servers[entry.key] = (id, machine)
                return self.serverActions(actions, id: id, key: entry.key)
            }
            return []
        case .retransmit2xx:
            guard self.phase == .answered, let ok = self.ok else { return [] }
            self.okRetransmissions += 1
            self.okInterval = min(self.okInterval * 2, self.timers.t2)
            return self.inviteActions(self.inviteServer.send(ok)) + [.startTimer(.retransmit2xx, self.okInterval)]
        case .retransmit1xx:
            // RFC 3262 §3: resend until the PRACK, for at most 64*T1.
            guard self.phase == .proceeding, let provisional = self.unacknowledgedProvisional else { return [] }
            self.provisionalElapsed += self.provisionalInterval
            guard self.provisionalElapsed < self.timers.transactionTimeout else { return [] }
            self.provisionalInterval = self.provisionalInterval * 2
            return self.inviteActions(self.inviteServer.send(provisional)) + [.startTimer(.retransmit1xx, self.provisionalInterval)]
        case .retransmitRefresh2xx(let id):
            guard let pending = self.unacknowledgedRefreshes[id] else { return [] }
            guard self.phase == .answered || self.phase == .confirmed else {
                self.unacknowledgedRefreshes[id] = nil
                return []
            }
            let interval = min(pending.interval * 2, self.timers.t2)
            self.unacknowledgedRefreshes[id] = (pending.ok, pending.cseq, interval)
            return [.send(.response(pending.ok)), .startTimer(.retransmitRefresh2xx(id), interval)]
        case .refreshAckTimeout(let id):
            guard self.unacknowledgedRefreshes.removeValue(forKey: id) != nil else { return [] }
            guard self.phase == .answered || self.phase == .confirmed else { return [] }
            return [.cancelTimer(.retransmitRefresh2xx(id)), .ackTimedOut] + self.hangUp()
        case .ackTimeout:
            guard self.phase == .answered else { return [] }
            var events: [InboundCallEvent] = [.ackTimedOut]
            events += self.hangUp()
            return events
        }
    }

    // MARK: - Internals

    private func response(_ status: Int, _ reason: String, sdp: [UInt8]) -> SIPResponse {
        var response = ServerInviteTransaction.response(to: self.invite, status: status, reason: reason, toTag: status == 100 ? nil : self.localTag)
        // Record-Route is copied into responses that create dialogs (§12.1.1).
        if (101..<300).contains(status) {
            var position = response.headers.firstIndex(.callID) ?? 0
            for route in self.invite.headers.values(.recordRoute) {
                response.headers.insert(.recordRoute, route, at: position)
                position += 1
            }
            response.headers.insert(.contact, self.contact, at: max(response.headers.count - 1, 0))
        }
        if let userAgent { response.headers.insert(.server, userAgent, at: max(response.headers.count - 1, 0)) }
        if !sdp.isEmpty {
            response.headers.insert(.contentType, "application/sdp", at: max(response.headers.count - 1, 0))
            response.headers.set(.contentLength, String(sdp.count))
            response.body = sdp
        }
        return response
    }

    private mutating func receive(_ request: SIPRequest) -> [InboundCallEvent] {
        let sameTransaction = TransactionKey.server(receiving: request) == TransactionKey.server(receiving: self.invite)
        if (request.method == .invite || request.method == .ack) && sameTransaction {
            // INVITE retransmission, or the ACK of a non-2xx (same branch).
            let actions = self.inviteServer.receive(request)
            var events = self.inviteActions(actions)
            if request.method == .ack, self.rejectionPending, self.inviteServer.state == .confirmed || self.inviteServer.state == .terminated {
                // The rejection is acknowledged: the call is over for the owner (the transaction
                // still absorbs ACK retransmissions until Timer I).
                self.rejectionPending = false
                events.append(.rejected)
            }
            return events
        }
        if request.method == .ack, let cseq = request.headers.cseq?.number,
            let id = self.unacknowledgedRefreshes.first(where: { $0.value.cseq == cseq })?.key
        {
            // The ACK of our 2xx to a re-INVITE: stop resending it.
            self.unacknowledgedRefreshes[id] = nil
            return [.cancelTimer(.retransmitRefresh2xx(id)), .cancelTimer(.refreshAckTimeout(id))]
        }
        if request.method == .ack {
            // The ACK of our 2xx (§13.3.1.4): stop retransmitting.
            guard self.phase == .answered, request.headers.cseq?.number == self.invite.headers.cseq?.number else { return [] }
            self.phase = .confirmed
            return [.cancelTimer(.retransmit2xx), .cancelTimer(.ackTimeout), .confirmed(request)]
        }
        guard let key = TransactionKey.server(receiving: request) else { return [] }
        if let existing = self.servers[key] {
            var machine = existing.machine
            let actions = machine.receive(request)
            self.servers[key] = (existing.id, machine)
            return self.serverActions(actions, id: existing.id, key: key)
        }
        self.transactionCounter += 1
        let id = self.transactionCounter
        var machine = ServerNonInviteTransaction(request: request, reliability: self.reliability, timers: self.timers)
        _ = machine.start()
        var events: [InboundCallEvent] = []
        let response: SIPResponse
        let inDialog = self.dialog?.matches(.request(request)) == true
        let refreshable = inDialog && (self.phase == .confirmed || self.phase == .answered) && self.session != nil
        switch request.method {
        case .cancel:
            // §9.2: 200 for the CANCEL; if not yet answered, 487 for the INVITE.
            response = ServerInviteTransaction.response(to: request, status: 200, reason: "OK", toTag: self.localTag)
            if self.phase == .proceeding {
                self.servers[key] = (id, machine)
                events += self.serverActions(machine.send(response), id: id, key: key)
                self.servers[key]?.machine = machine
                self.phase = .ended
                events += self.inviteActions(self.inviteServer.send(self.response(487, "Request Terminated", sdp: [])))
                events.append(.cancelled)
                return events
            }
        case .bye where self.dialog?.matches(.request(request)) == true:
            response = ServerInviteTransaction.response(to: request, status: 200, reason: "OK")
            let wasUp = self.phase == .answered || self.phase == .confirmed || self.phase == .terminating
            self.phase = .ended
            events += [.cancelTimer(.retransmit2xx), .cancelTimer(.ackTimeout)]
            if wasUp { events.append(.ended(byRemote: true)) }
        case .invite where refreshable, .update where refreshable:
            // A re-INVITE or UPDATE (session refresh, hold, resume): 200 with our SDP (§14.2,
            // RFC 3311, RFC 3264 §8), the remote target refreshed (§12.2.2).
            if var dialog = self.dialog, var session = self.session, dialog.acceptRemoteSequence(of: request) {
                dialog.refreshTarget(from: request.headers)
                self.dialog = dialog
                let (sdp, change) = session.answer(request)
                self.session = session
                response = SessionRefresh.ok(to: request, sdp: sdp, contact: self.contact, userAgent: self.userAgent)
                events.append(.remoteRefresh(change))
                if request.method == .invite, self.reliability == .unreliable, let cseq = request.headers.cseq?.number {
                    // §13.3.1.4 via §14.2: over UDP the core resends the 2xx until the ACK.
                    self.unacknowledgedRefreshes[id] = (response, cseq, self.timers.t1)
                    events += [
                        .startTimer(.retransmitRefresh2xx(id), self.timers.t1),
                        .startTimer(.refreshAckTimeout(id), self.timers.transactionTimeout),
                    ]
                }
            } else {
                response = ServerInviteTransaction.response(to: request, status: 500, reason: "Server Internal Error")
            }
        case .invite where inDialog:
            // A re-INVITE before our 2xx was acknowledged (§14.2).
            response = ServerInviteTransaction.response(to: request, status: 491, reason: "Request Pending")
        case .prack where inDialog:
            // RFC 3262 §3: a PRACK whose RAck names our outstanding reliable 1xx stops its
            // retransmission; one for a reliable 1xx we never sent is 481. A PRACK when we sent
            // none reliably is accepted (200) all the same.
            let rack = (request.headers.first(.rack) ?? "").split(separator: " ").map(String.init)
            let expected = self.unacknowledgedProvisional.map { _ in ["\(self.lastRSeq)", "\(self.invite.headers.cseq?.number ?? 0)", "INVITE"] }
            if let expected, rack == expected {
                self.unacknowledgedProvisional = nil
                response = ServerInviteTransaction.response(to: request, status: 200, reason: "OK")
                events += [.cancelTimer(.retransmit1xx), .provisionalAcknowledged(request)]
            } else if self.lastRSeq > 0 && rack.first != "\(self.lastRSeq)" {
                response = ServerInviteTransaction.response(to: request, status: 481, reason: "Call/Transaction Does Not Exist")
            } else {
                response = ServerInviteTransaction.response(to: request, status: 200, reason: "OK")
            }
        case .options, .info, .update, .notify:
            response = ServerInviteTransaction.response(to: request, status: 200, reason: "OK")
        default:
            let known = self.dialog?.matches(.request(request)) == true
            response = ServerInviteTransaction.response(
                to: request, status: known ? 501 : 481, reason: known ? "Not Implemented" : "Call/Transaction Does Not Exist")
        }
        let actions = machine.send(response)
        self.servers[key] = (id, machine)
        // The response goes out before the news, so an owner that drops the call on `.ended`
        // has already sent the 200 for the BYE.
        return self.serverActions(actions, id: id, key: key) + events
    }

    private mutating func receive(_ response: SIPResponse) -> [InboundCallEvent] {
        guard let key = TransactionKey.client(receiving: response) else { return [] }
        for (id, machine) in self.clients where TransactionKey.client(sending: machine.request) == key {
            var updated = machine
            let actions = updated.receive(response)
            self.clients[id] = updated
            return self.clientActions(actions, id: id)
        }
        return []
    }

    private mutating func inviteActions(_ actions: [TransactionAction]) -> [InboundCallEvent] {
        var events: [InboundCallEvent] = []
        for action in actions {
            switch action {
            case .send(let message): events.append(.send(message))
            case .startTimer(let timer, let duration): events.append(.startTimer(.transaction(1, timer), duration))
            case .cancelTimer(let timer): events.append(.cancelTimer(.transaction(1, timer)))
            case .terminated:
                if self.rejectionPending {
                    self.rejectionPending = false
                    events.append(.rejected)
                }
            case .transportError:
                if self.phase != .ended {
                    self.phase = .ended
                    events.append(.ended(byRemote: true))
                }
            default:
                break
            }
        }
        return events
    }

    private mutating func clientActions(_ actions: [TransactionAction], id: Int) -> [InboundCallEvent] {
        var events: [InboundCallEvent] = []
        var finished = false
        for action in actions {
            switch action {
            case .send(let message): events.append(.send(message))
            case .startTimer(let timer, let duration): events.append(.startTimer(.transaction(id, timer), duration))
            case .cancelTimer(let timer): events.append(.cancelTimer(.transaction(id, timer)))
            case .deliverResponse(let response): if response.statusCode >= 200 && id == self.byeTransaction { finished = true }
            case .timeout, .transportError: if id == self.byeTransaction { finished = true }
            case .terminated: self.clients[id] = nil
            case .deliverRequest: break
            }
        }
        if finished && self.phase == .terminating {
            self.phase = .ended
            events.append(.ended(byRemote: false))
        }
        return events
    }

    private mutating func serverActions(_ actions: [TransactionAction], id: Int, key: TransactionKey) -> [InboundCallEvent] {
        var events: [InboundCallEvent] = []
        for action in actions {
            switch action {
            case .send(let message): events.append(.send(message))
            case .startTimer(let timer, let duration): events.append(.startTimer(.transaction(id, timer), duration))
            case .cancelTimer(let timer): events.append(.cancelTimer(.transaction(id, timer)))
            case .terminated: self.servers[key] = nil
            default: break
            }
        }
        return events
    }
}
