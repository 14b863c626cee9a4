import SiptoolCLI
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct HelpAndOutputTests {
    @Test func topLevelHelpListsCommandsAndExitCodes() {
        for arguments in [["--help"], ["-h"], ["help"]] {
            let run = Run(arguments)
            #expect(run.status == 0)
            #expect(run.stderr.isEmpty)
            for command in CommandTable.all { #expect(run.stdout.contains(command.name)) }
            for (code, _) in ExitCode.documented { #expect(run.stdout.contains("  \(code.rawValue) ")) }
        }
    }

    @Test func commandHelpIsGeneratedFromTheDeclaration() {
        for command in CommandTable.all {
            let viaFlag = Run([command.name, "--help"])
            let viaHelp = Run(["help", command.name])
            #expect(viaFlag.status == 0)
            #expect(viaFlag.stdout == viaHelp.stdout)
            #expect(viaFlag.stdout.contains("USAGE: \(command.usage)"))
            for option in command.allOptions { #expect(viaFlag.stdout.contains("--\(option.long)"), "\(command.name) --\(option.long)") }
        }
        #expect(Run(["lint", "-h"]).stdout.contains("OVERVIEW: Check one raw SIP message"))
    }

    @Test func helpForUnknownCommandSuggests() {
        let run = Run(["help", "lnt"])
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: Unknown command 'lnt'. Did you mean 'lint'?"))
    }

    @Test func versionInBothForms() {
        #expect(Run(["--version"]).stdout == "siptool \(SiptoolMain.version)\n")
        #expect(Run(["version"]).stdout == "siptool \(SiptoolMain.version)\n")
    }

    @Test func colourOnlyOnATerminalAndNeverWithNoColor() {
        let escape = "\u{1B}["
        #expect(Run(["--help"], terminal: true).stdout.contains(escape))
        #expect(!Run(["--help"], terminal: false).stdout.contains(escape))
        #expect(!Run(["--help"], environment: ["NO_COLOR": "1"], terminal: true).stdout.contains(escape))
        #expect(!Run(["--help"], environment: ["TERM": "dumb"], terminal: true).stdout.contains(escape))
        #expect(!Run(["help", "--no-color"], terminal: true).stdout.contains(escape))
        // An empty NO_COLOR does not count (no-color.org).
        #expect(Run(["--help"], environment: ["NO_COLOR": ""], terminal: true).stdout.contains(escape))
    }

    @Test func jsonEscapingAndOrder() {
        let value = JSONValue.object([
            ("z", .string("quote \" backslash \\ newline \n tab \t bell \u{07} é")),
            ("a", .array([.int(1), .double(2.5, decimals: 3), .double(1.0 / 3.0, decimals: 3), .bool(true), .null])),
            ("n", .double(.nan, decimals: 2)),
        ])
        #expect(value.serialized(pretty: false)
            == #"{"z":"quote \" backslash \\ newline \n tab \t bell \u0007 é","a":[1,2.5,0.333,true,null],"n":null}"#)
        #expect(value.serialized().contains("\n  \"a\": [\n    1,"))
        #expect(JSONValue.object([]).serialized() == "{}")
    }

    @Test func atomicWriteLeavesNoTemporaryFile() throws {
        let path = SourceTree.temporaryFile("old")
        try OutputFile.writeAtomically(path: path, bytes: Array("new".utf8))
        #expect(access(path + ".tmp-\(getpid())", F_OK) != 0, "the temporary file was left behind")
        let reread = try InputFile.readAll(path: path, limit: 100)
        #expect(reread == Array("new".utf8))
        #expect(throws: CLIError.self) { try OutputFile.writeAtomically(path: "/nonexistent-dir/x", bytes: [1]) }
    }

    @Test func inputErrorsMapToExitCodes() {
        do {
            _ = try InputFile.readAll(path: "/nonexistent/file.sip", limit: 10)
            Issue.record("read a missing file")
        } catch {
            #expect(error.exitCode == .noInput)
        }
        do {
            _ = try InputFile.readAll(path: "/tmp", limit: 10)
            Issue.record("read a directory")
        } catch {
            #expect(error.exitCode == .noInput)
            #expect(error.message.contains("is a directory"))
        }
        let big = SourceTree.temporaryFile(String(repeating: "x", count: 200))
        do {
            _ = try InputFile.readAll(path: big, limit: 100)
            Issue.record("read past the limit")
        } catch {
            #expect(error.exitCode == .dataError)
        }
    }
}
