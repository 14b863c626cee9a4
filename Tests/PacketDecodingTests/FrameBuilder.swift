import PacketDecoding

/// Builds frames byte by byte for the tests (network byte order).
struct FrameBuilder {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { self.bytes.append(value) }
    mutating func u16(_ value: UInt16) { self.bytes += [UInt8(value >> 8), UInt8(value & 0xFF)] }
    mutating func u32(_ value: UInt32) {
        self.bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
    mutating func append(_ more: [UInt8]) { self.bytes += more }
}

/// Address bytes from text; traps on a typo in a test (never on decoder input).
func addressBytes(_ text: String) -> [UInt8] {
    guard let address = NetworkAddress(text) else { fatalError("bad test address \(text)") }
    return address.bytes
}

enum Build {
    // MARK: Link layers

    static func ethernet(type: UInt16, _ payload: [UInt8], tags: [(tpid: UInt16, id: UInt16)] = []) -> [UInt8] {
        var b = FrameBuilder()
        b.append([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01])
        for tag in tags {
            b.u16(tag.tpid)
            b.u16(0x2000 | tag.id)  // priority 1, DEI 0
        }
        b.u16(type)
        b.append(payload)
        return b.bytes
    }

    static func null(family: UInt32, littleEndian: Bool, _ payload: [UInt8]) -> [UInt8] {
        var b = FrameBuilder()
        if littleEndian {
            b.append([UInt8(family & 0xFF), UInt8(family >> 8 & 0xFF), UInt8(family >> 16 & 0xFF), UInt8(family >> 24)])
        } else {
            b.u32(family)
        }
        b.append(payload)
        return b.bytes
    }

    static func linuxSLL(protocolType: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var b = FrameBuilder()
        b.u16(0)  // packet type: to us
        b.u16(1)  // ARPHRD_ETHER
        b.u16(6)
        b.append([0x02, 0, 0, 0, 0, 0x01, 0, 0])
        b.u16(protocolType)
        b.append(payload)
        return b.bytes
    }

    static func linuxSLL2(protocolType: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var b = FrameBuilder()
        b.u16(protocolType)
        b.u16(0)  // reserved
        b.u32(3)  // interface index
        b.u16(1)  // ARPHRD_ETHER
        b.u8(4)  // outgoing
        b.u8(6)
        b.append([0x02, 0, 0, 0, 0, 0x01, 0, 0])
        b.append(payload)
        return b.bytes
    }

    static func pppoe(pppProtocol: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var b = FrameBuilder()
        b.u8(0x11)  // version 1, type 1
        b.u8(0)  // code: session data
        b.u16(0x1234)
        b.u16(UInt16(payload.count + 2))
        b.u16(pppProtocol)
        b.append(payload)
        return b.bytes
    }

    static func mpls(labels: [UInt32], _ payload: [UInt8]) -> [UInt8] {
        var b = FrameBuilder()
        for (index, label) in labels.enumerated() {
            let bottom: UInt32 = index == labels.count - 1 ? 1 : 0
            b.u32(label << 12 | bottom << 8 | 64)
        }
        b.append(payload)
        return b.bytes
    }

    // MARK: IP

    static func ipv4(
        _ source: String,
        _ destination: String,
        protocolNumber: UInt8,
        _ payload: [UInt8],
        identification: UInt16 = 1,
        fragmentOffset: Int = 0,
        moreFragments: Bool = false,
        options: [UInt8] = [],
        totalLength: Int? = nil
    ) -> [UInt8] {
        var b = FrameBuilder()
        let headerLength = 20 + options.count
        b.u8(0x40 | UInt8(headerLength / 4))
        b.u8(0)
        b.u16(UInt16(totalLength ?? headerLength + payload.count))
        b.u16(identification)
        b.u16((moreFragments ? 0x2000 : 0) | UInt16(fragmentOffset / 8))
        b.u8(64)
        b.u8(protocolNumber)
        b.u16(0xBEEF)  // wrong checksum on purpose: never checked
        b.append(addressBytes(source))
        b.append(addressBytes(destination))
        b.append(options)
        b.append(payload)
        return b.bytes
    }

    static func ipv6(
        _ source: String,
        _ destination: String,
        nextHeader: UInt8,
        _ payload: [UInt8],
        payloadLength: Int? = nil
    ) -> [UInt8] {
        var b = FrameBuilder()
        b.u32(0x6000_0000)
        b.u16(UInt16(payloadLength ?? payload.count))
        b.u8(nextHeader)
        b.u8(64)
        b.append(addressBytes(source))
        b.append(addressBytes(destination))
        b.append(payload)
        return b.bytes
    }

    /// A generic IPv6 extension header (hop-by-hop, routing, destination options) of `units` × 8 bytes.
    static func ipv6Extension(next: UInt8, units: Int = 1) -> [UInt8] {
        [next, UInt8(units - 1)] + [UInt8](repeating: 0, count: units * 8 - 2)
    }

    static func ipv6Fragment(next: UInt8, offset: Int, more: Bool, identification: UInt32) -> [UInt8] {
        var b = FrameBuilder()
        b.u8(next)
        b.u8(0)
        b.u16(UInt16(offset) | (more ? 1 : 0))
        b.u32(identification)
        return b.bytes
    }

    // MARK: Transport

    static func udp(
        _ sourcePort: UInt16,
        _ destinationPort: UInt16,
        _ payload: [UInt8],
        checksum: UInt16 = 0,
        length: Int? = nil
    ) -> [UInt8] {
        var b = FrameBuilder()
        b.u16(sourcePort)
        b.u16(destinationPort)
        b.u16(UInt16(length ?? 8 + payload.count))
        b.u16(checksum)
        b.append(payload)
        return b.bytes
    }

    static func tcp(
        _ sourcePort: UInt16,
        _ destinationPort: UInt16,
        sequence: UInt32,
        flags: TCPFlags,
        _ payload: [UInt8] = []
    ) -> [UInt8] {
        var b = FrameBuilder()
        b.u16(sourcePort)
        b.u16(destinationPort)
        b.u32(sequence)
        b.u32(0)  // ack
        b.u8(0x60)  // data offset 6 (one 4-byte option)
        b.u8(flags.rawValue)
        b.u16(65535)
        b.u16(0)
        b.u16(0)
        b.append([1, 1, 1, 0])  // NOP NOP NOP EOL
        b.append(payload)
        return b.bytes
    }

    static func icmp(type: UInt8, code: UInt8, _ quoted: [UInt8]) -> [UInt8] {
        [type, code, 0, 0, 0, 0, 0, 0] + quoted
    }

    static func gre(
        protocolType: UInt16,
        key: UInt32? = nil,
        sequence: UInt32? = nil,
        checksum: Bool = false,
        _ payload: [UInt8]
    ) -> [UInt8] {
        var b = FrameBuilder()
        var flags: UInt16 = 0
        if checksum { flags |= 0x8000 }
        if key != nil { flags |= 0x2000 }
        if sequence != nil { flags |= 0x1000 }
        b.u16(flags)
        b.u16(protocolType)
        if checksum { b.u32(0xDEAD_0000) }
        if let key { b.u32(key) }
        if let sequence { b.u32(sequence) }
        b.append(payload)
        return b.bytes
    }

    static func erspanII(_ ethernetFrame: [UInt8]) -> [UInt8] {
        var b = FrameBuilder()
        b.u16(0x1000 | 10)  // version 1, VLAN 10
        b.u16(0x0001)  // session 1
        b.u32(0)  // reserved, index
        b.append(ethernetFrame)
        return b.bytes
    }

    static func erspanIII(_ inner: [UInt8], platformSubheader: Bool, frameType: UInt8 = 0) -> [UInt8] {
        var b = FrameBuilder()
        b.u16(0x2000 | 10)  // version 2, VLAN 10
        b.u16(0x0002)  // session 2
        b.u32(0x1234_5678)  // timestamp
        b.u16(0)  // SGT
        b.u8(frameType << 2)  // P = 0, FT, HwID high bits
        b.u8(platformSubheader ? 0x01 : 0x00)  // HwID low bits, D, Gra, O
        if platformSubheader { b.append([UInt8](repeating: 0xAB, count: 8)) }
        b.append(inner)
        return b.bytes
    }

    // MARK: Whole frames

    /// Ethernet / IPv4 / UDP.
    static func udpFrame(
        _ source: String = "10.0.0.1",
        _ destination: String = "10.0.0.2",
        _ sourcePort: UInt16 = 5060,
        _ destinationPort: UInt16 = 5060,
        payload: [UInt8] = Array("hello".utf8)
    ) -> [UInt8] {
        ethernet(type: 0x0800, ipv4(source, destination, protocolNumber: 17, udp(sourcePort, destinationPort, payload)))
    }

    /// Ethernet / IPv4 / TCP.
    static func tcpFrame(
        _ source: String = "10.0.0.1",
        _ destination: String = "10.0.0.2",
        _ sourcePort: UInt16 = 40000,
        _ destinationPort: UInt16 = 5060,
        sequence: UInt32,
        flags: TCPFlags = [.ack],
        _ payload: [UInt8] = []
    ) -> [UInt8] {
        ethernet(
            type: 0x0800,
            ipv4(
                source,
                destination,
                protocolNumber: 6,
                tcp(sourcePort, destinationPort, sequence: sequence, flags: flags, payload)
            )
        )
    }
}

/// A UDP datagram copied out of its event.
struct UDPRecord: Equatable {
    var source: Endpoint
    var destination: Endpoint
    var payload: [UInt8]
    var declaredPayloadLength: Int
    var frameNumber: Int
    var vlan: [UInt16]
    var tunnel: TunnelInfo
    var wasFragmented: Bool
}

/// A TCP chunk copied out of its event.
struct ChunkRecord: Equatable {
    var flow: TCPFlow
    var bytes: [UInt8]
    var streamOffset: UInt64
    var frameNumber: Int
    var carriedBy: Int
}

/// Everything a decoder emitted, copied so it outlives the handlers.
struct Collected {
    var udp: [UDPRecord] = []
    var chunks: [ChunkRecord] = []
    var gaps: [TCPGap] = []
    var closed: [TCPClosed] = []
    var icmp: [ICMPError] = []
    var undecodable: [Undecodable] = []

    mutating func take(_ event: DecodedEvent) {
        switch event {
        case .udp(let d):
            self.udp.append(
                UDPRecord(
                    source: d.source,
                    destination: d.destination,
                    payload: d.payloadBytes,
                    declaredPayloadLength: d.declaredPayloadLength,
                    frameNumber: d.frameNumber,
                    vlan: d.vlan.ids,
                    tunnel: d.tunnel,
                    wasFragmented: d.wasFragmented
                )
            )
        case .tcpData(let c): self.take(.data(c))
        case .tcpGap(let g): self.take(.gap(g))
        case .tcpClosed(let c): self.take(.closed(c))
        case .icmpError(let e): self.icmp.append(e)
        case .undecodable(let u): self.undecodable.append(u)
        }
    }

    mutating func take(_ event: TCPEvent) {
        switch event {
        case .data(let c):
            self.chunks.append(
                ChunkRecord(
                    flow: c.flow,
                    bytes: c.copyBytes(),
                    streamOffset: c.streamOffset,
                    frameNumber: c.frameNumber,
                    carriedBy: c.carriedByFrameNumber
                )
            )
        case .gap(let g): self.gaps.append(g)
        case .closed(let c): self.closed.append(c)
        }
    }

    /// All delivered bytes of one flow, concatenated.
    func stream(_ flow: TCPFlow) -> [UInt8] {
        self.chunks.filter { $0.flow == flow }.flatMap(\.bytes)
    }

    var reasons: [UndecodableReason] { self.undecodable.map(\.reason) }
}

/// Capture time `seconds` after an arbitrary origin.
func at(_ seconds: Double) -> CaptureTime {
    CaptureTime(nanosecondsSinceEpoch: 1_700_000_000_000_000_000 + Int64(seconds * 1e9))
}

extension PacketDecoder {
    /// Decodes frames in order (frame numbers from `firstFrame`, one millisecond apart from `start`).
    mutating func run(
        _ frames: [[UInt8]],
        linkType: LinkType = .ethernet,
        start: Double = 0,
        firstFrame: Int = 1,
        into collected: inout Collected
    ) {
        for (index, frame) in frames.enumerated() {
            self.decode(
                frame: frame,
                linkType: linkType,
                timestamp: at(start + Double(index) * 0.001),
                frameNumber: firstFrame + index
            ) {
                collected.take($0)
            }
        }
    }

    /// Decodes frames with a fresh collector.
    mutating func run(_ frames: [[UInt8]], linkType: LinkType = .ethernet, start: Double = 0) -> Collected {
        var collected = Collected()
        self.run(frames, linkType: linkType, start: start, into: &collected)
        return collected
    }
}

let sip = Endpoint("10.0.0.1:5060")!
let sipPeer = Endpoint("10.0.0.2:5060")!
