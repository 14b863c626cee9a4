import CPcap

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a pcap or pcapng capture through libpcap, with nanosecond timestamps whatever the file's
/// own precision (`pcap_fopen_offline_with_tstamp_precision(…, PCAP_TSTAMP_PRECISION_NANO, …)`).
///
/// Opening checks the path itself first (`stat`, `open`, the magic number) so that the error
/// codes are reliable: a missing file, a directory, an empty file, a gzip file and a file cut
/// inside its header each get their own ``PcapError/Code``. libpcap's own messages are sorted
/// into the same codes.
///
/// Reading never throws. A capture that ends in the middle of a packet is common (tcpdump killed,
/// a copy cut short): the packets before the damage are delivered, reading stops, and
/// ``warning`` says what happened, with the frame number and byte offset.
///
/// - Note: libpcap 1.10 reads pcapng files only when every interface has the first interface's
///   link type. At the first interface block that differs it fails; the reader then stops with a
///   ``PcapError/Code/mixedLinkTypes`` warning. ``linkType`` is therefore the link type of every
///   packet delivered.
///
/// Two ways to iterate:
/// - ``forEachPacket(_:)`` / ``nextPacket()``: zero-copy ``PcapPacket`` views into libpcap's
///   buffer (valid until the next call on this reader), at libpcap's speed.
/// - ``nextRecord()`` / ``readRecords(limit:)`` / ``readRecords(path:)``: owned ``PcapRecord``s.
public final class PcapReader {
    /// The name the reader was opened with ("-" for standard input).
    public let path: String
    /// The LINKTYPE of the capture (`pcap_datalink`), the same for every packet delivered.
    public let linkType: Int
    /// The capture's snapshot length (`pcap_snapshot`): packets longer than this were cut, so a
    /// caller can warn that SIP messages may be incomplete.
    public let snapshotLength: Int
    /// The container format.
    public let format: PcapFileFormat
    /// Frames delivered so far.
    public var framesRead: Int { self.frameCount }
    /// The storage of ``framesRead``: private, so the per-packet increment needs no run-time
    /// exclusivity check (a public class property gets one).
    private var frameCount = 0
    /// Set when reading stopped before the end of the data: truncation, damage, mixed link types
    /// or an I/O error. The frames before the problem were delivered.
    public private(set) var warning: PcapError?

    private let handle: OpaquePointer
    private var isAtEnd = false
    /// Classic formats: the byte offset of the next record (24-byte global header, then records).
    private var nextRecordOffset = PcapReader.globalHeaderLength
    private let recordHeaderLength: Int
    private let hasThirtyTwoBitSeconds: Bool
    /// Classic pcap files are read from a memory map (no read(2) and no copy per packet) while
    /// their records are plain; nil for other inputs, and after the first record that is not.
    private var mapped: MappedRecords?
    /// ``mapped``'s facts, copied here so the per-packet path reads them without reference
    /// counting; `mappedBase` is nil when records come from libpcap.
    private var mappedBase: UnsafeRawPointer?
    private var mappedSize = 0
    private var mappedSwapped = false
    private var mappedNanosecond = false
    private var mappedMaximumCapturedLength = 0
    /// The offset from which ``MappedRecords/advance(to:)`` has work to do.
    private var mappedNextStep = 0
    /// End of the mapped bytes whose cache lines were requested ahead of reading (see
    /// ``prefetchDistance``).
    private var mappedPrefetchedUpTo = 0
    /// How far ahead of the record being returned its successors are requested: about a dozen
    /// typical RTP records, far enough for their bytes to arrive before they are decoded.
    static let prefetchDistance = 3072

    /// `struct pcap_file_header`: magic, version, thiszone, sigfigs, snaplen, linktype.
    static let globalHeaderLength = 24
    /// The smallest pcapng Section Header Block (block type, length, byte-order magic, version,
    /// section length, trailing length): 28 bytes.
    static let minimumSectionHeaderLength = 28

    // MARK: - Opening

    /// Opens a capture file, or standard input when `path` is "-".
    ///
    /// - Throws: ``PcapError`` with `.fileNotFound`, `.permissionDenied`, `.unreadable` (a
    ///   directory), `.emptyFile`, `.notACapture` (wrong magic; gzip and other compressed files
    ///   are named), `.truncatedHeader`, `.corrupt` or `.readError`.
    public convenience init(path: String) throws(PcapError) {
        if path == "-" {
            try self.init(fileDescriptor: 0, name: "-")
            return
        }
        let opened = try Self.openChecked(path)
        try self.init(ownedFile: opened.file, name: path, format: opened.format, magic: opened.magic)
    }

    /// Reads from an open file descriptor (a pipe, standard input, a socket). The descriptor is
    /// duplicated, so the caller keeps and closes its own.
    public convenience init(fileDescriptor: Int32, name: String) throws(PcapError) {
        let copy = fcntl(fileDescriptor, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else {
            throw PcapError(code: .readError, path: name, message: "cannot read the input: \(Self.errnoText(errno))")
        }
        guard let file = fdopen(copy, "rb") else {
            let number = errno
            close(copy)
            throw PcapError(code: .readError, path: name, message: "cannot read the input: \(Self.errnoText(number))")
        }
        try self.init(ownedFile: file, name: name, format: nil, magic: nil)
    }

    /// Reads from an open `FILE`. The reader takes ownership: the stream is closed when the reader
    /// goes away, or at once if this initializer throws.
    public convenience init(file: UnsafeMutablePointer<FILE>, name: String) throws(PcapError) {
        try self.init(ownedFile: file, name: name, format: nil, magic: nil)
    }

    private init(ownedFile file: UnsafeMutablePointer<FILE>, name: String, format: PcapFileFormat?, magic: [UInt8]?)
        throws(PcapError)
    {
        // A larger stdio buffer: 64 times fewer read(2) calls than the 4 KiB default. From the
        // page cache the gain was within the noise of a shared machine; on slow storage or a
        // pipe fewer, larger reads help.
        _ = setvbuf(file, nil, _IOFBF, Self.streamBufferSize)
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard
            let handle = pcap_fopen_offline_with_tstamp_precision(
                file,
                UInt32(PCAP_TSTAMP_PRECISION_NANO),
                &errorBuffer
            )
        else {
            // pcap_fopen_offline* leaves the stream open on failure.
            fclose(file)
            let text = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw Self.openError(text, path: name, magic: magic)
        }
        self.handle = handle
        self.path = name
        self.linkType = Self.linkType(fromDLT: Int(pcap_datalink(handle)))
        self.snapshotLength = Int(pcap_snapshot(handle))
        // libpcap presents pcapng as version 1.0; classic files are 2.x.
        let resolved = format ?? (pcap_major_version(handle) == 1 ? .pcapng : .pcap)
        self.format = resolved
        self.recordHeaderLength = resolved == .modifiedPcap ? 24 : 16
        self.hasThirtyTwoBitSeconds = resolved != .pcapng
        if format == .pcap {
            self.mapped = MappedRecords(file: file, linkType: self.linkType, snapshotLength: self.snapshotLength)
            if let mapped = self.mapped {
                self.mappedBase = mapped.base
                self.mappedSize = mapped.size
                self.mappedSwapped = mapped.swapped
                self.mappedNanosecond = mapped.nanosecond
                self.mappedMaximumCapturedLength = mapped.maximumCapturedLength
            }
        }
    }

    /// `pcap_datalink` returns a DLT value, which differs from the LINKTYPE value in the file for
    /// a few old types whose DLT numbers vary by platform (libpcap's `pcap-common.c` maps them):
    /// on Linux DLT_ATM_RFC1483 11, DLT_RAW 12 (14 on OpenBSD), DLT_SLIP_BSDOS 15, DLT_PPP_BSDOS 16.
    /// LINKTYPE values 11–17 are never used in files, so mapping them back is unambiguous.
    static func linkType(fromDLT dlt: Int) -> Int {
        switch dlt {
        case 11: return 100  // LINKTYPE_ATM_RFC1483
        case 12, 14: return PcapLinkType.raw
        case 15: return 102  // LINKTYPE_SLIP_BSDOS
        case 16: return 103  // LINKTYPE_PPP_BSDOS
        default: return dlt
        }
    }

    deinit {
        pcap_close(self.handle)
    }

    /// The records of a classic pcap file (RFC-draft "PCAP Capture File Format" §4-5), read
    /// through `mmap`. Only records libpcap would deliver unchanged are read here: a link type
    /// without pseudo-header fix-ups, and a captured length within the snapshot length, within
    /// 262,144 bytes and within the file. At anything else (the end of the file included) the
    /// reader positions libpcap's stream at that record and lets libpcap go on, so damaged and
    /// truncated files get exactly libpcap's packets and errors.
    ///
    /// Pages already read are released as reading advances, so resident memory does not grow
    /// with the file.
    final class MappedRecords {
        let base: UnsafeRawPointer
        let size: Int
        let swapped: Bool
        let nanosecond: Bool
        let maximumCapturedLength: Int
        /// Start of the pages not yet released.
        var releasedUpTo = 0
        /// End of the pages whose page-table entries were filled ahead of reading.
        var populatedUpTo = 0
        /// Pages are released behind and filled ahead of the reading position in steps this large.
        static let step = 1 << 23
        static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

        init?(file: UnsafeMutablePointer<FILE>, linkType: Int, snapshotLength: Int) {
            guard [1, 101, 228, 229].contains(linkType) else { return nil }
            let descriptor = fileno(file)
            var info = stat()
            guard descriptor >= 0, fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
                info.st_size >= PcapReader.globalHeaderLength, info.st_size <= Int.max / 2
            else { return nil }
            let size = Int(info.st_size)
            guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), map != MAP_FAILED else { return nil }
            let base = UnsafeRawPointer(map)
            let magic = base.loadUnaligned(as: UInt32.self)
            let major: UInt16
            let minor: UInt16
            switch magic {
            case 0xA1B2_C3D4, 0xA1B2_3C4D:
                self.swapped = false
                major = base.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
                minor = base.loadUnaligned(fromByteOffset: 6, as: UInt16.self)
            case 0xD4C3_B2A1, 0x4D3C_B2A1:
                self.swapped = true
                major = base.loadUnaligned(fromByteOffset: 4, as: UInt16.self).byteSwapped
                minor = base.loadUnaligned(fromByteOffset: 6, as: UInt16.self).byteSwapped
            default:
                munmap(map, size)
                return nil
            }
            // Before version 2.4 libpcap may swap the two length fields (files from old writers).
            guard major == 2, minor >= 4 else {
                munmap(map, size)
                return nil
            }
            self.nanosecond = magic == 0xA1B2_3C4D || magic == 0x4D3C_B2A1
            self.base = base
            self.size = size
            self.maximumCapturedLength = min(snapshotLength, 262_144)
            _ = madvise(map, size, MADV_SEQUENTIAL)
        }

        deinit {
            munmap(UnsafeMutableRawPointer(mutating: self.base), self.size)
        }

        /// Releases the pages before `offset` and fills the page tables of the next step ahead
        /// (one system call instead of a page fault every few pages). Returns the offset at which
        /// to call again.
        func advance(to offset: Int) -> Int {
            let end = offset / Self.pageSize * Self.pageSize
            if end - self.releasedUpTo >= Self.step {
                _ = madvise(UnsafeMutableRawPointer(mutating: self.base + self.releasedUpTo), end - self.releasedUpTo, MADV_DONTNEED)
                self.releasedUpTo = end
            }
            let start = max(self.populatedUpTo, end)
            let stop = min(self.size, start + Self.step)
            if stop > start {
                // Fails harmlessly (EINVAL) on kernels before 5.14: the pages then fault in as read.
                _ = madvise(UnsafeMutableRawPointer(mutating: self.base + start), stop - start, MADV_POPULATE_READ)
            }
            self.populatedUpTo = max(stop, start + Self.step)
            return self.populatedUpTo - Self.step / 2
        }
    }

    /// stdio buffer for the capture stream: 256 KiB.
    static let streamBufferSize = 1 << 18

    // MARK: - Reading

    /// The next packet, or nil at the end of the data (or at damage, which sets ``warning``).
    ///
    /// The packet's ``PcapPacket/bytes`` stay valid until the next call on this reader, so
    /// several readers can be merged by time (``MergedPcapReader``).
    public func nextPacket() -> PcapPacket? {
        if self.isAtEnd { return nil }
        if let base = self.mappedBase {
            if let packet = self.nextMappedPacket(base) { return packet }
            // Not a plain record (or the end): libpcap reads on from this record.
            self.mapped = nil
            self.mappedBase = nil
            guard let file = pcap_file(self.handle), fseeko(file, off_t(self.nextRecordOffset), SEEK_SET) == 0 else {
                self.isAtEnd = true
                self.warning = PcapError(
                    code: .readError, path: self.path,
                    message: "reading failed at frame \(self.framesRead + 1) (cannot seek in the capture); \(Self.readBeforePhrase(self.framesRead))",
                    frameNumber: self.framesRead + 1, byteOffset: self.nextRecordOffset)
                return nil
            }
        }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let status = pcap_next_ex(self.handle, &header, &data)
        guard status == 1, let header, let data else {
            self.stop(status: status)
            return nil
        }
        self.frameCount += 1
        let record = header.pointee
        let caplen = Int(record.caplen)
        self.nextRecordOffset &+= self.recordHeaderLength &+ caplen
        // Classic pcap stores unsigned 32-bit seconds, which libpcap 1.10 sign-extends (files
        // dated after 2038, or damaged, came out negative); tshark reads them unsigned, and so do we.
        let seconds =
            self.hasThirtyTwoBitSeconds ? Int64(UInt32(truncatingIfNeeded: record.ts.tv_sec)) : Int64(record.ts.tv_sec)
        let fraction = Int64(record.ts.tv_usec)  // nanoseconds, given the precision asked for
        let timestamp =
            fraction >= 0 && fraction < 1_000_000_000
            ? PcapTimestamp(seconds: seconds, nanoseconds: UInt32(fraction))
            : PcapTimestamp(nanosecondsSinceEpoch: seconds &* 1_000_000_000 &+ fraction)
        return PcapPacket(
            frameNumber: self.framesRead,
            timestamp: timestamp,
            linkType: self.linkType,
            bytes: UnsafeRawBufferPointer(start: data, count: caplen),
            originalLength: Int(record.len)
        )
    }

    /// The next record from the memory map, or nil when it is not one the map reads (see
    /// ``MappedRecords``).
    @inline(__always)
    private func nextMappedPacket(_ base: UnsafeRawPointer) -> PcapPacket? {
        let offset = self.nextRecordOffset
        let size = self.mappedSize
        let swapped = self.mappedSwapped
        func word(_ at: Int) -> UInt32 {
            let value = base.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            return swapped ? value.byteSwapped : value
        }
        guard size - offset >= 16 else { return nil }
        let caplen = Int(word(offset + 8))
        guard caplen <= self.mappedMaximumCapturedLength, caplen <= size - offset - 16 else { return nil }
        // A fraction beyond one second is damage: libpcap's own arithmetic decides what it means.
        let rawFraction = word(offset + 4)
        guard rawFraction < (self.mappedNanosecond ? 1_000_000_000 : 1_000_000) else { return nil }
        if offset >= self.mappedNextStep, let mapped = self.mapped {
            self.mappedNextStep = mapped.advance(to: offset)
        }
        self.frameCount += 1
        self.nextRecordOffset = offset + 16 + caplen
        // Request the cache lines of the records ahead (the hardware prefetcher stops at page edges).
        let prefetchEnd = min(size, offset + 16 + caplen + Self.prefetchDistance)
        var line = max(self.mappedPrefetchedUpTo, offset + 16 + caplen)
        while line < prefetchEnd {
            siptool_prefetch(base + line)
            line += 64
        }
        self.mappedPrefetchedUpTo = max(self.mappedPrefetchedUpTo, line)
        // Classic pcap's seconds are unsigned 32-bit (see nextPacket); microseconds scale to ns.
        let seconds = Int64(word(offset))
        let fraction = self.mappedNanosecond ? rawFraction : rawFraction * 1000
        let timestamp = PcapTimestamp(seconds: seconds, nanoseconds: fraction)
        return PcapPacket(
            frameNumber: self.framesRead,
            timestamp: timestamp,
            linkType: self.linkType,
            bytes: UnsafeRawBufferPointer(start: base + offset + 16, count: caplen),
            originalLength: Int(word(offset + 12))
        )
    }

    /// Calls `body` for every packet in order, zero-copy: the packet's bytes are valid only
    /// during the call. Stops early (setting ``warning``) when the data is damaged, and returns
    /// normally in both cases.
    ///
    /// - Returns: ``warning``: nil when the whole capture was read.
    @discardableResult
    public func forEachPacket(_ body: (PcapPacket) throws -> Void) rethrows -> PcapError? {
        while let packet = self.nextPacket() {
            try body(packet)
        }
        return self.warning
    }

    /// The next packet as an owned record (copies the bytes).
    public func nextRecord() -> PcapRecord? {
        self.nextPacket()?.makeRecord()
    }

    /// Up to `limit` further packets as owned records.
    public func readRecords(limit: Int = .max) -> [PcapRecord] {
        var records: [PcapRecord] = []
        while records.count < limit, let record = self.nextRecord() {
            records.append(record)
        }
        return records
    }

    /// Reads a whole capture into memory.
    ///
    /// - Returns: the records, and the warning if reading stopped early (the records before the
    ///   damage are included).
    /// - Throws: ``PcapError`` when the capture cannot be opened.
    public static func readRecords(path: String) throws(PcapError) -> (records: [PcapRecord], warning: PcapError?) {
        let reader = try PcapReader(path: path)
        let records = reader.readRecords()
        return (records, reader.warning)
    }

    /// How far reading has got, in bytes from the start of the data (for progress displays).
    /// Exact for classic pcap, also on a pipe; from the stream position for pcapng (nil on a pipe).
    public var bytesRead: Int? {
        if self.format != .pcapng { return self.nextRecordOffset }
        guard let file = pcap_file(self.handle) else { return nil }
        let position = ftell(file)
        return position >= 0 ? position : nil
    }

    /// The one-line text of ``warning``, for callers that only print it.
    public var truncation: String? { self.warning?.message }

    // MARK: - Errors

    private func stop(status: Int32) {
        self.isAtEnd = true
        if status == PCAP_ERROR_BREAK { return }
        let text = status == 0 ? "libpcap returned no packet (status 0)" : String(cString: pcap_geterr(self.handle))
        let frame = self.framesRead + 1
        let readBefore = Self.readBeforePhrase(self.framesRead)
        let lowered = text.lowercased()
        var offset: Int?
        if self.format == .pcapng {
            if let file = pcap_file(self.handle) {
                let position = ftell(file)
                if position >= 0 { offset = position }
            }
        } else {
            offset = self.nextRecordOffset
        }
        // "damaged after frame N" is the wording of the module's first version, which the CLI's
        // tests look for.
        let damagedAfter = self.framesRead > 0 ? "; damaged after frame \(self.framesRead)" : ""
        let code: PcapError.Code
        let message: String
        if lowered.contains("type") && lowered.contains("different from") {
            code = .mixedLinkTypes
            message =
                "the pcapng file has interfaces with different link types (\(text); the first is LINKTYPE \(self.linkType)); "
                + "libpcap 1.10 cannot read such files, so reading stopped before frame \(frame) and \(readBefore). "
                + "Split it per interface first, e.g. `tshark -r \(self.path) -Y 'frame.interface_id == 1' -F pcap -w part.pcap`"
        } else if lowered.contains("truncated") {
            code = .truncatedRecord
            if self.format == .pcapng {
                let stops = offset.map { "; data stops at byte \($0)" } ?? ""
                message =
                    "the file ends in the middle of a pcapng block after frame \(self.framesRead) (truncated capture\(stops)); \(readBefore)"
            } else {
                message =
                    "the file ends in the middle of frame \(frame) (truncated capture\(damagedAfter), record at byte "
                    + "\(self.nextRecordOffset)); \(readBefore)"
            }
        } else if lowered.contains("error reading dump file") || status == 0 {
            code = .readError
            message = "reading failed at frame \(frame) (\(text)); \(readBefore)"
        } else {
            code = .corrupt
            let place = offset.map { self.format == .pcapng ? ", near byte \($0)" : ", record at byte \($0)" } ?? ""
            message = "frame \(frame) is damaged (\(text)\(place)); reading stopped there and \(readBefore)"
        }
        self.warning = PcapError(code: code, path: self.path, message: message, frameNumber: frame, byteOffset: offset)
    }

    /// "the 1233 frames before it were read" and its singular and empty forms.
    static func readBeforePhrase(_ count: Int) -> String {
        switch count {
        case 0: return "no frame before it could be read"
        case 1: return "the 1 frame before it was read"
        default: return "the \(count) frames before it were read"
        }
    }

    static func errnoText(_ number: Int32) -> String {
        String(cString: strerror(number))
    }

    /// Opens `path` after checking it, and peeks at its magic number when it is a regular file.
    private static func openChecked(_ path: String) throws(PcapError) -> (
        file: UnsafeMutablePointer<FILE>, format: PcapFileFormat?, magic: [UInt8]?
    ) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Self.errnoError(errno, path: path)
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR {
            throw PcapError(code: .unreadable, path: path, message: "is a directory, not a capture file")
        }
        let isRegular = type == S_IFREG
        if isRegular && info.st_size == 0 {
            throw PcapError(
                code: .emptyFile,
                path: path,
                message: "the file is empty (0 bytes), so it holds no capture"
            )
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw Self.errnoError(errno, path: path)
        }
        var format: PcapFileFormat?
        var magic: [UInt8]?
        if isRegular {
            var head = [UInt8](repeating: 0, count: 4)
            let count = pread(descriptor, &head, 4, 0)
            guard count >= 0 else {
                let number = errno
                close(descriptor)
                throw PcapError(
                    code: .readError,
                    path: path,
                    message: "cannot read the capture: \(Self.errnoText(number))"
                )
            }
            let bytes = Array(head.prefix(count))
            if let problem = Self.checkHead(bytes, size: Int(info.st_size), path: path) {
                close(descriptor)
                throw problem
            }
            format = Self.format(ofMagic: bytes)
            magic = bytes
        }
        guard let file = fdopen(descriptor, "rb") else {
            let number = errno
            close(descriptor)
            throw PcapError(code: .readError, path: path, message: "cannot read the capture: \(Self.errnoText(number))")
        }
        return (file, format, magic)
    }

    private static func errnoError(_ number: Int32, path: String) -> PcapError {
        let text = Self.errnoText(number)
        switch number {
        case ENOENT, ENOTDIR:
            return PcapError(code: .fileNotFound, path: path, message: "no such file (\(text))")
        case EACCES, EPERM:
            return PcapError(code: .permissionDenied, path: path, message: "cannot open the capture: \(text)")
        case EIO:
            return PcapError(code: .readError, path: path, message: "cannot open the capture: \(text)")
        default:
            return PcapError(code: .unreadable, path: path, message: "cannot open the capture: \(text)")
        }
    }

    /// Compressed files and files too short for any capture header, told from the first bytes.
    static func checkHead(_ head: [UInt8], size: Int, path: String) -> PcapError? {
        let compressors: [(magic: [UInt8], name: String, tool: String)] = [
            ([0x1F, 0x8B], "gzip", "zcat"),
            ([0x42, 0x5A, 0x68], "bzip2", "bzcat"),
            ([0xFD, 0x37, 0x7A, 0x58], "xz", "xzcat"),
            ([0x28, 0xB5, 0x2F, 0xFD], "zstd", "zstdcat"),
        ]
        for compressor in compressors where head.starts(with: compressor.magic) {
            return PcapError(
                code: .notACapture,
                path: path,
                message: "the file is \(compressor.name)-compressed and libpcap cannot read compressed captures; "
                    + "decompress it first, e.g. `\(compressor.tool) \(path) | siptool diagnose -`"
            )
        }
        if head.count < 4 {
            return PcapError(
                code: .truncatedHeader,
                path: path,
                message: "the file is only \(size) byte(s): too short for a capture header"
            )
        }
        switch Self.format(ofMagic: head) {
        case .pcap, .modifiedPcap:
            if size < Self.globalHeaderLength {
                return PcapError(
                    code: .truncatedHeader,
                    path: path,
                    message: "the file ends inside the pcap header (\(size) of \(Self.globalHeaderLength) bytes)"
                )
            }
        case .pcapng:
            if size < Self.minimumSectionHeaderLength {
                return PcapError(
                    code: .truncatedHeader,
                    path: path,
                    message:
                        "the file ends inside the pcapng section header (\(size) of at least \(Self.minimumSectionHeaderLength) bytes)"
                )
            }
        case nil:
            break  // libpcap decides (and says "unknown file format")
        }
        return nil
    }

    /// The format a magic number announces, in either byte order.
    static func format(ofMagic head: [UInt8]) -> PcapFileFormat? {
        guard head.count >= 4 else { return nil }
        let little = UInt32(head[0]) | UInt32(head[1]) << 8 | UInt32(head[2]) << 16 | UInt32(head[3]) << 24
        switch little {
        case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1: return .pcap
        case 0xA1B2_CD34, 0x34CD_B2A1: return .modifiedPcap
        case 0x0A0D_0D0A: return .pcapng
        default: return nil
        }
    }

    /// Sorts libpcap 1.10's open-time messages into codes. The texts, found by trying each case:
    /// "unknown file format"; "truncated dump file; tried to read 4 file header bytes, only got 0"
    /// (empty stream); "truncated dump file; tried to read 24 file header bytes, only got 6";
    /// "truncated pcapng dump file; tried to read 96 bytes, only got 8"; "error reading dump file:
    /// Is a directory"; "<path>: No such file or directory".
    static func openError(_ text: String, path: String, magic: [UInt8]?) -> PcapError {
        let lowered = text.lowercased()
        let isStream = magic == nil
        let name = path == "-" ? "standard input" : "the input"
        if lowered.contains("unknown file format") {
            if let magic {
                let hex = magic.map { byte in
                    let digits = String(byte, radix: 16)
                    return digits.count == 1 ? "0" + digits : digits
                }.joined(separator: " ")
                return PcapError(
                    code: .notACapture,
                    path: path,
                    message: "not a pcap or pcapng capture (unknown file format; it starts with bytes \(hex))"
                )
            }
            return PcapError(
                code: .notACapture,
                path: path,
                message: "\(name) is not a pcap or pcapng capture (unknown file format); "
                    + "a compressed capture must be decompressed first, e.g. `zcat capture.pcap.gz | siptool diagnose -`"
            )
        }
        if lowered.contains("archaic") || lowered.contains("unsupported") || lowered.contains("version") {
            return PcapError(code: .notACapture, path: path, message: "unsupported capture format (\(text))")
        }
        if lowered.contains("no interface description") {
            return PcapError(
                code: .truncatedHeader,
                path: path,
                message: "the pcapng file ends before its first interface description block (\(text))"
            )
        }
        if lowered.contains("truncated") {
            if isStream && lowered.contains("file header bytes, only got 0") {
                return PcapError(
                    code: .emptyFile,
                    path: path,
                    message: "\(name) is empty (0 bytes), so it holds no capture"
                )
            }
            return PcapError(
                code: .truncatedHeader,
                path: path,
                message: "the data ends inside the capture header (\(text))"
            )
        }
        if lowered.contains("no such file") {
            return PcapError(code: .fileNotFound, path: path, message: "no such file (\(text))")
        }
        if lowered.contains("permission denied") {
            return PcapError(code: .permissionDenied, path: path, message: "cannot open the capture: \(text)")
        }
        if lowered.contains("is a directory") {
            return PcapError(code: .unreadable, path: path, message: "is a directory, not a capture file")
        }
        if lowered.contains("error reading dump file") {
            return PcapError(code: .readError, path: path, message: "cannot read the capture: \(text)")
        }
        return PcapError(code: .corrupt, path: path, message: "the capture header is damaged (\(text))")
    }
}
