/// The fixed RTP header (RFC 3550 §5.1) and where the payload is, parsed without copying the payload.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// |                           timestamp                           |
/// |           synchronization source (SSRC) identifier            |
/// |            contributing source (CSRC) identifiers             |  (CC times)
/// |  defined by profile           |           length              |  (if X, RFC 3550 §5.3.1)
/// ```
public struct RTPHeader: Hashable, Sendable {
    /// The only version RFC 3550 defines; anything else is not RTP.
    public static let version: UInt8 = 2
    /// The fixed part of the header, in bytes.
    public static let fixedLength = 12

    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// Contributing sources (at most 15, RFC 3550 §5.1 "CC").
    public var csrcs: [UInt32]
    /// The header extension's 16-bit "defined by profile" value (0xBEDE for RFC 8285 one-byte
    /// elements, 0x100x for two-byte elements), nil when the X bit is clear.
    public var extensionProfile: UInt16?
    /// Where the extension data (after its 4-byte header) sits in the packet.
    public var extensionRange: Range<Int>?
    /// Padding octets at the end of the packet (0 when the P bit is clear), RFC 3550 §5.1.
    public var paddingLength: Int
    /// Offset of the payload in the packet (after CSRCs and the extension).
    public var payloadOffset: Int
    /// Payload length (padding removed).
    public var payloadLength: Int

    /// The payload's byte range in the packet.
    public var payloadRange: Range<Int> { self.payloadOffset..<(self.payloadOffset + self.payloadLength) }

    /// A header for building packets (``serialized(payload:padding:)``).
    public init(
        marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
        csrcs: [UInt32] = []
    ) {
        self.marker = marker
        self.payloadType = payloadType & 0x7F
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = Array(csrcs.prefix(15))
        self.extensionProfile = nil
        self.extensionRange = nil
        self.paddingLength = 0
        self.payloadOffset = RTPHeader.fixedLength + 4 * self.csrcs.count
        self.payloadLength = 0
    }

    /// Parses an RTP packet. Returns nil when it is not version 2 or its lengths do not add up
    /// (CSRC count, extension length or padding beyond the packet): such bytes are not RTP.
    public static func parse(_ packet: UnsafeRawBufferPointer) -> RTPHeader? {
        guard let fixed = RTPFixedHeader.parse(packet) else { return nil }
        let first = packet[0]
        let csrcCount = Int(first & 0x0F)
        var csrcs: [UInt32] = []
        if csrcCount > 0 {
            csrcs.reserveCapacity(csrcCount)
            for index in 0..<csrcCount { csrcs.append(Self.word(packet, Self.fixedLength + 4 * index)) }
        }
        var extensionProfile: UInt16?
        var extensionRange: Range<Int>?
        if first & 0x10 != 0 {
            // RFC 3550 §5.3.1: 16-bit profile-defined value, 16-bit length in 32-bit words not counting
            // this 4-byte header (the fixed parse checked that it fits).
            let offset = Self.fixedLength + 4 * csrcCount
            extensionProfile = UInt16(packet[offset]) << 8 | UInt16(packet[offset + 1])
            extensionRange = (offset + 4)..<fixed.payloadOffset
        }
        return RTPHeader(
            marker: fixed.marker, payloadType: fixed.payloadType, sequenceNumber: fixed.sequenceNumber,
            timestamp: fixed.timestamp, ssrc: fixed.ssrc, csrcs: csrcs, extensionProfile: extensionProfile,
            extensionRange: extensionRange, paddingLength: packet.count - fixed.payloadOffset - fixed.payloadLength,
            payloadOffset: fixed.payloadOffset, payloadLength: fixed.payloadLength)
    }

    /// Every field as parsed (no clamping or recomputation: the parser checked them). Called once
    /// per captured RTP packet, so it stays free of the public initialiser's array work.
    private init(
        marker: Bool, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32, csrcs: [UInt32],
        extensionProfile: UInt16?, extensionRange: Range<Int>?, paddingLength: Int, payloadOffset: Int, payloadLength: Int
    ) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.extensionProfile = extensionProfile
        self.extensionRange = extensionRange
        self.paddingLength = paddingLength
        self.payloadOffset = payloadOffset
        self.payloadLength = payloadLength
    }

    /// Parses from an array (tests, live calls).
    public static func parse(_ bytes: [UInt8]) -> RTPHeader? { bytes.withUnsafeBytes { Self.parse($0) } }

    /// The packet bytes for this header followed by `payload` and `padding` padding octets
    /// (RFC 3550 §5.1: the last padding octet holds the count). The extension is not written;
    /// `padding` is clamped to 0...255.
    public func serialized(payload: [UInt8], padding: Int = 0) -> [UInt8] {
        let padding = max(0, min(255, padding))
        let csrcs = self.csrcs.prefix(15)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.fixedLength + 4 * csrcs.count + payload.count + padding)
        bytes.append(Self.version << 6 | (padding > 0 ? 0x20 : 0) | UInt8(csrcs.count))
        bytes.append((self.marker ? 0x80 : 0) | (self.payloadType & 0x7F))
        bytes.append(UInt8(self.sequenceNumber >> 8))
        bytes.append(UInt8(self.sequenceNumber & 0xFF))
        Self.append(self.timestamp, to: &bytes)
        Self.append(self.ssrc, to: &bytes)
        for csrc in csrcs { Self.append(csrc, to: &bytes) }
        bytes += payload
        if padding > 0 {
            bytes += [UInt8](repeating: 0, count: padding - 1)
            bytes.append(UInt8(padding))
        }
        return bytes
    }

    static func word(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes.append(UInt8(value >> 24))
        bytes.append(UInt8((value >> 16) & 0xFF))
        bytes.append(UInt8((value >> 8) & 0xFF))
        bytes.append(UInt8(value & 0xFF))
    }

    // MARK: - Heuristics and demultiplexing

    /// Largest datagram the heuristic accepts as RTP: an Ethernet MTU. Jumbo RTP exists but is rare
    /// and a heuristic should rather miss it than call bulk data RTP.
    public static let heuristicMaximumLength = 1500

    /// RFC 5761 §4: on a multiplexed port, a packet whose second octet (marker bit + PT, read as one
    /// byte) is 192-223 is RTCP: RTCP packet types 200-204 (SR, RR, SDES, BYE, APP), 205/206 (RFC 4585
    /// feedback), 207 (XR, RFC 3611) and the historical 192-199 land there, which is why RTP payload
    /// types 64-95 must not be used with rtcp-mux. Also checks the version and that the first RTCP
    /// packet's length fits the datagram.
    public static func isRTCP(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard packet.count >= 8, packet[0] >> 6 == Self.version, (192...223).contains(packet[1]) else { return false }
        let length = (Int(packet[2]) << 8 | Int(packet[3]) + 1) * 4
        return length <= packet.count
    }

    /// ``isRTCP(_:)`` on an array.
    public static func isRTCP(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { Self.isRTCP($0) } }

    /// A heuristic for RTP that no SDP announced (in the spirit of tshark's `rtp_udp` heuristic):
    /// it parses as version 2 RTP with consistent lengths, its payload type is not 72-76 (RTCP SR-APP
    /// with the marker bit seen as RTP), it is not RTCP, it carries a payload and it fits one MTU.
    public static func looksLikeRTP(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard packet.count <= Self.heuristicMaximumLength, !Self.isRTCP(packet), let header = RTPHeader.parse(packet)
        else { return false }
        return !(72...76).contains(header.payloadType) && header.payloadLength > 0
    }

    /// ``looksLikeRTP(_:)`` on an array.
    public static func looksLikeRTP(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { Self.looksLikeRTP($0) } }
}

/// What a datagram on a media port is, by its first bytes: RFC 7983 §7 (the RFC 5764 §5.1.2 scheme
/// updated) for STUN, ZRTP, DTLS, TURN channels and RTP/RTCP, then RFC 5761 §4 for RTP versus RTCP.
public enum MediaPacketKind: Sendable, Hashable {
    case rtp
    case rtcp
    case stun
    case zrtp
    case dtls
    case turnChannel
    case unknown

    /// Classifies a datagram. RTP and RTCP are only reported when they parse consistently.
    public static func classify(_ packet: UnsafeRawBufferPointer) -> MediaPacketKind {
        guard let first = packet.first else { return .unknown }
        switch first {
        case 0...3: return .stun
        case 16...19: return .zrtp
        case 20...63: return .dtls
        case 64...79: return .turnChannel
        case 128...191:
            if RTPHeader.isRTCP(packet) { return .rtcp }
            return RTPHeader.parse(packet) != nil ? .rtp : .unknown
        default: return .unknown
        }
    }

    /// ``classify(_:)`` on an array.
    public static func classify(_ bytes: [UInt8]) -> MediaPacketKind { bytes.withUnsafeBytes { Self.classify($0) } }
}

/// One RFC 8285 header extension element: its local identifier and where its data sits in the packet.
public struct RTPHeaderExtensionElement: Sendable, Hashable {
    public var id: UInt8
    public var range: Range<Int>

    /// The elements of a header's extension block (RFC 8285 §4.2 one-byte form for profile 0xBEDE,
    /// §4.3 two-byte form for 0x1000-0x100F); empty for other profiles. Stops at the first element
    /// that runs past the block and at id 15 in the one-byte form (reserved: "stop processing").
    public static func elements(of header: RTPHeader, in packet: UnsafeRawBufferPointer) -> [RTPHeaderExtensionElement]
    {
        guard let profile = header.extensionProfile, let block = header.extensionRange, block.upperBound <= packet.count
        else { return [] }
        let oneByte = profile == 0xBEDE
        guard oneByte || profile & 0xFFF0 == 0x1000 else { return [] }
        var elements: [RTPHeaderExtensionElement] = []
        var offset = block.lowerBound
        while offset < block.upperBound {
            let byte = packet[offset]
            if byte == 0 {  // padding between elements
                offset += 1
                continue
            }
            let id: UInt8
            let length: Int
            if oneByte {
                id = byte >> 4
                if id == 15 { break }
                length = Int(byte & 0x0F) + 1
                offset += 1
            } else {
                guard offset + 1 < block.upperBound else { break }
                id = byte
                length = Int(packet[offset + 1])
                offset += 2
            }
            guard offset + length <= block.upperBound else { break }
            elements.append(RTPHeaderExtensionElement(id: id, range: offset..<(offset + length)))
            offset += length
        }
        return elements
    }
}

/// What per-packet statistics read of an RTP header, parsed with ``RTPHeader/parse(_:)-(UnsafeRawBufferPointer)``'s
/// checks but without the CSRC list and extension: no array to allocate or release per packet.
public struct RTPFixedHeader: Sendable, Hashable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// Where the payload starts (after CSRCs and the extension).
    public var payloadOffset: Int
    /// Payload bytes, padding excluded.
    public var payloadLength: Int

    /// Parses an RTP packet's fixed header and checks its lengths; nil when it is not version 2
    /// or its CSRC count, extension length or padding do not fit the packet (RFC 3550 §5.1, §5.3.1).
    public static func parse(_ packet: UnsafeRawBufferPointer) -> RTPFixedHeader? {
        let count = packet.count
        guard count >= RTPHeader.fixedLength else { return nil }
        let first = packet[0]
        guard first >> 6 == RTPHeader.version else { return nil }
        var offset = RTPHeader.fixedLength + 4 * Int(first & 0x0F)
        guard offset <= count else { return nil }
        if first & 0x10 != 0 {
            guard offset + 4 <= count else { return nil }
            let words = Int(packet[offset + 2]) << 8 | Int(packet[offset + 3])
            offset += 4 + 4 * words
            guard offset <= count else { return nil }
        }
        var end = count
        if first & 0x20 != 0 {
            // The last octet counts the padding octets, itself included; it cannot be 0 and cannot
            // reach into the header.
            let padding = Int(packet[count - 1])
            guard padding >= 1, offset + padding <= count else { return nil }
            end -= padding
        }
        let second = packet[1]
        return RTPFixedHeader(
            marker: second & 0x80 != 0, payloadType: second & 0x7F,
            sequenceNumber: UInt16(packet[2]) << 8 | UInt16(packet[3]),
            timestamp: UInt32(packet[4]) << 24 | UInt32(packet[5]) << 16 | UInt32(packet[6]) << 8 | UInt32(packet[7]),
            ssrc: UInt32(packet[8]) << 24 | UInt32(packet[9]) << 16 | UInt32(packet[10]) << 8 | UInt32(packet[11]),
            payloadOffset: offset, payloadLength: end - offset)
    }
}
