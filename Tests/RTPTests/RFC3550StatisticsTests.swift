import RTP
import Testing

/// RFC 3550-correct numbers: on the ANCHORS d3 vectors and on targeted cases.
@Suite struct RFC3550StatisticsTests {
    @Test func s1LossAndJitter() {
        let r = TestVector.feed(TestVector.s1).rfc3550
        #expect(r.expected == 50 && r.lost == 1 && r.duplicates == 0 && r.reordered == 0)
        #expect(r.lossBursts == 1 && r.longestBurst == 1)
        // Packet 3 late by 10 ms: D = 10 ms -> J = 0.625; packet 4: D = 10 ms -> J = 1.211 (ms).
        #expect(near(r.maxJitterMs, 15 * 0.625 / 16 + 10.0 / 16, 1e-6))
        #expect(near(r.longestGapMs, 40, 1e-6))
    }

    @Test func s2WrapAround() {
        let r = TestVector.feed(TestVector.s2).rfc3550
        #expect(r.expected == 50 && r.lost == 0)
        #expect(r.extendedHighestSequence == 65530 + 49)
        #expect(r.maxJitterMs < 1e-6)
    }

    @Test func s3ReorderingIsNotLoss() {
        let r = TestVector.feed(TestVector.s3).rfc3550
        #expect(r.lost == 0 && r.reordered == 1 && r.duplicates == 0 && r.lossBursts == 0)
        // Arrival order 39, 41, 40, 42: |D| = 20, 40, 20 ms -> J = 1.25, 3.672, 4.692 ms.
        let j1 = 20.0 / 16
        let j2 = j1 + (40 - j1) / 16
        #expect(near(r.maxJitterMs, j2 + (20 - j2) / 16, 1e-6))
    }

    /// tshark: −1 lost (−1.0 %). RFC 3550 here: 0 lost, 1 duplicate, the late packet is reordered.
    @Test func s4DuplicateIsNotNegativeLoss() {
        let stats = TestVector.feed(TestVector.s4)
        let r = stats.rfc3550
        #expect(stats.tshark.lost == -1)
        #expect(r.lost == 0 && r.duplicates == 1 && r.expected == 100 && r.received == 101)
        #expect(r.reordered == 1)
        // The late packet: D = 90 ms twice (it, then the next one against it).
        let j = 90.0 / 16
        #expect(near(r.maxJitterMs, j + (90 - j) / 16, 1e-3))
    }

    /// tshark shows 12.5 ms from the DTMF artefact; the true network jitter is 0.
    @Test func s5TelephoneEventsDoNotCreateJitter() {
        let stats = TestVector.feed(TestVector.s5)
        #expect(printed(stats.tshark.maxJitter) == "12.500")
        #expect(stats.rfc3550.maxJitterMs < 1e-6 && stats.rfc3550.meanJitterMs < 1e-6)
        #expect(stats.rfc3550.lost == 0)
        #expect(stats.eventPackets == 10)
        #expect(stats.rfc3550.payloadChanges == 2)
        #expect(stats.rfc3550.payloadTypeChanges.map(\.to) == [101, 0])
        #expect(stats.rfc3550.payloadTypeChanges.first?.arrivalNanoseconds == TestVector.origin + 1_600_000_000)
    }

    @Test func s6ComfortNoiseDoesNotCreateJitter() {
        let stats = TestVector.feed(TestVector.s6)
        #expect(stats.rfc3550.maxJitterMs < 1e-6)
        #expect(stats.comfortNoisePackets == 10)
    }

    /// All packets in order: RFC 3550 and tshark 4.0 compute the same D, so the same jitter.
    @Test func s7AgreesWithTshark() {
        let stats = TestVector.feed(TestVector.s7)
        #expect(printed(stats.rfc3550.maxJitterMs) == "3.352")
        #expect(printed(stats.rfc3550.meanJitterMs) == "2.690")
        #expect(stats.rfc3550.lost == 0)
    }

    @Test func s8BurstAcrossWrap() {
        let r = TestVector.feed(TestVector.s8).rfc3550
        #expect(r.expected == 100 && r.lost == 5 && near(r.lostPercent, 5))
        #expect(r.lossBursts == 1 && r.longestBurst == 5)
        #expect(near(r.longestGapMs, 120, 1e-6))
        #expect(r.longestGapStartNanoseconds == TestVector.origin + 1_000_000 * Int64(TestVector.G(59)))
        // 5 lost in one burst of 5 at p = 0.05: BurstR = 5 · 0.95.
        #expect(near(r.burstRatio, 4.75, 1e-9))
    }

    @Test func burstsAreCountedSeparately() {
        var r = RFC3550StreamStatistics()
        let missing: Set<Int> = [10, 20, 21, 22, 50, 51]
        for i in 0..<300 where !missing.contains(i) {
            r.add(
                arrivalNanoseconds: Int64(i) * 20_000_000, sequence: UInt16(i), timestamp: UInt32(160 * i),
                payloadType: 0, marker: false, audioClockRate: 8000)
        }
        #expect(r.lost == 6 && r.lossBursts == 3 && r.longestBurst == 3)
    }

    @Test func lateFillerIsNotABurst() {
        var r = RFC3550StreamStatistics()
        for (slot, i) in ([0, 1, 2, 4, 5, 3] + Array(6..<200)).enumerated() {
            r.add(
                arrivalNanoseconds: Int64(slot) * 20_000_000, sequence: UInt16(i), timestamp: UInt32(160 * i),
                payloadType: 0, marker: false, audioClockRate: 8000)
        }
        #expect(r.lost == 0 && r.lossBursts == 0 && r.reordered == 1)
    }

    @Test func wrapAtMaximumSequence() {
        var r = RFC3550StreamStatistics()
        for i in 0..<70_000 {
            r.add(
                arrivalNanoseconds: Int64(i) * 20_000_000, sequence: UInt16(truncatingIfNeeded: 65_000 + i),
                timestamp: UInt32(truncatingIfNeeded: 160 * i), payloadType: 0, marker: false, audioClockRate: 8000)
        }
        #expect(r.expected == 70_000 && r.lost == 0 && r.duplicates == 0 && r.sequenceRestarts == 0)
        #expect(r.extendedHighestSequence == UInt32(65_000 + 69_999))
        // The RTP timestamp wrapped too (160 · 70 000 > 2^32? no: 11.2 M) — jitter stays 0.
        #expect(r.maxJitterMs < 1e-6)
    }

    @Test func timestampWrapDoesNotCreateJitter() {
        var r = RFC3550StreamStatistics()
        for i in 0..<100 {
            r.add(
                arrivalNanoseconds: Int64(i) * 20_000_000, sequence: UInt16(i),
                timestamp: UInt32.max - 4000 &+ UInt32(160 * i), payloadType: 0, marker: false, audioClockRate: 8000)
        }
        #expect(r.maxJitterMs < 1e-6 && r.timestampJumps == 0)
    }

    /// RFC 3550 A.1: a jump beyond MAX_DROPOUT is a restart only when the next packet follows it.
    @Test func sequenceRestartAndStrayPacket() {
        var r = RFC3550StreamStatistics()
        var t: Int64 = 0
        func add(_ seq: Int) {
            t += 20_000_000
            r.add(
                arrivalNanoseconds: t, sequence: UInt16(seq), timestamp: UInt32(t / 125_000), payloadType: 0,
                marker: false, audioClockRate: 8000)
        }
        for seq in 100..<150 { add(seq) }
        add(40_000)  // stray
        for seq in 150..<160 { add(seq) }
        #expect(r.strayPackets == 1 && r.sequenceRestarts == 0 && r.lost == 0 && r.expected == 60)
        add(30_000)
        for seq in 30_001..<30_050 { add(seq) }  // confirmed: a new run of 50
        #expect(r.sequenceRestarts == 1 && r.strayPackets == 1)  // 40000 stays stray
        #expect(r.expected == 110 && r.lost == 0)
    }

    @Test func ssrcChangeIsRecordedAndRestartsSequence() {
        var r = RFC3550StreamStatistics()
        for i in 0..<50 {
            r.add(
                arrivalNanoseconds: Int64(i) * 20_000_000, sequence: UInt16(1000 + i), timestamp: UInt32(160 * i),
                payloadType: 0, marker: false, ssrc: 0xA, audioClockRate: 8000)
        }
        for i in 50..<100 {
            r.add(
                arrivalNanoseconds: Int64(i) * 20_000_000, sequence: UInt16(9 + i),
                timestamp: UInt32(777_777 + 160 * i), payloadType: 0, marker: false, ssrc: 0xB, audioClockRate: 8000)
        }
        #expect(r.ssrcChangeCount == 1)
        #expect(r.ssrcChanges.first == .init(arrivalNanoseconds: 50 * 20_000_000, from: 0xA, to: 0xB))
        #expect(r.expected == 100 && r.lost == 0 && r.duplicates == 0)
        #expect(r.maxJitterMs < 1e-6)
    }

    @Test func markerAndTimestampJumpStartNewReference() {
        var r = RFC3550StreamStatistics()
        for i in 0..<100 {
            // After packet 49 the sender's timestamps jump by 10 s of samples, without a marker.
            let ts = UInt32(160 * i + (i >= 50 ? 80_000 : 0))
            r.add(
                arrivalNanoseconds: Int64(i) * 20_000_000, sequence: UInt16(i), timestamp: ts, payloadType: 0,
                marker: false, audioClockRate: 8000)
        }
        #expect(r.timestampJumps == 1 && r.maxJitterMs < 1e-6)
        var m = RFC3550StreamStatistics()
        for i in 0..<100 {
            // Silence suppressed for 2 s with a marker on the talkspurt start: arrival gap 2 s,
            // timestamp gap 1 s (a sender that did not advance its clock) — skipped by the marker.
            let arrival = Int64(i) * 20_000_000 + (i >= 50 ? 2_000_000_000 : 0)
            let ts = UInt32(160 * i + (i >= 50 ? 8000 : 0))
            m.add(
                arrivalNanoseconds: arrival, sequence: UInt16(i), timestamp: ts, payloadType: 0, marker: i == 50,
                audioClockRate: 8000)
        }
        #expect(m.maxJitterMs < 1e-6)
        #expect(near(m.longestGapMs, 2020, 1e-6))
    }

    @Test func delayedPacketsCounted() {
        var r = RFC3550StreamStatistics()
        for i in 0..<100 {
            let late: Int64 = i == 30 ? 250_000_000 : 0
            r.add(
                arrivalNanoseconds: Int64(i) * 20_000_000 + late, sequence: UInt16(i), timestamp: UInt32(160 * i),
                payloadType: 0, marker: false, audioClockRate: 8000)
        }
        #expect(r.delayedPackets == 1 && near(r.delayedPacketPercent, 1))
    }

    /// RFC 3550 A.3: fraction lost over the interval, cumulative lost, extended highest, jitter.
    @Test func receiverReportBlock() {
        var r = RFC3550StreamStatistics()
        for i in 0..<100 where i % 10 != 5 {
            r.add(
                arrivalNanoseconds: Int64(i) * 20_000_000, sequence: UInt16(i), timestamp: UInt32(160 * i),
                payloadType: 0, marker: false, audioClockRate: 8000)
        }
        let block = r.makeReportBlock(ssrc: 9)
        #expect(block.cumulativeLost == 10 && block.highestSequence == 99)
        #expect(block.fractionLost == Double((10 << 8) / 100) / 256)
        #expect(block.jitter == 0)
        let next = r.makeReportBlock(ssrc: 9)
        #expect(next.fractionLost == 0 && next.cumulativeLost == 10)
    }

    @Test func streamFacts() {
        let stats = TestVector.feed(TestVector.s1)
        #expect(stats.firstArrivalNanoseconds == TestVector.origin + 1_000_000_000)
        #expect(stats.lastArrivalNanoseconds == TestVector.origin + 1_980_000_000)
        #expect(near(stats.durationMs, 980))
        #expect(stats.payloadBytes == 49 * 160)
        #expect(stats.ssrc == 0x1111)
        #expect(stats.mainCodec == .pcmu)
    }
}
