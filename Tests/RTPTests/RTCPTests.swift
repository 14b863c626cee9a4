import RTP
import Testing

@Suite struct RTCPTests {
    /// A receiver report with one block, then SDES with a CNAME, byte by byte (RFC 3550 §6.4.2, §6.5).
    static let handBuiltCompound: [UInt8] = {
        var packet: [UInt8] = [0x81, 201, 0, 7, 0, 0, 0, 1]
        // SSRC 2, fraction 64/256, cumulative lost 5, ext. highest 0x1000, jitter 80, LSR 0x12340000, DLSR 0x10000.
        packet += [0, 0, 0, 2, 64, 0, 0, 5, 0, 0, 0x10, 0, 0, 0, 0, 80, 0x12, 0x34, 0, 0, 0, 1, 0, 0]
        packet += [0x81, 202, 0, 3, 0, 0, 0, 1, 1, 5] + Array("alice".utf8) + [0, 0, 0]
        return packet
    }()

    @Test func receiverReportAndSDES() throws {
        let parsed = RTCPPacket.parseCompound(Self.handBuiltCompound)
        #expect(parsed.count == 2)
        guard case .receiverReport(let ssrc, let reports) = parsed.first, let block = reports.first else {
            Issue.record("not an RR: \(parsed)")
            return
        }
        #expect(ssrc == 1 && reports.count == 1)
        #expect(block.ssrc == 2 && block.fractionLost == 0.25 && block.cumulativeLost == 5)
        #expect(block.highestSequence == 0x1000 && block.jitter == 80)
        #expect(block.lastSR == 0x1234_0000 && block.delaySinceLastSR == 0x1_0000)
        #expect(RTCPPacket.cnames(in: parsed) == [1: "alice"])
    }

    /// RFC 3550 §6.4.1: RTT = A − LSR − DLSR; here A is 1.5 s after LSR, DLSR is 1 s → 500 ms.
    @Test func roundTripTime() throws {
        let block = try #require(RTCPPacket.parseCompound(Self.handBuiltCompound).first?.reportBlocks.first)
        #expect(block.roundTripMs(arrivalCompactNTP: 0x1234_0000 &+ 0x0001_8000) == 500)
        // Arrival before LSR + DLSR (clock disagreement): no value rather than a huge one.
        #expect(block.roundTripMs(arrivalCompactNTP: 0x1234_0000) == nil)
        // No SR received yet (LSR 0): no RTT.
        var noSR = block
        noSR.lastSR = 0
        #expect(noSR.roundTripMs(arrivalCompactNTP: 0x1234_0000) == nil)
        // From Unix time: LSR taken from an SR sent at T, report arriving at T + 250 ms + DLSR 100 ms.
        let sent: Int64 = 1_700_000_000_123_000_000
        var fromTime = block
        fromTime.lastSR = NTPTime.compact(unixNanoseconds: sent)
        fromTime.delaySinceLastSR = 6554  // 100 ms in 1/65536 s
        let rtt = try #require(fromTime.roundTripMs(arrivalUnixNanoseconds: sent + 350_000_000))
        #expect(abs(rtt - 250) < 0.1)
    }

    @Test func ntpTimestamps() {
        // The Unix epoch is NTP second 2 208 988 800; half a second is fraction 0x8000_0000.
        #expect(NTPTime.timestamp(unixNanoseconds: 500_000_000) == UInt64(2_208_988_800) << 32 | 0x8000_0000)
        #expect(
            NTPTime.compact(unixNanoseconds: 500_000_000)
                == UInt32(truncatingIfNeeded: (UInt64(2_208_988_800) << 16) | 0x8000))
    }

    @Test func negativeCumulativeLost() throws {
        var packet: [UInt8] = [0x81, 201, 0, 7, 0, 0, 0, 1]
        packet += [0, 0, 0, 2, 0, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 16)
        let block = try #require(RTCPPacket.parseCompound(packet).first?.reportBlocks.first)
        #expect(block.cumulativeLost == -1)
    }

    @Test func builtCompoundRoundTrips() {
        let block = RTCPPacket.ReportBlock(
            ssrc: 0xB, fractionLost: 0.5, cumulativeLost: -3, highestSequence: 0x2_0010, jitter: 123,
            lastSR: 0xAABB_CCDD, delaySinceLastSR: 77)
        let packets: [RTCPPacket] = [
            .senderReport(
                ssrc: 0xA, ntpTimestamp: 0x0102_0304_0506_0708, rtpTimestamp: 160_000, packetCount: 500,
                octetCount: 80_000, reports: [block]),
            .sourceDescription([
                .init(ssrc: 0xA, items: [.init(type: 1, value: "user@host"), .init(type: 6, value: "siptool")])
            ]),
            .application(subtype: 3, ssrc: 0xA, name: "TEST", data: [1, 2, 3, 4]),
            .goodbye(ssrcs: [0xA], reason: "call ended"),
        ]
        let bytes = packets.flatMap { $0.serialized() }
        #expect(bytes.count % 4 == 0)
        #expect(RTPHeader.isRTCP(bytes))
        #expect(RTCPPacket.parseCompound(bytes) == packets)
    }

    @Test func byeWithoutReasonAndFeedback() {
        let bye = RTCPPacket.goodbye(ssrcs: [1, 2], reason: nil)
        #expect(RTCPPacket.parseCompound(bye.serialized()) == [bye])
        // RFC 4585 PLI: PSFB (206) FMT 1, sender and media SSRC.
        let pli: [UInt8] = [0x81, 206, 0, 2, 0, 0, 0, 5, 0, 0, 0, 6]
        #expect(RTCPPacket.parseCompound(pli) == [.feedback(packetType: 206, format: 1, senderSSRC: 5, mediaSSRC: 6)])
    }

    /// RFC 3611: an XR with a VoIP metrics block (BT 7) and an unknown block, both handled.
    @Test func extendedReportVoIPMetrics() throws {
        var xr: [UInt8] = [0x80, 207, 0, 0, 0, 0, 0, 9]  // length filled below
        xr += [7, 0, 0, 8]  // BT 7, 8 words
        xr += [0, 0, 0, 2]  // SSRC
        xr += [26, 0, 51, 5]  // loss 26/256, discard 0, burst density 51/256, gap density 5/256
        xr += [0, 120, 3, 0xE8, 0, 80, 0, 60]  // burst 120 ms, gap 1000 ms, RTT 80 ms, ES delay 60 ms
        xr += [0xEB, 0xB5, 127, 16]  // signal −21 dBm0, noise −75, RERL 127, Gmin 16
        xr += [85, 127, 41, 127]  // R 85, ext R unavailable, MOS-LQ 4.1, MOS-CQ unavailable
        xr += [0, 0, 0, 40, 0, 120, 0, 200]  // RX config, reserved, JB 40/120/200
        xr += [42, 0, 0, 1, 0xDE, 0xAD, 0xBE, 0xEF]  // unknown block type 42, 1 word
        let words = xr.count / 4 - 1
        xr[2] = UInt8(words >> 8)
        xr[3] = UInt8(words & 0xFF)
        let parsed = RTCPPacket.parseCompound(xr)
        guard case .extendedReport(let ssrc, let blocks) = parsed.first, case .voipMetrics(let metrics) = blocks.first
        else {
            Issue.record("not an XR with VoIP metrics: \(parsed)")
            return
        }
        #expect(ssrc == 9 && blocks.count == 2 && blocks.last == .other(blockType: 42, length: 4))
        #expect(
            metrics.ssrc == 2 && metrics.lossRate == 26.0 / 256 && metrics.burstDurationMs == 120
                && metrics.gapDurationMs == 1000)
        #expect(metrics.roundTripDelayMs == 80 && metrics.signalLevel == -21 && metrics.noiseLevel == -75)
        #expect(metrics.rFactor == 85 && metrics.mosLQ == 4.1 && metrics.mosCQ == nil)
        #expect(metrics.jitterBufferNominalMs == 40 && metrics.jitterBufferAbsoluteMaximumMs == 200)
    }

    @Test func paddingAndMalformedTails() {
        // An RR with 4 bytes of padding (P bit, last octet 4).
        let padded: [UInt8] = [0xA0, 201, 0, 2, 0, 0, 0, 7, 0, 0, 0, 4]
        #expect(RTCPPacket.parseCompound(padded) == [.receiverReport(ssrc: 7, reports: [])])
        // A good RR followed by a packet whose length runs past the datagram: keep the first.
        let truncated: [UInt8] = [0x80, 201, 0, 1, 0, 0, 0, 7] + [0x81, 202, 0, 9, 0, 0, 0, 1]
        #expect(RTCPPacket.parseCompound(truncated) == [.receiverReport(ssrc: 7, reports: [])])
        // Report count larger than the blocks present: only complete blocks.
        let overCount: [UInt8] = [0x9F, 201, 0, 1, 0, 0, 0, 7]
        #expect(RTCPPacket.parseCompound(overCount) == [.receiverReport(ssrc: 7, reports: [])])
        // SDES item longer than the packet: no crash, chunk kept without it.
        let badSDES: [UInt8] = [0x81, 202, 0, 2, 0, 0, 0, 1, 1, 200, 0x61, 0x62]
        #expect(RTCPPacket.parseCompound(badSDES) == [.sourceDescription([.init(ssrc: 1, items: [])])])
        #expect(RTCPPacket.parseCompound([0x40, 201, 0, 1, 0, 0, 0, 7]).isEmpty)
    }
}
