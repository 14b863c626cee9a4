/// Matches argv against a ``CommandSpec``: long options (`--opt value`, `--opt=value`), short flags
/// (`-v`, combined `-vq`), short options with a value (`-c 5`, `-c5`), `--` to end options, repeatable
/// options, and `-` as a positional meaning standard input.
///
/// Every error names the offending argument and, where it can, suggests what was meant.
enum ArgumentMatcher {
    static func match(_ arguments: [String], against command: CommandSpec) throws(CLIError) -> ParsedArguments {
        var parsed = ParsedArguments(command: command.name)
        let options = command.allOptions
        var index = 0
        var optionsEnded = false

        func option(long name: String) throws(CLIError) -> OptionSpec {
            if let option = options.first(where: { $0.long == name }) { return option }
            var message = "Unknown option '--\(name)'."
            if let suggestion = Suggestions.closest(to: name, among: options.map(\.long)) {
                message += " Did you mean '--\(suggestion)'?"
            }
            throw CLIError.usage(message, command: command.name)
        }

        func store(_ option: OptionSpec, _ value: String?) throws(CLIError) {
            let key = option.long
            if !option.isRepeatable && (parsed.flags.contains(key) || parsed.values[key] != nil) {
                throw CLIError.usage("Option '--\(key)' was given more than once.", command: command.name)
            }
            if let value {
                parsed.values[key, default: []].append(value)
            } else {
                parsed.flags.insert(key)
            }
        }

        func takeValue(for option: OptionSpec, inline: String?) throws(CLIError) -> String {
            if let inline { return inline }
            guard index + 1 < arguments.count else {
                throw CLIError.usage("Missing value for '\(option.synopsis)'.", command: command.name, help: option.help)
            }
            let next = arguments[index + 1]
            // A following option is not a value (but "-" and negative-looking words after "=" are fine).
            if next.hasPrefix("--") || (next.hasPrefix("-") && next.count == 2 && next != "-" && options.contains { $0.short == next.last }) {
                throw CLIError.usage("Missing value for '\(option.synopsis)'.", command: command.name, help: option.help)
            }
            index += 1
            return next
        }

        while index < arguments.count {
            let argument = arguments[index]
            if optionsEnded || argument == "-" || !argument.hasPrefix("-") {
                parsed.positionals.append(argument)
            } else if argument == "--" {
                optionsEnded = true
            } else if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let name: String
                var inline: String?
                if let equals = body.firstIndex(of: "=") {
                    name = String(body[..<equals])
                    inline = String(body[body.index(after: equals)...])
                } else {
                    name = String(body)
                }
                let spec = try option(long: name)
                switch spec.kind {
                case .flag:
                    if inline != nil {
                        throw CLIError.usage("Option '--\(name)' does not take a value.", command: command.name)
                    }
                    try store(spec, nil)
                case .value:
                    try store(spec, try takeValue(for: spec, inline: inline))
                }
            } else {
                // One or more short options: -v, -vq, -c5, -c 5.
                var letters = Array(argument.dropFirst())
                while !letters.isEmpty {
                    let letter = letters.removeFirst()
                    guard let spec = options.first(where: { $0.short == letter }) else {
                        var message = "Unknown option '-\(letter)'."
                        if argument.count > 2, let suggestion = Suggestions.closest(to: String(argument.dropFirst()), among: options.map(\.long)) {
                            message += " Did you mean '--\(suggestion)'?"
                        }
                        throw CLIError.usage(message, command: command.name)
                    }
                    if case .value = spec.kind {
                        let inline = letters.isEmpty ? nil : String(letters)
                        try store(spec, try takeValue(for: spec, inline: inline))
                        letters.removeAll()
                    } else {
                        try store(spec, nil)
                    }
                }
            }
            index += 1
        }

        // Positionals: required ones present, no extras.
        if parsed.flags.contains("help") { return parsed }
        let required = command.positionals.filter { !$0.isOptional }
        if parsed.positionals.count < required.count {
            let missing = required[parsed.positionals.count]
            throw CLIError.usage("Missing expected argument '<\(missing.name)>'.", command: command.name, help: missing.help)
        }
        let takesAll = command.positionals.last?.isRepeating == true
        if !takesAll && parsed.positionals.count > command.positionals.count {
            let extra = parsed.positionals[command.positionals.count]
            throw CLIError.usage("Unexpected argument '\(extra)'.", command: command.name)
        }
        return parsed
    }
}

/// "Did you mean" suggestions by edit distance.
enum Suggestions {
    /// The candidate closest to `input`, if it is close enough to be a plausible typo.
    static func closest(to input: String, among candidates: [String]) -> String? {
        let lowered = input.lowercased()
        var best: (String, Int)?
        for candidate in candidates {
            let distance = Self.distance(lowered, candidate.lowercased())
            if best == nil || distance < best!.1 { best = (candidate, distance) }
        }
        guard let (candidate, distance) = best else { return nil }
        // Allow about one edit per three characters, at least one, at most three.
        let allowed = min(3, max(1, candidate.count / 3))
        if distance <= allowed { return candidate }
        // A prefix of a longer name ("--pass" for "--password-env") is also a good guess.
        if lowered.count >= 3 && candidate.lowercased().hasPrefix(lowered) { return candidate }
        return nil
    }

    /// Damerau-Levenshtein distance (optimal string alignment): transpositions count as one edit.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            previousPrevious = previous
            previous = current
        }
        return previous[b.count]
    }
}
