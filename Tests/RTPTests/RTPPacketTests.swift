import RTP
import Testing

@Suite struct RTPPacketTests {
    @Test func buildAndParseRoundTrip() throws {
        let header = RTPHeader(
            marker: true, payloadType: 8, sequenceNumber: 0x1234, timestamp: 0xDEAD_BEEF, ssrc: 0xCAFE_0001,
            csrcs: [7, 8])
        let bytes = header.serialized(payload: [1, 2, 3, 4, 5], padding: 3)
        #expect(bytes.count == 12 + 8 + 5 + 3)
        #expect(bytes[0] == 0xA2 && bytes[1] == 0x88 && bytes.last == 3)
        let parsed = try #require(RTPHeader.parse(bytes))
        #expect(parsed.marker && parsed.payloadType == 8 && parsed.sequenceNumber == 0x1234)
        #expect(parsed.timestamp == 0xDEAD_BEEF && parsed.ssrc == 0xCAFE_0001 && parsed.csrcs == [7, 8])
        #expect(parsed.paddingLength == 3 && parsed.payloadOffset == 20 && parsed.payloadLength == 5)
        #expect(Array(bytes[parsed.payloadRange]) == [1, 2, 3, 4, 5])
        #expect(parsed.extensionProfile == nil)
    }

    @Test func knownPacketBytes() throws {
        let packet: [UInt8] =
            [0x80, 0x88, 0x12, 0x34, 0, 0, 0, 160, 0xCA, 0x11, 0, 0] + [UInt8](repeating: 0xD5, count: 160)
        let header = try #require(RTPHeader.parse(packet))
        #expect(header.payloadType == 8 && header.marker && header.sequenceNumber == 0x1234 && header.timestamp == 160)
        #expect(header.ssrc == 0xCA11_0000 && header.payloadLength == 160)
    }

    /// RFC 8285 one-byte form (0xBEDE): two elements with padding between, skipped by the length.
    @Test func oneByteHeaderExtension() throws {
        var packet: [UInt8] = [0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]
        packet += [0xBE, 0xDE, 0, 2]  // 2 words
        packet += [0x11, 0xAA, 0xBB, 0x00, 0x20, 0x77, 0, 0]  // id 1 len 2 (L = 1), pad, id 2 len 1, pad
        packet += [9, 9, 9]
        let header = try #require(RTPHeader.parse(packet))
        #expect(header.extensionProfile == 0xBEDE && header.payloadOffset == 24 && header.payloadLength == 3)
        let elements = packet.withUnsafeBytes { RTPHeaderExtensionElement.elements(of: header, in: $0) }
        #expect(elements.map(\.id) == [1, 2])
        #expect(elements.map { Array(packet[$0.range]) } == [[0xAA, 0xBB], [0x77]])
    }

    /// RFC 8285 two-byte form (0x100x): id, length bytes.
    @Test func twoByteHeaderExtension() throws {
        var packet: [UInt8] = [0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]
        packet += [0x10, 0x00, 0, 2]
        packet += [0x05, 0x03, 1, 2, 3, 0x06, 0x00, 0]  // id 5 len 3, id 6 len 0, pad
        packet += [42]
        let header = try #require(RTPHeader.parse(packet))
        #expect(header.payloadOffset == 24 && header.payloadLength == 1)
        let elements = packet.withUnsafeBytes { RTPHeaderExtensionElement.elements(of: header, in: $0) }
        #expect(elements.map(\.id) == [5, 6] && elements.first.map { Array(packet[$0.range]) } == [1, 2, 3])
    }

    @Test(
        arguments: [
            ("truncated header", [0x80, 0, 0]),
            ("version 1", [0x40] + [UInt8](repeating: 0, count: 20)),
            ("version 0", [UInt8](repeating: 0, count: 20)),
            ("15 CSRCs beyond length", [0x8F] + [UInt8](repeating: 0, count: 20)),
            ("padding longer than packet", [0xA0] + [UInt8](repeating: 0, count: 12) + [40]),
            ("padding count zero", [0xA0] + [UInt8](repeating: 0, count: 12) + [0]),
            ("extension header cut", [0x90] + [UInt8](repeating: 0, count: 13)),
            ("extension beyond length", [0x90] + [UInt8](repeating: 0, count: 11) + [0, 0, 0, 9]),
        ] as [(String, [UInt8])])
    func badPacketsAreRefused(_ name: String, _ bytes: [UInt8]) {
        #expect(RTPHeader.parse(bytes) == nil, "\(name)")
        #expect(bytes.withUnsafeBytes { RTPFixedHeader.parse($0) } == nil, "\(name)")
        #expect(!RTPHeader.looksLikeRTP(bytes), "\(name)")
    }

    @Test func junkNeverCrashes() {
        var generator = SplitMix(seed: 42)
        var parsed = 0
        for _ in 0..<5000 {
            let count = Int(generator.next() % 64)
            var junk = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if count > 0 && generator.next() % 2 == 0 { junk[0] = 0x80 | (junk[0] & 0x3F) }  // version 2 more often
            let fixed = junk.withUnsafeBytes { RTPFixedHeader.parse($0) }
            // The allocation-free parse diagnose uses accepts exactly what the full one accepts.
            #expect((fixed == nil) == (RTPHeader.parse(junk) == nil))
            if let header = RTPHeader.parse(junk), let fixed {
                parsed += 1
                #expect(header.payloadOffset + header.payloadLength + header.paddingLength == junk.count)
                #expect(fixed.payloadOffset == header.payloadOffset && fixed.payloadLength == header.payloadLength)
                #expect(fixed.marker == header.marker && fixed.payloadType == header.payloadType && fixed.ssrc == header.ssrc)
                #expect(fixed.sequenceNumber == header.sequenceNumber && fixed.timestamp == header.timestamp)
                _ = junk.withUnsafeBytes { RTPHeaderExtensionElement.elements(of: header, in: $0) }
            }
            _ = RTPHeader.looksLikeRTP(junk)
            _ = MediaPacketKind.classify(junk)
            _ = RTCPPacket.parseCompound(junk)
        }
        #expect(parsed > 0)
    }

    @Test func heuristicAndDemultiplexing() {
        let rtp = RTPHeader(payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 1).serialized(payload: [0xFF, 0xFF])
        #expect(RTPHeader.looksLikeRTP(rtp))
        #expect(MediaPacketKind.classify(rtp) == .rtp)
        // PT 72 with the marker (second byte 200) is an SR on a muxed port (RFC 5761 §4).
        let sr = RTCPPacket.senderReport(
            ssrc: 1, ntpTimestamp: 0, rtpTimestamp: 0, packetCount: 0, octetCount: 0, reports: []
        ).serialized()
        #expect(RTPHeader.isRTCP(sr) && !RTPHeader.looksLikeRTP(sr))
        #expect(MediaPacketKind.classify(sr) == .rtcp)
        // PT 72-76 without marker: not RTCP, but not plausible RTP either.
        let pt72 = RTPHeader(payloadType: 72, sequenceNumber: 1, timestamp: 0, ssrc: 1).serialized(payload: [1])
        #expect(!RTPHeader.isRTCP(pt72) && !RTPHeader.looksLikeRTP(pt72))
        // Other RTCP types on a muxed port: 205 (RTPFB), 206 (PSFB), 207 (XR).
        for type: UInt8 in [205, 206, 207] { #expect(RTPHeader.isRTCP([0x81, type, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2])) }
        // No payload, or larger than an MTU: not RTP by heuristic.
        #expect(
            !RTPHeader.looksLikeRTP(
                RTPHeader(payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 1).serialized(payload: [])))
        #expect(
            !RTPHeader.looksLikeRTP(
                RTPHeader(payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 1).serialized(
                    payload: [UInt8](repeating: 0, count: 1500))))
        // RFC 7983 first-byte ranges.
        #expect(MediaPacketKind.classify([0x00, 0x01, 0, 0]) == .stun)
        #expect(MediaPacketKind.classify([22, 0xFE, 0xFD]) == .dtls)
        #expect(MediaPacketKind.classify([0x10, 0, 0, 0]) == .zrtp)
        #expect(MediaPacketKind.classify([]) == .unknown)
    }
}

/// A small deterministic generator (SplitMix64) so the junk test is reproducible.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
