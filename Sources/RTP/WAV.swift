#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// RIFF/WAVE audio in and out, as bytes (the file I/O lives at the edge). Reads the formats
/// people actually have: 8/16/24/32-bit PCM, 32-bit float, mu-law and A-law, mono or more
/// channels (mixed down), WAVE_FORMAT_EXTENSIBLE; skips chunks it does not need (LIST, fact,
/// cue) and tolerates a data size of 0 or 0xFFFFFFFF written by streaming recorders.
public struct WAVAudio: Hashable, Sendable {
    /// Mono samples.
    public var samples: [Int16]
    public var sampleRate: Int

    public init(samples: [Int16], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    /// Why bytes are not usable audio, with the byte offset where the problem is.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "at byte \(self.offset): \(self.reason)" }
    }

    /// Duration in seconds.
    public var duration: Double { Double(self.samples.count) / Double(max(self.sampleRate, 1)) }

    /// Parses a WAV file's bytes and mixes all channels down to mono.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> WAVAudio {
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
        func tag(_ at: Int) -> String { String(decoding: bytes[at..<at + 4], as: UTF8.self) }

        guard bytes.count >= 12 else { throw ParseError(offset: 0, reason: "too short for a WAV header (\(bytes.count) bytes)") }
        guard tag(0) == "RIFF" || tag(0) == "RF64", tag(8) == "WAVE" else {
            throw ParseError(offset: 0, reason: "not a RIFF/WAVE file (starts with \(String(reflecting: tag(0))))")
        }
        var offset = 12
        var format: (code: UInt16, channels: Int, rate: Int, bits: Int)?
        while offset + 8 <= bytes.count {
            let id = tag(offset)
            var size = Int(u32(offset + 4))
            let body = offset + 8
            if id == "data" {
                guard let format else { throw ParseError(offset: offset, reason: "the data chunk comes before any fmt chunk") }
                // Streaming writers leave 0 or 0xFFFFFFFF: take what is there.
                if size == 0 || size == 0xFFFF_FFFF || body + size > bytes.count { size = bytes.count - body }
                return try Self.decode(bytes[body..<body + size], format: format, offset: body)
            }
            if id == "fmt " {
                guard size >= 16, body + 16 <= bytes.count else { throw ParseError(offset: offset, reason: "fmt chunk too short (\(size) bytes)") }
                var code = u16(body)
                let channels = Int(u16(body + 2))
                let rate = Int(u32(body + 4))
                let bits = Int(u16(body + 14))
                if code == 0xFFFE {
                    // WAVE_FORMAT_EXTENSIBLE: the real format is the first 2 bytes of the sub-format GUID.
                    guard size >= 40, body + 26 <= bytes.count else { throw ParseError(offset: body, reason: "extensible fmt chunk too short") }
                    code = u16(body + 24)
                }
                guard channels >= 1, channels <= 32 else { throw ParseError(offset: body + 2, reason: "\(channels) channels") }
                guard rate >= 1000, rate <= 384_000 else { throw ParseError(offset: body + 4, reason: "sample rate \(rate) Hz") }
                format = (code, channels, rate, bits)
            }
            guard size >= 0, body + size + (size & 1) <= bytes.count || id == "data" else {
                throw ParseError(offset: offset, reason: "chunk '\(id)' of \(size) bytes runs past the end of the file")
            }
            offset = body + size + (size & 1)  // chunks are padded to even sizes
        }
        throw ParseError(offset: offset, reason: format == nil ? "no fmt chunk" : "no data chunk")
    }

    private static func decode(
        _ data: ArraySlice<UInt8>, format: (code: UInt16, channels: Int, rate: Int, bits: Int), offset: Int
    ) throws(ParseError) -> WAVAudio {
        let bytesPerSample: Int
        let sample: (Int) -> Int32  // index of the first byte -> sample scaled to 16 bits
        let base = data.startIndex
        switch (format.code, format.bits) {
        case (1, 8):
            bytesPerSample = 1
            sample = { Int32(Int(data[$0]) - 128) << 8 }
        case (1, 16):
            bytesPerSample = 2
            sample = { Int32(Int16(bitPattern: UInt16(data[$0]) | UInt16(data[$0 + 1]) << 8)) }
        case (1, 24):
            bytesPerSample = 3
            sample = { Int32(bitPattern: UInt32(data[$0]) << 8 | UInt32(data[$0 + 1]) << 16 | UInt32(data[$0 + 2]) << 24) >> 16 }
        case (1, 32):
            bytesPerSample = 4
            sample = { Int32(bitPattern: UInt32(data[$0]) | UInt32(data[$0 + 1]) << 8 | UInt32(data[$0 + 2]) << 16 | UInt32(data[$0 + 3]) << 24) >> 16 }
        case (3, 32):
            bytesPerSample = 4
            sample = {
                let bits = UInt32(data[$0]) | UInt32(data[$0 + 1]) << 8 | UInt32(data[$0 + 2]) << 16 | UInt32(data[$0 + 3]) << 24
                let value = Float(bitPattern: bits)
                return value.isFinite ? Int32(max(-32768, min(32767, (value * 32767).rounded()))) : 0
            }
        case (7, 8):
            bytesPerSample = 1
            sample = { Int32(G711.decodeMuLaw(data[$0])) }
        case (6, 8):
            bytesPerSample = 1
            sample = { Int32(G711.decodeALaw(data[$0])) }
        default:
            throw ParseError(offset: offset, reason: "unsupported WAV format \(format.code) with \(format.bits) bits (use PCM, float, mu-law or A-law)")
        }
        let frame = bytesPerSample * format.channels
        let frames = data.count / frame
        var samples = [Int16](repeating: 0, count: frames)
        for index in 0..<frames {
            var sum: Int32 = 0
            let start = base + index * frame
            for channel in 0..<format.channels { sum += sample(start + channel * bytesPerSample) }
            samples[index] = Int16(clamping: sum / Int32(format.channels))
        }
        return WAVAudio(samples: samples, sampleRate: format.rate)
    }

    /// A 16-bit PCM mono WAV file of these samples.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(44 + self.samples.count * 2)
        func put32(_ value: UInt32) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)] }
        func put16(_ value: UInt16) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8)] }
        let dataSize = UInt32(min(self.samples.count * 2, Int(UInt32.max - 36)))
        bytes += Array("RIFF".utf8)
        put32(36 + dataSize)
        bytes += Array("WAVEfmt ".utf8)
        put32(16)
        put16(1)  // PCM
        put16(1)  // mono
        put32(UInt32(self.sampleRate))
        put32(UInt32(self.sampleRate * 2))
        put16(2)
        put16(16)
        bytes += Array("data".utf8)
        put32(dataSize)
        for sample in self.samples { put16(UInt16(bitPattern: sample)) }
        return bytes
    }

    /// The same audio at `rate` Hz: a windowed-sinc low-pass and interpolation, so a 44.1 kHz
    /// recording does not alias into the 8 kHz telephone band.
    public func resampled(to rate: Int) -> WAVAudio {
        guard rate != self.sampleRate, rate > 0, !self.samples.isEmpty else { return WAVAudio(samples: self.samples, sampleRate: rate > 0 ? rate : self.sampleRate) }
        let ratio = Double(rate) / Double(self.sampleRate)
        let cutoff = min(1.0, ratio) * 0.45  // of the input rate, below Nyquist of both
        let halfWidth = 16
        let outputCount = Int((Double(self.samples.count) * ratio).rounded(.down))
        var output = [Int16](repeating: 0, count: outputCount)
        let input = self.samples
        for index in 0..<outputCount {
            let position = Double(index) / ratio
            let center = Int(position.rounded(.down))
            var sum = 0.0
            var weights = 0.0
            for tap in (center - halfWidth + 1)...(center + halfWidth) where tap >= 0 && tap < input.count {
                let x = Double(tap) - position
                let sinc = x == 0 ? 2 * cutoff : sin(2 * Double.pi * cutoff * x) / (Double.pi * x)
                let window = 0.5 + 0.5 * cos(Double.pi * x / Double(halfWidth))  // Hann
                let weight = sinc * window
                sum += weight * Double(input[tap])
                weights += weight
            }
            let value = weights != 0 ? sum / weights : 0
            output[index] = Int16(max(-32768, min(32767, value.rounded())))
        }
        return WAVAudio(samples: output, sampleRate: rate)
    }
}

/// Test audio generated in-process, so a call needs no audio file.
public enum TestAudio {
    /// A sine tone at `frequency` Hz and `dBov` level.
    public static func tone(frequency: Double, seconds: Double, sampleRate: Int = 8000, dBov: Double = -12) -> [Int16] {
        let count = Int(seconds * Double(sampleRate))
        let amplitude = 32767 * pow(10, dBov / 20) * 2.0.squareRoot()
        let step: Double = 2 * Double.pi * frequency / Double(sampleRate)
        return (0..<count).map { index in
            let value: Double = amplitude * sin(step * Double(index))
            return Int16(max(-32768, min(32767, value.rounded())))
        }
    }

    /// Speech-like audio: a 120 Hz voiced source with three formant-shaped harmonic groups whose
    /// vowel changes every 180 ms, switched on and off at a syllable rate (about 4 per second)
    /// with short pauses, so voice-activity, level and silence detectors see something like a
    /// person talking. Deterministic for a given `seed`.
    public static func speechLike(seconds: Double, sampleRate: Int = 8000, dBov: Double = -18, seed: UInt64 = 1) -> [Int16] {
        let count = Int(seconds * Double(sampleRate))
        let vowels: [(Double, Double, Double)] = [(730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410)]
        var state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
        func random() -> Double {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Double(state % 10_000) / 10_000
        }
        var output = [Int16](repeating: 0, count: count)
        let syllable = Int(0.18 * Double(sampleRate))
        let target = 32767 * pow(10, dBov / 20) * 2.0.squareRoot()
        var pitch = 120.0
        var phase = 0.0
        var vowel = vowels[0]
        var voiced = true
        for index in 0..<count {
            if index % syllable == 0 {
                vowel = vowels[Int(random() * Double(vowels.count)) % vowels.count]
                voiced = random() > 0.2
                pitch = 100 + random() * 60
            }
            let position = Double(index % syllable) / Double(syllable)
            let envelope = voiced ? sin(Double.pi * position) : 0
            phase += 2 * Double.pi * pitch / Double(sampleRate)
            if phase > 2 * Double.pi { phase -= 2 * Double.pi }
            var value = 0.0
            let nyquist = Double(sampleRate) / 2
            for (weight, formant) in [(1.0, vowel.0), (0.5, vowel.1), (0.25, vowel.2)] where formant < nyquist {
                let harmonic = max(1, (formant / pitch).rounded())
                value += weight * sin(harmonic * phase)
            }
            let scaled: Double = target / 1.75 * envelope * value
            output[index] = Int16(max(-32768, min(32767, scaled.rounded())))
        }
        return output
    }
}
