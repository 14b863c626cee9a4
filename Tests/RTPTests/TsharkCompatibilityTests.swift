import RTP
import Testing

/// The cross-check vectors of shared/ANCHORS.md section d3: tshark 4.0.17's printed numbers.
@Suite struct TsharkCompatibilityTests {
    struct Packet {
        var seq: UInt16
        var ts: UInt32
        var pt: UInt8 = 0
        var marker = false
        var arrival: Double
    }

    struct Expected {
        var packets: Int
        var lost: Int
        var lostPercent: Double
        var delta: (Double, Double, Double)
        var jitter: (Double, Double, Double)
        var problems: Bool
    }

    static func G(_ i: Int) -> Double { 1000 + 20 * Double(i) }

    static func analyse(_ packets: [Packet]) -> TsharkStreamAnalysis {
        var analysis = TsharkStreamAnalysis()
        for p in packets {
            let clock = p.pt == 101 ? 0 : 8000
            analysis.add(sequence: p.seq, timestamp: p.ts, payloadType: p.pt, marker: p.marker, arrivalMs: p.arrival, clockRate: clock)
        }
        return analysis
    }

    static func check(_ a: TsharkStreamAnalysis, _ e: Expected, sourceLocation: SourceLocation = #_sourceLocation) {
        func r(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
        #expect(a.total == e.packets, sourceLocation: sourceLocation)
        #expect(a.lost == e.lost, sourceLocation: sourceLocation)
        #expect((a.lostPercent * 10).rounded() / 10 == e.lostPercent, sourceLocation: sourceLocation)
        #expect(r(a.minDelta) == e.delta.0 && r(a.meanDelta) == e.delta.1 && r(a.maxDelta) == e.delta.2,
                "delta \(a.minDelta) \(a.meanDelta) \(a.maxDelta)", sourceLocation: sourceLocation)
        #expect(r(a.minJitter) == e.jitter.0 && r(a.meanJitter) == e.jitter.1 && r(a.maxJitter) == e.jitter.2,
                "jitter \(a.minJitter) \(a.meanJitter) \(a.maxJitter)", sourceLocation: sourceLocation)
        #expect(a.hasProblems == e.problems, sourceLocation: sourceLocation)
    }

    @Test func s1LateAndMissingPacket() {
        var packets: [Packet] = []
        for i in 0..<50 where i != 10 {
            packets.append(Packet(seq: UInt16(1000 + i), ts: UInt32(160 * i), marker: i == 0, arrival: Self.G(i) + (i == 3 ? 10 : 0)))
        }
        Self.check(Self.analyse(packets), Expected(packets: 49, lost: 1, lostPercent: 2.0, delta: (10, 20.417, 40), jitter: (0, 0.395, 1.211), problems: true))
    }

    @Test func s2SequenceWrap() {
        let packets = (0..<50).map { i in
            Packet(seq: UInt16((65530 + i) % 65536), ts: UInt32(1000 + 160 * i), arrival: Self.G(i) + 5)
        }
        Self.check(Self.analyse(packets), Expected(packets: 50, lost: 0, lostPercent: 0, delta: (20, 20, 20), jitter: (0, 0, 0), problems: false))
    }

    @Test func s3SwappedPackets() {
        var packets = (0..<100).map { i in Packet(seq: UInt16(3000 + i), ts: UInt32(160 * i), arrival: Self.G(i)) }
        packets[40].arrival = Self.G(41)
        packets[41].arrival = Self.G(40)
        packets.swapAt(40, 41)
        Self.check(Self.analyse(packets), Expected(packets: 100, lost: 0, lostPercent: 0, delta: (20, 20, 20), jitter: (0, 0.790, 4.692), problems: true))
    }

    @Test func s4LatePacketAndDuplicate() {
        var packets: [Packet] = []
        for i in 0..<100 {
            packets.append(Packet(seq: UInt16(4000 + i), ts: UInt32(160 * i), arrival: Self.G(i) + (i == 70 ? 90 : 0)))
            if i == 50 { packets.append(Packet(seq: 4050, ts: 160 * 50, arrival: Self.G(50) + 1)) }
        }
        packets.sort { $0.arrival < $1.arrival }
        Self.check(Self.analyse(packets), Expected(packets: 101, lost: -1, lostPercent: -1.0, delta: (1, 19.8, 40), jitter: (0, 1.472, 10.924), problems: true))
    }

    @Test func s5DTMFEventsInflateJitterAsTsharkDoes() {
        let packets = (0..<100).map { i -> Packet in
            let event = (30...39).contains(i)
            return Packet(seq: UInt16(5000 + i), ts: UInt32(event ? 160 * 30 : 160 * i), pt: event ? 101 : 0, marker: i == 30, arrival: Self.G(i))
        }
        Self.check(Self.analyse(packets), Expected(packets: 100, lost: 0, lostPercent: 0, delta: (20, 20, 20), jitter: (0, 1.978, 12.5), problems: false))
    }

    @Test func s6ComfortNoise() {
        let packets = (0..<100).map { i in
            Packet(seq: UInt16(6000 + i), ts: UInt32(160 * i), pt: (50...59).contains(i) ? 13 : 0, marker: i == 60, arrival: Self.G(i))
        }
        Self.check(Self.analyse(packets), Expected(packets: 100, lost: 0, lostPercent: 0, delta: (20, 20, 20), jitter: (0, 0, 0), problems: false))
    }

    @Test func s7PeriodicDelay() {
        let packets = (0..<100).map { i in Packet(seq: UInt16(7000 + i), ts: UInt32(160 * i), arrival: Self.G(i) + 2 * Double(i % 5)) }
        Self.check(Self.analyse(packets), Expected(packets: 100, lost: 0, lostPercent: 0, delta: (12, 20.081, 22), jitter: (0.125, 2.690, 3.352), problems: false))
    }

    @Test func s8LossAcrossWrap() {
        let packets = (0..<100).filter { !(60...64).contains($0) }.map { i in
            Packet(seq: UInt16((65500 + i) % 65536), ts: UInt32(160 * i), arrival: Self.G(i))
        }
        Self.check(Self.analyse(packets), Expected(packets: 95, lost: 5, lostPercent: 5.0, delta: (20, 21.064, 120), jitter: (0, 0, 0), problems: true))
    }
}
