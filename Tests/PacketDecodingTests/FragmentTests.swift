import PacketDecoding
import Testing

@Suite("IP fragment reassembly")
struct FragmentTests {
    /// A UDP datagram of 64 payload bytes (72 with the header), cut into IPv4 fragments of 24 bytes.
    static let payload = (0..<64).map { UInt8($0) }
    static let udp = Build.udp(5060, 5062, payload)

    static func v4Fragments(identification: UInt16 = 7, source: String = "10.0.0.1", size: Int = 24) -> [[UInt8]] {
        stride(from: 0, to: udp.count, by: size).map { start in
            let end = min(start + size, udp.count)
            return Build.ethernet(
                type: 0x0800,
                Build.ipv4(
                    source,
                    "10.0.0.2",
                    protocolNumber: 17,
                    Array(udp[start..<end]),
                    identification: identification,
                    fragmentOffset: start,
                    moreFragments: end < udp.count
                )
            )
        }
    }

    static func v6Fragments(identification: UInt32 = 0x1234_5678, size: Int = 32) -> [[UInt8]] {
        stride(from: 0, to: udp.count, by: size).map { start in
            let end = min(start + size, udp.count)
            let header = Build.ipv6Fragment(
                next: 17,
                offset: start,
                more: end < udp.count,
                identification: identification
            )
            // A destination-options header before the fragment header is part of the unfragmentable part.
            let chain = Build.ipv6Extension(next: 44) + header
            return Build.ethernet(
                type: 0x86DD,
                Build.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 60, chain + Array(udp[start..<end]))
            )
        }
    }

    @Test func inOrder() {
        var decoder = PacketDecoder()
        let out = decoder.run(Self.v4Fragments())
        #expect(out.udp.count == 1)
        #expect(out.udp.first?.payload == Self.payload)
        #expect(out.udp.first?.wasFragmented == true)
        #expect(out.udp.first?.frameNumber == 3)  // the last fragment completed it
        #expect(decoder.statistics.fragments.reassembled == 1)
        #expect(decoder.pendingFragmentedDatagrams == 0)
    }

    @Test func reversed() {
        var decoder = PacketDecoder()
        let out = decoder.run(Self.v4Fragments().reversed())
        #expect(out.udp.map(\.payload) == [Self.payload])
    }

    @Test func duplicatedFragmentsCountOnce() {
        var decoder = PacketDecoder()
        let fragments = Self.v4Fragments()
        let out = decoder.run([fragments[0], fragments[0], fragments[1], fragments[1], fragments[2]])
        #expect(out.udp.map(\.payload) == [Self.payload])
        #expect(decoder.statistics.fragments.duplicateFragments == 2)
    }

    @Test func overlappingFragmentsKeepTheFirstBytes() {
        var decoder = PacketDecoder()
        let first = Build.ethernet(
            type: 0x0800,
            Build.ipv4(
                "10.0.0.1",
                "10.0.0.2",
                protocolNumber: 17,
                Array(Self.udp[0..<40]),
                identification: 9,
                moreFragments: true
            )
        )
        // Overlaps bytes 32..<40 with different content, then continues to the end.
        var overlap = Array(Self.udp[32...])
        for index in 0..<8 { overlap[index] = 0xEE }
        let second = Build.ethernet(
            type: 0x0800,
            Build.ipv4("10.0.0.1", "10.0.0.2", protocolNumber: 17, overlap, identification: 9, fragmentOffset: 32)
        )
        let out = decoder.run([first, second])
        #expect(out.udp.map(\.payload) == [Self.payload])
    }

    @Test func missingFragmentTimesOutAndIsCounted() {
        var decoder = PacketDecoder()
        let fragments = Self.v4Fragments()
        var out = decoder.run([fragments[0], fragments[2]])
        #expect(decoder.pendingFragmentedDatagrams == 1)
        // 31 s later (capture time) an unrelated frame triggers the sweep.
        decoder.run([Build.udpFrame()], start: 31, into: &out)
        #expect(decoder.pendingFragmentedDatagrams == 0)
        #expect(decoder.statistics.fragments.timedOut == 1)
        // The late fragment starts a new datagram that never completes either.
        decoder.run([fragments[1]], start: 32, into: &out)
        decoder.flush(now: at(33)) { out.take($0) }
        #expect(decoder.statistics.fragments.incompleteAtEnd == 1)
        #expect(out.udp.count == 1)  // only the unrelated datagram
    }

    @Test func pendingDatagramLimitEvictsTheOldest() {
        var limits = DecoderLimits()
        limits.maximumPendingDatagrams = 2
        var decoder = PacketDecoder(limits: limits)
        let a = Self.v4Fragments(identification: 1)
        let b = Self.v4Fragments(identification: 2)
        let c = Self.v4Fragments(identification: 3)
        let out = decoder.run([a[0], b[0], c[0], a[1], a[2], c[1], c[2]])
        // a was evicted when c arrived; a's later fragments start over and stay incomplete.
        #expect(out.udp.count == 1)
        #expect(decoder.statistics.fragments.droppedForLimits >= 1)
        #expect(decoder.pendingFragmentedDatagrams <= 2)
    }

    @Test func byteBudgetIsEnforced() {
        var limits = DecoderLimits()
        limits.maximumFragmentBufferBytes = 100
        var decoder = PacketDecoder(limits: limits)
        let a = Self.v4Fragments(identification: 1)
        let b = Self.v4Fragments(identification: 2)
        let c = Self.v4Fragments(identification: 3)
        _ = decoder.run([a[0], a[1], b[0], b[1], c[0], c[1]])
        #expect(decoder.statistics.fragments.droppedForLimits >= 1)
        #expect(decoder.pendingFragmentedDatagrams <= 2)
    }

    @Test func fragmentBeyondMaximumSizeIsRejected() {
        var decoder = PacketDecoder()
        let far = Build.ethernet(
            type: 0x0800,
            Build.ipv4(
                "10.0.0.1",
                "10.0.0.2",
                protocolNumber: 17,
                [UInt8](repeating: 1, count: 64),
                fragmentOffset: 65_528
            )
        )
        let out = decoder.run([far])
        #expect(out.reasons == [.fragmentRejected])
        #expect(decoder.statistics.fragments.rejectedFragments == 1)
    }

    @Test func fragmentsOfDifferentSourcesDoNotMix() {
        var decoder = PacketDecoder()
        let a = Self.v4Fragments(identification: 5, source: "10.0.0.1")
        let b = Self.v4Fragments(identification: 5, source: "10.0.0.9")
        let out = decoder.run([a[0], b[1], a[1], b[0], a[2]])
        #expect(out.udp.map(\.source.address.description) == ["10.0.0.1"])
    }

    @Test func ipv6InOrderAndReversed() {
        var decoder = PacketDecoder()
        let fragments = Self.v6Fragments()
        let out = decoder.run(fragments + fragments.reversed().map { $0 })
        #expect(out.udp.count == 2)
        #expect(out.udp.allSatisfy { $0.payload == Self.payload && $0.wasFragmented })
        #expect(out.udp.first?.source.description == "[2001:db8::1]:5060")
    }

    @Test func ipv6AtomicFragmentIsAWholeDatagram() {
        var decoder = PacketDecoder()
        let atomic = Build.ipv6Fragment(next: 17, offset: 0, more: false, identification: 1) + Self.udp
        let out = decoder.run([
            Build.ethernet(type: 0x86DD, Build.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 44, atomic))
        ])
        #expect(out.udp.map(\.payload) == [Self.payload])
        #expect(decoder.pendingFragmentedDatagrams == 0)
    }

    @Test func fragmentedTunnelIsReassembledThenDecapsulated() {
        var decoder = PacketDecoder()
        let inner = Build.ipv4("192.168.0.1", "192.168.0.2", protocolNumber: 17, Self.udp)
        let half = inner.count / 2 / 8 * 8
        let one = Build.ipv4(
            "198.51.100.1",
            "198.51.100.2",
            protocolNumber: 4,
            Array(inner[..<half]),
            identification: 3,
            moreFragments: true
        )
        let two = Build.ipv4(
            "198.51.100.1",
            "198.51.100.2",
            protocolNumber: 4,
            Array(inner[half...]),
            identification: 3,
            fragmentOffset: half
        )
        let out = decoder.run([two, one].map { Build.ethernet(type: 0x0800, $0) })
        #expect(out.udp.map(\.payload) == [Self.payload])
        #expect(out.udp.first?.tunnel.outerSource.description == "198.51.100.1")
    }
}
