import PcapIO
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct MergedPcapReaderTests {
    /// Writes frames at the given milliseconds (payload "<tag><index>") and returns the path.
    func capture(_ tag: String, milliseconds: [Int64], linkType: Int = 1) throws -> String {
        let path = TestSupport.temporaryPath("merge-\(tag).pcap")
        let writer = try PcapWriter(path: path, linkType: linkType)
        for (index, time) in milliseconds.enumerated() {
            writer.write(
                timestamp: PcapTimestamp(nanosecondsSinceEpoch: time * 1_000_000),
                bytes: Array("\(tag)\(index)".utf8)
            )
        }
        try writer.finish()
        return path
    }

    @Test func interleavedFilesComeOutInTimeOrderStably() throws {
        let a = try self.capture("a", milliseconds: [10, 30, 50, 50])
        let b = try self.capture("b", milliseconds: [20, 30, 40, 60], linkType: PcapLinkType.linuxSLL)
        let c = try self.capture("c", milliseconds: [])
        defer { for path in [a, b, c] { unlink(path) } }
        let merged = try MergedPcapReader(paths: [a, b, c])
        #expect(merged.linkTypes == [1, 113, 1])
        var order: [String] = []
        var global: [Int] = []
        var perFile: [Int] = []
        var linkTypes: [Int] = []
        let warnings = merged.forEachPacket { item in
            order.append(String(decoding: item.packet.bytes, as: UTF8.self))
            global.append(item.globalFrameNumber)
            perFile.append(item.packet.frameNumber)
            linkTypes.append(item.packet.linkType)
            #expect(merged.readers[item.fileIndex].linkType == item.packet.linkType)
        }
        #expect(warnings.isEmpty)
        // Equal times (30 ms in a and b) come in file order; equal times within a file keep file order.
        #expect(order == ["a0", "b0", "a1", "b1", "b2", "a2", "a3", "b3"])
        #expect(global == Array(1...8))
        #expect(perFile == [1, 1, 2, 2, 3, 3, 4, 4])
        #expect(linkTypes == [1, 113, 1, 113, 113, 1, 1, 113])
        #expect(merged.nextPacket() == nil)
    }

    @Test func fileOrderIsKeptWhenAFileGoesBackInTime() throws {
        let a = try self.capture("a", milliseconds: [50, 10])
        let b = try self.capture("b", milliseconds: [20])
        defer { for path in [a, b] { unlink(path) } }
        let merged = MergedPcapReader(readers: [try PcapReader(path: a), try PcapReader(path: b)])
        var order: [String] = []
        merged.forEachPacket { order.append(String(decoding: $0.packet.bytes, as: UTF8.self)) }
        #expect(order == ["b0", "a0", "a1"])
    }

    @Test func manyFilesMergeAndWarningsAreCollected() throws {
        var paths: [String] = []
        for file in 0..<9 {
            paths.append(try self.capture("f\(file)", milliseconds: (0..<20).map { Int64($0 * 9 + (8 - file)) }))
        }
        defer { for path in paths { unlink(path) } }
        // Cut the last file in its last record.
        let last = TestSupport.readFile(paths[8])
        TestSupport.writeFile(paths[8], Array(last.dropLast(1)))
        let merged = try MergedPcapReader(paths: paths)
        var times: [Int64] = []
        let warnings = merged.forEachPacket { times.append($0.packet.nanosecondsSinceEpoch / 1_000_000) }
        #expect(times.count == 179)
        #expect(times == times.sorted())
        #expect(warnings.map(\.code) == [.truncatedRecord])
        #expect(warnings.first?.path == paths[8])
    }

    @Test func aMissingFileFailsBeforeAnyWork() throws {
        let a = try self.capture("a", milliseconds: [1])
        defer { unlink(a) }
        #expect(throws: PcapError(code: .fileNotFound, path: "")) {
            _ = try MergedPcapReader(paths: [a, "/nonexistent-siptool/b.pcap"])
        }
    }
}
