import Foundation
import SiptoolCLI
import Testing

/// `siptool diagnose` on captures of calls to baresip 1.0, a real user agent, auto-answering on
/// loopback (SIP 127.0.0.1:5102, RTP 16520-16539) with espeak-ng speech from its `aufile` source;
/// SIPp calls it from 127.0.0.1:5103 (RTP 16420). Its config is generated into a temporary folder.
@Suite(.serialized) struct BaresipInteropTests {
    struct Tools {
        var baresip: String
        var sipp: String
        var env: String
        var espeak: String
        var sox: String
    }

    static func requireTools() -> Tools? {
        let names = ["baresip", "sipp", "tcpdump", "env", "espeak-ng", "sox"]
        let found = names.map { InteropTests.tool($0) }
        guard getuid() == 0, !found.contains(nil) else {
            let missing = zip(names, found).filter { $0.1 == nil }.map(\.0)
            print("SKIPPED: baresip interop tests need root and \(names.joined(separator: ", ")) "
                + "(scripts/install-deps.sh test); missing: \(getuid() == 0 ? missing.joined(separator: ", ") : "root")")
            return nil
        }
        return Tools(baresip: found[0]!, sipp: found[1]!, env: found[3]!, espeak: found[4]!, sox: found[5]!)
    }

    static let sipPort = 5102
    static let callerPort = 5103

    /// What differs between the baresip set-ups of the suites; the rest of the config is shared.
    struct BaresipSetup {
        var sipPort: Int
        /// The `audio_source`, `audio_player` (nil: none) and `audio_alert` lines' values.
        var source: String
        var player: String?
        var alert: String
        var sampleRate: Int
        var rtpPorts: String
        /// Codec and filter modules (account and menu are always loaded).
        var modules: [String]
        /// Further config lines (e.g. `snd_path DIR` for the sndfile module).
        var extra: [String] = []
    }

    /// A baresip config folder: headless (no UI, aufile in and out), bound to 127.0.0.1 so its RTP
    /// leaves from the address its SDP announces, resolver kept local, one auto-answering account.
    static func writeConfig(_ setup: BaresipSetup, in directory: String) throws {
        let folder = directory + "/baresip"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var lines = [
            "poll_method epoll",
            "sip_listen 127.0.0.1:\(setup.sipPort)",
            "net_interface 127.0.0.1",
            "dns_server 127.0.0.1:53",
            "audio_source \(setup.source)",
        ]
        if let player = setup.player { lines.append("audio_player \(player)") }
        lines += [
            "audio_alert \(setup.alert)",
        ] + setup.extra + [
            "ausrc_srate \(setup.sampleRate)",
            "auplay_srate \(setup.sampleRate)",
            "ausrc_channels 1",
            "auplay_channels 1",
            "rtp_ports \(setup.rtpPorts)",
            "module_path /usr/lib/baresip/modules",
        ]
        lines += (setup.modules + ["account.so", "menu.so"]).map { "module \($0)" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/config", atomically: true, encoding: .utf8)
        try "<sip:bob@127.0.0.1:\(setup.sipPort)>;regint=0;answermode=auto\n".write(toFile: folder + "/accounts", atomically: true, encoding: .utf8)
    }

    /// This suite's set-up: G.711, speech in, what it hears written to received.wav.
    static func writeConfig(in directory: String) throws {
        try Self.writeConfig(BaresipSetup(
            sipPort: Self.sipPort, source: "aufile,\(directory)/speech.wav", player: "aufile,\(directory)/received.wav",
            alert: "aufile,\(directory)/alert.wav", sampleRate: 8000, rtpPorts: "16520-16539", modules: ["g711.so", "aufile.so"]), in: directory)
    }

    /// Starts baresip from `binary` (its own lifetime bound: `-t seconds`), waits until it says it
    /// is ready, runs `body`, then stops it by PID.
    static func withBaresip<T>(_ binary: String, directory: String, seconds: Int = 40, _ body: () throws -> T) throws -> T {
        let log = directory + "/baresip.log"
        let baresip = try InteropTests.start([binary, "-f", directory + "/baresip", "-t", "\(seconds)"], log: log)
        defer { baresip.stop(SIGTERM, seconds: 5) }
        let deadline = Date().addingTimeInterval(5)
        var ready = false
        while Date() < deadline && !ready {
            ready = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("baresip is ready")
            if !ready { usleep(50_000) }
        }
        try #require(ready, "baresip did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        return try body()
    }

    /// SIPp calls bob at baresip with `scenario` (run in `directory`, where speech.ulaw is) while
    /// loopback is captured; returns the pcap path.
    static func call(_ tools: Tools, directory: String, scenario: String, name: String, extra: [String] = []) throws -> String? {
        try InteropTests.capture(filter: "udp portrange 5100-5109 or udp portrange 16400-16599", name: name) {
            try Self.withBaresip(tools.baresip, directory: directory) {
                let uac = try InteropTests.start([
                    tools.env, "-C", directory, tools.sipp, "-sf", SourceTree.root + "/scenarios/sipp/" + scenario,
                    "127.0.0.1:\(Self.sipPort)", "-s", "bob", "-i", "127.0.0.1", "-p", "\(Self.callerPort)", "-mp", "16420",
                    "-m", "1", "-nostdin",
                ] + extra, log: directory + "/uac.log")
                uac.wait(seconds: 20)
            }
        }
    }

    static func setUp() throws -> (Tools, String)? {
        guard let tools = Self.requireTools() else { return nil }
        let directory = try NamespaceInteropTests.workDirectory()
        try NamespaceInteropTests.makeSpeech(in: directory, espeak: tools.espeak, sox: tools.sox)
        _ = FileManager.default.createFile(atPath: directory + "/alert.wav", contents: FileManager.default.contents(atPath: directory + "/speech.wav"))
        try Self.writeConfig(in: directory)
        return (tools, directory)
    }

    /// PCMU offered, baresip answers and talks: two real audio streams, RTCP from baresip, no errors.
    /// The call lasts 7 s so that baresip's first RTCP report (5 s in) is in the capture.
    @Test func baresipAnswersAPCMUCallWithRealAudio() throws {
        guard let (tools, directory) = try Self.setUp() else { return }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try Self.call(tools, directory: directory, scenario: "nat-uac-rtp.xml", name: "baresip-pcmu", extra: ["-d", "7000"])
        guard let path else { return }
        defer { unlink(path); unlink(path + ".log") }
        let json = try InteropTests.diagnose(path)
        let call = try #require(InteropTests.calls(json).first { $0["kind"] as? String == "call" })
        #expect(call["final_status"] as? Int == 200)
        #expect(call["ending"] as? String == "BYE from caller")
        #expect(call["callee"] as? String == "127.0.0.1:\(Self.sipPort)")
        let severities = (call["findings"] as? [[String: Any]] ?? []).compactMap { $0["severity"] as? String }
        #expect(!severities.contains("error"), "\(InteropTests.codes(call))")

        let streams = call["rtp_streams"] as? [[String: Any]] ?? []
        #expect(streams.count == 2, "\(streams.map { "\($0["source"] ?? "") -> \($0["destination"] ?? "")" })")
        let fromSIPp = try #require(streams.first { $0["source"] as? String == "127.0.0.1:16420" })
        let fromBaresip = try #require(streams.first { $0["destination"] as? String == "127.0.0.1:16420" })
        let baresipMedia = try #require(fromBaresip["source"] as? String)
        #expect(fromSIPp["destination"] as? String == baresipMedia, "baresip sends from the port it announced")
        for stream in [fromSIPp, fromBaresip] {
            #expect(stream["payload"] as? String == "g711U")
            #expect((stream["packets"] as? Int ?? 0) >= 250, "about 7 s at 50 packets/s")
            #expect(stream["silent"] as? Bool == false, "espeak-ng speech is not silence")
            #expect(((stream["rfc3550"] as? [String: Any])?["lost"] as? Int) == 0)
        }
        // baresip reports on what it received from SIPp, from its RTP port + 1.
        let rtcp = fromSIPp["rtcp"] as? [[String: Any]] ?? []
        let port = Int(baresipMedia.split(separator: ":").last ?? "") ?? 0
        #expect(!rtcp.isEmpty && rtcp.allSatisfy { $0["reporter"] as? String == "127.0.0.1:\(port + 1)" }, "\(rtcp)")
        #expect(rtcp.first?["cumulative_lost"] as? Int == 0)
    }

    /// `siptool call` to baresip auto-answering: audio both ways (baresip plays real speech), and
    /// the RFC 4733 digits siptool sends are the ones baresip says it received.
    @Test func siptoolCallsBaresipWithAudioBothWaysAndDTMF() throws {
        guard let (tools, directory) = try Self.setUp() else { return }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var run: Run?
        try Self.withBaresip(tools.baresip, directory: directory) {
            run = Run(["call", "--json", "--duration", "4s", "--dtmf", "159#", "--dtmf-at", "1s", "--rtp-ports", "16440-16459",
                       "sip:bob@127.0.0.1:\(Self.sipPort)"])
            usleep(500_000)  // let baresip log the last event
        }
        let result = try #require(run)
        #expect(result.status == 0, "\(result.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["verdict"] as? String == "pass")
        let rtp = try #require(json["rtp"] as? [String: Any])
        #expect((rtp["received"] as? Int ?? 0) > 150, "baresip's speech came back: \(rtp)")
        let log = (try? String(contentsOfFile: directory + "/baresip.log", encoding: .utf8)) ?? ""
        let received = log.components(separatedBy: "received event: '").dropFirst().compactMap { part -> Character? in
            part.contains("(end=1)") && part.count > 1 ? part.first : nil
        }
        #expect(String(received) == "159#", "baresip received: \(String(received)) in \(log.suffix(400))")
    }

    /// Only G.729 offered: baresip (no G.729 module) refuses with 488 -> sdp.no-common-codec with
    /// the offered list. baresip's 488 carries no SDP and no Warning, so its own list cannot be in
    /// the capture; the finding says the far end did not list its codecs.
    @Test func baresipRefusesAG729OnlyOfferWith488() throws {
        guard let (tools, directory) = try Self.setUp() else { return }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try Self.call(tools, directory: directory, scenario: "nat-uac-g729-only.xml", name: "baresip-g729")
        guard let path else { return }
        defer { unlink(path); unlink(path + ".log") }
        let call = try #require(InteropTests.calls(try InteropTests.diagnose(path)).first { $0["kind"] as? String == "call" })
        #expect(call["final_status"] as? Int == 488)
        let finding = try #require((call["findings"] as? [[String: Any]] ?? []).first { $0["code"] as? String == "sdp.no-common-codec" }, "\(InteropTests.codes(call))")
        #expect(finding["severity"] as? String == "error")
        let summary = finding["summary"] as? String ?? ""
        #expect(summary.contains("488") && summary.contains("G729"), "\(summary)")
        let evidence = finding["evidence"] as? [[String: Any]] ?? []
        #expect(evidence.contains { ($0["label"] as? String ?? "").hasPrefix("offer") && ($0["label"] as? String ?? "").contains("G729") }, "\(evidence)")
        #expect(evidence.contains { ($0["label"] as? String ?? "").contains("488") }, "\(evidence)")
        #expect((call["rtp_streams"] as? [Any] ?? []).isEmpty)
    }
}
