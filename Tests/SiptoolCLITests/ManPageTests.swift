import SiptoolCLI
import Testing

/// The man page must document every command, every option the parser declares, and every exit code.
@Suite struct ManPageTests {
    /// The page with roff's escaped dashes ("\-") turned back into plain ones.
    static let page: String? = SourceTree.read("man/siptool.1").map { text in
        var plain = ""
        var previous: Character = " "
        for character in text {
            if previous == "\\" && character == "-" {
                plain.removeLast()
            }
            plain.append(character)
            previous = character
        }
        return plain
    }

    @Test func manPageExists() {
        #expect(Self.page != nil, "man/siptool.1 not found under \(SourceTree.root)")
    }

    @Test func everyCommandAndOptionIsDocumented() throws {
        let page = try #require(Self.page)
        for command in CommandTable.all {
            #expect(page.contains("siptool \(command.name)"), "command \(command.name) is missing from man/siptool.1")
            for option in command.allOptions {
                #expect(page.contains("--\(option.long)"), "option --\(option.long) of \(command.name) is missing from man/siptool.1")
                if let short = option.short {
                    #expect(page.contains("-\(short)"), "option -\(short) of \(command.name) is missing from man/siptool.1")
                }
            }
        }
    }

    @Test func everyExitCodeIsDocumented() throws {
        let page = try #require(Self.page)
        let status = try #require(page.split(separator: ".SH EXIT STATUS").last)
        for (code, _) in ExitCode.documented {
            #expect(status.contains(".B \(code.rawValue)\n"), "exit code \(code.rawValue) is missing from EXIT STATUS")
        }
    }
}
