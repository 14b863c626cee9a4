/// One HEP version 3 message (Homer Encapsulation Protocol): a copy of a captured packet that a
/// capture agent (Kamailio's siptrace, OpenSIPS, FreeSWITCH, heplify, rtpengine) sends to a
/// collector, with the original addresses, ports and time in typed chunks.
///
/// Layout (the HEP3 specification of the sipcapture project): "HEP3", a 16-bit total length, then
/// chunks of vendor ID (16 bits), type ID (16 bits), length (16 bits, the 6 header bytes
/// included) and value, all in network byte order. Vendor 0 ("generic") chunks used here: 1 IP
/// family, 2 IP protocol, 3/4 IPv4 source/destination, 5/6 IPv6 source/destination, 7/8 source
/// and destination port, 9/10 time in seconds and microseconds, 11 payload protocol type, 12
/// capture agent ID, 15 the captured payload. Others are skipped.
///
/// ``payload`` is borrowed from the bytes given to ``parse(_:)``.
public struct HEPMessage {
    /// Sender of the original packet.
    public var source: Endpoint
    /// Receiver of the original packet.
    public var destination: Endpoint
    /// IP protocol of the original packet (17 UDP, 6 TCP, 132 SCTP).
    public var ipProtocol: UInt8
    /// What the payload is (chunk 11): 1 SIP, 5 RTCP, 100 log, ...; 0 when absent.
    public var payloadProtocol: UInt8
    /// The agent's capture time, when it sent one (chunks 9 and 10).
    public var captureTime: CaptureTime?
    /// The capture agent's ID (chunk 12), 0 when absent.
    public var agentID: UInt32
    /// The captured payload (chunk 15), borrowed.
    public var payload: UnsafeRawBufferPointer

    /// Payload protocol type 1: SIP.
    public static let sipProtocolType: UInt8 = 1

    /// Why bytes that start like HEP were not read as a HEP message.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        /// The total length field disagrees with the bytes (cut by the snap length, or damaged).
        case badTotalLength(declared: Int, present: Int)
        /// A chunk is shorter than its header or runs past the message.
        case badChunk(offset: Int)
        /// A required chunk (addresses, ports or the payload) is missing.
        case missing(String)
        /// A compressed payload (chunk 16), which is not decoded.
        case compressed

        public var description: String {
            switch self {
            case .badTotalLength(let declared, let present):
                return "HEP3 length field says \(declared) bytes, \(present) present"
            case .badChunk(let offset): return "HEP3 chunk at byte \(offset) is malformed"
            case .missing(let what): return "HEP3 message without \(what)"
            case .compressed: return "HEP3 payload is compressed (not decoded)"
            }
        }
    }

    /// Whether bytes start with the HEP3 magic (what a decoder checks before ``parse(_:)``).
    @inline(__always)
    public static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        // "HEP3" read as one big-endian word.
        bytes.count >= 6 && bytes.readUInt32(at: 0) == 0x4845_5033
    }

    /// Parses one HEP3 message. Trailing bytes after the declared length are refused too, so a
    /// datagram that only happens to start with "HEP3" is not taken for one.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> HEPMessage {
        guard Self.hasMagic(bytes) else { throw .badTotalLength(declared: 0, present: bytes.count) }
        let total = Int(bytes.readUInt16(at: 4))
        guard total == bytes.count else { throw .badTotalLength(declared: total, present: bytes.count) }
        var family: UInt8 = 0
        var ipProtocol: UInt8 = 0
        var sourceAddress: NetworkAddress?
        var destinationAddress: NetworkAddress?
        var sourcePort: UInt16?
        var destinationPort: UInt16?
        var seconds: UInt32?
        var microseconds: UInt32 = 0
        var payloadProtocol: UInt8 = 0
        var agentID: UInt32 = 0
        var payload: UnsafeRawBufferPointer?
        var compressed = false
        var offset = 6
        while offset < total {
            guard total - offset >= 6 else { throw .badChunk(offset: offset) }
            let vendor = bytes.readUInt16(at: offset)
            let type = bytes.readUInt16(at: offset + 2)
            let length = Int(bytes.readUInt16(at: offset + 4))
            guard length >= 6, length <= total - offset else { throw .badChunk(offset: offset) }
            let value = bytes.slice(offset + 6, offset + length)
            offset += length
            guard vendor == 0 else { continue }
            // A fixed-size chunk of the wrong size is damage; refuse rather than misread it.
            func sized(_ count: Int) throws(ParseError) -> UnsafeRawBufferPointer {
                guard value.count == count else { throw .badChunk(offset: offset - length) }
                return value
            }
            switch type {
            case 1: family = try sized(1)[0]
            case 2: ipProtocol = try sized(1)[0]
            case 3: sourceAddress = NetworkAddress(ipv4: try sized(4).readUInt32(at: 0))
            case 4: destinationAddress = NetworkAddress(ipv4: try sized(4).readUInt32(at: 0))
            case 5: sourceAddress = NetworkAddress(bytes: try sized(16))
            case 6: destinationAddress = NetworkAddress(bytes: try sized(16))
            case 7: sourcePort = try sized(2).readUInt16(at: 0)
            case 8: destinationPort = try sized(2).readUInt16(at: 0)
            case 9: seconds = try sized(4).readUInt32(at: 0)
            case 10: microseconds = try sized(4).readUInt32(at: 0)
            case 11: payloadProtocol = try sized(1)[0]
            case 12: agentID = try sized(4).readUInt32(at: 0)
            case 15: payload = value
            case 16: compressed = true
            default: break
            }
        }
        // The address chunks must match the family when it is given (2 IPv4, 10 IPv6).
        if family == 2 || family == 10 {
            let wantIPv6 = family == 10
            guard sourceAddress?.isIPv6 ?? wantIPv6 == wantIPv6, destinationAddress?.isIPv6 ?? wantIPv6 == wantIPv6 else {
                throw .missing(wantIPv6 ? "IPv6 addresses for family 10" : "IPv4 addresses for family 2")
            }
        }
        guard let sourceAddress, let destinationAddress else { throw .missing("source and destination addresses") }
        guard let sourcePort, let destinationPort else { throw .missing("source and destination ports") }
        guard let payload else { throw compressed ? .compressed : .missing("a payload") }
        var captureTime: CaptureTime?
        if let seconds, microseconds < 1_000_000 {
            captureTime = CaptureTime(nanosecondsSinceEpoch: Int64(seconds) * 1_000_000_000 + Int64(microseconds) * 1000)
        }
        return HEPMessage(
            source: Endpoint(address: sourceAddress, port: sourcePort),
            destination: Endpoint(address: destinationAddress, port: destinationPort),
            ipProtocol: ipProtocol,
            payloadProtocol: payloadProtocol,
            captureTime: captureTime,
            agentID: agentID,
            payload: payload
        )
    }
}
