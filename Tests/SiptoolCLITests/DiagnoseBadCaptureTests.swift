import Foundation
import PcapIO
import SiptoolCLI
import Testing

/// Captures that are damaged or incomplete in the ways real ones are: a snaplen that cuts SIP
/// messages, junk in place of SIP, a file cut in the middle of a record. diagnose must say
/// what it could not read, report what it could, and never crash.
@Suite struct DiagnoseBadCaptureTests {
    /// Writes `capture`'s frames with a snapshot length, as `tcpdump -s N` would.
    func write(_ capture: CallCapture, snapshotLength: Int) throws -> String {
        let path = "/tmp/siptool-badcap-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).pcap"
        let writer = try PcapWriter(path: path, linkType: 1, snapshotLength: snapshotLength)
        for frame in capture.frames {
            let time = PcapTimestamp(seconds: frame.ns / 1_000_000_000, nanoseconds: UInt32(frame.ns % 1_000_000_000))
            writer.write(timestamp: time, bytes: frame.bytes)
        }
        try writer.finish()
        return path
    }

    @Test func snaplenThatCutsSIPIsReportedNotFatal() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        capture.media([(("203.0.113.5", 40000), ("198.51.100.10", 30000), 0x1111), (("198.51.100.10", 30000), ("203.0.113.5", 40000), 0x2222)], count: 20)
        capture.bye()
        // 200 bytes: the Ethernet/IP/UDP headers and the start of each SIP message survive;
        // the RTP packets (214 bytes on the wire) lose their last bytes.
        let path = try self.write(capture, snapshotLength: 200)
        defer { unlink(path) }
        let run = Run(["diagnose", "--json", path])
        #expect(run.status == 0 || run.status == 1, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
        let warnings = (json["warnings"] as? [String] ?? []).joined(separator: "\n")
        #expect(warnings.contains("cut to 200 bytes by the capture's snaplen"), "\(warnings)")
        #expect(warnings.contains("-s 0"))
        let text = Run(["diagnose", path])
        #expect(text.stdout.contains("snaplen") || text.stderr.contains("snaplen"), "the person reading the text output is told too")
    }

    @Test func junkOnTheSIPPortIsCountedNotFatal() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        // Garbage and a half SIP message to port 5060 between the real messages.
        capture.udp(from: capture.caller, to: capture.callee, Array("INVITE sip:x SIP/2.0\r\nVia: garbage\r\n\u{0}\u{1}\u{2}".utf8))
        capture.udp(from: capture.caller, to: capture.callee, (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        capture.bye()
        let path = try capture.write()
        defer { unlink(path) }
        let run = Run(["diagnose", "--json", path])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
        let call = try #require((json["calls"] as? [[String: Any]])?.first { $0["call_id"] as? String == "scenario-1@test" })
        #expect(call["final_status"] as? Int == 200)
        #expect(call["ending"] as? String == "BYE from caller")
    }

    @Test func everyCutOfASmallCaptureNeverCrashes() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        let path = try capture.write()
        defer { unlink(path) }
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let cutPath = path + ".cut"
        defer { unlink(cutPath) }
        // Every cut inside the global header and the first record header, then every 7th byte.
        var cuts = Array(0..<60)
        cuts += stride(from: 60, to: bytes.count, by: 7)
        for cut in cuts {
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: cutPath))
            let run = Run(["diagnose", "--json", cutPath])
            #expect([0, 1, 65].contains(run.status), "cut at \(cut): status \(run.status) \(run.stderr)")
            if run.status == 65 {
                #expect(run.stderr.hasPrefix("siptool: \(cutPath): "), "cut at \(cut): \(run.stderr)")
                #expect(run.stderr.split(separator: "\n").count == 1, "one line: \(run.stderr)")
            }
        }
    }
}
