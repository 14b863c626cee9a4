import Foundation
import RTP
import Testing

/// Compound RTCP from the shared corpus (ndpi-rtcp_multiple_pkts_in_the_same_datagram.pcap:
/// Linux SLL, five datagrams each holding SR+SDES or RR+SDES from FreeSWITCH). Expected values
/// are tshark 4.0.17's `-T fields -e rtcp.senderssrc -e rtcp.sender.packetcount -e rtcp.ssrc.high_seq
/// -e rtcp.ssrc.jitter -e rtcp.ssrc.lsr -e rtcp.ssrc.dlsr -e rtcp.sdes.text` for that file.
@Suite struct CorpusRTCPTests {
    static func corpusDirectory() -> String? {
        if let override = ProcessInfo.processInfo.environment["SIPTOOL_CORPUS"] { return override }
        // #filePath is the symlink path in a dev package: resolve it to the real file first.
        var directory = URL(fileURLWithPath: String(#filePath))
        if let real = realpath(#filePath, nil) {
            directory = URL(fileURLWithPath: String(cString: real))
            free(real)
        }
        directory.deleteLastPathComponent()
        // Up to the package root (the folder with Package.swift), then ../shared/corpus.
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory.deletingLastPathComponent().appendingPathComponent("shared/corpus").path
            }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// UDP payloads of a little-endian microsecond pcap with Linux SLL or Ethernet framing, IPv4 only.
    static func udpPayloads(_ data: [UInt8]) -> [[UInt8]] {
        func u32(_ at: Int) -> Int {
            Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24
        }
        guard data.count >= 24, u32(0) == 0xA1B2_C3D4 else { return [] }
        let linkType = u32(20)
        var payloads: [[UInt8]] = []
        var offset = 24
        while offset + 16 <= data.count {
            let length = u32(offset + 8)
            let frame = offset + 16
            offset = frame + length
            guard offset <= data.count else { break }
            let ip = frame + (linkType == 113 ? 16 : 14)
            guard ip + 20 <= offset, data[ip] >> 4 == 4, data[ip + 9] == 17 else { continue }
            let udp = ip + Int(data[ip] & 0x0F) * 4
            guard udp + 8 <= offset else { continue }
            let udpLength = Int(data[udp + 4]) << 8 | Int(data[udp + 5])
            guard udpLength >= 8, udp + udpLength <= offset else { continue }
            payloads.append(Array(data[(udp + 8)..<(udp + udpLength)]))
        }
        return payloads
    }

    @Test func compoundPacketsMatchTshark() throws {
        guard let corpus = Self.corpusDirectory(),
            let data = FileManager.default.contents(
                atPath: corpus + "/pcap/ndpi-rtcp_multiple_pkts_in_the_same_datagram.pcap")
        else {
            print("SKIPPED: shared corpus not found at \(Self.corpusDirectory() ?? "(no package root)")")
            return
        }
        let datagrams = Self.udpPayloads(Array(data))
        #expect(datagrams.count == 5)
        let expectedSenders: [UInt32] = [0x5d93_1534, 0x0193_2db4, 0x5d93_1534, 0x0193_2db4, 0x5d93_1534]
        let expectedSRCounts: [UInt32?] = [200, nil, 401, nil, 602]
        for (index, datagram) in datagrams.enumerated() {
            #expect(RTPHeader.isRTCP(datagram) && MediaPacketKind.classify(datagram) == .rtcp)
            let packets = RTCPPacket.parseCompound(datagram)
            #expect(packets.count == 2, "frame \(index + 1)")
            switch packets.first {
            case .senderReport(let ssrc, _, _, let count, _, _):
                #expect(ssrc == expectedSenders[index] && count == expectedSRCounts[index])
            case .receiverReport(let ssrc, _):
                #expect(ssrc == expectedSenders[index] && expectedSRCounts[index] == nil)
            default:
                Issue.record("frame \(index + 1): first packet \(String(describing: packets.first))")
            }
            guard case .sourceDescription(let chunks) = packets.last, let chunk = chunks.first else {
                Issue.record("frame \(index + 1): no SDES")
                continue
            }
            #expect(chunk.ssrc == expectedSenders[index] && chunk.cname == String(expectedSenders[index], radix: 16))
            #expect(chunk.items.map(\.value).contains("FreeSWITCH.org -- Come to ClueCon.com"))
        }
        // Frame 4: RR block with extended highest 49035, jitter 6, LSR 3245362529, DLSR 263452.
        let block = try #require(RTCPPacket.parseCompound(datagrams[3]).first?.reportBlocks.first)
        #expect(
            block.highestSequence == 49035 && block.jitter == 6 && block.lastSR == 3_245_362_529
                && block.delaySinceLastSR == 263_452)
    }
}
