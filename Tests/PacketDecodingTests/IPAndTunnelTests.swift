import PacketDecoding
import Testing

@Suite("IP headers and tunnels")
struct IPAndTunnelTests {
    static let innerUDP = Build.udp(4000, 5000, Array("inner".utf8))

    @Test(arguments: [4, 8, 40])
    func ipv4OptionsAreSkipped(optionBytes: Int) {
        var decoder = PacketDecoder()
        let options = [UInt8](repeating: 1, count: optionBytes)  // NOPs
        let frame = Build.ethernet(
            type: 0x0800,
            Build.ipv4("10.1.1.1", "10.1.1.2", protocolNumber: 17, Self.innerUDP, options: options)
        )
        let out = decoder.run([frame])
        #expect(out.udp.first?.payload == Array("inner".utf8))
        #expect(out.udp.first?.source.port == 4000)
    }

    @Test func malformedIPv4HeadersAreReported() {
        var decoder = PacketDecoder()
        var badIHL = Build.ipv4("10.1.1.1", "10.1.1.2", protocolNumber: 17, Self.innerUDP)
        badIHL[0] = 0x44  // IHL 4 < 5
        var shortTotal = Build.ipv4("10.1.1.1", "10.1.1.2", protocolNumber: 17, Self.innerUDP)
        shortTotal[3] = 12  // total length 12 < header 20
        var wrongVersion = Build.ipv4("10.1.1.1", "10.1.1.2", protocolNumber: 17, Self.innerUDP)
        wrongVersion[0] = 0x55
        let out = decoder.run([badIHL, shortTotal, wrongVersion].map { Build.ethernet(type: 0x0800, $0) })
        #expect(out.udp.isEmpty)
        #expect(out.reasons == [.malformedIPv4, .malformedIPv4, .malformedIPv4])
    }

    @Test func ipv6ExtensionHeadersAreSkipped() {
        var decoder = PacketDecoder()
        // hop-by-hop -> routing (2 units) -> destination options -> UDP
        let chain =
            Build.ipv6Extension(next: 43) + Build.ipv6Extension(next: 60, units: 2) + Build.ipv6Extension(next: 17)
        let frame = Build.ethernet(
            type: 0x86DD,
            Build.ipv6("2001:db8::a", "2001:db8::b", nextHeader: 0, chain + Self.innerUDP)
        )
        // An experimental header (253) is skipped the same way; ESP (50) cannot be.
        let experimental = Build.ethernet(
            type: 0x86DD,
            Build.ipv6("2001:db8::a", "2001:db8::b", nextHeader: 253, Build.ipv6Extension(next: 17) + Self.innerUDP)
        )
        let esp = Build.ethernet(
            type: 0x86DD,
            Build.ipv6("2001:db8::a", "2001:db8::b", nextHeader: 50, [UInt8](repeating: 7, count: 24))
        )
        let noNext = Build.ethernet(type: 0x86DD, Build.ipv6("2001:db8::a", "2001:db8::b", nextHeader: 59, []))
        let out = decoder.run([frame, experimental, esp, noNext])
        #expect(out.udp.count == 2)
        #expect(
            out.udp.allSatisfy {
                $0.payload == Array("inner".utf8) && $0.destination.description == "[2001:db8::b]:5000"
            }
        )
        #expect(out.reasons == [.unsupportedTransport])
        #expect(out.undecodable.first?.detail == 50)
    }

    @Test func ipv6ExtensionHeaderRunningPastThePacketIsTruncated() {
        var decoder = PacketDecoder()
        let header = [UInt8(17), 10] + [UInt8](repeating: 0, count: 6)  // claims 88 bytes
        let out = decoder.run([Build.ethernet(type: 0x86DD, Build.ipv6("::1", "::2", nextHeader: 0, header))])
        #expect(out.reasons == [.truncated])
    }

    @Test func ipInIPKeepsOuterAddresses() {
        var decoder = PacketDecoder()
        let inner4 = Build.ipv4("192.168.1.10", "192.168.2.20", protocolNumber: 17, Self.innerUDP)
        let inner6 = Build.ipv6("fd00::10", "fd00::20", nextHeader: 17, Self.innerUDP)
        let fourInFour = Build.ethernet(
            type: 0x0800,
            Build.ipv4("198.51.100.1", "198.51.100.2", protocolNumber: 4, inner4)
        )
        let sixInFour = Build.ethernet(
            type: 0x0800,
            Build.ipv4("198.51.100.1", "198.51.100.2", protocolNumber: 41, inner6)
        )
        let fourInSix = Build.ethernet(type: 0x86DD, Build.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 4, inner4))
        let out = decoder.run([fourInFour, sixInFour, fourInSix])
        #expect(out.udp.count == 3)
        #expect(out.udp.map(\.source.address.description) == ["192.168.1.10", "fd00::10", "192.168.1.10"])
        #expect(out.udp.map(\.tunnel.outerSource.description) == ["198.51.100.1", "198.51.100.1", "2001:db8::1"])
        #expect(out.udp[0].tunnel.outerDestination.description == "198.51.100.2")
        #expect(out.udp.allSatisfy { $0.tunnel.depth == 1 && $0.tunnel.encapsulations == .ipInIP })
        #expect(decoder.statistics.tunnelledPackets == 3)
    }

    @Test func nestingIsBounded() {
        var decoder = PacketDecoder()
        var packet = Build.ipv4("10.0.0.1", "10.0.0.2", protocolNumber: 17, Self.innerUDP)
        for _ in 0..<12 {
            packet = Build.ipv4("10.9.9.1", "10.9.9.2", protocolNumber: 4, packet)
        }
        let out = decoder.run([packet], linkType: .raw)
        #expect(out.udp.isEmpty)
        #expect(out.reasons == [.encapsulationTooDeep])
        // Within the bound it works and records the depth.
        var shallow = Build.ipv4("10.0.0.1", "10.0.0.2", protocolNumber: 17, Self.innerUDP)
        for _ in 0..<3 { shallow = Build.ipv4("10.9.9.1", "10.9.9.2", protocolNumber: 4, shallow) }
        let ok = decoder.run([shallow], linkType: .raw)
        #expect(ok.udp.first?.tunnel.depth == 3)
    }

    @Test(arguments: [
        (nil, nil, false), (UInt32(0xCAFE), nil, false), (UInt32(7), UInt32(99), false), (nil, UInt32(1), true),
    ])
    func greVariants(key: UInt32?, sequence: UInt32?, checksum: Bool) {
        var decoder = PacketDecoder()
        let inner = Build.ipv4("172.16.0.1", "172.16.0.2", protocolNumber: 17, Self.innerUDP)
        let gre = Build.gre(protocolType: 0x0800, key: key, sequence: sequence, checksum: checksum, inner)
        let frame = Build.ethernet(type: 0x0800, Build.ipv4("203.0.113.1", "203.0.113.2", protocolNumber: 47, gre))
        let out = decoder.run([frame])
        #expect(out.udp.count == 1)
        #expect(out.udp.first?.source.description == "172.16.0.1:4000")
        #expect(out.udp.first?.tunnel.outerSource.description == "203.0.113.1")
        #expect(out.udp.first?.tunnel.encapsulations == .gre)
    }

    @Test func greCarriesIPv6AndBridgedEthernet() {
        var decoder = PacketDecoder()
        let inner6 = Build.ipv6("fd00::1", "fd00::2", nextHeader: 17, Self.innerUDP)
        let v6 = Build.ipv4("203.0.113.1", "203.0.113.2", protocolNumber: 47, Build.gre(protocolType: 0x86DD, inner6))
        let bridged = Build.ethernet(
            type: 0x0800,
            Build.ipv4("172.16.0.1", "172.16.0.2", protocolNumber: 17, Self.innerUDP),
            tags: [(0x8100, 55)]
        )
        let teb = Build.ipv4(
            "203.0.113.1",
            "203.0.113.2",
            protocolNumber: 47,
            Build.gre(protocolType: 0x6558, key: 1, bridged)
        )
        let outerTagged = Build.ethernet(type: 0x0800, teb, tags: [(0x8100, 999)])
        let out = decoder.run([Build.ethernet(type: 0x0800, v6), outerTagged])
        #expect(out.udp.count == 2)
        #expect(out.udp[0].source.address.description == "fd00::1")
        #expect(out.udp[1].vlan == [55])  // the inner frame's tags, not the transport's
        #expect(out.udp[1].tunnel.encapsulations == [.gre, .transparentEthernet])
    }

    @Test func greVersionOneAndUnknownProtocolAreUnsupported() {
        var decoder = PacketDecoder()
        let pptp: [UInt8] = [0x30, 0x01, 0x88, 0x0B, 0, 0, 0, 0, 0, 0, 0, 0]
        let unknown = Build.gre(protocolType: 0x1234, [1, 2, 3])
        let frames = [pptp, unknown].map {
            Build.ethernet(type: 0x0800, Build.ipv4("1.1.1.1", "2.2.2.2", protocolNumber: 47, $0))
        }
        let out = decoder.run(frames)
        #expect(out.reasons == [.unsupportedGRE, .unsupportedGRE])
    }

    static let mirrored = Build.ethernet(
        type: 0x0800,
        Build.ipv4("10.20.30.40", "10.20.30.50", protocolNumber: 17, Build.udp(5060, 5060, Array("INVITE".utf8))),
        tags: [(0x8100, 12)]
    )

    @Test func erspanTypeII() {
        var decoder = PacketDecoder()
        let gre = Build.gre(protocolType: 0x88BE, sequence: 5, Build.erspanII(Self.mirrored))
        let out = decoder.run([
            Build.ethernet(type: 0x0800, Build.ipv4("192.0.2.100", "192.0.2.200", protocolNumber: 47, gre))
        ])
        #expect(out.udp.count == 1)
        #expect(out.udp.first?.payload == Array("INVITE".utf8))
        #expect(out.udp.first?.vlan == [12])
        #expect(out.udp.first?.tunnel.encapsulations == [.gre, .erspan])
        #expect(out.udp.first?.tunnel.outerDestination.description == "192.0.2.200")
    }

    @Test func erspanTypeIHasNoHeader() {
        var decoder = PacketDecoder()
        let gre = Build.gre(protocolType: 0x88BE, Self.mirrored)
        let out = decoder.run([
            Build.ethernet(type: 0x0800, Build.ipv4("192.0.2.100", "192.0.2.200", protocolNumber: 47, gre))
        ])
        #expect(out.udp.first?.payload == Array("INVITE".utf8))
    }

    @Test(arguments: [false, true])
    func erspanTypeIII(platformSubheader: Bool) {
        var decoder = PacketDecoder()
        let gre = Build.gre(
            protocolType: 0x22EB,
            sequence: 9,
            Build.erspanIII(Self.mirrored, platformSubheader: platformSubheader)
        )
        let out = decoder.run([
            Build.ethernet(type: 0x0800, Build.ipv4("192.0.2.100", "192.0.2.200", protocolNumber: 47, gre))
        ])
        #expect(out.undecodable.isEmpty)
        #expect(out.udp.first?.payload == Array("INVITE".utf8))
        #expect(out.udp.first?.source.description == "10.20.30.40:5060")
    }

    @Test func erspanTypeIIICarryingIP() {
        var decoder = PacketDecoder()
        let ip = Build.ipv4("10.20.30.40", "10.20.30.50", protocolNumber: 17, Self.innerUDP)
        let gre = Build.gre(
            protocolType: 0x22EB,
            sequence: 9,
            Build.erspanIII(ip, platformSubheader: false, frameType: 2)
        )
        let out = decoder.run([
            Build.ethernet(type: 0x0800, Build.ipv4("192.0.2.100", "192.0.2.200", protocolNumber: 47, gre))
        ])
        #expect(out.udp.first?.payload == Array("inner".utf8))
    }

    @Test func unknownTransportIsReportedWithItsNumber() {
        var decoder = PacketDecoder()
        let sctp = Build.ethernet(
            type: 0x0800,
            Build.ipv4("10.0.0.1", "10.0.0.2", protocolNumber: 132, [UInt8](repeating: 0, count: 12))
        )
        let out = decoder.run([sctp])
        #expect(out.undecodable == [Undecodable(reason: .unsupportedTransport, detail: 132, frameNumber: 1)])
    }
}
