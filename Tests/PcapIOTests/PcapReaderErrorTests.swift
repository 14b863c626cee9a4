import PcapIO
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Bad input: every kind gets its code and a useful message, and nothing crashes.
@Suite struct PcapReaderErrorTests {
    func openError(_ path: String) -> PcapError? {
        do {
            _ = try PcapReader(path: path)
            return nil
        } catch {
            return error
        }
    }

    @Test func missingPathIsFileNotFound() throws {
        let error = try #require(self.openError("/nonexistent-siptool/capture.pcap"))
        #expect(error.code == .fileNotFound)
        #expect(error.isInputUnavailable && error.suggestedExitCode == 66)
        #expect(error.description.hasPrefix("/nonexistent-siptool/capture.pcap: no such file"))
        // A path through a regular file (ENOTDIR) is missing too.
        let file = try TestSupport.makeCapture("notdir")
        defer { unlink(file) }
        #expect(self.openError(file + "/inner.pcap")?.code == .fileNotFound)
    }

    @Test func directoryIsUnreadable() throws {
        let error = try #require(self.openError("/tmp"))
        #expect(error.code == .unreadable)
        #expect(error.message == "is a directory, not a capture file")
        #expect(error.suggestedExitCode == 66)
    }

    @Test func zeroLengthFileIsEmpty() throws {
        let path = TestSupport.temporaryPath("empty.pcap")
        defer { unlink(path) }
        TestSupport.writeFile(path, [])
        let error = try #require(self.openError(path))
        #expect(error.code == .emptyFile)
        #expect(error.suggestedExitCode == 65)
    }

    @Test func randomBytesAreNotACapture() throws {
        let path = TestSupport.temporaryPath("random.bin")
        defer { unlink(path) }
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<512).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[0] = 0x00  // make sure it is not accidentally a known magic or a compressor's
        TestSupport.writeFile(path, bytes)
        let error = try #require(self.openError(path))
        #expect(error.code == .notACapture)
        #expect(error.message.hasPrefix("not a pcap or pcapng capture (unknown file format; it starts with bytes 00 "))
        TestSupport.writeFile(path, Array("Via: SIP/2.0/UDP 192.0.2.1\r\n".utf8))
        #expect(self.openError(path)?.code == .notACapture)
    }

    @Test(arguments: [
        ([UInt8]([0x1F, 0x8B, 8, 0]), "gzip", "zcat"), ([0x42, 0x5A, 0x68, 0x39], "bzip2", "bzcat"),
        ([0xFD, 0x37, 0x7A, 0x58], "xz", "xzcat"), ([0x28, 0xB5, 0x2F, 0xFD], "zstd", "zstdcat"),
    ])
    func compressedFilesAreNamed(magic: [UInt8], name: String, tool: String) throws {
        let path = TestSupport.temporaryPath("capture.pcap.x")
        defer { unlink(path) }
        TestSupport.writeFile(path, magic + [UInt8](repeating: 0, count: 60))
        let error = try #require(self.openError(path))
        #expect(error.code == .notACapture)
        #expect(error.message.contains("\(name)-compressed"))
        #expect(error.message.contains("`\(tool) \(path) | siptool diagnose -`"))
    }

    @Test func realGzipFileIsRecognised() throws {
        guard TestSupport.isExecutable("/usr/bin/gzip") || TestSupport.isExecutable("/bin/gzip") else {
            print("SKIPPED: gzip is not installed")
            return
        }
        let path = try TestSupport.makeCapture("gz.pcap")
        defer { unlink(path + ".gz") }
        _ = TestSupport.shellOutput("gzip -f \(path)")
        let error = try #require(self.openError(path + ".gz"))
        #expect(error.code == .notACapture && error.message.contains("zcat"))
    }

    @Test func unreadableFileIsPermissionDenied() throws {
        let path = try TestSupport.makeCapture("noperm.pcap")
        defer { unlink(path) }
        chmod(path, 0)
        guard access(path, R_OK) != 0 else {
            // root (the usual test user here) reads any file whatever its mode.
            print(
                "SKIPPED: running as uid \(geteuid()), which can read a mode-000 file; permission-denied not testable"
            )
            return
        }
        let error = try #require(self.openError(path))
        #expect(error.code == .permissionDenied && error.suggestedExitCode == 66)
    }

    /// Cuts a 2-frame capture at every length through the global header, the first record header
    /// and into the first record's data.
    @Test func everyCutInsideTheHeadersIsClassified() throws {
        let source = try TestSupport.makeCapture("cut-source", count: 2)
        defer { unlink(source) }
        let full = TestSupport.readFile(source)
        let path = TestSupport.temporaryPath("cut.pcap")
        defer { unlink(path) }
        for length in 0..<(24 + 16 + 20) {
            TestSupport.writeFile(path, Array(full.prefix(length)))
            switch length {
            case 0:
                #expect(self.openError(path)?.code == .emptyFile)
            case 1..<24:
                let error = self.openError(path)
                #expect(error?.code == .truncatedHeader, "cut at \(length)")
                #expect(error?.message.isEmpty == false)
            case 24:
                // A header and no records is a valid, empty capture.
                let reader = try PcapReader(path: path)
                #expect(reader.nextPacket() == nil && reader.warning == nil)
            default:
                let reader = try PcapReader(path: path)
                #expect(reader.readRecords().isEmpty, "cut at \(length)")
                let warning = try #require(reader.warning, "cut at \(length)")
                #expect(warning.code == .truncatedRecord && warning.frameNumber == 1 && warning.byteOffset == 24)
                #expect(
                    warning.message
                        == "the file ends in the middle of frame 1 (truncated capture, record at byte 24); no frame before it could be read"
                )
            }
        }
    }

    @Test func cutInTheLastPacketKeepsTheFramesBefore() throws {
        let source = try TestSupport.makeCapture("last-source", count: 5)
        defer { unlink(source) }
        let full = TestSupport.readFile(source)
        let path = TestSupport.temporaryPath("capture.pcap")
        defer { unlink(path) }
        TestSupport.writeFile(path, Array(full.dropLast(5)))
        let reader = try PcapReader(path: path)
        let records = reader.readRecords()
        #expect(records.map(\.frameNumber) == [1, 2, 3, 4])
        let warning = try #require(reader.warning)
        let lastRecord = full.count - (16 + TestSupport.frame(4).count)
        #expect(warning.code == .truncatedRecord && warning.frameNumber == 5 && warning.byteOffset == lastRecord)
        #expect(
            warning.description
                == "\(path): the file ends in the middle of frame 5 (truncated capture; damaged after frame 4, record at byte \(lastRecord)); the 4 frames before it were read"
        )
        #expect(reader.truncation == warning.message)
    }

    @Test func oversizedRecordLengthIsCorrupt() throws {
        let source = try TestSupport.makeCapture("corrupt-source", count: 3)
        defer { unlink(source) }
        var bytes = TestSupport.readFile(source)
        // Second record's caplen (offset: 24 + 16 + first frame + 8) set to 0x7FFFFFFF.
        let field = 24 + 16 + TestSupport.frame(0).count + 8
        bytes.replaceSubrange(field..<field + 4, with: [0xFF, 0xFF, 0xFF, 0x7F])
        let path = TestSupport.temporaryPath("corrupt.pcap")
        defer { unlink(path) }
        TestSupport.writeFile(path, bytes)
        let reader = try PcapReader(path: path)
        #expect(reader.readRecords().count == 1)
        let warning = try #require(reader.warning)
        #expect(warning.code == .corrupt && warning.frameNumber == 2)
        #expect(warning.message.contains("frame 2 is damaged (invalid packet capture length 2147483647"))
    }

    @Test func pcapngCutAnywhereNeverCrashes() throws {
        var builder = PcapngBuilder(linkTypes: [1])
        builder.packet(microseconds: 1, data: TestSupport.frame(0))
        builder.packet(microseconds: 2, data: TestSupport.frame(1))
        let path = TestSupport.temporaryPath("cut.pcapng")
        defer { unlink(path) }
        for length in 0...builder.bytes.count {
            TestSupport.writeFile(path, Array(builder.bytes.prefix(length)))
            do {
                let reader = try PcapReader(path: path)
                let count = reader.readRecords().count
                if length == builder.bytes.count {
                    #expect(count == 2 && reader.warning == nil)
                } else if length > 48 {
                    // Past SHB + IDB, a cut shows as a truncated record after the frames before it.
                    #expect(
                        reader.warning?.code == .truncatedRecord || (count == 1 && reader.warning == nil),
                        "cut at \(length)"
                    )
                }
            } catch {
                #expect(length < 48, "cut at \(length): \(error)")
                #expect(
                    [PcapError.Code.emptyFile, .truncatedHeader].contains(error.code),
                    "cut at \(length): \(error)"
                )
            }
        }
    }
}
