import PcapIO
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Files, fixtures and the shared corpus for the PcapIO tests.
enum TestSupport {
    /// A fresh path under /tmp, unique per process and call.
    static func temporaryPath(_ name: String) -> String {
        "/tmp/siptool-pcapio-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)"
    }

    static func writeFile(_ path: String, _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let file = fopen(path, "wb") else {
            Issue.record("cannot create \(path)", sourceLocation: sourceLocation)
            return
        }
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

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// A UDP frame whose payload names its index, Ethernet/IPv4.
    static func frame(_ index: Int, payloadSize: Int? = nil) -> [UInt8] {
        var payload = Array("payload \(index)".utf8)
        if let payloadSize {
            payload = Array((payload + [UInt8](repeating: 0x2E, count: payloadSize)).prefix(payloadSize))
        }
        return FrameBuilder.ethernetIPv4UDP(
            source: (0xC000_0201, 5060),
            destination: (0xC000_0202, 5060),
            payload: payload
        )
    }

    /// Writes `count` frames one second apart from 1_700_000_000.123456789 and returns the path.
    static func makeCapture(_ name: String, count: Int = 5, precision: PcapWriter.Precision = .nanoseconds) throws
        -> String
    {
        let path = Self.temporaryPath(name)
        let writer = try PcapWriter(path: path, linkType: PcapLinkType.ethernet, precision: precision)
        for index in 0..<count {
            writer.write(
                timestamp: PcapTimestamp(seconds: 1_700_000_000 + Int64(index), nanoseconds: 123_456_789),
                bytes: Self.frame(index)
            )
        }
        try writer.finish()
        return path
    }

    /// Runs a shell command and returns its standard output (nil when it cannot be started).
    static func shellOutput(_ command: String) -> String? {
        guard let pipe = popen(command, "r") else { return nil }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, pipe)
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        pclose(pipe)
        return String(decoding: output, as: UTF8.self)
    }

    static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

    // MARK: - Corpus

    /// The shared corpus: $SIPTOOL_CORPUS, else `../shared/corpus` beside the package root found
    /// from this file's real path. Nil (after printing a SKIPPED line) when it is absent.
    static func corpusDirectory(filePath: String = #filePath) -> String? {
        if let variable = getenv("SIPTOOL_CORPUS") {
            let path = String(cString: variable)
            if Self.exists(path) { return path }
            print("SKIPPED: shared corpus not found at \(path) (SIPTOOL_CORPUS)")
            return nil
        }
        var directory = filePath
        if let resolved = realpath(filePath, nil) {
            directory = String(cString: resolved)
            free(resolved)
        }
        // Walk up to the folder that holds Package.swift.
        for _ in 0..<8 {
            guard let slash = directory.lastIndex(of: "/"), slash > directory.startIndex else { break }
            directory = String(directory[..<slash])
            if Self.exists(directory + "/Package.swift") {
                let corpus = directory + "/../shared/corpus"
                if Self.exists(corpus + "/expected/summary.json") { return corpus }
                print("SKIPPED: shared corpus not found at \(corpus)")
                return nil
            }
        }
        print("SKIPPED: shared corpus not found (no Package.swift above \(filePath))")
        return nil
    }
}

/// A hand-built pcapng file: a Section Header Block, one Interface Description Block per link
/// type, and Enhanced Packet Blocks (microsecond timestamps, the pcapng default).
struct PcapngBuilder {
    var bytes: [UInt8] = []

    init(linkTypes: [UInt16]) {
        // SHB: type, total length 28, byte-order magic, version 1.0, section length -1, total length.
        self.u32(0x0A0D_0D0A)
        self.u32(28)
        self.u32(0x1A2B_3C4D)
        self.u16(1)
        self.u16(0)
        self.u32(0xFFFF_FFFF)
        self.u32(0xFFFF_FFFF)
        self.u32(28)
        for linkType in linkTypes {
            // IDB: type 1, length 20, link type, reserved, snaplen, total length.
            self.u32(1)
            self.u32(20)
            self.u16(linkType)
            self.u16(0)
            self.u32(65535)
            self.u32(20)
        }
    }

    mutating func packet(interface: UInt32 = 0, microseconds: UInt64, data: [UInt8]) {
        let padded = (data.count + 3) & ~3
        let total = UInt32(32 + padded)
        self.u32(6)
        self.u32(total)
        self.u32(interface)
        self.u32(UInt32(microseconds >> 32))
        self.u32(UInt32(microseconds & 0xFFFF_FFFF))
        self.u32(UInt32(data.count))
        self.u32(UInt32(data.count))
        self.bytes += data + [UInt8](repeating: 0, count: padded - data.count)
        self.u32(total)
    }

    private mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { self.bytes += $0 } }
    private mutating func u16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { self.bytes += $0 } }
}
