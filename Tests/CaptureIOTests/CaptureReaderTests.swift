import CaptureIO
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct CaptureReaderTests {
    static func temporaryPath(_ name: String) -> String { "/tmp/siptool-pcapio-\(getpid())-\(name)" }

    static func writeFile(_ path: String, _ bytes: [UInt8]) {
        let file = fopen(path, "wb")!
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }

    static func readFile(_ path: String) -> [UInt8] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }

    /// A small capture of `count` UDP frames written by CaptureWriter.
    static func makeCapture(_ name: String, count: Int = 5) throws -> String {
        let path = Self.temporaryPath(name)
        let writer = try CaptureWriter(path: path, linkType: 1)
        for i in 0..<count {
            let frame = FrameBuilder.ethernetIPv4UDP(source: (FrameBuilder.ipv4("192.0.2.1")!, 5060), destination: (FrameBuilder.ipv4("192.0.2.2")!, 5060), payload: Array("payload \(i)".utf8))
            writer.write(seconds: 1_700_000_000 + Int64(i), nanoseconds: 123_456_789, bytes: frame)
        }
        try writer.finish()
        return path
    }

    @Test func writtenCaptureReadsBackWithNanoseconds() throws {
        let path = try Self.makeCapture("roundtrip")
        defer { unlink(path) }
        let reader = try CaptureReader(path: path)
        #expect(reader.linkType == 1)
        var frames: [(Int, Int64, Int64, Int)] = []
        reader.forEachPacket { frames.append(($0.frameNumber, $0.seconds, $0.nanoseconds, $0.bytes.count)) }
        #expect(frames.count == 5)
        #expect(frames[0].0 == 1 && frames[4].0 == 5)
        #expect(frames[2].1 == 1_700_000_002)
        #expect(frames[2].2 == 123_456_789)
        #expect(reader.truncation == nil)
    }

    @Test func truncatedLastRecordKeepsTheFramesBefore() throws {
        let path = try Self.makeCapture("truncated")
        defer { unlink(path) }
        let bytes = Self.readFile(path)
        Self.writeFile(path, Array(bytes.dropLast(10)))
        let reader = try CaptureReader(path: path)
        var count = 0
        reader.forEachPacket { _ in count += 1 }
        #expect(count == 4)
        #expect(reader.truncation?.contains("after frame 4") == true)
    }

    @Test func cutInsideTheHeadersNeverCrashes() throws {
        let path = try Self.makeCapture("cut")
        defer { unlink(path) }
        let bytes = Self.readFile(path)
        // Every cut inside the global header and the first record header.
        for length in 0..<(24 + 16 + 4) {
            Self.writeFile(path, Array(bytes.prefix(length)))
            do {
                let reader = try CaptureReader(path: path)
                var count = 0
                reader.forEachPacket { _ in count += 1 }
                #expect(count == 0, "cut at \(length)")
            } catch {
                #expect(!error.message.isEmpty)
                #expect([CaptureError.Code.emptyFile, .truncatedHeader, .notACapture, .corrupt].contains(error.code), "cut at \(length): \(error.code)")
            }
        }
    }

    @Test func badFilesGiveClassifiedErrors() throws {
        func code(_ path: String) -> CaptureError.Code? {
            do {
                _ = try CaptureReader(path: path)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code("/nonexistent/capture.pcap") == .fileNotFound)
        #expect(code("/tmp") == .unreadable)
        let empty = Self.temporaryPath("empty")
        Self.writeFile(empty, [])
        #expect(code(empty) == .emptyFile)
        let junk = Self.temporaryPath("junk")
        Self.writeFile(junk, Array("this is not a capture file at all, just text\n".utf8))
        #expect(code(junk) == .notACapture)
        let gzip = Self.temporaryPath("gz")
        Self.writeFile(gzip, [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + [UInt8](repeating: 0, count: 40))
        #expect(code(gzip) == .notACapture)
        do {
            _ = try CaptureReader(path: gzip)
        } catch {
            #expect(error.message.contains("zcat"))
        }
        for path in [empty, junk, gzip] { unlink(path) }
    }

    @Test func unfinishedWriterLeavesNothingBehind() throws {
        let path = Self.temporaryPath("unfinished")
        do {
            let writer = try CaptureWriter(path: path, linkType: 1)
            writer.write(seconds: 1, nanoseconds: 0, bytes: [1, 2, 3])
        }
        #expect(access(path, F_OK) != 0)
        #expect(access(path + ".partial-\(getpid())", F_OK) != 0)
        #expect(throws: CaptureError.self) { try CaptureWriter(path: "/nonexistent-dir/x.pcap", linkType: 1) }
    }

    @Test func tsharkReadsWhatWeWrite() throws {
        guard access("/usr/bin/tshark", X_OK) == 0 else {
            print("SKIPPED: tshark is not installed")
            return
        }
        let path = try Self.makeCapture("tshark", count: 3)
        defer { unlink(path) }
        let pipe = popen("tshark -r \(path) -T fields -e frame.time_epoch -e udp.dstport 2>/dev/null", "r")!
        var output = ""
        var buffer = [CChar](repeating: 0, count: 256)
        while fgets(&buffer, 256, pipe) != nil { output += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        pclose(pipe)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("1700000000.123456789") == true)
        #expect(lines.first?.hasSuffix("5060") == true)
    }
}
