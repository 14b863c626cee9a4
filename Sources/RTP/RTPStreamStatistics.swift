/// The one statistics engine for an RTP stream, used by `siptool diagnose` (captures) and
/// `siptool call` (live): feed it one packet at a time and read two sets of numbers side by side.
///
/// - ``tshark``: Wireshark 4.0.17-compatible (``TsharkStreamAnalysis``), to match `tshark -q -z
///   rtp,streams` to the printed decimals, quirks included.
/// - ``rfc3550``: RFC 3550-correct (``RFC3550StreamStatistics``): loss never negative, duplicates and
///   reordering apart, jitter that DTMF and comfort noise do not disturb, bursts and gaps.
///
/// A stream is what the caller decides (tshark: 5-tuple and SSRC). Payload types are resolved like
/// tshark: the SDP's map first (``init(payloadTypes:)``), then the static table, then unknown
/// dynamic (clock 0: jitter not computed; tshark prints min jitter −1).
public struct RTPStreamStatistics: Sendable {
    /// Wireshark 4.0.17-compatible numbers.
    public private(set) var tshark = TsharkStreamAnalysis()
    /// RFC 3550-correct numbers.
    public private(set) var rfc3550 = RFC3550StreamStatistics()
    /// Payload types from the SDP (rtpmap), by number.
    public var payloadTypes: [UInt8: RTPPayloadInfo]
    /// Packets received (duplicates included).
    public private(set) var packets = 0
    /// Payload bytes received (padding excluded).
    public private(set) var payloadBytes = 0
    /// Packets whose payload type is an RFC 4733 telephone-event.
    public private(set) var eventPackets = 0
    /// Comfort-noise packets.
    public private(set) var comfortNoisePackets = 0
    /// Payload types in the order first seen.
    public private(set) var payloadTypesSeen: [UInt8] = []
    /// Arrival of the first and the last packet, in ns (the caller's time base).
    public private(set) var firstArrivalNanoseconds: Int64?
    public private(set) var lastArrivalNanoseconds: Int64?
    /// SSRC of the first packet.
    public private(set) var ssrc: UInt32?

    /// - Parameter payloadTypes: the SDP's rtpmap entries (use ``RTPPayloadInfo/dynamic(encodingName:clockRate:)``).
    public init(payloadTypes: [UInt8: RTPPayloadInfo] = [:]) {
        self.payloadTypes = payloadTypes
    }

    /// How a payload type is resolved: the SDP's map, the static table, else unknown dynamic.
    public func payloadInfo(for payloadType: UInt8) -> RTPPayloadInfo {
        self.payloadTypes[payloadType] ?? RTPPayloadInfo.staticType(payloadType)
            ?? RTPPayloadInfo.unknownDynamic(payloadType)
    }

    /// Adds one packet.
    /// - Parameters:
    ///   - arrivalNanoseconds: capture or receive time in ns (any origin, non-decreasing).
    ///   - header: the parsed header (``RTPHeader/parse(_:)-swift.type.method``).
    ///   - payloadSize: payload bytes; defaults to the header's payload length.
    public mutating func add(arrivalNanoseconds: Int64, header: RTPHeader, payloadSize: Int? = nil) {
        if self.firstArrivalNanoseconds == nil {
            self.firstArrivalNanoseconds = arrivalNanoseconds
            self.ssrc = header.ssrc
        }
        self.lastArrivalNanoseconds = arrivalNanoseconds
        self.packets += 1
        self.payloadBytes += max(0, payloadSize ?? header.payloadLength)
        let pt = header.payloadType
        if !self.payloadTypesSeen.contains(pt) && self.payloadTypesSeen.count < 128 { self.payloadTypesSeen.append(pt) }
        let info = self.payloadInfo(for: pt)
        if info.isTelephoneEvent { self.eventPackets += 1 }
        if info.isComfortNoise { self.comfortNoisePackets += 1 }
        // Times relative to the first packet keep full double precision for tshark's ms arithmetic.
        let first = self.firstArrivalNanoseconds ?? arrivalNanoseconds
        let arrivalMs = Double(arrivalNanoseconds &- first) / 1e6
        self.tshark.add(
            sequence: header.sequenceNumber, timestamp: header.timestamp, payloadType: pt, marker: header.marker,
            arrivalMs: arrivalMs, clockRate: info.isTelephoneEvent ? 0 : info.clockRate)
        let audioClock = info.isTelephoneEvent || info.isComfortNoise || info.clockRate == 0 ? nil : info.clockRate
        self.rfc3550.add(
            arrivalNanoseconds: arrivalNanoseconds, sequence: header.sequenceNumber, timestamp: header.timestamp,
            payloadType: pt, marker: header.marker, ssrc: header.ssrc, audioClockRate: audioClock)
    }

    /// tshark's `Payload` column: the names of all payload types seen, in numeric order, comma-separated.
    public var payloadNames: String {
        self.payloadTypesSeen.sorted().map { self.payloadInfo(for: $0).name }.joined(separator: ", ")
    }

    /// The main audio codec (the first non-event, non-CN payload type seen), if siptool knows it.
    public var mainCodec: RTPCodec? {
        for pt in self.payloadTypesSeen {
            let info = self.payloadInfo(for: pt)
            if info.isTelephoneEvent || info.isComfortNoise { continue }
            if let codec = RTPCodec.named(info.name) ?? RTPCodec.forStaticPayloadType(pt) { return codec }
        }
        return nil
    }

    /// Stream duration from first to last arrival, in ms.
    public var durationMs: Double {
        guard let first = self.firstArrivalNanoseconds, let last = self.lastArrivalNanoseconds else { return 0 }
        return Double(last &- first) / 1e6
    }

    /// An E-model estimate from the RFC 3550 loss and burstiness and the main codec; nil without a
    /// known audio codec or with fewer than ``EModel/minimumAudioPackets`` audio packets.
    /// - Parameter oneWayDelayMs: measured or estimated mouth-to-ear delay; nil = the estimate of
    ///   ``EModel/estimatedOneWayDelayMs(networkOneWayMs:jitterMs:packetizationMs:)`` from this
    ///   stream's jitter.
    public func quality(oneWayDelayMs: Double? = nil) -> EModel.Assessment? {
        guard let codec = self.mainCodec,
            self.packets - self.eventPackets - self.comfortNoisePackets >= EModel.minimumAudioPackets
        else { return nil }
        let delay = oneWayDelayMs ?? EModel.estimatedOneWayDelayMs(jitterMs: self.rfc3550.meanJitterMs)
        return EModel.assess(
            lossPercent: self.rfc3550.lostPercent, burstRatio: self.rfc3550.burstRatio, oneWayDelayMs: delay,
            codec: codec.impairment)
    }
}

extension RTPPayloadInfo {
    /// A dynamic payload type no SDP described: clock 0 (tshark computes no jitter). tshark names PT
    /// 101 "rtpevent" (its RFC 2833 preference default) and treats it as telephone-event; others
    /// print as "RTPType-<n>".
    public static func unknownDynamic(_ payloadType: UInt8) -> RTPPayloadInfo {
        payloadType == 101
            ? RTPPayloadInfo(name: "rtpevent", clockRate: 0, isTelephoneEvent: true)
            : RTPPayloadInfo(name: "RTPType-\(payloadType)", clockRate: 0)
    }
}
