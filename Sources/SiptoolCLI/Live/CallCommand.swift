import DNSResolution
import Diagnosis
import NIOCore
import PacketDecoding
import RTP
import SDP
import SIPMessages
import SIPUserAgent
import SiptoolRuntime

/// `siptool call NUMBER-OR-URI`: places a real call through a trunk, sends and receives RTP, and
/// judges the result with the same rules as `diagnose` (the packets it sent and received are
/// analysed exactly as a capture would be).
enum CallCommand {
    static let spec = CommandSpec(
        name: "call",
        abstract: "Place a test call through a SIP trunk and report signalling, audio each way and quality.",
        discussion: """
            Sends an INVITE (SDP offer: PCMU, PCMA, G.722, telephone-event; see --codecs) over UDP, TCP or TLS to the trunk, answers digest \
            challenges, sends speech-like test audio (or --audio FILE.wav) for --duration once answered, \
            receives the far end's RTP, then hangs up. The verdict comes from the same analysis as \
            `siptool diagnose` run on the call's own packets, so the findings have the same codes and words. \
            An E.164 number becomes sip:+NUMBER@TRUNK;user=phone. Settings may come from the environment: \
            SIPTOOL_TRUNK, SIPTOOL_USERNAME, SIPTOOL_AUTH_USERNAME, SIPTOOL_PASSWORD. \
            Ctrl-C cancels (CANCEL while ringing, BYE once answered) so nothing is left up on the trunk.
            A trunk that is a domain name without a port is located with RFC 3263 (NAPTR SIP+D2U/SIP+D2T, SRV \
            _sip._udp/_sip._tcp, A/AAAA) through /etc/resolv.conf or --dns-server (SIPTOOL_DNS_SERVER); when a \
            target gives ICMP port unreachable, a refused TCP connection, Timer B or 503, the next one is tried. \
            Over TLS the server's certificate is verified against the system trust store (and --ca), with \
            the trunk's host name as SNI; SSLKEYLOGFILE=FILE appends the session keys so a capture can be \
            decrypted by Wireshark or tshark.
            Exit status: 0 when the call was answered and audio flowed both ways, 1 otherwise, 64 for bad \
            arguments, 69 when the network is unavailable (no route, cannot bind, cannot resolve).
            """,
        options: [
            OptionSpec("trunk", .value(placeholder: "host[:port]"), help: "Where to send the INVITE (default: the URI's host, or SIPTOOL_TRUNK)."),
            OptionSpec("username", short: "u", .value(placeholder: "user"), help: "The user in From (and for authentication unless --auth-username); SIPTOOL_USERNAME."),
            OptionSpec("auth-username", .value(placeholder: "user"), help: "The digest username when it differs from the From user; SIPTOOL_AUTH_USERNAME."),
            OptionSpec("password-env", .value(placeholder: "variable"), help: "Read the password from this environment variable (default SIPTOOL_PASSWORD)."),
            OptionSpec("password-file", .value(placeholder: "file"), help: "Read the password from the first line of this file."),
            OptionSpec("password-prompt", help: "Ask for the password on the terminal, without echo."),
            OptionSpec("from-domain", .value(placeholder: "domain"), help: "The domain in From (default: the trunk host)."),
            OptionSpec("display-name", .value(placeholder: "name"), help: "The caller's display name in From."),
            OptionSpec("header", short: "H", .value(placeholder: "'Name: value'"), help: "Add a header to the INVITE (e.g. 'X-Agent-Id: 42').", repeatable: true),
            OptionSpec("duration", short: "d", .value(placeholder: "duration"), help: "How long to keep the answered call up.", default: "10s"),
            OptionSpec("ring-timeout", .value(placeholder: "duration"), help: "Give up (CANCEL) when unanswered after this long.", default: "60s"),
            OptionSpec("transport", short: "t", .value(placeholder: "udp|tcp|tls"), help: "SIP transport (a sips: URI means TLS; TLS port 5061 by default).", default: "udp"),
        ] + LiveSupport.tlsOptions + [
            OptionSpec("local-ip", .value(placeholder: "address"), help: "Local address for SIP and RTP (default: the one routing to the trunk)."),
            OptionSpec("local-port", .value(placeholder: "port"), help: "Local SIP port (default: any free one).", default: "0"),
            OptionSpec("rtp-ports", .value(placeholder: "low-high"), help: "Range for the local RTP port.", default: "16384-32767"),
            OptionSpec("codecs", .value(placeholder: "list"), help: "Codecs to offer, in order of preference: pcmu, pcma, g722 (telephone-event is always added).", default: "pcmu,pcma,g722"),
            OptionSpec("audio", .value(placeholder: "file.wav"), help: "Send this WAV file (any common rate; looped) instead of generated speech-like audio."),
            OptionSpec("record", .value(placeholder: "file.wav"), help: "Write the received audio to this WAV file."),
            OptionSpec("dtmf", .value(placeholder: "digits"), help: "Send these DTMF digits as RFC 4733 events."),
            OptionSpec("dtmf-at", .value(placeholder: "duration"), help: "When to start sending --dtmf after the answer.", default: "2s"),
            OptionSpec("follow-redirects", help: "On a 3xx, call the first Contact of the redirect (a new INVITE, new Call-ID; at most 5 hops, loops refused)."),
            OptionSpec("pcap", .value(placeholder: "file"), help: "Write every SIP and RTP packet of the call to this pcap (readable by tshark and siptool diagnose)."),
            OptionSpec("no-symmetric-rtp", help: "Send RTP only to the SDP address, even when the far end's packets come from elsewhere."),
            OptionSpec("register", help: "REGISTER with the trunk first (same credentials; over UDP the same local port), remove the binding after the call."),
            OptionSpec("realtime", help: "Pace RTP on a real-time (SCHED_FIFO) thread: steadier timing on a busy machine; needs root or CAP_SYS_NICE."),
            OptionSpec("concurrent", .value(placeholder: "count"), help: "Place this many calls at once (a load test); prints a summary."),
            OptionSpec("rate", .value(placeholder: "calls/s"), help: "With --concurrent: how many calls to start per second.", default: "50"),
            LiveRouting.option,
            OptionSpec("json", help: "Print the report as JSON (schema siptool.call/1, or siptool.call-load/1 with --concurrent)."),
        ] + Profiles.options,
        positionals: [PositionalSpec("target", help: "An E.164 number (+15550011234), a user, or a sip: URI.")],
        examples: [
            ("SIPTOOL_PASSWORD=... siptool call --trunk sip.example.com -u 1001 +15550011234", "Test a trunk end to end."),
            ("siptool call --duration 5s --pcap call.pcap sip:echo@127.0.0.1:5080", "Call a local echo service and keep the capture."),
            ("siptool call -H 'X-Agent-Id: 42' --dtmf 123# +15550011234", "Send a routing header and DTMF digits."),
        ],
        run: { arguments, context in try CallCommand.run(arguments, context) }
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        var options = try Self.options(arguments, context)
        if let count = try arguments.value("concurrent", { (text: String) throws(ValueError) -> Int in try ValueParsers.integer(text, in: 1...5000) }) {
            let rate = try arguments.value("rate") { (text: String) throws(ValueError) -> Double in
                guard let value = Double(text), value > 0, value <= 1000 else { throw ValueError("expected calls per second between 0 and 1000") }
                return value
            } ?? 50
            guard arguments.value("record") == nil else { throw CLIError.usage("--record records one call; it cannot be used with --concurrent.", command: "call") }
            // RFC 3263 once for the whole load: every call goes to the first target (a load test
            // measures one server; failing over call by call would mix servers in the figures).
            let route = try Self.routingPlan(options, arguments, context).map { plan in try Self.pinFirstTarget(plan, &options) }
            return try CallLoad.run(options, count: count, rate: rate, route: route, arguments: arguments, context: context)
        }
        var plan = try Self.routingPlan(options, arguments, context)
        let log = PacketLog()
        Interrupt.install()
        var registration: Registered?
        var pinnedRoute: RouteReport?
        if arguments.flag("register"), let routing = plan {
            // REGISTER and INVITE must reach the same server from the same port: the first
            // RFC 3263 target is used for both, without failover.
            pinnedRoute = try Self.pinFirstTarget(routing, &options)
            plan = nil
        }
        if arguments.flag("register") {
            let registered = try Self.register(&options, log: log)
            registration = registered
            guard registered.outcome.registered else {
                return try Self.reportRegistrationFailure(registered, options: options, log: log, arguments: arguments, context: context)
            }
        }
        // The call, and with --follow-redirects each new INVITE to a 3xx's Contact (sent straight
        // to that Contact's host and port: RFC 3263 routing applies to the first target only).
        var last: CallOutcome?
        var route: RouteReport?
        var current = options
        var currentPlan = plan
        var hops: [CallOutcome.RedirectHop] = []
        var earlier: [CallOutcome.Moment] = []
        let firstStart = ContinuousClock.now
        var follower = RedirectFollower(initialTarget: options.target, maximumHops: Self.maximumRedirects)
        while true {
            let start = ContinuousClock.now
            var outcome: CallOutcome
            do {
                let routed = try LiveSupport.onEventLoop(realtime: arguments.flag("realtime"), context: context) { [current, currentPlan] loop -> EventLoopFuture<Routed<CallOutcome>> in
                    guard let plan = currentPlan else { return CallSession.run(current, on: loop, log: log).map { Routed(outcome: $0, route: nil) } }
                    return ServerRouting.run(plan, on: loop, attempt: { [current] target, more in
                        CallSession.run(current.aimed(at: target, domain: plan.request.host, moreFollow: more), on: loop, log: log)
                    }, failure: Self.failoverReason)
                }
                outcome = routed.outcome
                if hops.isEmpty { route = routed.route ?? pinnedRoute }
            } catch {
                throw LiveSupport.cliError(error)
            }
            let offset = Self.milliseconds(start - firstStart)
            outcome.timeline = earlier + outcome.timeline.map { CallOutcome.Moment(label: $0.label, ms: $0.ms + offset) }
            last = outcome
            guard arguments.flag("follow-redirects"), !outcome.interrupted, case .rejected(let response)? = outcome.failure,
                (300..<400).contains(response.statusCode)
            else { break }
            var hop = CallOutcome.RedirectHop(
                target: current.target.raw, callID: outcome.callID, status: response.statusCode, reason: response.reasonPhrase,
                contacts: outcome.redirectContacts)
            let decision = follower.decide(response)
            if case .stop(let why) = decision { hop.stop = why }
            hops.append(hop)
            guard case .follow(let next) = decision else {
                outcome.timeline.append(CallOutcome.Moment(label: "redirect not followed: \(hop.stop ?? "")", ms: outcome.timeline.last?.ms ?? 0))
                last = outcome
                break
            }
            outcome.timeline.append(CallOutcome.Moment(label: "following the redirect to \(next.raw) (hop \(hops.count))", ms: outcome.timeline.last?.ms ?? 0))
            earlier = outcome.timeline
            current.target = next
            current.serverHost = next.host
            current.serverPort = next.port ?? 5060
            current.connectUDP = false
            currentPlan = nil
        }
        guard var outcome = last else { return .failure }
        outcome.redirectHops = hops
        if var registered = registration {
            // Leave nothing behind on the trunk: remove the binding made for this test.
            registered.options.unregisterOnly = true
            let removal = try? LiveSupport.onEventLoop { loop in RegisterSession.run(registered.options, on: loop, log: log) }
            registered.unregistered = removal?.unregistered ?? false
            registration = registered
        }
        try LiveSupport.writePcap(log, arguments)
        if let path = arguments.value("record") { try LiveSupport.writeWAV(outcome.recorded, sampleRate: outcome.recordedSampleRate, path: path) }
        // No candidate password for the analysis: siptool computed the digest from that very
        // password, so "the response matches it" would say nothing and mislead.
        let analysis = log.analyze(options: AnalyzerOptions())
        let report = analysis.calls.first { $0.summary.callID == outcome.callID }
        let counters = analysis.counters
        let verdict = Verdict(outcome: outcome, report: report)
        if arguments.flag("json") {
            var json = Self.json(outcome, options: options, report: report, verdict: verdict, log: log, counters: counters, route: route)
            if let registration, case .object(var fields) = json {
                fields.insert(("registration", registration.json), at: min(fields.count, 6))
                json = .object(fields)
            }
            context.stdout.write(json.serialized() + "\n")
        } else {
            let text = Self.text(outcome, options: options, report: report, verdict: verdict, style: context.style, log: log, counters: counters, route: route)
            context.stdout.write((registration.map { $0.line + "\n" } ?? "") + text)
        }
        return verdict.passed ? .success : .failure
    }

    /// The REGISTER made before the call with --register, and whether it was removed afterwards.
    struct Registered {
        var options: RegisterOptions
        var outcome: RegisterOutcome
        var unregistered = false

        var failure: (code: String, reason: String)? { RegisterCommand.describe(self.outcome.failure) }

        var json: JSONValue {
            .object([
                ("registrar", .string(self.outcome.server)),
                ("contact", .string(self.outcome.contact)),
                ("registered", .bool(self.outcome.registered)),
                ("granted_expires", .int(self.outcome.grantedExpires)),
                ("unregistered", .bool(self.unregistered)),
                ("failure", .string(self.failure?.code)),
                ("reason", .string(self.failure?.reason)),
            ])
        }

        var line: String {
            if self.outcome.registered {
                let expiry = self.outcome.grantedExpires.map { " for \($0) s" } ?? ""
                return "Registered \(self.outcome.contact) at \(self.outcome.server)\(expiry)" + (self.unregistered ? "; removed after the call" : "; the binding could not be removed after the call")
            }
            return "REGISTER at \(self.outcome.server) failed" + (self.failure.map { ": \($0.reason)" } ?? "")
        }
    }

    /// Resolves `plan` (RFC 3263) and aims `options` at its first target, for runs that must not
    /// fail over (a REGISTER and its call; a load test): the route, with that target as chosen.
    static func pinFirstTarget(_ plan: ServerRouting.Plan, _ options: inout CallOptions) throws -> RouteReport {
        do {
            var report = try LiveSupport.onEventLoop { loop in ServerRouting.locate(plan, on: loop) }
            let first = report.resolution.targets[0]
            options = options.aimed(at: first, domain: plan.request.host, moreFollow: false)
            report.attempts = [RouteReport.Attempt(target: first, failure: nil)]
            return report
        } catch {
            throw LiveSupport.cliError(error)
        }
    }

    /// REGISTERs the call's From user with the trunk before the call, over the call's transport.
    /// Over UDP from the local port the call will use (chosen now when none was given), so the
    /// registered contact is where the INVITE comes from; over TCP and TLS each opens its own
    /// connection (the registrar binds the account; its Contact names the first connection).
    static func register(_ options: inout CallOptions, log: PacketLog) throws -> Registered {
        if options.transport == .udp && options.localPort == 0 { options.localPort = try LiveSupport.freeUDPPort(host: options.localHost) }
        var register = RegisterOptions(
            registrar: SIPURI(host: options.fromDomain), serverHost: options.serverHost, serverPort: options.serverPort,
            user: options.fromUser, domain: options.fromDomain)
        register.username = options.username
        register.password = options.password
        register.expires = 300
        register.localHost = options.localHost
        register.localPort = options.localPort
        register.userAgent = options.userAgent
        register.transport = options.transport
        register.tls = options.tls
        let outcome: RegisterOutcome
        do {
            outcome = try LiveSupport.onEventLoop { loop in RegisterSession.run(register, on: loop, log: log) }
        } catch {
            throw LiveSupport.cliError(error)
        }
        return Registered(options: register, outcome: outcome)
    }

    /// The call was not placed because its REGISTER failed: say why, exit 1.
    static func reportRegistrationFailure(_ registered: Registered, options: CallOptions, log: PacketLog, arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        try LiveSupport.writePcap(log, arguments)
        if arguments.flag("json") {
            context.stdout.write(JSONValue.object([
                ("schema", .string("siptool.call/1")),
                ("target", .string(options.target.raw)),
                ("server", .string(registered.outcome.server)),
                ("registration", registered.json),
                ("answered", .bool(false)),
                ("failure", .string("registration-failed")),
                ("verdict", .string("fail")),
                ("verdict_reason", .string("not called: " + registered.line)),
            ]).serialized() + "\n")
        } else {
            context.stdout.write(registered.line + "\n" + context.style.red("FAIL") + ": not called, the REGISTER failed\n")
        }
        return .failure
    }

    /// RFC 3261 §8.1.3.4 leaves the limit to the client; 5 hops is plenty for real redirect chains.
    static let maximumRedirects = 5

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    /// Pass only when answered with audio both ways (the issue's definition of a working trunk).
    struct Verdict {
        var passed: Bool
        var reason: String

        init(outcome: CallOutcome, report: CallReport?) {
            if !outcome.answered {
                self.passed = false
                switch outcome.failure {
                case .rejected(let response) where response.statusCode == 420:
                    let options = response.headers.values(.unsupported)
                    self.reason = "not answered: 420 \(response.reasonPhrase): the far end does not support "
                        + (options.isEmpty ? "an extension siptool required" : options.joined(separator: ", "))
                case .rejected(let response) where (300..<400).contains(response.statusCode):
                    let contacts = outcome.redirectContacts
                    self.reason = "not answered: \(response.statusCode) \(response.reasonPhrase): redirected to "
                        + (contacts.isEmpty ? "no Contact" : contacts.joined(separator: ", "))
                        + (outcome.redirectHops.last?.stop.map { " (not followed: \($0))" } ?? " (use --follow-redirects to follow)")
                case .rejected(let response): self.reason = "not answered: \(response.statusCode) \(response.reasonPhrase)"
                case .credentialsRejected(_, let username, let realm):
                    self.reason = "not answered: the credentials for '\(username)' in realm '\(realm)' were rejected"
                case .cannotAuthenticate(_, let why): self.reason = "not answered: cannot authenticate (\(why))"
                case .timeout: self.reason = "not answered: no response to the INVITE (dropped on the way, or nothing listens there)"
                case .transportError: self.reason = "not answered: the network refused the packets"
                case .cancelled where !outcome.unsupportedExtensions.isEmpty:
                    self.reason = "not answered: the far end requires \(outcome.unsupportedExtensions.joined(separator: ", ")), which siptool does not support (cancelled)"
                case .cancelled: self.reason = outcome.interrupted ? "interrupted before the answer" : "not answered before the ring timeout"
                case nil: self.reason = "not answered"
                }
            } else if outcome.rtpReceived == 0 && outcome.rtpSent == 0 {
                self.passed = false
                self.reason = "answered, but no audio either way"
            } else if outcome.rtpReceived == 0 {
                self.passed = false
                self.reason = "one-way audio: \(outcome.rtpSent) RTP packets sent, none received"
            } else if outcome.rtpSent == 0 {
                self.passed = false
                self.reason = "one-way audio: RTP received but none could be sent"
            } else {
                self.passed = true
                self.reason = "answered, audio both ways"
            }
        }
    }

    /// RFC 3263 applies when the trunk (--trunk, SIPTOOL_TRUNK or the URI's host) is a domain
    /// name without a port. An explicit --transport restricts the lookup to that transport.
    static func routingPlan(_ options: CallOptions, _ arguments: ParsedArguments, _ context: CommandContext) throws(CLIError) -> ServerRouting.Plan? {
        let trunkText = arguments.value("trunk") ?? context.environment("SIPTOOL_TRUNK")
        let explicitPort: Bool
        if let trunkText, !trunkText.isEmpty {
            explicitPort = (try? ValueParsers.hostPort(trunkText))?.port != nil
        } else {
            explicitPort = options.target.port != nil
        }
        let secure = options.target.scheme.lowercased() == "sips"
        let transports = LiveRouting.transports(arguments, chosen: options.transport, secure: secure, defaults: [.udp, .tcp])
        return try LiveRouting.plan(
            host: options.serverHost, explicitPort: explicitPort, transport: transports.pinned, secure: secure,
            supported: transports.supported, arguments, context, command: "call")
    }

    /// Why a call attempt against one RFC 3263 target lets the next one be tried (§4.3): no
    /// answer before Timer B, a transport error (ICMP port unreachable, TCP refused), or 503.
    @Sendable static func failoverReason(_ outcome: CallOutcome) -> String? {
        guard !outcome.answered, !outcome.interrupted else { return nil }
        switch outcome.failure {
        case .timeout: return "no final response (Timer B, 64*T1)"
        case .transportError: return outcome.timeline.last(where: { $0.label.hasPrefix("ICMP") || $0.label.hasPrefix("sending") })?.label ?? "transport error"
        case .rejected(let response) where response.statusCode == 503: return "\(response.statusCode) \(response.reasonPhrase)"
        default: return nil
        }
    }

    static func options(_ arguments: ParsedArguments, _ context: CommandContext) throws(CLIError) -> CallOptions {
        let command = "call"
        guard let targetText = arguments.positionals.first else { throw CLIError.usage("Missing the number or URI to call.", command: command) }
        let trunkText = arguments.value("trunk") ?? context.environment("SIPTOOL_TRUNK")
        let transport = try LiveSupport.transport(arguments, secureURI: targetText.lowercased().hasPrefix("sips:"), command: command)
        let defaultPort = transport.defaultPort
        var target: SIPURI
        var trunk: (String, Int)?
        if let trunkText, !trunkText.isEmpty { trunk = try LiveSupport.hostPort(trunkText, defaultPort: defaultPort, option: "trunk", command: command) }
        if targetText.lowercased().hasPrefix("sip:") || targetText.lowercased().hasPrefix("sips:") {
            do {
                target = try SIPURI.parse(targetText)
            } catch {
                throw CLIError.usage("Invalid SIP URI '\(targetText)': \(error.reason)", command: command)
            }
            if trunk == nil { trunk = (target.host, target.port ?? defaultPort) }
        } else {
            guard let trunk else {
                throw CLIError.usage("Calling '\(targetText)' needs a trunk: give --trunk HOST[:PORT] or set SIPTOOL_TRUNK.", command: command)
            }
            let isNumber = targetText.first == "+" && targetText.dropFirst().allSatisfy(\.isNumber) && targetText.count > 1
            guard isNumber || targetText.allSatisfy({ $0.isLetter || $0.isNumber || "-_.!~*'()&=+$,;?/".contains($0) }) else {
                throw CLIError.usage("Invalid target '\(targetText)': expected an E.164 number (+15550011234), a user or a sip: URI.", command: command)
            }
            let port = trunk.1 == defaultPort ? nil : trunk.1
            target = SIPURI(user: targetText, host: trunk.0, port: port, parameters: isNumber ? [SIPParameter(name: "user", value: "phone")] : [])
        }
        guard let (serverHost, serverPort) = trunk else { throw CLIError.usage("No trunk to send to.", command: command) }
        let username = arguments.value("username") ?? context.environment("SIPTOOL_USERNAME") ?? "siptool"
        var options = CallOptions(
            target: target, serverHost: serverHost, serverPort: serverPort, fromUser: username,
            fromDomain: arguments.value("from-domain") ?? serverHost)
        options.displayName = arguments.value("display-name")
        options.username = arguments.value("auth-username") ?? context.environment("SIPTOOL_AUTH_USERNAME") ?? username
        options.password = try LiveSupport.password(arguments, context, command: command)
        for header in arguments.values("header") {
            guard let colon = header.firstIndex(of: ":"), !header[..<colon].isEmpty,
                header[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." })
            else {
                throw CLIError.usage("Invalid value '\(header)' for '--header': expected 'Name: value'.", command: command)
            }
            let value = String(header[header.index(after: colon)...].drop { $0 == " " || $0 == "\t" })
            guard !value.contains("\r"), !value.contains("\n") else {
                throw CLIError.usage("Invalid value for '--header': a header value cannot contain a line break.", command: command)
            }
            options.extraHeaders.append((String(header[..<colon]), value))
        }
        options.duration = try LiveSupport.duration(arguments, "duration", default: .seconds(10))
        options.ringTimeout = try LiveSupport.duration(arguments, "ring-timeout", default: .seconds(60))
        options.dtmfAt = try LiveSupport.duration(arguments, "dtmf-at", default: .seconds(2))
        options.transport = transport
        options.tls = try LiveSupport.tlsSettings(arguments, context, transport: transport, command: command)
        options.localHost = arguments.value("local-ip")
        options.localPort = try arguments.value("local-port") { (text: String) throws(ValueError) -> Int in try ValueParsers.port(text, allowZero: true) } ?? 0
        if let ports = arguments.value("rtp-ports") { options.rtpPorts = try LiveSupport.portRange(ports, command: command) }
        if let codecs = try LiveSupport.codecs(arguments) { options.codecs = codecs }
        if let dtmf = arguments.value("dtmf") {
            guard !dtmf.isEmpty, dtmf.allSatisfy({ RTPSender.event(for: $0) != nil }) else {
                throw CLIError.usage("Invalid value '\(dtmf)' for '--dtmf': use the digits 0-9, *, # and A-D.", command: command)
            }
            options.dtmf = dtmf
        }
        if let path = arguments.value("audio") { options.audio = try LiveSupport.audio(path: path) }
        options.record = arguments.value("record") != nil
        options.symmetricRTP = !arguments.flag("no-symmetric-rtp")
        options.userAgent = "siptool/\(SiptoolMain.version)"
        return options
    }

    // MARK: - Rendering

    static func overview(_ report: CallReport?, log: PacketLog, counters: AnalyzerCounters) -> DiagnoseRendering.Overview {
        Self.overview(report.map { [$0] } ?? [], log: log, counters: counters)
    }

    /// The diagnose renderer's view of a live command's own packets.
    static func overview(_ reports: [CallReport], log: PacketLog, counters: AnalyzerCounters) -> DiagnoseRendering.Overview {
        let frames = log.frames()
        let start = CaptureTime(nanosecondsSinceEpoch: frames.first?.nanoseconds ?? 0)
        let end = CaptureTime(nanosecondsSinceEpoch: frames.last?.nanoseconds ?? 0)
        return DiagnoseRendering.Overview(
            files: ["<live>"], frames: frames.count, captureStart: start, captureEnd: end, counters: counters,
            calls: reports, unassociated: [], warnings: [])
    }

    static func text(
        _ outcome: CallOutcome, options: CallOptions, report: CallReport?, verdict: Verdict, style: TerminalStyle, log: PacketLog, counters: AnalyzerCounters,
        route: RouteReport? = nil
    ) -> String {
        var out = style.bold("Calling \(options.target.raw)") + " via \(outcome.server) (\(outcome.transport)) from \(outcome.local)\n"
        out += LiveRouting.text(route) + "\n"
        for moment in outcome.timeline {
            let ms = DiagnoseRendering.fixed(moment.ms, 0)
            out += String(repeating: " ", count: max(0, 8 - ms.count)) + ms + " ms  " + moment.label + "\n"
        }
        if outcome.answered {
            out += "\n" + style.bold("Audio") + "\n"
            var sent = "  out: \(outcome.rtpSent) RTP packets" + (outcome.codec.map { " (\($0))" } ?? "") + " to \(outcome.observedMedia ?? outcome.announcedMedia ?? "?")"
            if let first = outcome.firstRTPOutAfterAnswerMs { sent += ", first \(DiagnoseRendering.fixed(first, 0)) ms after the answer" }
            var received = "  in:  \(outcome.rtpReceived) RTP packets"
            if let observed = outcome.observedMedia { received += " from \(observed)" }
            if let first = outcome.firstRTPInAfterAnswerMs { received += ", first \(DiagnoseRendering.fixed(first, 0)) ms after the answer" }
            if let announced = outcome.announcedMedia, let observed = outcome.observedMedia, announced != observed {
                received += " (its SDP said \(announced): symmetric RTP \(options.symmetricRTP ? "used" : "not used"))"
            }
            out += sent + "\n" + received + "\n"
        }
        if let report {
            out += "\n" + DiagnoseRendering.callText(report, number: 1, overview: Self.overview(report, log: log, counters: counters), ladder: true, style: style)
        }
        out += "\n" + style.bold("Verdict: ") + (verdict.passed ? style.green("PASS") : style.red("FAIL")) + " - " + verdict.reason + "\n"
        return out
    }

    /// One re-INVITE or UPDATE from the far end, for the JSON reports of `call` and `answer`.
    static func json(_ change: SessionRefresh.Change) -> JSONValue {
        .object([
            ("method", .string(change.method.rawValue)),
            ("had_offer", .bool(change.hadOffer)),
            ("remote_direction", .string(change.remoteDirection)),
            ("local_direction", .string(change.localDirection)),
            ("local_sdp_version", .string(change.localVersion)),
            ("version_changed", .bool(change.versionChanged)),
            ("session_expires", .string(change.sessionExpires)),
            ("held_by_remote", .bool(change.heldByRemote)),
        ])
    }

    static func json(
        _ outcome: CallOutcome, options: CallOptions, report: CallReport?, verdict: Verdict, log: PacketLog, counters: AnalyzerCounters, route: RouteReport? = nil
    ) -> JSONValue {
        let analysis = DiagnoseRendering.json(Self.overview(report, log: log, counters: counters), shown: report.map { [$0] } ?? [])
        var failure: String?
        switch outcome.failure {
        case .rejected: failure = "rejected"
        case .credentialsRejected: failure = "credentials-rejected"
        case .cannotAuthenticate: failure = "cannot-authenticate"
        case .timeout: failure = "timeout"
        case .transportError: failure = "transport-error"
        case .cancelled: failure = "cancelled"
        case nil: failure = nil
        }
        return .object([
            ("schema", .string("siptool.call/1")),
            ("target", .string(options.target.raw)),
            ("server", .string(outcome.server)),
            ("transport", .string(outcome.transport)),
            ("local", .string(outcome.local)),
            ("call_id", .string(outcome.callID)),
            ("answered", .bool(outcome.answered)),
            ("final_status", .int(outcome.finalStatus)),
            ("final_reason", .string(outcome.finalReason)),
            ("failure", .string(failure)),
            ("ended_by_remote", outcome.endedByRemote.map { .bool($0) } ?? .null),
            ("interrupted", .bool(outcome.interrupted)),
            ("authentication_rounds", .int(outcome.authenticationRounds)),
            ("pracks_sent", .int(outcome.pracksSent)),
            ("pracks_answered", .int(outcome.pracksAnswered)),
            ("unsupported_extensions", .array(outcome.unsupportedExtensions.map { .string($0) })),
            ("redirect_contacts", .array(outcome.redirectContacts.map { .string($0) })),
            ("redirects", .array(outcome.redirectHops.map { hop in
                .object([
                    ("target", .string(hop.target)),
                    ("call_id", .string(hop.callID)),
                    ("status", .int(hop.status)),
                    ("reason", .string(hop.reason)),
                    ("contacts", .array(hop.contacts.map { .string($0) })),
                    ("not_followed", .string(hop.stop)),
                ])
            })),
            ("remote_refreshes", .array(outcome.remoteRefreshes.map(Self.json))),
            ("timeline", .array(outcome.timeline.map { .object([("label", .string($0.label)), ("ms", .number($0.ms, decimals: 1))]) })),
            ("rtp", .object([
                ("sent", .int(outcome.rtpSent)),
                ("received", .int(outcome.rtpReceived)),
                ("codec", .string(outcome.codec)),
                ("announced_remote", .string(outcome.announcedMedia)),
                ("observed_remote", .string(outcome.observedMedia)),
                ("first_in_after_answer_ms", .number(outcome.firstRTPInAfterAnswerMs, decimals: 1)),
                ("first_out_after_answer_ms", .number(outcome.firstRTPOutAfterAnswerMs, decimals: 1)),
            ])),
            ("verdict", .string(verdict.passed ? "pass" : "fail")),
            ("verdict_reason", .string(verdict.reason)),
            ("resolution", LiveRouting.json(route)),
            ("analysis", analysis),
        ])
    }
}
