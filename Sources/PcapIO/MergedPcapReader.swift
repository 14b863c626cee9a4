/// One packet from a ``MergedPcapReader``: the packet (with its per-file frame number and its
/// file's link type), which file it came from, and its number in the merged sequence.
public struct MergedPcapPacket {
    /// The packet; ``PcapPacket/frameNumber`` is its number within its own file.
    public var packet: PcapPacket
    /// Index of the file in the reader list (0-based).
    public var fileIndex: Int
    /// 1-based number in the merged, time-ordered sequence.
    public var globalFrameNumber: Int
}

/// Reads several captures at once as one sequence ordered by timestamp (a k-way merge with a
/// binary heap over the readers' next packets).
///
/// The merge is stable: packets with equal timestamps come in file order (lower index first),
/// and packets of one file always keep their file order, even if that file's own timestamps go
/// backwards (the merge only ever compares the files' next packets, as `mergecap` does).
///
/// Zero-copy as ``PcapReader``: a packet's bytes are valid until the next call on this merged
/// reader (each file's reader is advanced lazily, only when its pending packet has been handed
/// out and the next one is asked for).
public final class MergedPcapReader {
    /// The files' readers, in the order given.
    public let readers: [PcapReader]
    /// Packets delivered so far, over all files.
    public private(set) var framesRead = 0

    /// Each reader's pending packet (nil once that reader is exhausted, and unused with one reader).
    private var pending: [PcapPacket?]
    /// The pending packets' times, kept apart so heap comparisons touch only integers.
    private var pendingTimes: [Int64]
    /// Min-heap of reader indices with a pending packet, keyed by (timestamp, index).
    private var heap: [Int] = []
    /// True when the packet of the reader at the top of the heap has been handed out, so that
    /// reader must advance at the next call (not before: its bytes are still in use).
    private var isTopDelivered = false

    /// Merges already opened readers (which should not have been read from yet).
    public init(readers: [PcapReader]) {
        self.readers = readers
        self.pendingTimes = [Int64](repeating: 0, count: readers.count)
        // With one reader there is nothing to merge: nextPacket() passes its packets through.
        self.pending = readers.count == 1 ? [nil] : readers.map { $0.nextPacket() }
        for index in readers.indices {
            if let packet = self.pending[index] {
                self.pendingTimes[index] = packet.nanosecondsSinceEpoch
                self.push(index)
            }
        }
    }

    /// Opens every path first (so a missing file fails before any work) and merges them.
    ///
    /// - Throws: the first file's ``PcapError`` that cannot be opened.
    public convenience init(paths: [String]) throws(PcapError) {
        var readers: [PcapReader] = []
        for path in paths {
            readers.append(try PcapReader(path: path))
        }
        self.init(readers: readers)
    }

    /// The link type of each file, in file order.
    public var linkTypes: [Int] { self.readers.map(\.linkType) }

    /// Every file's warning (truncation, damage), in file order; empty when all were read whole.
    public var warnings: [PcapError] { self.readers.compactMap(\.warning) }

    /// The next packet in time order, or nil when every file is exhausted.
    public func nextPacket() -> MergedPcapPacket? {
        if self.readers.count == 1 {
            guard let packet = self.readers[0].nextPacket() else { return nil }
            self.framesRead += 1
            return MergedPcapPacket(packet: packet, fileIndex: 0, globalFrameNumber: self.framesRead)
        }
        // The packet handed out last is still at the top of the heap: advance its reader and
        // sift the new head down (or drop the exhausted reader), the k-way merge's one step.
        if self.isTopDelivered {
            self.isTopDelivered = false
            let index = self.heap[0]
            let next = self.readers[index].nextPacket()
            self.pending[index] = next
            if let next {
                self.pendingTimes[index] = next.nanosecondsSinceEpoch
            } else {
                let last = self.heap.removeLast()
                if self.heap.isEmpty { return nil }
                self.heap[0] = last
            }
            self.siftDown()
        }
        guard let index = self.heap.first, let packet = self.pending[index] else { return nil }
        self.isTopDelivered = true
        self.framesRead += 1
        return MergedPcapPacket(packet: packet, fileIndex: index, globalFrameNumber: self.framesRead)
    }

    /// Calls `body` for every packet in time order (bytes valid only during the call).
    ///
    /// - Returns: ``warnings``.
    @discardableResult
    public func forEachPacket(_ body: (MergedPcapPacket) throws -> Void) rethrows -> [PcapError] {
        while let packet = self.nextPacket() {
            try body(packet)
        }
        return self.warnings
    }

    // MARK: - Heap

    private func precedes(_ a: Int, _ b: Int) -> Bool {
        let first = self.pendingTimes[a]
        let second = self.pendingTimes[b]
        return first < second || (first == second && a < b)
    }

    private func push(_ index: Int) {
        self.heap.append(index)
        var child = self.heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard self.precedes(self.heap[child], self.heap[parent]) else { break }
            self.heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Restores the heap order after the top entry changed.
    private func siftDown() {
        var parent = 0
        let count = self.heap.count
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < count && self.precedes(self.heap[left], self.heap[smallest]) { smallest = left }
            if right < count && self.precedes(self.heap[right], self.heap[smallest]) { smallest = right }
            if smallest == parent { return }
            self.heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
