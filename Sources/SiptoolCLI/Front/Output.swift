#if canImport(Glibc)
import Glibc
#endif

/// Where a command writes text. The real front writes to file descriptors; tests capture it.
public protocol TextSink: AnyObject {
    func write(_ text: String)
    /// Writes UTF-8 bytes (a large report, without making a String of it first).
    func write(utf8 bytes: [UInt8])
}

extension TextSink {
    /// By default, as text.
    public func write(utf8 bytes: [UInt8]) { self.write(String(decoding: bytes, as: UTF8.self)) }
}

/// Writes to a file descriptor, all of it, quietly stopping on a closed pipe (`siptool lint x | head -1`).
public final class FileDescriptorSink: TextSink {
    public let descriptor: Int32
    private var broken = false

    public init(descriptor: Int32) { self.descriptor = descriptor }

    public func write(_ text: String) {
        var text = text
        text.withUTF8 { self.write(buffer: UnsafeRawBufferPointer($0)) }
    }

    public func write(utf8 bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.write(buffer: $0) }
    }

    private func write(buffer: UnsafeRawBufferPointer) {
        guard !self.broken else { return }
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(self.descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                // EPIPE or another error: the reader is gone; drop the rest.
                self.broken = true
                return
            }
        }
    }
}

/// Collects everything written, for tests.
public final class BufferSink: TextSink {
    public private(set) var text = ""
    public init() {}
    public func write(_ text: String) { self.text += text }
}

/// Everything a command may touch of the outside world: output streams, environment, terminals.
/// Commands never print or read the environment directly, so tests run them in-process.
public final class CommandContext {
    public let stdout: TextSink
    public let stderr: TextSink
    /// Looks up an environment variable (a dictionary in tests, getenv(3) for the real process).
    private let environmentLookup: (String) -> String?
    public let stdoutIsTerminal: Bool
    public let stderrIsTerminal: Bool
    public let stdinIsTerminal: Bool
    /// Set by `--no-color`.
    public var colorDisabledByFlag = false

    public init(
        stdout: TextSink,
        stderr: TextSink,
        environment: [String: String] = [:],
        stdoutIsTerminal: Bool = false,
        stderrIsTerminal: Bool = false,
        stdinIsTerminal: Bool = false
    ) {
        self.stdout = stdout
        self.stderr = stderr
        self.environmentLookup = { environment[$0] }
        self.stdoutIsTerminal = stdoutIsTerminal
        self.stderrIsTerminal = stderrIsTerminal
        self.stdinIsTerminal = stdinIsTerminal
    }

    init(
        stdout: TextSink,
        stderr: TextSink,
        environmentLookup: @escaping (String) -> String?,
        stdoutIsTerminal: Bool,
        stderrIsTerminal: Bool,
        stdinIsTerminal: Bool
    ) {
        self.stdout = stdout
        self.stderr = stderr
        self.environmentLookup = environmentLookup
        self.stdoutIsTerminal = stdoutIsTerminal
        self.stderrIsTerminal = stderrIsTerminal
        self.stdinIsTerminal = stdinIsTerminal
    }

    /// The context of the real process: fds 0, 1 and 2 and the process environment.
    public static func process() -> CommandContext {
        CommandContext(
            stdout: FileDescriptorSink(descriptor: 1),
            stderr: FileDescriptorSink(descriptor: 2),
            environmentLookup: { name in getenv(name).map { String(cString: $0) } },
            stdoutIsTerminal: isatty(1) == 1,
            stderrIsTerminal: isatty(2) == 1,
            stdinIsTerminal: isatty(0) == 1
        )
    }

    /// The value of an environment variable, if set.
    public func environment(_ name: String) -> String? { self.environmentLookup(name) }

    /// Styling for stdout: colour only on a terminal, never with NO_COLOR, TERM=dumb or --no-color.
    public var style: TerminalStyle { TerminalStyle(enabled: self.colorAllowed(terminal: self.stdoutIsTerminal)) }

    /// Styling for stderr.
    public var errorStyle: TerminalStyle { TerminalStyle(enabled: self.colorAllowed(terminal: self.stderrIsTerminal)) }

    func colorAllowed(terminal: Bool) -> Bool {
        // https://no-color.org: any non-empty NO_COLOR disables colour.
        if let noColor = self.environment("NO_COLOR"), !noColor.isEmpty { return false }
        if self.environment("TERM") == "dumb" { return false }
        return terminal && !self.colorDisabledByFlag
    }
}

/// ANSI styling that turns into plain text when colour is off.
public struct TerminalStyle: Sendable {
    public let enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    func wrap(_ text: String, _ code: String) -> String { self.enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    public func bold(_ text: String) -> String { self.wrap(text, "1") }
    public func dim(_ text: String) -> String { self.wrap(text, "2") }
    public func red(_ text: String) -> String { self.wrap(text, "31") }
    public func green(_ text: String) -> String { self.wrap(text, "32") }
    public func yellow(_ text: String) -> String { self.wrap(text, "33") }
    public func cyan(_ text: String) -> String { self.wrap(text, "36") }
}
