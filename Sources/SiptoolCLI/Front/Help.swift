/// Help text, generated from the same declarations the parser uses.
enum HelpText {
    static let width = 80

    static func command(_ command: CommandSpec, style: TerminalStyle) -> String {
        var out = "OVERVIEW: \(command.abstract)\n\n"
        if !command.discussion.isEmpty {
            out += Self.wrap(command.discussion, indent: 0) + "\n\n"
        }
        out += style.bold("USAGE:") + " \(command.usage)\n"
        if !command.positionals.isEmpty {
            out += "\n" + style.bold("ARGUMENTS:") + "\n"
            out += Self.table(command.positionals.map { ("<\($0.name)>", $0.help) })
        }
        out += "\n" + style.bold("OPTIONS:") + "\n"
        out += Self.table(command.allOptions.map { option in
            var help = option.help
            if let value = option.defaultDescription { help += " (default: \(value))" }
            if option.isRepeatable { help += " (repeatable)" }
            return (option.helpSynopsis, help)
        })
        if !command.examples.isEmpty {
            out += "\n" + style.bold("EXAMPLES:") + "\n"
            for example in command.examples {
                out += "  \(example.command)\n" + Self.wrap(example.comment, indent: 6) + "\n"
            }
        }
        return out
    }

    static func topLevel(_ commands: [CommandSpec], style: TerminalStyle) -> String {
        var out = "OVERVIEW: siptool \(SiptoolMain.version): SIP/RTP diagnostics and test calls for SIP trunks.\n\n"
        out += style.bold("USAGE:") + " siptool <command> [<options>] [<arguments>]\n\n"
        out += style.bold("COMMANDS:") + "\n"
        out += Self.table(commands.map { ($0.name, $0.abstract) })
        out += "\n" + style.bold("OPTIONS:") + "\n"
        out += Self.table([
            ("-h, --help", "Show this help, or `siptool help <command>` for a command's."),
            ("--version", "Print siptool's version and exit."),
        ])
        out += "\n" + style.bold("EXIT STATUS:") + "\n"
        out += Self.table(ExitCode.documented.map { (String($0.0.rawValue), $0.1) })
        out += "\n  See 'siptool help <command>' for more about a command.\n"
        return out
    }

    /// The short usage block printed after an error.
    static func usageReminder(_ command: CommandSpec?) -> String {
        guard let command else {
            return "Usage: siptool <command> [<options>] [<arguments>]\n  See 'siptool --help' for more information.\n"
        }
        return "Usage: \(command.usage)\n  See 'siptool \(command.name) --help' for more information.\n"
    }

    /// Two aligned columns, the second wrapped to the width.
    static func table(_ rows: [(String, String)]) -> String {
        let column = min(30, (rows.map(\.0.count).max() ?? 0) + 4)
        var out = ""
        for (left, right) in rows {
            let lead = "  " + left
            let indent = column + 2
            let wrapped = Self.wrap(right, indent: indent)
            let body = wrapped.dropFirst(indent)
            if lead.count + 2 <= indent {
                out += lead + String(repeating: " ", count: indent - lead.count) + body + "\n"
            } else {
                out += lead + "\n" + wrapped + "\n"
            }
        }
        return out
    }

    /// Wraps `text` at word boundaries to the width, every line indented by `indent` spaces.
    static func wrap(_ text: String, indent: Int) -> String {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                if !line.isEmpty && indent + line.count + 1 + word.count > Self.width {
                    lines.append(String(repeating: " ", count: indent) + line)
                    line = ""
                }
                line += (line.isEmpty ? "" : " ") + word
            }
            lines.append(String(repeating: " ", count: indent) + line)
        }
        return lines.joined(separator: "\n")
    }
}
