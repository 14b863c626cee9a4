import CPcap

#if canImport(Glibc)
import Glibc
#endif

/// Why a capture could not be read. The CLI maps `.fileNotFound`/`.unreadable` to exit 66 and
/// the others to 65.
public struct CaptureError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { self.rawValue }

        /// The path does not exist.
        public static let fileNotFound = Code("file-not-found")
        /// The path exists but cannot be opened (permissions, a directory, an I/O error).
        public static let unreadable = Code("unreadable")
        /// The file is empty.
        public static let emptyFile = Code("empty-file")
        /// Not a pcap or pcapng file (wrong magic, gzip, text...).
        public static let notACapture = Code("not-a-capture")
        /// The file ends inside its own header.
        public static let truncatedHeader = Code("truncated-header")
        /// A record is damaged (a length beyond any snaplen, a broken block).
        public static let corrupt = Code("corrupt")
    }

    public var code: Code
    public var path: String
    /// One line for a person.
    public var message: String

    public var description: String { "\(self.path): \(self.message)" }

    public static func == (lhs: CaptureError, rhs: CaptureError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(self.code) }
}

/// One captured frame, valid only inside the callback that receives it.
public struct CapturedPacket {
    /// 1-based frame number within its file, as Wireshark numbers frames.
    public var frameNumber: Int
    /// Seconds and nanoseconds since the Unix epoch.
    public var seconds: Int64
    public var nanoseconds: Int64
    /// The LINKTYPE of the file (tcpdump.org link-layer header types).
    public var linkType: Int
    /// The captured bytes (caplen of them).
    public var bytes: UnsafeRawBufferPointer
    /// The length of the packet on the wire; larger than `bytes.count` when the snaplen cut it.
    public var originalLength: Int

    /// Nanoseconds since the epoch in one number.
    public var nanosecondsSinceEpoch: Int64 { self.seconds &* 1_000_000_000 &+ self.nanoseconds }
}

/// Reads a pcap or pcapng file (or standard input for "-") through libpcap, with nanosecond
/// timestamps whatever the file's precision.
///
/// A capture that ends in the middle of a packet is common (tcpdump killed, a copy cut short): the
/// packets before the damage are delivered and the damage is reported in ``truncation`` rather than
/// thrown away with everything else.
public final class CaptureReader {
    public let path: String
    public let linkType: Int
    public let snapshotLength: Int
    private var handle: OpaquePointer?
    /// Frames read so far.
    public private(set) var framesRead = 0
    /// Set when reading stopped early on damage: what happened, in one line.
    public private(set) var truncation: String?

    public init(path: String) throws(CaptureError) {
        self.path = path
        if path != "-" {
            var info = stat()
            guard stat(path, &info) == 0 else {
                let reason = String(cString: strerror(errno))
                throw CaptureError(code: errno == ENOENT ? .fileNotFound : .unreadable, path: path, message: "cannot open the capture: \(reason)")
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                throw CaptureError(code: .unreadable, path: path, message: "is a directory, not a capture file")
            }
            if info.st_size == 0 {
                throw CaptureError(code: .emptyFile, path: path, message: "the file is empty (0 bytes): not a capture")
            }
            if access(path, R_OK) != 0 {
                throw CaptureError(code: .unreadable, path: path, message: "cannot open the capture: \(String(cString: strerror(errno)))")
            }
            if let magic = Self.firstBytes(path, count: 4) {
                if magic.count >= 2 && magic[0] == 0x1F && magic[1] == 0x8B {
                    throw CaptureError(code: .notACapture, path: path, message: "the file is gzip-compressed; decompress it first, e.g. `zcat \(path) | siptool diagnose -`")
                }
                if magic.count < 4 {
                    throw CaptureError(code: .truncatedHeader, path: path, message: "the file is only \(magic.count) bytes: too short for a capture header")
                }
            }
        }
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        let opened = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer)
        guard let opened else {
            let text = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw CaptureError(code: Self.classify(text), path: path, message: Self.explain(text))
        }
        self.handle = opened
        self.linkType = Int(pcap_datalink(opened))
        self.snapshotLength = Int(pcap_snapshot(opened))
    }

    deinit {
        if let handle = self.handle { pcap_close(handle) }
    }

    /// The next packet, or nil at the end (or at damage, which sets ``truncation``). Its bytes stay
    /// valid until the next call on this reader, so several readers can be merged by time.
    public func nextPacket() -> CapturedPacket? {
        guard let handle = self.handle else { return nil }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        while true {
            let status = pcap_next_ex(handle, &header, &data)
            if status == 1, let header, let data {
                self.framesRead += 1
                let record = header.pointee
                return CapturedPacket(
                    frameNumber: self.framesRead,
                    seconds: Int64(record.ts.tv_sec),
                    nanoseconds: Int64(record.ts.tv_usec),
                    linkType: self.linkType,
                    bytes: UnsafeRawBufferPointer(start: data, count: Int(record.caplen)),
                    originalLength: Int(record.len)
                )
            } else if status == 0 {
                continue
            } else {
                if status != PCAP_ERROR_BREAK {
                    self.truncation = "the capture is damaged after frame \(self.framesRead) (\(String(cString: pcap_geterr(handle)))); "
                        + "the \(self.framesRead) frame(s) before it were read"
                }
                return nil
            }
        }
    }

    /// How far into the file reading has got, in bytes (for progress); nil for stdin.
    public var bytesRead: Int? {
        guard self.path != "-", let handle = self.handle, let file = pcap_file(handle) else { return nil }
        return ftell(file)
    }

    /// Calls `body` for every packet in order. Stops early (and sets ``truncation``) when the file is
    /// damaged; returns normally in both cases.
    public func forEachPacket(_ body: (CapturedPacket) throws -> Void) rethrows {
        while let packet = self.nextPacket() {
            try body(packet)
        }
    }

    static func firstBytes(_ path: String, count: Int) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = fread(&bytes, 1, count, file)
        return Array(bytes.prefix(read))
    }

    /// Sorts libpcap's open errors into our codes (texts of libpcap 1.10).
    static func classify(_ text: String) -> CaptureError.Code {
        let lowered = text.lowercased()
        if lowered.contains("no such file") { return .fileNotFound }
        if lowered.contains("permission denied") { return .unreadable }
        if lowered.contains("unknown file format") || lowered.contains("bad dump file format") { return .notACapture }
        if lowered.contains("truncated") || lowered.contains("premature end") { return .truncatedHeader }
        return .corrupt
    }

    static func explain(_ text: String) -> String {
        let lowered = text.lowercased()
        if lowered.contains("unknown file format") {
            return "not a pcap or pcapng capture (unknown file format)"
        }
        if lowered.contains("truncated") { return "the file ends inside the capture header (\(text))" }
        return "cannot read the capture: \(text)"
    }
}
