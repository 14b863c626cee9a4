import DNSResolution
import NIOCore

/// How the live commands reached a server named by a domain: the RFC 3263 resolution, and each
/// target tried in turn (RFC 3263 §4.3 failover) with why it was left.
public struct RouteReport: Sendable {
    /// One target tried: nil `failure` means it was used for the result.
    public struct Attempt: Sendable {
        public var target: SIPServerTarget
        public var failure: String?

        public init(target: SIPServerTarget, failure: String?) {
            self.target = target
            self.failure = failure
        }
    }

    /// The host that was resolved.
    public var host: String
    /// The nameservers asked ("127.0.0.1:15353").
    public var dnsServers: [String]
    public var resolution: SIPServerResolution
    public var attempts: [Attempt] = []

    /// The target whose result is reported (the last one tried).
    public var chosen: SIPServerTarget? { self.attempts.last?.target }
}

/// The options of a live command (call, options, register) that RFC 3263 can aim at a server.
public protocol RoutableOptions: Sendable {
    var serverHost: String { get set }
    var serverPort: Int { get set }
    var transport: SIPClientTransport.Kind { get set }
    var tls: TLSClientSettings { get set }
    var connectUDP: Bool { get set }
}

extension RoutableOptions {
    /// These options aimed at one RFC 3263 target of `domain`: its address, port and transport;
    /// over TLS the certificate is checked against the domain, which SNI carries (RFC 5922
    /// §4.1); with more targets to follow, UDP is connected so an ICMP error shows at once.
    public func aimed(at target: SIPServerTarget, domain: String, moreFollow: Bool) -> Self {
        var aimed = self
        aimed.serverHost = target.address
        aimed.serverPort = target.port
        aimed.transport = SIPClientTransport.Kind(target.transport)
        if target.transport == .tls { aimed.tls.serverName = domain }
        aimed.connectUDP = moreFollow
        return aimed
    }
}

extension CallOptions: RoutableOptions {}
extension OptionsRunOptions: RoutableOptions {}
extension RegisterOptions: RoutableOptions {}

extension SIPClientTransport.Kind {
    /// The client transport for an RFC 3263 transport.
    public init(_ transport: SIPTransportProtocol) {
        switch transport {
        case .udp: self = .udp
        case .tcp: self = .tcp
        case .tls: self = .tls
        }
    }
}

/// A command's result together with its route when RFC 3263 was used.
public struct Routed<Outcome: Sendable>: Sendable {
    public var outcome: Outcome
    public var route: RouteReport?

    public init(outcome: Outcome, route: RouteReport?) {
        self.outcome = outcome
        self.route = route
    }
}

/// RFC 3263 for the live commands: resolve, then run the command against each target in order
/// until one does not fail in a way that allows moving on (§4.3: transport error, ICMP
/// unreachable, timeout, 503).
public enum ServerRouting {
    /// What to resolve and with which nameservers.
    public struct Plan: Sendable {
        public var request: SIPServerLocator.Request
        public var servers: [SocketAddress]

        public init(request: SIPServerLocator.Request, servers: [SocketAddress]) {
            self.request = request
            self.servers = servers
        }
    }

    /// True when RFC 3263 applies: the host is a name (not an address literal) and no port
    /// was given. (A name with a port only needs A/AAAA, which the system resolver does.)
    public static func applies(host: String, explicitPort: Bool) -> Bool {
        !explicitPort && !SIPServerLocator.isAddressLiteral(host) && host.lowercased() != "localhost"
    }

    /// Resolves `plan` and runs `attempt` on each target until `failure` says the outcome is
    /// final (nil) or the targets run out. A failed future (e.g. TCP connection refused) also
    /// moves on; the last target's error is the result when all fail that way.
    /// `attempt`'s Bool is true when another target follows (connect UDP to see ICMP errors).
    public static func run<Outcome: Sendable>(
        _ plan: Plan, on loop: EventLoop,
        attempt: @escaping @Sendable (SIPServerTarget, Bool) -> EventLoopFuture<Outcome>,
        failure: @escaping @Sendable (Outcome) -> String?
    ) -> EventLoopFuture<Routed<Outcome>> {
        Self.locate(plan, on: loop).flatMap { report in
            let run = FailoverRun(loop: loop, report: report, attempt: attempt, failure: failure)
            run.next()
            return run.promise.futureResult
        }
    }

    /// Only the DNS part: the targets in order (none tried yet). Fails with a one-line
    /// network error when no target was found or no nameserver answered.
    public static func locate(_ plan: Plan, on loop: EventLoop) -> EventLoopFuture<RouteReport> {
        let client = DNSClient(servers: plan.servers, on: loop)
        let names = plan.servers.map { Addressing.hostPort($0.ipAddress ?? "?", $0.port ?? 53) }
        return client.locate(plan.request).flatMapThrowing { resolution -> RouteReport in
            guard !resolution.targets.isEmpty else {
                throw RuntimeError(.network, Self.noTargetMessage(plan.request.host, resolution: resolution, servers: names))
            }
            return RouteReport(host: plan.request.host, dnsServers: names, resolution: resolution)
        }
    }

    /// Why nothing could be tried, in one line.
    static func noTargetMessage(_ host: String, resolution: SIPServerResolution, servers: [String]) -> String {
        if resolution.noServerAnswered {
            let why = resolution.notes.first.map { ": \($0)" } ?? ""
            return "cannot resolve '\(host)' (RFC 3263): no DNS server answered (\(servers.joined(separator: ", ")))\(why); "
                + "siptool does not fall back to the system resolver: check --dns-server, or give an address or host:port"
        }
        let notes = resolution.notes.isEmpty ? "" : " (\(resolution.notes.joined(separator: "; ")))"
        return "cannot resolve '\(host)' (RFC 3263): no NAPTR, SRV or A/AAAA record gives a usable target\(notes)"
    }

    /// Tries the targets in order. Confined to `loop`.
    private final class FailoverRun<Outcome: Sendable>: @unchecked Sendable {
        let loop: EventLoop
        var report: RouteReport
        let attempt: @Sendable (SIPServerTarget, Bool) -> EventLoopFuture<Outcome>
        let failure: @Sendable (Outcome) -> String?
        let promise: EventLoopPromise<Routed<Outcome>>
        var index = 0

        init(
            loop: EventLoop, report: RouteReport, attempt: @escaping @Sendable (SIPServerTarget, Bool) -> EventLoopFuture<Outcome>,
            failure: @escaping @Sendable (Outcome) -> String?
        ) {
            self.loop = loop
            self.report = report
            self.attempt = attempt
            self.failure = failure
            self.promise = loop.makePromise()
        }

        func next() {
            let targets = self.report.resolution.targets
            let target = targets[self.index]
            let last = self.index == targets.count - 1
            self.index += 1
            self.attempt(target, !last).whenComplete { result in
                switch result {
                case .success(let outcome):
                    let why = self.failure(outcome)
                    self.report.attempts.append(RouteReport.Attempt(target: target, failure: why))
                    if why == nil || last || Interrupt.requested {
                        self.promise.succeed(Routed(outcome: outcome, route: self.report))
                    } else {
                        self.next()
                    }
                case .failure(let error):
                    self.report.attempts.append(RouteReport.Attempt(target: target, failure: "\(error)"))
                    if last || Interrupt.requested {
                        let tried = self.report.attempts.map { "\($0.target.transport.rawValue) \(Addressing.hostPort($0.target.address, $0.target.port)): \($0.failure ?? "")" }
                        self.promise.fail(RuntimeError(.network, "every RFC 3263 target of '\(self.report.host)' failed: " + tried.joined(separator: "; ")))
                    } else {
                        self.next()
                    }
                }
            }
        }
    }
}
