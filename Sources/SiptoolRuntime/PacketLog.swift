import Diagnosis
import NIOCore
import PacketDecoding
import PcapIO

#if canImport(Glibc)
    import Glibc
#endif

/// Every SIP and RTP packet a live command sent or received, with wall-clock times. It becomes a
/// pcap (`--pcap`, the same bytes tshark and `siptool diagnose` read) and, run through the same
/// decoder and analyzer as `diagnose`, the verdict of the call: one set of rules for both.
public final class PacketLog: @unchecked Sendable {
    // Confined to the event loop of the command that owns it.

    public struct Record: Sendable {
        public var unixNanoseconds: Int64
        public var source: SocketAddress
        public var destination: SocketAddress
        public var bytes: [UInt8]
        /// A SIP message carried over TCP (one segment per message in the pcap).
        public var isTCP = false
    }

    /// Records in arrival order, kept in chunks of `chunkSize` so that growing the log never
    /// copies everything at once (a copy of 100,000 records stalls the event loop long enough
    /// to make every RTP stream of a load test miss a tick).
    private var chunks: [[Record]] = []
    private static let chunkSize = 8192
    public private(set) var count = 0

    /// Every record, in arrival order.
    public var records: [Record] { self.chunks.flatMap { $0 } }
    /// Bound on stored packets (a 1-hour call at 50+50 packets/s is 360,000): beyond it packets are
    /// counted but not kept, and the report says so.
    public let limit: Int
    public private(set) var dropped = 0

    public init(limit: Int = 2_000_000) {
        self.limit = limit
    }

    /// The current wall-clock time in nanoseconds since 1970.
    public static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    public func record(_ bytes: [UInt8], from source: SocketAddress, to destination: SocketAddress, tcp: Bool = false, at time: Int64 = PacketLog.now()) {
        guard self.count < self.limit else {
            self.dropped += 1
            return
        }
        if self.chunks.isEmpty || self.chunks[self.chunks.count - 1].count >= Self.chunkSize {
            var chunk: [Record] = []
            chunk.reserveCapacity(Self.chunkSize)
            self.chunks.append(chunk)
        }
        self.chunks[self.chunks.count - 1].append(Record(unixNanoseconds: time, source: source, destination: destination, bytes: bytes, isTCP: tcp))
        self.count += 1
    }

    /// Each record as an Ethernet/IP/UDP (or TCP) frame (LINKTYPE 1), in time order.
    public func frames() -> [(nanoseconds: Int64, bytes: [UInt8])] {
        var sequences: [String: UInt32] = [:]
        return self.records.sorted { $0.unixNanoseconds < $1.unixNanoseconds }.compactMap { record in
            guard let frame = Self.frame(record, sequences: &sequences) else { return nil }
            return (record.unixNanoseconds, frame)
        }
    }

    static func frame(_ record: Record, sequences: inout [String: UInt32]) -> [UInt8]? {
        guard let sourceIP = record.source.ipAddress, let destinationIP = record.destination.ipAddress,
            let sourcePort = record.source.port, let destinationPort = record.destination.port
        else { return nil }
        if record.isTCP {
            guard let source = NetworkAddress(sourceIP), let destination = NetworkAddress(destinationIP) else { return nil }
            let forward = "\(record.source)>\(record.destination)"
            let backward = "\(record.destination)>\(record.source)"
            let sequence = sequences[forward] ?? 1
            sequences[forward] = sequence &+ UInt32(record.bytes.count)
            return TCPFrames.frame(
                source: (source.bytes, UInt16(sourcePort)), destination: (destination.bytes, UInt16(destinationPort)),
                sequence: sequence, acknowledgement: sequences[backward] ?? 1, payload: record.bytes)
        }
        if let source = FrameBuilder.ipv4(sourceIP), let destination = FrameBuilder.ipv4(destinationIP) {
            return FrameBuilder.ethernetIPv4UDP(
                source: (source, UInt16(sourcePort)), destination: (destination, UInt16(destinationPort)), payload: record.bytes)
        }
        guard let source = NetworkAddress(sourceIP), let destination = NetworkAddress(destinationIP) else { return nil }
        return FrameBuilder.ethernetIPv6UDP(
            source: (source.bytes, UInt16(sourcePort)), destination: (destination.bytes, UInt16(destinationPort)), payload: record.bytes)
    }

    /// Writes the packets to `path` as a nanosecond pcap, atomically (a temporary file renamed
    /// into place, so a half-written capture never appears under the name).
    public func writePcap(to path: String) throws(RuntimeError) {
        do {
            let writer = try PcapWriter(path: path, linkType: 1)
            for frame in self.frames() {
                let time = PcapTimestamp(seconds: frame.nanoseconds / 1_000_000_000, nanoseconds: UInt32(frame.nanoseconds % 1_000_000_000))
                writer.write(timestamp: time, bytes: frame.bytes)
            }
            try writer.finish()
        } catch {
            throw RuntimeError(.file, "cannot write the capture '\(path)': \(error)")
        }
    }

    /// The calls in the log, analysed exactly as `siptool diagnose` would analyse the pcap.
    public func analyze(options: AnalyzerOptions = AnalyzerOptions()) -> (calls: [CallReport], unassociated: [RTPStreamReport], counters: AnalyzerCounters) {
        var analyzer = CaptureAnalyzer(options: options)
        var decoder = PacketDecoder()
        var last = CaptureTime.zero
        for (index, frame) in self.frames().enumerated() {
            let time = CaptureTime(nanosecondsSinceEpoch: frame.nanoseconds)
            last = time
            decoder.decode(frame: frame.bytes, linkType: LinkType(rawValue: 1), timestamp: time, frameNumber: index + 1) { event in
                analyzer.ingest(event)
            }
        }
        decoder.flush(now: last) { analyzer.ingest($0) }
        let result = analyzer.finish()
        return (result.calls, result.unassociated, analyzer.counters)
    }
}
