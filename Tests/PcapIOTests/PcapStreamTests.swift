import Foundation
import PcapIO
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Reading from a pipe and from standard input ("-"), with no child process.
@Suite(.serialized) struct PcapStreamTests {
    /// A pipe whose write end is fed `bytes` from a background thread, then closed.
    func pipeFed(with bytes: [UInt8]) -> Int32 {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let writeEnd = ends[1]
        Thread.detachNewThread {
            var offset = 0
            while offset < bytes.count {
                let count = bytes.withUnsafeBytes { write(writeEnd, $0.baseAddress! + offset, bytes.count - offset) }
                if count <= 0 { break }
                offset += count
            }
            close(writeEnd)
        }
        return ends[0]
    }

    @Test func pipeLargerThanItsBufferReadsWhole() throws {
        // ~600 KB: far more than a pipe holds (64 KiB), so the reader and the writer thread interleave.
        let path = try TestSupport.makeCapture("pipe-source", count: 8000)
        defer { unlink(path) }
        let readEnd = self.pipeFed(with: TestSupport.readFile(path))
        let reader = try PcapReader(fileDescriptor: readEnd, name: "pipe")
        close(readEnd)  // the reader holds its own duplicate
        var count = 0
        var last = PcapTimestamp(seconds: 0, nanoseconds: 0)
        reader.forEachPacket { packet in
            count += 1
            last = packet.timestamp
        }
        #expect(count == 8000 && reader.warning == nil)
        #expect(last == PcapTimestamp(seconds: 1_700_007_999, nanoseconds: 123_456_789))
        #expect(reader.bytesRead == TestSupport.readFile(path).count)
    }

    @Test func truncatedPipeReportsTheFrame() throws {
        let path = try TestSupport.makeCapture("pipe-cut", count: 3)
        defer { unlink(path) }
        let readEnd = self.pipeFed(with: Array(TestSupport.readFile(path).dropLast(3)))
        let reader = try PcapReader(fileDescriptor: readEnd, name: "-")
        close(readEnd)
        #expect(reader.readRecords().count == 2)
        #expect(reader.warning?.code == .truncatedRecord && reader.warning?.frameNumber == 3)
        #expect(reader.warning?.description.hasPrefix("<stdin>: the file ends in the middle of frame 3") == true)
    }

    @Test func emptyAndJunkPipesAreClassified() throws {
        let empty = self.pipeFed(with: [])
        defer { close(empty) }
        #expect(throws: PcapError(code: .emptyFile, path: "")) { _ = try PcapReader(fileDescriptor: empty, name: "-") }
        let junk = self.pipeFed(with: [0x1F, 0x8B, 8, 0, 0, 0, 0, 0])
        defer { close(junk) }
        do {
            _ = try PcapReader(fileDescriptor: junk, name: "-")
            Issue.record("gzip data was accepted")
        } catch {
            #expect(error.code == .notACapture)
            #expect(
                error.message.hasPrefix("standard input is not a pcap or pcapng capture")
                    && error.message.contains("zcat")
            )
        }
    }

    @Test func dashReadsStandardInput() throws {
        let path = try TestSupport.makeCapture("stdin", count: 4)
        defer { unlink(path) }
        let readEnd = self.pipeFed(with: TestSupport.readFile(path))
        let savedStandardInput = dup(0)
        #expect(savedStandardInput >= 0)
        dup2(readEnd, 0)
        close(readEnd)
        let opened = Result { () throws(PcapError) -> PcapReader in try PcapReader(path: "-") }
        // The reader duplicated descriptor 0 while opening, so stdin can be restored at once.
        dup2(savedStandardInput, 0)
        close(savedStandardInput)
        let reader = try opened.get()
        #expect(reader.path == "-")
        #expect(reader.readRecords().map(\.frameNumber) == [1, 2, 3, 4])
        #expect(reader.warning == nil)
    }

    @Test func openFILEIsTakenOver() throws {
        let path = try TestSupport.makeCapture("file-star", count: 2)
        defer { unlink(path) }
        let file = try #require(fopen(path, "rb"))
        let reader = try PcapReader(file: file, name: path)
        #expect(reader.readRecords().count == 2)
    }
}

/// Classic pcap files are read from a memory map, and through libpcap otherwise (an open `FILE`):
/// both must deliver the same records and the same errors.
@Suite struct MappedReadingTests {
    /// A classic pcap (microseconds, snaplen 262,144) of records that cross page and prefetch
    /// boundaries, up to the largest record libpcap accepts; `cut` bytes are dropped from the end.
    func capture(_ name: String, cut: Int = 0) -> String {
        func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }
        var bytes: [UInt8] = le32(0xA1B2_C3D4) + [2, 0, 4, 0] + le32(0) + le32(0) + le32(262_144) + le32(1)
        let sizes = [1, 59, 1514, 9000, 65535, 262_144, 130_000, 131_071, 7, 0, 4096]
        for index in 0..<(sizes.count * 4) {
            let size = sizes[index % sizes.count]
            bytes += le32(1_700_000_000 + index) + le32(index * 7 % 1_000_000) + le32(size) + le32(size + index % 3)
            bytes += (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
        }
        let path = TestSupport.temporaryPath(name)
        TestSupport.writeFile(path, Array(bytes.dropLast(cut)))
        return path
    }

    func records(_ reader: PcapReader) -> (records: [PcapRecord], warning: PcapError.Code?, frame: Int?) {
        let records = reader.readRecords()
        return (records, reader.warning?.code, reader.warning?.frameNumber)
    }

    @Test(arguments: [0, 1, 100_000, 262_000, 262_160])
    func mapAndLibpcapAgree(cut: Int) throws {
        let path = self.capture("buffered-\(cut).pcap", cut: cut)
        defer { unlink(path) }
        let ours = self.records(try PcapReader(path: path))
        let file = try #require(fopen(path, "rb"))
        let libpcap = self.records(try PcapReader(file: file, name: path))
        #expect(cut == 0 ? ours.records.count == 44 : (1..<44).contains(ours.records.count))
        #expect(ours.records == libpcap.records)
        #expect(ours.warning == libpcap.warning && ours.frame == libpcap.frame)
        #expect((ours.warning == nil) == (cut == 0))
    }
}
