/// Listening quality estimated with the ITU-T G.107 E-model, in the simplified form used for VoIP
/// monitoring when only network measures are known:
///
///     R = R0 − Is − Id − Ie,eff + A                            (G.107 §3)
///     R0 − Is = 93.2                                           (G.107 default values of all other
///                                                               parameters, so R = 93.2 for a clean
///                                                               G.711 call without delay)
///     Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)             (d = one-way mouth-to-ear delay in ms,
///                                                               H = step function; the Cole-Rosenbluth
///                                                               fit of G.107's Id for default echo
///                                                               values, ACM CCR 2001)
///     Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)     (G.107 §3.6; Ppl = loss in %,
///                                                               BurstR = 1 for random loss, > 1 bursty)
///     A = 0                                                    (advantage factor, wired access)
///     MOS = 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶          (G.107 Annex B, 0 < R < 100;
///                                                               1 for R ≤ 0, 4.5 for R ≥ 100)
///
/// Codec values (Ie, Bpl) from ITU-T G.113 Appendix I, see ``RTPCodec``:
/// G.711 Ie 0, Bpl 25.1 with packet-loss concealment (4.3 without); G.729(A) Ie 11, Bpl 19;
/// G.723.1 6.3k Ie 15, Bpl 16.1; GSM-FR Ie 20 (Bpl 10 assumed); G.722 and Opus: siptool's choice,
/// G.711's values on the narrowband scale (a transport score comparable across codecs; the wideband
/// E-model of G.107.1 uses another scale).
///
/// When the one-way delay is unknown, ``estimatedOneWayDelayMs(networkOneWayMs:jitterMs:packetizationMs:)``
/// estimates it as packetisation (20 ms) + jitter buffer (twice the jitter, at least 40 ms) +
/// network (40 ms unless measured, e.g. RTT/2 from RTCP): 100 ms for a clean stream, the value
/// sipnab also assumes.
public enum EModel {
    /// A codec's equipment impairment Ie and packet-loss robustness Bpl (G.113 Appendix I).
    public struct CodecImpairment: Sendable, Hashable {
        public var ie: Double
        public var bpl: Double
        public init(ie: Double, bpl: Double) {
            self.ie = ie
            self.bpl = bpl
        }
        /// G.711 without packet-loss concealment (G.113 Appendix I: Bpl 4.3).
        public static let g711WithoutPLC = CodecImpairment(ie: 0, bpl: 4.3)
    }

    /// One E-model evaluation with its parts, so a report can show how the score came about.
    public struct Assessment: Sendable, Hashable {
        public var rFactor: Double
        public var mos: Double
        /// Id, from ``oneWayDelayMs``.
        public var delayImpairment: Double
        /// Ie,eff, from loss, burstiness and the codec.
        public var effectiveEquipmentImpairment: Double
        public var oneWayDelayMs: Double
        public var lossPercent: Double
        public var burstRatio: Double
    }

    /// R0 − Is with G.107's default parameters.
    public static let ratingBase = 93.2
    /// The one-way delay assumed when none was measured, in ms (see the type's documentation).
    public static let defaultDelayMs = 100.0
    /// Network one-way delay assumed by the estimate when none was measured, in ms.
    public static let defaultNetworkDelayMs = 40.0
    /// The smallest jitter buffer the estimate assumes, in ms (typical fixed buffers hold 40-60 ms).
    public static let minimumJitterBufferMs = 40.0
    /// Below this many audio packets (0.2 s at 20 ms) a MOS would say nothing.
    public static let minimumAudioPackets = 10

    /// Ie and Bpl for a payload name (tshark's names or SDP encoding names); nil when unknown.
    public static func impairment(forPayload name: String) -> CodecImpairment? {
        RTPCodec.named(name)?.impairment
    }

    /// Estimated mouth-to-ear delay: network + jitter buffer (max(40 ms, 2·jitter)) + packetisation.
    public static func estimatedOneWayDelayMs(
        networkOneWayMs: Double? = nil, jitterMs: Double = 0, packetizationMs: Double = 20
    ) -> Double {
        let network = max(0, networkOneWayMs ?? Self.defaultNetworkDelayMs)
        return network + max(Self.minimumJitterBufferMs, 2 * max(0, jitterMs)) + max(0, packetizationMs)
    }

    /// Id for a one-way delay in ms (Cole-Rosenbluth fit of G.107).
    public static func delayImpairment(oneWayDelayMs: Double) -> Double {
        let d = oneWayDelayMs.isFinite ? max(0, oneWayDelayMs) : 0
        return 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0)
    }

    /// Ie,eff = Ie + (95 − Ie)·Ppl/(Ppl/BurstR + Bpl) (G.107 §3.6); loss clamped to 0-100 %, BurstR ≥ 1.
    public static func effectiveEquipmentImpairment(lossPercent: Double, burstRatio: Double = 1, codec: CodecImpairment)
        -> Double
    {
        let loss = lossPercent.isFinite ? max(0, min(100, lossPercent)) : 0
        let burst = burstRatio.isFinite ? max(1, burstRatio) : 1
        return codec.ie + (95 - codec.ie) * loss / (loss / burst + codec.bpl)
    }

    /// R for a loss percentage, burst ratio and one-way delay.
    public static func rFactor(
        lossPercent ppl: Double, burstRatio: Double = 1, delayMs: Double = defaultDelayMs, codec: CodecImpairment
    ) -> Double {
        Self.ratingBase - Self.delayImpairment(oneWayDelayMs: delayMs)
            - Self.effectiveEquipmentImpairment(lossPercent: ppl, burstRatio: burstRatio, codec: codec)
    }

    /// MOS (1-4.5) from R (G.107 Annex B).
    public static func mos(r: Double) -> Double {
        guard r.isFinite, r > 0 else { return 1 }
        if r >= 100 { return 4.5 }
        return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6
    }

    /// MOS for a stream: loss %, burstiness, delay and the codec by payload name; nil for unknown codecs.
    public static func mos(
        lossPercent: Double, burstRatio: Double = 1, delayMs: Double = defaultDelayMs, payload: String
    ) -> Double? {
        guard let codec = Self.impairment(forPayload: payload) else { return nil }
        return Self.mos(
            r: Self.rFactor(lossPercent: lossPercent, burstRatio: burstRatio, delayMs: delayMs, codec: codec))
    }

    /// The full evaluation.
    public static func assess(
        lossPercent: Double, burstRatio: Double = 1, oneWayDelayMs: Double, codec: CodecImpairment
    ) -> Assessment {
        let id = Self.delayImpairment(oneWayDelayMs: oneWayDelayMs)
        let ieEff = Self.effectiveEquipmentImpairment(lossPercent: lossPercent, burstRatio: burstRatio, codec: codec)
        let r = Self.ratingBase - id - ieEff
        return Assessment(
            rFactor: r, mos: Self.mos(r: r), delayImpairment: id, effectiveEquipmentImpairment: ieEff,
            oneWayDelayMs: oneWayDelayMs, lossPercent: lossPercent, burstRatio: max(1, burstRatio))
    }
}
