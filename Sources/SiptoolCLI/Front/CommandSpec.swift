/// One option of a command, declared once: the parser, the help text and the man-page check all
/// read this declaration.
public struct OptionSpec: Sendable {
    /// Flag (no value) or option taking one value.
    public enum Kind: Sendable, Equatable {
        case flag
        /// An option with a value; the placeholder names it in help (`--duration <duration>`).
        case value(placeholder: String)
    }

    /// The long name without dashes: `json` for `--json`.
    public var long: String
    /// The one-letter short name, if any: `v` for `-v`.
    public var short: Character?
    public var kind: Kind
    /// One line of help.
    public var help: String
    /// The option may be given several times (values collect in order).
    public var isRepeatable: Bool
    /// Shown as "(default: ...)" in help.
    public var defaultDescription: String?

    public init(_ long: String, short: Character? = nil, _ kind: Kind = .flag, help: String, repeatable: Bool = false, default defaultDescription: String? = nil) {
        self.long = long
        self.short = short
        self.kind = kind
        self.help = help
        self.isRepeatable = repeatable
        self.defaultDescription = defaultDescription
    }

    /// `--duration <duration>` or `--json`.
    public var synopsis: String {
        switch self.kind {
        case .flag: return "--\(self.long)"
        case .value(let placeholder): return "--\(self.long) <\(placeholder)>"
        }
    }

    /// `-d, --duration <duration>`.
    var helpSynopsis: String {
        (self.short.map { "-\($0), " } ?? "") + self.synopsis
    }
}

/// A positional argument.
public struct PositionalSpec: Sendable {
    public var name: String
    public var help: String
    public var isOptional: Bool
    /// Takes every remaining positional value.
    public var isRepeating: Bool

    public init(_ name: String, help: String, optional: Bool = false, repeating: Bool = false) {
        self.name = name
        self.help = help
        self.isOptional = optional
        self.isRepeating = repeating
    }

    var synopsis: String {
        let base = "<\(self.name)>" + (self.isRepeating ? " ..." : "")
        return self.isOptional ? "[\(base)]" : base
    }
}

/// A subcommand: its documentation, its arguments and what it does.
public struct CommandSpec: Sendable {
    public var name: String
    /// One line, shown in the command list.
    public var abstract: String
    /// A paragraph or more for `siptool help CMD`.
    public var discussion: String
    public var options: [OptionSpec]
    public var positionals: [PositionalSpec]
    /// Example invocations with a comment each.
    public var examples: [(command: String, comment: String)]
    /// Runs the command with parsed arguments; returns the exit code or throws a ``CLIError``.
    public var run: @Sendable (ParsedArguments, CommandContext) throws -> ExitCode

    public init(
        name: String,
        abstract: String,
        discussion: String = "",
        options: [OptionSpec] = [],
        positionals: [PositionalSpec] = [],
        examples: [(command: String, comment: String)] = [],
        run: @escaping @Sendable (ParsedArguments, CommandContext) throws -> ExitCode
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.options = options
        self.positionals = positionals
        self.examples = examples
        self.run = run
    }

    /// Options every command accepts.
    public static let globalOptions: [OptionSpec] = [
        OptionSpec("help", short: "h", help: "Show help for this command and exit."),
        OptionSpec("no-color", help: "Never use colour (colour is only used on a terminal, and never when NO_COLOR is set)."),
    ]

    /// Declared options plus the global ones.
    public var allOptions: [OptionSpec] { self.options + Self.globalOptions }

    /// `siptool lint [--json] [--quiet] <file>`.
    public var usage: String {
        var parts = ["siptool", self.name]
        for option in self.options { parts.append("[\(option.synopsis)\(option.isRepeatable ? " ..." : "")]") }
        for positional in self.positionals { parts.append(positional.synopsis) }
        return parts.joined(separator: " ")
    }
}

/// The result of matching argv against a command: flags given, option values, positionals.
public struct ParsedArguments: Sendable {
    public var command: String
    var flags: Set<String> = []
    var values: [String: [String]] = [:]
    public var positionals: [String] = []
    /// Where an option's value came from when not the command line ("profile 'x' (FILE:LINE)"),
    /// so an invalid value's error points at the line to fix.
    var origins: [String: String] = [:]

    /// True when the flag was given.
    public func flag(_ long: String) -> Bool { self.flags.contains(long) }

    /// The last value of an option (options given twice are refused unless repeatable).
    public func value(_ long: String) -> String? { self.values[long]?.last }

    /// Every value of a repeatable option, in order.
    public func values(_ long: String) -> [String] { self.values[long] ?? [] }

    /// Parses the option's value with `parse`, turning its error into a usage error that names the option.
    public func value<T>(_ long: String, _ parse: (String) throws(ValueError) -> T) throws(CLIError) -> T? {
        guard let text = self.value(long) else { return nil }
        do {
            return try parse(text)
        } catch {
            throw CLIError.usage("Invalid value '\(text)' for '--\(long)': \(error.message)", command: self.command)
        }
    }
}
