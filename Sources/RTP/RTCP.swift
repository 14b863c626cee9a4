/// One RTCP packet of a compound datagram (RFC 3550 §6.4-6.7, RFC 4585 feedback, RFC 3611 XR):
/// what each endpoint says it sent and received.
public enum RTCPPacket: Sendable, Hashable {
    /// A report block: one receiver's view of one source (RFC 3550 §6.4.1).
    public struct ReportBlock: Sendable, Hashable {
        public var ssrc: UInt32
        /// Fraction lost since the last report, 0-1 (the 8-bit fixed-point field / 256).
        public var fractionLost: Double
        /// Cumulative packets lost (24-bit signed: duplicates can make it negative, RFC 3550 §6.4.1).
        public var cumulativeLost: Int
        /// Extended highest sequence number received (cycles in the upper 16 bits).
        public var highestSequence: UInt32
        /// Interarrival jitter in timestamp units.
        public var jitter: UInt32
        /// Middle 32 bits of the NTP timestamp of the last SR received (LSR) and the delay since it
        /// (DLSR), both in 1/65536 s.
        public var lastSR: UInt32
        public var delaySinceLastSR: UInt32

        public init(
            ssrc: UInt32, fractionLost: Double, cumulativeLost: Int, highestSequence: UInt32, jitter: UInt32,
            lastSR: UInt32, delaySinceLastSR: UInt32
        ) {
            self.ssrc = ssrc
            self.fractionLost = fractionLost
            self.cumulativeLost = cumulativeLost
            self.highestSequence = highestSequence
            self.jitter = jitter
            self.lastSR = lastSR
            self.delaySinceLastSR = delaySinceLastSR
        }

        /// Round-trip time in ms, given the arrival time of this report as a 32-bit compact NTP
        /// value: RTT = A − LSR − DLSR in 1/65536 s (RFC 3550 §6.4.1). Nil when the sender has not
        /// received an SR yet (LSR 0) or the result is negative (clocks or capture point disagree).
        public func roundTripMs(arrivalCompactNTP: UInt32) -> Double? {
            guard self.lastSR != 0 else { return nil }
            let units = arrivalCompactNTP &- self.lastSR &- self.delaySinceLastSR
            guard units < 0x8000_0000 else { return nil }
            return Double(units) * 1000 / 65536
        }

        /// ``roundTripMs(arrivalCompactNTP:)`` for an arrival time in ns since the Unix epoch.
        public func roundTripMs(arrivalUnixNanoseconds: Int64) -> Double? {
            self.roundTripMs(arrivalCompactNTP: NTPTime.compact(unixNanoseconds: arrivalUnixNanoseconds))
        }
    }

    /// One SDES chunk: a source and its items (RFC 3550 §6.5).
    public struct SourceDescriptionChunk: Sendable, Hashable {
        public var ssrc: UInt32
        /// Items as (type, text): 1 CNAME, 2 NAME, 3 EMAIL, 4 PHONE, 5 LOC, 6 TOOL, 7 NOTE, 8 PRIV.
        public var items: [Item]

        public struct Item: Sendable, Hashable {
            public var type: UInt8
            public var value: String
            public init(type: UInt8, value: String) {
                self.type = type
                self.value = value
            }
        }

        public init(ssrc: UInt32, items: [Item]) {
            self.ssrc = ssrc
            self.items = items
        }

        /// The CNAME item, if any.
        public var cname: String? { self.items.first { $0.type == 1 }?.value }
    }

    case senderReport(
        ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
        reports: [ReportBlock])
    case receiverReport(ssrc: UInt32, reports: [ReportBlock])
    case sourceDescription([SourceDescriptionChunk])
    case goodbye(ssrcs: [UInt32], reason: String?)
    /// APP (RFC 3550 §6.7): subtype, SSRC, 4-character name, application data.
    case application(subtype: UInt8, ssrc: UInt32, name: String, data: [UInt8])
    /// RTPFB (205) or PSFB (206) feedback (RFC 4585 §6.1); `format` is the FMT field (1 = NACK,
    /// 1 = PLI for PSFB, 4 = FIR, ...). The FCI is not decoded.
    case feedback(packetType: UInt8, format: UInt8, senderSSRC: UInt32, mediaSSRC: UInt32)
    /// XR (RFC 3611): the reporter and its blocks.
    case extendedReport(ssrc: UInt32, blocks: [ExtendedReportBlock])
    /// Any other packet type; skipped by its length.
    case other(packetType: UInt8)

    /// Bounds the packets taken from one datagram: a 1500-byte datagram holds at most 375 minimal
    /// (4-byte) packets; real compounds carry 2-4. Keeps hostile input from costing much.
    public static let maximumPacketsPerCompound = 64

    /// Parses a compound RTCP datagram (RFC 3550 §6.1: several packets back to back, each with its
    /// own length) into its packets; stops at the first one that is not version 2 or whose length
    /// runs past the datagram, keeping those before it.
    public static func parseCompound(_ bytes: UnsafeRawBufferPointer) -> [RTCPPacket] {
        var packets: [RTCPPacket] = []
        var offset = 0
        while offset + 4 <= bytes.count && packets.count < Self.maximumPacketsPerCompound {
            guard bytes[offset] >> 6 == 2 else { break }
            let hasPadding = bytes[offset] & 0x20 != 0
            let count = Int(bytes[offset] & 0x1F)
            let type = bytes[offset + 1]
            let length = (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]) + 1) * 4
            guard offset + length <= bytes.count else { break }
            var end = offset + length
            if hasPadding {
                // RFC 3550 §6.4.1: the last octet counts the padding, itself included.
                let padding = Int(bytes[end - 1])
                guard padding >= 1, offset + 4 + padding <= end else { break }
                end -= padding
            }
            let body = UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<end])
            packets.append(Self.parse(type: type, count: count, body: body))
            offset += length
        }
        return packets
    }

    /// ``parseCompound(_:)`` on an array.
    public static func parseCompound(_ bytes: [UInt8]) -> [RTCPPacket] {
        bytes.withUnsafeBytes { Self.parseCompound($0) }
    }

    /// Every CNAME announced in `packets`, by SSRC.
    public static func cnames(in packets: [RTCPPacket]) -> [UInt32: String] {
        var result: [UInt32: String] = [:]
        for case .sourceDescription(let chunks) in packets {
            for chunk in chunks { if let cname = chunk.cname { result[chunk.ssrc] = cname } }
        }
        return result
    }

    /// The report blocks of an SR or RR, empty for other packets.
    public var reportBlocks: [ReportBlock] {
        switch self {
        case .senderReport(_, _, _, _, _, let reports), .receiverReport(_, let reports): return reports
        default: return []
        }
    }

    static func word(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 { RTPHeader.word(bytes, at) }

    static func reportBlocks(_ body: UnsafeRawBufferPointer, from start: Int, count: Int) -> [ReportBlock] {
        var blocks: [ReportBlock] = []
        var offset = start
        for _ in 0..<count where offset + 24 <= body.count {
            var lost = Int(body[offset + 5]) << 16 | Int(body[offset + 6]) << 8 | Int(body[offset + 7])
            if lost & 0x80_0000 != 0 { lost -= 0x100_0000 }
            blocks.append(
                ReportBlock(
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

    static func text(_ body: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: body[range]), as: UTF8.self)
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
            return .sourceDescription(Self.sourceDescription(body, count: count))
        case 203:
            var ssrcs: [UInt32] = []
            for index in 0..<count where (index + 1) * 4 <= body.count { ssrcs.append(Self.word(body, index * 4)) }
            var reason: String?
            let at = count * 4
            if at < body.count {
                let length = Int(body[at])
                if at + 1 + length <= body.count { reason = Self.text(body, (at + 1)..<(at + 1 + length)) }
            }
            return .goodbye(ssrcs: ssrcs, reason: reason)
        case 204 where body.count >= 8:
            return .application(
                subtype: UInt8(count), ssrc: Self.word(body, 0), name: Self.text(body, 4..<8),
                data: Array(UnsafeRawBufferPointer(rebasing: body[8...])))
        case 205 where body.count >= 8, 206 where body.count >= 8:
            return .feedback(
                packetType: type, format: UInt8(count), senderSSRC: Self.word(body, 0), mediaSSRC: Self.word(body, 4))
        case 207 where body.count >= 4:
            return .extendedReport(ssrc: Self.word(body, 0), blocks: ExtendedReportBlock.parseBlocks(body, from: 4))
        default:
            return .other(packetType: type)
        }
    }

    static func sourceDescription(_ body: UnsafeRawBufferPointer, count: Int) -> [SourceDescriptionChunk] {
        var chunks: [SourceDescriptionChunk] = []
        var offset = 0
        for _ in 0..<count {
            guard offset + 4 <= body.count else { break }
            var chunk = SourceDescriptionChunk(ssrc: Self.word(body, offset), items: [])
            offset += 4
            // Items until a null octet (END); each item is type, length, text (RFC 3550 §6.5).
            while offset < body.count && body[offset] != 0 {
                guard offset + 2 <= body.count else { break }
                let item = body[offset]
                let length = Int(body[offset + 1])
                guard offset + 2 + length <= body.count else {
                    offset = body.count
                    break
                }
                chunk.items.append(.init(type: item, value: Self.text(body, (offset + 2)..<(offset + 2 + length))))
                offset += 2 + length
            }
            chunks.append(chunk)
            // The END octet plus padding to the next 32-bit boundary.
            offset = (offset + 4) & ~3
        }
        return chunks
    }

    // MARK: - Building

    /// The wire bytes of this packet (SR, RR, SDES, BYE and APP; other kinds give an empty array).
    /// Concatenate several for a compound packet (RFC 3550 §6.1: start with an SR or RR).
    public func serialized() -> [UInt8] {
        var body: [UInt8] = []
        let type: UInt8
        let count: Int
        switch self {
        case .senderReport(let ssrc, let ntp, let rtpTimestamp, let packets, let octets, let reports):
            type = 200
            count = min(reports.count, 31)
            RTPHeader.append(ssrc, to: &body)
            RTPHeader.append(UInt32(ntp >> 32), to: &body)
            RTPHeader.append(UInt32(ntp & 0xFFFF_FFFF), to: &body)
            RTPHeader.append(rtpTimestamp, to: &body)
            RTPHeader.append(packets, to: &body)
            RTPHeader.append(octets, to: &body)
            for block in reports.prefix(31) { Self.append(block, to: &body) }
        case .receiverReport(let ssrc, let reports):
            type = 201
            count = min(reports.count, 31)
            RTPHeader.append(ssrc, to: &body)
            for block in reports.prefix(31) { Self.append(block, to: &body) }
        case .sourceDescription(let chunks):
            type = 202
            count = min(chunks.count, 31)
            for chunk in chunks.prefix(31) {
                RTPHeader.append(chunk.ssrc, to: &body)
                for item in chunk.items {
                    let text = Array(item.value.utf8.prefix(255))
                    body.append(item.type)
                    body.append(UInt8(text.count))
                    body += text
                }
                body.append(0)
                while body.count % 4 != 0 { body.append(0) }
            }
        case .goodbye(let ssrcs, let reason):
            type = 203
            count = min(ssrcs.count, 31)
            for ssrc in ssrcs.prefix(31) { RTPHeader.append(ssrc, to: &body) }
            if let reason {
                let text = Array(reason.utf8.prefix(255))
                body.append(UInt8(text.count))
                body += text
                while body.count % 4 != 0 { body.append(0) }
            }
        case .application(let subtype, let ssrc, let name, let data):
            type = 204
            count = Int(subtype & 0x1F)
            RTPHeader.append(ssrc, to: &body)
            var nameBytes = Array(name.utf8.prefix(4))
            while nameBytes.count < 4 { nameBytes.append(0x20) }
            body += nameBytes
            body += data
            while body.count % 4 != 0 { body.append(0) }
        case .feedback, .extendedReport, .other:
            return []
        }
        let words = body.count / 4  // length field: words minus one, header word included
        var bytes: [UInt8] = [0x80 | UInt8(count), type, UInt8(words >> 8 & 0xFF), UInt8(words & 0xFF)]
        bytes += body
        return bytes
    }

    static func append(_ block: ReportBlock, to body: inout [UInt8]) {
        RTPHeader.append(block.ssrc, to: &body)
        let fraction = UInt32(max(0, min(255, (block.fractionLost * 256).rounded(.down))))
        let lost = UInt32(bitPattern: Int32(max(-0x80_0000, min(0x7F_FFFF, block.cumulativeLost)))) & 0xFF_FFFF
        RTPHeader.append(fraction << 24 | lost, to: &body)
        RTPHeader.append(block.highestSequence, to: &body)
        RTPHeader.append(block.jitter, to: &body)
        RTPHeader.append(block.lastSR, to: &body)
        RTPHeader.append(block.delaySinceLastSR, to: &body)
    }
}

/// An RTCP XR report block (RFC 3611 §4): VoIP metrics decoded, others kept as type and length.
public enum ExtendedReportBlock: Sendable, Hashable {
    case voipMetrics(VoIPMetrics)
    /// Any other block type with its length in bytes (after the 4-byte block header).
    case other(blockType: UInt8, length: Int)

    /// RFC 3611 §4.7 VoIP Metrics Report Block (BT = 7). Rates are fractions (field / 256); MOS
    /// values are the field / 10; 127 ("unavailable") in the R factor / MOS fields becomes nil.
    public struct VoIPMetrics: Sendable, Hashable {
        public var ssrc: UInt32
        public var lossRate: Double
        public var discardRate: Double
        public var burstDensity: Double
        public var gapDensity: Double
        public var burstDurationMs: Int
        public var gapDurationMs: Int
        public var roundTripDelayMs: Int
        public var endSystemDelayMs: Int
        /// Signal and noise level in dBm0 (signed), 127 = unavailable.
        public var signalLevel: Int
        public var noiseLevel: Int
        public var rFactor: Int?
        public var mosLQ: Double?
        public var mosCQ: Double?
        public var jitterBufferNominalMs: Int
        public var jitterBufferMaximumMs: Int
        public var jitterBufferAbsoluteMaximumMs: Int
    }

    /// Bounds the blocks taken from one XR packet (hostile lengths).
    static let maximumBlocks = 64

    static func parseBlocks(_ body: UnsafeRawBufferPointer, from start: Int) -> [ExtendedReportBlock] {
        var blocks: [ExtendedReportBlock] = []
        var offset = start
        while offset + 4 <= body.count && blocks.count < Self.maximumBlocks {
            let blockType = body[offset]
            let length = (Int(body[offset + 2]) << 8 | Int(body[offset + 3])) * 4
            let data = offset + 4
            guard data + length <= body.count else { break }
            if blockType == 7 && length >= 32 {
                blocks.append(.voipMetrics(Self.voipMetrics(body, at: data)))
            } else {
                blocks.append(.other(blockType: blockType, length: length))
            }
            offset = data + length
        }
        return blocks
    }

    static func voipMetrics(_ b: UnsafeRawBufferPointer, at o: Int) -> VoIPMetrics {
        func u16(_ at: Int) -> Int { Int(b[o + at]) << 8 | Int(b[o + at + 1]) }
        func signed(_ at: Int) -> Int { Int(Int8(bitPattern: b[o + at])) }
        func available(_ at: Int) -> Int? { b[o + at] == 127 ? nil : Int(b[o + at]) }
        return VoIPMetrics(
            ssrc: RTPHeader.word(b, o),
            lossRate: Double(b[o + 4]) / 256, discardRate: Double(b[o + 5]) / 256,
            burstDensity: Double(b[o + 6]) / 256, gapDensity: Double(b[o + 7]) / 256,
            burstDurationMs: u16(8), gapDurationMs: u16(10), roundTripDelayMs: u16(12), endSystemDelayMs: u16(14),
            signalLevel: signed(16), noiseLevel: signed(17),
            rFactor: available(20),
            mosLQ: available(22).map { Double($0) / 10 }, mosCQ: available(23).map { Double($0) / 10 },
            jitterBufferNominalMs: u16(26), jitterBufferMaximumMs: u16(28), jitterBufferAbsoluteMaximumMs: u16(30)
        )
    }
}

/// NTP time as RTCP carries it (RFC 3550 §4): seconds since 1900 in the upper 32 bits, fraction below.
public enum NTPTime {
    /// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
    public static let unixEpochOffsetSeconds: Int64 = 2_208_988_800

    /// The 64-bit NTP timestamp of a Unix time in ns.
    public static func timestamp(unixNanoseconds: Int64) -> UInt64 {
        let seconds = unixNanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        var whole = seconds.quotient + Self.unixEpochOffsetSeconds
        var nanos = seconds.remainder
        if nanos < 0 {
            whole -= 1
            nanos += 1_000_000_000
        }
        let fraction = (UInt64(nanos) << 32) / 1_000_000_000
        return UInt64(truncatingIfNeeded: whole) << 32 | fraction
    }

    /// The middle 32 bits (16.16 fixed point seconds), as LSR, DLSR and RTT use them.
    public static func compact(_ timestamp: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: timestamp >> 16) }

    /// The compact NTP value of a Unix time in ns.
    public static func compact(unixNanoseconds: Int64) -> UInt32 {
        Self.compact(Self.timestamp(unixNanoseconds: unixNanoseconds))
    }
}
