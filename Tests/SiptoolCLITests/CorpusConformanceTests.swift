import Foundation
import SiptoolCLI
import Testing

/// `siptool diagnose` on every capture of the shared corpus against tshark 4.0.17's answers
/// (`expected/summary.json`): SIP message counts, and for every RTP stream tshark lists (with its RTP
/// heuristic on) the packets, loss, delta and jitter to the printed decimals and the Problems flag.
///
/// Known, documented differences (docs: BENCHMARKS.md / README "Known differences from tshark"):
/// - heplify-sip_sctp.pcap: SIP over SCTP is not decoded (tshark counts 4 messages).
/// - wswiki-FAX-Call-t38-CA-TDM-SIP-FB-1.pcap, stream 0x0EAF0EAF: tshark switches the port to T.38
///   at 64.7 s from SDP carried in MGCP, which siptool does not read, so siptool keeps counting it
///   as RTP.
@Suite struct CorpusConformanceTests {
    static let corpus: String = {
        if let path = ProcessInfo.processInfo.environment["SIPTOOL_CORPUS"] { return path }
        return SourceTree.root + "/../shared/corpus"
    }()

    static let knownSIPCountDifferences: Set<String> = ["pcap/heplify-sip_sctp.pcap"]
    static let knownStreamDifferences: Set<String> = ["pcap/wswiki-FAX-Call-t38-CA-TDM-SIP-FB-1.pcap 0x0EAF0EAF"]

    static func expectedFiles() -> [[String: Any]]? {
        guard let data = FileManager.default.contents(atPath: corpus + "/expected/summary.json"),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return json["files"] as? [[String: Any]]
    }

    @Test func everyCaptureMatchesTshark() throws {
        guard let files = Self.expectedFiles() else {
            print("SKIPPED: shared corpus not found at \(Self.corpus) (set SIPTOOL_CORPUS); the tshark conformance test did not run")
            return
        }
        #expect(files.count >= 40)
        var checkedStreams = 0
        for expected in files {
            let name = expected["file"] as! String
            let run = Run(["diagnose", "--json", Self.corpus + "/" + name])
            #expect(run.status == 0 || run.status == 1, "\(name): exit \(run.status): \(run.stderr)")
            guard let data = run.stdout.data(using: .utf8),
                let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else {
                Issue.record("\(name): diagnose printed no JSON: \(run.stderr)")
                continue
            }
            let counters = report["counters"] as! [String: Any]
            let sip = expected["sip"] as! [String: Any]
            if !Self.knownSIPCountDifferences.contains(name) {
                #expect(counters["sip_pdus"] as? Int == sip["messages"] as? Int, "\(name): SIP messages")
            }
            var ours: [String: [String: Any]] = [:]
            for call in report["calls"] as! [[String: Any]] {
                for stream in call["rtp_streams"] as! [[String: Any]] { ours[Self.key(stream)] = stream }
            }
            for stream in report["unassociated_rtp_streams"] as! [[String: Any]] { ours[Self.key(stream)] = stream }
            for stream in expected["rtp_streams"] as! [[String: Any]] {
                let ssrc = stream["ssrc"] as! String
                if Self.knownStreamDifferences.contains("\(name) \(ssrc)") { continue }
                let key = "\(stream["src"]!) \(stream["dst"]!) \(ssrc)"
                guard let mine = ours[key] else {
                    Issue.record("\(name): stream \(key) (\(stream["payload"]!)) not found")
                    continue
                }
                checkedStreams += 1
                let tshark = mine["tshark"] as! [String: Any]
                #expect(mine["packets"] as? Int == stream["packets"] as? Int, "\(name) \(key) packets")
                #expect(tshark["lost"] as? Int == stream["lost"] as? Int, "\(name) \(key) lost")
                #expect(mine["payload"] as? String == stream["payload"] as? String, "\(name) \(key) payload")
                #expect(tshark["problems"] as? Bool == stream["problems"] as? Bool, "\(name) \(key) problems")
                for field in ["min_delta_ms", "mean_delta_ms", "max_delta_ms", "min_jitter_ms", "mean_jitter_ms", "max_jitter_ms"] {
                    let want = (stream[field] as! NSNumber).doubleValue
                    let got = (tshark[field] as? NSNumber)?.doubleValue ?? .nan
                    #expect(abs((got * 1000).rounded() / 1000 - want) < 0.0011, "\(name) \(key) \(field): \(got) vs \(want)")
                }
                let lostPct = (stream["lost_pct"] as! NSNumber).doubleValue
                let ourPct = (tshark["lost_pct"] as? NSNumber)?.doubleValue ?? .nan
                #expect(abs((ourPct * 10).rounded() / 10 - lostPct) < 0.051, "\(name) \(key) lost %")
            }
        }
        #expect(checkedStreams >= 60)
    }

    static func key(_ stream: [String: Any]) -> String {
        "\(stream["source"]!) \(stream["destination"]!) \(stream["ssrc"]!)"
    }
}
