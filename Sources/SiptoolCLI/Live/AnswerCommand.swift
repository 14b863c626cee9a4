import Diagnosis
import NIOCore
import PacketDecoding
import SDP
import SiptoolRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// `siptool answer`: a user agent server that answers calls as told (ring, then 200 with echo or
/// test audio, or a rejection code), for testing a trunk's or platform's outbound side and as the
/// far end of `siptool call`.
enum AnswerCommand {
    static let spec = CommandSpec(
        name: "answer",
        abstract: "Answer incoming calls (echo, test audio, or a chosen rejection) and report each one.",
        discussion: """
            Listens for SIP over UDP, TCP or TLS (--transport; TLS presents --cert and --key, PEM) and \
            answers every INVITE, over as many connections as callers open (responses and BYE go back on \
            the caller's connection): 100, 180, then after --ring the final \
            response: 200 OK with an SDP answer (PCMU, PCMA or G.722, telephone-event) and RTP (test audio, a WAV \
            file, or --echo: every received packet is sent back), or the --respond code (486, 488, 603, \
            404, ...). The 200 is retransmitted until the ACK arrives (BYE after 32 s without one). Many \
            calls at once; each is reported, with the same analysis as `siptool diagnose`, when the service \
            stops: after --calls N calls, after --run-for, or on Ctrl-C (calls still up get BYE).
            Exit status: 0 after a normal stop, 64 for bad arguments, 69 when the address cannot be bound.
            """,
        options: [
            OptionSpec("listen", short: "l", .value(placeholder: "host:port"), help: "Address and port to listen on (port 5061 by default for TLS).", default: "0.0.0.0:5060"),
            OptionSpec("transport", short: "t", .value(placeholder: "udp|tcp|tls"), help: "SIP transport to listen on.", default: "udp"),
            OptionSpec("cert", .value(placeholder: "file.pem"), help: "With TLS: the certificate chain to present (PEM, leaf first)."),
            OptionSpec("key", .value(placeholder: "file.pem"), help: "With TLS: the certificate's private key (PEM)."),
            OptionSpec("client-ca", .value(placeholder: "file.pem"), help: "With TLS: require a client certificate from these CAs (mutual TLS)."),
            OptionSpec("respond", .value(placeholder: "code"), help: "Final response: 200 answers, 300-699 rejects (e.g. 486, 488, 603).", default: "200"),
            OptionSpec("reason", .value(placeholder: "text"), help: "Reason phrase for a rejection."),
            OptionSpec("ring", .value(placeholder: "duration"), help: "Ring (180) this long before the final response.", default: "0s"),
            OptionSpec("100rel", help: "Send the 180 reliably (Require: 100rel, RSeq) when the caller supports it, and wait for its PRACK before the final response."),
            OptionSpec("echo", help: "Send every received RTP packet back (the standard far end for `siptool call`)."),
            OptionSpec("audio", .value(placeholder: "file.wav"), help: "Play this WAV file (looped) instead of generated speech-like audio."),
            OptionSpec("duration", short: "d", .value(placeholder: "duration"), help: "Hang up answered calls after this long (default: wait for the caller's BYE, at most 1 h)."),
            OptionSpec("calls", short: "n", .value(placeholder: "count"), help: "Stop after this many calls have ended."),
            OptionSpec("run-for", .value(placeholder: "duration"), help: "Stop after this long."),
            OptionSpec("rtp-ports", .value(placeholder: "low-high"), help: "Range for local RTP ports.", default: "16384-32767"),
            OptionSpec("codecs", .value(placeholder: "list"), help: "Codecs to accept: pcmu, pcma, g722 (telephone-event is always added); the caller's order decides which is used.", default: "pcmu,pcma,g722"),
            OptionSpec("record-dir", .value(placeholder: "directory"), help: "Write each call's received audio to DIRECTORY/CALL-ID.wav."),
            OptionSpec("pcap", .value(placeholder: "file"), help: "Write every SIP and RTP packet to this pcap."),
            OptionSpec("realtime", help: "Pace RTP on a real-time (SCHED_FIFO) thread: steadier timing on a busy machine; needs root or CAP_SYS_NICE."),
            OptionSpec("json", help: "Print the report as JSON (schema siptool.answer/1)."),
        ] + Profiles.options,
        examples: [
            ("siptool answer --listen 127.0.0.1:5080 --echo", "An echo service for `siptool call sip:echo@127.0.0.1:5080`."),
            ("siptool answer --respond 486 --calls 1", "Reject the next call as busy."),
            ("siptool answer -t tls --listen '[::1]:5061' --cert server.pem --key server.key --echo", "An echo service over TLS on IPv6 loopback."),
            ("siptool answer --ring 3s --duration 20s --pcap inbound.pcap", "Answer inbound trunk calls after 3 s of ringing and keep the capture."),
        ],
        run: { arguments, context in try AnswerCommand.run(arguments, context) }
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let command = "answer"
        let transport = try LiveSupport.transport(arguments, command: command)
        let (host, port) = try LiveSupport.hostPort(
            arguments.value("listen") ?? "0.0.0.0:\(transport.defaultPort)", defaultPort: transport.defaultPort, option: "listen", command: command)
        var options = AnswerOptions(listenHost: host, listenPort: port)
        options.transport = transport
        let certificate = arguments.value("cert")
        let key = arguments.value("key")
        if transport == .tls {
            guard let certificate, let key else {
                throw CLIError.usage("Listening for TLS needs '--cert FILE' and '--key FILE' (PEM).", command: command)
            }
            if access(certificate, R_OK) != 0 { throw CLIError(.noInput, "cannot read '\(certificate)' named by --cert") }
            if access(key, R_OK) != 0 { throw CLIError(.noInput, "cannot read '\(key)' named by --key") }
            var tls = TLSServerSettings(certificateFile: certificate, keyFile: key)
            if let path = context.environment("SSLKEYLOGFILE"), !path.isEmpty { tls.keyLogFile = path }
            if let authorities = arguments.value("client-ca") {
                if access(authorities, R_OK) != 0 { throw CLIError(.noInput, "cannot read '\(authorities)' named by --client-ca") }
                tls.clientCAFile = authorities
            }
            options.tls = tls
        } else if certificate != nil || key != nil || arguments.value("client-ca") != nil {
            throw CLIError.usage("--cert, --key and --client-ca apply to TLS only; add '--transport tls'.", command: command)
        }
        options.status = try arguments.value("respond") { (text: String) throws(ValueError) -> Int in
            let code = try ValueParsers.integer(text, in: 200...699)
            guard code == 200 || code >= 300 else { throw ValueError("use 200 to answer or a code from 300 to 699 to reject") }
            return code
        } ?? 200
        options.reason = arguments.value("reason")
        options.ringFor = try LiveSupport.duration(arguments, "ring", default: .zero)
        options.echo = arguments.flag("echo")
        options.reliableProvisional = arguments.flag("100rel")
        if let path = arguments.value("audio") { options.audio = try LiveSupport.audio(path: path) }
        if arguments.value("duration") != nil { options.hangUpAfter = try LiveSupport.duration(arguments, "duration", default: .seconds(10)) }
        options.calls = try arguments.value("calls") { (text: String) throws(ValueError) -> Int in try ValueParsers.integer(text, in: 1...1_000_000) }
        if arguments.value("run-for") != nil { options.runFor = try LiveSupport.duration(arguments, "run-for", default: .seconds(60)) }
        if let ports = arguments.value("rtp-ports") { options.rtpPorts = try LiveSupport.portRange(ports, command: command) }
        if let codecs = try LiveSupport.codecs(arguments) { options.codecs = codecs }
        let recordDirectory = arguments.value("record-dir")
        options.record = recordDirectory != nil
        options.userAgent = "siptool/\(SiptoolMain.version)"
        let log = PacketLog()
        Interrupt.install()
        // Room for many calls at once (two RTP/RTCP sockets each, plus TCP connections), sized
        // before the first call so no call's audio waits while the kernel grows the table.
        Descriptors.reserve(4096)
        let stderr = SinkBox(context.stderr)
        let calls: [AnsweredCall]
        do {
            calls = try LiveSupport.onEventLoop(realtime: arguments.flag("realtime"), context: context) { loop in
                AnswerService.run(options, on: loop, log: log) { address in
                    stderr.sink.write("siptool answer: listening on \(Addressing.hostPort(address.ipAddress ?? host, address.port ?? port)) (\(transport.rawValue)); Ctrl-C stops\n")
                }
            }
        } catch {
            throw LiveSupport.cliError(error)
        }
        try LiveSupport.writePcap(log, arguments)
        if let directory = recordDirectory {
            for call in calls where !call.recorded.isEmpty {
                let safe = String(call.callID.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
                try LiveSupport.writeWAV(call.recorded, sampleRate: call.recordedSampleRate, path: directory + "/" + safe + ".wav")
            }
        }
        let analysis = log.analyze()
        let reports = analysis.calls.filter { report in calls.contains { $0.callID == report.summary.callID } }
        let overview = CallCommand.overview(reports, log: log, counters: analysis.counters)
        if arguments.flag("json") {
            let json = JSONValue.object([
                ("schema", .string("siptool.answer/1")),
                ("listen", .string(Addressing.hostPort(host, port))),
                ("transport", .string(transport.rawValue)),
                ("calls", .array(calls.map { call in
                    .object([
                        ("call_id", .string(call.callID)),
                        ("from", .string(call.from)),
                        ("caller", .string(call.caller)),
                        ("status", .int(call.status)),
                        ("confirmed", .bool(call.confirmed)),
                        ("cancelled", .bool(call.cancelled)),
                        ("ack_timed_out", .bool(call.ackTimedOut)),
                        ("ended_by_remote", call.endedByRemote.map { .bool($0) } ?? .null),
                        ("rtp_sent", .int(call.rtpSent)),
                        ("rtp_received", .int(call.rtpReceived)),
                        ("codec", .string(call.codec)),
                        ("note", .string(call.note)),
                        ("remote_refreshes", .array(call.refreshes.map(CallCommand.json))),
                        ("reliable_180", .bool(call.reliable180)),
                        ("prack_received", .bool(call.prackReceived)),
                    ])
                })),
                ("analysis", DiagnoseRendering.json(overview, shown: reports)),
            ])
            context.stdout.write(json.serialized() + "\n")
        } else {
            var out = context.style.bold("\(calls.count) call(s) handled") + "\n"
            for call in calls {
                var line = "  \(call.callID) from \(call.caller): \(call.status)"
                if call.cancelled { line += ", cancelled by the caller" }
                if call.reliable180 { line += call.prackReceived ? ", reliable 180 PRACKed" : ", reliable 180 never PRACKed" }
                if call.confirmed { line += ", ACK received" }
                if call.ackTimedOut { line += ", no ACK (BYE sent after 64*T1)" }
                if call.status == 200 { line += ", RTP \(call.rtpSent) sent / \(call.rtpReceived) received" + (call.codec.map { " (\($0))" } ?? "") }
                if let byRemote = call.endedByRemote { line += byRemote ? ", ended by the caller" : ", ended by us" }
                if let note = call.note { line += " (\(note))" }
                out += line + "\n"
                for change in call.refreshes { out += "    " + CallSession.describe(change) + "\n" }
            }
            for (index, report) in reports.enumerated() {
                out += "\n" + DiagnoseRendering.callText(report, number: index + 1, overview: overview, ladder: true, style: context.style)
            }
            context.stdout.write(out)
        }
        return .success
    }
}

/// Lets the event loop write one line to stderr while the main thread only waits for it.
final class SinkBox: @unchecked Sendable {
    // Used by one thread at a time: the main thread is blocked in `wait()` meanwhile.
    let sink: TextSink

    init(_ sink: TextSink) {
        self.sink = sink
    }
}
