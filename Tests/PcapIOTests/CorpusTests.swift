import Foundation
import PcapIO
import Testing

/// Every capture of the shared corpus: packet count and link types as tshark/capinfos saw them
/// (expected/summary.json).
@Suite struct CorpusTests {
    @Test func everyCorpusCaptureMatchesTheSummary() throws {
        guard let corpus = TestSupport.corpusDirectory() else { return }
        let data = try Data(contentsOf: URL(fileURLWithPath: corpus + "/expected/summary.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let files = try #require(root["files"] as? [[String: Any]])
        #expect(files.count >= 40)
        var checked = 0
        for entry in files {
            let name = try #require(entry["file"] as? String)
            let packets = try #require(entry["packets"] as? Int)
            let linkTypes = try #require(entry["pcap_linktypes"] as? [Int])
            let reader = try PcapReader(path: corpus + "/" + name)
            var count = 0
            var seenLinkTypes = Set<Int>()
            var last = PcapTimestamp(seconds: .min, nanoseconds: 0)
            reader.forEachPacket { packet in
                count += 1
                seenLinkTypes.insert(packet.linkType)
                last = packet.timestamp
            }
            #expect(reader.warning == nil, "\(name): \(String(describing: reader.warning))")
            #expect(count == packets, "\(name)")
            // libpcap gives one link type per file; pcapng files may list it once per interface.
            #expect(seenLinkTypes == Set(linkTypes), "\(name)")
            #expect(reader.linkType == linkTypes.first, "\(name)")
            #expect(reader.format == (name.hasSuffix(".pcapng") ? .pcapng : .pcap), "\(name)")
            #expect(last.seconds > 0, "\(name)")
            checked += 1
        }
        #expect(checked == files.count)
    }

    @Test func firstTimestampsMatchTshark() throws {
        guard let corpus = TestSupport.corpusDirectory() else { return }
        guard TestSupport.isExecutable("/usr/bin/tshark") else {
            print("SKIPPED: tshark is not installed")
            return
        }
        // A microsecond pcap, a pcapng (whose interfaces may use other resolutions) and an SLL file.
        for name in ["wswiki-aaa.pcap", "ndpi-rtp.pcapng", "asterisk-40msalaw.pcap"] {
            let path = corpus + "/pcap/" + name
            let tshark = try #require(
                TestSupport.shellOutput("tshark -r \(path) -T fields -e frame.time_epoch -c 3 2>/dev/null")
            )
            let reader = try PcapReader(path: path)
            let ours = reader.readRecords(limit: 3).map(\.timestamp.description)
            #expect(tshark.split(separator: "\n").map(String.init) == ours, "\(name)")
        }
    }
}
