import PcapIO
import Testing

@Suite struct FrameBuilderTests {
    @Test func ipv4HeaderChecksumMatchesAKnownHeader() {
        // 192.168.0.1 -> 192.168.0.199, total length 0x73, DF, TTL 64, UDP: checksum 0xB861.
        let header: [UInt8] = [
            0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0, 0xC0, 0xA8, 0, 1, 0xC0, 0xA8, 0, 0xC7,
        ]
        #expect(FrameBuilder.internetChecksum(header) == 0xB861)
        let packet = FrameBuilder.ipv4UDP(
            source: (0xC0A8_0001, 1),
            destination: (0xC0A8_00C7, 2),
            payload: [UInt8](repeating: 0, count: 0x73 - 28)
        )
        #expect(Array(packet.prefix(20)) == Array(header.prefix(10)) + [0xB8, 0x61] + Array(header.suffix(8)))
    }

    @Test func ethernetIPv4UDPLayout() {
        let frame = FrameBuilder.ethernetIPv4UDP(
            source: (FrameBuilder.ipv4("192.0.2.1")!, 5060),
            destination: (FrameBuilder.ipv4("198.51.100.7")!, 5080),
            payload: Array("OPTIONS".utf8)
        )
        #expect(frame.count == 14 + 20 + 8 + 7)
        #expect(Array(frame[12..<14]) == [0x08, 0x00])
        #expect(Array(frame[26..<34]) == [192, 0, 2, 1, 198, 51, 100, 7])
        #expect(Array(frame[34..<40]) == [0x13, 0xC4, 0x13, 0xD8, 0, 15])
        // A correct header sums to zero; so does the UDP datagram with its pseudo-header.
        #expect(FrameBuilder.internetChecksum(frame[14..<34]) == 0)
        let pseudo: [UInt8] = [192, 0, 2, 1, 198, 51, 100, 7, 0, 17, 0, 15]
        #expect(FrameBuilder.internetChecksum(pseudo + frame[34...]) == 0)
    }

    @Test func ipv6AndSLLLayout() throws {
        let source = try #require(FrameBuilder.ipv6("2001:db8::1"))
        let destination = try #require(FrameBuilder.ipv6("2001:db8::2"))
        let frame = FrameBuilder.linuxSLLIPv6UDP(
            source: (source, 5060),
            destination: (destination, 5060),
            payload: [1, 2, 3],
            packetType: 4
        )
        #expect(frame.count == 16 + 40 + 8 + 3)
        #expect(Array(frame[0..<16]) == [0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 2, 0, 0, 0x86, 0xDD])
        #expect(Array(frame[16..<24]) == [0x60, 0, 0, 0, 0, 11, 17, 64])
        let udp = Array(frame[56...])
        let pseudo = source + destination + [0, 0, 0, 11, 0, 0, 0, 17]
        #expect(FrameBuilder.internetChecksum(pseudo + udp) == 0)
        #expect(udp[6] != 0 || udp[7] != 0)
        let v4 = FrameBuilder.linuxSLLIPv4UDP(source: (1, 2), destination: (3, 4), payload: [])
        #expect(Array(v4[14..<16]) == [0x08, 0x00] && v4.count == 16 + 28)
    }

    @Test(arguments: [
        ("::", [UInt8](repeating: 0, count: 16)),
        ("::1", [UInt8](repeating: 0, count: 15) + [1]),
        ("2001:db8::", [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 12)),
        ("::ffff:192.0.2.1", [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 192, 0, 2, 1]),
        ("1:2:3:4:5:6:7:8", [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]),
    ])
    func ipv6TextParses(text: String, bytes: [UInt8]) {
        #expect(FrameBuilder.ipv6(text) == bytes)
    }

    @Test(arguments: [
        "", ":::", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "12345::", "g::", "1::2:3:4:5:6:7:8", "::1.2.3",
    ])
    func badIPv6TextIsRejected(text: String) {
        #expect(FrameBuilder.ipv6(text) == nil)
    }

    @Test func ipv4TextParses() {
        #expect(FrameBuilder.ipv4("192.0.2.1") == 0xC000_0201)
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "+1.2.3.4", "1.2.3.4 "] {
            #expect(FrameBuilder.ipv4(bad) == nil, "\(bad)")
        }
    }
}
