import SIPMessages
import SIPTransaction

/// Registering a contact with a registrar (RFC 3261 §10.2): REGISTER with digest
/// authentication, the expiry the registrar granted (per-contact `expires` first, then the
/// Expires header), refresh before it runs out with the same Call-ID and a growing CSeq
/// (§10.2.4), 423 Interval Too Brief answered with Min-Expires, and unregistering (Expires: 0).
/// Sans-IO: inputs return events; the driver owns sockets and timers.
public struct Registration: Sendable {
    public struct Configuration: Sendable {
        /// The registrar's URI: the Request-URI of REGISTER (`sip:trunk.example.com`).
        public var registrar: SIPURI
        /// The address of record, as From and To (`<sip:1001@trunk.example.com>`).
        public var addressOfRecord: String
        /// Our contact (`<sip:1001@192.0.2.10:5060>`).
        public var contact: String
        public var expires: Int
        public var sentBy: String
        public var transport: String
        public var callID: String
        public var fromTag: String
        public var branchPrefix: String
        public var username: String?
        public var password: String?
        public var userAgent: String?
        public var timers: TransactionTimerValues

        public init(
            registrar: SIPURI, addressOfRecord: String, contact: String, expires: Int = 3600, sentBy: String,
            transport: String, callID: String, fromTag: String, branchPrefix: String, username: String? = nil,
            password: String? = nil, userAgent: String? = nil, timers: TransactionTimerValues = .rfc3261
        ) {
            self.registrar = registrar
            self.addressOfRecord = addressOfRecord
            self.contact = contact
            self.expires = expires
            self.sentBy = sentBy
            self.transport = transport
            self.callID = callID
            self.fromTag = fromTag
            self.branchPrefix = branchPrefix
            self.username = username
            self.password = password
            self.userAgent = userAgent
            self.timers = timers
        }
    }

    public enum Timer: Hashable, Sendable {
        case transaction(CallTimer)
        /// Time to refresh the registration.
        case refresh
    }

    public enum Event: Hashable, Sendable {
        case send(SIPMessage)
        case startTimer(Timer, Duration)
        case cancelTimer(Timer)
        case authenticating(realm: String, proxy: Bool)
        /// Registered for `expires` seconds; `contacts` are all bindings the registrar listed.
        case registered(expires: Int, contacts: [String], response: SIPResponse)
        case unregistered(SIPResponse)
        case failed(Failure)
    }

    public enum Failure: Hashable, Sendable {
        case rejected(SIPResponse)
        case credentialsRejected(SIPResponse, username: String, realm: String)
        case cannotAuthenticate(SIPResponse, reason: String)
        case timeout
        case transportError
    }

    public let configuration: Configuration
    public private(set) var requester: NonInviteRequester
    /// The expiry the registrar granted last, in seconds; nil when not registered.
    public private(set) var grantedExpires: Int?
    private var requestedExpires: Int
    private var unregistering = false
    private var intervalRetried = false

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.requestedExpires = configuration.expires
        self.requester = NonInviteRequester(
            reliability: TransportReliability(viaTransport: configuration.transport), branchPrefix: configuration.branchPrefix,
            username: configuration.username, password: configuration.password, timers: configuration.timers)
    }

    /// Sends REGISTER (the first time, or a refresh).
    public mutating func register() -> [Event] {
        self.unregistering = false
        return self.sendRegister(expires: self.requestedExpires)
    }

    /// Removes our binding (Expires: 0).
    public mutating func unregister() -> [Event] {
        self.unregistering = true
        return [.cancelTimer(.refresh)] + self.sendRegister(expires: 0)
    }

    public mutating func receive(_ response: SIPResponse) -> [Event] {
        self.translate(self.requester.receive(response))
    }

    public mutating func timerFired(_ timer: Timer) -> [Event] {
        switch timer {
        case .transaction(let inner): return self.translate(self.requester.timerFired(inner))
        case .refresh: return self.register()
        }
    }

    /// When to refresh a registration granted for `expires` seconds: half-way for short ones,
    /// 32 s before the end for long ones (enough for a full Timer F), never sooner than 1 s.
    public static func refreshDelay(forGranted expires: Int) -> Duration {
        .seconds(max(1, expires - min(32, expires / 2)))
    }

    private mutating func sendRegister(expires: Int) -> [Event] {
        let config = self.configuration
        var headers = SIPHeaders()
        headers.append(.via, "SIP/2.0/\(config.transport.uppercased()) \(config.sentBy);branch=\(self.requester.nextBranch());rport")
        headers.append(.maxForwards, "70")
        headers.append(.from, config.addressOfRecord + ";tag=" + config.fromTag)
        headers.append(.to, config.addressOfRecord)
        headers.append(.callID, config.callID)
        headers.append(.cseq, "\(self.requester.lastCSeq &+ 1) REGISTER")
        headers.append(.contact, config.contact)
        headers.append(.expires, String(expires))
        if let userAgent = config.userAgent { headers.append(.userAgent, userAgent) }
        headers.append(.contentLength, "0")
        return self.translate(self.requester.send(SIPRequest(method: .register, requestURI: config.registrar, headers: headers)))
    }

    private mutating func translate(_ events: [NonInviteRequester.Event]) -> [Event] {
        var out: [Event] = []
        for event in events {
            switch event {
            case .send(let message): out.append(.send(message))
            case .startTimer(let timer, let duration): out.append(.startTimer(.transaction(timer), duration))
            case .cancelTimer(let timer): out.append(.cancelTimer(.transaction(timer)))
            case .authenticating(let realm, let proxy): out.append(.authenticating(realm: realm, proxy: proxy))
            case .final(let response, _): out += self.final(response)
            case .timeout: out.append(.failed(.timeout))
            case .transportError: out.append(.failed(.transportError))
            case .credentialsRejected(let response, let username, let realm):
                out.append(.failed(.credentialsRejected(response, username: username, realm: realm)))
            case .cannotAuthenticate(let response, let reason): out.append(.failed(.cannotAuthenticate(response, reason: reason)))
            }
        }
        return out
    }

    private mutating func final(_ response: SIPResponse) -> [Event] {
        let code = response.statusCode
        if (200..<300).contains(code) {
            if self.unregistering {
                self.grantedExpires = nil
                return [.unregistered(response)]
            }
            let bindings = (try? response.headers.nameAddresses(.contact)) ?? []
            let ours = (try? SIPNameAddress.parse(self.configuration.contact))?.uri
            let mine = bindings.first { binding in
                guard let ours else { return false }
                return binding.uri.host.lowercased() == ours.host.lowercased() && binding.uri.port == ours.port
                    && binding.uri.user == ours.user
            }
            let granted = mine?.parameter("expires").flatMap { Int($0) } ?? response.headers.expires ?? self.requestedExpires
            self.grantedExpires = granted
            var events: [Event] = [.registered(expires: granted, contacts: bindings.map(\.description), response: response)]
            if granted > 0 { events.append(.startTimer(.refresh, Self.refreshDelay(forGranted: granted))) }
            return events
        }
        if code == 423, !self.intervalRetried, let minimum = response.headers.first(SIPHeaderName("Min-Expires")).flatMap({ Int($0.filter { $0 != " " && $0 != "\t" }) }) {
            // §10.2.8: retry once with at least the registrar's minimum.
            self.intervalRetried = true
            self.requestedExpires = max(minimum, self.requestedExpires)
            return self.sendRegister(expires: self.requestedExpires)
        }
        return [.failed(.rejected(response))]
    }
}
