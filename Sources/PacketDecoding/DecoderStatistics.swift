/// What the fragment reassembler did, for the report's "capture health" section.
public struct FragmentStatistics: Hashable, Sendable {
    /// Fragments accepted into a reassembly buffer.
    public var fragments = 0
    /// Datagrams completed and decoded.
    public var reassembled = 0
    /// Partial datagrams dropped because their fragments did not all arrive in time.
    public var timedOut = 0
    /// Partial datagrams dropped to respect a memory limit (count, size or total budget).
    public var droppedForLimits = 0
    /// Fragments that added no new byte (duplicates, or fully overlapped: the first copy wins).
    public var duplicateFragments = 0
    /// Fragments rejected outright (beyond the maximum size, or contradicting the known end).
    public var rejectedFragments = 0
    /// Partial datagrams still pending when ``PacketDecoder/flush(now:_:)`` ended the capture.
    public var incompleteAtEnd = 0

    /// All zero.
    public init() {}
}

/// What the TCP reassembler did: every byte it could not deliver is counted here.
public struct TCPStatistics: Hashable, Sendable {
    /// Segments processed.
    public var segments = 0
    /// Connections created (including ones first seen mid-stream).
    public var connections = 0
    /// Bytes delivered in order.
    public var deliveredBytes: UInt64 = 0
    /// Bytes received again after they had been delivered (retransmissions, keep-alives,
    /// overlaps). Delivered once only.
    public var retransmittedBytes: UInt64 = 0
    /// Gaps given up as lost.
    public var gaps = 0
    /// Bytes in those gaps.
    public var gapBytes: UInt64 = 0
    /// Connections evicted (least recently used) to stay within the connection limit.
    public var evictedConnections = 0
    /// Connections forgotten after the idle timeout.
    public var idleConnections = 0
    /// Connections ended by RST.
    public var resets = 0
    /// Buffered out-of-order bytes thrown away because their direction was closed before the
    /// gap filled (RST, eviction); they are still delivered after a gap event when possible.
    public var discardedBytes: UInt64 = 0
    /// Bytes seen after the direction's FIN (ignored).
    public var bytesAfterFIN: UInt64 = 0

    /// All zero.
    public init() {}
}

/// Counters of everything ``PacketDecoder`` saw, produced and dropped.
public struct DecoderStatistics: Hashable, Sendable {
    /// Frames given to ``PacketDecoder/decode(frame:linkType:timestamp:frameNumber:_:)``.
    public var frames = 0
    /// UDP datagrams delivered.
    public var udpDatagrams = 0
    /// TCP segments decoded (handed to the TCP reassembler).
    public var tcpSegments = 0
    /// ICMP / ICMPv6 errors decoded.
    public var icmpErrors = 0
    /// Packets found inside an IP-level tunnel.
    public var tunnelledPackets = 0
    /// Undecodable events by ``UndecodableReason/rawValue``.
    public var undecodable = [Int](repeating: 0, count: UndecodableReason.count)
    /// Fragment reassembly counters.
    public var fragments = FragmentStatistics()
    /// TCP reassembly counters.
    public var tcp = TCPStatistics()

    /// All zero.
    public init() {}

    /// How many undecodable events had this reason.
    public func count(of reason: UndecodableReason) -> Int {
        self.undecodable[Int(reason.rawValue)]
    }

    /// Undecodable events of every reason.
    public var undecodableTotal: Int { self.undecodable.reduce(0, +) }
}
