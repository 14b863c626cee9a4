/// The fixed RTP header (RFC 3550 §5.1) and where the payload is, parsed without copying.
public struct RTPHeader: Hashable, Sendable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// Offset of the payload in the packet (after CSRCs and the extension).
    public var payloadOffset: Int
    /// Payload length (padding removed).
    public var payloadLength: Int

    /// Parses an RTP packet. Returns nil when it is not version 2 or its lengths do not add up
    /// (CSRC count, extension length or padding beyond the packet): such bytes are not RTP.
    public static func parse(_ packet: UnsafeRawBufferPointer) -> RTPHeader? {
        let count = packet.count
        guard count >= 12 else { return nil }
        let first = packet[0]
        guard first >> 6 == 2 else { return nil }
        let hasPadding = first & 0x20 != 0
        let hasExtension = first & 0x10 != 0
        let csrcCount = Int(first & 0x0F)
        var offset = 12 + 4 * csrcCount
        guard offset <= count else { return nil }
        if hasExtension {
            // RFC 3550 §5.3.1: 16-bit profile-defined id, 16-bit length in 32-bit words (RFC 8285 uses the same frame).
            guard offset + 4 <= count else { return nil }
            let words = Int(packet[offset + 2]) << 8 | Int(packet[offset + 3])
            offset += 4 + 4 * words
            guard offset <= count else { return nil }
        }
        var end = count
        if hasPadding {
            // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
            let padding = Int(packet[count - 1])
            guard padding >= 1, offset + padding <= count else { return nil }
            end -= padding
        }
        let second = packet[1]
        return RTPHeader(
            marker: second & 0x80 != 0,
            payloadType: second & 0x7F,
            sequenceNumber: UInt16(packet[2]) << 8 | UInt16(packet[3]),
            timestamp: UInt32(packet[4]) << 24 | UInt32(packet[5]) << 16 | UInt32(packet[6]) << 8 | UInt32(packet[7]),
            ssrc: UInt32(packet[8]) << 24 | UInt32(packet[9]) << 16 | UInt32(packet[10]) << 8 | UInt32(packet[11]),
            payloadOffset: offset,
            payloadLength: end - offset
        )
    }

    /// Parses from an array (tests, live calls).
    public static func parse(_ bytes: [UInt8]) -> RTPHeader? { bytes.withUnsafeBytes { Self.parse($0) } }

    /// RFC 5761 §4: with rtcp-mux, packets whose second byte (marker + PT) is 192-223 are RTCP
    /// (RTCP packet types 200-204 and 205-207 land there); RTP must avoid PTs 64-95.
    public static func isRTCP(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard packet.count >= 8, packet[0] >> 6 == 2 else { return false }
        return (200...207).contains(packet[1])
    }

    /// A heuristic for RTP that no SDP announced (like tshark's `rtp_udp` heuristic): version 2,
    /// a payload type outside the RTCP range, and a plausible length.
    public static func looksLikeRTP(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard let header = RTPHeader.parse(packet) else { return false }
        let pt = header.payloadType
        return !(72...76).contains(pt) && header.payloadLength > 0 && packet.count <= 1500 && !Self.isRTCP(packet)
    }
}

/// A payload type's clock rate and name, as tshark 4.0 resolves them (static table, then the SDP's
/// rtpmap, then well-known names).
public struct RTPPayloadInfo: Hashable, Sendable {
    public var name: String
    public var clockRate: Int
    /// RFC 4733 events: tshark forces the clock to 0 for them (no jitter computed).
    public var isTelephoneEvent: Bool
    /// Comfort noise (PT 13 and 19, or a dynamic CN).
    public var isComfortNoise: Bool

    public init(name: String, clockRate: Int, isTelephoneEvent: Bool = false, isComfortNoise: Bool = false) {
        self.name = name
        self.clockRate = clockRate
        self.isTelephoneEvent = isTelephoneEvent
        self.isComfortNoise = isComfortNoise
    }

    /// The names tshark prints in `-z rtp,streams` for static payload types.
    public static func staticType(_ payloadType: UInt8) -> RTPPayloadInfo? {
        switch payloadType {
        case 0: return RTPPayloadInfo(name: "g711U", clockRate: 8000)
        case 1: return RTPPayloadInfo(name: "fs-1016", clockRate: 8000)
        case 2: return RTPPayloadInfo(name: "g721", clockRate: 8000)
        case 3: return RTPPayloadInfo(name: "GSM", clockRate: 8000)
        case 4: return RTPPayloadInfo(name: "g723", clockRate: 8000)
        case 5: return RTPPayloadInfo(name: "DVI4 8k", clockRate: 8000)
        case 6: return RTPPayloadInfo(name: "DVI4 16k", clockRate: 16000)
        case 7: return RTPPayloadInfo(name: "Exp. from Xerox PARC", clockRate: 8000)
        case 8: return RTPPayloadInfo(name: "g711A", clockRate: 8000)
        case 9: return RTPPayloadInfo(name: "g722", clockRate: 8000)
        case 10: return RTPPayloadInfo(name: "16-bit audio, stereo", clockRate: 44100)
        case 11: return RTPPayloadInfo(name: "16-bit audio, monaural", clockRate: 44100)
        case 12: return RTPPayloadInfo(name: "Qualcomm", clockRate: 8000)
        case 13: return RTPPayloadInfo(name: "CN", clockRate: 8000, isComfortNoise: true)
        case 14: return RTPPayloadInfo(name: "MPEG-I/II Audio", clockRate: 90000)
        case 15: return RTPPayloadInfo(name: "g728", clockRate: 8000)
        case 16: return RTPPayloadInfo(name: "DVI4 11k", clockRate: 11025)
        case 17: return RTPPayloadInfo(name: "DVI4 22k", clockRate: 22050)
        case 18: return RTPPayloadInfo(name: "g729", clockRate: 8000)
        case 19: return RTPPayloadInfo(name: "CN(old)", clockRate: 8000, isComfortNoise: true)
        case 25: return RTPPayloadInfo(name: "Sun CellB video encoding", clockRate: 90000)
        case 26: return RTPPayloadInfo(name: "JPEG-compressed video", clockRate: 90000)
        case 28: return RTPPayloadInfo(name: "'nv' program", clockRate: 90000)
        case 31: return RTPPayloadInfo(name: "h261", clockRate: 90000)
        case 32: return RTPPayloadInfo(name: "MPEG-I/II Video", clockRate: 90000)
        case 33: return RTPPayloadInfo(name: "MPEG-II transport streams", clockRate: 90000)
        case 34: return RTPPayloadInfo(name: "h263", clockRate: 90000)
        default: return nil
        }
    }

    /// A dynamic payload type described by an SDP rtpmap (encoding name and clock rate).
    public static func dynamic(encodingName: String, clockRate: Int?) -> RTPPayloadInfo {
        let lowered = encodingName.lowercased()
        if lowered == "telephone-event" {
            return RTPPayloadInfo(name: "telephone-event", clockRate: 0, isTelephoneEvent: true)
        }
        let known: [String: Int] = ["opus": 48000, "amr": 8000, "amr-wb": 16000, "evs": 16000, "g7221": 16000, "h264": 90000, "vp8": 90000]
        return RTPPayloadInfo(name: encodingName, clockRate: clockRate ?? known[lowered] ?? 0, isComfortNoise: lowered == "cn")
    }
}
