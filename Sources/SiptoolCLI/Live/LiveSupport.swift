import Diagnosis
import NIOCore
import NIOPosix
import PacketDecoding
import RTP
import SDP
import SiptoolRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// What the live commands (call, answer, options, register) share: secrets, event loops,
/// audio files, and turning runtime errors into exit codes.
enum LiveSupport {
    /// The password for digest authentication, from (in order) --password-env, --password-file,
    /// SIPTOOL_PASSWORD, or a prompt without echo with --password-prompt. Never from the command line.
    static func password(_ arguments: ParsedArguments, _ context: CommandContext, command: String) throws(CLIError) -> String? {
        if let password = try Self.passwordFromOptions(arguments, context, command: command) { return password }
        if let value = context.environment("SIPTOOL_PASSWORD"), !value.isEmpty { return value }
        if arguments.flag("password-prompt") { return try Self.prompt("Password: ") }
        return nil
    }

    /// The password named by --password-env or --password-file (shared with `diagnose`, whose
    /// candidate password comes from the same two options).
    static func passwordFromOptions(_ arguments: ParsedArguments, _ context: CommandContext, command: String) throws(CLIError) -> String? {
        if let variable = arguments.value("password-env") {
            guard let value = context.environment(variable), !value.isEmpty else {
                throw CLIError.usage("The environment variable '\(variable)' named by '--password-env' is not set.", command: command)
            }
            return value
        }
        if let path = arguments.value("password-file") {
            let bytes = try InputFile.readAll(path: path, limit: 4096)
            let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let password = line.hasSuffix("\r") ? String(line.dropLast()) : line
            guard !password.isEmpty else { throw CLIError(.dataError, "'\(path)' named by --password-file is empty") }
            return password
        }
        return nil
    }

    /// Writes the packet log to --pcap, when asked for.
    static func writePcap(_ log: PacketLog, _ arguments: ParsedArguments) throws(CLIError) {
        guard let path = arguments.value("pcap") else { return }
        do {
            try log.writePcap(to: path)
        } catch {
            throw Self.cliError(error)
        }
    }

    /// Reads a line from the terminal with echo off.
    static func prompt(_ text: String) throws(CLIError) -> String {
        let descriptor = open("/dev/tty", O_RDWR)
        guard descriptor >= 0 else { throw CLIError(.usage, "--password-prompt needs a terminal; use --password-env or --password-file") }
        defer { close(descriptor) }
        var original = termios()
        tcgetattr(descriptor, &original)
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(descriptor, TCSANOW, &silent)
        defer {
            tcsetattr(descriptor, TCSANOW, &original)
            _ = write(descriptor, "\n", 1)
        }
        _ = text.withCString { write(descriptor, $0, strlen($0)) }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count < 1024, read(descriptor, &byte, 1) == 1, byte != 10 { bytes.append(byte) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A UDP port that is free on `host` now (the kernel picks it), for commands that must use the
    /// same local port in two steps (`call --register`).
    static func freeUDPPort(host: String?) throws(CLIError) -> Int {
        do {
            return try Addressing.freeUDPPort(host: host ?? "0.0.0.0")
        } catch {
            throw CLIError(.unavailable, error.message)
        }
    }

    /// Runs `body` on a one-thread event loop and waits for its result. With `realtime` (the
    /// `--realtime` option) the loop's thread asks for SCHED_FIFO priority 10, so the RTP pacing
    /// on it preempts ordinary processes on a busy machine; when that is not permitted a warning
    /// goes to `context`'s stderr and the thread keeps its normal (nice -10 if allowed) priority.
    static func onEventLoop<T: Sendable>(realtime: Bool = false, context: CommandContext? = nil, _ body: (EventLoop) -> EventLoopFuture<T>) throws -> T {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        // RTP is paced on this thread: ask for a higher scheduling priority (nice -10) so a busy
        // machine delays its 20 ms ticks less (on Linux, "who = 0" is the calling thread only).
        // Allowed for root or with CAP_SYS_NICE; otherwise the request fails and nothing changes.
        try? loop.submit { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, -10) }.wait()
        if realtime {
            // sched_setscheduler(0, ...) changes the calling thread only. The kernel's RT
            // throttling (sched_rt_runtime_us) still leaves other processes 5 % of each second.
            let error = try? loop.submit { () -> Int32 in
                var parameter = sched_param()
                parameter.sched_priority = 10
                return sched_setscheduler(0, SCHED_FIFO, &parameter) == 0 ? 0 : errno
            }.wait()
            if let error, error != 0 {
                context?.stderr.write("siptool: warning: --realtime: \(String(cString: strerror(error))) (needs root or CAP_SYS_NICE); RTP is paced at normal priority\n")
            }
        }
        return try body(loop).wait()
    }

    /// A runtime or NIO error as a CLI error with its documented exit code.
    static func cliError(_ error: Error) -> CLIError {
        if let error = error as? CLIError { return error }
        if let error = error as? RuntimeError {
            switch error.kind {
            case .network: return CLIError(.unavailable, error.message)
            case .file: return CLIError(.cannotCreate, error.message)
            case .input: return CLIError(.dataError, error.message)
            }
        }
        return CLIError(.unavailable, "network error: \(error)")
    }

    /// 8 kHz audio from a WAV file (any common rate and format, converted).
    static func audio(path: String) throws(CLIError) -> CallAudio {
        let bytes = try InputFile.readAll(path: path, limit: 200 * 1024 * 1024)
        do {
            return CallAudio(try WAVAudio.parse(bytes))
        } catch {
            throw CLIError(.dataError, "\(path): not usable audio: \(error)")
        }
    }

    /// A 16-bit PCM WAV of `samples`, written atomically.
    static func writeWAV(_ samples: [Int16], sampleRate: Int, path: String) throws(CLIError) {
        try OutputFile.writeAtomically(path: path, bytes: WAVAudio(samples: samples, sampleRate: sampleRate).encoded())
    }

    /// The codec names `--codecs` accepts.
    static let codecNames = ["pcmu", "pcma", "g722"]

    /// `--codecs pcmu,pcma,g722` (any subset, in the order of preference) into the SDP codecs,
    /// telephone-event (payload type 101) added last; nil when the option is absent.
    static func codecs(_ arguments: ParsedArguments) throws(CLIError) -> [SDPCodec]? {
        guard arguments.value("codecs") != nil else { return nil }
        let names = try arguments.value("codecs") { (text: String) throws(ValueError) -> [String] in
            try ValueParsers.list(text) { (item: String) throws(ValueError) -> String in
                try ValueParsers.choice(item.lowercased(), among: Self.codecNames)
            }
        } ?? []
        var codecs: [SDPCodec] = []
        for name in names {
            let codec: SDPCodec = name == "pcmu" ? .pcmu : name == "pcma" ? .pcma : .g722
            if !codecs.contains(codec) { codecs.append(codec) }
        }
        return codecs + [.telephoneEvent(101)]
    }

    /// "host[:port]" into host and port (IPv6 in brackets).
    static func hostPort(_ text: String, defaultPort: Int, option: String, command: String) throws(CLIError) -> (String, Int) {
        do {
            let parsed = try ValueParsers.hostPort(text)
            return (parsed.host, parsed.port ?? defaultPort)
        } catch {
            throw CLIError.usage("Invalid value '\(text)' for '--\(option)': \(error.message)", command: command)
        }
    }

    /// "16000-17000" into a range of even-start RTP ports.
    static func portRange(_ text: String, command: String) throws(CLIError) -> ClosedRange<Int> {
        let parts = text.split(separator: "-").map { Int($0) }
        guard parts.count == 2, let low = parts[0], let high = parts[1], low >= 1024, high <= 65534, high - low >= 3 else {
            throw CLIError.usage("Invalid value '\(text)' for '--rtp-ports': expected LOW-HIGH within 1024-65534, at least 4 ports", command: command)
        }
        return low...high
    }

    /// The SIP transport from --transport; a sips: URI means TLS (RFC 3261 §19.1), and asking
    /// for another transport with one is a usage error.
    static func transport(_ arguments: ParsedArguments, secureURI: Bool = false, command: String) throws(CLIError) -> SIPClientTransport.Kind {
        let chosen = try arguments.value("transport") { (text: String) throws(ValueError) -> String in
            try ValueParsers.choice(text.lowercased(), among: ["udp", "tcp", "tls"])
        }
        let kind: SIPClientTransport.Kind
        switch chosen {
        case "tcp"?: kind = .tcp
        case "tls"?: kind = .tls
        case "udp"?: kind = .udp
        default: kind = secureURI ? .tls : .udp
        }
        if secureURI && kind != .tls {
            throw CLIError.usage("A sips: URI needs TLS; drop '--transport \(kind.rawValue.lowercased())' or use a sip: URI.", command: command)
        }
        return kind
    }

    /// Certificate checks for a TLS client from --ca and --insecure, a client certificate from
    /// --cert and --key (mutual TLS), and the key log from SSLKEYLOGFILE. --insecure prints a one-line warning on stderr (verification is off).
    static func tlsSettings(_ arguments: ParsedArguments, _ context: CommandContext, transport: SIPClientTransport.Kind, command: String) throws(CLIError) -> TLSClientSettings {
        var settings = TLSClientSettings()
        settings.caFile = arguments.value("ca")
        settings.insecure = arguments.flag("insecure")
        if transport != .tls && (settings.caFile != nil || settings.insecure) {
            throw CLIError.usage("--ca and --insecure apply to TLS only; add '--transport tls'.", command: command)
        }
        if settings.insecure {
            if settings.caFile != nil { throw CLIError.usage("--ca and --insecure contradict each other; use one.", command: command) }
            context.stderr.write("siptool \(command): warning: --insecure: the server's TLS certificate is not verified; anyone on the path can pose as the server\n")
        }
        if let path = settings.caFile, access(path, R_OK) != 0 {
            throw CLIError(.noInput, "cannot read the CA file '\(path)' named by --ca")
        }
        settings.certificateFile = arguments.value("cert")
        settings.keyFile = arguments.value("key")
        if settings.certificateFile != nil || settings.keyFile != nil {
            guard transport == .tls else { throw CLIError.usage("--cert and --key apply to TLS only; add '--transport tls'.", command: command) }
            guard let certificate = settings.certificateFile, let key = settings.keyFile else {
                throw CLIError.usage("A client certificate needs both '--cert FILE' and '--key FILE' (PEM).", command: command)
            }
            if access(certificate, R_OK) != 0 { throw CLIError(.noInput, "cannot read '\(certificate)' named by --cert") }
            if access(key, R_OK) != 0 { throw CLIError(.noInput, "cannot read '\(key)' named by --key") }
        }
        if let path = context.environment("SSLKEYLOGFILE"), !path.isEmpty, transport == .tls { settings.keyLogFile = path }
        return settings
    }

    /// The TLS options every client command shares.
    static let tlsOptions: [OptionSpec] = [
        OptionSpec("ca", .value(placeholder: "file.pem"), help: "With TLS: also trust the CA certificates in this PEM file (a private CA)."),
        OptionSpec("insecure", help: "With TLS: do not verify the server's certificate (prints a warning)."),
        OptionSpec("cert", .value(placeholder: "file.pem"), help: "With TLS: present this client certificate chain (PEM, leaf first), for mutual TLS."),
        OptionSpec("key", .value(placeholder: "file.pem"), help: "With TLS: the private key (PEM) of the client certificate."),
    ]

    /// A duration option.
    static func duration(_ arguments: ParsedArguments, _ name: String, default value: Duration) throws(CLIError) -> Duration {
        try arguments.value(name) { (text: String) throws(ValueError) -> Duration in try ValueParsers.duration(text) } ?? value
    }
}
