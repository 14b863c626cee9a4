import PacketDecoding
import Testing

@Suite("Link layers")
struct LinkLayerTests {
    static let v4Packet = Build.ipv4(
        "192.0.2.1",
        "192.0.2.2",
        protocolNumber: 17,
        Build.udp(5060, 5080, Array("v4".utf8))
    )
    static let v6Packet = Build.ipv6(
        "2001:db8::1",
        "2001:db8::2",
        nextHeader: 17,
        Build.udp(5060, 5080, Array("v6".utf8))
    )

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var linkType: LinkType
        var frame: [UInt8]
        var isIPv6: Bool
        var testDescription: String { self.name }
    }

    static let cases: [Case] = [
        Case(name: "ETHERNET v4", linkType: .ethernet, frame: Build.ethernet(type: 0x0800, v4Packet), isIPv6: false),
        Case(name: "ETHERNET v6", linkType: .ethernet, frame: Build.ethernet(type: 0x86DD, v6Packet), isIPv6: true),
        Case(
            name: "NULL LE AF_INET",
            linkType: .null,
            frame: Build.null(family: 2, littleEndian: true, v4Packet),
            isIPv6: false
        ),
        Case(
            name: "NULL BE AF_INET",
            linkType: .null,
            frame: Build.null(family: 2, littleEndian: false, v4Packet),
            isIPv6: false
        ),
        Case(
            name: "NULL LE AF_INET6 24",
            linkType: .null,
            frame: Build.null(family: 24, littleEndian: true, v6Packet),
            isIPv6: true
        ),
        Case(
            name: "NULL LE AF_INET6 28",
            linkType: .null,
            frame: Build.null(family: 28, littleEndian: true, v6Packet),
            isIPv6: true
        ),
        Case(
            name: "NULL BE AF_INET6 30",
            linkType: .null,
            frame: Build.null(family: 30, littleEndian: false, v6Packet),
            isIPv6: true
        ),
        Case(
            name: "LOOP AF_INET",
            linkType: .loop,
            frame: Build.null(family: 2, littleEndian: false, v4Packet),
            isIPv6: false
        ),
        Case(
            name: "LOOP AF_INET6",
            linkType: .loop,
            frame: Build.null(family: 24, littleEndian: false, v6Packet),
            isIPv6: true
        ),
        Case(name: "RAW 101 v4", linkType: .raw, frame: v4Packet, isIPv6: false),
        Case(name: "RAW 101 v6", linkType: .raw, frame: v6Packet, isIPv6: true),
        Case(name: "RAW 12", linkType: .rawAlias12, frame: v4Packet, isIPv6: false),
        Case(name: "RAW 14", linkType: .rawAlias14, frame: v6Packet, isIPv6: true),
        Case(name: "IPV4 228", linkType: .ipv4, frame: v4Packet, isIPv6: false),
        Case(name: "IPV6 229", linkType: .ipv6, frame: v6Packet, isIPv6: true),
        Case(
            name: "LINUX_SLL v4",
            linkType: .linuxSLL,
            frame: Build.linuxSLL(protocolType: 0x0800, v4Packet),
            isIPv6: false
        ),
        Case(
            name: "LINUX_SLL v6",
            linkType: .linuxSLL,
            frame: Build.linuxSLL(protocolType: 0x86DD, v6Packet),
            isIPv6: true
        ),
        Case(
            name: "LINUX_SLL2 v4",
            linkType: .linuxSLL2,
            frame: Build.linuxSLL2(protocolType: 0x0800, v4Packet),
            isIPv6: false
        ),
        Case(
            name: "LINUX_SLL2 v6",
            linkType: .linuxSLL2,
            frame: Build.linuxSLL2(protocolType: 0x86DD, v6Packet),
            isIPv6: true
        ),
    ]

    @Test("every link type delivers the UDP datagram", arguments: cases)
    func linkType(_ testCase: Case) {
        var decoder = PacketDecoder()
        let out = decoder.run([testCase.frame], linkType: testCase.linkType)
        #expect(out.undecodable.isEmpty)
        #expect(out.udp.count == 1)
        guard let datagram = out.udp.first else { return }
        if testCase.isIPv6 {
            #expect(datagram.source.description == "[2001:db8::1]:5060")
            #expect(datagram.destination.description == "[2001:db8::2]:5080")
            #expect(datagram.payload == Array("v6".utf8))
        } else {
            #expect(datagram.source.description == "192.0.2.1:5060")
            #expect(datagram.destination.description == "192.0.2.2:5080")
            #expect(datagram.payload == Array("v4".utf8))
        }
        #expect(testCase.linkType.isSupported)
    }

    @Test func vlanTagsAreRecordedOutermostFirst() {
        var decoder = PacketDecoder()
        let single = Build.ethernet(type: 0x0800, Self.v4Packet, tags: [(0x8100, 100)])
        let qinq = Build.ethernet(type: 0x0800, Self.v4Packet, tags: [(0x88A8, 200), (0x8100, 300)])
        let old = Build.ethernet(type: 0x86DD, Self.v6Packet, tags: [(0x9100, 7), (0x9100, 8), (0x8100, 9)])
        let out = decoder.run([single, qinq, old])
        #expect(out.udp.map(\.vlan) == [[100], [200, 300], [7, 8, 9]])
        #expect(out.udp[2].source.address.isIPv6)
    }

    @Test func tooManyVLANTagsAreRejected() {
        var decoder = PacketDecoder()
        let tags = [(tpid: UInt16, id: UInt16)](repeating: (0x8100, 1), count: 9)
        let out = decoder.run([Build.ethernet(type: 0x0800, Self.v4Packet, tags: tags)])
        #expect(out.udp.isEmpty)
        #expect(out.reasons == [.unsupportedNetworkProtocol])
    }

    @Test func pppoeSessionCarriesIPv4AndIPv6() {
        var decoder = PacketDecoder()
        let v4 = Build.ethernet(type: 0x8864, Build.pppoe(pppProtocol: 0x0021, Self.v4Packet))
        let v6 = Build.ethernet(type: 0x8864, Build.pppoe(pppProtocol: 0x0057, Self.v6Packet), tags: [(0x8100, 42)])
        let lcp = Build.ethernet(type: 0x8864, Build.pppoe(pppProtocol: 0xC021, [1, 2, 3, 4]))
        let out = decoder.run([v4, v6, lcp])
        #expect(out.udp.count == 2)
        #expect(out.udp.allSatisfy { $0.tunnel.encapsulations.contains(.pppoe) })
        #expect(out.udp[1].vlan == [42])
        #expect(out.undecodable.map(\.detail) == [0xC021])
    }

    @Test func mplsLabelStackThenIP() {
        var decoder = PacketDecoder()
        let two = Build.ethernet(type: 0x8847, Build.mpls(labels: [16, 17], Self.v4Packet))
        let one = Build.ethernet(type: 0x8847, Build.mpls(labels: [100], Self.v6Packet))
        let out = decoder.run([two, one])
        #expect(out.udp.count == 2)
        #expect(out.udp.allSatisfy { $0.tunnel.encapsulations.contains(.mpls) })
        #expect(out.udp[1].source.address.isIPv6)
    }

    @Test func ethernetPaddingIsIgnored() {
        var decoder = PacketDecoder()
        let frame = Build.ethernet(
            type: 0x0800,
            Build.ipv4("10.0.0.1", "10.0.0.2", protocolNumber: 17, Build.udp(1, 2, [0xAA])) + [0, 0, 0, 0, 0, 0]
        )
        let out = decoder.run([frame])
        #expect(out.udp.first?.payload == [0xAA])
    }

    @Test func unsupportedEtherTypeAndLinkTypeAreCounted() {
        var decoder = PacketDecoder()
        let arp = Build.ethernet(type: 0x0806, [UInt8](repeating: 0, count: 28))
        let llc = Build.ethernet(type: 38, [UInt8](repeating: 0, count: 38))
        var out = decoder.run([arp, llc])
        decoder.run([Self.v4Packet], linkType: 147, into: &out)
        decoder.run([Build.null(family: 7, littleEndian: true, Self.v4Packet)], linkType: .null, into: &out)
        #expect(
            out.reasons == [
                .unsupportedNetworkProtocol, .unsupportedNetworkProtocol, .unsupportedLinkType,
                .unsupportedNetworkProtocol,
            ]
        )
        #expect(out.undecodable.map(\.detail) == [0x0806, 38, 147, 7])
        let statistics = decoder.statistics
        #expect(statistics.count(of: .unsupportedNetworkProtocol) == 3)
        #expect(statistics.count(of: .unsupportedLinkType) == 1)
        #expect(statistics.undecodableTotal == 4)
        #expect(statistics.frames == 4)
        #expect(!LinkType(rawValue: 147).isSupported)
    }
}
