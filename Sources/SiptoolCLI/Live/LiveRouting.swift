import DNSResolution
import NIOCore
import SiptoolRuntime

/// RFC 3263 server location for call, options and register: which nameservers, whether it
/// applies, and how the route shows in the text and JSON reports.
enum LiveRouting {
    /// The `--dns-server` option the three commands share.
    static let option = OptionSpec(
        "dns-server", .value(placeholder: "host[:port]"),
        help: "Nameserver for RFC 3263 (NAPTR/SRV/A) lookups instead of /etc/resolv.conf; SIPTOOL_DNS_SERVER.")

    /// The transports RFC 3263 may use: a transport that was asked for (`--transport`, a profile's
    /// TCP or TLS, a sips: URI) is pinned (its SRV only, §4.1); otherwise NAPTR chooses among
    /// `defaults`. TLS is used only when asked for, so a trunk's NAPTR never switches a call to
    /// TLS unannounced.
    static func transports(
        _ arguments: ParsedArguments, chosen: SIPClientTransport.Kind, secure: Bool, defaults: [SIPTransportProtocol]
    ) -> (pinned: SIPTransportProtocol?, supported: [SIPTransportProtocol]) {
        guard arguments.value("transport") != nil || secure || chosen != .udp else { return (nil, defaults) }
        let pinned = Self.transportProtocol(chosen)
        return (pinned, [pinned])
    }

    static func transportProtocol(_ kind: SIPClientTransport.Kind) -> SIPTransportProtocol {
        switch kind {
        case .udp: .udp
        case .tcp: .tcp
        case .tls: .tls
        }
    }

    /// A plan when the server is a domain name without a port (RFC 3263 applies), else nil.
    static func plan(
        host: String, explicitPort: Bool, transport: SIPTransportProtocol?, secure: Bool, supported: [SIPTransportProtocol],
        _ arguments: ParsedArguments, _ context: CommandContext, command: String
    ) throws(CLIError) -> ServerRouting.Plan? {
        guard ServerRouting.applies(host: host, explicitPort: explicitPort) else { return nil }
        let servers = try Self.servers(arguments, context, command: command)
        return ServerRouting.Plan(
            request: SIPServerLocator.Request(host: host, port: nil, transport: transport, secure: secure, supported: supported), servers: servers)
    }

    /// --dns-server, else SIPTOOL_DNS_SERVER, else the nameserver lines of /etc/resolv.conf.
    static func servers(_ arguments: ParsedArguments, _ context: CommandContext, command: String) throws(CLIError) -> [SocketAddress] {
        if let text = arguments.value("dns-server") ?? context.environment("SIPTOOL_DNS_SERVER"), !text.isEmpty {
            do {
                return try [DNSServers.parse(text)]
            } catch {
                throw CLIError.usage("Invalid value '\(text)' for '--dns-server': \(error.message)", command: command)
            }
        }
        let path = "/etc/resolv.conf"
        let bytes = (try? InputFile.readAll(path: path, limit: 1 << 20)) ?? []
        let servers = DNSServers.fromResolvConf(String(decoding: bytes, as: UTF8.self))
        guard !servers.isEmpty else {
            throw CLIError(.unavailable, "no nameserver in \(path) to resolve the server (RFC 3263): give --dns-server HOST[:PORT], or an address or host:port")
        }
        return servers
    }

    /// The route in one line ("Resolved ... (RFC 3263): UDP 127.0.0.1:5141 from NAPTR ...") plus
    /// one line per target that was given up on.
    static func text(_ route: RouteReport?) -> String {
        guard let route, let chosen = route.chosen else { return "" }
        var out = "Resolved \(route.host) (RFC 3263, DNS \(route.dnsServers.joined(separator: ", "))): "
            + "\(chosen.transport.rawValue) \(Addressing.hostPort(chosen.address, chosen.port)) from \(chosen.reason)\n"
        for attempt in route.attempts.dropLast() {
            out += "  failed over from \(attempt.target.transport.rawValue) \(Addressing.hostPort(attempt.target.address, attempt.target.port)): \(attempt.failure ?? "?")\n"
        }
        for note in route.resolution.notes { out += "  dns: \(note)\n" }
        return out
    }

    /// The "resolution" JSON object (null when RFC 3263 was not used), documented in docs/live.md.
    static func json(_ route: RouteReport?) -> JSONValue {
        guard let route else { return .null }
        let attempts = route.attempts
        return .object([
            ("method", .string("rfc3263")),
            ("host", .string(route.host)),
            ("dns_servers", .array(route.dnsServers.map { .string($0) })),
            ("queries", .int(route.resolution.queries)),
            ("targets", .array(route.resolution.targets.indices.map { index in
                let target = route.resolution.targets[index]
                let tried = index < attempts.count
                return .object([
                    ("transport", .string(target.transport.rawValue)),
                    ("host", .string(target.host)),
                    ("address", .string(target.address)),
                    ("port", .int(target.port)),
                    ("chain", .array(target.chain.map { .string($0) })),
                    ("reason", .string(target.reason)),
                    ("tried", .bool(tried)),
                    ("failure", .string(tried ? attempts[index].failure : nil)),
                ])
            })),
            ("chosen", .int(attempts.isEmpty ? nil : attempts.count - 1)),
            ("notes", .array(route.resolution.notes.map { .string($0) })),
        ])
    }
}
