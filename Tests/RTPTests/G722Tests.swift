import Foundation
import Testing

@testable import RTP

/// Our G.722 encoder and decoder: round trips keep tones at their frequency with a bounded
/// error, silence stays silent, the QMF puts each tone in its sub-band, state carries across
/// packets, and no octet sequence upsets the decoder. (Interoperation with another
/// implementation is tested against baresip in SiptoolCLITests.)
@Suite struct G722Tests {
    /// Signal-to-noise ratio of `output` against `input` in dB, at the delay (0...48 samples) and
    /// gain that fit best, over the samples after the first 100 ms (the coders' start-up).
    static func snr(input: [Int16], output: [Int16]) -> (snr: Double, delay: Int) {
        var best = (snr: -Double.infinity, delay: 0)
        let start = 1600
        let end = min(input.count, output.count) - 48
        for delay in 0...48 {
            var cross = 0.0
            var inputEnergy = 0.0
            var outputEnergy = 0.0
            for index in start..<end {
                let x = Double(input[index])
                let y = Double(output[index + delay])
                cross += x * y
                inputEnergy += x * x
                outputEnergy += y * y
            }
            guard inputEnergy > 0 else { continue }
            let gain = cross / inputEnergy
            let noise = outputEnergy - 2 * gain * cross + gain * gain * inputEnergy
            let signal = gain * gain * inputEnergy
            let value = 10 * log10(signal / max(noise, 1e-9))
            if value > best.snr { best = (value, delay) }
        }
        return best
    }

    static func roundTrip(_ input: [Int16]) -> [Int16] {
        var encoder = G722.Encoder()
        var decoder = G722.Decoder()
        let octets = encoder.encode(input)
        #expect(octets.count == input.count / 2)
        return decoder.decode(octets)
    }

    @Test(arguments: [
        // Measured: 64.5, 63.4, 47.4, 50.3, 35.4, 22.1, 27.6 and 22.5 dB (the 2-bit high band is coarse).
        (100.0, 55.0), (300.0, 55.0), (1000.0, 40.0), (2000.0, 40.0), (3400.0, 30.0),
        (5000.0, 18.0), (6000.0, 20.0), (7000.0, 18.0),
    ])
    func tonesSurviveTheRoundTrip(frequency: Double, minimumSNR: Double) {
        let input = TestAudio.tone(frequency: frequency, seconds: 1, sampleRate: 16000, dBov: -12)
        let output = Self.roundTrip(input)
        #expect(output.count == input.count)
        let (snr, delay) = Self.snr(input: input, output: output)
        print("G.722 round trip \(Int(frequency)) Hz: SNR \(String(format: "%.1f", snr)) dB at delay \(delay)")
        #expect(snr >= minimumSNR, "\(frequency) Hz: SNR \(snr) dB")
        // The output is the same tone: most of its energy is at the input frequency, and more
        // there than at any other 50 Hz step of the band.
        let window = output[8000..<16000]  // 0.5 s: a whole number of cycles of every 50 Hz step
        let atTone = AudioLevelMeter.toneFraction(of: window, frequency: frequency, sampleRate: 16000)
        #expect(atTone > 0.9, "\(frequency) Hz: \(atTone) of the energy at the tone")
        let strongestOther = stride(from: 50.0, through: 7950, by: 50).filter { abs($0 - frequency) > 100 }
            .map { AudioLevelMeter.toneFraction(of: window, frequency: $0, sampleRate: 16000) }.max() ?? 1
        #expect(strongestOther < atTone / 20)
        // Level within 3 dB (7 kHz sits on the QMF's band edge: 6 dB).
        let levelChange = AudioLevelMeter.level(of: window) - AudioLevelMeter.level(of: input[8000..<16000])
        #expect(abs(levelChange) < (frequency >= 7000 ? 6 : 3), "\(frequency) Hz: level changed by \(levelChange) dB")
    }

    @Test func speechLikeAudioSurvives() {
        let input = TestAudio.speechLike(seconds: 2, sampleRate: 16000, dBov: -18)
        let (snr, _) = Self.snr(input: input, output: Self.roundTrip(input))
        print("G.722 round trip speech-like: SNR \(String(format: "%.1f", snr)) dB")
        #expect(snr >= 30)  // measured 38.3 dB
    }

    @Test func silenceStaysSilent() {
        // At the smallest scale factor the lowest decision levels round to 0, so digital silence
        // codes as the smallest steps: an idle noise of a few units, far below any audio.
        let output = Self.roundTrip([Int16](repeating: 0, count: 16000))
        #expect(output.allSatisfy { abs(Int($0)) <= 8 }, "\(Set(output).sorted())")
        #expect(AudioLevelMeter.level(of: output) < -75)
        // After loud audio the coder settles back to silence.
        let loud = TestAudio.tone(frequency: 800, seconds: 0.5, sampleRate: 16000, dBov: -6)
        let afterwards = Self.roundTrip(loud + [Int16](repeating: 0, count: 16000))
        #expect(AudioLevelMeter.level(of: afterwards[16000...]) < -70)
        #expect(AudioLevelMeter.level(of: afterwards[..<8000]) > -10)
    }

    @Test func theBandSplitPutsHighFrequenciesInTheHighBand() {
        func bandEnergies(_ frequency: Double) -> (low: Double, high: Double) {
            var filter = G722.AnalysisFilter()
            let input = TestAudio.tone(frequency: frequency, seconds: 0.5, sampleRate: 16000, dBov: -12)
            var low = 0.0
            var high = 0.0
            for pair in stride(from: 0, to: input.count, by: 2) {
                let (l, h) = filter.split(first: input[pair], second: input[pair + 1])
                if pair >= 200 {
                    low += Double(l * l)
                    high += Double(h * h)
                }
            }
            return (low, high)
        }
        for frequency in [5000.0, 6000.0, 7000.0] {
            let energy = bandEnergies(frequency)
            #expect(energy.high > 100 * energy.low, "\(frequency) Hz: high \(energy.high) low \(energy.low)")
        }
        for frequency in [300.0, 1000.0, 3000.0] {
            let energy = bandEnergies(frequency)
            #expect(energy.low > 100 * energy.high, "\(frequency) Hz: high \(energy.high) low \(energy.low)")
        }
        // In the bit stream: a 6 kHz tone drives the 2-bit high-band codes, not the low band.
        var encoder = G722.Encoder()
        var decoder = G722.Decoder()
        let octets = encoder.encode(TestAudio.tone(frequency: 6000, seconds: 0.5, sampleRate: 16000, dBov: -12))
        let withoutHighBand = octets.map { $0 & 0x3F | 0xC0 }  // the smallest positive high-band code
        let output = decoder.decode(withoutHighBand)
        #expect(AudioLevelMeter.level(of: output[4000...]) < -40)
    }

    @Test func packetBoundariesDoNotChangeTheStream() {
        let input = TestAudio.speechLike(seconds: 1, sampleRate: 16000, dBov: -18)
            + TestAudio.tone(frequency: 6500, seconds: 0.5, sampleRate: 16000, dBov: -15)
        var whole = G722.Encoder()
        let expected = whole.encode(input)
        for chunk in [320, 160, 157] {
            var encoder = G722.Encoder()
            var octets: [UInt8] = []
            for start in stride(from: 0, to: input.count, by: chunk) {
                octets += encoder.encode(Array(input[start..<min(start + chunk, input.count)]))
            }
            #expect(octets == expected, "chunks of \(chunk) samples")
        }
        var wholeDecoder = G722.Decoder()
        let decoded = wholeDecoder.decode(expected)
        var decoder = G722.Decoder()
        var pieces: [Int16] = []
        for start in stride(from: 0, to: expected.count, by: 160) {
            pieces += decoder.decode(expected[start..<min(start + 160, expected.count)])
        }
        #expect(pieces == decoded)
    }

    /// Integer-only test audio (two triangle waves, one in each sub-band, plus noise from a
    /// linear congruential generator), so the expected bit stream does not depend on a libm.
    static func integerAudio(count: Int) -> [Int16] {
        var state: UInt32 = 12345
        return (0..<count).map { index in
            state = state &* 1_103_515_245 &+ 12345
            let noise = Int(state >> 16) % 2001 - 1000
            let slow = abs(index % 64 - 32) * 500 - 8000  // 250 Hz triangle
            let fast = (index % 3 == 0 ? 1 : -1) * (index % 5 == 0 ? 3000 : 1500)  // energy near 5-8 kHz
            return Int16(slow + fast + noise)
        }
    }

    /// FNV-1a, to pin a long stream in one number.
    static func fnv1a<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }

    /// The bit stream and the decoded audio of fixed input, pinned: these values come from this
    /// coder when it was found bit-exact with spandsp's (baresip's) G.722 both ways
    /// (G722InteropTests), so any change to the arithmetic shows here even without baresip.
    @Test func theBitStreamIsPinned() {
        let input = Self.integerAudio(count: 32000)
        var encoder = G722.Encoder()
        let octets = encoder.encode(input)
        var decoder = G722.Decoder()
        let output = decoder.decode(octets)
        let outputBytes = output.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        print("G.722 pinned: octets \(String(Self.fnv1a(octets), radix: 16)), samples \(String(Self.fnv1a(outputBytes), radix: 16))")
        #expect(Self.fnv1a(octets) == 0x662c_3fc3_a261_d402)
        #expect(Self.fnv1a(outputBytes) == 0x0838_b2a5_6130_b062)
    }

    @Test func anyOctetsDecode() {
        var state: UInt64 = 0x1234_5678_9ABC_DEF1
        var octets = [UInt8](repeating: 0, count: 64000)
        for index in octets.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            octets[index] = UInt8(truncatingIfNeeded: state)
        }
        // Every code, then noise, then runs of the largest codes that push the scale factors to their limits.
        octets += (0...255).map { UInt8($0) } + [UInt8](repeating: 0x20, count: 4000) + [UInt8](repeating: 0x04, count: 4000)
        var decoder = G722.Decoder()
        let output = decoder.decode(octets)
        #expect(output.count == 2 * octets.count)
        #expect(output.contains { $0 != 0 })
    }

    @Test func fullScaleInputDoesNotOverflow() {
        var input = TestAudio.tone(frequency: 1000, seconds: 0.5, sampleRate: 16000, dBov: 3)  // clipped square-ish
        input += [Int16](repeating: .max, count: 800) + [Int16](repeating: .min, count: 800)
        let output = Self.roundTrip(input)
        #expect(output.count == input.count)
        let window = output[2000..<8000]
        #expect(AudioLevelMeter.toneFraction(of: window, frequency: 1000, sampleRate: 16000) > 0.5)
    }
}
