import CKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// ITU-T G.711 companding by bit arithmetic (G.711 Tables 1a/1b and 2a/2b), on 16-bit linear samples:
/// μ-law codes the 14-bit range scaled by 4 (±8031 → ±32124), A-law the 13-bit range scaled by 8
/// (±4032 → ±32256). Transmitted codes include G.711's bit inversions (all bits for μ-law, the even
/// bits for A-law), so μ-law 0xFF and A-law 0xD5 are the smallest positive values.
public enum G711 {
    /// μ-law code to a 16-bit linear sample (the decision-interval midpoint of G.711 Table 2a).
    public static func decodeMuLaw(_ byte: UInt8) -> Int16 {
        let value = ~byte
        let exponent = Int((value >> 4) & 0x07)
        let mantissa = Int(value & 0x0F)
        let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
        return Int16(value & 0x80 != 0 ? -magnitude : magnitude)
    }

    /// A-law code to a 16-bit linear sample (G.711 Table 1a midpoints).
    public static func decodeALaw(_ byte: UInt8) -> Int16 {
        let value = byte ^ 0x55
        let exponent = Int((value >> 4) & 0x07)
        let mantissa = Int(value & 0x0F)
        let magnitude = exponent == 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1)
        return Int16(value & 0x80 != 0 ? magnitude : -magnitude)
    }

    /// 16-bit linear sample to a μ-law code: bias 0x84 (33 in 14-bit units), segment = position of
    /// the highest set bit, four mantissa bits below it, all bits inverted. Clips at ±32635.
    public static func encodeMuLaw(_ sample: Int16) -> UInt8 {
        var value = Int(sample)
        let sign: UInt8 = value < 0 ? 0x80 : 0
        if value < 0 { value = -value }
        value = min(value, 32635) + 0x84
        var exponent = 7
        var mask = 0x4000
        while exponent > 0 && value & mask == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = (value >> (exponent + 3)) & 0x0F
        return ~(sign | UInt8(exponent << 4) | UInt8(mantissa))
    }

    /// 16-bit linear sample to an A-law code: 13-bit value, segment by magnitude (segment ends
    /// 31, 63, 127, ..., 4095), four mantissa bits, sign bit 1 for positive, even bits inverted.
    public static func encodeALaw(_ sample: Int16) -> UInt8 {
        var value = Int(sample) >> 3
        let mask: UInt8
        if value >= 0 {
            mask = 0xD5
        } else {
            mask = 0x55
            value = -value - 1
        }
        var segment = 0
        while segment < 8 && value >= (0x20 << segment) { segment += 1 }
        guard segment < 8 else { return 0x7F ^ mask }
        let mantissa = segment < 2 ? (value >> 1) & 0x0F : (value >> segment) & 0x0F
        return UInt8(segment << 4 | mantissa) ^ mask
    }

    /// ``muLawSquares`` and ``aLawSquares`` in memory that is never freed, read without reference
    /// counting in the per-packet path.
    nonisolated(unsafe) static let muLawSquareTable = G711.permanentCopy(G711.muLawSquares)
    nonisolated(unsafe) static let aLawSquareTable = G711.permanentCopy(G711.aLawSquares)

    private static func permanentCopy(_ table: [UInt32]) -> UnsafeBufferPointer<UInt32> {
        let copy = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: table.count)
        _ = copy.initialize(from: table)
        return UnsafeBufferPointer(copy)
    }

    /// The square of every μ-law code's linear value (at most 32124², which fits 32 bits).
    static let muLawSquares: [UInt32] = (0..<256).map { code in
        let sample = Int(Self.decodeMuLaw(UInt8(code)))
        return UInt32(sample * sample)
    }

    /// The square of every A-law code's linear value (at most 32256²).
    static let aLawSquares: [UInt32] = (0..<256).map { code in
        let sample = Int(Self.decodeALaw(UInt8(code)))
        return UInt32(sample * sample)
    }

    /// Whether the C kernel's vector code (AVX2, detected at run time) computes
    /// ``sumOfSquares(_:muLaw:)``: about a fifth of the instructions of the table below.
    static let hasWideKernel = siptool_g711_wide_available() != 0

    /// The sum of the squared linear values of a payload's codes, exact (an integer sum, so the
    /// order of the additions does not matter; it stays below 2^53 for any UDP payload).
    static func sumOfSquares(_ payload: UnsafeRawBufferPointer, muLaw: Bool) -> UInt64 {
        if Self.hasWideKernel, let base = payload.baseAddress {
            return siptool_g711_sum_of_squares_wide(base.assumingMemoryBound(to: UInt8.self), payload.count, muLaw ? 1 : 0)
        }
        return Self.tableSumOfSquares(payload, muLaw: muLaw)
    }

    /// ``sumOfSquares(_:muLaw:)`` by table lookups, for CPUs without the vector kernel.
    static func tableSumOfSquares(_ payload: UnsafeRawBufferPointer, muLaw: Bool) -> UInt64 {
        let squares = muLaw ? G711.muLawSquareTable : G711.aLawSquareTable
        do {
            let count = payload.count
            var even: UInt64 = 0
            var odd: UInt64 = 0
            var index = 0
            // Eight codes per load, two running sums.
            while index + 8 <= count {
                let word = payload.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                even &+= UInt64(squares[Int(word & 0xFF)]) &+ UInt64(squares[Int(word >> 16 & 0xFF)])
                    &+ UInt64(squares[Int(word >> 32 & 0xFF)]) &+ UInt64(squares[Int(word >> 48 & 0xFF)])
                odd &+= UInt64(squares[Int(word >> 8 & 0xFF)]) &+ UInt64(squares[Int(word >> 24 & 0xFF)])
                    &+ UInt64(squares[Int(word >> 40 & 0xFF)]) &+ UInt64(squares[Int(word >> 56)])
                index += 8
            }
            while index < count {
                even &+= UInt64(squares[Int(payload[index])])
                index += 1
            }
            return even &+ odd
        }
    }

    /// Decodes a payload (μ-law when `muLaw`, A-law otherwise).
    public static func decode(_ payload: UnsafeRawBufferPointer, muLaw: Bool) -> [Int16] {
        payload.map { muLaw ? Self.decodeMuLaw($0) : Self.decodeALaw($0) }
    }

    /// Encodes samples (μ-law when `muLaw`, A-law otherwise).
    public static func encode(_ samples: [Int16], muLaw: Bool) -> [UInt8] {
        samples.map { muLaw ? Self.encodeMuLaw($0) : Self.encodeALaw($0) }
    }
}

/// The audio level of a stream, to tell "RTP flows but it is silence" from real audio: the RMS level
/// in dBov (0 dBov = a full-scale square wave, so a full-scale sine is −3 dBov) per packet and over
/// the stream, and the silent stretches.
public struct AudioLevelMeter: Sendable {
    /// The level reported for all-zero audio (−∞ dBov is not printable).
    public static let floorDBov = -100.0
    /// Below this level a packet or stream is silent (``QualityThresholds/silenceDBov``).
    public static let silenceThresholdDBov = QualityThresholds.silenceDBov
    /// Audio needed before a stream can be called silent: 1 s at 8 kHz.
    public static let minimumSamplesForVerdict = 8000

    private var sumSquares: Double = 0
    public private(set) var samples = 0
    /// Packets measured, and those below the silence threshold.
    public private(set) var packets = 0
    public private(set) var silentPackets = 0
    /// Per-packet levels: lowest, highest and their mean (in dB), nil before any packet.
    public private(set) var minimumPacketDBov: Double?
    public private(set) var maximumPacketDBov: Double?
    private var packetLevelSum: Double = 0
    private var currentSilentSamples = 0
    /// The longest run of consecutive silent packets, in samples.
    public private(set) var longestSilentSamples = 0
    /// Sample rate of the audio, for converting samples to ms.
    public var sampleRate: Int

    public init(sampleRate: Int = 8000) {
        self.sampleRate = max(1, sampleRate)
    }

    /// RMS level in dBov of some samples (``floorDBov`` for digital silence or no samples).
    public static func level<C: Collection>(of samples: C) -> Double where C.Element == Int16 {
        guard !samples.isEmpty else { return Self.floorDBov }
        var sum = 0.0
        for sample in samples { sum += Double(sample) * Double(sample) }
        return Self.dBov(meanSquare: sum / Double(samples.count))
    }

    /// The share of the energy of `samples` that lies at `frequency` (Goertzel): 1 for a pure tone
    /// with a whole number of cycles in the window, near 0 when the tone is absent. Used to check
    /// that a codec or a peer delivered a known test tone.
    public static func toneFraction<C: Collection>(of samples: C, frequency: Double, sampleRate: Double) -> Double where C.Element == Int16 {
        let coefficient = 2 * cos(2 * Double.pi * frequency / sampleRate)
        var previous = 0.0
        var beforePrevious = 0.0
        var energy = 0.0
        for sample in samples {
            let value = Double(sample)
            energy += value * value
            let current = value + coefficient * previous - beforePrevious
            beforePrevious = previous
            previous = current
        }
        let power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
        return energy > 0 ? 2 * power / (Double(samples.count) * energy) : 0
    }

    static func dBov(meanSquare: Double) -> Double {
        let rms = meanSquare.squareRoot()
        guard rms > 0 else { return Self.floorDBov }
        return max(Self.floorDBov, 20 * log10(rms / 32768))
    }

    /// Adds one packet's decoded samples.
    public mutating func add<C: Collection>(samples: C) where C.Element == Int16 {
        guard !samples.isEmpty else { return }
        var sum = 0.0
        for sample in samples { sum += Double(sample) * Double(sample) }
        self.addPacket(sumOfSquares: sum, count: samples.count)
    }

    /// Adds one packet given the sum of its squared samples.
    private mutating func addPacket(sumOfSquares sum: Double, count: Int) {
        self.sumSquares += sum
        self.samples += count
        self.packets += 1
        let level = Self.dBov(meanSquare: sum / Double(count))
        self.packetLevelSum += level
        self.minimumPacketDBov = min(self.minimumPacketDBov ?? level, level)
        self.maximumPacketDBov = max(self.maximumPacketDBov ?? level, level)
        if level < Self.silenceThresholdDBov {
            self.silentPackets += 1
            self.currentSilentSamples += count
            self.longestSilentSamples = max(self.longestSilentSamples, self.currentSilentSamples)
        } else {
            self.currentSilentSamples = 0
        }
    }

    /// Adds a G.711 payload (μ-law when `muLaw`, A-law otherwise).
    ///
    /// Sums precomputed squares in integers: every square and every partial sum is an integer
    /// below 2^53, so the total equals the floating-point sum of the decoded samples' squares
    /// exactly, at a table load per byte instead of a decode and a multiplication.
    public mutating func addG711(_ payload: UnsafeRawBufferPointer, muLaw: Bool) {
        guard !payload.isEmpty else { return }
        self.addPacket(sumOfSquares: Double(G711.sumOfSquares(payload, muLaw: muLaw)), count: payload.count)
    }

    /// Adds a G.711 payload from an array.
    public mutating func addG711(_ payload: [UInt8], muLaw: Bool) {
        payload.withUnsafeBytes { self.addG711($0, muLaw: muLaw) }
    }

    /// RMS level of the whole stream in dBov, nil before any sample.
    public var levelDBov: Double? {
        guard self.samples > 0 else { return nil }
        return Self.dBov(meanSquare: self.sumSquares / Double(self.samples))
    }

    /// Mean of the per-packet levels in dB, nil before any packet.
    public var meanPacketDBov: Double? { self.packets > 0 ? self.packetLevelSum / Double(self.packets) : nil }

    /// The longest silent stretch in ms.
    public var longestSilenceMs: Double { Double(self.longestSilentSamples) * 1000 / Double(self.sampleRate) }

    /// The whole stream is silent: at least 1 s of audio with an overall level below the threshold.
    public var isSilent: Bool {
        self.samples >= Self.minimumSamplesForVerdict && (self.levelDBov ?? 0) < Self.silenceThresholdDBov
    }

    /// A silent stretch of ``QualityThresholds/longSilenceMs`` or more occurred.
    public var hasLongSilence: Bool { self.longestSilenceMs >= QualityThresholds.longSilenceMs }
}

/// The overall level of a G.711 (or, decoded, G.722) stream only: what ``AudioLevelMeter/levelDBov`` and
/// ``AudioLevelMeter/isSilent`` give, without the per-packet levels (no logarithm per packet), for
/// callers that report only the stream's level.
public struct G711StreamLevel: Sendable {
    /// Sum of the squared samples, accumulated per packet as ``AudioLevelMeter`` does.
    public private(set) var sumOfSquares: Double = 0
    public private(set) var samples = 0

    public init() {}

    /// Audio measured, in 8 kHz sample periods (a 16 kHz G.722 sample pair counts one), for the
    /// one-second minimum of ``isSilent``.
    private var narrowbandPeriods = 0

    /// Adds a G.711 payload (μ-law when `muLaw`, A-law otherwise).
    public mutating func addG711(_ payload: UnsafeRawBufferPointer, muLaw: Bool) {
        guard !payload.isEmpty else { return }
        self.sumOfSquares += Double(G711.sumOfSquares(payload, muLaw: muLaw))
        self.samples += payload.count
        self.narrowbandPeriods += payload.count
    }

    /// Adds decoded 16 kHz samples (a G.722 payload).
    public mutating func addWideband(_ decoded: [Int16]) {
        var sum = 0.0
        for sample in decoded { sum += Double(sample) * Double(sample) }
        self.sumOfSquares += sum
        self.samples += decoded.count
        self.narrowbandPeriods += decoded.count / 2
    }

    /// RMS level of the whole stream in dBov, nil before any sample.
    public var levelDBov: Double? {
        guard self.samples > 0 else { return nil }
        return AudioLevelMeter.dBov(meanSquare: self.sumOfSquares / Double(self.samples))
    }

    /// At least 1 s of audio with an overall level below the silence threshold.
    public var isSilent: Bool {
        self.narrowbandPeriods >= AudioLevelMeter.minimumSamplesForVerdict
            && (self.levelDBov ?? 0) < AudioLevelMeter.silenceThresholdDBov
    }
}
