import SIPMessages
import SIPTransaction

/// Sends non-INVITE requests outside a call (REGISTER, OPTIONS) through RFC 3261 §17.1.2
/// transactions, answers digest challenges by resending with credentials (new branch, CSeq + 1,
/// RFC 3261 §22.2), and reports each request's outcome. Sans-IO, like the transactions.
public struct NonInviteRequester: Sendable {
    /// What the requester tells its owner.
    public enum Event: Hashable, Sendable {
        case send(SIPMessage)
        case startTimer(CallTimer, Duration)
        case cancelTimer(CallTimer)
        case authenticating(realm: String, proxy: Bool)
        /// A final response other than a challenge that is being answered.
        case final(SIPResponse, request: SIPRequest)
        /// Timer F: no final response at all.
        case timeout(SIPRequest)
        case transportError(SIPRequest)
        /// The same realm challenged again (wrong username, password or realm).
        case credentialsRejected(SIPResponse, username: String, realm: String)
        case cannotAuthenticate(SIPResponse, reason: String)
    }

    public let reliability: TransportReliability
    public let timers: TransactionTimerValues
    public let branchPrefix: String
    private var authenticator: DigestAuthenticator
    private var transactions: [Int: ClientNonInviteTransaction] = [:]
    private var counter = 0
    /// The highest CSeq number sent (a retry with credentials counts up).
    public private(set) var lastCSeq: UInt32 = 0
    /// Challenges answered so far.
    public var authenticationRounds: Int { self.authenticator.rounds }

    public init(
        reliability: TransportReliability, branchPrefix: String, username: String?, password: String?,
        timers: TransactionTimerValues = .rfc3261
    ) {
        self.reliability = reliability
        self.timers = timers
        self.branchPrefix = branchPrefix
        self.authenticator = DigestAuthenticator(username: username, password: password)
    }

    /// A new branch for the next request.
    public mutating func nextBranch() -> String {
        self.counter += 1
        return "\(self.branchPrefix)-\(self.counter)"
    }

    /// Sends `request` (complete, with its Via branch from ``nextBranch()``) in a new transaction.
    public mutating func send(_ request: SIPRequest) -> [Event] {
        self.counter += 1
        let id = self.counter
        self.lastCSeq = max(self.lastCSeq, request.headers.cseq?.number ?? 0)
        var machine = ClientNonInviteTransaction(request: request, reliability: self.reliability, timers: self.timers)
        let actions = machine.start()
        self.transactions[id] = machine
        return self.handle(actions, id: id)
    }

    /// A response from the network (ignored unless it matches a pending transaction).
    public mutating func receive(_ response: SIPResponse) -> [Event] {
        guard let key = TransactionKey.client(receiving: response) else { return [] }
        for (id, machine) in self.transactions where TransactionKey.client(sending: machine.request) == key {
            var updated = machine
            let actions = updated.receive(response)
            self.transactions[id] = updated
            return self.handle(actions, id: id)
        }
        return []
    }

    /// A timer the requester asked for expired.
    public mutating func timerFired(_ timer: CallTimer) -> [Event] {
        guard var machine = self.transactions[timer.transaction] else { return [] }
        let actions = machine.timerFired(timer.timer)
        self.transactions[timer.transaction] = machine
        return self.handle(actions, id: timer.transaction)
    }

    /// Whether any request is still waiting for its final response.
    public var isIdle: Bool {
        self.transactions.values.allSatisfy { $0.state == .completed || $0.state == .terminated }
    }

    private mutating func handle(_ actions: [TransactionAction], id: Int) -> [Event] {
        var events: [Event] = []
        let request = self.transactions[id]?.request
        for action in actions {
            switch action {
            case .send(let message): events.append(.send(message))
            case .startTimer(let timer, let duration): events.append(.startTimer(CallTimer(transaction: id, timer: timer), duration))
            case .cancelTimer(let timer): events.append(.cancelTimer(CallTimer(transaction: id, timer: timer)))
            case .deliverResponse(let response):
                guard response.statusCode >= 200, let request else { continue }
                events += self.finalResponse(response, to: request)
            case .timeout:
                if let request { events.append(.timeout(request)) }
            case .transportError:
                if let request { events.append(.transportError(request)) }
            case .terminated:
                self.transactions[id] = nil
            case .deliverRequest:
                break
            }
        }
        return events
    }

    private mutating func finalResponse(_ response: SIPResponse, to request: SIPRequest) -> [Event] {
        guard response.statusCode == 401 || response.statusCode == 407 else { return [.final(response, request: request)] }
        switch self.authenticator.answer(response, to: request) {
        case .retry(let headers, let realm, let proxy):
            var retry = request
            retry.headers.removeAll(.authorization)
            retry.headers.removeAll(.proxyAuthorization)
            let position = retry.headers.firstIndex(.contentLength) ?? retry.headers.count
            for (offset, field) in headers.enumerated() { retry.headers.insert(name: field.name, value: field.value, at: position + offset) }
            let number = self.lastCSeq &+ 1
            retry.headers.set(.cseq, "\(number) \(request.method.rawValue)")
            if let via = retry.headers.topVia {
                var updated = via
                updated.parameters.removeAll { $0.name.lowercased() == "branch" }
                updated.parameters.insert(SIPParameter(name: "branch", value: self.nextBranch()), at: 0)
                Self.replaceTopVia(in: &retry.headers, with: updated.description)
            }
            return [.authenticating(realm: realm, proxy: proxy)] + self.send(retry)
        case .rejected(let username, let realm):
            return [.credentialsRejected(response, username: username, realm: realm)]
        case .impossible(let reason):
            return [.cannotAuthenticate(response, reason: reason)]
        }
    }

    /// Replaces the first Via value (the whole first header line when it holds one value).
    public static func replaceTopVia(in headers: inout SIPHeaders, with value: String) {
        guard let index = headers.firstIndex(.via) else { return }
        let field = headers[index]
        let rest = (try? SIPVia.parseList(field.value))?.dropFirst().map(\.description) ?? []
        headers.remove(at: index)
        headers.insert(name: field.name, value: ([value] + rest).joined(separator: ", "), at: index)
    }
}
