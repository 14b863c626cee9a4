import SIPMessages
import SIPTransaction

/// Everything an outgoing call needs to know before it starts. Addresses are text as they go
/// into headers; the runtime that owns the sockets fills them in.
public struct OutboundCallConfiguration: Sendable {
    /// Where the INVITE goes (e.g. `sip:+15550011234@trunk.example.com;user=phone`).
    public var requestURI: SIPURI
    /// From and To header values without tags (`"Alice" <sip:alice@example.com>`).
    public var from: String
    public var to: String
    /// Our Contact header value (`<sip:alice@192.0.2.10:5060>`).
    public var contact: String
    /// Via sent-by (`192.0.2.10:5060`) and transport token (`UDP`, `TCP`, `TLS`).
    public var sentBy: String
    public var transport: String
    public var callID: String
    public var fromTag: String
    /// The start of every Via branch; the call appends a counter. Must begin with `z9hG4bK` and
    /// be unique (random) per call.
    public var branchPrefix: String
    /// Username and password for digest challenges; nil to give up on the first 401/407.
    public var username: String?
    public var password: String?
    /// Extra headers for the INVITE (`X-Agent-Id: 42`), in order.
    public var extraHeaders: [(name: String, value: String)]
    /// The SDP offer and its content type; empty for an offerless INVITE.
    public var offer: [UInt8]
    public var userAgent: String?
    public var timers: TransactionTimerValues
    /// Offer reliable provisional responses (RFC 3262): `Supported: 100rel` in the INVITE, and
    /// PRACK for every reliable 1xx. On by default.
    public var supports100rel = true

    public init(
        requestURI: SIPURI, from: String, to: String, contact: String, sentBy: String, transport: String,
        callID: String, fromTag: String, branchPrefix: String, username: String? = nil, password: String? = nil,
        extraHeaders: [(name: String, value: String)] = [], offer: [UInt8] = [], userAgent: String? = nil,
        timers: TransactionTimerValues = .rfc3261
    ) {
        self.requestURI = requestURI
        self.from = from
        self.to = to
        self.contact = contact
        self.sentBy = sentBy
        self.transport = transport
        self.callID = callID
        self.fromTag = fromTag
        self.branchPrefix = branchPrefix
        self.username = username
        self.password = password
        self.extraHeaders = extraHeaders
        self.offer = offer
        self.userAgent = userAgent
        self.timers = timers
    }
}

/// A timer of an outbound call: one of its transactions' RFC 3261 timers.
public struct CallTimer: Hashable, Sendable, CustomStringConvertible {
    /// Which transaction of the call (1 = the first INVITE; each new transaction counts up).
    public var transaction: Int
    public var timer: TransactionTimer

    public init(transaction: Int, timer: TransactionTimer) {
        self.transaction = transaction
        self.timer = timer
    }

    public var description: String { "\(self.timer) of transaction \(self.transaction)" }
}

/// Why an outbound call did not get (or keep) an answer.
public enum CallFailure: Hashable, Sendable {
    /// A final response >= 300 (after any authentication retries).
    case rejected(SIPResponse)
    /// The server challenged the credentials it was just given (not a stale nonce): the
    /// username, password or realm is wrong.
    case credentialsRejected(SIPResponse, username: String, realm: String)
    /// A 401/407 arrived and no credentials were configured, or the challenge could not be
    /// answered (unsupported algorithm or qop).
    case cannotAuthenticate(SIPResponse, reason: String)
    /// No final response (Timer B): the INVITE was lost or dropped on the way.
    case timeout
    /// The transport could not send.
    case transportError
    /// We cancelled before the answer (487 or no answer to the CANCEL).
    case cancelled
}

/// What the call tells its driver. `send`/`startTimer`/`cancelTimer` are work to do; the rest
/// are news for the person (or the test) watching the call.
public enum CallEvent: Hashable, Sendable {
    case send(SIPMessage)
    case startTimer(CallTimer, Duration)
    case cancelTimer(CallTimer)
    /// A provisional response (100-199) to the INVITE.
    case progress(SIPResponse)
    /// An early-media SDP answer (usually in 183), before the call is answered.
    case earlyMedia(SIPResponse)
    /// A 401/407 is being answered with credentials for this realm.
    case authenticating(realm: String, proxy: Bool)
    /// The call was answered (the first 2xx); the ACK is already sent.
    case answered(SIPResponse)
    /// A reliable provisional response (RFC 3262: Require: 100rel, RSeq) was acknowledged with
    /// this PRACK (already sent).
    case prackSent(SIPRequest)
    /// The far end's final response to a PRACK (200, or an error the call survives).
    case prackAnswered(SIPResponse)
    /// A provisional response requires extensions we do not support (RFC 3261 §20.32): the
    /// call is being cancelled.
    case unsupportedRequirement(SIPResponse, options: [String])
    /// The far end sent a re-INVITE or UPDATE during the call (session refresh, hold, resume);
    /// it was answered 200 with our SDP (already sent).
    case remoteRefresh(SessionRefresh.Change)
    /// Our 200 to the far end's re-INVITE was resent for 64*T1 and no ACK came (RFC 3261
    /// §13.3.1.4, §14.2): the session is being ended with BYE (already sent).
    case refreshUnacknowledged
    /// The call ended without an answer.
    case failed(CallFailure)
    /// An answered call ended: by us (BYE sent and answered or timed out) or by the far end.
    case ended(byRemote: Bool)
}

/// The caller's side of one call (RFC 3261 §13.2, §14 is not covered: no re-INVITE is sent):
/// INVITE, digest authentication retries (§22.2, RFC 8760 algorithm choice), early dialogs,
/// the ACK for 2xx (§13.2.2.4, resent for each 2xx retransmission), BYE, CANCEL (§9.1: only
/// after a provisional response), and answering the far end's BYE. Sans-IO: inputs return
/// ``CallEvent``s; the driver owns sockets and timers.
public struct OutboundCall: Sendable {
    public enum Phase: Hashable, Sendable {
        case idle, calling, ringing, answered, terminating, cancelling, ended
    }

    public let configuration: OutboundCallConfiguration
    public private(set) var phase: Phase = .idle
    /// The dialog, once a response with a To tag arrived (early) or a 2xx (confirmed).
    public private(set) var dialog: SIPDialog?
    /// The INVITE currently in flight (the last one, after authentication retries).
    public private(set) var invite: SIPRequest?
    /// How many INVITEs were challenged and answered with credentials.
    public private(set) var authenticationRounds = 0

    private var cseq: UInt32 = 0
    private var transactionCounter = 0
    private var branchCounter = 0
    private var inviteTransaction: (id: Int, machine: ClientInviteTransaction)?
    private var otherClients: [Int: ClientNonInviteTransaction] = [:]
    private var servers: [TransactionKey: ServerNonInviteTransaction] = [:]
    private var serverIDs: [TransactionKey: Int] = [:]
    private var authenticator: DigestAuthenticator
    private var ackFor2xx: SIPRequest?
    private var cancelWanted = false
    private var byeTransaction: Int?
    /// RFC 3262 §4: the RSeq of the last in-order reliable provisional response, per early
    /// dialog (remote tag).
    private var lastRSeq: [String: UInt32] = [:]
    /// PRACK client transactions (id -> its own authenticator, so a challenge to it is answered
    /// independently of the INVITE's).
    private var prackTransactions: [Int: DigestAuthenticator] = [:]
    /// The reliable provisional response each PRACK transaction acknowledges.
    private var prackResponses: [Int: SIPResponse] = [:]
    /// Our 200s to the far end's re-INVITEs that await their ACK, by server transaction: over
    /// UDP the core resends each one (RFC 3261 §13.3.1.4, §14.2), on the schedule of Timer G
    /// (T1 doubling up to T2) for at most 64*T1, the span of Timer H. The timers are named G
    /// and H of that transaction.
    private var unacknowledgedRefreshes: [Int: (ok: SIPResponse, cseq: UInt32, interval: Duration)] = [:]

    /// The option tags this user agent accepts in a Require header of a response (`timer`: it
    /// answers the far end's refreshes, RFC 4028).
    public static let supportedExtensions: Set<String> = ["100rel", "timer"]

    /// Our side of the session for re-INVITEs and UPDATEs from the far end.
    public private(set) var session: SessionRefresh

    public init(configuration: OutboundCallConfiguration) {
        self.configuration = configuration
        self.session = SessionRefresh(sdp: configuration.offer)
        self.authenticator = DigestAuthenticator(username: configuration.username, password: configuration.password)
    }

    // MARK: - Inputs

    /// Sends the first INVITE.
    public mutating func start() -> [CallEvent] {
        guard self.phase == .idle else { return [] }
        self.phase = .calling
        return self.sendInvite(authorization: nil)
    }

    /// A SIP message from the network that belongs to this call (same Call-ID).
    public mutating func receive(_ message: SIPMessage) -> [CallEvent] {
        switch message {
        case .response(let response):
            return self.receive(response)
        case .request(let request):
            return self.receive(request)
        }
    }

    /// A timer the call asked for expired.
    public mutating func timerFired(_ timer: CallTimer) -> [CallEvent] {
        if let pending = self.unacknowledgedRefreshes[timer.transaction], timer.timer == .g || timer.timer == .h {
            guard self.phase == .answered else {
                self.unacknowledgedRefreshes[timer.transaction] = nil
                return []
            }
            guard timer.timer == .g else {
                self.unacknowledgedRefreshes[timer.transaction] = nil
                return [.cancelTimer(CallTimer(transaction: timer.transaction, timer: .g)), .refreshUnacknowledged] + self.hangUp()
            }
            let interval = min(pending.interval * 2, self.configuration.timers.t2)
            self.unacknowledgedRefreshes[timer.transaction] = (pending.ok, pending.cseq, interval)
            return [.send(.response(pending.ok)), .startTimer(CallTimer(transaction: timer.transaction, timer: .g), interval)]
        }
        if let current = self.inviteTransaction, current.id == timer.transaction {
            var machine = current.machine
            let actions = machine.timerFired(timer.timer)
            self.inviteTransaction = (current.id, machine)
            return self.handleInvite(actions, transaction: current.id)
        }
        if var machine = self.otherClients[timer.transaction] {
            let actions = machine.timerFired(timer.timer)
            self.otherClients[timer.transaction] = machine
            return self.handleClient(actions, transaction: timer.transaction)
        }
        if let key = self.serverIDs.first(where: { $0.value == timer.transaction })?.key, var machine = self.servers[key] {
            let actions = machine.timerFired(timer.timer)
            self.servers[key] = machine
            return self.handleServer(actions, transaction: timer.transaction, key: key)
        }
        return []
    }

    /// Ends the call from our side: BYE when answered, CANCEL while ringing (sent as soon as a
    /// provisional response allows it), nothing more to do when it is already over.
    public mutating func hangUp() -> [CallEvent] {
        switch self.phase {
        case .answered:
            guard var dialog = self.dialog else { return [] }
            let bye = self.withCommonHeaders(dialog.makeRequest(.bye, via: self.nextVia()))
            self.dialog = dialog
            self.phase = .terminating
            let id = self.nextTransactionID()
            self.byeTransaction = id
            var machine = ClientNonInviteTransaction(request: bye, reliability: self.reliability, timers: self.configuration.timers)
            let actions = machine.start()
            self.otherClients[id] = machine
            return self.handleClient(actions, transaction: id)
        case .ringing:
            return self.sendCancel()
        case .calling:
            // §9.1: a CANCEL must wait for a provisional response.
            self.cancelWanted = true
            return []
        case .idle:
            self.phase = .ended
            return [.failed(.cancelled)]
        case .terminating, .cancelling, .ended:
            return []
        }
    }

    /// The transport failed for the whole call (connection refused or reset).
    public mutating func transportFailed() -> [CallEvent] {
        guard self.phase != .ended else { return [] }
        let wasAnswered = self.phase == .answered || self.phase == .terminating
        self.phase = .ended
        return wasAnswered ? [.ended(byRemote: true)] : [.failed(.transportError)]
    }

    // MARK: - Responses

    private mutating func receive(_ response: SIPResponse) -> [CallEvent] {
        guard let key = TransactionKey.client(receiving: response) else { return [] }
        if let current = self.inviteTransaction, key == TransactionKey.client(sending: current.machine.request) {
            var machine = current.machine
            let actions = machine.receive(response)
            self.inviteTransaction = (current.id, machine)
            return self.handleInvite(actions, transaction: current.id)
        }
        for (id, machine) in self.otherClients where TransactionKey.client(sending: machine.request) == key {
            var updated = machine
            let actions = updated.receive(response)
            self.otherClients[id] = updated
            return self.handleClient(actions, transaction: id)
        }
        // A 2xx retransmission after the INVITE transaction ended: ACK it again (§13.2.2.4).
        if (200..<300).contains(response.statusCode), response.headers.cseq?.method == .invite, let ack = self.ackFor2xx,
            response.headers.toTag == self.dialog?.id.remoteTag
        {
            return [.send(.request(ack))]
        }
        return []
    }

    private mutating func handleInvite(_ actions: [TransactionAction], transaction id: Int) -> [CallEvent] {
        var events: [CallEvent] = []
        for action in actions {
            switch action {
            case .send(let message): events.append(.send(message))
            case .startTimer(let timer, let duration): events.append(.startTimer(CallTimer(transaction: id, timer: timer), duration))
            case .cancelTimer(let timer): events.append(.cancelTimer(CallTimer(transaction: id, timer: timer)))
            case .deliverResponse(let response): events += self.inviteResponse(response)
            case .timeout:
                if self.phase == .calling || self.phase == .ringing || self.phase == .cancelling {
                    let cancelled = self.phase == .cancelling
                    self.phase = .ended
                    events.append(.failed(cancelled ? .cancelled : .timeout))
                }
            case .transportError:
                if self.phase != .ended && self.phase != .answered {
                    self.phase = .ended
                    events.append(.failed(.transportError))
                }
            case .deliverRequest, .terminated:
                break
            }
        }
        return events
    }

    private mutating func inviteResponse(_ response: SIPResponse) -> [CallEvent] {
        guard let invite = self.invite else { return [] }
        let code = response.statusCode
        if code < 200 {
            var events: [CallEvent] = []
            if code > 100, response.headers.toTag != nil, self.dialog == nil {
                self.dialog = try? SIPDialog(uacRequest: invite, response: response)
            }
            let required = response.headers.values(.require).map { $0.trimmedOfSpaces.lowercased() }
            let unsupported = required.filter {
                !Self.supportedExtensions.contains($0) || ($0 == "100rel" && !self.configuration.supports100rel)
            }
            if code > 100 && !unsupported.isEmpty {
                if self.phase == .calling { self.phase = .ringing }
                events.append(.unsupportedRequirement(response, options: unsupported))
                if self.phase == .ringing { events += self.sendCancel() }
                return events
            }
            var acknowledge = false
            if code > 100 && required.contains("100rel") {
                switch self.prackDecision(for: response) {
                case .some(false): return []
                case .some(true): acknowledge = true
                case nil: break
                }
            }
            if self.phase == .calling { self.phase = .ringing }
            events.append(.progress(response))
            if !response.body.isEmpty && self.phase != .cancelling { events.append(.earlyMedia(response)) }
            if acknowledge && self.phase != .cancelling { events += self.sendPrack(for: response) }
            if self.cancelWanted {
                self.cancelWanted = false
                events += self.sendCancel()
            }
            return events
        }
        if code < 300 {
            if self.ackFor2xx != nil {
                // A retransmitted 2xx within the transaction: the same ACK again.
                return self.ackFor2xx.map { [.send(.request($0))] } ?? []
            }
            if var dialog = self.dialog, dialog.id.remoteTag == response.headers.toTag {
                dialog.confirm(with: response)
                self.dialog = dialog
            } else {
                // The 2xx came from another fork than the early dialog (or there was none).
                self.dialog = try? SIPDialog(uacRequest: invite, response: response)
            }
            guard var dialog = self.dialog else {
                // A 2xx we cannot build a dialog from (no Contact): nothing can be sent in it.
                self.phase = .ended
                return [.failed(.rejected(response))]
            }
            var ack = dialog.makeRequest(.ack, via: self.nextVia(), cseq: invite.headers.cseq?.number ?? self.cseq)
            self.dialog = dialog
            // §22.1: the ACK for a 2xx carries the INVITE's credentials.
            for name in [SIPHeaderName.authorization, .proxyAuthorization] {
                for value in invite.headers.values(name) { ack.headers.insert(name, value, at: max(ack.headers.count - 1, 0)) }
            }
            ack = self.withCommonHeaders(ack)
            self.ackFor2xx = ack
            var events: [CallEvent] = [.send(.request(ack))]
            if self.phase == .cancelling || self.cancelWanted {
                // The answer crossed our CANCEL: the call exists, so end it with BYE.
                self.phase = .answered
                self.cancelWanted = false
                events.append(.answered(response))
                events += self.hangUp()
                return events
            }
            self.phase = .answered
            events.append(.answered(response))
            return events
        }
        if code == 401 || code == 407 {
            return self.challenged(response)
        }
        let cancelled = self.phase == .cancelling || code == 487
        self.phase = .ended
        return [.failed(cancelled ? .cancelled : .rejected(response))]
    }

    private mutating func challenged(_ response: SIPResponse) -> [CallEvent] {
        guard self.phase != .cancelling, let invite = self.invite else {
            self.phase = .ended
            return [.failed(.cancelled)]
        }
        switch self.authenticator.answer(response, to: invite) {
        case .retry(let headers, let realm, let proxy):
            self.authenticationRounds = self.authenticator.rounds
            var events: [CallEvent] = [.authenticating(realm: realm, proxy: proxy)]
            events += self.sendInvite(authorization: headers)
            return events
        case .rejected(let username, let realm):
            self.phase = .ended
            return [.failed(.credentialsRejected(response, username: username, realm: realm))]
        case .impossible(let reason):
            self.phase = .ended
            return [.failed(.cannotAuthenticate(response, reason: reason))]
        }
    }

    private mutating func handleClient(_ actions: [TransactionAction], transaction id: Int) -> [CallEvent] {
        var events: [CallEvent] = []
        var finished = false
        for action in actions {
            switch action {
            case .send(let message): events.append(.send(message))
            case .startTimer(let timer, let duration): events.append(.startTimer(CallTimer(transaction: id, timer: timer), duration))
            case .cancelTimer(let timer): events.append(.cancelTimer(CallTimer(transaction: id, timer: timer)))
            case .deliverResponse(let response):
                if id == self.byeTransaction, response.statusCode >= 200 { finished = true }
                if self.prackTransactions[id] != nil, response.statusCode >= 200 { events += self.prackResponse(response, transaction: id) }
            case .timeout, .transportError:
                if id == self.byeTransaction { finished = true }
            case .terminated:
                self.otherClients[id] = nil
                self.prackTransactions[id] = nil
                self.prackResponses[id] = nil
            case .deliverRequest:
                break
            }
        }
        if finished && self.phase == .terminating {
            self.phase = .ended
            events.append(.ended(byRemote: false))
        }
        return events
    }

    // MARK: - Requests from the far end

    private mutating func receive(_ request: SIPRequest) -> [CallEvent] {
        if request.method == .ack, let cseq = request.headers.cseq?.number,
            let id = self.unacknowledgedRefreshes.first(where: { $0.value.cseq == cseq })?.key
        {
            // The ACK of our 200 to a re-INVITE: stop resending it.
            self.unacknowledgedRefreshes[id] = nil
            return [.cancelTimer(CallTimer(transaction: id, timer: .g)), .cancelTimer(CallTimer(transaction: id, timer: .h))]
        }
        guard let key = TransactionKey.server(receiving: request) else { return [] }
        if var existing = self.servers[key], let id = self.serverIDs[key] {
            let actions = existing.receive(request)
            self.servers[key] = existing
            return self.handleServer(actions, transaction: id, key: key)
        }
        if request.method == .ack { return [] }
        let id = self.nextTransactionID()
        var machine = ServerNonInviteTransaction(request: request, reliability: self.reliability, timers: self.configuration.timers)
        var events = self.handleServer(machine.start(), transaction: id, key: key)
        let inDialog = self.dialog.map { $0.matches(.request(request)) } ?? false
        var response: SIPResponse
        // The re-INVITE's CSeq when our 200 to it must be resent until its ACK (UDP).
        var awaitingACK: UInt32?
        switch request.method {
        case .bye where inDialog:
            response = ServerInviteTransaction.response(to: request, status: 200, reason: "OK")
            let wasUp = self.phase == .answered || self.phase == .terminating
            self.phase = .ended
            if wasUp { events.append(.ended(byRemote: true)) }
        case .invite where inDialog && self.phase == .answered, .update where inDialog:
            // A re-INVITE or UPDATE (session refresh, hold, resume): 200 with our SDP (§14.2,
            // RFC 3311, RFC 3264 §8), the remote target refreshed (§12.2.2).
            if var dialog = self.dialog, dialog.acceptRemoteSequence(of: request) {
                dialog.refreshTarget(from: request.headers)
                self.dialog = dialog
                let (sdp, change) = self.session.answer(request)
                response = SessionRefresh.ok(to: request, sdp: sdp, contact: self.configuration.contact, userAgent: nil)
                events.append(.remoteRefresh(change))
                if request.method == .invite, self.reliability == .unreliable, let cseq = request.headers.cseq?.number {
                    awaitingACK = cseq
                    events += [
                        .startTimer(CallTimer(transaction: id, timer: .g), self.configuration.timers.t1),
                        .startTimer(CallTimer(transaction: id, timer: .h), self.configuration.timers.transactionTimeout),
                    ]
                }
            } else {
                response = ServerInviteTransaction.response(to: request, status: 500, reason: "Server Internal Error")
            }
        case let method where inDialog && [SIPMethod.options, .info, .notify].contains(method):
            response = ServerInviteTransaction.response(to: request, status: 200, reason: "OK")
        case .invite where inDialog:
            // A re-INVITE before our ACK left or while hanging up (§14.2 allows refusing it).
            response = ServerInviteTransaction.response(to: request, status: 491, reason: "Request Pending")
        case .invite:
            response = ServerInviteTransaction.response(to: request, status: 481, reason: "Call/Transaction Does Not Exist")
        default:
            response = ServerInviteTransaction.response(
                to: request, status: inDialog ? 501 : 481, reason: inDialog ? "Not Implemented" : "Call/Transaction Does Not Exist")
        }
        if let userAgent = self.configuration.userAgent { response.headers.insert(.server, userAgent, at: max(response.headers.count - 1, 0)) }
        // The 200 to a re-INVITE, as sent, is what gets resent until its ACK.
        if let cseq = awaitingACK { self.unacknowledgedRefreshes[id] = (response, cseq, self.configuration.timers.t1) }
        self.servers[key] = machine
        self.serverIDs[key] = id
        let actions = machine.send(response)
        self.servers[key] = machine
        events += self.handleServer(actions, transaction: id, key: key)
        return events
    }

    private mutating func handleServer(_ actions: [TransactionAction], transaction id: Int, key: TransactionKey) -> [CallEvent] {
        var events: [CallEvent] = []
        for action in actions {
            switch action {
            case .send(let message): events.append(.send(message))
            case .startTimer(let timer, let duration): events.append(.startTimer(CallTimer(transaction: id, timer: timer), duration))
            case .cancelTimer(let timer): events.append(.cancelTimer(CallTimer(transaction: id, timer: timer)))
            case .terminated:
                self.servers[key] = nil
                self.serverIDs[key] = nil
            default:
                break
            }
        }
        return events
    }

    // MARK: - Building requests

    private var reliability: TransportReliability { TransportReliability(viaTransport: self.configuration.transport) }

    private mutating func nextTransactionID() -> Int {
        self.transactionCounter += 1
        return self.transactionCounter
    }

    /// A Via for a new request, with a branch no other request of the call has used.
    private mutating func nextVia() -> String {
        self.branchCounter += 1
        return "SIP/2.0/\(self.configuration.transport.uppercased()) \(self.configuration.sentBy);branch=\(self.configuration.branchPrefix)-\(self.branchCounter);rport"
    }

    private func withCommonHeaders(_ request: SIPRequest) -> SIPRequest {
        guard let userAgent = self.configuration.userAgent else { return request }
        var request = request
        request.headers.insert(.userAgent, userAgent, at: max(request.headers.count - 1, 0))
        return request
    }

    private mutating func sendInvite(authorization: [SIPHeaderField]?) -> [CallEvent] {
        let config = self.configuration
        self.cseq += 1
        var headers = SIPHeaders()
        headers.append(.via, self.nextVia())
        headers.append(.maxForwards, "70")
        headers.append(.from, config.from + ";tag=" + config.fromTag)
        headers.append(.to, config.to)
        headers.append(.callID, config.callID)
        headers.append(.cseq, "\(self.cseq) INVITE")
        headers.append(.contact, config.contact)
        for field in authorization ?? [] { headers.append(name: field.name, value: field.value) }
        headers.append(.allow, "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, PRACK")
        // Not `timer`: siptool never refreshes a session itself, so the far end must (RFC 4028 §7.1).
        if config.supports100rel { headers.append(.supported, "100rel") }
        if let userAgent = config.userAgent { headers.append(.userAgent, userAgent) }
        for extra in config.extraHeaders { headers.append(name: extra.name, value: extra.value) }
        if !config.offer.isEmpty { headers.append(.contentType, "application/sdp") }
        headers.append(.contentLength, String(config.offer.count))
        let invite = SIPRequest(method: .invite, requestURI: config.requestURI, headers: headers, body: config.offer)
        self.invite = invite
        let id = self.nextTransactionID()
        var machine = ClientInviteTransaction(request: invite, reliability: self.reliability, timers: config.timers)
        let actions = machine.start()
        self.inviteTransaction = (id, machine)
        return self.handleInvite(actions, transaction: id)
    }

    // MARK: - Reliable provisional responses (RFC 3262)

    /// Whether a reliable 1xx is new and in order (true: process and PRACK it), a retransmission
    /// or out of order (false: RFC 3262 §4 says neither acknowledge nor process it), or not
    /// acknowledgeable at all (nil: no RSeq, or no early dialog to send the PRACK in).
    private mutating func prackDecision(for response: SIPResponse) -> Bool? {
        guard let tag = response.headers.toTag, let rseqText = response.headers.first(.rseq),
            let rseq = UInt32(rseqText.trimmedOfSpaces)
        else { return nil }
        guard self.dialog?.id.remoteTag == tag else {
            // Another fork than the early dialog we keep: processed, not acknowledged.
            return nil
        }
        if let last = self.lastRSeq[tag], rseq != last &+ 1 { return false }
        self.lastRSeq[tag] = rseq
        return true
    }

    /// Sends the PRACK for `response` in the early dialog, in its own non-INVITE transaction.
    private mutating func sendPrack(for response: SIPResponse, authorization: [SIPHeaderField] = [], authenticator: DigestAuthenticator? = nil) -> [CallEvent] {
        guard var dialog = self.dialog, let rseq = response.headers.first(.rseq)?.trimmedOfSpaces,
            let cseq = response.headers.cseq
        else { return [] }
        var prack = dialog.makeRequest(.prack, via: self.nextVia())
        self.dialog = dialog
        let position = max(prack.headers.count - 1, 0)
        prack.headers.insert(.rack, "\(rseq) \(cseq.number) \(cseq.method.rawValue)", at: position)
        for field in authorization { prack.headers.insert(name: field.name, value: field.value, at: max(prack.headers.count - 1, 0)) }
        prack = self.withCommonHeaders(prack)
        let id = self.nextTransactionID()
        self.prackTransactions[id] = authenticator
            ?? DigestAuthenticator(username: self.configuration.username, password: self.configuration.password)
        self.prackResponses[id] = response
        var machine = ClientNonInviteTransaction(request: prack, reliability: self.reliability, timers: self.configuration.timers)
        let actions = machine.start()
        self.otherClients[id] = machine
        return [.prackSent(prack)] + self.handleClient(actions, transaction: id)
    }

    /// A final response to a PRACK: a 401/407 is answered once per realm with a new PRACK.
    private mutating func prackResponse(_ response: SIPResponse, transaction id: Int) -> [CallEvent] {
        var events: [CallEvent] = [.prackAnswered(response)]
        guard response.statusCode == 401 || response.statusCode == 407, var authenticator = self.prackTransactions[id],
            let provisional = self.prackResponses[id], let prack = self.otherClients[id]?.request
        else { return events }
        if case .retry(let headers, let realm, let proxy) = authenticator.answer(response, to: prack) {
            events.append(.authenticating(realm: realm, proxy: proxy))
            events += self.sendPrack(for: provisional, authorization: headers, authenticator: authenticator)
        }
        return events
    }

    private mutating func sendCancel() -> [CallEvent] {
        guard let invite = self.invite else { return [] }
        self.phase = .cancelling
        let cancel = self.withCommonHeaders(ClientInviteTransaction.cancellation(of: invite))
        let id = self.nextTransactionID()
        var machine = ClientNonInviteTransaction(request: cancel, reliability: self.reliability, timers: self.configuration.timers)
        let actions = machine.start()
        self.otherClients[id] = machine
        return self.handleClient(actions, transaction: id)
    }
}

extension String {
    /// The text without leading and trailing spaces and tabs (header list elements).
    var trimmedOfSpaces: String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view.removeFirst() }
        while let last = view.last, last == " " || last == "\t" { view.removeLast() }
        return String(view)
    }
}
