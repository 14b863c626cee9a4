import SiptoolCLI
import Testing

/// `siptool lint` end to end through the front (files, exit codes, JSON, text).
@Suite struct LintCommandTests {
    static let invite = [
        "INVITE sip:bob@198.51.100.10 SIP/2.0",
        "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK776asdhds",
        "Max-Forwards: 70",
        "From: <sip:alice@example.com>;tag=1928301774",
        "To: <sip:bob@example.com>",
        "Call-ID: a84b4c76e66710@example.com",
        "CSeq: 314159 INVITE",
        "Contact: <sip:alice@203.0.113.5>",
        "Content-Length: 0",
        "", "",
    ].joined(separator: "\r\n")

    @Test func wellFormedMessageExitsZeroAndPrintsNormalised() {
        let path = SourceTree.temporaryFile(Self.invite)
        let run = Run(["lint", path])
        #expect(run.status == 0)
        #expect(run.stdout.contains("verdict: well-formed"))
        #expect(run.stdout.contains("--- normalised ---\nINVITE sip:bob@198.51.100.10 SIP/2.0\r\n"))
        #expect(!Run(["lint", "-q", path]).stdout.contains("normalised"))
    }

    @Test func compactNamesInNormalisedOutput() {
        let run = Run(["lint", "--compact", SourceTree.temporaryFile(Self.invite)])
        #expect(run.stdout.contains("\r\nv: SIP/2.0/UDP"))
        #expect(run.stdout.contains("\r\ni: a84b4c76e66710@example.com"))
    }

    @Test func mustRejectExitsOne() {
        let duplicated = Self.invite.replacingFirst("Content-Length: 0", with: "To: <sip:carol@example.com>\r\nContent-Length: 0")
        let run = Run(["lint", SourceTree.temporaryFile(duplicated)])
        #expect(run.status == 1)
        #expect(run.stdout.contains("sip.duplicate-header"))
    }

    @Test func unparseableExitsSixtyFiveWithLineAndReason() {
        let path = SourceTree.temporaryFile("INVITE sip:a@b SIP/2.0\r\nVia SIP/2.0/UDP x\r\n\r\n")
        let run = Run(["lint", path])
        #expect(run.status == 65)
        #expect(run.stderr.hasPrefix("siptool: \(path):2: "))
        #expect(run.stderr.split(separator: "\n").count == 1)
        let json = Run(["lint", "--json", path])
        #expect(json.status == 65)
        #expect(json.stdout.contains("\"verdict\": \"unparseable\""))
        #expect(json.stdout.contains("\"line\": 2"))
    }

    @Test func strictTurnsWarningsIntoFailure() {
        let natted = Self.invite.replacingFirst("<sip:alice@203.0.113.5>", with: "<sip:alice@10.0.0.5>")
        let path = SourceTree.temporaryFile(natted)
        #expect(Run(["lint", path]).status == 0)
        #expect(Run(["lint", "--strict", path]).status == 1)
    }

    @Test func jsonReportIsCompleteAndValidShape() {
        let run = Run(["lint", "--json", SourceTree.temporaryFile(Self.invite)])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("{\n  \"schema\": \"siptool.lint/1\",\n"))
        #expect(run.stdout.contains("\"method\": \"INVITE\""))
        #expect(run.stdout.contains("\"normalized\": \"INVITE sip:bob@198.51.100.10 SIP/2.0\\r\\n"))
    }

    @Test func missingFileAndDirectoryExitSixtySix() {
        #expect(Run(["lint", "/nonexistent/x.sip"]).status == 66)
        #expect(Run(["lint", "/tmp"]).status == 66)
        #expect(Run(["lint", "/nonexistent/x.sip"]).stderr == "siptool: cannot open '/nonexistent/x.sip': No such file or directory\n")
    }

    @Test func offerFileChecksTheAnswer() {
        let offer = SourceTree.temporaryFile("v=0\r\no=- 1 1 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n", suffix: ".sdp")
        let answerSDP = "v=0\r\no=- 2 2 IN IP4 198.51.100.10\r\ns=-\r\nc=IN IP4 198.51.100.10\r\nt=0 0\r\nm=audio 5000 RTP/AVP 18\r\n"
        let answer = [
            "SIP/2.0 200 OK",
            "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK776asdhds",
            "From: <sip:alice@example.com>;tag=1928301774",
            "To: <sip:bob@example.com>;tag=x",
            "Call-ID: a84b4c76e66710@example.com",
            "CSeq: 314159 INVITE",
            "Contact: <sip:bob@198.51.100.10>",
            "Content-Type: application/sdp",
            "Content-Length: \(answerSDP.utf8.count)",
            "", answerSDP,
        ].joined(separator: "\r\n")
        let run = Run(["lint", "--offer", offer, SourceTree.temporaryFile(answer)])
        #expect(run.status == 0)
        #expect(run.stdout.contains("sdp.no-common-codec"))
        #expect(Run(["lint", "--offer", "/nonexistent", SourceTree.temporaryFile(answer)]).status == 66)
        let junk = SourceTree.temporaryFile("not sdp at all")
        #expect(Run(["lint", "--offer", junk, SourceTree.temporaryFile(answer)]).status == 65)
    }

    @Test func bundledExampleLintsCleanWithNATWarnings() throws {
        let run = Run(["lint", SourceTree.root + "/examples/invite-behind-nat.sip"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("nat.private-contact"))
        #expect(run.stdout.contains("nat.private-sdp-address"))
    }
}
