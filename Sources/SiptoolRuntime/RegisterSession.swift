import NIOCore
import SIPMessages
import SIPUserAgent

/// What `siptool register` asks for.
public struct RegisterOptions: Sendable {
    public var registrar: SIPURI
    public var serverHost: String
    public var serverPort: Int
    public var user: String
    public var domain: String
    public var username: String?
    public var password: String?
    public var expires = 3600
    /// Stay registered (refreshing) for this long, then unregister; nil: register once and stop.
    public var keepFor: Duration?
    /// Only remove the binding (Expires: 0).
    public var unregisterOnly = false
    public var localHost: String?
    public var localPort = 0
    /// UDP, TCP or TLS for SIP.
    public var transport: SIPClientTransport.Kind = .udp
    public var tls = TLSClientSettings()
    public var userAgent = "siptool"
    /// Connect the UDP socket to the registrar so an ICMP port unreachable ends the attempt at
    /// once (set when RFC 3263 gave more targets to fail over to).
    public var connectUDP = false

    public init(registrar: SIPURI, serverHost: String, serverPort: Int, user: String, domain: String) {
        self.registrar = registrar
        self.serverHost = serverHost
        self.serverPort = serverPort
        self.user = user
        self.domain = domain
    }
}

/// What happened to the registration.
public struct RegisterOutcome: Sendable {
    public struct Step: Sendable {
        public var label: String
        public var ms: Double
    }

    public var server = ""
    public var contact = ""
    public var steps: [Step] = []
    public var registered = false
    public var grantedExpires: Int?
    public var bindings: [String] = []
    public var refreshes = 0
    public var unregistered = false
    public var failure: Registration.Failure?
    /// The address the registrar saw us at (Via received/rport of its response).
    public var seenFrom: String?
    public var interrupted = false
}

/// Drives `Registration` over UDP, TCP or TLS on one event loop.
public final class RegisterSession: @unchecked Sendable {
    // Confined to `loop`.
    let loop: EventLoop
    let options: RegisterOptions
    let server: SocketAddress
    let sip: SIPClientTransport
    let log: PacketLog
    var registration: Registration
    var outcome = RegisterOutcome()
    let timers: LoopTimers<Registration.Timer>
    let started = NIODeadline.now()
    var finished = false
    var ending = false
    var poll: RepeatedTask?
    var keep: Scheduled<Void>?
    let promise: EventLoopPromise<RegisterOutcome>

    private init(loop: EventLoop, options: RegisterOptions, server: SocketAddress, sip: SIPClientTransport, localHost: String, log: PacketLog) {
        self.loop = loop
        self.options = options
        self.server = server
        self.sip = sip
        self.log = log
        self.promise = loop.makePromise()
        self.timers = LoopTimers(loop: loop)
        var random = SystemRandomNumberGenerator()
        let token = String(random.next() as UInt64, radix: 36)
        let sentBy = Addressing.hostPort(localHost, sip.localAddress.port ?? 5060)
        let contact = "<sip:\(options.user)@\(sentBy)\(sip.kind.uriParameter.map { ";transport=\($0)" } ?? "")>"
        self.registration = Registration(configuration: Registration.Configuration(
            registrar: options.registrar, addressOfRecord: "<sip:\(options.user)@\(options.domain)>", contact: contact,
            expires: options.expires, sentBy: sentBy, transport: sip.kind.rawValue, callID: "\(token)@\(localHost)",
            fromTag: String(random.next() as UInt32, radix: 16), branchPrefix: "z9hG4bK-rg\(token)",
            username: options.username, password: options.password, userAgent: options.userAgent))
        self.outcome.server = Addressing.hostPort(server.ipAddress ?? options.serverHost, server.port ?? options.serverPort)
        self.outcome.contact = contact
    }

    public static func run(_ options: RegisterOptions, on loop: EventLoop, log: PacketLog) -> EventLoopFuture<RegisterOutcome> {
        let server: SocketAddress
        let localHost: String
        do {
            (server, localHost) = try Addressing.route(host: options.serverHost, port: options.serverPort, localHost: options.localHost)
        } catch {
            return loop.makeFailedFuture(error)
        }
        let box = LateBound<RegisterSession>()
        return SIPClientTransport.open(
            options.transport, localHost: localHost, localPort: options.localPort, server: server, serverName: options.tls.serverName ?? options.serverHost, tls: options.tls, on: loop,
            connectUDP: options.connectUDP, onError: { error in box.whenBound { $0.transportError(error) } }
        ) { message, bytes, source in box.value?.receive(message, bytes: bytes, from: source) }
        .flatMap { sip in
            let session = RegisterSession(loop: loop, options: options, server: server, sip: sip, localHost: localHost, log: log)
            session.begin()
            box.bind(session)
            return session.promise.futureResult.keepingAlive(session)
        }
    }

    private func mark(_ label: String) {
        self.outcome.steps.append(.init(label: label, ms: Double((NIODeadline.now() - self.started).nanoseconds) / 1_000_000))
    }

    private func begin() {
        if self.options.unregisterOnly {
            self.ending = true
            self.mark("REGISTER with Expires: 0 (remove the binding)")
            self.handle(self.registration.unregister())
        } else {
            self.mark("REGISTER (Expires: \(self.options.expires))")
            self.handle(self.registration.register())
        }
        self.poll = self.loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [weak self] _ in
            guard let self, Interrupt.requested, !self.ending else { return }
            self.outcome.interrupted = true
            self.unregister()
        }
        // Bounded: the keep time plus two full transaction timeouts.
        let bound = (self.options.keepFor ?? .zero) + .seconds(70)
        self.loop.scheduleTask(in: CallSession.amount(bound)) { [weak self] in self?.finish() }
    }

    private func unregister() {
        guard !self.ending else { return }
        self.ending = true
        self.keep?.cancel()
        if self.outcome.registered {
            self.mark("REGISTER with Expires: 0 (unregister)")
            self.handle(self.registration.unregister())
        } else {
            self.finish()
        }
    }

    func receive(_ message: SIPMessage?, bytes: [UInt8], from source: SocketAddress) {
        if !bytes.isEmpty { self.log.record(bytes, from: source, to: self.sip.localAddress, tcp: self.sip.kind.isStream) }
        guard !self.finished else { return }
        guard let message else {
            if self.sip.kind.isStream {
                self.mark("unreadable SIP on the \(self.sip.kind.rawValue) connection: it was closed")
                self.outcome.failure = .transportError
                self.finish()
            }
            return
        }
        guard case .response(let response) = message else { return }
        if let via = response.headers.topVia {
            var filledPort: Int?
            if case .value(let value) = via.rport { filledPort = value }
            if via.received != nil || filledPort != nil {
                self.outcome.seenFrom = Addressing.hostPort(via.received ?? via.host, filledPort ?? via.port ?? 5060)
            }
        }
        self.handle(self.registration.receive(response))
    }

    /// An error the socket reported (ECONNREFUSED: an ICMP port unreachable came back).
    func transportError(_ error: Error) {
        guard !self.finished else { return }
        self.mark(CallSession.transportFailure(error, kind: self.sip.kind, server: self.outcome.server))
        self.outcome.failure = .transportError
        self.finish()
    }

    private func handle(_ events: [Registration.Event]) {
        for event in events {
            switch event {
            case .send(let message):
                let bytes = message.serialized()
                self.log.record(bytes, from: self.sip.localAddress, to: self.server, tcp: self.sip.kind.isStream)
                self.sip.send(bytes).whenFailure { [weak self] error in
                    guard let self, !self.finished else { return }
                    self.mark("sending failed: \(error)")
                    self.outcome.failure = .transportError
                    self.finish()
                }
            case .startTimer(let timer, let duration):
                self.timers.start(timer, after: duration) { [weak self] in
                    guard let self else { return }
                    if timer == .refresh {
                        self.outcome.refreshes += 1
                        self.mark("refreshing the registration")
                    }
                    self.handle(self.registration.timerFired(timer))
                }
            case .cancelTimer(let timer):
                self.timers.cancel(timer)
            case .authenticating(let realm, let proxy):
                self.mark("\(proxy ? 407 : 401) challenge for realm \"\(realm)\": resending with credentials")
            case .registered(let expires, let contacts, let response):
                self.outcome.registered = true
                self.outcome.grantedExpires = expires
                self.outcome.bindings = contacts
                self.mark("\(response.statusCode) \(response.reasonPhrase): registered for \(expires) s")
                if self.outcome.refreshes == 0 {
                    if let keepFor = self.options.keepFor {
                        self.keep = self.loop.scheduleTask(in: CallSession.amount(keepFor)) { [weak self] in self?.unregister() }
                    } else {
                        self.timers.cancel(.refresh)
                        self.finish()
                    }
                }
            case .unregistered(let response):
                self.outcome.unregistered = true
                self.mark("\(response.statusCode) \(response.reasonPhrase): binding removed")
                self.finish()
            case .failed(let failure):
                self.outcome.failure = failure
                switch failure {
                case .rejected(let response), .credentialsRejected(let response, _, _), .cannotAuthenticate(let response, _):
                    self.mark("\(response.statusCode) \(response.reasonPhrase)")
                case .timeout: self.mark("no response (Timer F, 64*T1)")
                case .transportError: self.mark("transport error")
                }
                self.finish()
            }
        }
    }

    private func finish() {
        guard !self.finished else { return }
        self.finished = true
        self.poll?.cancel()
        self.keep?.cancel()
        self.timers.cancelAll()
        let outcome = self.outcome
        self.sip.close().whenComplete { [promise] _ in promise.succeed(outcome) }
    }
}

