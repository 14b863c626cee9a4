/// RTP reception statistics as RFC 3550 defines them, beside the tshark-compatible ones of
/// ``TsharkStreamAnalysis``:
///
/// - Sequence tracking per RFC 3550 Appendix A.1: the extended highest sequence number (wrap-around
///   counted in cycles), `expected = extended highest − base + 1`, a jump of more than
///   ``maximumDropout`` (3000) packets accepted only when the next packet follows it (a restart: the
///   counts of the old run are kept), late packets within ``maximumMisorder`` (100) behind counted as
///   reordered, duplicates counted apart. ``lost`` is never negative.
/// - Interarrival jitter per RFC 3550 §6.4.1 / A.8 in timestamp units,
///   `J += (|D(i−1,i)| − J) / 16` with `D = (R_i − R_{i−1}) − (S_i − S_{i−1})` over packets in
///   arrival order, also given in ms. Packets that must not create jitter are left out and the
///   next one starts a new reference: packets without an audio clock (the caller passes nil for
///   RFC 4733 telephone-events, comfort noise and unknown clocks), duplicates, packets with the
///   marker bit (talkspurt start, RFC 3551 §4.1), and timestamp jumps (|D| ≥
///   ``timestampJumpThresholdMs``, a sender that reset its timestamps rather than network delay).
/// - Loss bursts (runs of consecutive lost packets) and the longest one, judged once a sequence
///   number is ``burstHorizon`` packets behind the highest (a packet later than that cannot be
///   played by any jitter buffer); the longest gap between consecutive arrivals; payload-type and
///   SSRC changes with their times; first and last arrival.
public struct RFC3550StreamStatistics: Sendable {
    /// RFC 3550 A.1 MAX_DROPOUT: a forward jump larger than this is suspicious.
    public static let maximumDropout: Int64 = 3000
    /// RFC 3550 A.1 MAX_MISORDER: a packet at most this far behind the highest is late, not a restart.
    public static let maximumMisorder: Int64 = 100
    /// A transit-time change this large is a timestamp discontinuity (a sender restarting its
    /// clock), not jitter: no jitter buffer holds 5 s, and counting it would swamp the estimate.
    public static let timestampJumpThresholdMs = 5000.0
    /// Sequence numbers are judged lost (for bursts) once this far behind the highest (128 packets
    /// = 2.56 s at 20 ms, beyond any playout buffer).
    public static let burstHorizon: Int64 = 128
    /// Twilio's `high_jitter` tag also fires when > 1 % of packets are delayed ≥ 200 ms
    /// (shared/ANCHORS.md e); ``delayedPackets`` counts packets whose transit exceeds the smallest
    /// transit seen so far by this much.
    public static let delayedPacketThresholdMs = QualityThresholds.delayedPacketMs
    /// Bounds the recorded payload-type and SSRC changes (a flapping stream must not grow memory).
    public static let maximumRecordedChanges = 256

    /// A payload-type or SSRC change and when it happened.
    public struct Change: Sendable, Hashable {
        /// Arrival time of the first packet with the new value, in ns (the caller's time base).
        public var arrivalNanoseconds: Int64
        public var from: UInt32
        public var to: UInt32
        public init(arrivalNanoseconds: Int64, from: UInt32, to: UInt32) {
            self.arrivalNanoseconds = arrivalNanoseconds
            self.from = from
            self.to = to
        }
    }

    // MARK: State
    //
    // Declared in this order on purpose: a receiver tracks hundreds of streams at once, so a packet's
    // cost is mostly the cache lines of its stream's state it touches. The fields an in-order audio
    // packet reads or writes come first, then the window (whose highest number leads it), then what
    // only loss, reordering or changes touch.

    /// Packets received, duplicates and stray packets included.
    public private(set) var received = 0
    // Arrival times in ns, valid once `received` > 0 (see ``firstArrivalNanoseconds``).
    private var firstArrival: Int64 = 0
    private var lastArrival: Int64 = 0
    /// The longest time between two consecutive arrivals, in ns.
    public private(set) var longestGapNanoseconds: Int64 = 0

    // Sequence state (extended numbers as Int64: no overflow for any real stream).
    private var baseExtended: Int64 = 0
    private var highestExtended: Int64 = -1
    private var badSequence: Int64 = -1
    private var uniqueCounted: Int64 = 0
    private var finalizedThrough: Int64 = -1
    private var currentRun: Int64 = 0

    // Jitter (RFC 3550 A.8) on audio packets only.
    private var jitterClock = 0
    private var audioTimestampUnwrapped: Int64 = 0
    private var jitterUnits: Double = 0
    private var jitterSumMs: Double = 0
    private var jitterSamples = 0
    public private(set) var maxJitterMs: Double = 0
    private var audioPackets = 0
    private var lastTransitUnits: Double?
    private var minimumTransitMs: Double?
    private var lastAudioTimestamp: UInt32 = 0
    private var lastPayloadType: UInt8?
    private var lastSSRC: UInt32?

    /// 512 bytes of which a packet touches one word (and the highest number, which leads it).
    private var window = SequenceWindow()

    // MARK: Counters and changes (touched only by loss, reordering, restarts and changes)

    /// Packets whose sequence number was already received.
    public private(set) var duplicates = 0
    /// Packets that arrived after a higher sequence number (late, not lost).
    public private(set) var reordered = 0
    /// Packets after a jump of more than ``maximumDropout`` that the next packet did not confirm
    /// (RFC 3550 A.1 drops them from the sequence statistics).
    public private(set) var strayPackets = 0
    /// Sequence restarts (A.1: a large jump confirmed by the next packet) and SSRC changes.
    public private(set) var sequenceRestarts = 0
    private var expectedBeforeRestart: Int64 = 0
    private var finishedBursts = 0
    private var finishedLongestBurst: Int64 = 0
    private var finishedLostInBursts: Int64 = 0
    /// Timestamp discontinuities skipped for jitter.
    public private(set) var timestampJumps = 0
    /// Audio packets whose transit exceeded the smallest transit by ``delayedPacketThresholdMs``.
    public private(set) var delayedPackets = 0
    /// When the longest gap between arrivals began, in ns.
    public private(set) var longestGapStartNanoseconds: Int64?
    /// Payload-type changes (count; the first ``maximumRecordedChanges`` with times in ``payloadTypeChanges``).
    public private(set) var payloadChanges = 0
    public private(set) var payloadTypeChanges: [Change] = []
    /// SSRC changes (only counted by ``add(arrivalNanoseconds:sequence:timestamp:payloadType:marker:ssrc:audioClockRate:)``).
    public private(set) var ssrcChangeCount = 0
    public private(set) var ssrcChanges: [Change] = []

    // RFC 3550 A.3 interval state for receiver reports.
    private var expectedPrior: Int64 = 0
    private var receivedPrior: Int64 = 0

    /// Arrival time of the first packet, in ns (nil before any).
    public var firstArrivalNanoseconds: Int64? { self.received > 0 ? self.firstArrival : nil }
    /// Arrival time of the latest packet, in ns (nil before any).
    public var lastArrivalNanoseconds: Int64? { self.received > 0 ? self.lastArrival : nil }

    public init() {}

    // MARK: Feeding

    /// Adds one packet with its arrival time in ms (any origin). Kept for callers that work in ms;
    /// see ``add(arrivalNanoseconds:sequence:timestamp:payloadType:marker:ssrc:audioClockRate:)``.
    public mutating func add(
        sequence: UInt16, timestamp: UInt32, payloadType: UInt8, marker: Bool, arrivalMs: Double, audioClockRate: Int?
    ) {
        let nanoseconds = arrivalMs.isFinite ? Int64(max(-9.2e15, min(9.2e15, arrivalMs)) * 1_000_000) : 0
        self.add(
            arrivalNanoseconds: nanoseconds, sequence: sequence, timestamp: timestamp, payloadType: payloadType,
            marker: marker, ssrc: nil, audioClockRate: audioClockRate)
    }

    /// Adds one packet.
    /// - Parameters:
    ///   - arrivalNanoseconds: arrival (capture or receive) time in ns, any origin, non-decreasing.
    ///   - ssrc: the packet's SSRC, to count SSRC changes (a change restarts the sequence state, as
    ///     RFC 3550 §8.2 treats a new SSRC as a new source); nil when the caller splits streams by SSRC.
    ///   - audioClockRate: the RTP clock for jitter, nil for packets that must not create jitter
    ///     (RFC 4733 telephone-events, comfort noise, unknown clocks).
    public mutating func add(
        arrivalNanoseconds: Int64, sequence: UInt16, timestamp: UInt32, payloadType: UInt8, marker: Bool,
        ssrc: UInt32? = nil, audioClockRate: Int?
    ) {
        self.received += 1
        self.trackTimes(arrivalNanoseconds)
        if let previous = self.lastPayloadType, previous != payloadType {
            self.payloadChanges += 1
            if self.payloadTypeChanges.count < Self.maximumRecordedChanges {
                self.payloadTypeChanges.append(
                    Change(arrivalNanoseconds: arrivalNanoseconds, from: UInt32(previous), to: UInt32(payloadType)))
            }
        }
        self.lastPayloadType = payloadType
        if let ssrc {
            if let previous = self.lastSSRC, previous != ssrc {
                self.ssrcChangeCount += 1
                if self.ssrcChanges.count < Self.maximumRecordedChanges {
                    self.ssrcChanges.append(Change(arrivalNanoseconds: arrivalNanoseconds, from: previous, to: ssrc))
                }
                self.endRun()
                self.lastTransitUnits = nil
                self.minimumTransitMs = nil
            }
            self.lastSSRC = ssrc
        }
        guard self.trackSequence(sequence) else { return }
        self.trackJitter(arrivalNanoseconds, timestamp: timestamp, marker: marker, clock: audioClockRate)
    }

    /// Called after `received` counted the packet.
    private mutating func trackTimes(_ now: Int64) {
        if self.received == 1 {
            self.firstArrival = now
        } else {
            let gap = now &- self.lastArrival
            if gap > self.longestGapNanoseconds {
                self.longestGapNanoseconds = gap
                self.longestGapStartNanoseconds = self.lastArrival
            }
        }
        self.lastArrival = now
    }

    /// RFC 3550 A.1 `update_seq`. Returns false for packets that must not feed jitter (duplicates,
    /// stray packets).
    private mutating func trackSequence(_ sequence: UInt16) -> Bool {
        let seq = Int64(sequence)
        guard self.highestExtended >= 0 else {
            self.restart(at: seq)
            self.insert(seq)
            return true
        }
        let highestLow = self.highestExtended & 0xFFFF
        let forward = (seq - highestLow) & 0xFFFF  // udelta of A.1
        if forward < Self.maximumDropout {
            // In order, possibly with a gap; a smaller low part means the 16-bit number wrapped.
            var extended = (self.highestExtended & ~0xFFFF) | seq
            if seq < highestLow { extended += 0x10000 }
            if extended == self.highestExtended {
                self.duplicates += 1
                return false
            }
            self.advance(to: extended)
            self.insert(extended)
            self.badSequence = -1
            return true
        }
        if forward <= 0x10000 - Self.maximumMisorder {
            // A large jump: accept it as a restart only when this packet follows the previous stray one.
            if seq == self.badSequence {
                self.strayPackets -= 1  // the previous stray packet starts the new run
                let previous = (seq - 1) & 0xFFFF
                self.restart(at: previous)
                self.insert(previous)
                self.advance(to: previous + 1)
                self.insert(previous + 1)
                self.badSequence = -1
                return true
            }
            self.badSequence = (seq + 1) & 0xFFFF
            self.strayPackets += 1
            return false
        }
        // Behind the highest: duplicate or late.
        var extended = (self.highestExtended & ~0xFFFF) | seq
        if extended > self.highestExtended { extended -= 0x10000 }
        if self.window.contains(extended) {
            self.duplicates += 1
            return false
        }
        self.reordered += 1
        if extended < self.baseExtended {
            // Earlier than the first packet received: the run starts here instead.
            self.baseExtended = extended
        }
        self.insert(extended)
        return true
    }

    private mutating func insert(_ extended: Int64) {
        self.window.insert(extended)
        self.uniqueCounted += 1
    }

    /// Starts a new sequence run (first packet, A.1 restart, SSRC change), keeping the old run's counts.
    private mutating func restart(at seq: Int64) {
        self.endRun()
        self.baseExtended = seq
        self.highestExtended = seq
        self.finalizedThrough = seq - 1
        self.window = SequenceWindow()
        self.badSequence = -1
    }

    /// Closes the current sequence run, keeping its expected count; the next packet starts a new one.
    private mutating func endRun() {
        guard self.highestExtended >= 0 else { return }
        self.finalize(through: self.highestExtended)
        self.closeRun()
        self.expectedBeforeRestart += self.highestExtended - self.baseExtended + 1
        self.sequenceRestarts += 1
        self.highestExtended = -1
    }

    private mutating func advance(to extended: Int64) {
        self.highestExtended = extended
        self.finalize(through: extended - Self.burstHorizon)
    }

    /// Judges every sequence number up to `limit`: received, or part of a loss run.
    private mutating func finalize(through limit: Int64) {
        var seq = self.finalizedThrough + 1
        // Numbers older than the window are unknown; treat them as received (bounded work).
        if limit - seq >= SequenceWindow.size { seq = limit - SequenceWindow.size + 1 }
        while seq <= limit {
            if self.window.contains(seq) || seq < self.baseExtended {
                self.closeRun()
            } else {
                self.currentRun += 1
            }
            seq += 1
        }
        self.finalizedThrough = max(self.finalizedThrough, limit)
    }

    private mutating func closeRun() {
        guard self.currentRun > 0 else { return }
        self.finishedBursts += 1
        self.finishedLostInBursts += self.currentRun
        self.finishedLongestBurst = max(self.finishedLongestBurst, self.currentRun)
        self.currentRun = 0
    }

    private mutating func trackJitter(_ now: Int64, timestamp: UInt32, marker: Bool, clock: Int?) {
        guard let clock, clock > 0, self.received > 0 else { return }
        let first = self.firstArrival
        self.audioPackets += 1
        // Unwrap the RTP timestamp against the previous audio packet (signed 32-bit difference).
        if self.audioPackets == 1 {
            self.audioTimestampUnwrapped = 0
        } else {
            self.audioTimestampUnwrapped += Int64(Int32(bitPattern: timestamp &- self.lastAudioTimestamp))
        }
        self.lastAudioTimestamp = timestamp
        let arrivalUnits = Double(now &- first) * Double(clock) / 1e9
        let transit = arrivalUnits - Double(self.audioTimestampUnwrapped)
        let transitMs = transit * 1000 / Double(clock)
        defer {
            self.lastTransitUnits = transit
            self.jitterClock = clock
        }
        if clock == self.jitterClock, !marker, let minimum = self.minimumTransitMs {
            if transitMs - minimum >= Self.delayedPacketThresholdMs { self.delayedPackets += 1 }
            self.minimumTransitMs = min(minimum, transitMs)
        } else {
            self.minimumTransitMs = transitMs
        }
        guard let last = self.lastTransitUnits, clock == self.jitterClock, !marker else { return }
        let difference = abs(transit - last)
        if difference * 1000 / Double(clock) >= Self.timestampJumpThresholdMs {
            self.timestampJumps += 1
            self.minimumTransitMs = transitMs
            return
        }
        self.jitterUnits += (difference - self.jitterUnits) / 16
        let ms = self.jitterUnits * 1000 / Double(clock)
        self.jitterSumMs += ms
        self.jitterSamples += 1
        self.maxJitterMs = max(self.maxJitterMs, ms)
    }

    // MARK: Results

    /// Expected packets from the extended sequence range (all runs).
    public var expected: Int {
        let current = self.highestExtended < 0 ? 0 : self.highestExtended - self.baseExtended + 1
        return Int(self.expectedBeforeRestart + current)
    }
    /// Distinct packets that took part in the sequence statistics.
    public var uniqueReceived: Int { Int(self.uniqueCounted) }
    /// Lost packets: never negative (duplicates are counted apart, late packets fill their slot).
    public var lost: Int { max(0, self.expected - self.uniqueReceived) }
    public var lostPercent: Double { self.expected > 0 ? Double(self.lost) * 100 / Double(self.expected) : 0 }
    /// Extended highest sequence number received (cycles × 65536 + sequence), as an RR carries it.
    public var extendedHighestSequence: UInt32 { UInt32(truncatingIfNeeded: max(0, self.highestExtended)) }

    /// Mean of the running jitter estimate over the stream, in ms.
    public var meanJitterMs: Double { self.jitterSamples > 0 ? self.jitterSumMs / Double(self.jitterSamples) : 0 }
    /// The jitter estimate now, in timestamp units (what an RTCP report block carries).
    public var finalJitterUnits: Double { self.jitterUnits }
    /// The jitter estimate now, in ms (0 before two audio packets).
    public var jitterMs: Double { self.jitterClock > 0 ? self.jitterUnits * 1000 / Double(self.jitterClock) : 0 }
    /// Jitter samples taken (audio packet pairs that were not skipped).
    public var jitterSampleCount: Int { self.jitterSamples }
    /// Share of audio packets delayed by ``delayedPacketThresholdMs`` or more, 0-100.
    public var delayedPacketPercent: Double {
        self.audioPackets > 0 ? Double(self.delayedPackets) * 100 / Double(self.audioPackets) : 0
    }

    /// Loss bursts so far, including the still-open end of the stream.
    public var lossBursts: Int { self.burstSummary().bursts }
    /// The longest run of consecutive lost packets.
    public var longestBurst: Int { Int(self.burstSummary().longest) }
    /// Mean burst length relative to the mean burst length of random loss at the same rate
    /// (G.107 §3.6 BurstR = (lost / bursts) · (1 − p)); 1 without loss, at least 1.
    public var burstRatio: Double {
        let summary = self.burstSummary()
        guard summary.bursts > 0, self.expected > 0 else { return 1 }
        let p = min(1, Double(self.lost) / Double(self.expected))
        return max(1, Double(summary.lostInBursts) / Double(summary.bursts) * (1 - p))
    }
    /// The longest gap between consecutive arrivals, in ms.
    public var longestGapMs: Double { Double(self.longestGapNanoseconds) / 1e6 }

    /// Bursts with the unjudged tail (the last ``burstHorizon`` numbers) judged as they stand now.
    private func burstSummary() -> (bursts: Int, longest: Int64, lostInBursts: Int64) {
        var bursts = self.finishedBursts
        var longest = self.finishedLongestBurst
        var lostInBursts = self.finishedLostInBursts
        var run = self.currentRun
        var window = self.window
        var seq = max(self.finalizedThrough + 1, self.highestExtended - SequenceWindow.size + 1)
        while seq <= self.highestExtended {
            if window.contains(seq) || seq < self.baseExtended {
                if run > 0 {
                    bursts += 1
                    lostInBursts += run
                    longest = max(longest, run)
                    run = 0
                }
            } else {
                run += 1
            }
            seq += 1
        }
        return (bursts, longest, lostInBursts)
    }

    /// An RTCP report block for this source (RFC 3550 A.3 for the fraction lost over the interval
    /// since the previous call, §6.4.1 for the fields); starts the next interval.
    public mutating func makeReportBlock(ssrc: UInt32, lastSR: UInt32 = 0, delaySinceLastSR: UInt32 = 0)
        -> RTCPPacket.ReportBlock
    {
        let expected = Int64(self.expected)
        let received = Int64(self.uniqueReceived)
        let expectedInterval = expected - self.expectedPrior
        let receivedInterval = received - self.receivedPrior
        self.expectedPrior = expected
        self.receivedPrior = received
        let lostInterval = expectedInterval - receivedInterval
        let fraction =
            expectedInterval <= 0 || lostInterval <= 0 ? 0 : Double((lostInterval << 8) / expectedInterval) / 256
        return RTCPPacket.ReportBlock(
            ssrc: ssrc, fractionLost: fraction,
            cumulativeLost: Int(max(-0x80_0000, min(0x7F_FFFF, expected - received))),
            highestSequence: self.extendedHighestSequence,
            jitter: UInt32(max(0, min(Double(UInt32.max), self.jitterUnits.rounded(.down)))),
            lastSR: lastSR, delaySinceLastSR: delaySinceLastSR)
    }
}

/// Remembers which extended sequence numbers were seen recently, to tell duplicates from new packets
/// in bounded memory (a window of 4,096 numbers behind the highest; A.1 accepts jumps below 3,000).
///
/// The 4,096 bits live inline (a tuple of 64 words), not in an array: every RTP packet reads and
/// writes them, and an array would add a second, dependent memory access (its heap buffer) and a
/// uniqueness check per packet to the stream's own state.
struct SequenceWindow: Sendable {
    /// 64 words of 64 bits, contiguous (Swift lays out a homogeneous tuple like a C array).
    typealias Words = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    /// First, so that it shares a cache line with the statistics' fields before the window.
    private var highest: Int64 = -1
    private var words: Words = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    static let size: Int64 = 4096
    static let wordCount = Int(SequenceWindow.size / 64)

    /// Reads one word. Mutating only to reach the words in place: a non-inout
    /// `withUnsafeBytes(of:)` copies all 512 bytes first.
    @inline(__always)
    private mutating func word(_ index: Int) -> UInt64 {
        precondition(index >= 0 && index < Self.wordCount)
        return withUnsafeMutableBytes(of: &self.words) { $0.load(fromByteOffset: index &* 8, as: UInt64.self) }
    }

    @inline(__always)
    private mutating func setWord(_ index: Int, _ value: UInt64) {
        precondition(index >= 0 && index < Self.wordCount)
        withUnsafeMutableBytes(of: &self.words) { $0.storeBytes(of: value, toByteOffset: index &* 8, as: UInt64.self) }
    }

    /// Whether `value` was inserted and is still within the window (mutating only to read the
    /// words in place, see ``word(_:)``).
    mutating func contains(_ value: Int64) -> Bool {
        guard self.highest >= 0, value <= self.highest, self.highest - value < Self.size else { return false }
        let slot = Int(value & (Self.size - 1))
        return self.word(slot >> 6) & (1 << UInt64(slot & 63)) != 0
    }

    mutating func insert(_ value: Int64) {
        if value > self.highest {
            // Clear the slots that the window reuses as it moves forward.
            let start = self.highest < 0 ? value : self.highest + 1
            if value - start >= Self.size {
                self.words = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            } else {
                var index = start
                while index <= value {
                    let slot = Int(index & (Self.size - 1))
                    self.setWord(slot >> 6, self.word(slot >> 6) & ~(1 << UInt64(slot & 63)))
                    index += 1
                }
            }
            self.highest = value
        } else if self.highest - value >= Self.size {
            return
        }
        let slot = Int(value & (Self.size - 1))
        self.setWord(slot >> 6, self.word(slot >> 6) | 1 << UInt64(slot & 63))
    }
}
