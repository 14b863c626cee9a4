/// RTP stream statistics computed exactly as Wireshark 4.0.17's `tap-rtp-analysis.c` does, quirks
/// included, so `siptool diagnose` and `tshark -q -z rtp,streams` print the same numbers.
///
/// The algorithm (shared/ANCHORS.md section d2): jitter per RFC 3550 §6.4.1 but evaluated in ms with
/// the clock rate divided by 1000 in integer arithmetic; the first packet initialises; packets with
/// a marker, comfort noise (or following it), or a timestamp before the first are not "regular" and
/// are left out of delta/jitter statistics, while the running mean still divides by every packet so
/// far; telephone-event has clock 0 (no jitter) and does not update the nominal time, which is why
/// audio after DTMF shows a jitter spike; `expected` uses the last-arrived sequence number.
/// RFC 3550-correct values live in ``RFC3550StreamStatistics``.
public struct TsharkStreamAnalysis: Sendable {
    // State (names follow the ANCHORS transcription). What every packet touches comes first, so a
    // packet touches as few cache lines as possible; the counters of rare events follow.
    private var startSeq: UInt32 = 0
    private var stopSeq: UInt32 = 0
    private var seqNum: UInt32 = 0
    private var firstTimestamp: UInt32 = 0
    private var time: Double = 0
    private var lastNominal: Double = 0
    private var jitter: Double = 0
    private var cycles: UInt32 = 0
    private var under = false
    private var previousPayloadType: UInt8?
    public private(set) var total = 0
    public private(set) var maxDelta: Double = 0
    public private(set) var minDelta: Double = -1
    public private(set) var meanDelta: Double = 0
    public private(set) var maxJitter: Double = 0
    public private(set) var minJitter: Double = -1
    public private(set) var meanJitter: Double = 0
    public private(set) var sequenceErrors = 0
    /// tshark's "Problems?" column: a wrong sequence or a wrong timestamp was seen.
    public private(set) var hasProblems = false
    /// Packets with the WRONG_TIMESTAMP flag (timestamp before the first packet's).
    public private(set) var wrongTimestamps = 0
    /// Packets with the marker bit.
    public private(set) var markers = 0
    /// Payload-type changes from one packet to the next (tshark's PT_CHANGE flag).
    public private(set) var payloadTypeChanges = 0

    public init() {}

    /// Adds one packet. `arrivalMs` is the capture time in ms (any origin); `clockRate` is the payload
    /// type's clock as tshark resolves it (0 for telephone-event or unknown dynamic types).
    public mutating func add(
        sequence: UInt16, timestamp: UInt32, payloadType: UInt8, marker: Bool, arrivalMs: Double, clockRate: Int
    ) {
        let seq = UInt32(sequence)
        guard self.total > 0 else {
            self.startSeq = seq
            self.stopSeq = seq
            self.seqNum = seq
            self.firstTimestamp = timestamp
            self.time = arrivalMs
            self.total = 1
            self.previousPayloadType = payloadType
            if marker { self.markers = 1 }
            return
        }
        var wrongTimestamp = false
        var wrongSequence = false
        // 1. In time sequence: not before the first packet's timestamp (mod 2^32).
        let inTimeSequence = timestamp &- self.firstTimestamp < 0x8000_0000
        if !inTimeSequence {
            wrongTimestamp = true
            self.wrongTimestamps += 1
        }
        if marker { self.markers += 1 }
        if payloadType != self.previousPayloadType { self.payloadTypeChanges += 1 }
        // 2. Sequence cycles.
        if seq < self.startSeq && inTimeSequence && !self.under {
            self.cycles += 1
            self.under = true
        } else if seq == 0 && self.stopSeq == 65535 && inTimeSequence && !self.under {
            self.cycles += 1
            self.under = true
        } else if seq > self.startSeq && inTimeSequence && self.under {
            self.under = false
        }
        // 3. Sequence check.
        if inTimeSequence && self.seqNum &+ 1 == seq {
            self.seqNum = seq
        } else if inTimeSequence && self.seqNum == 65535 && seq == 0 {
            self.seqNum = seq
        } else if inTimeSequence && (self.seqNum &+ 1 < seq || self.seqNum &- seq > 0xFF00) {
            self.seqNum = seq
            self.sequenceErrors += 1
            wrongSequence = true
        } else if self.seqNum &+ 1 > seq {
            self.sequenceErrors += 1
            wrongSequence = true
        }
        // 4. Comfort noise and the packet after it.
        let isCN = payloadType == 13 || payloadType == 19
        let followsCN = self.previousPayloadType == 13 || self.previousPayloadType == 19
        // 6. Jitter and delta.
        var delta: Double = 0
        var jitterThis: Double = 0
        if inTimeSequence {
            // tshark divides by `clock_rate / 1000` in integer arithmetic (44100 -> 44). A clock below
            // 1000 Hz would divide by zero there; no payload format has one, so it counts as unknown.
            if clockRate / 1000 != 0 {
                let nominal = Double(timestamp &- self.firstTimestamp) / Double(clockRate / 1000)
                let expected = self.time + (nominal - self.lastNominal)
                let d = abs(arrivalMs - expected)
                self.jitter = (15 * self.jitter + d) / 16
                jitterThis = self.jitter
                self.lastNominal = nominal
            }
            delta = arrivalMs - self.time
        }
        // 8. Regular packets feed the statistics.
        let regular = !marker && !isCN && !wrongTimestamp && !followsCN
        // `total` still counts the packets before this one, as in tshark.
        let n = Double(self.total)
        if regular {
            self.maxDelta = max(self.maxDelta, delta)
            self.minDelta = self.minDelta < 0 ? delta : min(self.minDelta, delta)
            self.meanDelta = (self.meanDelta * (n - 1) + delta) / n
            if clockRate / 1000 != 0 {
                self.maxJitter = max(self.maxJitter, jitterThis)
                self.meanJitter = (self.meanJitter * (n - 1) + jitterThis) / n
                self.minJitter = self.minJitter < 0 ? jitterThis : min(self.minJitter, jitterThis)
            }
        }
        if wrongSequence || wrongTimestamp { self.hasProblems = true }
        // 9.
        if inTimeSequence { self.time = arrivalMs }
        self.stopSeq = seq
        self.total += 1
        self.previousPayloadType = payloadType
    }

    /// `stop_seq + cycles*65536 - start_seq + 1` (the last-arrived sequence number, as tshark).
    public var expected: Int { Int(self.stopSeq) + Int(self.cycles) * 65536 - Int(self.startSeq) + 1 }
    /// May be negative with duplicates (tshark's quirk).
    public var lost: Int { self.expected - self.total }
    public var lostPercent: Double { self.expected > 0 ? Double(self.lost) * 100 / Double(self.expected) : 0 }

    /// The `Lost` column as tshark prints it: `1 (2.0%)`, `-1 (-1.0%)`.
    public var lostColumn: String { "\(self.lost) (\(TsharkFormat.fixed(self.lostPercent, decimals: 1))%)" }
}

/// Number formatting as tshark's `printf("%.3f")`, without Foundation.
public enum TsharkFormat {
    /// `value` with `decimals` digits after the point, rounded half away from zero (printf rounds the
    /// exact binary value; the results agree except on exact binary ties, which measured times
    /// practically never hit).
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        let decimals = max(0, min(9, decimals))
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let magnitude = abs(value) * Double(scale)
        guard magnitude < 9e18 else { return String(value) }
        let scaled = Int64(magnitude.rounded(.toNearestOrAwayFromZero))
        let whole = scaled / scale
        var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let fraction = String(scaled % scale)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }
}
