/// A payload type's clock rate and name, as tshark 4.0 resolves them (static table, then the SDP's
/// rtpmap, then well-known names; shared/ANCHORS.md d2 step 5).
public struct RTPPayloadInfo: Hashable, Sendable {
    /// The name tshark prints in `-z rtp,streams` (static types) or the SDP encoding name.
    public var name: String
    /// The clock tshark uses for jitter; 0 = unknown or telephone-event (no jitter computed).
    public var clockRate: Int
    /// RFC 4733 events: tshark forces the clock to 0 for them (no jitter computed).
    public var isTelephoneEvent: Bool
    /// Comfort noise (PT 13 and 19, or a dynamic CN, RFC 3389).
    public var isComfortNoise: Bool

    public init(name: String, clockRate: Int, isTelephoneEvent: Bool = false, isComfortNoise: Bool = false) {
        self.name = name
        self.clockRate = clockRate
        self.isTelephoneEvent = isTelephoneEvent
        self.isComfortNoise = isComfortNoise
    }

    /// The names tshark prints in `-z rtp,streams` for static payload types, with RFC 3551's clocks
    /// (G.722 is 8000 by RFC 3551 §4.5.2, although it samples at 16 kHz).
    public static func staticType(_ payloadType: UInt8) -> RTPPayloadInfo? {
        switch payloadType {
        case 0: return RTPPayloadInfo(name: "g711U", clockRate: 8000)
        case 1: return RTPPayloadInfo(name: "fs-1016", clockRate: 8000)
        case 2: return RTPPayloadInfo(name: "g721", clockRate: 8000)
        case 3: return RTPPayloadInfo(name: "GSM", clockRate: 8000)
        case 4: return RTPPayloadInfo(name: "g723", clockRate: 8000)
        case 5: return RTPPayloadInfo(name: "DVI4 8k", clockRate: 8000)
        case 6: return RTPPayloadInfo(name: "DVI4 16k", clockRate: 16000)
        case 7: return RTPPayloadInfo(name: "Exp. from Xerox PARC", clockRate: 8000)
        case 8: return RTPPayloadInfo(name: "g711A", clockRate: 8000)
        case 9: return RTPPayloadInfo(name: "g722", clockRate: 8000)
        case 10: return RTPPayloadInfo(name: "16-bit audio, stereo", clockRate: 44100)
        case 11: return RTPPayloadInfo(name: "16-bit audio, monaural", clockRate: 44100)
        case 12: return RTPPayloadInfo(name: "Qualcomm", clockRate: 8000)
        case 13: return RTPPayloadInfo(name: "CN", clockRate: 8000, isComfortNoise: true)
        case 14: return RTPPayloadInfo(name: "MPEG-I/II Audio", clockRate: 90000)
        case 15: return RTPPayloadInfo(name: "g728", clockRate: 8000)
        case 16: return RTPPayloadInfo(name: "DVI4 11k", clockRate: 11025)
        case 17: return RTPPayloadInfo(name: "DVI4 22k", clockRate: 22050)
        case 18: return RTPPayloadInfo(name: "g729", clockRate: 8000)
        case 19: return RTPPayloadInfo(name: "CN(old)", clockRate: 8000, isComfortNoise: true)
        case 25: return RTPPayloadInfo(name: "Sun CellB video encoding", clockRate: 90000)
        case 26: return RTPPayloadInfo(name: "JPEG-compressed video", clockRate: 90000)
        case 28: return RTPPayloadInfo(name: "'nv' program", clockRate: 90000)
        case 31: return RTPPayloadInfo(name: "h261", clockRate: 90000)
        case 32: return RTPPayloadInfo(name: "MPEG-I/II Video", clockRate: 90000)
        case 33: return RTPPayloadInfo(name: "MPEG-II transport streams", clockRate: 90000)
        case 34: return RTPPayloadInfo(name: "h263", clockRate: 90000)
        default: return nil
        }
    }

    /// Clock rates tshark 4.0 knows by encoding name when an rtpmap gives none (ANCHORS d2 step 5).
    static let knownDynamicClocks: [String: Int] = [
        "opus": 48000, "amr": 8000, "amr-wb": 16000, "evs": 16000, "g7221": 16000, "h264": 90000,
        "vp8": 90000, "telephone-event": 8000,
    ]

    /// A dynamic payload type described by an SDP rtpmap (encoding name and clock rate).
    /// `telephone-event` gets clock 0, as tshark forces it (ANCHORS d2 step 5, flag PT_T_EVENT).
    public static func dynamic(encodingName: String, clockRate: Int?) -> RTPPayloadInfo {
        let lowered = encodingName.lowercased()
        if lowered == "telephone-event" {
            return RTPPayloadInfo(name: "telephone-event", clockRate: 0, isTelephoneEvent: true)
        }
        return RTPPayloadInfo(
            name: encodingName, clockRate: clockRate ?? Self.knownDynamicClocks[lowered] ?? 0,
            isComfortNoise: lowered == "cn")
    }
}

/// A codec siptool knows: its RTP identity, framing and its E-model impairment values.
///
/// Ie (equipment impairment) and Bpl (packet-loss robustness) come from ITU-T G.113 Appendix I
/// (Tables I.1 and I.3) where that table has the codec:
///
/// | codec | static PT | clock | samples/20 ms | Ie | Bpl | source |
/// |---|---|---|---|---|---|---|
/// | PCMU, PCMA (G.711) | 0, 8 | 8000 | 160 | 0 | 25.1 | G.113 App. I, G.711 with Appendix I PLC (4.3 without PLC: ``CodecImpairment/g711WithoutPLC``) |
/// | G729 (G.729 / G.729A) | 18 | 8000 | 160 | 11 | 19.0 | G.113 App. I, G.729A + VAD |
/// | G723 (G.723.1 6.3k) | 4 | 8000 | 240 per 30 ms frame (160 per 20 ms) | 15 | 16.1 | G.113 App. I, G.723.1 + VAD |
/// | GSM (full rate) | 3 | 8000 | 160 | 20 | 10.0 | G.113 App. I gives Ie 20 for GSM-FR; its Bpl is not tabulated, 10 (GSM-EFR's) is used |
/// | G722 | 9 | 8000 (RTP clock, RFC 3551 §4.5.2; audio 16 kHz) | 160 (RTP units) | 0 | 25.1 | siptool's choice, see below |
/// | opus | dynamic | 48000 | 960 | 0 | 25.1 | siptool's choice, see below |
///
/// Wideband codecs (G.722, Opus) are outside the narrowband E-model; G.107.1 rates them on a
/// 0-129 scale that is not comparable with narrowband MOS. siptool scores them on the narrowband
/// scale with G.711's values (Ie 0, Bpl 25.1 with PLC), so the MOS is a *transport* score that is
/// comparable across codecs: it under-rates Opus, whose concealment and FEC resist loss better.
public struct RTPCodec: Sendable, Hashable {
    /// The SDP encoding name (RFC 3551 / IANA spelling).
    public var name: String
    /// The static payload type, nil for dynamic-only codecs.
    public var staticPayloadType: UInt8?
    /// RTP timestamp clock rate.
    public var clockRate: Int
    /// RTP timestamp units in 20 ms (the default ptime).
    public var samplesPer20ms: Int
    /// E-model equipment impairment Ie (G.113 Appendix I).
    public var ie: Double
    /// E-model packet-loss robustness Bpl (G.113 Appendix I).
    public var bpl: Double

    public static let pcmu = RTPCodec(
        name: "PCMU", staticPayloadType: 0, clockRate: 8000, samplesPer20ms: 160, ie: 0, bpl: 25.1)
    public static let pcma = RTPCodec(
        name: "PCMA", staticPayloadType: 8, clockRate: 8000, samplesPer20ms: 160, ie: 0, bpl: 25.1)
    public static let g729 = RTPCodec(
        name: "G729", staticPayloadType: 18, clockRate: 8000, samplesPer20ms: 160, ie: 11, bpl: 19)
    public static let g723 = RTPCodec(
        name: "G723", staticPayloadType: 4, clockRate: 8000, samplesPer20ms: 160, ie: 15, bpl: 16.1)
    public static let gsm = RTPCodec(
        name: "GSM", staticPayloadType: 3, clockRate: 8000, samplesPer20ms: 160, ie: 20, bpl: 10)
    public static let g722 = RTPCodec(
        name: "G722", staticPayloadType: 9, clockRate: 8000, samplesPer20ms: 160, ie: 0, bpl: 25.1)
    public static let opus = RTPCodec(
        name: "opus", staticPayloadType: nil, clockRate: 48000, samplesPer20ms: 960, ie: 0, bpl: 25.1)

    /// Every codec of the table above.
    public static let all: [RTPCodec] = [.pcmu, .pcma, .g729, .g723, .gsm, .g722, .opus]

    /// The codec for an SDP encoding name or a tshark payload name (`g711U`, `g711A`, `g729`, ...),
    /// case-insensitively; nil when unknown (video, events, CN, ...).
    public static func named(_ name: String) -> RTPCodec? {
        switch name.lowercased() {
        case "pcmu", "g711u", "g711": return .pcmu
        case "pcma", "g711a": return .pcma
        case "g729", "g729a", "g729ab", "g729b": return .g729
        case "g723", "g723.1": return .g723
        case "gsm": return .gsm
        case "g722": return .g722
        case "opus": return .opus
        default: return nil
        }
    }

    /// The codec of a static payload type.
    public static func forStaticPayloadType(_ payloadType: UInt8) -> RTPCodec? {
        Self.all.first { $0.staticPayloadType == payloadType }
    }

    /// This codec's E-model impairment values.
    public var impairment: EModel.CodecImpairment { EModel.CodecImpairment(ie: self.ie, bpl: self.bpl) }
}
