import NIOCore
import SIPMessages
import SIPTransaction
import SIPUserAgent

/// What `siptool options` asks for.
public struct OptionsRunOptions: Sendable {
    public var target: SIPURI
    public var serverHost: String
    public var serverPort: Int
    public var count = 4
    public var interval: Duration = .seconds(1)
    public var localHost: String?
    /// UDP, TCP or TLS for SIP (one connection for every ping over TCP/TLS).
    public var transport: SIPClientTransport.Kind = .udp
    public var tls = TLSClientSettings()
    public var username: String?
    public var password: String?
    public var userAgent = "siptool"
    /// Connect the UDP socket to the server so an ICMP port unreachable ends the attempt at
    /// once (set when RFC 3263 gave more targets to fail over to; replies must then come from
    /// the address we sent to).
    public var connectUDP = false

    public init(target: SIPURI, serverHost: String, serverPort: Int) {
        self.target = target
        self.serverHost = serverHost
        self.serverPort = serverPort
    }
}

/// The result of an OPTIONS run: every reply and every ping that got none.
public struct OptionsOutcome: Sendable {
    public var server = ""
    public var local = ""
    public var replies: [OptionsPing.Reply] = []
    public var timedOut: [Int] = []
    public var failures: [String] = []
    /// The transport failed (send error or ICMP port unreachable): worth trying another target.
    public var transportFailed = false
    public var interrupted = false
}

/// Sends OPTIONS pings over UDP, TCP or TLS through `OptionsPing`, one every `interval`, and waits for the
/// last one's answer or timeout. Runs on one event loop.
public final class OptionsSession: @unchecked Sendable {
    // Confined to `loop`.
    let loop: EventLoop
    let options: OptionsRunOptions
    let server: SocketAddress
    let sip: SIPClientTransport
    var ping: OptionsPing
    var outcome = OptionsOutcome()
    let timers: LoopTimers<CallTimer>
    let started = NIODeadline.now()
    var sent = 0
    var finished = false
    var poll: RepeatedTask?
    let promise: EventLoopPromise<OptionsOutcome>

    private init(loop: EventLoop, options: OptionsRunOptions, server: SocketAddress, sip: SIPClientTransport, localHost: String) {
        self.loop = loop
        self.options = options
        self.server = server
        self.sip = sip
        self.promise = loop.makePromise()
        self.timers = LoopTimers(loop: loop)
        var random = SystemRandomNumberGenerator()
        let token = String(random.next() as UInt64, radix: 36)
        let sentBy = Addressing.hostPort(localHost, sip.localAddress.port ?? 5060)
        self.ping = OptionsPing(configuration: OptionsPing.Configuration(
            target: options.target, from: "<sip:siptool@\(sentBy)>", sentBy: sentBy, transport: sip.kind.rawValue, callIDPrefix: "\(token)@\(localHost)",
            fromTag: String(random.next() as UInt32, radix: 16), branchPrefix: "z9hG4bK-op\(token)", username: options.username,
            password: options.password, userAgent: options.userAgent))
        self.outcome.server = Addressing.hostPort(server.ipAddress ?? options.serverHost, server.port ?? options.serverPort)
        self.outcome.local = sentBy
    }

    public static func run(_ options: OptionsRunOptions, on loop: EventLoop) -> EventLoopFuture<OptionsOutcome> {
        let server: SocketAddress
        let localHost: String
        do {
            (server, localHost) = try Addressing.route(host: options.serverHost, port: options.serverPort, localHost: options.localHost)
        } catch {
            return loop.makeFailedFuture(error)
        }
        let box = LateBound<OptionsSession>()
        return SIPClientTransport.open(
            options.transport, localHost: localHost, localPort: 0, server: server, serverName: options.tls.serverName ?? options.serverHost, tls: options.tls, on: loop,
            connectUDP: options.connectUDP, onError: { error in box.whenBound { $0.transportError(error) } }
        ) { message, _, _ in box.value?.receive(message) }
            .flatMap { sip in
                let session = OptionsSession(loop: loop, options: options, server: server, sip: sip, localHost: localHost)
                session.next()
                box.bind(session)
                session.poll = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
                    if Interrupt.requested, !session.finished {
                        session.outcome.interrupted = true
                        session.finish()
                    }
                }
                return session.promise.futureResult.keepingAlive(session)
            }
    }

    private var now: Duration { .nanoseconds((NIODeadline.now() - self.started).nanoseconds) }

    private func next() {
        guard !self.finished, self.sent < self.options.count else { return }
        self.sent += 1
        self.handle(self.ping.ping(now: self.now))
        if self.sent < self.options.count {
            self.loop.scheduleTask(in: CallSession.amount(self.options.interval)) { [weak self] in self?.next() }
        }
    }

    func receive(_ message: SIPMessage?) {
        guard !self.finished else { return }
        guard let message else {
            if self.sip.kind.isStream {
                self.outcome.failures.append("unreadable SIP on the \(self.sip.kind.rawValue) connection: it was closed")
                self.finish()
            }
            return
        }
        guard case .response(let response) = message else { return }
        self.handle(self.ping.receive(response, now: self.now))
    }

    /// An error the socket reported (ECONNREFUSED: an ICMP port unreachable came back).
    func transportError(_ error: Error) {
        guard !self.finished else { return }
        self.outcome.transportFailed = true
        self.outcome.failures.append(CallSession.transportFailure(error, kind: self.sip.kind, server: self.outcome.server))
        self.finish()
    }

    private func handle(_ events: [OptionsPing.Event]) {
        for event in events {
            switch event {
            case .send(let message):
                self.sip.send(message.serialized()).whenFailure { [weak self] error in
                    self?.outcome.transportFailed = true
                    self?.outcome.failures.append("cannot send to \(self?.outcome.server ?? "?"): \(error)")
                }
            case .startTimer(let timer, let duration):
                self.timers.start(timer, after: duration) { [weak self] in
                    guard let self else { return }
                    self.handle(self.ping.timerFired(timer, now: self.now))
                }
            case .cancelTimer(let timer):
                self.timers.cancel(timer)
            case .authenticating:
                break
            case .reply(let reply):
                self.outcome.replies.append(reply)
            case .timedOut(let sequence):
                self.outcome.timedOut.append(sequence)
            case .failed(_, let reason):
                self.outcome.failures.append(reason)
            }
        }
        if self.sent >= self.options.count, self.outcome.replies.count + self.outcome.timedOut.count >= self.options.count || !self.outcome.failures.isEmpty {
            self.finish()
        }
    }

    private func finish() {
        guard !self.finished else { return }
        self.finished = true
        self.poll?.cancel()
        self.timers.cancelAll()
        let outcome = self.outcome
        self.sip.close().whenComplete { [promise] _ in promise.succeed(outcome) }
    }
}

