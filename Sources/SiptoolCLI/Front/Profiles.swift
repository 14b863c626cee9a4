/// Named trunk profiles: a small INI-style config file whose sections hold the long options of
/// the live commands, so `siptool call --profile twilio +15550011234` needs no other flags.
///
/// ```
/// [twilio]
/// trunk = example.pstn.twilio.com
/// username = +15550001111
/// auth-username = agent7
/// password-file = ~/.config/siptool/twilio.pass
/// header = X-Agent-Id: 42
/// ```
///
/// Precedence: a flag on the command line wins; then the named profile; then the environment
/// variables (SIPTOOL_TRUNK, ...). Repeatable options (`header`) add up: the profile's come first.
/// A profile never holds a password: `password = ...` is refused with a pointer to
/// `password-env`/`password-file`.
enum Profiles {
    /// `--profile` and `--config`, declared by every command that reads profiles.
    static let options: [OptionSpec] = [
        OptionSpec("profile", .value(placeholder: "name"), help: "Take settings from this profile of the config file (or SIPTOOL_PROFILE)."),
        OptionSpec("config", .value(placeholder: "file"), help: "The profile file (default: SIPTOOL_CONFIG, else ~/.config/siptool/config)."),
    ]

    /// Commands whose options a profile may set; a key none of them knows is a typo.
    static let liveCommands: Set<String> = ["call", "answer", "options", "register"]

    /// One `key = value` line of a section.
    struct Setting: Equatable {
        var key: String
        var value: String
        var line: Int
    }

    /// A `[name]` header and the line it is on.
    struct Section: Equatable {
        var name: String
        var line: Int
    }

    /// The parsed file: sections in file order, each with its settings in order.
    struct File: Equatable {
        var sections: [Section] = []
        var settings: [String: [Setting]] = [:]
    }

    /// Parses the config text. Errors carry the line number: `path:LINE: why`.
    static func parse(_ text: String, path: String) throws(CLIError) -> File {
        var file = File()
        var current: String?
        var number = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            let line = String(rawLine).trimmed(" \t")
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    throw CLIError(.dataError, "\(path):\(number): a section header looks like [name]")
                }
                var name = String(line.dropFirst().dropLast()).trimmed(" \t")
                // "[profile NAME]" is accepted too, as some tools write it.
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmed(" \t") }
                guard !name.isEmpty, !name.contains(where: { $0 == " " || $0 == "\t" || $0 == "[" || $0 == "]" }) else {
                    throw CLIError(.dataError, "\(path):\(number): a profile name is one word, got '\(name)'")
                }
                guard file.settings[name] == nil else {
                    let first = file.sections.first { $0.name == name }?.line ?? 0
                    throw CLIError(.dataError, "\(path):\(number): profile '\(name)' is defined twice (first on line \(first))")
                }
                file.sections.append(Section(name: name, line: number))
                file.settings[name] = []
                current = name
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw CLIError(.dataError, "\(path):\(number): expected 'key = value', got '\(Self.excerpt(line))'")
            }
            guard let section = current else {
                throw CLIError(.dataError, "\(path):\(number): a setting before any [profile] header")
            }
            let key = String(line[..<equals]).trimmed(" \t").lowercased()
            var value = String(line[line.index(after: equals)...]).trimmed(" \t")
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            guard !key.isEmpty else { throw CLIError(.dataError, "\(path):\(number): a setting without a name") }
            file.settings[section, default: []].append(Setting(key: key, value: value, line: number))
        }
        return file
    }

    /// Fills `parsed` with the settings of the profile named by `--profile` or SIPTOOL_PROFILE
    /// (nothing happens when neither names one). Values given on the command line are kept.
    static func apply(to parsed: ParsedArguments, command: CommandSpec, context: CommandContext) throws(CLIError) -> ParsedArguments {
        guard command.allOptions.contains(where: { $0.long == "profile" }) else { return parsed }
        guard let name = parsed.value("profile") ?? context.environment("SIPTOOL_PROFILE").flatMap({ $0.isEmpty ? nil : $0 }) else {
            return parsed
        }
        let path = try Self.path(parsed, context)
        let bytes: [UInt8]
        do {
            bytes = try InputFile.readAll(path: path, limit: 1 << 20)
        } catch {
            throw CLIError(error.exitCode, "profile '\(name)': \(error.message)")
        }
        let file = try Self.parse(String(decoding: bytes, as: UTF8.self), path: path)
        guard let settings = file.settings[name] else {
            let known = file.sections.map(\.name)
            var message = "No profile '\(name)' in \(path)"
            message += known.isEmpty ? " (it defines none)." : " (profiles: \(known.joined(separator: ", ")))."
            if let suggestion = Suggestions.closest(to: name, among: known) { message += " Did you mean '\(suggestion)'?" }
            throw CLIError.usage(message, command: command.name)
        }
        var result = parsed
        var fromProfile: [String: [String]] = [:]
        let own = command.allOptions
        for setting in settings {
            let origin = "profile '\(name)' (\(path):\(setting.line))"
            let key = try Self.checkedKey(setting, path: path)
            // `trunk` serves `register` as its registrar, as SIPTOOL_TRUNK does.
            let target = command.name == "register" && key == "trunk" ? "registrar" : key
            guard let option = own.first(where: { $0.long == target }) else { continue }
            let value = Self.expandingHome(setting.value, context)
            switch option.kind {
            case .flag:
                guard let on = Self.boolean(value) else {
                    throw CLIError(.dataError, "\(path):\(setting.line): '\(key)' is a switch: write true or false, not '\(Self.excerpt(value))'")
                }
                if on && !parsed.flags.contains(target) {
                    result.flags.insert(target)
                    result.origins[target] = origin
                }
            case .value:
                if option.isRepeatable {
                    fromProfile[target, default: []].append(value)
                    result.origins[target] = result.origins[target] ?? origin
                } else if parsed.values[target] == nil {
                    // The last line of the profile wins, as the last flag would.
                    result.values[target] = [value]
                    result.origins[target] = origin
                }
            }
        }
        for (key, values) in fromProfile {
            result.values[key] = values + (parsed.values[key] ?? [])
        }
        return result
    }

    /// A usage error about an option's value, with the profile line that set the value (the
    /// command line has no line to point at, a profile does).
    static func pointingAtOrigin(_ error: CLIError, _ parsed: ParsedArguments) -> CLIError {
        guard error.exitCode == .usage, !error.message.contains("(set by ") else { return error }
        var copy = error
        for (key, origin) in parsed.origins {
            let mention = "for '--\(key)'"
            if let range = copy.message.firstRange(of: mention) {
                copy.message.insert(contentsOf: " (set by \(origin))", at: range.upperBound)
                break
            }
        }
        return copy
    }

    /// The config file's path: --config, SIPTOOL_CONFIG, $XDG_CONFIG_HOME/siptool/config, ~/.config/siptool/config.
    static func path(_ parsed: ParsedArguments, _ context: CommandContext) throws(CLIError) -> String {
        if let path = parsed.value("config") { return Self.expandingHome(path, context) }
        if let path = context.environment("SIPTOOL_CONFIG"), !path.isEmpty { return Self.expandingHome(path, context) }
        if let base = context.environment("XDG_CONFIG_HOME"), base.hasPrefix("/") { return base + "/siptool/config" }
        guard let home = context.environment("HOME"), !home.isEmpty else {
            throw CLIError(.usage, "--profile needs a config file: give --config FILE or set SIPTOOL_CONFIG (HOME is not set)")
        }
        return home + "/.config/siptool/config"
    }

    /// The setting's option name after the checks every profile gets: no passwords, no nesting,
    /// and a name some live command knows.
    static func checkedKey(_ setting: Setting, path: String) throws(CLIError) -> String {
        let key = setting.key.hasPrefix("--") ? String(setting.key.dropFirst(2)) : setting.key
        if key == "password" || key == "secret" {
            throw CLIError(.dataError, "\(path):\(setting.line): a profile never holds a password; write password-env = VARIABLE or password-file = FILE")
        }
        if key == "profile" || key == "config" || key == "help" {
            throw CLIError(.dataError, "\(path):\(setting.line): '\(key)' cannot be set inside a profile")
        }
        let known = Self.knownKeys
        guard known.contains(key) else {
            var message = "\(path):\(setting.line): unknown setting '\(Self.excerpt(key))'"
            if let suggestion = Suggestions.closest(to: key, among: known.sorted()) { message += "; did you mean '\(suggestion)'?" }
            throw CLIError(.dataError, message)
        }
        return key
    }

    /// Every option name of the live commands (what a profile may set).
    static let knownKeys: Set<String> = {
        var keys: Set<String> = []
        for command in CommandTable.all where Self.liveCommands.contains(command.name) {
            for option in command.allOptions { keys.insert(option.long) }
        }
        keys.subtract(["help", "profile", "config"])
        return keys
    }()

    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: return nil
        }
    }

    /// `~/x` becomes `$HOME/x` (file names in a profile are usually written that way).
    static func expandingHome(_ value: String, _ context: CommandContext) -> String {
        guard value.hasPrefix("~/"), let home = context.environment("HOME"), !home.isEmpty else { return value }
        return home + value.dropFirst()
    }

    static func excerpt(_ text: String) -> String {
        text.count > 40 ? String(text.prefix(40)) + "..." : text
    }
}

extension String {
    /// The string without leading and trailing characters from `set`.
    func trimmed(_ set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
