#if canImport(Glibc)
import Glibc
#endif

/// Listening quality estimated with the ITU-T G.107 E-model, in the simplified form used for VoIP
/// monitoring when only network measures are known:
///
///     R = R0 - Is - Id - Ie,eff + A            (G.107 §3)
///     R0 - Is = 93.2                           (default values of all other parameters)
///     Id = 0.024 d + 0.11 (d - 177.3) H(d - 177.3)   (one-way delay d in ms; the common
///                                                     Cole-Rosenbluth fit of G.107's Id)
///     Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl)   (G.107 §3.6; Ppl in %)
///     A = 0
///     MOS = 1 + 0.035 R + R (R - 60)(100 - R) 7e-6  for 0 < R < 100 (G.107 Annex B), 1 below, 4.5 above
///
/// Codec impairments Ie and packet-loss robustness Bpl come from ITU-T G.113 Appendix I:
/// G.711 Ie 0, Bpl 25.1 (with packet loss concealment); G.729(A) Ie 11, Bpl 19; G.723.1 (6.3k) Ie 15,
/// Bpl 16.1; GSM-EFR Ie 5, Bpl 10. G.722 and Opus are wideband; the narrowband E-model does not
/// rate them, so siptool uses G.711's values for them (a conservative, stated choice).
/// When the one-way delay is unknown, d = 100 ms (a jitter buffer of 60 ms plus packetisation and
/// network), which sipnab also assumes.
public enum EModel {
    public struct CodecImpairment: Sendable, Hashable {
        public var ie: Double
        public var bpl: Double
    }

    /// Ie and Bpl for a payload name (tshark's names or SDP encoding names).
    public static func impairment(forPayload name: String) -> CodecImpairment? {
        switch name.lowercased() {
        case "g711u", "g711a", "pcmu", "pcma", "g722", "opus": return CodecImpairment(ie: 0, bpl: 25.1)
        case "g729", "g729a": return CodecImpairment(ie: 11, bpl: 19)
        case "g723": return CodecImpairment(ie: 15, bpl: 16.1)
        case "gsm": return CodecImpairment(ie: 5, bpl: 10)
        default: return nil
        }
    }

    /// The default one-way delay assumed when none was measured, in ms.
    public static let defaultDelayMs = 100.0

    /// R for a loss percentage `ppl`, burst ratio and one-way delay.
    public static func rFactor(lossPercent ppl: Double, burstRatio: Double = 1, delayMs: Double = defaultDelayMs, codec: CodecImpairment) -> Double {
        let d = max(0, delayMs)
        let id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0)
        let burst = max(1, burstRatio)
        let loss = max(0, min(100, ppl))
        let ieEff = codec.ie + (95 - codec.ie) * loss / (loss / burst + codec.bpl)
        return 93.2 - id - ieEff
    }

    /// MOS (1-4.5) from R (G.107 Annex B).
    public static func mos(r: Double) -> Double {
        if r <= 0 { return 1 }
        if r >= 100 { return 4.5 }
        return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6
    }

    /// MOS for a stream: loss %, burstiness (mean burst length relative to random loss), delay, codec.
    public static func mos(lossPercent: Double, burstRatio: Double = 1, delayMs: Double = defaultDelayMs, payload: String) -> Double? {
        guard let codec = Self.impairment(forPayload: payload) else { return nil }
        return Self.mos(r: Self.rFactor(lossPercent: lossPercent, burstRatio: burstRatio, delayMs: delayMs, codec: codec))
    }
}

/// ITU-T G.711 decoding, for measuring the audio level of captured or received streams.
public enum G711 {
    /// μ-law byte to a 16-bit linear sample (G.711 §2, the inverse of the segment encoding).
    public static func decodeMuLaw(_ byte: UInt8) -> Int16 {
        let value = ~byte
        let sign = value & 0x80
        let exponent = Int((value >> 4) & 0x07)
        let mantissa = Int(value & 0x0F)
        let magnitude = ((mantissa << 3) + 0x84) << exponent - 0x84
        return Int16(sign != 0 ? -magnitude : magnitude)
    }

    /// A-law byte to a 16-bit linear sample.
    public static func decodeALaw(_ byte: UInt8) -> Int16 {
        let value = byte ^ 0x55
        let sign = value & 0x80
        let exponent = Int((value >> 4) & 0x07)
        let mantissa = Int(value & 0x0F)
        var magnitude = exponent == 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1)
        if magnitude > 32767 { magnitude = 32767 }
        return Int16(sign != 0 ? magnitude : -magnitude)
    }

    /// μ-law encoding of a linear sample (for generated test audio).
    public static func encodeMuLaw(_ sample: Int16) -> UInt8 {
        let bias = 0x84
        var value = Int(sample)
        let sign: UInt8 = value < 0 ? 0x80 : 0
        if value < 0 { value = -value }
        value = min(value, 32635) + bias
        var exponent = 7
        var mask = 0x4000
        while exponent > 0 && value & mask == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = (value >> (exponent + 3)) & 0x0F
        return ~(sign | UInt8(exponent << 4) | UInt8(mantissa))
    }
}

/// The audio level of a stream, to tell "RTP flows but it is silence" from real audio.
public struct AudioLevelMeter: Sendable {
    private var sumSquares: Double = 0
    /// Samples the payloads held; `measured` of them were looked at.
    private var samples = 0
    private var measured = 0
    /// Below this mean level (dBov) a stream is called silent: the noise floor of a muted microphone
    /// or of digital silence sits well below it, speech well above (around -20 to -30 dBov).
    public static let silenceThresholdDBov = -55.0

    public init() {}

    /// Squares of the decoded G.711 samples, by code: a table look-up per byte instead of a decode.
    static let muLawSquares: [Double] = (0...255).map { let s = Double(G711.decodeMuLaw(UInt8($0))); return s * s }
    static let aLawSquares: [Double] = (0...255).map { let s = Double(G711.decodeALaw(UInt8($0))); return s * s }

    /// Adds a G.711 payload (μ-law when `muLaw`, A-law otherwise). Every third sample is measured:
    /// the subsample estimates the mean power of voice-band audio well at a third of the cost (a stride
    /// of 3 avoids aliasing with the 1, 2 and 4 kHz test tones that a stride of 4 would sample at zeros).
    public mutating func addG711(_ payload: UnsafeRawBufferPointer, muLaw: Bool) {
        var sum = 0.0
        var count = 0
        let table = muLaw ? Self.muLawSquares : Self.aLawSquares
        table.withUnsafeBufferPointer { squares in
            var index = 0
            while index < payload.count {
                sum += squares[Int(payload[index])]
                count += 1
                index += 3
            }
        }
        self.sumSquares += sum
        self.samples += payload.count
        self.measured += count
    }

    /// RMS level relative to full scale (dBov), nil before any sample.
    public var levelDBov: Double? {
        guard self.samples > 0 else { return nil }
        let rms = (self.sumSquares / Double(max(self.measured, 1))).squareRoot()
        guard rms > 0 else { return -100 }
        return 20 * log10(rms / 32768)
    }

    public var isSilent: Bool { (self.levelDBov ?? 0) < Self.silenceThresholdDBov && self.samples >= 8000 }
}

/// Turns RFC 4733 telephone-event packets into digits with their start time and duration.
///
/// One key press is several packets with the same RTP timestamp (updates while the key is held,
/// then the end bit, usually sent three times, RFC 4733 §2.5.1.4).
public struct DTMFTracker: Sendable {
    public struct Digit: Sendable, Hashable {
        public var digit: Character
        public var startMs: Double
        public var durationMs: Double
        public var frame: Int
    }

    public private(set) var digits: [Digit] = []
    private var currentTimestamp: UInt32?
    private var ended = false

    public init() {}

    /// RFC 4733 §3.2 event codes 0-15 as characters (16 = flash).
    public static func character(forEvent event: UInt8) -> Character? {
        let table: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "A", "B", "C", "D", "!"]
        return Int(event) < table.count ? table[Int(event)] : nil
    }

    /// Adds one telephone-event payload (at least 4 bytes: event, E/R/volume, duration).
    public mutating func add(payload: UnsafeRawBufferPointer, timestamp: UInt32, arrivalMs: Double, clockRate: Int, frame: Int) {
        guard payload.count >= 4, let character = Self.character(forEvent: payload[0]) else { return }
        let isEnd = payload[1] & 0x80 != 0
        let duration = Double(UInt16(payload[2]) << 8 | UInt16(payload[3])) * 1000 / Double(max(clockRate, 1))
        if timestamp != self.currentTimestamp {
            self.currentTimestamp = timestamp
            self.ended = false
            self.digits.append(Digit(digit: character, startMs: arrivalMs, durationMs: duration, frame: frame))
        } else if var last = self.digits.popLast() {
            last.durationMs = max(last.durationMs, duration)
            self.digits.append(last)
        }
        if isEnd { self.ended = true }
    }
}
