import RTP
import Testing

/// A packet of a test vector: header fields plus arrival in ms after ``TestVector/origin``.
struct VectorPacket {
    var seq: UInt16
    var ts: UInt32
    var pt: UInt8 = 0
    var marker = false
    var arrivalMs: Double
    var ssrc: UInt32 = 0x1111
    var payload: [UInt8] = [UInt8](repeating: 0xFF, count: 160)

    /// The packet on the wire, built with the module's own builder.
    var bytes: [UInt8] {
        RTPHeader(
            marker: self.marker, payloadType: self.pt, sequenceNumber: self.seq, timestamp: self.ts, ssrc: self.ssrc
        )
        .serialized(payload: self.payload)
    }
}

enum TestVector {
    /// A realistic epoch (2023-11-14) in ns, so precision loss from large times would show.
    static let origin: Int64 = 1_700_000_000_000_000_000
    /// ANCHORS d3 `G(i) = t0 + 20 ms·i` with t0 = 1 s after the origin.
    static func G(_ i: Int) -> Double { 1000 + 20 * Double(i) }

    /// The SDP of the d3 vectors: `m=audio ... RTP/AVP 0 101`, 101 telephone-event/8000.
    static let sdpPayloads: [UInt8: RTPPayloadInfo] = [101: .dynamic(encodingName: "telephone-event", clockRate: 8000)]

    /// Serialises, parses and feeds every packet, as diagnose and call do.
    static func feed(_ packets: [VectorPacket], sourceLocation: SourceLocation = #_sourceLocation)
        -> RTPStreamStatistics
    {
        var stats = RTPStreamStatistics(payloadTypes: Self.sdpPayloads)
        for packet in packets {
            guard let header = RTPHeader.parse(packet.bytes) else {
                Issue.record("built packet did not parse", sourceLocation: sourceLocation)
                continue
            }
            stats.add(arrivalNanoseconds: Self.origin + Int64((packet.arrivalMs * 1_000_000).rounded()), header: header)
        }
        return stats
    }

    // MARK: ANCHORS d3 streams

    static var s1: [VectorPacket] {
        (0..<50).filter { $0 != 10 }.map { i in
            VectorPacket(
                seq: UInt16(1000 + i), ts: UInt32(160 * i), marker: i == 0, arrivalMs: G(i) + (i == 3 ? 10 : 0))
        }
    }
    static var s2: [VectorPacket] {
        (0..<50).map { i in
            VectorPacket(
                seq: UInt16((65530 + i) % 65536), ts: UInt32(1000 + 160 * i), arrivalMs: G(i) + 5, ssrc: 0x2222)
        }
    }
    static var s3: [VectorPacket] {
        var packets = (0..<100).map { i in
            VectorPacket(seq: UInt16(3000 + i), ts: UInt32(160 * i), arrivalMs: G(i), ssrc: 3)
        }
        packets[40].arrivalMs = G(41)
        packets[41].arrivalMs = G(40)
        packets.swapAt(40, 41)
        return packets
    }
    static var s4: [VectorPacket] {
        var packets: [VectorPacket] = []
        for i in 0..<100 {
            packets.append(
                VectorPacket(seq: UInt16(4000 + i), ts: UInt32(160 * i), arrivalMs: G(i) + (i == 70 ? 90 : 0), ssrc: 4))
            if i == 50 { packets.append(VectorPacket(seq: 4050, ts: 160 * 50, arrivalMs: G(50) + 1, ssrc: 4)) }
        }
        return packets.sorted { $0.arrivalMs < $1.arrivalMs }
    }
    static var s5: [VectorPacket] {
        (0..<100).map { i in
            let event = (30...39).contains(i)
            return VectorPacket(
                seq: UInt16(5000 + i), ts: UInt32(event ? 160 * 30 : 160 * i), pt: event ? 101 : 0, marker: i == 30,
                arrivalMs: G(i), ssrc: 5,
                payload: event
                    ? TelephoneEvent(event: 5, isEnd: i >= 37, volume: 10, duration: UInt16(160 * (i - 29))).serialized
                    : [UInt8](repeating: 0xFF, count: 160))
        }
    }
    static var s6: [VectorPacket] {
        (0..<100).map { i in
            VectorPacket(
                seq: UInt16(6000 + i), ts: UInt32(160 * i), pt: (50...59).contains(i) ? 13 : 0, marker: i == 60,
                arrivalMs: G(i), ssrc: 6)
        }
    }
    static var s7: [VectorPacket] {
        (0..<100).map { i in
            VectorPacket(seq: UInt16(7000 + i), ts: UInt32(160 * i), arrivalMs: G(i) + 2 * Double(i % 5), ssrc: 7)
        }
    }
    static var s8: [VectorPacket] {
        (0..<100).filter { !(60...64).contains($0) }.map { i in
            VectorPacket(seq: UInt16((65500 + i) % 65536), ts: UInt32(160 * i), arrivalMs: G(i), ssrc: 8)
        }
    }
}

/// Rounds as tshark prints (`%.3f`).
func printed(_ value: Double, _ decimals: Int = 3) -> String { TsharkFormat.fixed(value, decimals: decimals) }

func near(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { abs(a - b) <= tolerance }
