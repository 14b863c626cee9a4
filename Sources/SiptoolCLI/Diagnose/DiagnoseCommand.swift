import Diagnosis
import PacketDecoding
import PcapIO
import SIPMessages

#if canImport(Glibc)
import Glibc
#endif

/// Feeds captured frames to the decoder and the analyzer, keeping what the report says about the
/// capture itself (frame count, first and last time, a snap length warning).
struct PacketPump {
    var analyzer: CaptureAnalyzer
    var decoder = PacketDecoder()
    private(set) var frames = 0
    private(set) var first: CaptureTime?
    private(set) var last = CaptureTime.zero
    private var snaplenWarned = false
    var warnings: [String] = []
    /// The captures' names, for warnings.
    private let paths: [String]

    init(analyzer: CaptureAnalyzer, paths: [String]) {
        self.analyzer = analyzer
        self.paths = paths
    }

    /// One frame of capture `file`; `frameNumber` is what findings cite (the capture's own, or the
    /// merged count).
    mutating func take(_ packet: CapturedPacket, frameNumber: Int, file: Int) {
        self.frames += 1
        let time = CaptureTime(nanosecondsSinceEpoch: packet.nanosecondsSinceEpoch)
        if self.first == nil { self.first = time }
        if time > self.last { self.last = time }
        if !self.snaplenWarned && packet.bytes.count < packet.originalLength && packet.bytes.count < 1500 {
            self.snaplenWarned = true
            self.warnings.append("\(self.paths[file]): packets were cut to \(packet.bytes.count) bytes by the capture's snaplen; "
                + "SIP messages longer than that cannot be read (capture with -s 0)")
        }
        self.decoder.decode(
            frame: packet.bytes, linkType: LinkType(rawValue: packet.linkType), timestamp: time, frameNumber: frameNumber,
            into: &self.analyzer)
    }
}

/// `siptool diagnose CAPTURE...`: reads captures in one streaming pass, ties each SIP dialog to its
/// RTP, and explains every call with findings, evidence and fixes.
enum DiagnoseCommand {
    static let spec = CommandSpec(
        name: "diagnose",
        abstract: "Explain the calls in a packet capture: what failed, why, the evidence and the fix.",
        discussion: """
            Reads pcap or pcapng captures (or - for standard input, e.g. `tcpdump -w - | siptool diagnose -`), \
            several at once merged by time. Recognises SIP by content on any port over UDP and TCP \
            (reassembled), through VLANs, PPPoE, IP-in-IP, GRE and ERSPAN tunnels and IP fragments, and inside \
            HEP3 copies sent to a Homer collector; ties RTP \
            and RTCP to each call through its SDP, and finds RTP no SDP announced. For every call it reports \
            the outcome and timings (post-dial delay, answer, setup, duration), a ladder diagram, per-stream \
            RTP statistics (tshark-compatible numbers and RFC 3550 ones, MOS by the E-model) and findings \
            with a stable code: authentication (auth.*), transactions (txn.*), call outcome (call.*), codecs \
            (sdp.*), NAT (nat.*), media (media.*) and quality (quality.*).
            Exit status: 0 when no finding reaches --fail-on, 1 when one does, 65 for a capture that is not \
            a capture, 66 for a missing or unreadable file.
            """,
        options: [
            OptionSpec("json", help: "Print the report as JSON (schema siptool.diagnose/1)."),
            OptionSpec("call", .value(placeholder: "call-id"), help: "Show only the call with this Call-ID.", repeatable: true),
            OptionSpec("number", .value(placeholder: "number"), help: "Show only calls whose From, To or Request-URI contains this number or user."),
            OptionSpec("problems", help: "Show only calls with a warning or an error."),
            OptionSpec("fail-on", .value(placeholder: "severity"), help: "Exit with status 1 when a finding at or above this severity exists: info, warning or error.", default: "error"),
            OptionSpec("password-env", .value(placeholder: "variable"), help: "Read a candidate password from this environment variable and recompute captured digest responses with it (never printed)."),
            OptionSpec("password-file", .value(placeholder: "file"), help: "Read the candidate password from the first line of this file (never printed)."),
            OptionSpec("no-ladder", help: "Do not draw the ladder diagram."),
            OptionSpec("no-heuristic-rtp", help: "Only count RTP that SDP announced (tshark's default); by default RTP is also found heuristically."),
        ],
        positionals: [PositionalSpec("capture", help: "A pcap or pcapng file, or - for standard input.", repeating: true)],
        examples: [
            ("siptool diagnose failed-call.pcap", "Explain every call in the capture."),
            ("tcpdump -i any -w - port 5060 or udp portrange 10000-20000 | siptool diagnose -", "Diagnose live traffic as it is captured (Ctrl-C ends the capture)."),
            ("SIP_PW=... siptool diagnose --password-env SIP_PW --problems trunk.pcap", "Find out whether a rejected login used the wrong password."),
            ("siptool diagnose --json --fail-on warning ci-run.pcap", "Fail a CI job on any warning, with a machine-readable report."),
        ],
        run: { arguments, context in try DiagnoseCommand.run(arguments, context) }
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let paths = arguments.positionals
        let failOn = try arguments.value("fail-on") { (text: String) throws(ValueError) -> FindingSeverity in
            let choice = try ValueParsers.choice(text, among: FindingSeverity.allCases.map(\.rawValue))
            return FindingSeverity(rawValue: choice)!
        } ?? .error
        var options = AnalyzerOptions()
        options.heuristicRTP = !arguments.flag("no-heuristic-rtp")
        options.candidatePassword = try Self.password(arguments, context)

        // Open every file first, so a missing one fails before any work.
        var readers: [CaptureReader] = []
        for path in paths {
            do {
                readers.append(try CaptureReader(path: path))
            } catch {
                let code: ExitCode = error.isInputUnavailable ? .noInput : .dataError
                throw CLIError(code, error.description)
            }
        }
        let progress = ProgressReporter(context: context, readers: readers)
        var pump = PacketPump(analyzer: CaptureAnalyzer(options: options), paths: paths)
        if readers.count == 1 {
            // One capture (the usual case): no merging, the capture's own frame numbers.
            let reader = readers[0]
            while let packet = reader.nextPacket() {
                pump.take(packet, frameNumber: packet.frameNumber, file: 0)
                if pump.frames & 0xFFFF == 0 { progress.update() }
            }
        } else {
            // Merge by time: one pending packet per reader.
            var pending: [CapturedPacket?] = readers.map { $0.nextPacket() }
            while true {
                var chosen = -1
                for (index, packet) in pending.enumerated() {
                    guard let packet else { continue }
                    if chosen < 0 || packet.nanosecondsSinceEpoch < pending[chosen]!.nanosecondsSinceEpoch { chosen = index }
                }
                guard chosen >= 0, let packet = pending[chosen] else { break }
                pump.take(packet, frameNumber: pump.frames + 1, file: chosen)
                if pump.frames & 0xFFFF == 0 { progress.update() }
                pending[chosen] = readers[chosen].nextPacket()
            }
        }
        let (frames, first, last) = (pump.frames, pump.first, pump.last)
        var warnings = pump.warnings
        pump.decoder.flush(now: last, into: &pump.analyzer)
        progress.finish()
        for reader in readers {
            if let truncation = reader.truncation { warnings.append("\(reader.path): \(truncation)") }
        }
        if frames > 0 && pump.analyzer.counters.sipMessages == 0 && pump.analyzer.counters.unparseableSIP == 0 {
            warnings.append("no SIP found in \(frames) frame(s): SIP over TLS, on SCTP or in HEP over TCP cannot be read; check the capture filter")
        }
        let counters = pump.analyzer.counters
        if counters.unparseableSIP > 0 || counters.lenientlyParsedSIP > 0 {
            let samples = counters.unparseableSamples.map { "frame \($0.frame): \($0.reason)" }.joined(separator: "; ")
            var text = "\(counters.unparseableSIP) SIP message(s) could not be parsed"
            if counters.lenientlyParsedSIP > 0 {
                text += ", \(counters.lenientlyParsedSIP) had an invalid Request-URI and were read without it"
            }
            warnings.append(text + " (\(samples))")
        }
        if counters.unreadableHEP > 0 {
            let samples = counters.hepSamples.map { "frame \($0.frame): \($0.reason)" }.joined(separator: "; ")
            warnings.append("\(counters.unreadableHEP) of \(counters.hepMessages) HEP3 datagram(s) could not be read (\(samples))")
        }
        let result = pump.analyzer.finish()
        let overview = DiagnoseRendering.Overview(
            files: paths.map { $0 == "-" ? "<stdin>" : $0 }, frames: frames, captureStart: first ?? .zero, captureEnd: last,
            counters: pump.analyzer.counters, calls: result.calls, unassociated: result.unassociated, warnings: warnings
        )
        let shown = Self.filter(result.calls, arguments)
        if arguments.flag("json") {
            var bytes = DiagnoseRendering.json(overview, shown: shown).serializedBytes()
            bytes.append(0x0A)
            context.stdout.write(utf8: bytes)
        } else {
            context.stdout.write(DiagnoseRendering.text(overview, shown: shown, ladder: !arguments.flag("no-ladder"), style: context.style))
        }
        let failing = shown.contains { call in call.findings.contains { $0.severity >= failOn } }
        return failing ? .failure : .success
    }

    static func filter(_ calls: [CallReport], _ arguments: ParsedArguments) -> [CallReport] {
        var shown = calls
        let ids = arguments.values("call")
        if !ids.isEmpty { shown = shown.filter { ids.contains($0.summary.callID) } }
        if let number = arguments.value("number") {
            shown = shown.filter { call in
                [call.summary.from, call.summary.to, call.summary.requestURI].contains { $0?.contains(number) == true }
            }
        }
        if arguments.flag("problems") {
            shown = shown.filter { ($0.worstSeverity ?? .info) >= .warning }
        }
        return shown
    }

    /// The candidate password, from an environment variable or a file; never from the command line.
    static func password(_ arguments: ParsedArguments, _ context: CommandContext) throws(CLIError) -> String? {
        try LiveSupport.passwordFromOptions(arguments, context, command: "diagnose")
    }
}

/// A progress line on stderr for long captures, only when stderr is a terminal.
final class ProgressReporter {
    private let context: CommandContext
    private let readers: [CaptureReader]
    private let total: Int
    private var shown = false

    init(context: CommandContext, readers: [CaptureReader]) {
        self.context = context
        self.readers = readers
        var total = 0
        for reader in readers where reader.path != "-" {
            var info = stat()
            if stat(reader.path, &info) == 0 { total += Int(info.st_size) }
        }
        self.total = context.stderrIsTerminal && total > 20_000_000 ? total : 0
    }

    func update() {
        guard self.total > 0 else { return }
        let done = self.readers.reduce(0) { $0 + ($1.bytesRead ?? 0) }
        let percent = min(100, done * 100 / self.total)
        let bar = String(repeating: "#", count: percent / 4) + String(repeating: ".", count: 25 - percent / 4)
        self.context.stderr.write("\rdiagnose [\(bar)] \(percent)%")
        self.shown = true
    }

    func finish() {
        if self.shown { self.context.stderr.write("\r" + String(repeating: " ", count: 40) + "\r") }
    }
}
