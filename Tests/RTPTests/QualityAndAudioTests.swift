import RTP
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct EModelTests {
    static func mosByFormula(_ r: Double) -> Double { 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6 }

    @Test func cleanG711() throws {
        let g711 = try #require(EModel.impairment(forPayload: "g711U"))
        #expect(near(EModel.rFactor(lossPercent: 0, delayMs: 0, codec: g711), 93.2))
        let mos = try #require(EModel.mos(lossPercent: 0, delayMs: 0, payload: "PCMU"))
        #expect(printed(mos, 2) == "4.41")
    }

    /// 5 % random loss, G.711 with PLC: Ie,eff = 95·5/(5 + 25.1) = 15.78; no delay → R = 77.42, MOS 3.92.
    @Test func fivePercentRandomLoss() throws {
        let a = EModel.assess(lossPercent: 5, oneWayDelayMs: 0, codec: RTPCodec.pcma.impairment)
        #expect(near(a.effectiveEquipmentImpairment, 95.0 * 5 / 30.1))
        #expect(near(a.rFactor, 93.2 - 95.0 * 5 / 30.1))
        #expect(printed(a.mos, 2) == "3.92")
        // The same loss in bursts (BurstR 2) hurts more; without PLC much more.
        #expect(
            EModel.assess(lossPercent: 5, burstRatio: 2, oneWayDelayMs: 0, codec: RTPCodec.pcma.impairment).mos < a.mos)
        #expect(EModel.assess(lossPercent: 5, oneWayDelayMs: 0, codec: .g711WithoutPLC).mos < 2.5)
    }

    /// G.729: Ie 11 → R = 82.2, MOS 4.10.
    @Test func g729() throws {
        let a = EModel.assess(lossPercent: 0, oneWayDelayMs: 0, codec: RTPCodec.g729.impairment)
        #expect(near(a.rFactor, 82.2) && printed(a.mos, 2) == "4.10")
        #expect(near(a.mos, Self.mosByFormula(82.2)))
    }

    @Test func delayImpairment() {
        #expect(near(EModel.delayImpairment(oneWayDelayMs: 100), 2.4))
        #expect(near(EModel.delayImpairment(oneWayDelayMs: 300), 7.2 + 0.11 * (300 - 177.3)))
        #expect(near(EModel.estimatedOneWayDelayMs(), EModel.defaultDelayMs))
        #expect(near(EModel.estimatedOneWayDelayMs(networkOneWayMs: 10, jitterMs: 30, packetizationMs: 20), 90))
    }

    @Test func mosClampsAndUnknownCodecs() {
        #expect(
            EModel.mos(r: -5) == 1 && EModel.mos(r: 0) == 1 && EModel.mos(r: 120) == 4.5 && EModel.mos(r: .nan) == 1)
        #expect(EModel.mos(lossPercent: 0, payload: "h263") == nil)
        #expect(EModel.mos(lossPercent: 100, delayMs: 1000, payload: "pcmu") == 1)
    }

    @Test func codecTable() {
        #expect(RTPCodec.forStaticPayloadType(0) == .pcmu && RTPCodec.forStaticPayloadType(18) == .g729)
        #expect(
            RTPCodec.named("g711A") == .pcma && RTPCodec.named("OPUS") == .opus
                && RTPCodec.named("telephone-event") == nil)
        #expect(RTPCodec.opus.samplesPer20ms == 960 && RTPCodec.g722.clockRate == 8000)
        for codec in RTPCodec.all { #expect(codec.samplesPer20ms == codec.clockRate / 50, "\(codec.name)") }
    }

    @Test func streamQuality() throws {
        let clean = try #require(TestVector.feed(TestVector.s7).quality(oneWayDelayMs: 0))
        #expect(near(clean.rFactor, 93.2) && clean.lossPercent == 0)
        let lossy = try #require(TestVector.feed(TestVector.s8).quality())
        #expect(lossy.lossPercent == 5 && near(lossy.burstRatio, 4.75, 1e-9) && lossy.mos < clean.mos)
        #expect(TestVector.feed(Array(TestVector.s7.prefix(5))).quality() == nil)
    }
}

@Suite struct G711Tests {
    /// Known values: the extremes and the zero codes of G.711 Tables 1a/2a, scaled to 16 bits.
    @Test func knownValues() {
        #expect(G711.decodeMuLaw(0xFF) == 0 && G711.decodeMuLaw(0x7F) == 0)
        #expect(G711.decodeMuLaw(0x80) == 32124 && G711.decodeMuLaw(0x00) == -32124)  // ±8031 · 4
        #expect(G711.decodeMuLaw(0xFE) == 8 && G711.decodeMuLaw(0xEF) == 132)  // 2·4, first step of segment 1 (33·4)
        #expect(G711.decodeALaw(0xD5) == 8 && G711.decodeALaw(0x55) == -8)  // ±1 · 8
        #expect(G711.decodeALaw(0xAA) == 32256 && G711.decodeALaw(0x2A) == -32256)  // ±4032 · 8
        #expect(G711.encodeMuLaw(0) == 0xFF && G711.encodeMuLaw(-1) == 0x7F)
        #expect(G711.encodeMuLaw(.max) == 0x80 && G711.encodeMuLaw(.min) == 0x00)
        #expect(G711.encodeALaw(0) == 0xD5 && G711.encodeALaw(-1) == 0x55)
        #expect(G711.encodeALaw(.max) == 0xAA && G711.encodeALaw(.min) == 0x2A)
    }

    /// Every code decodes to a value that encodes back to the same code (μ-law's negative zero
    /// 0x7F decodes to 0, which encodes as positive zero 0xFF).
    @Test func fullRoundTrips() {
        for code in 0...255 {
            let byte = UInt8(code)
            #expect(G711.encodeALaw(G711.decodeALaw(byte)) == byte, "A-law \(code)")
            #expect(G711.encodeMuLaw(G711.decodeMuLaw(byte)) == (byte == 0x7F ? 0xFF : byte), "μ-law \(code)")
        }
    }

    /// Encoding is monotonic and stays within half a quantisation step of the input.
    @Test func quantisationError() {
        for value in stride(from: -32000, through: 32000, by: 37) {
            let sample = Int16(value)
            let mu = Int(G711.decodeMuLaw(G711.encodeMuLaw(sample)))
            let a = Int(G711.decodeALaw(G711.encodeALaw(sample)))
            // Largest step: 1024 (μ-law segment 7, 256·4) and 1024 (A-law segment 7, 128·8).
            #expect(abs(mu - value) <= 512 + 4, "μ-law \(value) -> \(mu)")
            #expect(abs(a - value) <= 512 + 8, "A-law \(value) -> \(a)")
        }
    }
}

@Suite struct AudioLevelTests {
    static func tone(amplitude: Double, count: Int = 160) -> [Int16] {
        (0..<count).map { Int16(amplitude * sin(Double($0) * 2 * .pi / 8)) }
    }

    @Test func levels() {
        #expect(AudioLevelMeter.level(of: [Int16](repeating: 0, count: 160)) == AudioLevelMeter.floorDBov)
        // A full-scale square wave is 0 dBov; a full-scale sine −3.01 dBov.
        #expect(
            near(
                AudioLevelMeter.level(of: [Int16](repeating: 32767, count: 8) + [Int16](repeating: -32767, count: 8)),
                20 * log10(32767.0 / 32768), 1e-9))
        #expect(near(AudioLevelMeter.level(of: Self.tone(amplitude: 32767)), -3.01, 0.01))
    }

    @Test func silentStream() {
        var meter = AudioLevelMeter()
        for _ in 0..<100 { meter.addG711([UInt8](repeating: 0xFF, count: 160), muLaw: true) }
        #expect(meter.isSilent && meter.silentPackets == 100 && meter.levelDBov == AudioLevelMeter.floorDBov)
        #expect(near(meter.longestSilenceMs, 2000))
    }

    @Test func speechLikeStreamWithASilentStretch() {
        var meter = AudioLevelMeter()
        let loud = G711.encode(Self.tone(amplitude: 8000), muLaw: false)
        let quiet = [UInt8](repeating: 0xD5, count: 160)  // A-law ±8: about −72 dBov
        for index in 0..<1000 { meter.addG711(index >= 200 && index < 750 ? quiet : loud, muLaw: false) }
        #expect(!meter.isSilent)
        #expect(meter.silentPackets == 550 && near(meter.longestSilenceMs, 11_000) && meter.hasLongSilence)
        #expect((meter.maximumPacketDBov ?? -100) > -16 && (meter.minimumPacketDBov ?? 0) < -70)
        #expect(meter.packets == 1000 && meter.meanPacketDBov != nil)
        #expect(!AudioLevelMeter().isSilent)  // no audio: no verdict
    }

    /// The table-driven sums must equal the floating-point sum of the decoded samples exactly
    /// (diagnose's JSON must not change by a bit), for both laws and payload lengths that are not
    /// multiples of the eight-code step.
    @Test func tableSumsEqualDecodedSums() {
        var generator = SystemRandomNumberGenerator()
        for muLaw in [true, false] {
            var meter = AudioLevelMeter()
            var level = G711StreamLevel()
            var reference = 0.0
            var samples = 0
            for length in [1, 7, 8, 9, 160, 161, 240, 1000] {
                let payload = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                var sum = 0.0
                let decoded = payload.withUnsafeBytes { G711.decode($0, muLaw: muLaw) }
                for sample in decoded { sum += Double(sample) * Double(sample) }
                reference += sum
                samples += length
                meter.addG711(payload, muLaw: muLaw)
                payload.withUnsafeBytes { level.addG711($0, muLaw: muLaw) }
            }
            #expect(level.sumOfSquares == reference && level.samples == samples)
            #expect(level.levelDBov == meter.levelDBov && level.isSilent == meter.isSilent)
            #expect(meter.samples == samples)
        }
        var silent = G711StreamLevel()
        [UInt8](repeating: 0xFF, count: 160).withUnsafeBytes { for _ in 0..<100 { silent.addG711($0, muLaw: true) } }
        #expect(silent.isSilent && silent.levelDBov == AudioLevelMeter.floorDBov)
        #expect(G711StreamLevel().levelDBov == nil && !G711StreamLevel().isSilent)
    }
}

@Suite struct DTMFTests {
    static func feed(
        _ tracker: inout DTMFTracker, _ event: UInt8, timestamp: UInt32, updates: Int, endCopies: Int = 3,
        at time: inout Double
    ) {
        for step in 1...updates {
            tracker.add(
                TelephoneEvent(event: event, isEnd: false, volume: 10, duration: UInt16(160 * step)),
                timestamp: timestamp, arrivalMs: time, clockRate: 8000, frame: Int(time))
            time += 20
        }
        for _ in 0..<endCopies {
            tracker.add(
                TelephoneEvent(event: event, isEnd: true, volume: 10, duration: UInt16(160 * (updates + 1))),
                timestamp: timestamp, arrivalMs: time, clockRate: 8000, frame: Int(time))
        }
        time += 100
    }

    @Test func payloadParse() throws {
        let event = try #require(TelephoneEvent.parse([11, 0x8A, 0x03, 0x20]))
        #expect(
            event.event == 11 && event.isEnd && event.volume == 10 && event.duration == 800 && event.character == "#")
        #expect(event.serialized == [11, 0x8A, 0x03, 0x20])
        #expect(TelephoneEvent.parse([1, 2, 3]) == nil)
        #expect(TelephoneEvent(event: 16, isEnd: false, volume: 0, duration: 0).character == "!")
        #expect(TelephoneEvent(event: 32, isEnd: false, volume: 0, duration: 0).character == nil)
    }

    @Test func digitsWithEndRetransmissions() {
        var tracker = DTMFTracker()
        var time = 0.0
        let sequence: [UInt8] = [1, 2, 3, 10, 11, 12, 15, 0, 16]
        for (index, event) in sequence.enumerated() {
            Self.feed(&tracker, event, timestamp: UInt32(10_000 * (index + 1)), updates: 5, at: &time)
        }
        #expect(tracker.text == "123*#AD0!")
        #expect(tracker.endRetransmissions == 2 * sequence.count)
        #expect(tracker.digits.allSatisfy { $0.ended && $0.packets == 8 && $0.durationMs == 120 })
        #expect(tracker.digits[0].startMs == 0 && tracker.digits[1].startMs == 200)
    }

    /// The same digit twice is two presses: the timestamp differs.
    @Test func sameDigitRepeated() {
        var tracker = DTMFTracker()
        var time = 0.0
        Self.feed(&tracker, 5, timestamp: 1000, updates: 3, at: &time)
        Self.feed(&tracker, 5, timestamp: 3000, updates: 3, at: &time)
        #expect(tracker.text == "55")
    }

    /// A long press: many updates, then a second segment past the 16-bit duration (RFC 4733 §2.5.1.3).
    @Test func longPress() {
        var tracker = DTMFTracker()
        var time = 0.0
        for step in 1...409 {  // 409·160 = 65 440 units, just under the 16-bit limit
            tracker.add(
                TelephoneEvent(event: 9, isEnd: false, volume: 7, duration: UInt16(160 * step)), timestamp: 500,
                arrivalMs: time, clockRate: 8000, frame: step)
            time += 20
        }
        let segment2 = UInt32(500 + 409 * 160)
        for step in 1...10 {
            tracker.add(
                TelephoneEvent(event: 9, isEnd: step == 10, volume: 7, duration: UInt16(160 * step)),
                timestamp: segment2, arrivalMs: time, clockRate: 8000, frame: 409 + step)
            time += 20
        }
        #expect(tracker.text == "9")
        #expect(tracker.digits.first?.durationMs == Double(419 * 160) / 8)
        #expect(tracker.digits.first?.ended == true)
    }

    @Test func streamDigitsFromS5() {
        var tracker = DTMFTracker()
        for packet in TestVector.s5 where packet.pt == 101 {
            packet.payload.withUnsafeBytes {
                tracker.add(
                    payload: $0, timestamp: packet.ts, arrivalMs: packet.arrivalMs, clockRate: 8000,
                    frame: Int(packet.seq))
            }
        }
        #expect(tracker.text == "5" && tracker.digits.first?.startMs == TestVector.G(30))
        #expect(tracker.digits.first?.durationMs == 10 * 20 && tracker.endRetransmissions == 2)
    }

    @Test func junkEventsNeverCrash() {
        var tracker = DTMFTracker()
        var generator = SplitMix(seed: 7)
        for index in 0..<10_000 {
            let bytes = (0..<4).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            bytes.withUnsafeBytes {
                tracker.add(
                    payload: $0, timestamp: UInt32(truncatingIfNeeded: generator.next() % 4), arrivalMs: Double(index),
                    clockRate: 0, frame: index)
            }
        }
        #expect(tracker.digits.count <= DTMFTracker.maximumDigits)
    }
}
