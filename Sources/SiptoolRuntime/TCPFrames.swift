import PcapIO

/// Ethernet/IP/TCP frames for SIP over TCP in a live command's pcap: one segment per message,
/// sequence numbers counted per direction (the analyzer and tshark read captures that start
/// mid-stream, so no handshake is invented).
enum TCPFrames {
    /// An Ethernet frame with an IPv4 or IPv6 header (16-byte addresses for IPv6) and a TCP
    /// segment with PSH+ACK, checksummed.
    static func frame(source: ([UInt8], UInt16), destination: ([UInt8], UInt16), sequence: UInt32, acknowledgement: UInt32, payload: [UInt8]) -> [UInt8] {
        let isIPv6 = source.0.count == 16
        var segment: [UInt8] = []
        segment.reserveCapacity(20 + payload.count)
        func put16(_ value: UInt16, _ into: inout [UInt8]) { into += [UInt8(value >> 8), UInt8(value & 0xFF)] }
        func put32(_ value: UInt32, _ into: inout [UInt8]) { into += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        put16(source.1, &segment)
        put16(destination.1, &segment)
        put32(sequence, &segment)
        put32(acknowledgement, &segment)
        segment += [0x50, 0x18]  // 20-byte header; PSH, ACK
        put16(65535, &segment)
        segment += [0, 0, 0, 0]  // checksum, urgent pointer
        segment += payload
        var pseudo: [UInt8] = source.0 + destination.0
        if isIPv6 {
            put32(UInt32(segment.count), &pseudo)
            pseudo += [0, 0, 0, 6]
        } else {
            pseudo += [0, 6]
            put16(UInt16(segment.count), &pseudo)
        }
        let checksum = FrameBuilder.internetChecksum(pseudo + segment)
        segment[16] = UInt8(checksum >> 8)
        segment[17] = UInt8(checksum & 0xFF)
        var packet: [UInt8]
        if isIPv6 {
            packet = [0x60, 0, 0, 0]
            put16(UInt16(segment.count), &packet)
            packet += [6, 64] + source.0 + destination.0
        } else {
            packet = [0x45, 0]
            put16(UInt16(20 + segment.count), &packet)
            packet += [0, 0, 0x40, 0, 64, 6, 0, 0] + source.0 + destination.0
            let headerChecksum = FrameBuilder.internetChecksum(packet[0..<20])
            packet[10] = UInt8(headerChecksum >> 8)
            packet[11] = UInt8(headerChecksum & 0xFF)
        }
        packet += segment
        return FrameBuilder.ethernet(etherType: isIPv6 ? FrameBuilder.etherTypeIPv6 : FrameBuilder.etherTypeIPv4, payload: packet)
    }
}
