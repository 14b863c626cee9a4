/// RTP stream statistics as RFC 3550 defines them, next to the tshark-compatible ones: loss from
/// the extended sequence range (Appendix A.1, never negative), duplicates and reordering counted
/// apart, interarrival jitter (§6.4.1, A.8) that RFC 4733 events and comfort noise do not disturb,
/// loss bursts and the longest gap.
public struct RFC3550StreamStatistics: Sendable {
    /// Packets received, duplicates included.
    public private(set) var received = 0
    public private(set) var duplicates = 0
    /// Packets that arrived after a higher sequence number (late, not lost).
    public private(set) var reordered = 0
    private var baseSequence: Int64 = 0
    private var highestExtended: Int64 = -1
    private var seen = SequenceWindow()
    // Jitter (RFC 3550 A.8), in timestamp units, on audio packets only.
    private var lastTransit: Double?
    private var lastAudioTimestamp: UInt32?
    private var jitterUnits: Double = 0
    private var jitterSumMs: Double = 0
    private var jitterSamples = 0
    public private(set) var maxJitterMs: Double = 0
    // Bursts and gaps.
    public private(set) var lossBursts = 0
    public private(set) var longestBurst = 0
    public private(set) var longestGapMs: Double = 0
    private var lastArrivalMs: Double?
    private var lastPayloadType: UInt8?
    public private(set) var payloadChanges = 0

    public init() {}

    /// Adds one packet; `audioClockRate` is nil for packets that must not enter jitter (events,
    /// comfort noise, unknown clocks).
    public mutating func add(sequence: UInt16, timestamp: UInt32, payloadType: UInt8, marker: Bool, arrivalMs: Double, audioClockRate: Int?) {
        self.received += 1
        // Extended sequence number: the candidate closest to the highest seen (RFC 3550 A.1).
        let extended: Int64
        if self.highestExtended < 0 {
            extended = Int64(sequence)
            self.baseSequence = extended
            self.highestExtended = extended
        } else {
            let cycle = self.highestExtended & ~0xFFFF
            var candidate = cycle | Int64(sequence)
            if candidate - self.highestExtended > 0x8000 { candidate -= 0x10000 }
            if self.highestExtended - candidate > 0x8000 { candidate += 0x10000 }
            extended = candidate
        }
        if self.seen.contains(extended) {
            self.duplicates += 1
            return
        }
        self.seen.insert(extended)
        if extended > self.highestExtended {
            let gap = extended - self.highestExtended - 1
            if gap > 0 {
                self.lossBursts += 1
                self.longestBurst = max(self.longestBurst, Int(min(gap, Int64(Int32.max))))
            }
            self.highestExtended = extended
        } else if extended < self.highestExtended {
            self.reordered += 1
            // A late packet fills what looked like a loss; bursts are recounted at the end from
            // the window where possible. Keep the counters simple and conservative here.
        }
        if let last = self.lastArrivalMs {
            self.longestGapMs = max(self.longestGapMs, arrivalMs - last)
        }
        self.lastArrivalMs = arrivalMs
        if let previous = self.lastPayloadType, previous != payloadType { self.payloadChanges += 1 }
        self.lastPayloadType = payloadType

        guard let clock = audioClockRate, clock > 0 else { return }
        // RFC 3550 A.8: transit = arrival (in timestamp units) - RTP timestamp; D = transit difference.
        let arrivalUnits = arrivalMs * Double(clock) / 1000
        let transit = arrivalUnits - Double(timestamp)
        if let lastTransit = self.lastTransit, let lastTimestamp = self.lastAudioTimestamp, !marker,
            timestamp &- lastTimestamp < 0x8000_0000
        {
            let difference = abs(transit - lastTransit - Self.wrapCorrection(timestamp, lastTimestamp))
            self.jitterUnits += (difference - self.jitterUnits) / 16
            let ms = self.jitterUnits * 1000 / Double(clock)
            self.jitterSumMs += ms
            self.jitterSamples += 1
            self.maxJitterMs = max(self.maxJitterMs, ms)
        }
        self.lastTransit = transit
        self.lastAudioTimestamp = timestamp
    }

    /// When the 32-bit timestamp wrapped between two packets, the transit difference computed from
    /// plain Double timestamps is 2^32 too large; this is the amount to subtract.
    static func wrapCorrection(_ timestamp: UInt32, _ last: UInt32) -> Double {
        timestamp < last ? 4_294_967_296 : 0
    }

    /// Expected packets from the extended sequence range.
    public var expected: Int { self.highestExtended < 0 ? 0 : Int(self.highestExtended - self.baseSequence + 1) }
    /// Lost packets: never negative (duplicates are counted apart, late packets fill their slot).
    public var lost: Int { max(0, self.expected - (self.received - self.duplicates)) }
    public var lostPercent: Double { self.expected > 0 ? Double(self.lost) * 100 / Double(self.expected) : 0 }
    /// Mean of the running jitter estimate over the stream, in ms.
    public var meanJitterMs: Double { self.jitterSamples > 0 ? self.jitterSumMs / Double(self.jitterSamples) : 0 }
    /// The jitter estimate at the end of the stream, in timestamp units (what an RTCP report carries).
    public var finalJitterUnits: Double { self.jitterUnits }
}

/// Remembers which extended sequence numbers were seen recently, to tell duplicates from new packets
/// in bounded memory (a window of 4,096 numbers behind the highest).
struct SequenceWindow: Sendable {
    private var bits = [UInt64](repeating: 0, count: 64)
    private var highest: Int64 = -1
    static let size: Int64 = 4096

    func contains(_ value: Int64) -> Bool {
        guard self.highest >= 0, value <= self.highest, self.highest - value < Self.size else { return false }
        let slot = Int(value & (Self.size - 1))
        return self.bits[slot >> 6] & (1 << UInt64(slot & 63)) != 0
    }

    mutating func insert(_ value: Int64) {
        if value > self.highest {
            // Clear the slots that fall out of the window as it moves forward.
            let start = self.highest < 0 ? value : self.highest + 1
            if value - start >= Self.size {
                self.bits = [UInt64](repeating: 0, count: 64)
            } else {
                var index = start
                while index <= value {
                    let slot = Int(index & (Self.size - 1))
                    self.bits[slot >> 6] &= ~(1 << UInt64(slot & 63))
                    index += 1
                }
            }
            self.highest = value
        } else if self.highest - value >= Self.size {
            return
        }
        let slot = Int(value & (Self.size - 1))
        self.bits[slot >> 6] |= 1 << UInt64(slot & 63)
    }
}
