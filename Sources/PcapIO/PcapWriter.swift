#if canImport(Glibc)
    import Glibc
#endif

/// Writes a classic pcap file, atomically.
///
/// Records go to a temporary file in the target's directory (`.<name>.partial-XXXXXX`, made by
/// `mkstemp`). ``finish()`` flushes, `fsync`s and renames it over the target, then syncs the
/// directory. A writer that fails, is cancelled (``cancel()``) or is dropped without `finish()`
/// removes its temporary file, so no half-written capture is ever left under the name asked for,
/// and an existing file of that name stays untouched until the new one is complete.
///
/// Format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html, "File Header" and
/// "Packet Record"), written little-endian: magic 0xA1B23C4D (nanosecond timestamps, the default)
/// or 0xA1B2C3D4 (microseconds), version 2.4, snaplen, link type; then per record seconds,
/// fraction, captured length, original length, bytes.
///
/// ``write(timestamp:bytes:originalLength:)`` does not throw: an error (a failed `write(2)`, a
/// timestamp pcap cannot hold) is kept and thrown by ``finish()``, and later records are dropped.
public final class PcapWriter {
    /// Timestamp resolution of the file.
    public enum Precision: Sendable {
        /// Magic 0xA1B2C3D4; the fraction field counts microseconds.
        case microseconds
        /// Magic 0xA1B23C4D; the fraction field counts nanoseconds.
        case nanoseconds
    }

    /// The target path.
    public let path: String
    /// The LINKTYPE written in the header.
    public let linkType: Int
    /// The snaplen written in the header; longer packets are cut to it (their original length is kept).
    public let snapshotLength: Int
    /// The timestamp resolution.
    public let precision: Precision
    /// Records accepted so far.
    public private(set) var recordCount = 0
    /// The first error met, if any (thrown again by ``finish()``).
    public private(set) var error: PcapError?

    private let temporaryPath: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var isFinished = false

    /// Bytes buffered before a `write(2)`.
    static let bufferThreshold = 1 << 16
    /// libpcap's largest snaplen for most link types (`MAXIMUM_SNAPLEN`).
    public static let defaultSnapshotLength = 262_144

    /// Creates the temporary file and writes the global header.
    ///
    /// - Throws: ``PcapError`` `.writeFailed` when the temporary file cannot be created (no such
    ///   directory, no permission) or an argument is out of range.
    public init(
        path: String,
        linkType: Int,
        snapshotLength: Int = PcapWriter.defaultSnapshotLength,
        precision: Precision = .nanoseconds
    ) throws(PcapError) {
        self.path = path
        self.linkType = linkType
        self.snapshotLength = snapshotLength
        self.precision = precision
        guard (0...Int(UInt32.max)).contains(linkType), (1...Int(Int32.max)).contains(snapshotLength) else {
            throw PcapError(
                code: .writeFailed,
                path: path,
                message: "invalid link type \(linkType) or snapshot length \(snapshotLength)"
            )
        }
        let (directory, name) = Self.split(path)
        var template = Array("\(directory)/.\(name).partial-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw PcapError(
                code: .writeFailed,
                path: path,
                message: "cannot create the capture: \(String(cString: strerror(errno)))"
            )
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        self.descriptor = descriptor
        self.temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.buffer.reserveCapacity(Self.bufferThreshold + 4096)
        self.append(precision == .nanoseconds ? UInt32(0xA1B2_3C4D) : UInt32(0xA1B2_C3D4))
        self.append(UInt16(2))  // version_major
        self.append(UInt16(4))  // version_minor
        self.append(UInt32(0))  // thiszone (reserved)
        self.append(UInt32(0))  // sigfigs (reserved)
        self.append(UInt32(snapshotLength))
        self.append(UInt32(linkType))
    }

    deinit {
        self.discard()
    }

    /// Where records go until ``finish()`` (for tests and messages).
    public var temporaryFilePath: String { self.temporaryPath }

    // MARK: - Records

    /// Appends one record. Bytes beyond the snaplen are cut; `originalLength` defaults to the
    /// full length of `bytes`.
    public func write(timestamp: PcapTimestamp, bytes: UnsafeRawBufferPointer, originalLength: Int? = nil) {
        guard !self.isFinished, self.error == nil else { return }
        guard timestamp.seconds >= 0 && timestamp.seconds <= Int64(UInt32.max) else {
            self.error = PcapError(
                code: .writeFailed,
                path: self.path,
                message: "timestamp \(timestamp) does not fit a pcap record (32-bit seconds)"
            )
            return
        }
        let captured = min(bytes.count, self.snapshotLength)
        let original = max(originalLength ?? bytes.count, bytes.count)
        guard original <= Int(UInt32.max) else {
            self.error = PcapError(
                code: .writeFailed,
                path: self.path,
                message: "original length \(original) does not fit a pcap record"
            )
            return
        }
        let fraction = self.precision == .nanoseconds ? timestamp.nanoseconds : timestamp.nanoseconds / 1000
        self.append(UInt32(timestamp.seconds))
        self.append(fraction)
        self.append(UInt32(captured))
        self.append(UInt32(original))
        self.buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes.prefix(captured)))
        self.recordCount += 1
        if self.buffer.count >= Self.bufferThreshold { self.flushBuffer() }
    }

    /// Appends one record from an array.
    public func write(timestamp: PcapTimestamp, bytes: [UInt8], originalLength: Int? = nil) {
        bytes.withUnsafeBytes { self.write(timestamp: timestamp, bytes: $0, originalLength: originalLength) }
    }

    /// Appends one record, the time given as seconds and nanoseconds.
    public func write(seconds: Int64, nanoseconds: Int64, bytes: [UInt8], originalLength: Int? = nil) {
        let timestamp = PcapTimestamp(nanosecondsSinceEpoch: seconds &* 1_000_000_000 &+ nanoseconds)
        self.write(timestamp: timestamp, bytes: bytes, originalLength: originalLength)
    }

    /// Appends a packet read from another capture (its link type is not checked).
    public func write(_ packet: PcapPacket) {
        self.write(timestamp: packet.timestamp, bytes: packet.bytes, originalLength: packet.originalLength)
    }

    /// Appends a record.
    public func write(_ record: PcapRecord) {
        self.write(timestamp: record.timestamp, bytes: record.bytes, originalLength: record.originalLength)
    }

    // MARK: - Finishing

    /// Flushes, syncs and renames the temporary file over the target. Calling it again does nothing.
    ///
    /// - Throws: ``PcapError`` `.writeFailed` (the first error met while writing, or a failed
    ///   write, fsync or rename); the temporary file is then removed and the target left as it was.
    public func finish() throws(PcapError) {
        guard !self.isFinished else { return }
        self.flushBuffer()
        if self.error == nil {
            // mkstemp creates 0600; a capture is an ordinary file.
            if fchmod(self.descriptor, 0o644) != 0 || fsync(self.descriptor) != 0 {
                self.error = self.systemError("cannot write the capture")
            }
        }
        if let error = self.error {
            self.discard()
            throw error
        }
        let closed = close(self.descriptor)
        self.descriptor = -1
        self.isFinished = true
        if closed != 0 || rename(self.temporaryPath, self.path) != 0 {
            let error = self.systemError("cannot write the capture")
            unlink(self.temporaryPath)
            self.error = error
            throw error
        }
        // Make the rename itself durable; failure here does not undo a complete file.
        let directory = open(Self.split(self.path).directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    /// Abandons the capture: closes and removes the temporary file; the target is not touched.
    public func cancel() {
        self.discard()
    }

    private func discard() {
        if self.descriptor >= 0 {
            close(self.descriptor)
            self.descriptor = -1
            unlink(self.temporaryPath)
        }
        self.isFinished = true
    }

    private func systemError(_ what: String) -> PcapError {
        PcapError(code: .writeFailed, path: self.path, message: "\(what): \(String(cString: strerror(errno)))")
    }

    private func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { self.buffer.append(contentsOf: $0) }
    }

    private func flushBuffer() {
        guard self.descriptor >= 0, self.error == nil else { return }
        var written = 0
        let total = self.buffer.count
        var failed = false
        self.buffer.withUnsafeBytes { raw in
            while written < total {
                let count = Glibc.write(self.descriptor, raw.baseAddress! + written, total - written)
                if count > 0 {
                    written += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    failed = true
                    return
                }
            }
        }
        if failed {
            self.error = self.systemError("cannot write the capture")
        }
        self.buffer.removeAll(keepingCapacity: true)
    }

    /// Splits a path into its directory ("." when none) and last component.
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
