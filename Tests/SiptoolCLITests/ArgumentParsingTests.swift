import SiptoolCLI
import Testing

/// The in-house parser on a test-only command, so behaviour does not depend on real commands.
@Suite struct ArgumentParsingTests {
    final class Captured: @unchecked Sendable {
        var arguments: ParsedArguments?
    }

    static func table(_ captured: Captured) -> [CommandSpec] {
        [CommandSpec(
            name: "probe",
            abstract: "A test command.",
            options: [
                OptionSpec("json", help: "JSON."),
                OptionSpec("verbose", short: "v", help: "More."),
                OptionSpec("quiet", short: "q", help: "Less."),
                OptionSpec("count", short: "c", .value(placeholder: "n"), help: "How many."),
                OptionSpec("header", .value(placeholder: "header"), help: "Extra header.", repeatable: true),
                OptionSpec("transport", .value(placeholder: "transport"), help: "udp, tcp or tls."),
            ],
            positionals: [PositionalSpec("target", help: "Where."), PositionalSpec("more", help: "More.", optional: true, repeating: true)],
            run: { arguments, _ in
                captured.arguments = arguments
                return .success
            }
        )]
    }

    func parse(_ arguments: [String]) -> (Run, ParsedArguments?) {
        let captured = Captured()
        let run = Run(["probe"] + arguments, commands: Self.table(captured))
        return (run, captured.arguments)
    }

    @Test func longOptionsInBothForms() {
        let (run, parsed) = self.parse(["--count", "5", "--transport=tcp", "host"])
        #expect(run.status == 0)
        #expect(parsed?.value("count") == "5")
        #expect(parsed?.value("transport") == "tcp")
        #expect(parsed?.positionals == ["host"])
    }

    @Test func shortFlagsCombineAndShortOptionsTakeValues() {
        let (_, parsed) = self.parse(["-vq", "-c5", "host"])
        #expect(parsed?.flag("verbose") == true)
        #expect(parsed?.flag("quiet") == true)
        #expect(parsed?.value("count") == "5")
        let (_, second) = self.parse(["-vc", "7", "host"])
        #expect(second?.value("count") == "7")
        #expect(second?.flag("verbose") == true)
    }

    @Test func doubleDashEndsOptionsAndDashIsAPositional() {
        let (run, parsed) = self.parse(["--json", "--", "-weird", "--also"])
        #expect(run.status == 0)
        #expect(parsed?.positionals == ["-weird", "--also"])
        let (_, stdin) = self.parse(["-"])
        #expect(stdin?.positionals == ["-"])
    }

    @Test func repeatableOptionsCollectInOrder() {
        let (_, parsed) = self.parse(["--header", "X-A: 1", "--header=X-B: 2", "host"])
        #expect(parsed?.values("header") == ["X-A: 1", "X-B: 2"])
    }

    @Test func nonRepeatableOptionGivenTwiceIsAnError() {
        let (run, _) = self.parse(["--count", "1", "--count", "2", "host"])
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: Option '--count' was given more than once."))
    }

    @Test func unknownOptionSuggestsTheClosest() {
        let (run, _) = self.parse(["--transprot", "udp", "host"])
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: Unknown option '--transprot'. Did you mean '--transport'?\n"))
        #expect(run.stderr.contains("Usage: siptool probe [--json] [--verbose] [--quiet] [--count <n>] [--header <header> ...] [--transport <transport>] <target> [<more> ...]"))
        #expect(run.stderr.contains("See 'siptool probe --help' for more information."))
        let (far, _) = self.parse(["--zzzzzz", "host"])
        #expect(far.stderr.hasPrefix("Error: Unknown option '--zzzzzz'.\n"))
    }

    @Test func unknownShortOption() {
        let (run, _) = self.parse(["-x", "host"])
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: Unknown option '-x'."))
    }

    @Test func missingValueNamesTheOptionAndItsHelp() {
        let (run, _) = self.parse(["host", "--count"])
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: Missing value for '--count <n>'.\nHelp:  How many.\n"))
        let (next, _) = self.parse(["--count", "--json", "host"])
        #expect(next.stderr.hasPrefix("Error: Missing value for '--count <n>'."))
    }

    @Test func flagWithAValueIsRefused() {
        let (run, _) = self.parse(["--json=yes", "host"])
        #expect(run.stderr.hasPrefix("Error: Option '--json' does not take a value."))
    }

    @Test func missingAndExtraPositionals() {
        let (missing, _) = self.parse(["--json"])
        #expect(missing.status == 64)
        #expect(missing.stderr.hasPrefix("Error: Missing expected argument '<target>'.\nHelp:  Where.\n"))
        let (extra, parsed) = self.parse(["a", "b", "c"])
        #expect(extra.status == 0)
        #expect(parsed?.positionals == ["a", "b", "c"])
    }

    @Test func unknownCommandSuggestsAndNoArgumentsPrintsHelp() {
        let run = Run(["lnit", "x"])
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: Unknown command 'lnit'. Did you mean 'lint'?"))
        let none = Run([])
        #expect(none.status == 64)
        #expect(none.stderr.contains("COMMANDS:"))
        #expect(none.stdout.isEmpty)
    }

    @Test func unexpectedPositionalOnACommandWithOne() {
        let run = Run(["lint", "a.sip", "b.sip"])
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: Unexpected argument 'b.sip'."))
    }

    @Test func editDistanceCountsTranspositionsOnce() {
        #expect(Run(["lnit"]).stderr.contains("Did you mean 'lint'?"))
        #expect(Run(["--hlep"]).stderr.contains("Did you mean 'help'?"))
    }
}
