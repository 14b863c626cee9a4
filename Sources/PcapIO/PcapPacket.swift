/// A capture timestamp: seconds and nanoseconds since the Unix epoch (UTC).
///
/// Microsecond captures are read with nanosecond precision too (libpcap scales them), so one
/// type serves both.
public struct PcapTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// Nanoseconds within the second, `0..<1_000_000_000`.
    public var nanoseconds: UInt32

    /// Creates a timestamp; `nanoseconds` of a billion or more carry into `seconds`.
    public init(seconds: Int64, nanoseconds: UInt32) {
        self.seconds = seconds &+ Int64(nanoseconds / 1_000_000_000)
        self.nanoseconds = nanoseconds % 1_000_000_000
    }

    /// Creates a timestamp from one nanosecond count (negative values give times before 1970).
    public init(nanosecondsSinceEpoch: Int64) {
        var seconds = nanosecondsSinceEpoch / 1_000_000_000
        var remainder = nanosecondsSinceEpoch % 1_000_000_000
        if remainder < 0 {
            seconds -= 1
            remainder += 1_000_000_000
        }
        self.seconds = seconds
        self.nanoseconds = UInt32(remainder)
    }

    /// Nanoseconds since the epoch in one number (wraps only beyond the year 2262).
    public var nanosecondsSinceEpoch: Int64 {
        self.seconds &* 1_000_000_000 &+ Int64(self.nanoseconds)
    }

    /// "1700000000.123456789", as tshark prints `frame.time_epoch`.
    public var description: String {
        let fraction = String(self.nanoseconds)
        return "\(self.seconds)." + String(repeating: "0", count: max(0, 9 - fraction.count)) + fraction
    }

    public static func < (lhs: PcapTimestamp, rhs: PcapTimestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }
}

/// One record of a capture, borrowed from the reader: ``bytes`` points into libpcap's buffer and
/// is valid only until the next call on the reader that produced it (for ``PcapReader/forEachPacket(_:)``,
/// only during the callback). Call ``copyBytes()`` or use ``PcapRecord`` to keep it.
public struct PcapPacket {
    /// 1-based frame number within its file, as Wireshark numbers frames.
    public var frameNumber: Int
    /// When the packet was captured.
    public var timestamp: PcapTimestamp
    /// The LINKTYPE of the packet's interface (tcpdump.org link-layer header types: 1 Ethernet,
    /// 113 Linux SLL, ...).
    public var linkType: Int
    /// The captured bytes (`caplen` of them).
    public var bytes: UnsafeRawBufferPointer
    /// The length of the packet on the wire (`len`); larger than ``capturedLength`` when the
    /// capture's snaplen cut the packet.
    public var originalLength: Int

    /// Creates a packet view (readers make these; tests may too).
    public init(
        frameNumber: Int,
        timestamp: PcapTimestamp,
        linkType: Int,
        bytes: UnsafeRawBufferPointer,
        originalLength: Int
    ) {
        self.frameNumber = frameNumber
        self.timestamp = timestamp
        self.linkType = linkType
        self.bytes = bytes
        self.originalLength = originalLength
    }

    /// The number of bytes captured (`caplen`).
    public var capturedLength: Int { self.bytes.count }

    /// True when the snaplen cut this packet (`caplen < len`): a SIP message in it may be incomplete.
    public var isCutBySnaplen: Bool { self.bytes.count < self.originalLength }

    /// Whole seconds of ``timestamp``.
    public var seconds: Int64 { self.timestamp.seconds }
    /// Nanoseconds within the second of ``timestamp``.
    public var nanoseconds: Int64 { Int64(self.timestamp.nanoseconds) }
    /// ``timestamp`` as one nanosecond count.
    public var nanosecondsSinceEpoch: Int64 { self.timestamp.nanosecondsSinceEpoch }

    /// An owned copy of the bytes.
    public func copyBytes() -> [UInt8] { Array(self.bytes) }

    /// An owned copy of the whole record.
    public func makeRecord() -> PcapRecord {
        PcapRecord(
            frameNumber: self.frameNumber,
            timestamp: self.timestamp,
            linkType: self.linkType,
            bytes: Array(self.bytes),
            originalLength: self.originalLength
        )
    }
}

/// One record of a capture with its own copy of the bytes: slower than ``PcapPacket`` but free
/// to keep, send across tasks and compare.
public struct PcapRecord: Hashable, Sendable {
    /// 1-based frame number within its file.
    public var frameNumber: Int
    /// When the packet was captured.
    public var timestamp: PcapTimestamp
    /// The LINKTYPE of the packet's interface.
    public var linkType: Int
    /// The captured bytes.
    public var bytes: [UInt8]
    /// The length on the wire; larger than `bytes.count` when the snaplen cut the packet.
    public var originalLength: Int

    /// Creates a record; `originalLength` defaults to the number of bytes.
    public init(frameNumber: Int, timestamp: PcapTimestamp, linkType: Int, bytes: [UInt8], originalLength: Int? = nil) {
        self.frameNumber = frameNumber
        self.timestamp = timestamp
        self.linkType = linkType
        self.bytes = bytes
        self.originalLength = originalLength ?? bytes.count
    }
}

/// A few LINKTYPE values (https://www.tcpdump.org/linktypes.html) as named integers, for writers
/// and tests. PacketDecoding's `LinkType` is the full type for decoding.
public enum PcapLinkType {
    /// BSD loopback: a 4-byte address family in the writer's byte order, then the IP packet.
    public static let null = 0
    /// Ethernet II / 802.3.
    public static let ethernet = 1
    /// Raw IP (IPv4 or IPv6, told apart by the version nibble).
    public static let raw = 101
    /// Linux "cooked" capture v1 (`tcpdump -i any` on older systems): a 16-byte header.
    public static let linuxSLL = 113
    /// Raw IPv4 only.
    public static let ipv4 = 228
    /// Raw IPv6 only.
    public static let ipv6 = 229
    /// Linux "cooked" capture v2: a 20-byte header.
    public static let linuxSLL2 = 276
}

/// The container format of a capture file.
public enum PcapFileFormat: Hashable, Sendable {
    /// Classic libpcap format (`.pcap`), with 16-byte record headers.
    case pcap
    /// Alexey Kuznetzov's modified pcap format (magic 0xa1b2cd34), with 24-byte record headers.
    case modifiedPcap
    /// pcapng (`.pcapng`), blocks of varying length.
    case pcapng
}
