import Foundation
import SiptoolCLI
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// RTCP report blocks in what siptool sends (RFC 3550 §6.4.1): `siptool call` to
/// `siptool answer --echo` on loopback (SIP port 5127, RTP 17400-17499). Each side's sender
/// report carries a block about the other's stream, with LSR/DLSR so the round trip can be
/// computed; tshark reads the blocks from the caller's pcap independently.
@Suite struct LiveRTCPInteropTests {
    @Test func eachSideReportsOnTheOthersStream() throws {
        let pcap = "/tmp/siptool-rtcp-\(getpid()).pcap"
        defer { unlink(pcap) }
        let answer = LiveAnswerInteropTests.Background(["answer", "--json", "--listen", "127.0.0.1:5127", "--echo", "--calls", "1", "--rtp-ports", "17450-17499"])
        // 6.5 s: sender reports go out 1 s and 6 s after media starts (the second with LSR/DLSR of
        // the other side's first), and with BYE at the end.
        let run = Run(["call", "--json", "--duration", "6500ms", "--rtp-ports", "17400-17449", "--pcap", pcap, "sip:echo@127.0.0.1:5127"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        _ = answer.result()
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
        let analysis = try #require(report["analysis"] as? [String: Any])
        let call = try #require((analysis["calls"] as? [[String: Any]])?.first)
        let streams = try #require(call["rtp_streams"] as? [[String: Any]])
        #expect(streams.count == 2)
        for stream in streams {
            let views = stream["rtcp"] as? [[String: Any]] ?? []
            // Each stream is reported on by its receiver: nothing lost on loopback, and the later
            // reports (after an SR from the other side arrived) give a round trip.
            #expect(!views.isEmpty, "no report block about \(stream["source"] ?? "?")")
            #expect(views.allSatisfy { ($0["cumulative_lost"] as? Int) == 0 }, "\(views)")
            let trips = views.compactMap { $0["round_trip_ms"] as? Double }
            #expect(!trips.isEmpty, "no round trip in \(views)")
            #expect(trips.allSatisfy { $0 >= 0 && $0 < 100 }, "\(trips)")
            // The reporter is the other end of the stream, on its RTCP port.
            let destination = try #require(stream["destination"] as? String)
            let reporters = Set(views.compactMap { $0["reporter"] as? String })
            #expect(reporters.count == 1)
            #expect(reporters.first.map { $0.hasPrefix("127.0.0.1:") } == true, "\(reporters) for \(destination)")
        }

        // tshark: every report block names an SSRC that really sent RTP in the capture.
        guard let tshark = InteropTests.tool("tshark") else {
            print("SKIPPED: tshark comparison needs tshark")
            return
        }
        let rtpSSRCs = Set(try self.fields(tshark, pcap, filter: "rtp", field: "rtp.ssrc"))
        let reported = try self.fields(tshark, pcap, filter: "rtcp.ssrc.identifier", field: "rtcp.ssrc.identifier")
        #expect(rtpSSRCs.count == 2, "\(rtpSSRCs)")
        #expect(!reported.isEmpty && Set(reported).isSubset(of: rtpSSRCs), "\(reported) vs \(rtpSSRCs)")
        #expect(Set(reported).count == 2, "both streams reported on: \(reported)")
    }

    /// One field of every matching packet, as tshark prints it (forced to decode the RTP ports).
    func fields(_ tshark: String, _ pcap: String, filter: String, field: String) throws -> [String] {
        let out = "/tmp/siptool-rtcp-fields-\(getpid()).txt"
        defer { unlink(out) }
        let child = try InteropTests.start(
            [tshark, "-r", pcap, "-o", "rtp.heuristic_rtp:TRUE", "-o", "rtcp.heuristic_rtcp:TRUE", "-Y", filter, "-T", "fields", "-e", field],
            log: out)
        child.wait(seconds: 30)
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        return text.split(whereSeparator: \.isNewline).flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("0x") }
    }
}
