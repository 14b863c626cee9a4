/// RTCP packets (RFC 3550 §6.4-6.6): what each endpoint says it sent and received.
public enum RTCPPacket: Sendable, Hashable {
    /// A report block: one receiver's view of one source (RFC 3550 §6.4.1).
    public struct ReportBlock: Sendable, Hashable {
        public var ssrc: UInt32
        /// Fraction lost since the last report, 0-1.
        public var fractionLost: Double
        /// Cumulative packets lost (24-bit signed).
        public var cumulativeLost: Int
        public var highestSequence: UInt32
        /// Interarrival jitter in timestamp units.
        public var jitter: UInt32
        /// Middle 32 bits of the NTP timestamp of the last SR received, and the delay since it,
        /// both in 1/65536 s.
        public var lastSR: UInt32
        public var delaySinceLastSR: UInt32

        /// Round-trip time in ms, given the arrival time of this report as a 32-bit compact NTP
        /// value (RFC 3550 §6.4.1: A - LSR - DLSR). Nil when the sender has not received an SR.
        public func roundTripMs(arrivalCompactNTP: UInt32) -> Double? {
            guard self.lastSR != 0 else { return nil }
            let units = arrivalCompactNTP &- self.lastSR &- self.delaySinceLastSR
            guard units < 0x8000_0000 else { return nil }
            return Double(units) * 1000 / 65536
        }
    }

    case senderReport(ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32, reports: [ReportBlock])
    case receiverReport(ssrc: UInt32, reports: [ReportBlock])
    case sourceDescription(cnames: [UInt32: String])
    case goodbye(ssrcs: [UInt32], reason: String?)
    case other(packetType: UInt8)

    /// Parses a compound RTCP datagram into its packets; stops at the first malformed one.
    public static func parseCompound(_ bytes: UnsafeRawBufferPointer) -> [RTCPPacket] {
        var packets: [RTCPPacket] = []
        var offset = 0
        while offset + 4 <= bytes.count && packets.count < 32 {
            guard bytes[offset] >> 6 == 2 else { break }
            let count = Int(bytes[offset] & 0x1F)
            let type = bytes[offset + 1]
            let length = (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]) + 1) * 4
            guard offset + length <= bytes.count else { break }
            let body = UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + length)])
            packets.append(Self.parse(type: type, count: count, body: body))
            offset += length
        }
        return packets
    }

    static func word(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    static func reportBlocks(_ body: UnsafeRawBufferPointer, from start: Int, count: Int) -> [ReportBlock] {
        var blocks: [ReportBlock] = []
        var offset = start
        for _ in 0..<count where offset + 24 <= body.count {
            var lost = Int(body[offset + 5]) << 16 | Int(body[offset + 6]) << 8 | Int(body[offset + 7])
            if lost & 0x80_0000 != 0 { lost -= 0x100_0000 }
            blocks.append(ReportBlock(
                ssrc: Self.word(body, offset),
                fractionLost: Double(body[offset + 4]) / 256,
                cumulativeLost: lost,
                highestSequence: Self.word(body, offset + 8),
                jitter: Self.word(body, offset + 12),
                lastSR: Self.word(body, offset + 16),
                delaySinceLastSR: Self.word(body, offset + 20)
            ))
            offset += 24
        }
        return blocks
    }

    static func parse(type: UInt8, count: Int, body: UnsafeRawBufferPointer) -> RTCPPacket {
        switch type {
        case 200 where body.count >= 24:
            return .senderReport(
                ssrc: Self.word(body, 0),
                ntpTimestamp: UInt64(Self.word(body, 4)) << 32 | UInt64(Self.word(body, 8)),
                rtpTimestamp: Self.word(body, 12),
                packetCount: Self.word(body, 16),
                octetCount: Self.word(body, 20),
                reports: Self.reportBlocks(body, from: 24, count: count)
            )
        case 201 where body.count >= 4:
            return .receiverReport(ssrc: Self.word(body, 0), reports: Self.reportBlocks(body, from: 4, count: count))
        case 202:
            var cnames: [UInt32: String] = [:]
            var offset = 0
            for _ in 0..<count {
                guard offset + 4 <= body.count else { break }
                let ssrc = Self.word(body, offset)
                offset += 4
                while offset + 2 <= body.count && body[offset] != 0 {
                    let item = body[offset]
                    let length = Int(body[offset + 1])
                    guard offset + 2 + length <= body.count else { break }
                    if item == 1 {
                        cnames[ssrc] = String(decoding: UnsafeRawBufferPointer(rebasing: body[(offset + 2)..<(offset + 2 + length)]), as: UTF8.self)
                    }
                    offset += 2 + length
                }
                offset = (offset + 4) & ~3
            }
            return .sourceDescription(cnames: cnames)
        case 203:
            var ssrcs: [UInt32] = []
            for index in 0..<count where (index + 1) * 4 <= body.count { ssrcs.append(Self.word(body, index * 4)) }
            var reason: String?
            let at = count * 4
            if at < body.count {
                let length = Int(body[at])
                if at + 1 + length <= body.count {
                    reason = String(decoding: UnsafeRawBufferPointer(rebasing: body[(at + 1)..<(at + 1 + length)]), as: UTF8.self)
                }
            }
            return .goodbye(ssrcs: ssrcs, reason: reason)
        default:
            return .other(packetType: type)
        }
    }
}
