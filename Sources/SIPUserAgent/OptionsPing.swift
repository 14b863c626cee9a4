import SIPMessages
import SIPTransaction

/// OPTIONS "pings" to a SIP server (RFC 3261 §11): each ping is its own transaction; a reply gives
/// the round-trip time, what the server supports (Allow, Supported, Accept, User-Agent/Server)
/// and how it saw us (the `received`/`rport` it added to our Via, RFC 3581), which shows NAT.
/// Sans-IO: the driver passes the current time on its monotonic clock with every input.
public struct OptionsPing: Sendable {
    public struct Configuration: Sendable {
        public var target: SIPURI
        public var from: String
        public var sentBy: String
        public var transport: String
        public var callIDPrefix: String
        public var fromTag: String
        public var branchPrefix: String
        public var username: String?
        public var password: String?
        public var userAgent: String?
        public var timers: TransactionTimerValues

        public init(
            target: SIPURI, from: String, sentBy: String, transport: String, callIDPrefix: String, fromTag: String,
            branchPrefix: String, username: String? = nil, password: String? = nil, userAgent: String? = nil,
            timers: TransactionTimerValues = .rfc3261
        ) {
            self.target = target
            self.from = from
            self.sentBy = sentBy
            self.transport = transport
            self.callIDPrefix = callIDPrefix
            self.fromTag = fromTag
            self.branchPrefix = branchPrefix
            self.username = username
            self.password = password
            self.userAgent = userAgent
            self.timers = timers
        }
    }

    /// One answered ping.
    public struct Reply: Hashable, Sendable {
        public var sequence: Int
        public var status: Int
        public var reason: String
        /// From the first transmission of the ping to the final response (retransmissions
        /// included, as a user experiences it).
        public var roundTrip: Duration
        /// The address and port the server saw our request come from (Via received/rport);
        /// nil when it did not add them.
        public var seenFrom: String?
        public var allow: String?
        public var supported: String?
        public var server: String?
        public var response: SIPResponse
    }

    public enum Event: Hashable, Sendable {
        case send(SIPMessage)
        case startTimer(CallTimer, Duration)
        case cancelTimer(CallTimer)
        case authenticating(realm: String, proxy: Bool)
        case reply(Reply)
        /// No answer to ping `sequence` within Timer F.
        case timedOut(sequence: Int)
        case failed(sequence: Int, reason: String)
    }

    public let configuration: Configuration
    private var requester: NonInviteRequester
    private var sentAt: [String: (sequence: Int, time: Duration)] = [:]  // Call-ID -> ping
    private var sequence = 0

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.requester = NonInviteRequester(
            reliability: TransportReliability(viaTransport: configuration.transport), branchPrefix: configuration.branchPrefix,
            username: configuration.username, password: configuration.password, timers: configuration.timers)
    }

    /// Sends ping number ``sequence`` + 1 at time `now`.
    public mutating func ping(now: Duration) -> [Event] {
        self.sequence += 1
        let config = self.configuration
        let callID = "\(config.callIDPrefix)-\(self.sequence)"
        var headers = SIPHeaders()
        headers.append(.via, "SIP/2.0/\(config.transport.uppercased()) \(config.sentBy);branch=\(self.requester.nextBranch());rport")
        headers.append(.maxForwards, "70")
        headers.append(.from, config.from + ";tag=" + config.fromTag)
        headers.append(.to, "<\(config.target.raw)>")
        headers.append(.callID, callID)
        headers.append(.cseq, "\(self.sequence) OPTIONS")
        headers.append(.accept, "application/sdp")
        if let userAgent = config.userAgent { headers.append(.userAgent, userAgent) }
        headers.append(.contentLength, "0")
        self.sentAt[callID] = (self.sequence, now)
        return self.translate(self.requester.send(SIPRequest(method: .options, requestURI: config.target, headers: headers)), now: now)
    }

    public mutating func receive(_ response: SIPResponse, now: Duration) -> [Event] {
        self.translate(self.requester.receive(response), now: now)
    }

    public mutating func timerFired(_ timer: CallTimer, now: Duration) -> [Event] {
        self.translate(self.requester.timerFired(timer), now: now)
    }

    /// All values of a comma-list header, or nil when absent.
    static func list(_ headers: SIPHeaders, _ name: SIPHeaderName) -> String? {
        let values = headers.values(name)
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }

    /// Whether every ping has its answer or has timed out.
    public var isIdle: Bool { self.requester.isIdle }

    private mutating func translate(_ events: [NonInviteRequester.Event], now: Duration) -> [Event] {
        var out: [Event] = []
        for event in events {
            switch event {
            case .send(let message): out.append(.send(message))
            case .startTimer(let timer, let duration): out.append(.startTimer(timer, duration))
            case .cancelTimer(let timer): out.append(.cancelTimer(timer))
            case .authenticating(let realm, let proxy): out.append(.authenticating(realm: realm, proxy: proxy))
            case .final(let response, let request):
                guard let callID = request.headers.callID, let sent = self.sentAt.removeValue(forKey: callID) else { continue }
                let via = response.headers.topVia
                var seenFrom: String?
                if let via {
                    let host = via.received ?? via.host
                    var port: Int?
                    if case .value(let value) = via.rport { port = value }
                    if via.received != nil || port != nil {
                        let shown = host.contains(":") ? "[\(host)]" : host
                        seenFrom = shown + ":" + String(port ?? via.port ?? 5060)
                    }
                }
                out.append(.reply(Reply(
                    sequence: sent.sequence, status: response.statusCode, reason: response.reasonPhrase, roundTrip: now - sent.time,
                    seenFrom: seenFrom, allow: Self.list(response.headers, .allow), supported: Self.list(response.headers, .supported),
                    server: response.headers.first(.server) ?? response.headers.first(.userAgent), response: response)))
            case .timeout(let request):
                if let callID = request.headers.callID, let sent = self.sentAt.removeValue(forKey: callID) {
                    out.append(.timedOut(sequence: sent.sequence))
                }
            case .transportError(let request):
                if let callID = request.headers.callID, let sent = self.sentAt.removeValue(forKey: callID) {
                    out.append(.failed(sequence: sent.sequence, reason: "the transport could not send the request"))
                }
            case .credentialsRejected(_, let username, let realm):
                out.append(.failed(sequence: self.sequence, reason: "credentials for \(username) in realm \(realm) were rejected"))
            case .cannotAuthenticate(_, let reason):
                out.append(.failed(sequence: self.sequence, reason: reason))
            }
        }
        return out
    }
}
