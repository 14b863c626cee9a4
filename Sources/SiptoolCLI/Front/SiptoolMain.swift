/// The front door: picks the command, parses its arguments, runs it, and turns every error into one
/// line on stderr and a documented exit code.
public enum SiptoolMain {
    /// siptool's version, printed by `--version`.
    public static let version = "0.1.0"

    /// Runs siptool with `arguments` (without the program name) and returns the exit status.
    public static func run(arguments: [String], context: CommandContext, commands: [CommandSpec] = CommandTable.all) -> Int32 {
        if arguments.contains("--no-color") { context.colorDisabledByFlag = true }
        guard let first = arguments.first else {
            context.stderr.write(HelpText.topLevel(commands, style: context.errorStyle))
            return ExitCode.usage.rawValue
        }
        switch first {
        case "--help", "-h":
            context.stdout.write(HelpText.topLevel(commands, style: context.style))
            return ExitCode.success.rawValue
        case "--version":
            context.stdout.write("siptool \(Self.version)\n")
            return ExitCode.success.rawValue
        default:
            break
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            var message = first.hasPrefix("-") ? "Unknown option '\(first)'." : "Unknown command '\(first)'."
            let names = commands.map(\.name)
            if let suggestion = Suggestions.closest(to: first.trimmingDashes(), among: names) {
                message += " Did you mean '\(suggestion)'?"
            }
            Self.report(CLIError.usage(message, command: nil), command: nil, context: context)
            return ExitCode.usage.rawValue
        }
        do {
            let matched = try ArgumentMatcher.match(Array(arguments.dropFirst()), against: command)
            if matched.flag("help") {
                context.stdout.write(HelpText.command(command, style: context.style))
                return ExitCode.success.rawValue
            }
            let parsed = try Profiles.apply(to: matched, command: command, context: context)
            do {
                return try command.run(parsed, context).rawValue
            } catch let error as CLIError {
                throw Profiles.pointingAtOrigin(error, parsed)
            }
        } catch let error as CLIError {
            Self.report(error, command: command, context: context)
            return error.exitCode.rawValue
        } catch {
            context.stderr.write("siptool: internal error: \(error)\n")
            return ExitCode.software.rawValue
        }
    }

    static func report(_ error: CLIError, command: CommandSpec?, context: CommandContext) {
        let style = context.errorStyle
        if error.exitCode == .usage {
            var text = style.red("Error:") + " \(error.message)\n"
            if let help = error.helpLine { text += "Help:  \(help)\n" }
            text += HelpText.usageReminder(error.usageOf == nil ? nil : command)
            context.stderr.write(text)
        } else {
            context.stderr.write(style.red("siptool:") + " \(error.message)\n")
        }
    }
}

extension String {
    func trimmingDashes() -> String {
        var copy = Substring(self)
        while copy.first == "-" { copy = copy.dropFirst() }
        return String(copy)
    }
}
