import PcapIO
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct PcapWriterTests {
    @Test func headerIsClassicPcapLittleEndian() throws {
        let path = TestSupport.temporaryPath("header.pcap")
        defer { unlink(path) }
        let writer = try PcapWriter(path: path, linkType: 113, snapshotLength: 1500)
        writer.write(seconds: 1_700_000_000, nanoseconds: 42, bytes: [0xAB])
        try writer.finish()
        #expect(
            TestSupport.readFile(path) == [
                0x4D, 0x3C, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xDC, 0x05, 0, 0, 113, 0, 0, 0,
                0x00, 0xF1, 0x53, 0x65, 42, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0xAB,
            ]
        )
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o644)
    }

    @Test func targetIsUntouchedUntilFinish() throws {
        let path = TestSupport.temporaryPath("atomic.pcap")
        defer { unlink(path) }
        TestSupport.writeFile(path, Array("old contents".utf8))
        let writer = try PcapWriter(path: path, linkType: 1)
        for index in 0..<2000 {
            writer.write(timestamp: PcapTimestamp(seconds: 1, nanoseconds: 0), bytes: TestSupport.frame(index))
        }
        // Well past the 64 KiB buffer, so bytes have reached the temporary file, not the target.
        #expect(TestSupport.readFile(path) == Array("old contents".utf8))
        #expect(TestSupport.exists(writer.temporaryFilePath))
        #expect(writer.temporaryFilePath.hasPrefix("/tmp/.") && writer.temporaryFilePath.contains(".partial-"))
        try writer.finish()
        #expect(!TestSupport.exists(writer.temporaryFilePath))
        let reader = try PcapReader(path: path)
        #expect(reader.readRecords().count == 2000)
        try writer.finish()  // a second finish does nothing
    }

    @Test func unfinishedOrCancelledWriterLeavesNothing() throws {
        let path = TestSupport.temporaryPath("unfinished.pcap")
        var temporary = ""
        do {
            let writer = try PcapWriter(path: path, linkType: 1)
            writer.write(seconds: 1, nanoseconds: 0, bytes: [1, 2, 3])
            temporary = writer.temporaryFilePath
            #expect(TestSupport.exists(temporary))
        }
        #expect(!TestSupport.exists(temporary))
        #expect(!TestSupport.exists(path))
        let cancelled = try PcapWriter(path: path, linkType: 1)
        cancelled.write(seconds: 1, nanoseconds: 0, bytes: [1])
        cancelled.cancel()
        #expect(!TestSupport.exists(cancelled.temporaryFilePath) && !TestSupport.exists(path))
    }

    @Test func failuresRemoveTheTemporaryFileAndLeaveTheTarget() throws {
        #expect(throws: PcapError(code: .writeFailed, path: "")) {
            _ = try PcapWriter(path: "/nonexistent-siptool-dir/x.pcap", linkType: 1)
        }
        // A timestamp pcap cannot hold is kept as the error and thrown by finish().
        let path = TestSupport.temporaryPath("bad-time.pcap")
        TestSupport.writeFile(path, [7])
        defer { unlink(path) }
        let writer = try PcapWriter(path: path, linkType: 1)
        writer.write(seconds: -5, nanoseconds: 0, bytes: [1])
        writer.write(seconds: 5, nanoseconds: 0, bytes: [1])
        #expect(writer.error?.code == .writeFailed)
        #expect(writer.recordCount == 0)
        #expect(throws: PcapError(code: .writeFailed, path: "")) { try writer.finish() }
        #expect(!TestSupport.exists(writer.temporaryFilePath))
        #expect(TestSupport.readFile(path) == [7])
        // Renaming onto a directory fails at finish: the directory stays, the temporary file goes.
        let directory = TestSupport.temporaryPath("dir")
        mkdir(directory, 0o755)
        defer { rmdir(directory) }
        let onto = try PcapWriter(path: directory, linkType: 1)
        #expect(throws: PcapError(code: .writeFailed, path: "")) { try onto.finish() }
        #expect(!TestSupport.exists(onto.temporaryFilePath))
    }

    @Test func writerRejectsOutOfRangeArguments() {
        #expect(throws: PcapError(code: .writeFailed, path: "")) {
            _ = try PcapWriter(path: "/tmp/x.pcap", linkType: -1)
        }
        #expect(throws: PcapError(code: .writeFailed, path: "")) {
            _ = try PcapWriter(path: "/tmp/x.pcap", linkType: 1, snapshotLength: 0)
        }
    }
}
