#if canImport(Glibc)
import Glibc
#endif

/// Writes a classic pcap file with nanosecond timestamps (magic 0xa1b23c4d), atomically: records go
/// to a temporary file beside the target, which replaces the target only when ``finish()`` succeeds.
/// A writer dropped without `finish()` removes its temporary file, so no half-written capture is
/// ever left under the name the user asked for.
public final class CaptureWriter {
    public let path: String
    public let linkType: Int
    private let temporaryPath: String
    private var file: UnsafeMutablePointer<FILE>?
    private var buffer: [UInt8] = []
    public private(set) var recordCount = 0

    /// Creates the temporary file and writes the global header.
    public init(path: String, linkType: Int, snapshotLength: Int = 262_144) throws(CaptureError) {
        self.path = path
        self.linkType = linkType
        self.temporaryPath = path + ".partial-\(getpid())"
        guard let file = fopen(self.temporaryPath, "wb") else {
            throw CaptureError(code: .unreadable, path: path, message: "cannot create the capture: \(String(cString: strerror(errno)))")
        }
        self.file = file
        // struct pcap_file_header (host byte order): magic, version 2.4, thiszone, sigfigs, snaplen, linktype.
        self.append(UInt32(0xA1B2_3C4D))
        self.append(UInt16(2))
        self.append(UInt16(4))
        self.append(UInt32(0))
        self.append(UInt32(0))
        self.append(UInt32(snapshotLength))
        self.append(UInt32(linkType))
    }

    deinit {
        if let file = self.file {
            fclose(file)
            unlink(self.temporaryPath)
        }
    }

    /// Appends one record.
    public func write(seconds: Int64, nanoseconds: Int64, bytes: [UInt8], originalLength: Int? = nil) {
        // struct pcap_sf_pkthdr: ts_sec, ts_nsec (nanosecond magic), caplen, len.
        self.append(UInt32(truncatingIfNeeded: seconds))
        self.append(UInt32(truncatingIfNeeded: nanoseconds))
        self.append(UInt32(bytes.count))
        self.append(UInt32(originalLength ?? bytes.count))
        self.buffer.append(contentsOf: bytes)
        self.recordCount += 1
        if self.buffer.count >= 1 << 16 { self.flushBuffer() }
    }

    /// Flushes, syncs and renames the temporary file over the target.
    public func finish() throws(CaptureError) {
        guard let file = self.file else { return }
        self.flushBuffer()
        let failed = fflush(file) != 0 || fsync(fileno(file)) != 0
        let error = errno
        fclose(file)
        self.file = nil
        if failed || rename(self.temporaryPath, self.path) != 0 {
            let reason = String(cString: strerror(failed ? error : errno))
            unlink(self.temporaryPath)
            throw CaptureError(code: .unreadable, path: self.path, message: "cannot write the capture: \(reason)")
        }
    }

    private func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value) { self.buffer.append(contentsOf: $0) }
    }

    private func flushBuffer() {
        guard let file = self.file, !self.buffer.isEmpty else { return }
        _ = self.buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        self.buffer.removeAll(keepingCapacity: true)
    }
}

/// Builds frames for fixtures and benchmarks: Ethernet + IPv4/IPv6 + UDP around a payload.
public enum FrameBuilder {
    /// An Ethernet/IPv4/UDP frame with a correct IPv4 header checksum (UDP checksum left 0, as allowed).
    public static func ethernetIPv4UDP(source: (UInt32, UInt16), destination: (UInt32, UInt16), payload: [UInt8], identification: UInt16 = 0) -> [UInt8] {
        var frame: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]
        let total = 20 + 8 + payload.count
        var ip: [UInt8] = [
            0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF),
            UInt8(identification >> 8), UInt8(identification & 0xFF), 0x40, 0,
            64, 17, 0, 0,
        ]
        for address in [source.0, destination.0] {
            ip += [UInt8(address >> 24), UInt8((address >> 16) & 0xFF), UInt8((address >> 8) & 0xFF), UInt8(address & 0xFF)]
        }
        var sum: UInt32 = 0
        for index in stride(from: 0, to: 20, by: 2) { sum += UInt32(ip[index]) << 8 | UInt32(ip[index + 1]) }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        let checksum = ~UInt16(sum)
        ip[10] = UInt8(checksum >> 8)
        ip[11] = UInt8(checksum & 0xFF)
        let length = 8 + payload.count
        let udp: [UInt8] = [
            UInt8(source.1 >> 8), UInt8(source.1 & 0xFF), UInt8(destination.1 >> 8), UInt8(destination.1 & 0xFF),
            UInt8(length >> 8), UInt8(length & 0xFF), 0, 0,
        ]
        frame += ip
        frame += udp
        frame += payload
        return frame
    }

    /// Dotted-quad text to a 32-bit address (test and benchmark convenience; nil for bad text).
    public static func ipv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".")
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }
}
