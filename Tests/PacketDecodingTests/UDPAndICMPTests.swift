import PacketDecoding
import Testing

@Suite("UDP and ICMP")
struct UDPAndICMPTests {
    @Test(arguments: [UInt16(0), 0x1234, 0xFFFF])
    func checksumIsNeverChecked(checksum: UInt16) {
        var decoder = PacketDecoder()
        let frame = Build.ethernet(
            type: 0x0800,
            Build.ipv4("127.0.0.1", "127.0.0.1", protocolNumber: 17, Build.udp(1, 2, [9, 9], checksum: checksum))
        )
        let out = decoder.run([frame])
        #expect(out.udp.map(\.payload) == [[9, 9]])
    }

    /// Ethernet/IPv4/UDP frames take a one-step fast path; the same IP packets behind Linux cooked
    /// headers take the layered one. Both must decode every variant (mutated header fields, cut
    /// or padded frames, fragments) to the same datagrams and the same refusals.
    @Test func fastPathDecodesLikeTheLayeredPath() {
        var state: UInt64 = 0x0FA5_7BA7
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var ethernetFrames: [[UInt8]] = []
        var cookedFrames: [[UInt8]] = []
        for round in 0..<1500 {
            let payload = (0..<Int(next() % 40)).map { _ in UInt8(truncatingIfNeeded: next()) }
            var ip = Build.ipv4("192.0.2.1", "198.51.100.2", protocolNumber: 17, Build.udp(4000, 5060, payload),
                                identification: UInt16(round & 0xFFFF))
            // Mutate one of the fields both paths look at (version/IHL, total length, flags and
            // fragment offset, protocol, UDP length), or none.
            switch next() % 7 {
            case 0: ip[0] = [0x45, 0x46, 0x44, 0x55, 0x4F][Int(next() % 5)]
            case 1: ip[2] = UInt8(truncatingIfNeeded: next() % 2); ip[3] = UInt8(truncatingIfNeeded: next())
            case 2: ip[6] = [0x00, 0x20, 0x40, 0x01, 0x60][Int(next() % 5)]; ip[7] = UInt8(truncatingIfNeeded: next() % 3)
            case 3: ip[9] = [17, 6, 1, 47][Int(next() % 4)]
            case 4: ip[24] = 0; ip[25] = UInt8(truncatingIfNeeded: next())
            default: break
            }
            // Cut the packet short, or add Ethernet padding after it.
            switch next() % 4 {
            case 0: ip = Array(ip.prefix(Int(next() % UInt64(ip.count + 1))))
            case 1: ip += [UInt8](repeating: 0, count: Int(next() % 20))
            default: break
            }
            ethernetFrames.append(Build.ethernet(type: 0x0800, ip))
            cookedFrames.append(Build.linuxSLL(protocolType: 0x0800, ip))
        }
        var fast = PacketDecoder()
        var layered = PacketDecoder()
        let viaEthernet = fast.run(ethernetFrames, linkType: .ethernet)
        let viaCooked = layered.run(cookedFrames, linkType: LinkType(rawValue: 113))
        #expect(viaEthernet.udp.count > 400)
        #expect(viaEthernet.udp == viaCooked.udp)
        #expect(viaEthernet.reasons == viaCooked.reasons)
        #expect(fast.statistics.udpDatagrams == layered.statistics.udpDatagrams)
    }

    @Test func udpLengthIsValidated() {
        var decoder = PacketDecoder()
        let tooLong = Build.ipv4("10.0.0.1", "10.0.0.2", protocolNumber: 17, Build.udp(1, 2, [1, 2, 3], length: 40))
        let tooShort = Build.ipv4("10.0.0.1", "10.0.0.2", protocolNumber: 17, Build.udp(1, 2, [1, 2, 3], length: 7))
        let shorterThanIP = Build.ipv4(
            "10.0.0.1",
            "10.0.0.2",
            protocolNumber: 17,
            Build.udp(1, 2, [1, 2, 3], length: 10)
        )
        let out = decoder.run([tooLong, tooShort, shorterThanIP].map { Build.ethernet(type: 0x0800, $0) })
        #expect(out.reasons == [.malformedUDP, .malformedUDP])
        #expect(out.udp.map(\.payload) == [[1, 2]])  // the UDP length wins over trailing IP bytes
        #expect(decoder.statistics.count(of: .malformedUDP) == 2)
    }

    @Test func snapLengthCutDatagramIsDeliveredAsTruncated() {
        var decoder = PacketDecoder()
        let payload = [UInt8](repeating: 0x80, count: 172)
        let frame = Array(Build.udpFrame(payload: payload).prefix(14 + 20 + 8 + 12))  // RTP header only
        var sawTruncated = false
        decoder.decode(frame: frame, linkType: .ethernet, timestamp: at(0), frameNumber: 1) { event in
            if case .udp(let datagram) = event {
                sawTruncated =
                    datagram.isTruncated && datagram.payload.count == 12 && datagram.declaredPayloadLength == 172
            }
        }
        #expect(sawTruncated)
    }

    @Test func borrowedPayloadPointsIntoTheCallersFrame() {
        var decoder = PacketDecoder()
        let frame = Build.udpFrame(payload: [1, 2, 3, 4])
        frame.withUnsafeBytes { raw in
            var offset = -1
            decoder.decode(frame: raw, linkType: .ethernet, timestamp: at(0), frameNumber: 1) { event in
                if case .udp(let datagram) = event, let base = datagram.payload.baseAddress,
                    let frameBase = raw.baseAddress
                {
                    offset = base - frameBase
                }
            }
            #expect(offset == 14 + 20 + 8)
        }
    }

    static func quotedUDP(_ source: String, _ destination: String, _ sourcePort: UInt16, _ destinationPort: UInt16)
        -> [UInt8]
    {
        // As routers quote it: the IP header plus the first 8 bytes (the UDP header).
        Array(
            Build.ipv4(
                source,
                destination,
                protocolNumber: 17,
                Build.udp(sourcePort, destinationPort, [UInt8](repeating: 0, count: 160))
            ).prefix(28)
        )
    }

    @Test func icmpPortUnreachableNamesTheOriginalFlow() {
        var decoder = PacketDecoder()
        let quoted = Self.quotedUDP("10.0.0.1", "10.0.0.5", 20000, 40000)
        let frame = Build.ethernet(
            type: 0x0800,
            Build.ipv4("203.0.113.1", "10.0.0.1", protocolNumber: 1, Build.icmp(type: 3, code: 3, quoted))
        )
        let out = decoder.run([frame])
        #expect(out.icmp.count == 1)
        guard let error = out.icmp.first else { return }
        #expect(error.isPortUnreachable && error.isDestinationUnreachable)
        #expect(error.originalDestination.description == "10.0.0.5:40000")
        #expect(error.originalSource.description == "10.0.0.1:20000")
        #expect(error.reporter.description == "203.0.113.1")
        #expect(error.originalProtocol == 17)
        #expect(error.description == "ICMP port unreachable from 203.0.113.1 for UDP 10.0.0.1:20000 -> 10.0.0.5:40000")
        #expect(decoder.statistics.icmpErrors == 1)
    }

    @Test func icmpv6UnreachableWithEmbeddedIPv6UDP() {
        var decoder = PacketDecoder()
        let quoted = Build.ipv6(
            "2001:db8::1",
            "2001:db8::5",
            nextHeader: 17,
            Build.udp(5060, 5070, Array("OPTIONS".utf8))
        )
        let frame = Build.ethernet(
            type: 0x86DD,
            Build.ipv6("2001:db8::99", "2001:db8::1", nextHeader: 58, Build.icmp(type: 1, code: 4, quoted))
        )
        let out = decoder.run([frame])
        #expect(out.icmp.first?.isPortUnreachable == true)
        #expect(out.icmp.first?.isICMPv6 == true)
        #expect(out.icmp.first?.originalDestination.description == "[2001:db8::5]:5070")
    }

    @Test func timeExceededIsAnErrorToo() {
        var decoder = PacketDecoder()
        let quoted = Self.quotedUDP("10.0.0.1", "10.0.0.5", 20000, 40000)
        let frame = Build.ethernet(
            type: 0x0800,
            Build.ipv4("192.0.2.254", "10.0.0.1", protocolNumber: 1, Build.icmp(type: 11, code: 0, quoted))
        )
        let out = decoder.run([frame])
        #expect(out.icmp.first?.kindDescription == "time exceeded")
        #expect(out.icmp.first?.isDestinationUnreachable == false)
    }

    @Test func echoAndShortQuotesAreNotErrors() {
        var decoder = PacketDecoder()
        let echo = Build.ipv4("10.0.0.1", "10.0.0.2", protocolNumber: 1, Build.icmp(type: 8, code: 0, [1, 2, 3, 4]))
        let short = Build.ipv4("10.0.0.1", "10.0.0.2", protocolNumber: 1, Build.icmp(type: 3, code: 3, [0x45, 0, 0]))
        let out = decoder.run([echo, short].map { Build.ethernet(type: 0x0800, $0) })
        #expect(out.icmp.isEmpty)
        #expect(out.reasons == [.ignoredICMP, .truncated])
    }
}
