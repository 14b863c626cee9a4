/// One direction of a TCP connection: bytes flow from ``source`` to ``destination``.
public struct TCPFlow: Hashable, Sendable, CustomStringConvertible {
    /// Sender.
    public var source: Endpoint
    /// Receiver.
    public var destination: Endpoint

    /// Creates a flow.
    public init(source: Endpoint, destination: Endpoint) {
        self.source = source
        self.destination = destination
    }

    /// The opposite direction of the same connection.
    public var reversed: TCPFlow { TCPFlow(source: self.destination, destination: self.source) }

    /// "10.0.0.1:5060 -> 10.0.0.2:5060".
    public var description: String { "\(self.source) -> \(self.destination)" }
}

/// TCP control flags (RFC 9293 §3.1).
public struct TCPFlags: OptionSet, Hashable, Sendable {
    /// The flag bits as in the header's flags byte.
    public var rawValue: UInt8
    /// Wraps flag bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// No more data from sender.
    public static let fin = TCPFlags(rawValue: 0x01)
    /// Synchronize sequence numbers.
    public static let syn = TCPFlags(rawValue: 0x02)
    /// Reset the connection.
    public static let rst = TCPFlags(rawValue: 0x04)
    /// Push function.
    public static let psh = TCPFlags(rawValue: 0x08)
    /// Acknowledgment field is significant.
    public static let ack = TCPFlags(rawValue: 0x10)
}

/// One TCP segment, as ``TCPReassembler`` needs it. ``payload`` is borrowed for the call.
public struct TCPSegment {
    /// Direction of the segment.
    public var flow: TCPFlow
    /// Sequence number of the first payload byte (of the SYN, when SYN is set).
    public var sequenceNumber: UInt32
    /// Control flags.
    public var flags: TCPFlags
    /// Payload bytes (borrowed).
    public var payload: UnsafeRawBufferPointer
    /// Capture time.
    public var timestamp: CaptureTime
    /// Frame number.
    public var frameNumber: Int

    /// Creates a segment.
    public init(
        flow: TCPFlow,
        sequenceNumber: UInt32,
        flags: TCPFlags,
        payload: UnsafeRawBufferPointer,
        timestamp: CaptureTime,
        frameNumber: Int
    ) {
        self.flow = flow
        self.sequenceNumber = sequenceNumber
        self.flags = flags
        self.payload = payload
        self.timestamp = timestamp
        self.frameNumber = frameNumber
    }
}

/// In-order bytes of one TCP direction. ``bytes`` is borrowed: valid only inside the handler.
public struct TCPChunk {
    /// Direction.
    public var flow: TCPFlow
    /// The bytes (borrowed; see ``copyBytes()``).
    public var bytes: UnsafeRawBufferPointer
    /// Position of the first byte in this direction's stream, counting from the first byte
    /// seen (gaps included), so offsets stay comparable across a gap.
    public var streamOffset: UInt64
    /// Capture time of the segment that made these bytes deliverable.
    public var timestamp: CaptureTime
    /// Frame number of the segment that made these bytes deliverable (the one that filled
    /// the gap, when they had been waiting out of order).
    public var frameNumber: Int
    /// Frame number of the segment that carried these bytes.
    public var carriedByFrameNumber: Int

    /// A copy of the bytes that outlives the handler.
    public func copyBytes() -> [UInt8] { Array(self.bytes) }
}

/// Bytes of a TCP direction that were never seen; the stream continues after them.
public struct TCPGap: Hashable, Sendable {
    /// Why a gap is declared.
    public enum Reason: Hashable, Sendable {
        /// Too many bytes were waiting behind the gap (``DecoderLimits/maximumTCPBufferedBytesPerDirection``).
        case bufferLimit
        /// The gap stayed open longer than ``DecoderLimits/tcpGapTimeout``.
        case timeout
        /// The direction ended (RST, eviction, idle, end of capture) with bytes still waiting.
        case closed
    }

    /// Direction.
    public var flow: TCPFlow
    /// Stream offset of the first missing byte.
    public var streamOffset: UInt64
    /// Number of missing bytes.
    public var size: UInt64
    /// Why the gap was given up.
    public var reason: Reason
    /// Capture time at which the gap was declared.
    public var timestamp: CaptureTime
    /// Frame that caused the declaration (or the last frame seen, for sweeps).
    public var frameNumber: Int
}

/// One direction of a TCP connection ended: no more bytes will be delivered for it.
public struct TCPClosed: Hashable, Sendable {
    /// How the direction ended.
    public enum Reason: Hashable, Sendable {
        /// The sender's FIN was reached in sequence.
        case fin
        /// An RST was seen (from either side).
        case reset
        /// A SYN with a new initial sequence number reused the 4-tuple.
        case replaced
        /// Evicted as least recently used to respect ``DecoderLimits/maximumTCPConnections``.
        case evicted
        /// No segment for ``DecoderLimits/tcpIdleTimeout``.
        case idle
        /// ``PacketDecoder/flush(now:_:)`` or ``TCPReassembler/flush(now:_:)``.
        case endOfCapture
    }

    /// Direction.
    public var flow: TCPFlow
    /// How it ended.
    public var reason: Reason
    /// Bytes delivered (plus gap bytes) in this direction.
    public var streamLength: UInt64
    /// Capture time.
    public var timestamp: CaptureTime
    /// Frame that ended it (or the last frame seen, for sweeps).
    public var frameNumber: Int
}

/// What ``TCPReassembler`` reports.
public enum TCPEvent {
    /// In-order bytes.
    case data(TCPChunk)
    /// Missing bytes skipped.
    case gap(TCPGap)
    /// A direction ended.
    case closed(TCPClosed)
}

/// Reassembles TCP byte streams per connection and direction, with bounded memory.
///
/// The caller feeds segments in capture order; the reassembler delivers each byte at most
/// once, in sequence order. Sequence numbers are compared modulo 2^32 (RFC 9293 §3.4), so
/// wrap-around is transparent. A direction first seen without SYN starts at the first sequence
/// number seen (captures often start mid-call). Out-of-order segments wait for the gap to fill;
/// when too much waits, or it waits too long, a ``TCPGap`` is reported and delivery resumes
/// after it, so a SIP stream parser can resynchronise.
public struct TCPReassembler: Sendable {
    /// A segment waiting for an earlier gap to fill.
    private struct PendingSegment {
        var sequence: UInt32
        var bytes: [UInt8]
        var frameNumber: Int
        var timestamp: CaptureTime
        var end: UInt32 { self.sequence &+ UInt32(truncatingIfNeeded: self.bytes.count) }
    }

    /// Reassembly state of one direction.
    private struct Direction {
        var isStarted = false
        var sawSYN = false
        var isFinished = false
        var initialSequence: UInt32 = 0
        /// Sequence number of the next byte to deliver.
        var nextSequence: UInt32 = 0
        /// Stream offset of `nextSequence`.
        var streamOffset: UInt64 = 0
        /// Sequence number of the FIN, once seen.
        var finSequence: UInt32?
        /// Out-of-order segments, sorted by sequence (relative to `nextSequence`).
        var pending: [PendingSegment] = []
        var pendingBytes = 0

        /// When the longest-waiting out-of-order segment arrived (the age of the oldest gap).
        /// A linear scan, bounded by ``DecoderLimits/maximumTCPBufferedSegmentsPerDirection``;
        /// only runs while something waits.
        var oldestWaitingTime: CaptureTime? {
            self.pending.lazy.map(\.timestamp).min()
        }

        /// Signed distance from `nextSequence` to `sequence`, modulo 2^32.
        func distance(to sequence: UInt32) -> Int {
            Int(Int32(bitPattern: sequence &- self.nextSequence))
        }
    }

    /// Both directions of a connection; `a` is the lower endpoint of the canonical key.
    private struct Connection {
        var fromA = Direction()
        var fromB = Direction()
        var lastSeen = CaptureTime.zero
    }

    /// The canonical key of a connection: the lower endpoint first.
    private struct ConnectionKey: Hashable {
        var a: Endpoint
        var b: Endpoint
    }

    /// An entry of the connection table, linked into the LRU list by slot index.
    private struct Slot {
        var key: ConnectionKey
        var connection: Connection
        var newer = -1
        var older = -1
    }

    private let limits: DecoderLimits
    private let gapTimeoutNanoseconds: Int64
    private let idleTimeoutNanoseconds: Int64
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var index: [ConnectionKey: Int] = [:]
    /// Most recently used slot.
    private var newest = -1
    /// Least recently used slot.
    private var oldest = -1
    /// Bytes waiting out of order over all connections.
    private var totalPendingBytes = 0
    /// Frame number of the last segment processed (reported by events that timeouts cause).
    private var lastFrameNumber = 0
    /// Counters of everything delivered and dropped.
    public private(set) var statistics = TCPStatistics()

    /// Creates a reassembler with the TCP limits of `limits`.
    public init(limits: DecoderLimits = .default) {
        self.limits = limits
        self.gapTimeoutNanoseconds = limits.tcpGapTimeout.saturatingNanoseconds
        self.idleTimeoutNanoseconds = limits.tcpIdleTimeout.saturatingNanoseconds
    }

    /// Connections currently followed.
    public var connectionCount: Int { self.index.count }

    /// Feeds one segment; calls `handler` for each chunk, gap and close it causes.
    public mutating func process(_ segment: TCPSegment, _ handler: (TCPEvent) -> Void) {
        self.statistics.segments += 1
        self.lastFrameNumber = segment.frameNumber
        let forward = segment.flow.source < segment.flow.destination
        let key =
            forward
            ? ConnectionKey(a: segment.flow.source, b: segment.flow.destination)
            : ConnectionKey(a: segment.flow.destination, b: segment.flow.source)
        var slotIndex: Int
        if let existing = self.index[key] {
            slotIndex = existing
            self.touch(slotIndex)
        } else {
            if segment.flags.contains(.rst) { return }  // nothing to reset
            slotIndex = self.insert(key, at: segment.timestamp, frameNumber: segment.frameNumber, handler)
        }
        self.slots[slotIndex].connection.lastSeen = segment.timestamp

        if segment.flags.contains(.rst) {
            self.statistics.resets += 1
            self.remove(slotIndex, reason: .reset, at: segment.timestamp, frameNumber: segment.frameNumber, handler)
            return
        }
        if segment.flags.contains(.syn) {
            let direction = forward ? self.slots[slotIndex].connection.fromA : self.slots[slotIndex].connection.fromB
            if direction.isStarted
                && !(direction.sawSYN && direction.initialSequence == segment.sequenceNumber)
                && (direction.streamOffset > 0 || !direction.pending.isEmpty || direction.isFinished)
            {
                // A new connection on the same 4-tuple: end the old one, start afresh.
                self.remove(
                    slotIndex,
                    reason: .replaced,
                    at: segment.timestamp,
                    frameNumber: segment.frameNumber,
                    handler
                )
                slotIndex = self.insert(key, at: segment.timestamp, frameNumber: segment.frameNumber, handler)
                self.slots[slotIndex].connection.lastSeen = segment.timestamp
            }
        }
        let budgetExceeded = self.totalPendingBytes + segment.payload.count > self.limits.maximumTCPBufferedBytes
        var direction: Direction
        if forward {
            direction = self.slots[slotIndex].connection.fromA
            self.slots[slotIndex].connection.fromA = Direction()
        } else {
            direction = self.slots[slotIndex].connection.fromB
            self.slots[slotIndex].connection.fromB = Direction()
        }
        let pendingBefore = direction.pendingBytes
        self.receive(segment, into: &direction, budgetExceeded: budgetExceeded, handler)
        self.totalPendingBytes += direction.pendingBytes - pendingBefore
        let bothFinished: Bool
        if forward {
            bothFinished = direction.isFinished && self.slots[slotIndex].connection.fromB.isFinished
            self.slots[slotIndex].connection.fromA = direction
        } else {
            bothFinished = direction.isFinished && self.slots[slotIndex].connection.fromA.isFinished
            self.slots[slotIndex].connection.fromB = direction
        }
        if bothFinished {
            self.unlinkAndFree(slotIndex)
        }
    }

    /// Applies timeouts at capture time `now`: declares gaps that waited longer than
    /// ``DecoderLimits/tcpGapTimeout`` and forgets connections idle for longer than
    /// ``DecoderLimits/tcpIdleTimeout``.
    public mutating func expire(now: CaptureTime, _ handler: (TCPEvent) -> Void) {
        // Idle connections sit at the old end of the LRU list.
        while self.oldest >= 0 {
            let slot = self.oldest
            let idle = now.nanoseconds(since: self.slots[slot].connection.lastSeen)
            guard idle >= self.idleTimeoutNanoseconds else { break }
            self.statistics.idleConnections += 1
            self.remove(slot, reason: .idle, at: now, frameNumber: self.lastFrameNumber, handler)
        }
        guard self.totalPendingBytes > 0 || self.index.count > 0 else { return }
        for slot in self.index.values {
            for side in 0..<2 {
                let isA = side == 0
                let waitingSince =
                    isA
                    ? self.slots[slot].connection.fromA.oldestWaitingTime
                    : self.slots[slot].connection.fromB.oldestWaitingTime
                guard let waitingSince, now.nanoseconds(since: waitingSince) >= self.gapTimeoutNanoseconds
                else { continue }
                var direction: Direction
                if isA {
                    direction = self.slots[slot].connection.fromA
                    self.slots[slot].connection.fromA = Direction()
                } else {
                    direction = self.slots[slot].connection.fromB
                    self.slots[slot].connection.fromB = Direction()
                }
                let key = self.slots[slot].key
                let flow = isA ? TCPFlow(source: key.a, destination: key.b) : TCPFlow(source: key.b, destination: key.a)
                let pendingBefore = direction.pendingBytes
                while let waitingSince = direction.oldestWaitingTime,
                    now.nanoseconds(since: waitingSince) >= self.gapTimeoutNanoseconds
                {
                    self.skipGap(
                        &direction,
                        flow: flow,
                        reason: .timeout,
                        at: now,
                        frameNumber: self.lastFrameNumber,
                        handler
                    )
                }
                self.totalPendingBytes += direction.pendingBytes - pendingBefore
                if isA {
                    self.slots[slot].connection.fromA = direction
                } else {
                    self.slots[slot].connection.fromB = direction
                }
            }
        }
    }

    /// Ends every connection at the end of a capture: waiting bytes are delivered after a gap
    /// event, then each started direction gets a ``TCPClosed`` with reason `.endOfCapture`.
    public mutating func flush(now: CaptureTime, _ handler: (TCPEvent) -> Void) {
        while self.oldest >= 0 {
            self.remove(self.oldest, reason: .endOfCapture, at: now, frameNumber: self.lastFrameNumber, handler)
        }
    }

    // MARK: - Per direction

    private mutating func receive(
        _ segment: TCPSegment,
        into direction: inout Direction,
        budgetExceeded: Bool,
        _ handler: (TCPEvent) -> Void
    ) {
        let flow = segment.flow
        let payload = segment.payload
        if direction.isFinished {
            self.statistics.bytesAfterFIN += UInt64(payload.count)
            return
        }
        var dataSequence = segment.sequenceNumber
        if segment.flags.contains(.syn) {
            if direction.sawSYN && direction.initialSequence == segment.sequenceNumber {
                dataSequence = segment.sequenceNumber &+ 1  // retransmitted SYN
            } else {
                // RFC 9293 §3.4: the SYN occupies one sequence number before the first data byte.
                direction.isStarted = true
                direction.sawSYN = true
                direction.initialSequence = segment.sequenceNumber
                direction.nextSequence = segment.sequenceNumber &+ 1
                dataSequence = direction.nextSequence
            }
        } else if !direction.isStarted {
            // Capture started mid-stream: take the first sequence number seen as the start.
            direction.isStarted = true
            direction.nextSequence = segment.sequenceNumber
        }
        if segment.flags.contains(.fin) && direction.finSequence == nil {
            direction.finSequence = dataSequence &+ UInt32(truncatingIfNeeded: payload.count)
        }

        let distance = direction.distance(to: dataSequence)
        if distance <= 0 {
            let skip = -distance
            if skip >= payload.count {
                self.statistics.retransmittedBytes += UInt64(payload.count)
            } else {
                self.statistics.retransmittedBytes += UInt64(skip)
                self.deliver(
                    &direction,
                    flow: flow,
                    bytes: payload.slice(skip, payload.count),
                    at: segment.timestamp,
                    frameNumber: segment.frameNumber,
                    carriedBy: segment.frameNumber,
                    handler
                )
                self.drain(&direction, flow: flow, at: segment.timestamp, frameNumber: segment.frameNumber, handler)
            }
        } else if !payload.isEmpty || segment.flags.contains(.fin) {
            self.buffer(&direction, sequence: dataSequence, payload: payload, segment: segment)
            while !direction.pending.isEmpty
                && (budgetExceeded
                    || direction.pendingBytes > self.limits.maximumTCPBufferedBytesPerDirection
                    || direction.pending.count > self.limits.maximumTCPBufferedSegmentsPerDirection)
            {
                self.skipGap(
                    &direction,
                    flow: flow,
                    reason: .bufferLimit,
                    at: segment.timestamp,
                    frameNumber: segment.frameNumber,
                    handler
                )
            }
            while let waitingSince = direction.oldestWaitingTime,
                segment.timestamp.nanoseconds(since: waitingSince) >= self.gapTimeoutNanoseconds
            {
                self.skipGap(
                    &direction,
                    flow: flow,
                    reason: .timeout,
                    at: segment.timestamp,
                    frameNumber: segment.frameNumber,
                    handler
                )
            }
        }
        self.checkFIN(&direction, flow: flow, at: segment.timestamp, frameNumber: segment.frameNumber, handler)
    }

    /// Stores an out-of-order segment unless bytes already waiting cover it.
    private mutating func buffer(
        _ direction: inout Direction,
        sequence: UInt32,
        payload: UnsafeRawBufferPointer,
        segment: TCPSegment
    ) {
        let start = direction.distance(to: sequence)
        let end = start + payload.count
        var insertAt = direction.pending.count
        for (position, waiting) in direction.pending.enumerated() {
            let waitingStart = direction.distance(to: waiting.sequence)
            let waitingEnd = waitingStart + waiting.bytes.count
            if waitingStart <= start && waitingEnd >= end && !payload.isEmpty {
                self.statistics.retransmittedBytes += UInt64(payload.count)
                return
            }
            if waitingStart > start {
                insertAt = position
                break
            }
        }
        direction.pending.insert(
            PendingSegment(
                sequence: sequence,
                bytes: Array(payload),
                frameNumber: segment.frameNumber,
                timestamp: segment.timestamp
            ),
            at: insertAt
        )
        direction.pendingBytes += payload.count
    }

    /// Delivers waiting segments that have become contiguous.
    private mutating func drain(
        _ direction: inout Direction,
        flow: TCPFlow,
        at now: CaptureTime,
        frameNumber: Int,
        _ handler: (TCPEvent) -> Void
    ) {
        while let first = direction.pending.first, direction.distance(to: first.sequence) <= 0 {
            let waiting = direction.pending.removeFirst()
            direction.pendingBytes -= waiting.bytes.count
            let skip = -direction.distance(to: waiting.sequence)
            if skip >= waiting.bytes.count {
                self.statistics.retransmittedBytes += UInt64(waiting.bytes.count)
                continue
            }
            self.statistics.retransmittedBytes += UInt64(skip)
            waiting.bytes.withUnsafeBytes { raw in
                self.deliver(
                    &direction,
                    flow: flow,
                    bytes: raw.slice(skip, raw.count),
                    at: now,
                    frameNumber: frameNumber,
                    carriedBy: waiting.frameNumber,
                    handler
                )
            }
        }
    }

    /// Gives up the bytes missing before the first waiting segment and delivers from there.
    private mutating func skipGap(
        _ direction: inout Direction,
        flow: TCPFlow,
        reason: TCPGap.Reason,
        at now: CaptureTime,
        frameNumber: Int,
        _ handler: (TCPEvent) -> Void
    ) {
        guard let first = direction.pending.first else { return }
        let size = direction.distance(to: first.sequence)
        if size > 0 {
            handler(
                .gap(
                    TCPGap(
                        flow: flow,
                        streamOffset: direction.streamOffset,
                        size: UInt64(size),
                        reason: reason,
                        timestamp: now,
                        frameNumber: frameNumber
                    )
                )
            )
            self.statistics.gaps += 1
            self.statistics.gapBytes += UInt64(size)
            direction.streamOffset += UInt64(size)
            direction.nextSequence = first.sequence
        }
        self.drain(&direction, flow: flow, at: now, frameNumber: frameNumber, handler)
        self.checkFIN(&direction, flow: flow, at: now, frameNumber: frameNumber, handler)
    }

    private mutating func deliver(
        _ direction: inout Direction,
        flow: TCPFlow,
        bytes: UnsafeRawBufferPointer,
        at now: CaptureTime,
        frameNumber: Int,
        carriedBy: Int,
        _ handler: (TCPEvent) -> Void
    ) {
        guard !bytes.isEmpty else { return }
        handler(
            .data(
                TCPChunk(
                    flow: flow,
                    bytes: bytes,
                    streamOffset: direction.streamOffset,
                    timestamp: now,
                    frameNumber: frameNumber,
                    carriedByFrameNumber: carriedBy
                )
            )
        )
        direction.streamOffset += UInt64(bytes.count)
        direction.nextSequence &+= UInt32(truncatingIfNeeded: bytes.count)
        self.statistics.deliveredBytes += UInt64(bytes.count)
    }

    /// Ends the direction once every byte before its FIN was delivered.
    private mutating func checkFIN(
        _ direction: inout Direction,
        flow: TCPFlow,
        at now: CaptureTime,
        frameNumber: Int,
        _ handler: (TCPEvent) -> Void
    ) {
        guard !direction.isFinished, let fin = direction.finSequence, direction.distance(to: fin) <= 0 else { return }
        direction.isFinished = true
        direction.nextSequence = fin &+ 1
        self.statistics.discardedBytes += UInt64(direction.pendingBytes)
        direction.pending.removeAll()
        direction.pendingBytes = 0
        handler(
            .closed(
                TCPClosed(
                    flow: flow,
                    reason: .fin,
                    streamLength: direction.streamOffset,
                    timestamp: now,
                    frameNumber: frameNumber
                )
            )
        )
    }

    /// Delivers what is still waiting (after gap events) and closes a direction.
    private mutating func finish(
        _ direction: inout Direction,
        flow: TCPFlow,
        reason: TCPClosed.Reason,
        at now: CaptureTime,
        frameNumber: Int,
        _ handler: (TCPEvent) -> Void
    ) {
        guard direction.isStarted, !direction.isFinished else { return }
        while !direction.pending.isEmpty && !direction.isFinished {
            self.skipGap(&direction, flow: flow, reason: .closed, at: now, frameNumber: frameNumber, handler)
        }
        guard !direction.isFinished else { return }
        direction.isFinished = true
        handler(
            .closed(
                TCPClosed(
                    flow: flow,
                    reason: reason,
                    streamLength: direction.streamOffset,
                    timestamp: now,
                    frameNumber: frameNumber
                )
            )
        )
    }

    // MARK: - Connection table (LRU)

    private mutating func insert(
        _ key: ConnectionKey,
        at now: CaptureTime,
        frameNumber: Int,
        _ handler: (TCPEvent) -> Void
    ) -> Int {
        while self.index.count >= max(1, self.limits.maximumTCPConnections) && self.oldest >= 0 {
            self.statistics.evictedConnections += 1
            self.remove(self.oldest, reason: .evicted, at: now, frameNumber: frameNumber, handler)
        }
        let slot = Slot(key: key, connection: Connection(lastSeen: now))
        let position: Int
        if let free = self.freeSlots.popLast() {
            self.slots[free] = slot
            position = free
        } else {
            self.slots.append(slot)
            position = self.slots.count - 1
        }
        self.index[key] = position
        self.linkAsNewest(position)
        self.statistics.connections += 1
        return position
    }

    /// Closes both directions of a connection (delivering what waits) and forgets it.
    private mutating func remove(
        _ slot: Int,
        reason: TCPClosed.Reason,
        at now: CaptureTime,
        frameNumber: Int,
        _ handler: (TCPEvent) -> Void
    ) {
        let key = self.slots[slot].key
        var connection = self.slots[slot].connection
        self.unlinkAndFree(slot)
        self.finish(
            &connection.fromA,
            flow: TCPFlow(source: key.a, destination: key.b),
            reason: reason,
            at: now,
            frameNumber: frameNumber,
            handler
        )
        self.finish(
            &connection.fromB,
            flow: TCPFlow(source: key.b, destination: key.a),
            reason: reason,
            at: now,
            frameNumber: frameNumber,
            handler
        )
    }

    private mutating func unlinkAndFree(_ slot: Int) {
        self.totalPendingBytes -=
            self.slots[slot].connection.fromA.pendingBytes + self.slots[slot].connection.fromB.pendingBytes
        self.slots[slot].connection = Connection()
        self.unlink(slot)
        self.index.removeValue(forKey: self.slots[slot].key)
        self.freeSlots.append(slot)
    }

    private mutating func touch(_ slot: Int) {
        guard self.newest != slot else { return }
        self.unlink(slot)
        self.linkAsNewest(slot)
    }

    private mutating func linkAsNewest(_ slot: Int) {
        self.slots[slot].older = self.newest
        self.slots[slot].newer = -1
        if self.newest >= 0 { self.slots[self.newest].newer = slot }
        self.newest = slot
        if self.oldest < 0 { self.oldest = slot }
    }

    private mutating func unlink(_ slot: Int) {
        let newer = self.slots[slot].newer
        let older = self.slots[slot].older
        if newer >= 0 { self.slots[newer].older = older } else { self.newest = older }
        if older >= 0 { self.slots[older].newer = newer } else { self.oldest = newer }
        self.slots[slot].newer = -1
        self.slots[slot].older = -1
    }
}
