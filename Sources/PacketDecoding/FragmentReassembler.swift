/// Identifies the fragments of one IP datagram: RFC 791 §3.2 ("the fragments of a datagram
/// ... have the same source, destination, protocol, and identifier") and RFC 8200 §4.5 (source,
/// destination, Fragment Identification; the Next Header of the fragment header plays the
/// role of the protocol).
struct FragmentKey: Hashable {
    var source: NetworkAddress
    var destination: NetworkAddress
    var transportProtocol: UInt8
    var identification: UInt32
    var isIPv6: Bool
}

/// Reassembles IPv4 and IPv6 fragments with bounded memory, on capture time.
///
/// Overlaps and duplicates keep the bytes that arrived first (RFC 5722 tells IPv6 hosts to
/// drop overlapping datagrams altogether; for a capture, where the question is "what did the
/// receiver probably get", keeping the first copy is the useful answer and matches
/// Wireshark's default).
struct FragmentReassembler {
    /// One datagram being reassembled.
    private struct Datagram {
        var firstSeen: CaptureTime
        /// Payload bytes so far; holes are zero until filled.
        var buffer: [UInt8] = []
        /// Received byte ranges, sorted and merged.
        var received: [Range<Int>] = []
        /// Payload length, known once the last fragment (MF = 0) arrived.
        var totalLength: Int?
        var fragmentCount = 0
    }

    /// The result of adding one fragment.
    enum Outcome {
        /// Stored; more fragments are needed.
        case incomplete
        /// This fragment completed the datagram: here is its whole payload.
        case complete([UInt8])
        /// The fragment was refused (see ``FragmentStatistics``).
        case rejected
    }

    private let limits: DecoderLimits
    private let timeoutNanoseconds: Int64
    private var pending: [FragmentKey: Datagram] = [:]
    private var bufferedBytes = 0
    /// The earliest capture time at which some pending datagram times out.
    private(set) var earliestDeadline: CaptureTime?
    private(set) var statistics = FragmentStatistics()

    init(limits: DecoderLimits) {
        self.limits = limits
        self.timeoutNanoseconds = limits.fragmentTimeout.saturatingNanoseconds
    }

    /// Datagrams waiting for fragments.
    var pendingCount: Int { self.pending.count }

    /// Adds the fragment carrying payload bytes `offset ..< offset + data.count` of the datagram
    /// `key`; `moreFragments` is the MF / M flag.
    mutating func add(
        key: FragmentKey,
        offset: Int,
        moreFragments: Bool,
        data: UnsafeRawBufferPointer,
        at now: CaptureTime
    ) -> Outcome {
        let end = offset + data.count
        var datagram: Datagram
        if let existing = self.pending.removeValue(forKey: key) {
            datagram = existing
        } else {
            while self.pending.count >= max(1, self.limits.maximumPendingDatagrams) {
                self.evictOldest()
            }
            datagram = Datagram(firstSeen: now)
            self.noteDeadline(now)
        }
        guard end <= self.limits.maximumDatagramBytes else {
            // Larger than any legal datagram: the whole datagram is unusable.
            self.statistics.rejectedFragments += 1
            self.bufferedBytes -= datagram.buffer.count
            return .rejected
        }
        if !moreFragments {
            if let known = datagram.totalLength, known != end {
                self.statistics.rejectedFragments += 1
                self.store(key, datagram)
                return .rejected
            }
            if let last = datagram.received.last, last.upperBound > end {
                self.statistics.rejectedFragments += 1
                self.store(key, datagram)
                return .rejected
            }
            datagram.totalLength = end
        } else if let known = datagram.totalLength, end > known {
            self.statistics.rejectedFragments += 1
            self.store(key, datagram)
            return .rejected
        }
        datagram.fragmentCount += 1
        guard datagram.fragmentCount <= self.limits.maximumFragmentsPerDatagram else {
            self.statistics.droppedForLimits += 1
            self.bufferedBytes -= datagram.buffer.count
            return .rejected
        }
        if datagram.buffer.count < end {
            let growth = end - datagram.buffer.count
            while self.bufferedBytes + growth > self.limits.maximumFragmentBufferBytes && !self.pending.isEmpty {
                self.evictOldest()
            }
            guard self.bufferedBytes + growth <= self.limits.maximumFragmentBufferBytes else {
                self.statistics.droppedForLimits += 1
                self.bufferedBytes -= datagram.buffer.count
                return .rejected
            }
            datagram.buffer.append(contentsOf: repeatElement(0, count: growth))
            self.bufferedBytes += growth
        }
        self.statistics.fragments += 1

        // Copy only the bytes no earlier fragment supplied (the first copy wins).
        var newBytes = 0
        var cursor = offset
        datagram.buffer.withUnsafeMutableBytes { destination in
            func copy(_ from: Int, _ to: Int) {
                guard to > from else { return }
                UnsafeMutableRawBufferPointer(rebasing: destination[from..<to]).copyMemory(
                    from: data.slice(from - offset, to - offset)
                )
                newBytes += to - from
            }
            for range in datagram.received where range.upperBound > cursor && range.lowerBound < end {
                copy(cursor, min(range.lowerBound, end))
                cursor = max(cursor, range.upperBound)
            }
            copy(cursor, end)
        }
        if newBytes == 0 && !data.isEmpty {
            self.statistics.duplicateFragments += 1
        }
        if end > offset {
            datagram.received = Self.merge(datagram.received, offset..<end)
        }
        if let total = datagram.totalLength,
            total == 0 || (datagram.received.count == 1 && datagram.received[0] == 0..<total)
        {
            self.bufferedBytes -= datagram.buffer.count
            self.statistics.reassembled += 1
            return .complete(datagram.buffer)
        }
        self.store(key, datagram)
        return .incomplete
    }

    /// Drops every datagram whose reassembly time ran out at `now`; returns how many.
    @discardableResult
    mutating func expire(now: CaptureTime) -> Int {
        guard let deadline = self.earliestDeadline, now >= deadline else { return 0 }
        var expired: [FragmentKey] = []
        var earliest: CaptureTime?
        for (key, datagram) in self.pending {
            let due = datagram.firstSeen.advanced(byNanoseconds: self.timeoutNanoseconds)
            if due <= now {
                expired.append(key)
            } else if earliest == nil || due < earliest! {
                earliest = due
            }
        }
        for key in expired {
            if let datagram = self.pending.removeValue(forKey: key) {
                self.bufferedBytes -= datagram.buffer.count
            }
        }
        self.statistics.timedOut += expired.count
        self.earliestDeadline = earliest
        return expired.count
    }

    /// Forgets every pending datagram at the end of a capture; returns how many.
    @discardableResult
    mutating func dropAll() -> Int {
        let count = self.pending.count
        self.statistics.incompleteAtEnd += count
        self.pending.removeAll()
        self.bufferedBytes = 0
        self.earliestDeadline = nil
        return count
    }

    private mutating func store(_ key: FragmentKey, _ datagram: Datagram) {
        self.pending[key] = datagram
    }

    private mutating func noteDeadline(_ firstSeen: CaptureTime) {
        let due = firstSeen.advanced(byNanoseconds: self.timeoutNanoseconds)
        if self.earliestDeadline == nil || due < self.earliestDeadline! {
            self.earliestDeadline = due
        }
    }

    /// Drops the datagram that started first (linear scan: only runs when a limit is hit).
    private mutating func evictOldest() {
        guard let oldest = self.pending.min(by: { $0.value.firstSeen < $1.value.firstSeen }) else { return }
        self.pending.removeValue(forKey: oldest.key)
        self.bufferedBytes -= oldest.value.buffer.count
        self.statistics.droppedForLimits += 1
    }

    /// Inserts `range` into sorted, disjoint `ranges`, merging touching ones.
    private static func merge(_ ranges: [Range<Int>], _ range: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        result.reserveCapacity(ranges.count + 1)
        var current = range
        var inserted = false
        for existing in ranges {
            if existing.upperBound < current.lowerBound {
                result.append(existing)
            } else if existing.lowerBound > current.upperBound {
                if !inserted {
                    result.append(current)
                    inserted = true
                }
                result.append(existing)
            } else {
                current = min(existing.lowerBound, current.lowerBound)..<max(existing.upperBound, current.upperBound)
            }
        }
        if !inserted { result.append(current) }
        return result
    }
}
