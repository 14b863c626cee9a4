/// ITU-T G.722 (2012) wideband audio at 64 kbit/s (mode 1), written from the Recommendation's
/// algorithm description: a 24-tap quadrature mirror filter pair splits 16 kHz audio into two 8 kHz
/// sub-bands; the lower one is coded with 6-bit ADPCM, the higher one with 2-bit ADPCM, each with
/// an adaptive pole-zero predictor (2 poles, 6 zeros) and a logarithmic scale factor. The tables
/// below are those of the Recommendation (QMF coefficients, quantiser decision levels, inverse
/// quantiser outputs, scale-factor multipliers and the inverse-log table); arithmetic follows its
/// fixed-point block definitions (shifts, 16-bit saturation, 15-bit limits), so the bit stream is
/// the one other G.722 implementations decode.
///
/// On RTP (RFC 3551 §4.5.2) G.722 is static payload type 9 with a clock rate of 8000 although it
/// samples at 16 kHz: a 20 ms packet carries 320 samples in 160 octets and its timestamp advances
/// by 160. Each octet holds one sample pair's codes, the 2 high-band bits on top of the 6 low-band bits.
public enum G722 {
    /// The static RTP payload type (RFC 3551 Table 4).
    public static let payloadType: UInt8 = 9
    /// The RTP timestamp clock rate (RFC 3551 §4.5.2: 8000 for historical reasons).
    public static let rtpClockRate = 8000
    /// The audio sample rate.
    public static let sampleRate = 16000

    /// The encoder: 16 kHz 16-bit samples in, one octet per two samples out. Keeps its filter and
    /// predictor state between calls, so a stream encoded packet by packet equals one encoded at once.
    public struct Encoder: Sendable {
        private var low = SubBand(lowBand: true)
        private var high = SubBand(lowBand: false)
        private var analysis = AnalysisFilter()
        /// A sample left over from an odd-length call, waiting for its partner.
        private var pending: Int16?

        public init() {}

        /// Encodes samples at 16 kHz; an odd trailing sample is kept for the next call.
        public mutating func encode(_ samples: [Int16]) -> [UInt8] {
            var output: [UInt8] = []
            output.reserveCapacity((samples.count + 1) / 2)
            for sample in samples {
                if let first = self.pending {
                    self.pending = nil
                    output.append(self.encodePair(first: first, second: sample))
                } else {
                    self.pending = sample
                }
            }
            return output
        }

        /// One sample pair to one octet (G.722 §3: transmit QMF, then both sub-band encoders).
        private mutating func encodePair(first: Int16, second: Int16) -> UInt8 {
            let (lowSignal, highSignal) = self.analysis.split(first: first, second: second)

            // Lower sub-band: SUBTRA, QUANTL (6 bits), INVQAL (4 bits, for the predictor), LOGSCL/SCALEL.
            let lowError = G722.saturate(lowSignal - self.low.prediction)
            let lowMagnitude = lowError >= 0 ? lowError : -(lowError + 1)
            var interval = 1
            while interval < 30 && lowMagnitude >= (G722.q6[interval] * self.low.scale) >> 12 { interval += 1 }
            let lowCode = lowError < 0 ? G722.iln[interval] : G722.ilp[interval]
            let lowDifference = (self.low.scale * G722.qm4[lowCode >> 2]) >> 15
            self.low.adaptScale(G722.wl[G722.rl42[lowCode >> 2]])
            self.low.adaptPredictor(lowDifference)

            // Higher sub-band: SUBTRA, QUANTH (2 bits), INVQAH, LOGSCH/SCALEH.
            let highError = G722.saturate(highSignal - self.high.prediction)
            let highMagnitude = highError >= 0 ? highError : -(highError + 1)
            let large = highMagnitude >= (564 * self.high.scale) >> 12
            let highCode = highError < 0 ? (large ? 0 : 1) : (large ? 2 : 3)
            let highDifference = (self.high.scale * G722.qm2[highCode]) >> 15
            self.high.adaptScale(G722.wh[G722.rh2[highCode]])
            self.high.adaptPredictor(highDifference)

            return UInt8(highCode << 6 | lowCode)
        }
    }

    /// The decoder: octets in, two 16 kHz 16-bit samples per octet out, any octet value accepted.
    /// Keeps its state between calls (one decoder per received stream).
    public struct Decoder: Sendable {
        private var low = SubBand(lowBand: true)
        private var high = SubBand(lowBand: false)
        /// The receive QMF's past inputs, newest first (lanes 0-11): difference (xd) and sum
        /// (xs) of the bands.
        private var differenceHistory = SIMD16<Int32>()
        private var sumHistory = SIMD16<Int32>()

        public init() {}

        /// Decodes octets to 16 kHz samples (two per octet).
        public mutating func decode<C: Collection>(_ octets: C) -> [Int16] where C.Element == UInt8 {
            var output: [Int16] = []
            output.reserveCapacity(octets.count * 2)
            for octet in octets {
                let (first, second) = self.decodeOctet(octet)
                output.append(first)
                output.append(second)
            }
            return output
        }

        /// One octet to one sample pair (G.722 §4: both sub-band decoders, then receive QMF).
        private mutating func decodeOctet(_ octet: UInt8) -> (Int16, Int16) {
            let lowCode = Int(octet & 0x3F)
            let highCode = Int(octet >> 6)

            // Lower sub-band: INVQBL (6 bits, mode 1) and LIMIT give the output; the predictor
            // and scale factor adapt on the 4-bit value, exactly as in the encoder.
            let lowOutput = (self.low.scale * G722.qm6[lowCode]) >> 15
            let lowSignal = max(-16384, min(16383, self.low.prediction + lowOutput))
            let lowDifference = (self.low.scale * G722.qm4[lowCode >> 2]) >> 15
            self.low.adaptScale(G722.wl[G722.rl42[lowCode >> 2]])
            self.low.adaptPredictor(lowDifference)

            let highDifference = (self.high.scale * G722.qm2[highCode]) >> 15
            let highSignal = max(-16384, min(16383, self.high.prediction + highDifference))
            self.high.adaptScale(G722.wh[G722.rh2[highCode]])
            self.high.adaptPredictor(highDifference)

            // Receive QMF: the earlier output sample from the band difference and the even
            // coefficients, the later one from the band sum and the odd coefficients.
            self.differenceHistory = G722.shiftIn(self.differenceHistory, lowSignal - highSignal)
            self.sumHistory = G722.shiftIn(self.sumHistory, lowSignal + highSignal)
            let first = Int((G722.qmfEven &* self.differenceHistory).wrappedSum())
            let second = Int((G722.qmfOdd &* self.sumHistory).wrappedSum())
            return (Int16(G722.saturate(first >> 11)), Int16(G722.saturate(second >> 11)))
        }
    }

    /// The transmit QMF (G.722 §3.1): one sample pair in, one lower and one higher sub-band
    /// sample out, each in the 15-bit range the sub-band coders expect.
    struct AnalysisFilter: Sendable {
        /// Past input, newest first (lanes 0-11): the later sample of each pair (multiplied by
        /// the even coefficients) and the earlier one (odd coefficients).
        private var evenHistory = SIMD16<Int32>()
        private var oddHistory = SIMD16<Int32>()

        mutating func split(first: Int16, second: Int16) -> (low: Int, high: Int) {
            self.oddHistory = G722.shiftIn(self.oddHistory, Int(first))
            self.evenHistory = G722.shiftIn(self.evenHistory, Int(second))
            // At most 6482 * 32768 per sum: well within 32 bits.
            let sumA = Int((G722.qmfEven &* self.evenHistory).wrappedSum())
            let sumB = Int((G722.qmfOdd &* self.oddHistory).wrappedSum())
            // 16-bit input against the Recommendation's 14-bit one: the shift is 14 rather than
            // 12, which keeps the sub-band signals in their 15-bit range.
            return (G722.saturate((sumA + sumB) >> 14), G722.saturate((sumA - sumB) >> 14))
        }
    }

    /// One sub-band's ADPCM state: the scale factor (log and linear) and the adaptive predictor.
    struct SubBand: Sendable {
        /// Log-domain scale factor (nbl / nbh) and its upper limit.
        private var logScale = 0
        private let logScaleLimit: Int
        /// Shift of the inverse-log table for this band (8 lower, 10 higher).
        private let scaleShift: Int
        /// Linear scale factor (detl / deth): 32 and 8 at reset.
        private(set) var scale: Int
        /// Signal estimate (sl / sh) for the next sample, and its zero-section part (szl / szh).
        private(set) var prediction = 0
        private var zeroPrediction = 0
        /// Pole coefficients a1, a2 and zero coefficients b1...b6 (Q14).
        private var pole1 = 0
        private var pole2 = 0
        private var zeros = SIMD8<Int32>()  // lanes 0-5
        /// Past quantised differences d(n-1)...d(n-6), reconstructed signals r(n-1), r(n-2) and
        /// partially reconstructed signals p(n-1), p(n-2).
        private var differences = SIMD8<Int32>()  // lanes 0-5, newest first
        private var reconstructed1 = 0
        private var reconstructed2 = 0
        private var partial1 = 0
        private var partial2 = 0

        init(lowBand: Bool) {
            self.logScaleLimit = lowBand ? 18432 : 22528
            self.scaleShift = lowBand ? 8 : 10
            self.scale = lowBand ? 32 : 8
        }

        /// LOGSCL/LOGSCH (leaky log-domain adaptation by the code's multiplier) and SCALEL/SCALEH
        /// (inverse log by table and shift).
        mutating func adaptScale(_ multiplier: Int) {
            self.logScale = max(0, min(self.logScaleLimit, (self.logScale * 32512) >> 15 + multiplier))
            let mantissa = G722.ilb[(self.logScale >> 6) & 31]
            let shift = self.scaleShift - (self.logScale >> 11)
            self.scale = (shift >= 0 ? mantissa >> shift : mantissa << -shift) << 2
        }

        /// Block 4 of G.722: RECONS, PARREC, UPPOL2, UPPOL1, UPZERO, DELAYA, FILTEP, FILTEZ and
        /// PREDIC, given this sample's quantised difference.
        mutating func adaptPredictor(_ difference: Int) {
            let reconstructed = G722.saturate(self.prediction + difference)
            let partial = G722.saturate(difference + self.zeroPrediction)
            let sign0 = partial < 0
            let sign1 = self.partial1 < 0
            let sign2 = self.partial2 < 0

            // UPPOL2: second pole, limited to ±0.75.
            let scaledPole1 = G722.saturate(self.pole1 * 4)
            let term = (sign0 == sign1 ? G722.saturate(-scaledPole1) : scaledPole1) >> 7
            let newPole2 = max(-12288, min(12288, term + (sign0 == sign2 ? 128 : -128) + (self.pole2 * 32512) >> 15))
            // UPPOL1: first pole, limited to ±(1 - 2^-4 - a2) for stability.
            let bound = 15360 - newPole2
            let newPole1 = max(-bound, min(bound, (sign0 == sign1 ? 192 : -192) + (self.pole1 * 32640) >> 15))
            // UPZERO: sign-sign update of the six zeros, no step for a zero difference.
            let step: Int32 = difference == 0 ? 0 : 128
            let signD = difference < 0
            let d = self.differences
            var zeros = self.zeros
            for index in 0..<6 {
                zeros[index] = (signD == (d[index] < 0) ? step : -step) &+ (zeros[index] &* 32640) &>> 15
            }
            self.zeros = zeros
            // DELAYA.
            self.differences = SIMD8(Int32(difference), d[0], d[1], d[2], d[3], d[4], 0, 0)
            self.pole1 = newPole1
            self.pole2 = newPole2
            self.reconstructed2 = self.reconstructed1
            self.reconstructed1 = reconstructed
            self.partial2 = self.partial1
            self.partial1 = partial
            // FILTEP, FILTEZ, PREDIC.
            let poles = (self.pole1 * G722.saturate(2 * self.reconstructed1)) >> 15
                + (self.pole2 * G722.saturate(2 * self.reconstructed2)) >> 15
            var zeroSum = 0
            for index in 0..<6 {
                let doubled = Int32(G722.saturate(2 * Int(self.differences[index])))
                zeroSum += Int((self.zeros[index] &* doubled) &>> 15)
            }
            self.zeroPrediction = G722.saturate(zeroSum)
            self.prediction = G722.saturate(G722.saturate(poles) + self.zeroPrediction)
        }
    }

    /// Holds a value to the 16-bit two's-complement range, as the Recommendation's arithmetic does.
    @inline(__always) static func saturate(_ value: Int) -> Int { max(-32768, min(32767, value)) }

    /// A 12-sample newest-first history (lanes 0-11) with `value` in front and the oldest dropped.
    @inline(__always) static func shiftIn(_ h: SIMD16<Int32>, _ value: Int) -> SIMD16<Int32> {
        SIMD16(Int32(value), h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], 0, 0, 0, 0)
    }

    /// The even (h0, h2, ... h22) and odd (h1, h3, ... h23) QMF coefficients, for lanes 0-11.
    static let qmfEven = Self.qmfLanes(from: 0)
    static let qmfOdd = Self.qmfLanes(from: 1)

    private static func qmfLanes(from start: Int) -> SIMD16<Int32> {
        var lanes = SIMD16<Int32>()
        for index in 0..<12 { lanes[index] = Int32(Self.qmf[start + 2 * index]) }
        return lanes
    }

    // MARK: Tables of the Recommendation

    /// QMF coefficients h0...h23 (in units of 2^-13; symmetric, they sum to 2^13).
    static let qmf = [
        3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876,
        3876, 951, -805, -210, 362, 32, -156, 12, 53, -11, -11, 3,
    ]
    /// QUANTL decision levels of the 6-bit quantiser (multiplied by detl / 4096).
    static let q6 = [
        0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714,
        786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
    ]
    /// QUANTL codes for negative and positive differences, by interval 1...30.
    static let iln = [
        0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
        18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4,
    ]
    static let ilp = [
        0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47,
        46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32,
    ]
    /// INVQAL outputs by the 4 upper bits of the lower-band code.
    static let qm4 = [0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0]
    /// INVQBL outputs for mode 1 (6 bits).
    static let qm6 = [
        -136, -136, -136, -136, -24808, -21904, -19008, -16704,
        -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
        -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
        -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
        24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
        10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
        4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
        1688, 1360, 1040, 728, 432, 136, -432, -136,
    ]
    /// LOGSCL: magnitude class of a 4-bit code and the log scale-factor multiplier of each class.
    static let rl42 = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0]
    static let wl = [-60, -30, 58, 172, 334, 538, 1198, 3042]
    /// INVQAH outputs, LOGSCH classes and multipliers of the 2-bit higher-band code.
    static let qm2 = [-7408, -1616, 7408, 1616]
    static let rh2 = [2, 1, 2, 1]
    static let wh = [0, -214, 798]
    /// SCALEL/SCALEH inverse-log table: 2048 * 2^(i/32).
    static let ilb = [
        2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
        2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
    ]
}
