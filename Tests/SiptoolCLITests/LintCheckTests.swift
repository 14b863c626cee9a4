import Foundation
import SDP
import SIPMessages
import SiptoolCLI
import Testing

/// The checks behind `siptool lint`, on messages built in the test (no files, no process).
@Suite struct LintCheckTests {
    /// Joins lines with CRLF and appends the body, with a correct Content-Length unless one is given.
    static func message(_ head: [String], body: String = "", contentLength: Int? = nil) -> [UInt8] {
        let sdp = body.replacingOccurrences(of: "\n", with: "\r\n")
        var lines = head
        lines.append("Content-Length: \(contentLength ?? sdp.utf8.count)")
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + sdp).utf8)
    }

    static let inviteHead = [
        "INVITE sip:+15550011234@trunk.example.net;user=phone SIP/2.0",
        "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK776asdhds;rport",
        "Max-Forwards: 70",
        "From: <sip:alice@example.com>;tag=1928301774",
        "To: <sip:+15550011234@trunk.example.net>",
        "Call-ID: a84b4c76e66710@example.com",
        "CSeq: 314159 INVITE",
        "Contact: <sip:alice@203.0.113.5:5060>",
    ]

    static let offerSDP = """
        v=0
        o=- 1 1 IN IP4 203.0.113.5
        s=-
        c=IN IP4 203.0.113.5
        t=0 0
        m=audio 40000 RTP/AVP 0 8 101
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-16

        """

    func codes(_ report: LintReport) -> [String] { report.findings.map(\.code) }

    @Test func cleanInviteWithPublicAddressesHasNoWarnings() {
        let report = Linter.lint(Self.message(Self.inviteHead + ["Content-Type: application/sdp"], body: Self.offerSDP))
        #expect(report.verdict == .wellFormed)
        #expect(report.findings.filter { $0.severity != .info }.isEmpty, "\(report.findings)")
        #expect(report.summary.hasPrefix("INVITE sip:+15550011234@trunk.example.net;user=phone"))
    }

    @Test func privateContactViaAndSDPAreNATWarningsWithLines() {
        let head = Self.inviteHead.map {
            $0.replacingOccurrences(of: "203.0.113.5:5060;branch=z9hG4bK776asdhds;rport", with: "192.168.1.20:5060;branch=z9hG4bK776asdhds")
                .replacingOccurrences(of: "alice@203.0.113.5", with: "alice@10.1.2.3")
        } + ["Content-Type: application/sdp"]
        let body = Self.offerSDP.replacingOccurrences(of: "c=IN IP4 203.0.113.5", with: "c=IN IP4 100.64.7.9")
        let report = Linter.lint(Self.message(head, body: body))
        #expect(report.verdict == .wellFormed)
        let via = report.findings.first { $0.code == "nat.private-via" }
        #expect(via?.severity == .warning)
        #expect(via?.line == 2)
        #expect(via?.hint?.contains("rport") == true)
        let contact = report.findings.first { $0.code == "nat.private-contact" }
        #expect(contact?.line == 8)
        #expect(contact?.message.contains("10.1.2.3:5060") == true)
        let sdp = report.findings.first { $0.code == "nat.private-sdp-address" }
        #expect(sdp?.message.contains("100.64.7.9:40000") == true)
        #expect(sdp?.message.contains("RFC 6598") == true)
    }

    @Test func missingCallIDMustBeRejected() {
        let head = Self.inviteHead.filter { !$0.hasPrefix("Call-ID") }
        let report = Linter.lint(Self.message(head))
        #expect(report.verdict == .mustReject)
        #expect(report.findings.contains { $0.severity == .error && $0.code == "sip.missing-header" })
    }

    @Test func duplicatedToMustBeRejectedOnItsLine() {
        let head = Self.inviteHead + ["To: <sip:bob@example.com>"]
        let report = Linter.lint(Self.message(head))
        #expect(report.verdict == .mustReject)
        let duplicate = report.findings.first { $0.code == "sip.duplicate-header" }
        #expect(duplicate != nil)
        #expect(duplicate?.line == 9 || duplicate?.line == 5)
    }

    @Test func unparseableInputReportsCodeAndLine() {
        let report = Linter.lint(Array("INVITE sip:a@b SIP/2.0\r\nVia SIP/2.0/UDP host\r\n\r\n".utf8))
        #expect(report.verdict == .unparseable)
        #expect(report.parseError?.code == .malformedHeader)
        #expect(report.parseError?.line == 2)
    }

    @Test(arguments: [
        ("binary junk", [UInt8](repeating: 0xFF, count: 300) + [0, 1, 2, 13, 10, 13, 10]),
        ("NUL in start line", Array("INV\u{0}ITE sip:a@b SIP/2.0\r\n\r\n".utf8)),
        ("empty", []),
        ("only blank lines", Array("\n\n\r\n".utf8)),
    ] as [(String, [UInt8])])
    func junkIsUnparseableNotACrash(name: String, bytes: [UInt8]) {
        let report = Linter.lint(bytes)
        #expect(report.verdict == .unparseable, "\(name)")
        #expect(report.parseError != nil)
    }

    @Test func hugeHeaderLineAndTenThousandHeadersAreRefusedCleanly() {
        let long = Self.message(Self.inviteHead + ["X-Long: " + String(repeating: "a", count: 1 << 20)])
        #expect(Linter.lint(long).verdict == .unparseable)
        let many = Self.message(Self.inviteHead + (0..<10_000).map { "X-H\($0): v" })
        let report = Linter.lint(many)
        #expect(report.verdict == .unparseable)
        #expect(report.parseError?.code == .tooManyHeaders)
    }

    @Test func leadingBlankLinesShiftLineNumbers() {
        var head = Self.inviteHead
        head[3] = "From: <sip:alice@example.com>"  // no tag, line 4 of the message
        let report = Linter.lint(Array("\n\n".utf8) + Self.message(head))
        let finding = report.findings.first { $0.code == "sip.missing-from-tag" }
        #expect(finding?.line == 6)
    }

    @Test func headersPastedWithoutBlankLineAreAccepted() {
        let text = Self.inviteHead.joined(separator: "\n") + "\nContent-Length: 0\n"
        let report = Linter.lint(Array(text.utf8))
        #expect(report.verdict == .wellFormed)
        #expect(report.findings.contains { $0.code == "lint.no-blank-line" })
    }

    @Test func bareLFPasteWhoseContentLengthFitsCRLFIsRepaired() {
        let crlf = Self.message(Self.inviteHead + ["Content-Type: application/sdp"], body: Self.offerSDP)
        let lf = Array(String(decoding: crlf, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").utf8)
        let report = Linter.lint(lf)
        #expect(report.verdict == .wellFormed)
        #expect(report.findings.contains { $0.code == "lint.bare-lf" })
        // The normalised form is the CRLF message the wire carried.
        #expect(report.normalized.map { String(decoding: $0, as: UTF8.self).contains("\r\nm=audio 40000") } == true)
    }

    @Test func contentLengthShorterThanBodyIsAWarning() {
        let report = Linter.lint(Self.message(Self.inviteHead, body: "hello world", contentLength: 5))
        let finding = report.findings.first { $0.code == "sip.content-length-short" }
        #expect(finding?.severity == .warning)
        #expect(finding?.line == 9)
    }

    @Test func contentLengthLargerThanDataIsUnparseable() {
        let report = Linter.lint(Self.message(Self.inviteHead, body: "v=0\n", contentLength: 400))
        #expect(report.verdict == .unparseable)
        #expect(report.parseError?.code == .contentLengthExceedsData)
    }

    @Test func answerWithoutTelephoneEventWarnsAboutDTMF() {
        let head = [
            "SIP/2.0 200 OK",
            "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK776asdhds;received=198.51.100.4;rport=40123",
            "From: <sip:alice@example.com>;tag=1928301774",
            "To: <sip:+15550011234@trunk.example.net>;tag=as7f",
            "Call-ID: a84b4c76e66710@example.com",
            "CSeq: 314159 INVITE",
            "Contact: <sip:trunk@198.51.100.10>",
            "Content-Type: application/sdp",
        ]
        let answer = """
            v=0
            o=- 2 2 IN IP4 198.51.100.10
            s=-
            c=IN IP4 198.51.100.10
            t=0 0
            m=audio 30000 RTP/AVP 18
            a=rtpmap:18 G729/8000

            """
        let offer = try? SessionDescription.parse(Self.offerSDP)
        let report = Linter.lint(Self.message(head, body: answer), offer: offer)
        #expect(report.verdict == .wellFormed)
        #expect(report.findings.contains { $0.code == "sdp.no-telephone-event" && $0.severity == .warning })
        let noCommon = report.findings.first { $0.code == "sdp.no-common-codec" }
        #expect(noCommon?.message.contains("G729") == true)
        let received = report.findings.first { $0.code == "nat.received" }
        #expect(received?.message.contains("198.51.100.4:40123") == true)
    }

    @Test func challengeWithoutHeaderAndCredentialsWithWrongURI() {
        let unauthorized = [
            "SIP/2.0 401 Unauthorized",
            "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK776asdhds",
            "From: <sip:alice@example.com>;tag=1928301774",
            "To: <sip:alice@example.com>;tag=xyz",
            "Call-ID: a84b4c76e66710@example.com",
            "CSeq: 1 REGISTER",
        ]
        let report = Linter.lint(Self.message(unauthorized))
        #expect(report.findings.contains { $0.code == "sip.missing-header" && $0.message.contains("WWW-Authenticate") })

        let register = [
            "REGISTER sip:example.com SIP/2.0",
            "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKnashds7",
            "Max-Forwards: 70",
            "From: <sip:alice@example.com>;tag=456248",
            "To: <sip:alice@example.com>",
            "Call-ID: 843817637684230@998sdasdh09",
            "CSeq: 2 REGISTER",
            "Contact: <sip:alice@203.0.113.5>",
            #"Authorization: Digest username="alice", realm="example.com", nonce="abc", uri="sip:other.example.com", response="0123456789abcdef0123456789abcdef""#,
        ]
        let second = Linter.lint(Self.message(register))
        #expect(second.findings.contains { $0.code == "auth.credentials" && $0.message.contains("'alice'") })
        let mismatch = second.findings.first { $0.code == "auth.uri-mismatch" }
        #expect(mismatch?.line == 9)
    }

    @Test func maxForwardsZeroIsAWarning() {
        let head = Self.inviteHead.map { $0 == "Max-Forwards: 70" ? "Max-Forwards: 0" : $0 }
        let report = Linter.lint(Self.message(head))
        #expect(report.verdict == .wellFormed)
        #expect(report.findings.contains { $0.severity == .warning && $0.line == 3 })
    }
}
