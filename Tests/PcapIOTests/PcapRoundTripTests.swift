import PcapIO
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// PcapWriter output read back by PcapReader (libpcap), and by tshark where installed.
@Suite struct PcapRoundTripTests {
    @Test(arguments: [PcapWriter.Precision.nanoseconds, .microseconds])
    func writtenCaptureReadsBackInNanoseconds(precision: PcapWriter.Precision) throws {
        let path = try TestSupport.makeCapture("roundtrip", count: 5, precision: precision)
        defer { unlink(path) }
        let magic = Array(TestSupport.readFile(path).prefix(4))
        #expect(magic == (precision == .nanoseconds ? [0x4D, 0x3C, 0xB2, 0xA1] : [0xD4, 0xC3, 0xB2, 0xA1]))
        let reader = try PcapReader(path: path)
        #expect(reader.linkType == PcapLinkType.ethernet)
        #expect(reader.snapshotLength == PcapWriter.defaultSnapshotLength)
        #expect(reader.format == .pcap)
        var seen: [(frame: Int, time: PcapTimestamp, bytes: [UInt8])] = []
        let warning = reader.forEachPacket { packet in
            #expect(!packet.isCutBySnaplen)
            seen.append((packet.frameNumber, packet.timestamp, packet.copyBytes()))
        }
        #expect(warning == nil)
        #expect(seen.map(\.frame) == [1, 2, 3, 4, 5])
        // Microsecond files lose the last three digits; libpcap scales them to nanoseconds.
        let fraction: UInt32 = precision == .nanoseconds ? 123_456_789 : 123_456_000
        #expect(
            seen.map(\.time) == (0..<5).map { PcapTimestamp(seconds: 1_700_000_000 + Int64($0), nanoseconds: fraction) }
        )
        #expect(seen[3].bytes == TestSupport.frame(3))
        #expect(reader.framesRead == 5)
        #expect(reader.bytesRead == TestSupport.readFile(path).count)
    }

    @Test(arguments: [PcapLinkType.ethernet, PcapLinkType.linuxSLL, PcapLinkType.raw, PcapLinkType.null, 147])
    func linkTypeAndBytesSurvive(linkType: Int) throws {
        let path = TestSupport.temporaryPath("linktype-\(linkType)")
        defer { unlink(path) }
        let frames: [[UInt8]] = [
            FrameBuilder.linuxSLLIPv4UDP(
                source: (0x0A00_0001, 1000),
                destination: (0x0A00_0002, 2000),
                payload: [1, 2, 3]
            ),
            FrameBuilder.ipv6UDP(
                source: (FrameBuilder.ipv6("2001:db8::1")!, 5060),
                destination: (FrameBuilder.ipv6("2001:db8::2")!, 5060),
                payload: [9]
            ),
            [],
        ]
        let writer = try PcapWriter(path: path, linkType: linkType)
        for (index, frame) in frames.enumerated() {
            writer.write(timestamp: PcapTimestamp(seconds: Int64(index), nanoseconds: 1), bytes: frame)
        }
        try writer.finish()
        let (records, warning) = try PcapReader.readRecords(path: path)
        #expect(warning == nil)
        #expect(records.map(\.linkType) == [linkType, linkType, linkType])
        #expect(records.map(\.bytes) == frames)
        #expect(records.map(\.frameNumber) == [1, 2, 3])
    }

    @Test func snaplenCutsRecordsAndKeepsTheOriginalLength() throws {
        let path = TestSupport.temporaryPath("snaplen")
        defer { unlink(path) }
        let writer = try PcapWriter(path: path, linkType: 1, snapshotLength: 64)
        let long = TestSupport.frame(0, payloadSize: 200)
        writer.write(timestamp: PcapTimestamp(seconds: 1, nanoseconds: 0), bytes: long)
        writer.write(
            timestamp: PcapTimestamp(seconds: 2, nanoseconds: 0),
            bytes: Array(long.prefix(40)),
            originalLength: 1500
        )
        try writer.finish()
        let reader = try PcapReader(path: path)
        #expect(reader.snapshotLength == 64)
        let first = try #require(reader.nextRecord())
        #expect(first.bytes == Array(long.prefix(64)))
        #expect(first.originalLength == long.count)
        let second = try #require(reader.nextPacket())
        #expect(second.capturedLength == 40 && second.originalLength == 1500 && second.isCutBySnaplen)
        #expect(reader.nextPacket() == nil)
        #expect(reader.nextPacket() == nil)  // stays at the end
        #expect(reader.warning == nil)
    }

    @Test func pcapngWithTwoInterfacesOfOneLinkTypeReads() throws {
        var builder = PcapngBuilder(linkTypes: [1, 1])
        builder.packet(interface: 0, microseconds: 1_700_000_000_250_000, data: TestSupport.frame(0))
        builder.packet(interface: 1, microseconds: 1_700_000_001_000_001, data: TestSupport.frame(1))
        let path = TestSupport.temporaryPath("two.pcapng")
        defer { unlink(path) }
        TestSupport.writeFile(path, builder.bytes)
        let reader = try PcapReader(path: path)
        #expect(reader.format == .pcapng)
        let records = reader.readRecords()
        #expect(reader.warning == nil)
        #expect(
            records.map(\.timestamp) == [
                PcapTimestamp(seconds: 1_700_000_000, nanoseconds: 250_000_000),
                PcapTimestamp(seconds: 1_700_000_001, nanoseconds: 1_000),
            ]
        )
        #expect(records.map(\.bytes) == [TestSupport.frame(0), TestSupport.frame(1)])
    }

    @Test func pcapngWithMixedLinkTypesStopsWithAClearWarning() throws {
        // libpcap 1.10 rejects an IDB whose link type differs from the first one's, when it meets it.
        var builder = PcapngBuilder(linkTypes: [1])
        builder.packet(microseconds: 1_000_000, data: TestSupport.frame(0))
        builder.bytes += PcapngBuilder(linkTypes: [113]).bytes.dropFirst(28)  // a second IDB, LINKTYPE 113
        builder.packet(interface: 1, microseconds: 2_000_000, data: [0])
        let path = TestSupport.temporaryPath("mixed.pcapng")
        defer { unlink(path) }
        TestSupport.writeFile(path, builder.bytes)
        let reader = try PcapReader(path: path)
        #expect(reader.linkType == 1)
        var count = 0
        reader.forEachPacket { _ in count += 1 }
        #expect(count == 1)
        let warning = try #require(reader.warning)
        #expect(warning.code == .mixedLinkTypes)
        #expect(warning.frameNumber == 2)
        #expect(warning.message.contains("different link types") && warning.message.contains("frame.interface_id"))
    }

    @Test func tsharkAgreesOnTimestampsAndChecksums() throws {
        guard TestSupport.isExecutable("/usr/bin/tshark") else {
            print("SKIPPED: tshark is not installed")
            return
        }
        let path = TestSupport.temporaryPath("tshark.pcap")
        defer { unlink(path) }
        let writer = try PcapWriter(path: path, linkType: PcapLinkType.ethernet)
        writer.write(
            timestamp: PcapTimestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789),
            bytes: TestSupport.frame(0)
        )
        writer.write(
            timestamp: PcapTimestamp(seconds: 1_700_000_001, nanoseconds: 5),
            bytes: TestSupport.frame(1, payloadSize: 33)
        )
        let v6 = FrameBuilder.ethernetIPv6UDP(
            source: (FrameBuilder.ipv6("2001:db8::10")!, 5062),
            destination: (FrameBuilder.ipv6("2001:db8::20")!, 5060),
            payload: Array("hello".utf8)
        )
        writer.write(timestamp: PcapTimestamp(seconds: 1_700_000_002, nanoseconds: 999_999_999), bytes: v6)
        try writer.finish()

        let times = try #require(
            TestSupport.shellOutput("tshark -r \(path) -T fields -e frame.time_epoch -c 3 2>/dev/null")
        )
        #expect(
            times.split(separator: "\n") == ["1700000000.123456789", "1700000001.000000005", "1700000002.999999999"]
        )
        // Status 1 is "Good" in tshark's checksum fields.
        let checks = try #require(
            TestSupport.shellOutput(
                "tshark -r \(path) -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -T fields -e ip.checksum.status -e udp.checksum.status -e udp.dstport 2>/dev/null"
            )
        )
        #expect(checks.split(separator: "\n") == ["1\t1\t5060", "1\t1\t5060", "\t1\t5060"])
    }
}
