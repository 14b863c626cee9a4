/// Builds whole frames for fixture captures and benchmarks: UDP in IPv4 or IPv6, inside Ethernet
/// (LINKTYPE 1), Linux SLL (LINKTYPE 113) or nothing (raw IP, LINKTYPE 101/228/229).
///
/// Checksums are correct: the IPv4 header checksum (RFC 791 §3.1) and the UDP checksum over the
/// pseudo-header (RFC 768 for IPv4; RFC 8200 §8.1 for IPv6, where it is mandatory). A computed
/// UDP checksum of zero is sent as 0xFFFF (RFC 768: "If the computed checksum is zero, it is
/// transmitted as all ones").
///
/// Addresses are plain values: IPv4 as a 32-bit number (``ipv4(_:)`` parses dotted quads), IPv6
/// as 16 bytes (``ipv6(_:)`` parses the RFC 4291 §2.2 text forms).
///
/// - Precondition: payloads must fit one datagram (at most ``maximumUDPPayload`` bytes); these
///   helpers are for tests and benchmarks, so a larger payload is a programming error.
public enum FrameBuilder {
    /// 65535 (IP total length) − 20 (IPv4 header) − 8 (UDP header).
    public static let maximumUDPPayload = 65_507
    /// Default source MAC (locally administered).
    public static let defaultSourceMAC: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02]
    /// Default destination MAC (locally administered).
    public static let defaultDestinationMAC: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01]

    /// EtherType of IPv4.
    public static let etherTypeIPv4: UInt16 = 0x0800
    /// EtherType of IPv6.
    public static let etherTypeIPv6: UInt16 = 0x86DD

    // MARK: - Whole frames

    /// An Ethernet/IPv4/UDP frame (LINKTYPE 1).
    public static func ethernetIPv4UDP(
        source: (UInt32, UInt16),
        destination: (UInt32, UInt16),
        payload: [UInt8],
        identification: UInt16 = 0,
        ttl: UInt8 = 64
    ) -> [UInt8] {
        let packet = Self.ipv4UDP(
            source: source,
            destination: destination,
            payload: payload,
            identification: identification,
            ttl: ttl
        )
        return Self.ethernet(etherType: Self.etherTypeIPv4, payload: packet)
    }

    /// An Ethernet/IPv6/UDP frame (LINKTYPE 1). Addresses are 16 bytes each.
    public static func ethernetIPv6UDP(
        source: ([UInt8], UInt16),
        destination: ([UInt8], UInt16),
        payload: [UInt8],
        hopLimit: UInt8 = 64
    ) -> [UInt8] {
        let packet = Self.ipv6UDP(source: source, destination: destination, payload: payload, hopLimit: hopLimit)
        return Self.ethernet(etherType: Self.etherTypeIPv6, payload: packet)
    }

    /// A Linux SLL (v1) frame around an IPv4/UDP packet (LINKTYPE 113).
    public static func linuxSLLIPv4UDP(
        source: (UInt32, UInt16),
        destination: (UInt32, UInt16),
        payload: [UInt8],
        packetType: UInt16 = 0
    ) -> [UInt8] {
        let packet = Self.ipv4UDP(source: source, destination: destination, payload: payload)
        return Self.linuxSLL(protocolType: Self.etherTypeIPv4, payload: packet, packetType: packetType)
    }

    /// A Linux SLL (v1) frame around an IPv6/UDP packet (LINKTYPE 113).
    public static func linuxSLLIPv6UDP(
        source: ([UInt8], UInt16),
        destination: ([UInt8], UInt16),
        payload: [UInt8],
        packetType: UInt16 = 0
    ) -> [UInt8] {
        let packet = Self.ipv6UDP(source: source, destination: destination, payload: payload)
        return Self.linuxSLL(protocolType: Self.etherTypeIPv6, payload: packet, packetType: packetType)
    }

    // MARK: - Layers

    /// An Ethernet II header (destination MAC, source MAC, EtherType) followed by `payload`.
    public static func ethernet(
        etherType: UInt16,
        payload: [UInt8],
        source: [UInt8] = FrameBuilder.defaultSourceMAC,
        destination: [UInt8] = FrameBuilder.defaultDestinationMAC
    ) -> [UInt8] {
        precondition(source.count == 6 && destination.count == 6, "MAC addresses are 6 bytes")
        var frame = destination + source
        frame.reserveCapacity(14 + payload.count)
        Self.appendBigEndian(etherType, to: &frame)
        frame += payload
        return frame
    }

    /// A Linux "cooked" v1 header (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html):
    /// packet type (0 sent to us, 4 sent by us), ARPHRD_ETHER, address length 6, the source MAC
    /// padded to 8 bytes, protocol type; then `payload`.
    public static func linuxSLL(
        protocolType: UInt16,
        payload: [UInt8],
        packetType: UInt16 = 0,
        source: [UInt8] = FrameBuilder.defaultSourceMAC
    ) -> [UInt8] {
        precondition(source.count == 6, "MAC addresses are 6 bytes")
        var frame: [UInt8] = []
        frame.reserveCapacity(16 + payload.count)
        Self.appendBigEndian(packetType, to: &frame)
        Self.appendBigEndian(UInt16(1), to: &frame)  // ARPHRD_ETHER
        Self.appendBigEndian(UInt16(6), to: &frame)
        frame += source + [0, 0]
        Self.appendBigEndian(protocolType, to: &frame)
        frame += payload
        return frame
    }

    /// An IPv4 packet (20-byte header, don't-fragment set) carrying UDP, with both checksums.
    public static func ipv4UDP(
        source: (UInt32, UInt16),
        destination: (UInt32, UInt16),
        payload: [UInt8],
        identification: UInt16 = 0,
        ttl: UInt8 = 64
    ) -> [UInt8] {
        precondition(payload.count <= Self.maximumUDPPayload, "payload too large for one datagram")
        var pseudo: [UInt8] = []
        Self.appendBigEndian(source.0, to: &pseudo)
        Self.appendBigEndian(destination.0, to: &pseudo)
        let udpLength = UInt16(8 + payload.count)
        pseudo += [0, 17]
        Self.appendBigEndian(udpLength, to: &pseudo)
        let udp = Self.udp(sourcePort: source.1, destinationPort: destination.1, payload: payload, pseudoHeader: pseudo)

        var packet: [UInt8] = [0x45, 0]
        packet.reserveCapacity(20 + udp.count)
        Self.appendBigEndian(UInt16(20 + udp.count), to: &packet)
        Self.appendBigEndian(identification, to: &packet)
        packet += [0x40, 0, ttl, 17, 0, 0]  // DF, fragment offset 0, TTL, protocol UDP, checksum placeholder
        Self.appendBigEndian(source.0, to: &packet)
        Self.appendBigEndian(destination.0, to: &packet)
        let checksum = Self.internetChecksum(packet[0..<20])
        packet[10] = UInt8(checksum >> 8)
        packet[11] = UInt8(checksum & 0xFF)
        packet += udp
        return packet
    }

    /// An IPv6 packet (40-byte header, no extension headers) carrying UDP, with its checksum.
    public static func ipv6UDP(
        source: ([UInt8], UInt16),
        destination: ([UInt8], UInt16),
        payload: [UInt8],
        hopLimit: UInt8 = 64
    ) -> [UInt8] {
        precondition(source.0.count == 16 && destination.0.count == 16, "IPv6 addresses are 16 bytes")
        precondition(payload.count <= Self.maximumUDPPayload, "payload too large for one datagram")
        let udpLength = UInt32(8 + payload.count)
        // RFC 8200 §8.1 pseudo-header: source, destination, upper-layer length (32 bits), 3 zero bytes, next header.
        var pseudo = source.0 + destination.0
        Self.appendBigEndian(udpLength, to: &pseudo)
        pseudo += [0, 0, 0, 17]
        let udp = Self.udp(sourcePort: source.1, destinationPort: destination.1, payload: payload, pseudoHeader: pseudo)

        var packet: [UInt8] = [0x60, 0, 0, 0]  // version 6, traffic class 0, flow label 0
        packet.reserveCapacity(40 + udp.count)
        Self.appendBigEndian(UInt16(udp.count), to: &packet)
        packet += [17, hopLimit]
        packet += source.0 + destination.0
        packet += udp
        return packet
    }

    /// A UDP header and payload; the checksum covers `pseudoHeader` too.
    static func udp(sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8], pseudoHeader: [UInt8]) -> [UInt8] {
        var datagram: [UInt8] = []
        datagram.reserveCapacity(8 + payload.count)
        Self.appendBigEndian(sourcePort, to: &datagram)
        Self.appendBigEndian(destinationPort, to: &datagram)
        Self.appendBigEndian(UInt16(8 + payload.count), to: &datagram)
        datagram += [0, 0]
        datagram += payload
        var checksum = Self.internetChecksum(pseudoHeader + datagram)
        if checksum == 0 { checksum = 0xFFFF }
        datagram[6] = UInt8(checksum >> 8)
        datagram[7] = UInt8(checksum & 0xFF)
        return datagram
    }

    /// The Internet checksum (RFC 1071): the one's complement of the one's-complement sum of
    /// 16-bit big-endian words, an odd last byte padded with zero.
    public static func internetChecksum<Bytes: Collection>(_ bytes: Bytes) -> UInt16 where Bytes.Element == UInt8 {
        var sum: UInt64 = 0
        var high = true
        for byte in bytes {
            sum += high ? UInt64(byte) << 8 : UInt64(byte)
            high.toggle()
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    private static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    // MARK: - Address text

    /// Dotted-quad text ("192.0.2.1") to a 32-bit address; nil for anything else.
    public static func ipv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0 >= "0" && $0 <= "9" }), let octet = UInt8(part)
            else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }

    /// IPv6 text (RFC 4291 §2.2: "2001:db8::1", "::", "::ffff:192.0.2.1") to 16 bytes; nil for
    /// anything else.
    public static func ipv6(_ text: String) -> [UInt8]? {
        guard text.utf8.count <= 45 else { return nil }  // the longest textual form (INET6_ADDRSTRLEN - 1)
        let halves = text.components(separatedByDoubleColon: ())
        guard halves.count <= 2 else { return nil }
        func words(_ part: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let groups = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, group) in groups.enumerated() {
                if allowIPv4Tail && index == groups.count - 1 && group.contains(".") {
                    guard let v4 = Self.ipv4(String(group)) else { return nil }
                    result += [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                } else {
                    guard (1...4).contains(group.count), group.allSatisfy(\.isHexDigit),
                        let word = UInt16(group, radix: 16)
                    else {
                        return nil
                    }
                    result.append(word)
                }
            }
            return result
        }
        var all: [UInt16]
        if halves.count == 2 {
            guard let head = words(halves[0], allowIPv4Tail: false), let tail = words(halves[1], allowIPv4Tail: true),
                head.count + tail.count <= 7
            else { return nil }
            all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let only = words(halves[0], allowIPv4Tail: true), only.count == 8 else { return nil }
            all = only
        }
        var bytes: [UInt8] = []
        for word in all { Self.appendBigEndian(word, to: &bytes) }
        return bytes
    }
}

extension String {
    /// Splits at "::" (at most the first two pieces matter to ``FrameBuilder/ipv6(_:)``; three or
    /// more pieces mean the text is invalid).
    fileprivate func components(separatedByDoubleColon: ()) -> [Substring] {
        var pieces: [Substring] = []
        var start = self.startIndex
        var index = self.startIndex
        while index < self.endIndex {
            let next = self.index(after: index)
            if self[index] == ":" && next < self.endIndex && self[next] == ":" {
                pieces.append(self[start..<index])
                start = self.index(after: next)
                index = start
            } else {
                index = next
            }
        }
        pieces.append(self[start...])
        return pieces
    }
}
