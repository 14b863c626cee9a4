import Foundation
import PacketDecoding
import Testing

/// Decodes every capture of the shared corpus and counts SIP messages against tshark's.
@Suite("Shared corpus: captures")
struct CorpusTests {
    /// The corpus folder: $SIPTOOL_CORPUS, else `<package root>/../shared/corpus`, where the package
    /// root is the first folder above this file (symlinks resolved) holding Package.swift.
    static func corpusDirectory(filePath: String = #filePath) -> URL {
        if let override = ProcessInfo.processInfo.environment["SIPTOOL_CORPUS"] {
            return URL(fileURLWithPath: override)
        }
        var directory = URL(fileURLWithPath: filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) { break }
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("../shared/corpus").standardizedFileURL
    }

    /// One record of a capture file.
    struct Record {
        var linkType: LinkType
        var time: CaptureTime
        var bytes: [UInt8]
    }

    /// A minimal reader for classic pcap and little-endian pcapng (SHB, IDB, EPB, SPB), enough
    /// for the corpus; the real reader is PcapIO's.
    static func readCapture(_ data: [UInt8]) -> [Record]? {
        func u32(_ offset: Int, _ big: Bool) -> UInt32 {
            let b = data[offset..<offset + 4].map(UInt32.init)
            return big ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
        }
        guard data.count >= 24 else { return nil }
        var records: [Record] = []
        let magic = u32(0, false)
        if [0xA1B2_C3D4, 0xA1B2_3C4D, 0xD4C3_B2A1, 0x4D3C_B2A1].contains(magic) {
            let big = magic == 0xD4C3_B2A1 || magic == 0x4D3C_B2A1
            let nanosecond = magic == 0xA1B2_3C4D || magic == 0x4D3C_B2A1
            let linkType = LinkType(rawValue: Int(u32(20, big) & 0xFFFF))
            var offset = 24
            while offset + 16 <= data.count {
                let seconds = Int64(u32(offset, big))
                let fraction = Int64(u32(offset + 4, big))
                let length = Int(u32(offset + 8, big))
                guard offset + 16 + length <= data.count else { break }
                let time = CaptureTime(seconds: seconds, nanoseconds: nanosecond ? fraction : fraction * 1000)
                records.append(
                    Record(linkType: linkType, time: time, bytes: Array(data[(offset + 16)..<(offset + 16 + length)]))
                )
                offset += 16 + length
            }
            return records
        }
        guard magic == 0x0A0D_0D0A, u32(8, false) == 0x1A2B_3C4D else { return nil }
        var interfaces: [LinkType] = []
        var offset = 0
        while offset + 12 <= data.count {
            let type = u32(offset, false)
            let length = Int(u32(offset + 4, false))
            guard length >= 12, offset + length <= data.count else { break }
            switch type {
            case 1:
                interfaces.append(LinkType(rawValue: Int(u32(offset + 8, false) & 0xFFFF)))
            case 6:
                let interface = Int(u32(offset + 8, false))
                let ticks = Int64(u32(offset + 12, false)) << 32 | Int64(u32(offset + 16, false))
                let captured = Int(u32(offset + 20, false))
                if interface < interfaces.count, offset + 28 + captured <= data.count {
                    records.append(
                        Record(
                            linkType: interfaces[interface],
                            time: CaptureTime(nanosecondsSinceEpoch: ticks * 1000),
                            bytes: Array(data[(offset + 28)..<(offset + 28 + captured)])
                        )
                    )
                }
            case 3:
                if let first = interfaces.first {
                    records.append(
                        Record(
                            linkType: first,
                            time: records.last?.time ?? .zero,
                            bytes: Array(data[(offset + 12)..<(offset + length - 4)])
                        )
                    )
                }
            default:
                break
            }
            offset += length
        }
        return records
    }

    /// Occurrences of a CSeq header line: every SIP message has exactly one, and it has no
    /// compact form, so this counts messages without framing them.
    static func countCSeq(_ bytes: [UInt8]) -> Int {
        let needle = Array("\ncseq:".utf8)
        guard bytes.count >= needle.count else { return 0 }
        var count = 0
        for index in 0...(bytes.count - needle.count) {
            var match = true
            for (offset, expected) in needle.enumerated() {
                var byte = bytes[index + offset]
                if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
                if byte != expected { match = false; break }
            }
            if match { count += 1 }
        }
        return count
    }

    @Test func sipMessageCountsMatchTshark() throws {
        let corpus = Self.corpusDirectory()
        let summaryURL = corpus.appendingPathComponent("expected/summary.json")
        guard FileManager.default.fileExists(atPath: summaryURL.path) else {
            print("SKIPPED: shared corpus not found at \(corpus.path)")
            return
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: summaryURL)) as? [String: Any]
        let files = summary?["files"] as? [[String: Any]] ?? []
        #expect(files.count >= 40)
        // SIP that this layer cannot see as plain bytes: SCTP, WebSocket frames.
        let opaque: Set<String> = ["pcap/heplify-sip_sctp.pcap", "pcap/heplify-sip_tcp_websocket.pcap"]
        for file in files {
            guard let name = file["file"] as? String, let sip = file["sip"] as? [String: Any],
                let expected = sip["messages"] as? Int, !opaque.contains(name)
            else { continue }
            let data = [UInt8](try Data(contentsOf: corpus.appendingPathComponent(name)))
            guard let records = Self.readCapture(data) else {
                Issue.record("\(name): not a capture this test can read")
                continue
            }
            var decoder = PacketDecoder()
            var found = 0
            var streams: [TCPFlow: [UInt8]] = [:]
            var gaps = 0
            let handle: (DecodedEvent) -> Void = { event in
                switch event {
                case .udp(let datagram):
                    // SIP starts with a method or "SIP/2.0" (skip RTP, which starts with 0x80).
                    if let first = datagram.payload.first, first >= 0x41, first <= 0x5A {
                        found += Self.countCSeq(datagram.payloadBytes)
                    }
                case .tcpData(let chunk): streams[chunk.flow, default: []] += chunk.copyBytes()
                case .tcpGap: gaps += 1
                default: break
                }
            }
            for (index, record) in records.enumerated() {
                decoder.decode(
                    frame: record.bytes,
                    linkType: record.linkType,
                    timestamp: record.time,
                    frameNumber: index + 1,
                    handle
                )
            }
            decoder.flush(now: records.last?.time ?? .zero, handle)
            found += streams.values.reduce(0) { $0 + Self.countCSeq($1) }
            #expect(found == expected, "\(name): \(found) SIP messages, tshark saw \(expected)")
            #expect(gaps == 0, "\(name): \(gaps) TCP gaps")
            let statistics = decoder.statistics
            #expect(statistics.count(of: .truncated) == 0, "\(name)")
            #expect(statistics.count(of: .malformedIPv4) + statistics.count(of: .malformedIPv6) == 0, "\(name)")
        }
    }
}
