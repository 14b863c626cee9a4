/// One thing a captured frame produced.
///
/// Events that carry bytes (``UDPDatagram/payload``, ``TCPChunk/bytes``) *borrow* them: the
/// pointer is valid only while the handler that received the event runs. It points into the
/// caller's frame when it can (no copy on the fast path) or into the decoder's reassembly
/// buffers. Copy with `payloadBytes` / `copyBytes()` to keep them.
public enum DecodedEvent {
    /// A UDP datagram (possibly reassembled from IP fragments, possibly from inside a tunnel).
    case udp(UDPDatagram)
    /// Contiguous, in-order bytes of one direction of a TCP connection.
    case tcpData(TCPChunk)
    /// Bytes of a TCP direction that never arrived and were skipped.
    case tcpGap(TCPGap)
    /// One direction of a TCP connection ended (FIN, RST, eviction, timeout, end of capture).
    case tcpClosed(TCPClosed)
    /// An ICMP or ICMPv6 error (destination unreachable, time exceeded, ...) quoting a packet.
    case icmpError(ICMPError)
    /// The frame, or a layer inside it, was not decoded. Never fatal.
    case undecodable(Undecodable)
}

/// The 802.1Q / 802.1ad VLAN IDs of a frame, outermost first, without heap storage.
///
/// Up to ``capacity`` IDs are kept; deeper tags are still skipped but not recorded.
public struct VLANTags: Hashable, Sendable, CustomStringConvertible {
    /// How many IDs are recorded.
    public static let capacity = 4
    private var packed: UInt64 = 0
    /// Number of recorded IDs.
    public private(set) var count: Int = 0

    /// No tags.
    public init() {}

    /// Tags from a list (outermost first); extra IDs beyond ``capacity`` are ignored.
    public init(_ ids: [UInt16]) {
        for id in ids { self.append(id) }
    }

    /// Records one more (inner) VLAN ID; the top 4 bits are masked off.
    public mutating func append(_ id: UInt16) {
        guard self.count < Self.capacity else { return }
        self.packed |= UInt64(id & 0x0FFF) << (16 * UInt64(self.count))
        self.count += 1
    }

    /// The IDs, outermost first.
    public var ids: [UInt16] {
        (0..<self.count).map { UInt16(truncatingIfNeeded: self.packed >> (16 * UInt64($0))) }
    }

    /// The outermost VLAN ID, if tagged.
    public var outer: UInt16? { self.count > 0 ? UInt16(truncatingIfNeeded: self.packed) : nil }

    /// Whether the frame had no VLAN tag.
    public var isEmpty: Bool { self.count == 0 }

    /// "[100, 200]".
    public var description: String { self.ids.description }
}

/// The kinds of encapsulation a packet was found inside.
public struct Encapsulations: OptionSet, Hashable, Sendable {
    /// The bit set.
    public var rawValue: UInt16
    /// Wraps a bit set.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// IP in IP (IP protocol 4 or 41).
    public static let ipInIP = Encapsulations(rawValue: 1 << 0)
    /// GRE (IP protocol 47), RFC 2784 / RFC 2890.
    public static let gre = Encapsulations(rawValue: 1 << 1)
    /// ERSPAN (type I, II or III) inside GRE.
    public static let erspan = Encapsulations(rawValue: 1 << 2)
    /// Ethernet bridged over GRE (protocol type 0x6558).
    public static let transparentEthernet = Encapsulations(rawValue: 1 << 3)
    /// PPPoE session (EtherType 0x8864).
    public static let pppoe = Encapsulations(rawValue: 1 << 4)
    /// An MPLS label stack (EtherType 0x8847).
    public static let mpls = Encapsulations(rawValue: 1 << 5)
}

/// Where a packet came from when it travelled inside a tunnel.
///
/// Only the outermost IP addresses are kept: they say which tunnel endpoints (or which SPAN
/// session) carried the packet, which is what a diagnosis wants to show next to the inner
/// 5-tuple.
public struct TunnelInfo: Hashable, Sendable {
    /// IP-level tunnels crossed (0 when the packet was not tunnelled at IP level).
    public var depth: Int = 0
    /// Source address of the outermost IP header (meaningful when ``depth`` > 0).
    public var outerSource = NetworkAddress(ipv4: 0)
    /// Destination address of the outermost IP header (meaningful when ``depth`` > 0).
    public var outerDestination = NetworkAddress(ipv4: 0)
    /// Every encapsulation seen on the way in, including link-level ones (PPPoE, MPLS).
    public var encapsulations: Encapsulations = []

    /// No tunnel.
    public init() {}

    /// Whether the packet was inside an IP-level tunnel (IP-in-IP, GRE, ERSPAN).
    public var isTunnelled: Bool { self.depth > 0 }
}

/// A UDP datagram. ``payload`` is borrowed: valid only inside the event handler.
public struct UDPDatagram {
    /// Sender address and port (of the innermost IP header).
    public var source: Endpoint
    /// Receiver address and port (of the innermost IP header).
    public var destination: Endpoint
    /// The payload bytes that were captured. Borrowed; see ``payloadBytes``.
    public var payload: UnsafeRawBufferPointer
    /// The payload length the UDP header declares; larger than `payload.count` when the
    /// capture cut the packet short (snap length).
    public var declaredPayloadLength: Int
    /// Capture time of the frame that completed the datagram.
    public var timestamp: CaptureTime
    /// Number of the frame that completed the datagram (the last fragment, if fragmented).
    public var frameNumber: Int
    /// VLAN IDs of the (innermost) Ethernet frame.
    public var vlan: VLANTags
    /// Tunnel information (outer addresses) when the datagram was encapsulated.
    public var tunnel: TunnelInfo
    /// Whether the datagram was reassembled from IP fragments.
    public var wasFragmented: Bool

    /// Whether the capture holds fewer payload bytes than the UDP header declares.
    public var isTruncated: Bool { self.payload.count < self.declaredPayloadLength }

    /// A copy of the payload that outlives the handler.
    public var payloadBytes: [UInt8] { Array(self.payload) }
}

/// An ICMP (RFC 792) or ICMPv6 (RFC 4443) error message and the packet it quotes.
///
/// Both RFCs make error messages carry the start of the offending packet (RFC 792: "Internet
/// Header + 64 bits of Original Data Datagram"), enough for the original 5-tuple: so the
/// diagnosis can say "RTP to 10.0.0.5:40000 got ICMP port unreachable from 203.0.113.1".
public struct ICMPError: Sendable, Hashable, CustomStringConvertible {
    /// Who sent the ICMP message (the router or host reporting the error).
    public var reporter: NetworkAddress
    /// Whom the ICMP message was sent to (normally the original sender).
    public var recipient: NetworkAddress
    /// Whether this is ICMPv6.
    public var isICMPv6: Bool
    /// ICMP type (v4: 3 unreachable, 11 time exceeded, 12 parameter problem; v6: 1 unreachable,
    /// 2 packet too big, 3 time exceeded, 4 parameter problem).
    public var type: UInt8
    /// ICMP code (v4 type 3 code 3 / v6 type 1 code 4: port unreachable).
    public var code: UInt8
    /// IP protocol of the quoted packet (17 UDP, 6 TCP).
    public var originalProtocol: UInt8
    /// Source of the quoted packet (port 0 when the quote does not reach the transport header).
    public var originalSource: Endpoint
    /// Destination of the quoted packet.
    public var originalDestination: Endpoint
    /// Capture time.
    public var timestamp: CaptureTime
    /// Frame number.
    public var frameNumber: Int

    /// Destination unreachable (ICMP type 3, ICMPv6 type 1).
    public var isDestinationUnreachable: Bool { self.isICMPv6 ? self.type == 1 : self.type == 3 }

    /// Port unreachable (ICMP 3/3, ICMPv6 1/4): nothing listens on the destination port.
    public var isPortUnreachable: Bool {
        self.isICMPv6 ? (self.type == 1 && self.code == 4) : (self.type == 3 && self.code == 3)
    }

    /// A short English name of the type and code.
    public var kindDescription: String {
        if self.isICMPv6 {
            switch (self.type, self.code) {
            case (1, 0): return "no route to destination"
            case (1, 1): return "communication administratively prohibited"
            case (1, 3): return "address unreachable"
            case (1, 4): return "port unreachable"
            case (1, _): return "destination unreachable (code \(self.code))"
            case (2, _): return "packet too big"
            case (3, _): return "time exceeded"
            case (4, _): return "parameter problem"
            default: return "ICMPv6 type \(self.type) code \(self.code)"
            }
        }
        switch (self.type, self.code) {
        case (3, 0): return "network unreachable"
        case (3, 1): return "host unreachable"
        case (3, 2): return "protocol unreachable"
        case (3, 3): return "port unreachable"
        case (3, 4): return "fragmentation needed"
        case (3, 9), (3, 10), (3, 13): return "communication administratively prohibited"
        case (3, _): return "destination unreachable (code \(self.code))"
        case (11, _): return "time exceeded"
        case (12, _): return "parameter problem"
        default: return "ICMP type \(self.type) code \(self.code)"
        }
    }

    /// "ICMP port unreachable from 203.0.113.1 for UDP 10.0.0.1:5004 -> 10.0.0.5:40000".
    public var description: String {
        let transport: String
        switch self.originalProtocol {
        case 17: transport = "UDP"
        case 6: transport = "TCP"
        default: transport = "protocol \(self.originalProtocol)"
        }
        return "\(self.isICMPv6 ? "ICMPv6" : "ICMP") \(self.kindDescription) from \(self.reporter) for "
            + "\(transport) \(self.originalSource) -> \(self.originalDestination)"
    }
}

/// Why a frame (or a layer inside it) was not decoded.
///
/// A struct with a small numeric code rather than an enum, so new reasons can be added
/// without breaking callers that switch over them, and so counting them costs no hashing.
public struct UndecodableReason: Hashable, Sendable, CustomStringConvertible {
    /// Stable numeric code (also the index into ``DecoderStatistics/undecodable``).
    public let rawValue: UInt8
    private init(_ rawValue: UInt8) { self.rawValue = rawValue }

    /// Fewer captured bytes than a header needs.
    public static let truncated = UndecodableReason(0)
    /// A link type ``PacketDecoder`` does not understand.
    public static let unsupportedLinkType = UndecodableReason(1)
    /// An EtherType (or PPP protocol, or BSD address family) other than IPv4/IPv6 (ARP, LLDP, ...).
    public static let unsupportedNetworkProtocol = UndecodableReason(2)
    /// An IP protocol other than UDP, TCP, ICMP or a tunnel (SCTP, ESP, OSPF, ...).
    public static let unsupportedTransport = UndecodableReason(3)
    /// An IPv4 header that contradicts itself (version, IHL, total length).
    public static let malformedIPv4 = UndecodableReason(4)
    /// An IPv6 header or extension-header chain that contradicts itself.
    public static let malformedIPv6 = UndecodableReason(5)
    /// A UDP length field outside the IP payload, or below 8.
    public static let malformedUDP = UndecodableReason(6)
    /// A TCP data offset outside the segment, or below 20.
    public static let malformedTCP = UndecodableReason(7)
    /// GRE with an unknown version, routing present, or an unknown protocol type.
    public static let unsupportedGRE = UndecodableReason(8)
    /// More nested encapsulations than ``DecoderLimits/maximumEncapsulationDepth``.
    public static let encapsulationTooDeep = UndecodableReason(9)
    /// An ICMP message that is not an error carrying a quoted packet (echo, router advert, ...).
    public static let ignoredICMP = UndecodableReason(10)
    /// A fragment the reassembler refused (conflicting, too large, beyond the limits).
    public static let fragmentRejected = UndecodableReason(11)
    /// A TCP segment whose payload the capture cut short: its bytes cannot be delivered.
    public static let truncatedTCPSegment = UndecodableReason(12)

    /// Number of distinct reasons (size of the statistics table).
    static let count = 13

    /// A stable identifier such as "truncated" or "unsupported-network-protocol".
    public var description: String {
        switch self.rawValue {
        case 0: return "truncated"
        case 1: return "unsupported-link-type"
        case 2: return "unsupported-network-protocol"
        case 3: return "unsupported-transport"
        case 4: return "malformed-ipv4"
        case 5: return "malformed-ipv6"
        case 6: return "malformed-udp"
        case 7: return "malformed-tcp"
        case 8: return "unsupported-gre"
        case 9: return "encapsulation-too-deep"
        case 10: return "ignored-icmp"
        case 11: return "fragment-rejected"
        case 12: return "truncated-tcp-segment"
        default: return "reason-\(self.rawValue)"
        }
    }

    /// All reasons, in code order.
    public static let allReasons: [UndecodableReason] = (0..<UInt8(count)).map { UndecodableReason($0) }
}

/// A frame or layer that was not decoded, and why.
public struct Undecodable: Hashable, Sendable, CustomStringConvertible {
    /// Why.
    public var reason: UndecodableReason
    /// A number that explains the reason: the EtherType, PPP protocol, IP protocol, link type,
    /// ICMP type; for ``UndecodableReason/truncated``, the bytes left at the layer that ran out.
    public var detail: Int
    /// Frame number.
    public var frameNumber: Int

    /// Creates a record.
    public init(reason: UndecodableReason, detail: Int, frameNumber: Int) {
        self.reason = reason
        self.detail = detail
        self.frameNumber = frameNumber
    }

    /// "frame 12: unsupported-network-protocol (2054)".
    public var description: String { "frame \(self.frameNumber): \(self.reason) (\(self.detail))" }
}
