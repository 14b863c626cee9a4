import PacketDecoding
import Testing

@Suite("Bad input never crashes")
struct RobustnessTests {
    /// Small frames exercising every layer, with their link types.
    static let samples: [(LinkType, [UInt8])] = {
        let udp = Build.udp(5060, 5060, Array("SIP".utf8))
        let v4 = Build.ipv4("10.0.0.1", "10.0.0.2", protocolNumber: 17, udp, options: [1, 1, 1, 0])
        let v6 = Build.ipv6("::1", "::2", nextHeader: 0, Build.ipv6Extension(next: 17) + udp)
        let fragment = Build.ipv6(
            "::1",
            "::2",
            nextHeader: 44,
            Build.ipv6Fragment(next: 17, offset: 0, more: true, identification: 1) + udp
        )
        let gre = Build.ipv4(
            "1.1.1.1",
            "2.2.2.2",
            protocolNumber: 47,
            Build.gre(
                protocolType: 0x22EB,
                key: 1,
                sequence: 2,
                Build.erspanIII(Build.ethernet(type: 0x0800, v4, tags: [(0x8100, 5)]), platformSubheader: true)
            )
        )
        let icmp = Build.ipv4("9.9.9.9", "10.0.0.1", protocolNumber: 1, Build.icmp(type: 3, code: 3, v4))
        let tcp = Build.ipv4(
            "10.0.0.1",
            "10.0.0.2",
            protocolNumber: 6,
            Build.tcp(1, 2, sequence: 5, flags: [.ack], Array("data".utf8))
        )
        return [
            (.ethernet, Build.ethernet(type: 0x0800, v4, tags: [(0x88A8, 1), (0x8100, 2)])),
            (.ethernet, Build.ethernet(type: 0x8864, Build.pppoe(pppProtocol: 0x0057, v6))),
            (.ethernet, Build.ethernet(type: 0x8847, Build.mpls(labels: [1, 2], fragment))),
            (.ethernet, Build.ethernet(type: 0x0800, gre)),
            (.ethernet, Build.ethernet(type: 0x0800, icmp)),
            (.ethernet, Build.ethernet(type: 0x0800, tcp)),
            (.null, Build.null(family: 30, littleEndian: true, v6)),
            (.linuxSLL, Build.linuxSLL(protocolType: 0x0800, v4)),
            (.linuxSLL2, Build.linuxSLL2(protocolType: 0x86DD, v6)),
            (.raw, Build.ipv4("3.3.3.3", "4.4.4.4", protocolNumber: 41, v6)),
        ]
    }()

    @Test func everyTruncationOfEverySampleIsHandled() {
        for (index, (linkType, frame)) in Self.samples.enumerated() {
            var decoder = PacketDecoder()
            // The whole frame decodes cleanly (so the truncations below test something).
            let whole = decoder.run([frame], linkType: linkType)
            #expect(whole.undecodable.isEmpty, "sample \(index): \(whole.undecodable)")
            #expect(whole.udp.count + whole.chunks.count + whole.icmp.count == 1 || index == 2, "sample \(index)")
            for length in 0..<frame.count {
                var fresh = PacketDecoder()
                let out = fresh.run([Array(frame.prefix(length))], linkType: linkType)
                // A cut frame yields at most one event, and never a datagram longer than the cut.
                #expect(out.udp.count + out.undecodable.count + out.icmp.count + out.chunks.count <= 1)
                #expect(out.udp.allSatisfy { $0.payload.count <= length })
                #expect(fresh.statistics.frames == 1)
            }
        }
    }

    @Test func randomJunkOnEveryLinkType() {
        var generator = SplitMix64(seed: 0x5EED)
        var decoder = PacketDecoder()
        let linkTypes: [LinkType] = [
            .null, .ethernet, .rawAlias12, .rawAlias14, .raw, .loop, .linuxSLL, .ipv4, .ipv6, .linuxSLL2, 9999,
        ]
        var events = 0
        for frameNumber in 0..<3000 {
            let length = Int(generator.next() % 200)
            var frame = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            // Make a good share of frames look plausible so the deeper layers get junk too.
            if frame.count > 20 && frameNumber % 2 == 0 {
                frame[0] = frameNumber % 4 == 0 ? 0x45 : 0x60
                frame[9] = [UInt8(17), 6, 47, 4, 41, 1, 58, 44][frameNumber / 2 % 8]
                frame[6] = frame[9]
            }
            let linkType = linkTypes[frameNumber % linkTypes.count]
            decoder.decode(
                frame: frame,
                linkType: linkType,
                timestamp: at(Double(frameNumber) * 0.01),
                frameNumber: frameNumber
            ) { _ in
                events += 1
            }
        }
        decoder.flush(now: at(100)) { _ in events += 1 }
        let statistics = decoder.statistics
        #expect(statistics.frames == 3000)
        #expect(statistics.undecodableTotal > 1000)
        #expect(events >= statistics.undecodableTotal)
        #expect(decoder.tcpConnectionCount == 0)
        #expect(decoder.pendingFragmentedDatagrams == 0)
    }
}

/// A small deterministic generator (SplitMix64) so junk tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
