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
