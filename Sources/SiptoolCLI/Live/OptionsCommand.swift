import DNSResolution
import NIOCore
import SIPMessages
import SIPUserAgent
import SiptoolRuntime

/// `siptool options TARGET`: SIP "ping" with round-trip statistics and what the server reveals
/// (its Allow/Supported/Server headers, and our address as it saw it, which shows NAT).
enum OptionsCommand {
    static let spec = CommandSpec(
        name: "options",
        abstract: "Ping a SIP server with OPTIONS: reachability, round trip, and how it sees us (NAT).",
        discussion: """
            Sends --count OPTIONS requests over UDP, TCP (one connection) or TLS, --interval apart, and reports each reply with its round \
            trip (retransmissions included), then min/avg/max. The server's Via received/rport shows the \
            address and port our packets came from as it saw them: when it differs from ours, we are behind \
            NAT. Allow, Supported and Server/User-Agent tell what it is and what it supports.
            A domain name without a port is located with RFC 3263 (NAPTR, then SRV _sip._udp, then A/AAAA on \
            port 5060) through the nameservers of /etc/resolv.conf or --dns-server; when a target does not \
            answer (ICMP port unreachable, Timer F) or answers only 503, the next one is tried.
            Exit status: 0 when at least one reply came (any status: the server is reachable), 1 when none \
            did, 64 for bad arguments, 69 when the network is unavailable.
            """,
        options: [
            OptionSpec("count", short: "c", .value(placeholder: "count"), help: "How many pings.", default: "4"),
            OptionSpec("interval", short: "i", .value(placeholder: "duration"), help: "Time between pings.", default: "1s"),
            OptionSpec("local-ip", .value(placeholder: "address"), help: "Local address to send from."),
            OptionSpec("transport", short: "t", .value(placeholder: "udp|tcp|tls"), help: "SIP transport (a sips: URI means TLS; TLS port 5061 by default).", default: "udp"),
        ] + LiveSupport.tlsOptions + [
            OptionSpec("username", short: "u", .value(placeholder: "user"), help: "Digest username if the server challenges OPTIONS."),
            OptionSpec("password-env", .value(placeholder: "variable"), help: "Read the password from this environment variable (default SIPTOOL_PASSWORD)."),
            OptionSpec("password-file", .value(placeholder: "file"), help: "Read the password from the first line of this file."),
            OptionSpec("password-prompt", help: "Ask for the password on the terminal, without echo."),
            LiveRouting.option,
            OptionSpec("json", help: "Print the report as JSON (schema siptool.options/1)."),
        ] + Profiles.options,
        positionals: [PositionalSpec("target", help: "host[:port] or a sip: URI.")],
        examples: [
            ("siptool options sip.example.com", "Is the trunk reachable over UDP 5060, and does it see us behind NAT?"),
            ("siptool options -c 20 -i 200ms 127.0.0.1:5080", "Twenty quick pings to a local proxy."),
        ],
        run: { arguments, context in try OptionsCommand.run(arguments, context) }
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let command = "options"
        guard let text = arguments.positionals.first else { throw CLIError.usage("Missing the server to ping.", command: command) }
        let target: SIPURI
        let host: String
        let port: Int
        let explicitPort: Bool
        let transport = try LiveSupport.transport(arguments, secureURI: text.lowercased().hasPrefix("sips:"), command: command)
        if text.lowercased().hasPrefix("sip:") || text.lowercased().hasPrefix("sips:") {
            do {
                target = try SIPURI.parse(text)
            } catch {
                throw CLIError.usage("Invalid SIP URI '\(text)': \(error.reason)", command: command)
            }
            host = target.host
            port = target.port ?? transport.defaultPort
            explicitPort = target.port != nil
        } else {
            (host, port) = try LiveSupport.hostPort(text, defaultPort: transport.defaultPort, option: "target", command: command)
            explicitPort = (try? ValueParsers.hostPort(text))?.port != nil
            target = SIPURI(host: host, port: explicitPort ? port : nil)
        }
        var options = OptionsRunOptions(target: target, serverHost: host, serverPort: port)
        options.transport = transport
        options.tls = try LiveSupport.tlsSettings(arguments, context, transport: transport, command: command)
        options.count = try arguments.value("count") { (text: String) throws(ValueError) -> Int in try ValueParsers.integer(text, in: 1...100_000) } ?? 4
        options.interval = try LiveSupport.duration(arguments, "interval", default: .seconds(1))
        options.localHost = arguments.value("local-ip")
        options.username = arguments.value("username") ?? context.environment("SIPTOOL_USERNAME")
        options.password = try LiveSupport.password(arguments, context, command: command)
        options.userAgent = "siptool/\(SiptoolMain.version)"
        // RFC 3263: NAPTR among UDP only, unless --transport (or sips:) pins one.
        let secure = text.lowercased().hasPrefix("sips:")
        let transports = LiveRouting.transports(arguments, chosen: transport, secure: secure, defaults: [.udp])
        let plan = try LiveRouting.plan(
            host: host, explicitPort: explicitPort, transport: transports.pinned, secure: secure, supported: transports.supported,
            arguments, context, command: command)
        Interrupt.install()
        let outcome: OptionsOutcome
        let route: RouteReport?
        do {
            let routed = try LiveSupport.onEventLoop { loop -> EventLoopFuture<Routed<OptionsOutcome>> in
                guard let plan else { return OptionsSession.run(options, on: loop).map { Routed(outcome: $0, route: nil) } }
                return ServerRouting.run(plan, on: loop, attempt: { [options] target, more in
                    OptionsSession.run(options.aimed(at: target, domain: plan.request.host, moreFollow: more), on: loop)
                }, failure: Self.failoverReason)
            }
            outcome = routed.outcome
            route = routed.route
        } catch {
            throw LiveSupport.cliError(error)
        }
        let times = outcome.replies.map { Self.milliseconds($0.roundTrip) }
        let seenFrom = outcome.replies.compactMap(\.seenFrom).first
        let natNote: String? = seenFrom.map { seen in
            seen == outcome.local ? "the server sees us at \(seen), our own address: no NAT on the way"
                : "the server sees us at \(seen) but we are \(outcome.local): there is NAT between us (use the public address in Contact/SDP or rely on rport)"
        }
        if arguments.flag("json") {
            let json = JSONValue.object([
                ("schema", .string("siptool.options/1")),
                ("target", .string(target.raw)),
                ("server", .string(outcome.server)),
                ("transport", .string(transport.rawValue)),
                ("local", .string(outcome.local)),
                ("sent", .int(options.count)),
                ("replies", .array(outcome.replies.map { reply in
                    .object([
                        ("sequence", .int(reply.sequence)),
                        ("status", .int(reply.status)),
                        ("reason", .string(reply.reason)),
                        ("rtt_ms", .number(Self.milliseconds(reply.roundTrip), decimals: 3)),
                        ("seen_from", .string(reply.seenFrom)),
                        ("allow", .string(reply.allow)),
                        ("supported", .string(reply.supported)),
                        ("server", .string(reply.server)),
                    ])
                })),
                ("timed_out", .array(outcome.timedOut.map { .int($0) })),
                ("errors", .array(outcome.failures.map { .string($0) })),
                ("rtt_min_ms", .number(times.min())),
                ("rtt_avg_ms", .number(times.isEmpty ? nil : times.reduce(0, +) / Double(times.count))),
                ("rtt_max_ms", .number(times.max())),
                ("nat", .string(natNote)),
                ("resolution", LiveRouting.json(route)),
            ])
            context.stdout.write(json.serialized() + "\n")
        } else {
            var out = context.style.bold("OPTIONS \(target.raw)") + " via \(outcome.server) (\(transport.rawValue)) from \(outcome.local)\n"
            out += LiveRouting.text(route)
            for reply in outcome.replies {
                let ms = DiagnoseRendering.fixed(Self.milliseconds(reply.roundTrip), 2)
                out += "  #\(reply.sequence): \(reply.status) \(reply.reason) in \(ms) ms\n"
            }
            for sequence in outcome.timedOut { out += "  #\(sequence): " + context.style.red("no answer") + " (Timer F, 64*T1)\n" }
            for failure in outcome.failures { out += "  " + context.style.red("error: ") + failure + "\n" }
            out += "\n\(outcome.replies.count) of \(options.count) answered"
            if !times.isEmpty {
                out += ", round trip min/avg/max \(DiagnoseRendering.fixed(times.min()!, 2))/\(DiagnoseRendering.fixed(times.reduce(0, +) / Double(times.count), 2))/\(DiagnoseRendering.fixed(times.max()!, 2)) ms"
            }
            out += "\n"
            if let first = outcome.replies.first {
                if let server = first.server { out += "  server: \(server)\n" }
                if let allow = first.allow { out += "  allow: \(allow)\n" }
                if let supported = first.supported { out += "  supported: \(supported)\n" }
            }
            if let natNote { out += "  " + natNote + "\n" }
            if outcome.replies.isEmpty && outcome.failures.isEmpty {
                out += "  nothing answered: the server is down, the port or transport is wrong, or a firewall/ACL drops our packets\n"
            }
            context.stdout.write(out)
        }
        return outcome.replies.isEmpty ? .failure : .success
    }

    /// Why an OPTIONS run against one RFC 3263 target lets the next one be tried (§4.3):
    /// a transport error, no answer at all, or only 503s. Nil when the result stands.
    @Sendable static func failoverReason(_ outcome: OptionsOutcome) -> String? {
        if outcome.interrupted { return nil }
        if outcome.transportFailed { return outcome.failures.last ?? "transport error" }
        if outcome.replies.isEmpty { return "no answer (Timer F, 64*T1)" }
        if outcome.replies.allSatisfy({ $0.status == 503 }) { return "503 \(outcome.replies.last?.reason ?? "Service Unavailable")" }
        return nil
    }

    /// A duration in milliseconds.
    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
