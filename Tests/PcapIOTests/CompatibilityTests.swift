import PcapIO
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The spellings SiptoolCLI (DiagnoseCommand, DiagnoseScenarioTests) uses keep compiling and working.
@Suite struct CompatibilityTests {
    @Test func captureNamesWorkAsBefore() throws {
        let path = TestSupport.temporaryPath("compat.pcap")
        defer { unlink(path) }
        let writer = try CaptureWriter(path: path, linkType: 1)
        let frame = FrameBuilder.ethernetIPv4UDP(
            source: (FrameBuilder.ipv4("203.0.113.5")!, 5060),
            destination: (FrameBuilder.ipv4("198.51.100.10")!, 5060),
            payload: [1]
        )
        writer.write(seconds: 1_700_000_000, nanoseconds: 7, bytes: frame)
        try writer.finish()
        let readers: [CaptureReader] = [try CaptureReader(path: path)]
        let pending: [CapturedPacket?] = readers.map { $0.nextPacket() }
        let packet = try #require(pending[0])
        #expect(packet.nanosecondsSinceEpoch == 1_700_000_000_000_000_007)
        #expect(packet.bytes.count == packet.originalLength && packet.linkType == 1 && packet.frameNumber == 1)
        #expect(readers[0].nextPacket() == nil && readers[0].truncation == nil && readers[0].bytesRead != nil)
        do {
            _ = try CaptureReader(path: "/nonexistent-siptool.pcap")
        } catch {
            let unavailable: CaptureError = error
            #expect(unavailable.code == .fileNotFound || unavailable.code == .unreadable)
            #expect(unavailable.description.contains("/nonexistent-siptool.pcap"))
        }
    }
}
