import Foundation
import SiptoolCLI
import Testing

/// Forked INVITEs (RFC 3261 §13.2.2.4): several dialogs from one INVITE, told apart by To tag.
@Suite struct DiagnoseDialogTests {
    /// INVITE forked by a proxy at 198.51.100.10 to two phones: both ring (tags b1, b2), `answering`
    /// tags answer with 200 (each ACKed), and `byes` tags get a BYE from the caller.
    func forkedCall(answering: [String], byes: [String]) -> CallCapture {
        var capture = CallCapture()
        let via = "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-fork;rport"
        let from = "From: <sip:alice@example.com>;tag=a1"
        capture.sip(["INVITE sip:+15550011234@198.51.100.10 SIP/2.0", via, "Max-Forwards: 70", from,
                     "To: <sip:+15550011234@198.51.100.10>", "CSeq: 1 INVITE", "Contact: <sip:alice@203.0.113.5>"],
                    body: CallCapture.sdp("203.0.113.5", 40000), fromCaller: true, afterMs: 0)
        for (tag, phone) in [("b1", "192.0.2.21"), ("b2", "192.0.2.22")] {
            capture.sip(["SIP/2.0 180 Ringing", via, from, "To: <sip:+15550011234@198.51.100.10>;tag=\(tag)", "CSeq: 1 INVITE",
                         "Contact: <sip:phone@\(phone)>"], fromCaller: false, afterMs: 100)
        }
        for tag in answering {
            capture.sip(["SIP/2.0 200 OK", via, from, "To: <sip:+15550011234@198.51.100.10>;tag=\(tag)", "CSeq: 1 INVITE",
                         "Contact: <sip:phone@192.0.2.2\(tag.last!)>"], body: CallCapture.sdp("198.51.100.10", 30000), fromCaller: false, afterMs: 500)
            capture.sip(["ACK sip:phone@192.0.2.2\(tag.last!) SIP/2.0", "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-ack-\(tag)",
                         "Max-Forwards: 70", from, "To: <sip:+15550011234@198.51.100.10>;tag=\(tag)", "CSeq: 1 ACK"], fromCaller: true)
        }
        for tag in byes {
            capture.sip(["BYE sip:phone@192.0.2.2\(tag.last!) SIP/2.0", "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-bye-\(tag)",
                         "Max-Forwards: 70", from, "To: <sip:+15550011234@198.51.100.10>;tag=\(tag)", "CSeq: 2 BYE"], fromCaller: true)
        }
        return capture
    }

    func call(_ capture: CallCapture) throws -> [String: Any] {
        let path = try capture.write()
        defer { unlink(path) }
        let run = Run(["diagnose", "--json", path])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
        return try #require((json["calls"] as? [[String: Any]])?.first)
    }

    func findings(_ call: [String: Any], _ code: String) -> [[String: Any]] {
        (call["findings"] as? [[String: Any]] ?? []).filter { $0["code"] as? String == code }
    }

    @Test func forkedInviteListsEachDialogAndTheOneThatAnswered() throws {
        let call = try self.call(self.forkedCall(answering: ["b2"], byes: ["b2"]))
        let dialogs = try #require(call["dialogs"] as? [[String: Any]])
        #expect(dialogs.map { $0["to_tag"] as? String } == ["b1", "b2"])
        #expect(dialogs.map { $0["best_status"] as? Int } == [180, 200])
        #expect(dialogs.first?["contact"] as? String == "<sip:phone@192.0.2.21>")
        let forked = try #require(self.findings(call, "call.forked").first)
        #expect(forked["severity"] as? String == "info")
        let summary = try #require(forked["summary"] as? String)
        #expect(summary.contains("forked into 2 dialogs"))
        #expect(summary.contains("answered on tag b2"))
        #expect(self.findings(call, "call.multiple-answers").isEmpty)
        #expect(call["final_status"] as? Int == 200)
    }

    @Test func twoAnswersWithoutByeOnTheExtraIsAWarning() throws {
        let call = try self.call(self.forkedCall(answering: ["b1", "b2"], byes: ["b1"]))
        let finding = try #require(self.findings(call, "call.multiple-answers").first)
        #expect(finding["severity"] as? String == "warning")
        #expect((finding["summary"] as? String)?.contains("1 extra call(s) were never ended") == true)

        let tidy = try self.call(self.forkedCall(answering: ["b1", "b2"], byes: ["b1", "b2"]))
        #expect(self.findings(tidy, "call.multiple-answers").first?["severity"] as? String == "info")
    }

    @Test func anOrdinaryCallHasOneDialogAndNoForkFinding() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        let call = try self.call(capture)
        #expect((call["dialogs"] as? [[String: Any]])?.count == 1)
        #expect(self.findings(call, "call.forked").isEmpty)
    }
}
