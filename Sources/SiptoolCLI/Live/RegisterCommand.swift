import DNSResolution
import NIOCore
import SIPMessages
import SIPUserAgent
import SiptoolRuntime

/// `siptool register AOR`: registers a contact with a registrar (digest auth, the expiry it
/// grants, refreshes with --keep, unregisters at the end or with --unregister).
enum RegisterCommand {
    static let spec = CommandSpec(
        name: "register",
        abstract: "Register with a SIP registrar: authentication, granted expiry, refresh, unregister.",
        discussion: """
            Sends REGISTER over UDP, TCP or TLS for the address of record (user@domain) with our contact, answers \
            digest challenges, and reports the expiry the registrar granted (per contact, or Expires), every \
            binding it lists, and how it saw us (Via received/rport: NAT). With --keep the registration is \
            refreshed before it expires and removed at the end (or on Ctrl-C); --unregister only removes it. \
            A 423 Interval Too Brief is retried once with Min-Expires. Password from --password-env, \
            --password-file, --password-prompt or SIPTOOL_PASSWORD.
            A registrar that is a domain name without a port is located with RFC 3263 (NAPTR, SRV _sip._udp, \
            A/AAAA) through /etc/resolv.conf or --dns-server, failing over to the next target on ICMP port \
            unreachable, Timer F or 503.
            Exit status: 0 when registered (or unregistered with --unregister), 1 when refused or \
            unanswered, 64 for bad arguments, 69 when the network is unavailable.
            """,
        options: [
            OptionSpec("registrar", .value(placeholder: "host[:port]"), help: "Where to send REGISTER (default: the AOR's domain, or SIPTOOL_TRUNK)."),
            OptionSpec("username", short: "u", .value(placeholder: "user"), help: "Digest username (default: the AOR's user, or SIPTOOL_AUTH_USERNAME)."),
            OptionSpec("password-env", .value(placeholder: "variable"), help: "Read the password from this environment variable (default SIPTOOL_PASSWORD)."),
            OptionSpec("password-file", .value(placeholder: "file"), help: "Read the password from the first line of this file."),
            OptionSpec("password-prompt", help: "Ask for the password on the terminal, without echo."),
            OptionSpec("expires", .value(placeholder: "seconds"), help: "Requested expiry.", default: "3600"),
            OptionSpec("keep", .value(placeholder: "duration"), help: "Stay registered this long (refreshing), then unregister."),
            OptionSpec("unregister", help: "Only remove the binding (Expires: 0)."),
            OptionSpec("local-ip", .value(placeholder: "address"), help: "Local address for the contact."),
            OptionSpec("local-port", .value(placeholder: "port"), help: "Local SIP port.", default: "0"),
            LiveRouting.option,
            OptionSpec("transport", short: "t", .value(placeholder: "udp|tcp|tls"), help: "SIP transport (a sips: AOR means TLS; TLS port 5061 by default).", default: "udp"),
        ] + LiveSupport.tlsOptions + [
            OptionSpec("json", help: "Print the report as JSON (schema siptool.register/1)."),
        ] + Profiles.options,
        positionals: [PositionalSpec("aor", help: "The address of record: user@domain or a sip: URI.")],
        examples: [
            ("SIPTOOL_PASSWORD=... siptool register 1001@sip.example.com", "Does this account register, and for how long?"),
            ("siptool register --keep 10m --expires 60 1001@pbx.local", "Stay registered for 10 minutes, refreshing every ~30 s."),
        ],
        run: { arguments, context in try RegisterCommand.run(arguments, context) }
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let command = "register"
        guard let text = arguments.positionals.first else { throw CLIError.usage("Missing the address of record (user@domain).", command: command) }
        let secure = text.lowercased().hasPrefix("sips:")
        let aorText = text.lowercased().hasPrefix("sip:") || secure ? text : "sip:" + text
        let transport = try LiveSupport.transport(arguments, secureURI: secure, command: command)
        let aor: SIPURI
        do {
            aor = try SIPURI.parse(aorText)
        } catch {
            throw CLIError.usage("Invalid address of record '\(text)': \(error.reason)", command: command)
        }
        guard let user = aor.user, !user.isEmpty else { throw CLIError.usage("The address of record '\(text)' has no user part.", command: command) }
        let registrarText = arguments.value("registrar") ?? context.environment("SIPTOOL_TRUNK") ?? aor.hostPort
        let (host, port) = try LiveSupport.hostPort(registrarText, defaultPort: transport.defaultPort, option: "registrar", command: command)
        let explicitPort = (try? ValueParsers.hostPort(registrarText))?.port != nil
        var options = RegisterOptions(registrar: SIPURI(host: aor.host, port: aor.port), serverHost: host, serverPort: port, user: user, domain: aor.hostPort)
        options.username = arguments.value("username") ?? context.environment("SIPTOOL_AUTH_USERNAME") ?? user
        options.password = try LiveSupport.password(arguments, context, command: command)
        options.expires = try arguments.value("expires") { (text: String) throws(ValueError) -> Int in try ValueParsers.integer(text, in: 1...604_800) } ?? 3600
        if arguments.value("keep") != nil { options.keepFor = try LiveSupport.duration(arguments, "keep", default: .seconds(60)) }
        options.unregisterOnly = arguments.flag("unregister")
        options.localHost = arguments.value("local-ip")
        options.localPort = try arguments.value("local-port") { (text: String) throws(ValueError) -> Int in try ValueParsers.port(text, allowZero: true) } ?? 0
        options.userAgent = "siptool/\(SiptoolMain.version)"
        // RFC 3263: NAPTR among UDP only, unless --transport (or sips:) pins one.
        let transports = LiveRouting.transports(arguments, chosen: transport, secure: secure, defaults: [.udp])
        let plan = try LiveRouting.plan(
            host: host, explicitPort: explicitPort, transport: transports.pinned, secure: secure, supported: transports.supported,
            arguments, context, command: command)
        options.transport = transport
        options.tls = try LiveSupport.tlsSettings(arguments, context, transport: transport, command: command)
        Interrupt.install()
        let log = PacketLog()
        let outcome: RegisterOutcome
        let route: RouteReport?
        do {
            let routed = try LiveSupport.onEventLoop { loop -> EventLoopFuture<Routed<RegisterOutcome>> in
                guard let plan else { return RegisterSession.run(options, on: loop, log: log).map { Routed(outcome: $0, route: nil) } }
                return ServerRouting.run(plan, on: loop, attempt: { [options] target, more in
                    RegisterSession.run(options.aimed(at: target, domain: plan.request.host, moreFollow: more), on: loop, log: log)
                }, failure: Self.failoverReason)
            }
            outcome = routed.outcome
            route = routed.route
        } catch {
            throw LiveSupport.cliError(error)
        }
        let described = Self.describe(outcome.failure)
        let failure = described?.code
        let reason = described?.reason
        let passed = options.unregisterOnly ? outcome.unregistered : outcome.registered && outcome.failure == nil
        if arguments.flag("json") {
            context.stdout.write(JSONValue.object([
                ("schema", .string("siptool.register/1")),
                ("aor", .string(aor.raw)),
                ("registrar", .string(outcome.server)),
                ("transport", .string(transport.rawValue)),
                ("contact", .string(outcome.contact)),
                ("registered", .bool(outcome.registered)),
                ("granted_expires", .int(outcome.grantedExpires)),
                ("bindings", .array(outcome.bindings.map { .string($0) })),
                ("refreshes", .int(outcome.refreshes)),
                ("unregistered", .bool(outcome.unregistered)),
                ("seen_from", .string(outcome.seenFrom)),
                ("failure", .string(failure)),
                ("reason", .string(reason)),
                ("steps", .array(outcome.steps.map { .object([("label", .string($0.label)), ("ms", .number($0.ms, decimals: 1))]) })),
                ("resolution", LiveRouting.json(route)),
            ]).serialized() + "\n")
        } else {
            var out = context.style.bold("REGISTER \(aor.raw)") + " at \(outcome.server) (\(transport.rawValue)), contact \(outcome.contact)\n"
            out += LiveRouting.text(route)
            for step in outcome.steps {
                let ms = DiagnoseRendering.fixed(step.ms, 0)
                out += String(repeating: " ", count: max(0, 8 - ms.count)) + ms + " ms  " + step.label + "\n"
            }
            if !outcome.bindings.isEmpty { out += "bindings: " + outcome.bindings.joined(separator: ", ") + "\n" }
            if let seen = outcome.seenFrom { out += "the registrar sees us at \(seen)\n" }
            out += (passed ? context.style.green("OK") : context.style.red("FAILED")) + (reason.map { ": " + $0 } ?? "") + "\n"
            context.stdout.write(out)
        }
        return passed ? .success : .failure
    }

    /// A registration failure as a stable code and a sentence for a person (shared with
    /// `call --register`).
    static func describe(_ failure: Registration.Failure?) -> (code: String, reason: String)? {
        switch failure {
        case .rejected(let response):
            return ("rejected", "\(response.statusCode) \(response.reasonPhrase)")
        case .credentialsRejected(let response, let username, let realm):
            return ("credentials-rejected", "\(response.statusCode) \(response.reasonPhrase): the credentials for '\(username)' in realm '\(realm)' were rejected (is '\(username)' the SIP username, not the account or dashboard name?)")
        case .cannotAuthenticate(let response, let why):
            return ("cannot-authenticate", "\(response.statusCode) \(response.reasonPhrase): \(why)")
        case .timeout:
            return ("timeout", "no response: the registrar is down, the port or transport is wrong, or a firewall drops the packets")
        case .transportError:
            return ("transport-error", "the network refused the packets")
        case nil:
            return nil
        }
    }

    /// Why a REGISTER against one RFC 3263 target lets the next one be tried (§4.3): a
    /// transport error, Timer F, or 503. Nil when the result stands.
    @Sendable static func failoverReason(_ outcome: RegisterOutcome) -> String? {
        if outcome.interrupted { return nil }
        switch outcome.failure {
        case .timeout: return "no response (Timer F, 64*T1)"
        case .transportError: return outcome.steps.last?.label ?? "transport error"
        case .rejected(let response) where response.statusCode == 503: return "\(response.statusCode) \(response.reasonPhrase)"
        default: return nil
        }
    }
}
