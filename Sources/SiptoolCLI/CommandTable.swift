/// Every command siptool knows, in the order help lists them. The parser, the help text and the man
/// page test all read this table.
public enum CommandTable {
    public static let all: [CommandSpec] = [
        DiagnoseCommand.spec,
        CallCommand.spec,
        AnswerCommand.spec,
        OptionsCommand.spec,
        RegisterCommand.spec,
        LintCommand.spec,
        HelpCommands.help,
        HelpCommands.version,
    ]
}

/// `siptool help [CMD]` and `siptool version`.
enum HelpCommands {
    static let help = CommandSpec(
        name: "help",
        abstract: "Show help for siptool or for one command.",
        positionals: [PositionalSpec("command", help: "The command to explain.", optional: true)],
        run: { arguments, context in
            guard let name = arguments.positionals.first else {
                context.stdout.write(HelpText.topLevel(CommandTable.all, style: context.style))
                return .success
            }
            guard let command = CommandTable.all.first(where: { $0.name == name }) else {
                var message = "Unknown command '\(name)'."
                if let suggestion = Suggestions.closest(to: name, among: CommandTable.all.map(\.name)) {
                    message += " Did you mean '\(suggestion)'?"
                }
                throw CLIError.usage(message, command: "help")
            }
            context.stdout.write(HelpText.command(command, style: context.style))
            return .success
        }
    )

    static let version = CommandSpec(
        name: "version",
        abstract: "Print siptool's version.",
        run: { _, context in
            context.stdout.write("siptool \(SiptoolMain.version)\n")
            return .success
        }
    )
}
