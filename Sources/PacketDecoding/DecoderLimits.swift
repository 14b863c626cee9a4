/// Bounds on the memory and time the stateful parts of ``PacketDecoder`` may use.
///
/// A capture is untrusted input: a flood of fragments that never complete, or TCP segments
/// that never fill a gap, must not grow memory without bound. Every limit has a default chosen
/// for a SIP/RTP capture on a laptop; all timeouts run on capture time.
public struct DecoderLimits: Sendable, Hashable {
    /// Fragmented IP datagrams being reassembled at once; the oldest is dropped to make room.
    public var maximumPendingDatagrams = 1024
    /// Largest reassembled IP payload. An IPv4 datagram is at most 65,535 bytes including its
    /// header (RFC 791 §3.1, Total Length is 16 bits), an IPv6 one at most 65,535 bytes after
    /// the fixed header (RFC 8200 §3, Payload Length is 16 bits; jumbograms are not fragmented).
    public var maximumDatagramBytes = 65_535
    /// Bytes held by all datagrams being reassembled; the oldest are dropped to stay below.
    public var maximumFragmentBufferBytes = 16 * 1024 * 1024
    /// Capture time after which a datagram still missing fragments is dropped. RFC 791 suggests
    /// a reassembly timer of 15 s upwards; Linux uses 30 s (`ipfrag_time`).
    public var fragmentTimeout: Duration = .seconds(30)
    /// Most fragments accepted for one datagram (65,535 bytes in 8-byte pieces would be 8,192;
    /// real datagrams have a handful). Guards the per-datagram bookkeeping.
    public var maximumFragmentsPerDatagram = 256

    /// TCP connections followed at once; the least recently used is closed to make room.
    public var maximumTCPConnections = 16_384
    /// Out-of-order bytes buffered per direction before the oldest gap is given up as lost.
    public var maximumTCPBufferedBytesPerDirection = 256 * 1024
    /// Out-of-order segments buffered per direction (bounds bookkeeping for tiny segments).
    public var maximumTCPBufferedSegmentsPerDirection = 1024
    /// Out-of-order bytes buffered over all connections.
    public var maximumTCPBufferedBytes = 64 * 1024 * 1024
    /// Capture time a gap may stay open before it is reported and skipped. A lost segment is
    /// normally retransmitted within a few retransmission timeouts (RFC 6298: initial RTO 1 s).
    public var tcpGapTimeout: Duration = .seconds(10)
    /// Capture time without any segment after which a connection is forgotten.
    public var tcpIdleTimeout: Duration = .seconds(600)

    /// Nested encapsulations (VLAN tags excluded) followed in one frame: IP-in-IP, GRE, ERSPAN.
    public var maximumEncapsulationDepth = 8

    /// The defaults described on each property.
    public static let `default` = DecoderLimits()

    /// Creates the default limits; change properties afterwards.
    public init() {}
}
