#if canImport(Glibc)
import Glibc
#endif
import RTP
import Testing

@Suite struct RFC3550AndQualityTests {
    static func G(_ i: Int) -> Double { 1000 + 20 * Double(i) }

    @Test func duplicatesAreNotNegativeLoss() {
        var stats = RFC3550StreamStatistics()
        for i in 0..<100 {
            stats.add(sequence: UInt16(4000 + i), timestamp: UInt32(160 * i), payloadType: 0, marker: false, arrivalMs: Self.G(i), audioClockRate: 8000)
            if i == 50 { stats.add(sequence: 4050, timestamp: 8000, payloadType: 0, marker: false, arrivalMs: Self.G(50) + 1, audioClockRate: 8000) }
        }
        #expect(stats.received == 101)
        #expect(stats.duplicates == 1)
        #expect(stats.lost == 0)
        #expect(stats.expected == 100)
    }

    @Test func lossAcrossSequenceWrapAndBursts() {
        var stats = RFC3550StreamStatistics()
        for i in 0..<100 where !(60...64).contains(i) && i != 80 {
            stats.add(sequence: UInt16((65500 + i) % 65536), timestamp: UInt32(160 * i), payloadType: 0, marker: false, arrivalMs: Self.G(i), audioClockRate: 8000)
        }
        #expect(stats.expected == 100)
        #expect(stats.lost == 6)
        #expect(stats.lossBursts == 2)
        #expect(stats.longestBurst == 5)
        #expect(stats.longestGapMs == 120)
    }

    @Test func reorderingIsNotLoss() {
        var stats = RFC3550StreamStatistics()
        let order = Array(0..<40) + [41, 40] + Array(42..<100)
        for (slot, i) in order.enumerated() {
            stats.add(sequence: UInt16(3000 + i), timestamp: UInt32(160 * i), payloadType: 0, marker: false, arrivalMs: Self.G(slot), audioClockRate: 8000)
        }
        #expect(stats.lost == 0)
        #expect(stats.reordered == 1)
    }

    @Test func dtmfAndComfortNoiseDoNotCreateJitter() {
        var stats = RFC3550StreamStatistics()
        for i in 0..<100 {
            let event = (30...39).contains(i)
            stats.add(
                sequence: UInt16(5000 + i), timestamp: UInt32(event ? 160 * 30 : 160 * i), payloadType: event ? 101 : 0,
                marker: i == 30 || i == 40, arrivalMs: Self.G(i), audioClockRate: event ? nil : 8000
            )
        }
        #expect(stats.maxJitterMs < 0.001)
        #expect(stats.meanJitterMs < 0.001)
    }

    @Test func jitterFollowsRFC3550() {
        // Every 5th packet 4 ms late: D alternates 4 and 4; the estimate converges above 0.
        var stats = RFC3550StreamStatistics()
        for i in 0..<200 {
            stats.add(sequence: UInt16(i), timestamp: UInt32(160 * i), payloadType: 0, marker: false, arrivalMs: Self.G(i) + (i % 5 == 0 ? 4 : 0), audioClockRate: 8000)
        }
        #expect(stats.maxJitterMs > 0.5 && stats.maxJitterMs < 4)
        #expect(stats.lost == 0)
    }

    @Test func eModelKnownPoints() throws {
        let clean = try #require(EModel.mos(lossPercent: 0, delayMs: 0, payload: "g711U"))
        #expect(abs(EModel.rFactor(lossPercent: 0, delayMs: 0, codec: EModel.impairment(forPayload: "pcmu")!) - 93.2) < 1e-9)
        #expect(abs(clean - 4.41) < 0.01)
        let lossy = try #require(EModel.mos(lossPercent: 5, payload: "g711A"))
        #expect(lossy < clean && lossy > 3.0)
        let g729 = try #require(EModel.mos(lossPercent: 0, delayMs: 0, payload: "g729"))
        #expect(abs(EModel.rFactor(lossPercent: 0, delayMs: 0, codec: EModel.impairment(forPayload: "g729")!) - 82.2) < 1e-9)
        #expect(g729 < clean)
        #expect(EModel.mos(r: -5) == 1 && EModel.mos(r: 120) == 4.5)
        #expect(EModel.mos(lossPercent: 0, payload: "h263") == nil)
    }

    @Test func g711DecodesKnownValues() {
        #expect(G711.decodeMuLaw(0xFF) == 0)
        #expect(G711.decodeMuLaw(0x7F) == 0)
        #expect(G711.decodeMuLaw(0x00) == -32124)
        #expect(G711.decodeMuLaw(0x80) == 32124)
        #expect(G711.decodeALaw(0xD5) == 8)
        #expect(G711.decodeALaw(0x55) == -8)
        #expect(G711.decodeALaw(0xAA) == 32256)
        // Encoding then decoding stays within one quantisation step for every μ-law code.
        for byte in 0...255 {
            let sample = G711.decodeMuLaw(UInt8(byte))
            #expect(G711.decodeMuLaw(G711.encodeMuLaw(sample)) == sample, "μ-law \(byte)")
        }
    }

    @Test func silenceAndSpeechLevels() {
        var silent = AudioLevelMeter()
        let zeros = [UInt8](repeating: 0xFF, count: 160)
        for _ in 0..<100 { zeros.withUnsafeBytes { silent.addG711($0, muLaw: true) } }
        #expect(silent.isSilent)
        var loud = AudioLevelMeter()
        let tone = (0..<160).map { G711.encodeMuLaw(Int16(8000 * sin(Double($0) * 2 * .pi / 8))) }
        for _ in 0..<100 { tone.withUnsafeBytes { loud.addG711($0, muLaw: true) } }
        #expect(!loud.isSilent)
        #expect((loud.levelDBov ?? -100) > -20)
    }

    @Test func dtmfDigitsFromEventPackets() {
        var tracker = DTMFTracker()
        func event(_ digit: UInt8, end: Bool, duration: UInt16) -> [UInt8] { [digit, end ? 0x8A : 0x0A, UInt8(duration >> 8), UInt8(duration & 0xFF)] }
        var time = 0.0
        for (digit, ts) in [(UInt8(1), UInt32(1000)), (UInt8(11), UInt32(5000))] {
            for step in 1...5 {
                event(digit, end: false, duration: UInt16(160 * step)).withUnsafeBytes { tracker.add(payload: $0, timestamp: ts, arrivalMs: time, clockRate: 8000, frame: 1) }
                time += 20
            }
            for _ in 0..<3 {
                event(digit, end: true, duration: 960).withUnsafeBytes { tracker.add(payload: $0, timestamp: ts, arrivalMs: time, clockRate: 8000, frame: 2) }
            }
            time += 200
        }
        #expect(tracker.digits.map(\.digit) == ["1", "#"])
        #expect(tracker.digits[0].durationMs == 120)
    }

    @Test func rtcpCompoundReceiverReportAndRoundTrip() {
        // RR with one block, then SDES with a CNAME.
        var packet: [UInt8] = [0x81, 201, 0, 7, 0, 0, 0, 1]
        packet += [0, 0, 0, 2, 64, 0, 0, 5, 0, 0, 0x10, 0, 0, 0, 0, 80, 0x12, 0x34, 0, 0, 0, 1, 0, 0]
        packet += [0x81, 202, 0, 3, 0, 0, 0, 1, 1, 5] + Array("alice".utf8) + [0, 0, 0]
        let parsed = packet.withUnsafeBytes { RTCPPacket.parseCompound($0) }
        #expect(parsed.count == 2)
        guard case .receiverReport(let ssrc, let reports) = parsed.first else {
            Issue.record("not an RR")
            return
        }
        #expect(ssrc == 1)
        #expect(reports.first?.fractionLost == 0.25)
        #expect(reports.first?.cumulativeLost == 5)
        #expect(reports.first?.jitter == 80)
        // Arrival 0.5 s (32768 units) after LSR + DLSR of 1 s.
        let rtt = reports.first?.roundTripMs(arrivalCompactNTP: 0x1234_0000 &+ 0x0001_0000 &+ 32768)
        #expect(rtt == 500)
        guard case .sourceDescription(let cnames) = parsed[1] else {
            Issue.record("not SDES")
            return
        }
        #expect(cnames[1] == "alice")
    }

    @Test func badRTPIsRefusedNotCrashed() {
        #expect(RTPHeader.parse([0x80, 0, 0]) == nil)
        #expect(RTPHeader.parse([0x40] + [UInt8](repeating: 0, count: 20)) == nil)  // version 1
        #expect(RTPHeader.parse([0x8F] + [UInt8](repeating: 0, count: 20)) == nil)  // 15 CSRCs beyond length
        #expect(RTPHeader.parse([0xA0] + [UInt8](repeating: 0, count: 12) + [40]) == nil)  // padding beyond length
        #expect(RTPHeader.parse([0x90] + [UInt8](repeating: 0, count: 11) + [0, 0, 0, 9]) == nil)  // extension beyond length
        let good = RTPHeader.parse([0x80, 0x88, 0x12, 0x34, 0, 0, 0, 160, 0xCA, 0x11, 0, 0] + [UInt8](repeating: 0xD5, count: 160))
        #expect(good?.payloadType == 8 && good?.marker == true && good?.sequenceNumber == 0x1234 && good?.payloadLength == 160)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let junk = (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = RTPHeader.parse(junk)
            _ = junk.withUnsafeBytes { RTCPPacket.parseCompound($0) }
        }
    }
}
