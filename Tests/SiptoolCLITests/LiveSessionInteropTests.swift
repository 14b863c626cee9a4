import Foundation
import SiptoolCLI
import Testing

/// `siptool call` against SIPp scenarios for the RFC 3262, re-INVITE and redirect paths: a UAS
/// that sends a reliable 180 and insists on one PRACK, a UAS that refreshes and holds the
/// session with re-INVITEs, and a redirect server in front of a second UAS. SIPp's exit status
/// says whether its scenario (with its header and body checks) completed. Ports 5150-5159 for
/// SIP, 17000-17199 for RTP.
@Suite(.serialized) struct LiveSessionInteropTests {
    func sipp() -> String? {
        guard let sipp = InteropTests.tool("sipp") else {
            print("SKIPPED: live session interop needs sipp (scripts/install-deps.sh test)")
            return nil
        }
        return sipp
    }

    func json(_ run: Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)\n\(run.stderr)")
    }

    /// SIPp's exit status once it ends by itself (at most `seconds`; killed and nil after that).
    func exitStatus(_ child: InteropTests.Child, seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while Date() < deadline {
            if waitpid(child.pid, &status, WNOHANG) == child.pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : nil }
            usleep(20_000)
        }
        kill(child.pid, SIGKILL)
        _ = waitpid(child.pid, &status, 0)
        return nil
    }

    func log(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// SIPp on 127.0.0.1:`port` with `scenario` (a file of scenarios/sipp, or nil for the built-in
    /// UAS) for `calls` calls; returns once it holds its port (at most 10 s), not after a guess.
    func startSIPp(_ sipp: String, scenario: String?, port: Int, calls: Int = 1, extra: [String], log: String) throws -> InteropTests.Child {
        let script = scenario.map { ["-sf", SourceTree.root + "/scenarios/sipp/" + $0] } ?? ["-sn", "uas"]
        let child = try InteropTests.start(
            [sipp] + script + ["-i", "127.0.0.1", "-p", "\(port)", "-m", "\(calls)", "-nostdin"] + extra, log: log)
        InteropTests.waitUntilListening(port)
        return child
    }

    func labels(_ report: [String: Any]) -> [String] {
        (report["timeline"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
    }

    @Test func reliableRingingIsPrackedOnceBeforeTheAnswer() throws {
        guard let sipp = self.sipp() else { return }
        let logPath = "/tmp/siptool-live-prack.log"
        let uas = try self.startSIPp(sipp, scenario: "uas-100rel.xml", port: 5150, extra: ["-rtp_echo", "-mp", "17000"], log: logPath)
        defer { uas.stop(SIGTERM, seconds: 5) }
        let run = Run(["call", "--json", "--duration", "2s", "--rtp-ports", "17100-17149", "sip:prack@127.0.0.1:5150"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let report = try self.json(run)
        #expect(report["answered"] as? Bool == true)
        #expect(report["pracks_sent"] as? Int == 1, "one PRACK although the 180 came twice")
        #expect(report["pracks_answered"] as? Int == 1)
        let labels = self.labels(report)
        #expect(labels.contains("PRACK sent (RAck: 1 1 INVITE)"), "\(labels)")
        #expect(labels.contains("200 OK to PRACK"), "\(labels)")
        // SIPp checked Supported: 100rel and the RAck value, and got no second PRACK.
        #expect(self.exitStatus(uas, seconds: 10) == 0, "\(self.log(logPath))")
    }

    @Test func reInvitesForRefreshAndHoldAreAnsweredWithOurSDP() throws {
        guard let sipp = self.sipp() else { return }
        let logPath = "/tmp/siptool-live-reinvite.log"
        let uas = try self.startSIPp(
            sipp, scenario: "uas-reinvite.xml", port: 5151, extra: ["-rtp_echo", "-mp", "17020", "-set", "moved_port", "17030"], log: logPath)
        defer { uas.stop(SIGTERM, seconds: 5) }
        let pcap = "/tmp/siptool-live-reinvite-\(getpid()).pcap"
        defer { unlink(pcap) }
        let run = Run(["call", "--json", "--duration", "3s", "--rtp-ports", "17100-17149", "--pcap", pcap, "sip:refresh@127.0.0.1:5151"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let report = try self.json(run)
        #expect((report["rtp"] as? [String: Any])?["announced_remote"] as? String == "127.0.0.1:17030", "the latest media address")
        #expect(report["answered"] as? Bool == true)
        let refreshes = report["remote_refreshes"] as? [[String: Any]] ?? []
        #expect(refreshes.count == 3, "\(refreshes)")
        if refreshes.count == 3 {
            #expect(refreshes[0]["method"] as? String == "INVITE")
            #expect(refreshes[0]["session_expires"] as? String == "90;refresher=uac")
            #expect(refreshes[0]["version_changed"] as? Bool == false)
            #expect(refreshes[0]["held_by_remote"] as? Bool == false)
            #expect(refreshes[1]["remote_direction"] as? String == "sendonly")
            #expect(refreshes[1]["local_direction"] as? String == "recvonly")
            #expect(refreshes[1]["version_changed"] as? Bool == true)
            #expect(refreshes[1]["held_by_remote"] as? Bool == true)
        }
        #expect(self.labels(report).contains { $0.hasPrefix("re-INVITE from the far end (a=sendonly") }, "\(self.labels(report))")
        // The third moved the media: our RTP goes to the new port from then on.
        #expect(self.labels(report).contains("the far end moved its media to 127.0.0.1:17030: RTP goes there now"), "\(self.labels(report))")
        if let tshark = InteropTests.tool("tshark") {
            let out = "/tmp/siptool-live-reinvite-\(getpid()).txt"
            defer { unlink(out) }
            let child = try InteropTests.start([tshark, "-r", pcap, "-Y", "udp.dstport == 17030", "-T", "fields", "-e", "udp.srcport"], log: out)
            child.wait(seconds: 30)
            let sent = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(whereSeparator: \.isNewline).filter { $0.hasPrefix("171") }
            #expect(sent.count > 10, "RTP from our port to the moved port: \(sent.count) packets")
        }
        #expect(self.exitStatus(uas, seconds: 10) == 0, "\(self.log(logPath))")
    }

    @Test func redirectIsReportedAndFollowedToTheSecondUAS() throws {
        guard let sipp = self.sipp() else { return }
        let redirectLog = "/tmp/siptool-live-redirect.log"
        let secondLog = "/tmp/siptool-live-redirect-uas.log"
        let redirect = try self.startSIPp(
            sipp, scenario: "uas-redirect.xml", port: 5152, calls: 2, extra: ["-key", "redirect_to", "sip:second@127.0.0.1:5153"], log: redirectLog)
        defer { redirect.stop(SIGTERM, seconds: 5) }
        let second = try self.startSIPp(sipp, scenario: nil, port: 5153, extra: ["-rtp_echo", "-mp", "17040"], log: secondLog)
        defer { second.stop(SIGTERM, seconds: 5) }

        // Without --follow-redirects: the Contact is reported, the call is not answered.
        let reported = Run(["call", "--json", "--rtp-ports", "17100-17149", "sip:first@127.0.0.1:5152"])
        #expect(reported.status == 1)
        let first = try self.json(reported)
        #expect(first["final_status"] as? Int == 302)
        #expect(first["redirect_contacts"] as? [String] == ["sip:second@127.0.0.1:5153"])
        #expect((first["verdict_reason"] as? String)?.contains("redirected to sip:second@127.0.0.1:5153") == true, "\(first["verdict_reason"] ?? "")")

        // With it: a new INVITE to the Contact, answered there.
        let followed = Run(["call", "--json", "--follow-redirects", "--duration", "1s", "--rtp-ports", "17100-17149", "sip:first@127.0.0.1:5152"])
        #expect(followed.status == 0, "\(followed.stdout)\n\(followed.stderr)")
        let report = try self.json(followed)
        #expect(report["answered"] as? Bool == true)
        #expect(report["target"] as? String == "sip:first@127.0.0.1:5152")
        let hops = report["redirects"] as? [[String: Any]] ?? []
        #expect(hops.count == 1)
        #expect(hops.first?["status"] as? Int == 302)
        #expect(hops.first?["target"] as? String == "sip:first@127.0.0.1:5152")
        #expect(hops.first?["contacts"] as? [String] == ["sip:second@127.0.0.1:5153"])
        #expect(hops.first?["call_id"] as? String != report["call_id"] as? String, "a new Call-ID for the new INVITE")
        #expect(self.labels(report).contains("following the redirect to sip:second@127.0.0.1:5153 (hop 1)"), "\(self.labels(report))")
        #expect(self.exitStatus(redirect, seconds: 10) == 0, "\(self.log(redirectLog))")
        #expect(self.exitStatus(second, seconds: 10) == 0, "\(self.log(secondLog))")
    }

    @Test func redirectLoopIsDetected() throws {
        guard let sipp = self.sipp() else { return }
        let logPath = "/tmp/siptool-live-redirect-loop.log"
        // Every INVITE is redirected to sip:again@...: the second time is a loop.
        let redirect = try self.startSIPp(
            sipp, scenario: "uas-redirect.xml", port: 5154, calls: 2, extra: ["-key", "redirect_to", "sip:again@127.0.0.1:5154"], log: logPath)
        defer { redirect.stop(SIGTERM, seconds: 5) }
        let run = Run(["call", "--json", "--follow-redirects", "--rtp-ports", "17100-17149", "sip:start@127.0.0.1:5154"])
        #expect(run.status == 1)
        let report = try self.json(run)
        let hops = report["redirects"] as? [[String: Any]] ?? []
        #expect(hops.count == 2, "\(hops)")
        #expect(hops.first?["not_followed"] is NSNull)
        #expect((hops.last?["not_followed"] as? String)?.contains("loop") == true, "\(hops)")
        #expect((report["verdict_reason"] as? String)?.contains("loop") == true)
        #expect(self.exitStatus(redirect, seconds: 10) == 0, "\(self.log(logPath))")
    }
}
