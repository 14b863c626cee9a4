import PacketDecoding

/// Thresholds the media rules use, with where they come from (shared/ANCHORS.md section e).
enum Thresholds {
    /// sipnab's late_media: first RTP more than 500 ms after the 200 OK.
    static let lateMediaMs = 500.0
    /// Loss worth a warning; Twilio's high_packet_loss tag starts above 5 %, a listener hears 1-2 %.
    static let lossWarningPercent = 3.0
    /// Loss that makes a call hard to follow.
    static let lossErrorPercent = 10.0
    /// Twilio's high_jitter: average jitter >= 5 ms and max >= 30 ms.
    static let jitterMeanMs = 5.0
    static let jitterMaxMs = 30.0
    /// Twilio's low_mos tag.
    static let lowMOS = 3.5
    /// A pause this long in an otherwise flowing stream is heard as dead air.
    static let longGapMs = 2000.0
}

/// One RTP stream (source, destination, SSRC) as diagnosis reports it: tshark-compatible numbers next
/// to RFC 3550-correct ones, quality, DTMF and what RTCP said about it.
public struct RTPStreamReport: Sendable {
    /// The numbers `tshark -q -z rtp,streams` (Wireshark 4.0) prints, computed its way (quirks included).
    public struct TsharkCompatible: Sendable, Hashable {
        public var packets: Int
        public var lost: Int
        public var lostPercent: Double
        public var minDeltaMs: Double
        public var meanDeltaMs: Double
        public var maxDeltaMs: Double
        public var minJitterMs: Double
        public var meanJitterMs: Double
        public var maxJitterMs: Double
        /// tshark's "Problems" column.
        public var problems: Bool

        public init(packets: Int, lost: Int, lostPercent: Double, minDeltaMs: Double, meanDeltaMs: Double, maxDeltaMs: Double,
                    minJitterMs: Double, meanJitterMs: Double, maxJitterMs: Double, problems: Bool) {
            self.packets = packets
            self.lost = lost
            self.lostPercent = lostPercent
            self.minDeltaMs = minDeltaMs
            self.meanDeltaMs = meanDeltaMs
            self.maxDeltaMs = maxDeltaMs
            self.minJitterMs = minJitterMs
            self.meanJitterMs = meanJitterMs
            self.maxJitterMs = maxJitterMs
            self.problems = problems
        }
    }

    /// A DTMF digit carried as RFC 4733 events.
    public struct DTMFDigit: Sendable, Hashable {
        public var digit: Character
        public var time: CaptureTime
        public var durationMs: Double
        public var frame: Int
    }

    /// What an RTCP receiver report said about this stream.
    public struct RTCPView: Sendable, Hashable {
        public var reporter: Endpoint
        public var fractionLostPercent: Double
        public var cumulativeLost: Int
        public var jitterMs: Double?
        public var roundTripMs: Double?
        public var frame: Int
    }

    public var callID: String?
    public var source: Endpoint
    public var destination: Endpoint
    public var ssrc: UInt32
    public var ssrcHex: String { "0x" + String(self.ssrc, radix: 16, uppercase: true).leftPadded(to: 8) }
    /// Payload types seen, in order of first appearance.
    public var payloadTypes: [Int]
    /// The codec name (tshark's payload text: "g711U", "g711A", "telephone-event", ...).
    public var payloadName: String
    public var packets: Int
    public var firstFrame: Int
    public var lastFrame: Int
    public var firstTime: CaptureTime
    public var lastTime: CaptureTime
    /// tshark-compatible numbers.
    public var tshark: TsharkCompatible
    /// RFC 3550: expected from the extended sequence range, lost never negative.
    public var rfcExpected: Int
    public var rfcLost: Int
    public var duplicates: Int
    public var reordered: Int
    public var rfcLossPercent: Double { self.rfcExpected > 0 ? Double(self.rfcLost) * 100 / Double(self.rfcExpected) : 0 }
    /// RFC 3550 §6.4.1 interarrival jitter in ms (events and comfort noise excluded).
    public var meanJitterMs: Double
    public var maxJitterMs: Double
    public var lossBursts: Int
    public var longestBurst: Int
    public var longestGapMs: Double
    public var ssrcChanges: Int
    public var payloadChanges: Int
    /// E-model MOS (ITU-T G.107), when the codec is known.
    public var mos: Double?
    /// Mean audio level, for G.711 and G.722 streams.
    public var levelDBov: Double?
    public var isSilent: Bool
    /// Every packet of the stream is an RFC 4733 event (not audio).
    public var isOnlyEvents: Bool
    public var dtmf: [DTMFDigit]
    public var rtcp: [RTCPView]
    /// How the stream was found: "SDP" (tied to signalling) or "heuristic".
    public var setupMethod: String
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        self.count >= width ? self : String(repeating: pad, count: width - self.count) + self
    }
}
