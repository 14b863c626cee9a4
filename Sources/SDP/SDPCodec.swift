/// A media format as negotiated in SDP: payload type, encoding name, clock rate, channels and fmtp.
///
/// Two codecs are the same codec when ``matches(_:)`` says so: encoding name (ASCII
/// case-insensitive), clock rate and channel count. The payload type number is deliberately not
/// compared, because dynamic numbers (96–127) are chosen independently by each side.
public struct SDPCodec: Hashable, Sendable, CustomStringConvertible {
    /// RTP payload type (0...127).
    public var payloadType: Int
    /// Encoding name as written ("PCMU", "opus", "telephone-event").
    public var encodingName: String
    /// RTP clock rate in Hz.
    public var clockRate: Int
    /// Channel count (1 when the rtpmap omits it, RFC 8866 §6.6).
    public var channels: Int
    /// fmtp parameter text, if any ("0-16", "annexb=no").
    public var formatParameters: String?

    /// Creates a codec.
    public init(payloadType: Int, encodingName: String, clockRate: Int, channels: Int = 1, formatParameters: String? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
        self.formatParameters = formatParameters
    }

    /// G.711 µ-law, static PT 0.
    public static let pcmu = SDPCodec(payloadType: 0, encodingName: "PCMU", clockRate: 8000)
    /// G.711 A-law, static PT 8.
    public static let pcma = SDPCodec(payloadType: 8, encodingName: "PCMA", clockRate: 8000)
    /// G.722, static PT 9.
    ///
    /// - Note: RFC 3551 §4.5.2 keeps the RTP clock rate at 8000 Hz although G.722 samples at
    ///   16 kHz ("an error in RFC 1890"), so "G722/8000" is correct and "G722/16000" is the mistake.
    public static let g722 = SDPCodec(payloadType: 9, encodingName: "G722", clockRate: 8000)
    /// G.729, static PT 18.
    public static let g729 = SDPCodec(payloadType: 18, encodingName: "G729", clockRate: 8000)
    /// Comfort noise (RFC 3389), static PT 13.
    public static let comfortNoise = SDPCodec(payloadType: 13, encodingName: "CN", clockRate: 8000)

    /// RFC 4733 telephone-event at 8000 Hz on the given dynamic payload type, events 0-16
    /// (DTMF digits, *, #, A–D and flash).
    public static func telephoneEvent(_ payloadType: Int) -> SDPCodec {
        SDPCodec(payloadType: payloadType, encodingName: "telephone-event", clockRate: 8000, formatParameters: "0-16")
    }

    /// `true` for RFC 4733 telephone-event (DTMF over RTP).
    public var isTelephoneEvent: Bool { self.encodingName.lowercased() == "telephone-event" }

    /// `true` for comfort noise ("CN", RFC 3389).
    public var isComfortNoise: Bool { self.encodingName.lowercased() == "cn" }

    /// `true` for redundancy and forward error correction or retransmission formats that carry
    /// another codec's data rather than media of their own: red (RFC 2198), ulpfec (RFC 5109),
    /// flexfec (RFC 8627), rtx (RFC 4588), parityfec (RFC 3009).
    public var isRedundancyOrFEC: Bool {
        ["red", "ulpfec", "flexfec", "flexfec-03", "rtx", "parityfec"].contains(self.encodingName.lowercased())
    }

    /// `true` for a codec that carries media by itself: not telephone-event, CN, or red/FEC/rtx.
    public var isMediaCodec: Bool { !self.isTelephoneEvent && !self.isComfortNoise && !self.isRedundancyOrFEC }

    /// Same codec, regardless of payload type number and fmtp: name (ASCII case-insensitive),
    /// clock rate and channels.
    public func matches(_ other: SDPCodec) -> Bool {
        self.clockRate == other.clockRate && self.channels == other.channels
            && self.encodingName.lowercased() == other.encodingName.lowercased()
    }

    /// "PCMU/8000", "L16/44100/2": the rtpmap form without the payload type.
    public var name: String {
        self.channels == 1 ? "\(self.encodingName)/\(self.clockRate)" : "\(self.encodingName)/\(self.clockRate)/\(self.channels)"
    }

    /// "PCMU/8000 (PT 0)".
    public var description: String { "\(self.name) (PT \(self.payloadType))" }

    /// The rtpmap line value for this codec.
    public var rtpMap: SDPRTPMap {
        SDPRTPMap(payloadType: self.payloadType, encodingName: self.encodingName, clockRate: self.clockRate,
                  channels: self.channels == 1 ? nil : self.channels)
    }

    /// The static payload type assignment of RFC 3551 §6 tables 4 and 5, or `nil` for
    /// unassigned, reserved and dynamic numbers.
    public static func staticPayloadType(_ payloadType: Int) -> SDPCodec? {
        guard let entry = staticPayloadTypes[payloadType] else { return nil }
        return SDPCodec(payloadType: payloadType, encodingName: entry.name, clockRate: entry.clockRate, channels: entry.channels)
    }

    /// RFC 3551 §6 table 4 (audio) and table 5 (video). PT 1, 2, 19 are reserved; 20–24, 27,
    /// 29, 30 and 35–95 are unassigned; 96–127 are dynamic.
    static let staticPayloadTypes: [Int: (name: String, clockRate: Int, channels: Int)] = [
        0: ("PCMU", 8000, 1),
        3: ("GSM", 8000, 1),
        4: ("G723", 8000, 1),
        5: ("DVI4", 8000, 1),
        6: ("DVI4", 16000, 1),
        7: ("LPC", 8000, 1),
        8: ("PCMA", 8000, 1),
        // RFC 3551 §4.5.2: G.722 samples at 16 kHz but its RTP clock rate is 8000 Hz.
        9: ("G722", 8000, 1),
        10: ("L16", 44100, 2),
        11: ("L16", 44100, 1),
        12: ("QCELP", 8000, 1),
        13: ("CN", 8000, 1),
        14: ("MPA", 90000, 1),
        15: ("G728", 8000, 1),
        16: ("DVI4", 11025, 1),
        17: ("DVI4", 22050, 1),
        18: ("G729", 8000, 1),
        25: ("CelB", 90000, 1),
        26: ("JPEG", 90000, 1),
        28: ("nv", 90000, 1),
        31: ("H261", 90000, 1),
        32: ("MPV", 90000, 1),
        33: ("MP2T", 90000, 1),
        34: ("H263", 90000, 1),
    ]
}

extension MediaDescription {
    /// The codecs of this RTP media description in `m=` order: each payload type resolved through its
    /// rtpmap, else the RFC 3551 static table, with its fmtp attached. Dynamic payload types without
    /// an rtpmap cannot be named and are left out (the parser warns about them). Empty for non-RTP
    /// protocols such as udptl.
    public var codecs: [SDPCodec] {
        guard self.isRTP else { return [] }
        let maps = self.rtpMaps
        let fmtps = self.formatParameters
        var result: [SDPCodec] = []
        for payloadType in self.payloadTypes {
            var codec: SDPCodec
            if let map = maps.first(where: { $0.payloadType == payloadType }) {
                codec = SDPCodec(payloadType: payloadType, encodingName: map.encodingName, clockRate: map.clockRate,
                                 channels: map.channels ?? 1)
            } else if let known = SDPCodec.staticPayloadType(payloadType) {
                codec = known
            } else {
                continue
            }
            codec.formatParameters = fmtps.first { $0.payloadType == payloadType }?.parameters
            result.append(codec)
        }
        return result
    }

    /// The codecs that carry media (``SDPCodec/isMediaCodec``): "audio codecs" without
    /// telephone-event, CN and red/FEC.
    public var mediaCodecs: [SDPCodec] { self.codecs.filter(\.isMediaCodec) }

    /// The telephone-event codecs (usually one per clock rate).
    public var telephoneEvents: [SDPCodec] { self.codecs.filter(\.isTelephoneEvent) }
}
