import SDP
import SIPMessages

/// `siptool lint FILE|-`: one pasted SIP message in, findings and the normalised message out.
enum LintCommand {
    /// A pasted message is small; anything bigger than this is not one SIP message.
    static let maximumInputBytes = 4 << 20

    static let spec = CommandSpec(
        name: "lint",
        abstract: "Check one raw SIP message (pasted from a log) and print it normalised.",
        discussion: """
            Reads one SIP request or response as people paste it from logs: CRLF or bare LF line endings, \
            leading blank lines, a missing final blank line. Reports parse errors with their line number; \
            what a compliant element must reject (RFC 3261, RFC 4475); and warnings: mandatory headers \
            missing (RFC 3261 §8.1.1), a Content-Length that does not match the body, private or shared \
            addresses in Via, Contact or SDP (a sign of NAT), an SDP answer without a common codec or \
            without telephone-event, Max-Forwards 0, digest credentials whose uri differs from the \
            Request-URI. Then prints the message normalised (CRLF, canonical header names, \
            Content-Length recomputed).
            Exit status: 0 well-formed (warnings allowed), 1 parses but must be rejected (or has warnings, \
            with --strict), 65 cannot be parsed, 66 the file is missing or unreadable.
            """,
        options: [
            OptionSpec("json", help: "Print the report as JSON (schema siptool.lint/1)."),
            OptionSpec("quiet", short: "q", help: "Do not print the normalised message."),
            OptionSpec("strict", help: "Exit with status 1 when there are warnings, not only errors."),
            OptionSpec("compact", help: "Use compact header names (RFC 3261 §7.3.3) in the normalised message."),
            OptionSpec("offer", .value(placeholder: "file"), help: "An SDP offer (a file with a SIP message or bare SDP) to check the message's SDP answer against."),
        ],
        positionals: [PositionalSpec("file", help: "The file holding the message, or - for standard input.")],
        examples: [
            ("siptool lint invite.txt", "Check a message saved from a log."),
            ("pbpaste | siptool lint -", "Check what is on the clipboard."),
            ("siptool lint --json --quiet 200ok.sip --offer invite.sip", "Check a 200 OK's SDP answer against the INVITE's offer, as JSON."),
        ],
        run: { arguments, context in try LintCommand.run(arguments, context) }
    )

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) throws -> ExitCode {
        let path = arguments.positionals[0]
        let input = try InputFile.readAll(path: path, limit: Self.maximumInputBytes)
        var offer: SessionDescription?
        if let offerPath = arguments.value("offer") {
            offer = try Self.loadOffer(offerPath)
        }
        let report = Linter.lint(input, offer: offer)
        let name = path == "-" ? "<stdin>" : path
        if arguments.flag("json") {
            context.stdout.write(Self.json(report, file: name, includeMessage: !arguments.flag("quiet"), compact: arguments.flag("compact")).serialized() + "\n")
        } else {
            context.stdout.write(Self.text(report, file: name, quiet: arguments.flag("quiet"), compact: arguments.flag("compact"), style: context.style))
        }
        switch report.verdict {
        case .unparseable:
            if !arguments.flag("json"), let error = report.parseError {
                context.stderr.write(context.errorStyle.red("siptool:") + " \(name):\(error.line): \(error.reason)"
                    + (error.excerpt.isEmpty ? "" : " [\(error.excerpt)]") + "\n")
            }
            return .dataError
        case .mustReject:
            return .failure
        case .wellFormed:
            return arguments.flag("strict") && report.findings.contains { $0.severity == .warning } ? .failure : .success
        }
    }

    /// An offer file may hold a whole SIP message (its SDP body is used) or bare SDP.
    static func loadOffer(_ path: String) throws(CLIError) -> SessionDescription {
        let bytes = try InputFile.readAll(path: path, limit: Self.maximumInputBytes)
        if let message = try? SIPDatagramParser.parse(bytes).message, let body = message.sdpBodies().first {
            do {
                return try SessionDescription.parse(body)
            } catch {
                throw CLIError(.dataError, "\(path): the SDP in the message cannot be parsed: \(error.reason)")
            }
        }
        do {
            return try SessionDescription.parse(bytes)
        } catch {
            throw CLIError(.dataError, "\(path):\(error.line): not a SIP message with SDP, nor SDP: \(error.reason)")
        }
    }

    // MARK: - Rendering

    static func text(_ report: LintReport, file: String, quiet: Bool, compact: Bool, style: TerminalStyle) -> String {
        guard report.verdict != .unparseable else { return "" }
        var out = style.bold(file) + ": " + report.summary + "\n"
        for finding in report.findings {
            let where_ = finding.line.map { "line \($0)" } ?? "-"
            let severity: String
            switch finding.severity {
            case .error: severity = style.red("error  ")
            case .warning: severity = style.yellow("warning")
            case .info: severity = style.dim("info   ")
            }
            let head = "  " + where_.padding(to: 9) + severity + "  " + style.bold(finding.code)
            out += head + "\n" + HelpText.wrap(finding.message, indent: 4) + "\n"
            if let hint = finding.hint {
                out += HelpText.wrap("fix: " + hint, indent: 4) + "\n"
            }
        }
        let errors = report.findings.filter { $0.severity == .error }.count
        let warnings = report.findings.filter { $0.severity == .warning }.count
        let notes = report.findings.filter { $0.severity == .info }.count
        let verdict: String
        switch report.verdict {
        case .wellFormed: verdict = style.green("well-formed")
        case .mustReject: verdict = style.red("must be rejected")
        case .unparseable: verdict = style.red("unparseable")
        }
        out += "verdict: \(verdict); \(errors) error(s), \(warnings) warning(s), \(notes) note(s)\n"
        if !quiet, let message = report.message {
            out += "\n" + style.dim("--- normalised ---") + "\n"
            out += Self.normalizedText(message, compact: compact)
            if out.last != "\n" { out += "\n" }
        }
        return out
    }

    static func normalizedText(_ message: SIPMessage, compact: Bool) -> String {
        let normalized = String(decoding: message.serialized(normalizing: true), as: UTF8.self)
        guard compact else { return normalized }
        // Swap each header name for its compact form where RFC 3261 §7.3.3 (and later RFCs) define one.
        var lines = normalized.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        var index = 1
        while index < lines.count && !lines[index].isEmpty {
            if let colon = lines[index].firstIndex(of: ":") {
                let name = SIPHeaderName(String(lines[index][..<colon]))
                if let short = name.compactForm {
                    lines[index] = short + lines[index][colon...]
                }
            }
            index += 1
        }
        return lines.joined(separator: "\r\n")
    }

    static func json(_ report: LintReport, file: String, includeMessage: Bool, compact: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("schema", .string("siptool.lint/1")),
            ("file", .string(file)),
            ("verdict", .string(report.verdict.rawValue)),
        ]
        if let error = report.parseError {
            members.append(("error", .object([
                ("code", .string(error.code.rawValue)),
                ("line", .int(error.line)),
                ("offset", .int(error.offset)),
                ("reason", .string(error.reason)),
                ("excerpt", .string(error.excerpt)),
            ])))
        }
        if let message = report.message {
            var summary: [(String, JSONValue)] = []
            switch message {
            case .request(let request):
                summary += [("kind", .string("request")), ("method", .string(request.method.rawValue)), ("request_uri", .string(request.requestURI.raw))]
            case .response(let response):
                summary += [("kind", .string("response")), ("status", .int(response.statusCode)), ("reason", .string(response.reasonPhrase))]
            }
            summary += [
                ("call_id", .string(message.callID)),
                ("cseq", .string(message.cseq?.description)),
                ("headers", .int(message.headers.count)),
                ("body_bytes", .int(message.body.count)),
            ]
            members.append(("message", .object(summary)))
        }
        members.append(("findings", .array(report.findings.map { finding in
            .object([
                ("severity", .string(finding.severity.rawValue)),
                ("code", .string(finding.code)),
                ("line", .int(finding.line)),
                ("message", .string(finding.message)),
                ("hint", .string(finding.hint)),
            ])
        })))
        if includeMessage, let message = report.message {
            members.append(("normalized", .string(Self.normalizedText(message, compact: compact))))
        }
        return .object(members)
    }
}

extension String {
    func padding(to width: Int) -> String {
        self.count >= width ? self + " " : self + String(repeating: " ", count: width - self.count)
    }
}
