import Foundation
@testable import SiptoolCLI
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Trunk profiles (`--profile NAME`, the config file): parsing, precedence, refusals, and one real
/// call on loopback whose trunk, user, header and codecs all come from a profile (SIP port 5126,
/// RTP 17300-17399).
@Suite struct ProfileTests {
    /// A config file in a fresh temporary folder; removed by the caller.
    func configFile(_ text: String) -> String {
        SourceTree.temporaryFile(text, suffix: ".conf")
    }

    @Test func profileFillsWhatTheCommandLineLeavesOut() throws {
        let path = self.configFile("""
            # lab trunk
            [lab]
            trunk = 127.0.0.1:9
            username = 1001
            rtp-ports = 10-5
            """)
        defer { unlink(path) }
        // The profile's trunk is used (no "needs a trunk"), and its bad rtp-ports value is
        // reported with the line that set it.
        let run = Run(["call", "--profile", "lab", "--config", path, "+15550011234"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("Invalid value '10-5' for '--rtp-ports' (set by profile 'lab' (\(path):5))"), "\(run.stderr)")
        // A flag on the command line wins over the profile.
        let overridden = Run(["call", "--profile", "lab", "--config", path, "--rtp-ports", "20-10", "+15550011234"])
        #expect(overridden.stderr.contains("Invalid value '20-10' for '--rtp-ports':"), "\(overridden.stderr)")
        // SIPTOOL_PROFILE and SIPTOOL_CONFIG name them too.
        let fromEnvironment = Run(["call", "+15550011234"], environment: ["SIPTOOL_PROFILE": "lab", "SIPTOOL_CONFIG": path])
        #expect(fromEnvironment.stderr.contains("set by profile 'lab'"), "\(fromEnvironment.stderr)")
        // Without a profile nothing of the file is read.
        let plain = Run(["call", "+15550011234"], environment: ["SIPTOOL_CONFIG": path])
        #expect(plain.stderr.contains("needs a trunk"), "\(plain.stderr)")
    }

    @Test func parsingKeepsOrderSectionsAndLineNumbers() throws {
        let file = try Profiles.parse("""
            ; comment
            [a]
            trunk = "sip.example.com"
            header = X-One: 1
            header = X-Two: 2

            [profile b]
            json = true
            """, path: "f")
        #expect(file.sections.map(\.name) == ["a", "b"])
        #expect(file.settings["a"]?.map(\.value) == ["sip.example.com", "X-One: 1", "X-Two: 2"])
        #expect(file.settings["a"]?.map(\.line) == [3, 4, 5])
        #expect(file.settings["b"]?.first?.key == "json")
    }

    @Test func badFilesGiveTheLineAndWhy() {
        func error(_ text: String) -> String {
            do {
                _ = try Profiles.parse(text, path: "cfg")
                return "no error"
            } catch {
                return error.message
            }
        }
        #expect(error("trunk = x") == "cfg:1: a setting before any [profile] header")
        #expect(error("[a]\njust words") == "cfg:2: expected 'key = value', got 'just words'")
        #expect(error("[a]\n[a]") == "cfg:2: profile 'a' is defined twice (first on line 1)")
        #expect(error("[two words]") == "cfg:1: a profile name is one word, got 'two words'")
        #expect(error("[") == "cfg:1: a section header looks like [name]")
    }

    @Test func refusalsAndUnknownNames() throws {
        let path = self.configFile("[lab]\ntrunk = 127.0.0.1\npassword = hunter2\n")
        defer { unlink(path) }
        let secret = Run(["call", "--profile", "lab", "--config", path, "+1555"])
        #expect(secret.status == 65)
        #expect(secret.stderr.contains("\(path):3: a profile never holds a password"))
        #expect(!secret.stderr.contains("hunter2") && !secret.stdout.contains("hunter2"))

        let typo = self.configFile("[lab]\ntrnk = 127.0.0.1\n")
        defer { unlink(typo) }
        let typoRun = Run(["call", "--profile", "lab", "--config", typo, "+1555"])
        #expect(typoRun.status == 65)
        #expect(typoRun.stderr.contains("unknown setting 'trnk'; did you mean 'trunk'?"), "\(typoRun.stderr)")

        let missing = Run(["call", "--profile", "lb", "--config", path, "+1555"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("No profile 'lb' in \(path) (profiles: lab). Did you mean 'lab'?"), "\(missing.stderr)")

        let noFile = Run(["call", "--profile", "lab", "--config", "/tmp/siptool-no-such-config-\(getpid())", "+1555"])
        #expect(noFile.status == 66)
        #expect(noFile.stderr.contains("profile 'lab': cannot open"))

        let badSwitch = self.configFile("[lab]\ntrunk = 127.0.0.1\njson = maybe\n")
        defer { unlink(badSwitch) }
        let switchRun = Run(["call", "--profile", "lab", "--config", badSwitch, "+1555"])
        #expect(switchRun.status == 65)
        #expect(switchRun.stderr.contains(":3: 'json' is a switch: write true or false, not 'maybe'"), "\(switchRun.stderr)")
    }

    @Test func defaultPathFollowsXDGAndHome() throws {
        let context = CommandContext(stdout: BufferSink(), stderr: BufferSink(), environment: ["HOME": "/home/u"])
        let parsed = ParsedArguments(command: "call")
        #expect(try Profiles.path(parsed, context) == "/home/u/.config/siptool/config")
        let xdg = CommandContext(stdout: BufferSink(), stderr: BufferSink(), environment: ["HOME": "/home/u", "XDG_CONFIG_HOME": "/cfg"])
        #expect(try Profiles.path(parsed, xdg) == "/cfg/siptool/config")
        #expect(Profiles.expandingHome("~/x.pass", context) == "/home/u/x.pass")
    }

    /// A real call whose trunk, From user, extra header and codec list come from the profile:
    /// `siptool answer` receives the header and the profile's codec is the one negotiated.
    @Test func callWithAProfileReachesTheTrunk() throws {
        let path = self.configFile("""
            [loop]
            trunk = 127.0.0.1:5126
            username = 2002
            header = X-Agent-Id: 42
            codecs = pcma
            rtp-ports = 17300-17349
            duration = 1s
            json = yes
            """)
        defer { unlink(path) }
        let log = "/tmp/siptool-profile-answer-\(getpid()).pcap"
        defer { unlink(log) }
        let answer = LiveAnswerInteropTests.Background(["answer", "--json", "--listen", "127.0.0.1:5126", "--echo", "--calls", "1", "--rtp-ports", "17350-17399", "--pcap", log])
        let call = Run(["call", "--profile", "loop", "--config", path, "+15550011234"])
        #expect(call.status == 0, "\(call.stdout)\n\(call.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(call.stdout.utf8)) as? [String: Any], "\(call.stdout)")
        #expect(report["answered"] as? Bool == true)
        let answered = try #require(answer.result(), "answer did not finish")
        #expect(answered.status == 0, "\(answered.stderr)")
        // What arrived at the far end: read the INVITE back from answer's capture.
        let capture = try #require(FileManager.default.contents(atPath: log))
        let text = String(decoding: capture, as: UTF8.self)
        #expect(text.contains("INVITE sip:+15550011234@127.0.0.1:5126;user=phone SIP/2.0"), "the E.164 number went to the profile's trunk")
        #expect(text.contains("X-Agent-Id: 42"))
        #expect(text.contains("sip:2002@"), "From user from the profile")
        #expect(text.contains("a=rtpmap:8 PCMA/8000") && !text.contains("a=rtpmap:0 PCMU/8000"), "only the profile's codec was offered")
    }
}
