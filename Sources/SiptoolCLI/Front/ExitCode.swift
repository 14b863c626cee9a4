/// The process exit status, following sysexits(3) as swift-argument-parser does, so scripts and CI
/// can tell "the check found a problem" from "you called me wrong" from "the input is broken".
public struct ExitCode: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// 0: success; nothing wrong was found.
    public static let success = ExitCode(0)
    /// 1: the check failed or problems were found (a failed call, an error-level finding, a message
    /// that must be rejected).
    public static let failure = ExitCode(1)
    /// 64 (EX_USAGE): the command line is wrong: unknown option, bad value, missing argument.
    public static let usage = ExitCode(64)
    /// 65 (EX_DATAERR): the input data is invalid: an unparseable message, a corrupt capture.
    public static let dataError = ExitCode(65)
    /// 66 (EX_NOINPUT): an input file is missing or unreadable.
    public static let noInput = ExitCode(66)
    /// 69 (EX_UNAVAILABLE): a peer or the network is unavailable.
    public static let unavailable = ExitCode(69)
    /// 70 (EX_SOFTWARE): an internal error (a bug in siptool).
    public static let software = ExitCode(70)
    /// 73 (EX_CANTCREAT): an output file cannot be created.
    public static let cannotCreate = ExitCode(73)

    /// Every code siptool uses, with its meaning: help text and the man page are checked against it.
    public static let documented: [(ExitCode, String)] = [
        (.success, "success: nothing wrong was found"),
        (.failure, "the check failed or problems were found"),
        (.usage, "usage error: unknown option, bad value, missing argument"),
        (.dataError, "invalid input data: unparseable message, corrupt capture"),
        (.noInput, "input missing or unreadable"),
        (.unavailable, "peer or network unavailable"),
        (.software, "internal error"),
        (.cannotCreate, "an output file cannot be created"),
    ]

    public var description: String { String(self.rawValue) }
}

/// An error a command reports to the user: one line, and the exit code it maps to.
///
/// Commands throw it for everything the user can act on (a missing file, a bad capture); the front
/// prints `siptool: <message>` on stderr and exits with the code.
public struct CLIError: Error, Hashable, Sendable, CustomStringConvertible {
    public var exitCode: ExitCode
    public var message: String
    /// For usage errors: the command whose usage line to print after the message.
    public var usageOf: String?
    /// For usage errors: an extra "Help:" line (the option's help text).
    public var helpLine: String?

    public init(_ exitCode: ExitCode, _ message: String, usageOf: String? = nil, helpLine: String? = nil) {
        self.exitCode = exitCode
        self.message = message
        self.usageOf = usageOf
        self.helpLine = helpLine
    }

    /// A usage error (exit 64) about `command`'s arguments.
    public static func usage(_ message: String, command: String?, help: String? = nil) -> CLIError {
        CLIError(.usage, message, usageOf: command ?? "", helpLine: help)
    }

    public var description: String { self.message }
}
