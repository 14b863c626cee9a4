/// Turns captured frames into UDP datagrams, TCP stream bytes and ICMP errors (sans-IO).
///
/// The decoder is a value that owns the stateful parts (IP fragment reassembly and TCP
/// stream reassembly) and nothing else: the caller reads frames (PcapIO) and feeds them in
/// capture order with their timestamps; events come back through a closure, so the fast path
/// (Ethernet / IPv4 / UDP) allocates nothing and copies nothing. All timeouts run on capture
/// time: call ``flush(now:_:)`` at the end of the capture.
///
/// Layers understood: NULL/LOOP, Ethernet, raw IP (101, 12, 14, 228, 229), Linux SLL and
/// SLL2; 802.1Q/802.1ad/QinQ VLAN tags, PPPoE sessions, MPLS label stacks; IPv4 (options
/// skipped, checksum never checked) and IPv6 (extension headers); IP-in-IP (4, 41), GRE
/// (RFC 2784/2890), transparent Ethernet bridging, ERSPAN types I-III; UDP (checksum never
/// checked: loopback captures carry unfilled ones), TCP, and ICMP/ICMPv6 errors.
public struct PacketDecoder: Sendable {
    /// Per-frame facts gathered on the way in.
    private struct FrameContext {
        var timestamp: CaptureTime
        var frameNumber: Int
        var vlan = VLANTags()
        var tunnel = TunnelInfo()
        /// Encapsulations entered so far (bounded by ``DecoderLimits/maximumEncapsulationDepth``).
        var depth = 0
        var wasFragmented = false
    }

    /// How often (in capture time) timeouts are checked: once a second is precise enough for
    /// timeouts of tens of seconds and keeps the per-frame cost at one comparison.
    private static let sweepIntervalNanoseconds: Int64 = 1_000_000_000
    /// VLAN tags skipped in one Ethernet frame (QinQ has two; more is junk or an attack).
    private static let maximumVLANTags = 8
    /// MPLS labels skipped in one stack (RFC 3032 sets no limit; real stacks have a few).
    private static let maximumMPLSLabels = 16
    /// IPv6 extension headers followed in one packet (RFC 8200 §4.1 expects each at most once
    /// or twice; more is junk).
    private static let maximumIPv6ExtensionHeaders = 16

    private let limits: DecoderLimits
    private var fragments: FragmentReassembler
    private var tcp: TCPReassembler
    private var counters = DecoderStatistics()
    private var nextSweep = CaptureTime(nanosecondsSinceEpoch: Int64.min)

    /// Creates a decoder with the given memory and time limits.
    public init(limits: DecoderLimits = .default) {
        self.limits = limits
        self.fragments = FragmentReassembler(limits: limits)
        self.tcp = TCPReassembler(limits: limits)
    }

    /// Everything seen, produced and dropped so far.
    public var statistics: DecoderStatistics {
        var result = self.counters
        result.fragments = self.fragments.statistics
        result.tcp = self.tcp.statistics
        return result
    }

    /// IP datagrams waiting for fragments.
    public var pendingFragmentedDatagrams: Int { self.fragments.pendingCount }

    /// TCP connections followed.
    public var tcpConnectionCount: Int { self.tcp.connectionCount }

    /// Decodes one captured frame; calls `handler` for every event it produces (none, one, or
    /// several: a frame may complete a fragmented datagram, fill a TCP gap, or trigger a
    /// timeout). Borrowed bytes in the events are valid only during the handler call.
    public mutating func decode(
        frame: UnsafeRawBufferPointer,
        linkType: LinkType,
        timestamp: CaptureTime,
        frameNumber: Int,
        _ handler: (DecodedEvent) -> Void
    ) {
        withoutActuallyEscaping(handler) { handler in
            var sink = ClosureSink(handler: handler)
            self.decode(frame: frame, linkType: linkType, timestamp: timestamp, frameNumber: frameNumber, into: &sink)
        }
    }

    /// Decodes one captured frame into `sink`: what ``decode(frame:linkType:timestamp:frameNumber:_:)``
    /// does, but UDP datagrams reach the sink by reference instead of copied into an event (the
    /// per-packet path of a capture that is mostly RTP).
    public mutating func decode<Sink: DecodedEventSink>(
        frame: UnsafeRawBufferPointer,
        linkType: LinkType,
        timestamp: CaptureTime,
        frameNumber: Int,
        into sink: inout Sink
    ) {
        self.counters.frames += 1
        // Sweep once per second of capture time; also re-arm when time jumps backwards (merged
        // captures), or sweeps would stop until it caught up again.
        if timestamp >= self.nextSweep
            || self.nextSweep.nanoseconds(since: timestamp) > 2 * Self.sweepIntervalNanoseconds
        {
            self.expire(now: timestamp) { sink.receive($0) }
        }
        if linkType.rawValue == 1, let datagram = Self.plainUDP(frame, timestamp: timestamp, frameNumber: frameNumber) {
            self.counters.udpDatagrams += 1
            sink.receive(udp: datagram)
            return
        }
        var context = FrameContext(timestamp: timestamp, frameNumber: frameNumber)
        switch linkType.rawValue {
        case 1:
            self.decodeEthernet(frame, &context, &sink)
        case 0, 108:
            // BSD loopback: a 4-byte address family, in the capturing host's byte order for
            // NULL and in network order for LOOP; accept either. AF_INET is 2 everywhere;
            // AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30 (Darwin).
            guard frame.count >= 4 else { return self.reject(.truncated, frame.count, &context, &sink) }
            let raw = frame.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
            let little = UInt32(littleEndian: raw)
            let big = UInt32(bigEndian: raw)
            let family = little <= 0xFFFF ? little : big
            switch family {
            case 2: self.decodeIPv4(frame.slice(4, frame.count), &context, &sink)
            case 24, 28, 30: self.decodeIPv6(frame.slice(4, frame.count), &context, &sink)
            default: self.reject(.unsupportedNetworkProtocol, Int(family), &context, &sink)
            }
        case 12, 14, 101:
            self.decodeIP(frame, &context, &sink)
        case 228:
            self.decodeIPv4(frame, &context, &sink)
        case 229:
            self.decodeIPv6(frame, &context, &sink)
        case 113:
            // Linux cooked v1: packet type, ARPHRD type, address length, 8 address bytes, protocol.
            guard frame.count >= 16 else { return self.reject(.truncated, frame.count, &context, &sink) }
            self.decodeEtherType(frame.readUInt16(at: 14), frame.slice(16, frame.count), &context, &sink)
        case 276:
            // Linux cooked v2: protocol, reserved, interface index, ARPHRD type, packet type,
            // address length, 8 address bytes.
            guard frame.count >= 20 else { return self.reject(.truncated, frame.count, &context, &sink) }
            self.decodeEtherType(frame.readUInt16(at: 0), frame.slice(20, frame.count), &context, &sink)
        default:
            self.reject(.unsupportedLinkType, linkType.rawValue, &context, &sink)
        }
    }

    /// Convenience for callers holding the frame in an array.
    public mutating func decode(
        frame: [UInt8],
        linkType: LinkType,
        timestamp: CaptureTime,
        frameNumber: Int,
        _ handler: (DecodedEvent) -> Void
    ) {
        frame.withUnsafeBytes { raw in
            self.decode(frame: raw, linkType: linkType, timestamp: timestamp, frameNumber: frameNumber, handler)
        }
    }

    /// Applies timeouts at capture time `now` (fragments, TCP gaps, idle TCP connections).
    /// ``decode(frame:linkType:timestamp:frameNumber:_:)`` calls this once per second of capture
    /// time by itself; call it directly only to advance time without a frame.
    public mutating func expire(now: CaptureTime, _ handler: (DecodedEvent) -> Void) {
        self.nextSweep = now.advanced(byNanoseconds: Self.sweepIntervalNanoseconds)
        self.fragments.expire(now: now)
        self.tcp.expire(now: now) { handler(Self.wrap($0)) }
    }

    /// Ends the capture: applies timeouts at `now`, drops (and counts) incomplete fragmented
    /// datagrams, and closes every TCP connection (waiting bytes are delivered after a gap event).
    public mutating func flush(now: CaptureTime, _ handler: (DecodedEvent) -> Void) {
        self.expire(now: now, handler)
        self.fragments.dropAll()
        self.tcp.flush(now: now) { handler(Self.wrap($0)) }
    }

    /// The common case in one step: an untagged Ethernet frame with an IPv4 header without options,
    /// not a fragment, carrying UDP whose lengths add up. Anything else (or anything malformed) is
    /// nil and takes the layered path, which decodes these frames to the same datagram.
    @inline(__always)
    private static func plainUDP(_ frame: UnsafeRawBufferPointer, timestamp: CaptureTime, frameNumber: Int) -> UDPDatagram? {
        guard frame.count >= 14 + 20 + 8, frame.readUInt16(at: 12) == 0x0800, frame[14] == 0x45, frame[23] == 17,
            frame.readUInt16(at: 20) & 0x3FFF == 0
        else { return nil }
        let totalLength = Int(frame.readUInt16(at: 16))
        guard totalLength >= 20 + 8 else { return nil }
        // As decodeIPv4 and decodeUDP: bytes after Total Length are Ethernet padding; the UDP
        // length must fit the IP payload.
        let capturedEnd = min(14 + totalLength, frame.count)
        let length = Int(frame.readUInt16(at: 14 + 20 + 4))
        guard capturedEnd >= 14 + 20 + 8, length >= 8, length <= totalLength - 20 else { return nil }
        return UDPDatagram(
            source: Endpoint(address: NetworkAddress(ipv4: frame.readUInt32(at: 14 + 12)), port: frame.readUInt16(at: 14 + 20)),
            destination: Endpoint(address: NetworkAddress(ipv4: frame.readUInt32(at: 14 + 16)), port: frame.readUInt16(at: 14 + 22)),
            payload: frame.slice(14 + 20 + 8, min(14 + 20 + length, capturedEnd)),
            declaredPayloadLength: length - 8,
            timestamp: timestamp,
            frameNumber: frameNumber,
            vlan: VLANTags(),
            tunnel: TunnelInfo(),
            wasFragmented: false
        )
    }

    /// ``flush(now:_:)`` into a sink.
    public mutating func flush<Sink: DecodedEventSink>(now: CaptureTime, into sink: inout Sink) {
        self.flush(now: now) { sink.receive($0) }
    }

    // MARK: - Link layer

    private mutating func decodeEthernet<Sink: DecodedEventSink>(
        _ bytes: UnsafeRawBufferPointer,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) {
        guard bytes.count >= 14 else { return self.reject(.truncated, bytes.count, &context, &sink) }
        let etherType = bytes.readUInt16(at: 12)
        // Values up to 1500 are IEEE 802.3 lengths (LLC frames: STP, CDP, ...), not EtherTypes.
        guard etherType > 1500 else {
            return self.reject(.unsupportedNetworkProtocol, Int(etherType), &context, &sink)
        }
        self.decodeEtherType(etherType, bytes.slice(14, bytes.count), &context, &sink)
    }

    /// Follows VLAN tags, PPPoE and MPLS from an EtherType to the IP header.
    private mutating func decodeEtherType<Sink: DecodedEventSink>(
        _ firstType: UInt16,
        _ bytes: UnsafeRawBufferPointer,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) {
        var type = firstType
        var offset = 0
        var tags = 0
        while true {
            switch type {
            case 0x0800:
                return self.decodeIPv4(bytes.slice(offset, bytes.count), &context, &sink)
            case 0x86DD:
                return self.decodeIPv6(bytes.slice(offset, bytes.count), &context, &sink)
            case 0x8100, 0x88A8, 0x9100:
                // IEEE 802.1Q tag: 3 bits priority, 1 bit DEI, 12 bits VLAN ID, then the next type.
                guard tags < Self.maximumVLANTags else {
                    return self.reject(.unsupportedNetworkProtocol, Int(type), &context, &sink)
                }
                guard bytes.count >= offset + 4 else { return self.reject(.truncated, bytes.count, &context, &sink) }
                context.vlan.append(bytes.readUInt16(at: offset) & 0x0FFF)
                type = bytes.readUInt16(at: offset + 2)
                offset += 4
                tags += 1
            case 0x8864:
                // RFC 2516 §4: 6-byte PPPoE header, then the PPP protocol field (RFC 1661 §2).
                guard bytes.count >= offset + 8 else { return self.reject(.truncated, bytes.count, &context, &sink) }
                let pppProtocol = bytes.readUInt16(at: offset + 6)
                offset += 8
                context.tunnel.encapsulations.insert(.pppoe)
                switch pppProtocol {
                case 0x0021: type = 0x0800
                case 0x0057: type = 0x86DD
                default: return self.reject(.unsupportedNetworkProtocol, Int(pppProtocol), &context, &sink)
                }
            case 0x8847:
                // RFC 3032 §2.1: 4-byte label stack entries; S (bottom of stack) is bit 8 of the
                // third byte. What follows has no type field: guess from the IP version nibble.
                context.tunnel.encapsulations.insert(.mpls)
                var labels = 0
                while true {
                    guard labels < Self.maximumMPLSLabels else {
                        return self.reject(.unsupportedNetworkProtocol, Int(type), &context, &sink)
                    }
                    guard bytes.count >= offset + 4 else {
                        return self.reject(.truncated, bytes.count, &context, &sink)
                    }
                    let bottom = bytes[offset + 2] & 0x01 != 0
                    offset += 4
                    labels += 1
                    if bottom { break }
                }
                guard bytes.count > offset else { return self.reject(.truncated, bytes.count, &context, &sink) }
                switch bytes[offset] >> 4 {
                case 4: type = 0x0800
                case 6: type = 0x86DD
                default: return self.reject(.unsupportedNetworkProtocol, 0x8847, &context, &sink)
                }
            default:
                return self.reject(.unsupportedNetworkProtocol, Int(type), &context, &sink)
            }
        }
    }

    // MARK: - IP

    /// Raw IP: IPv4 or IPv6 by the version nibble.
    private mutating func decodeIP<Sink: DecodedEventSink>(
        _ bytes: UnsafeRawBufferPointer,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) {
        guard !bytes.isEmpty else { return self.reject(.truncated, 0, &context, &sink) }
        switch bytes[0] >> 4 {
        case 4: self.decodeIPv4(bytes, &context, &sink)
        case 6: self.decodeIPv6(bytes, &context, &sink)
        default: self.reject(.unsupportedNetworkProtocol, Int(bytes[0] >> 4), &context, &sink)
        }
    }

    private mutating func decodeIPv4<Sink: DecodedEventSink>(
        _ bytes: UnsafeRawBufferPointer,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) {
        // RFC 791 §3.1. The header checksum is not checked: captures taken on the sending host
        // see it before the NIC fills it in (checksum offload).
        guard bytes.count >= 20 else { return self.reject(.truncated, bytes.count, &context, &sink) }
        let versionAndLength = bytes[0]
        guard versionAndLength >> 4 == 4 else {
            return self.reject(.malformedIPv4, Int(versionAndLength >> 4), &context, &sink)
        }
        let headerLength = Int(versionAndLength & 0x0F) * 4
        guard headerLength >= 20 else { return self.reject(.malformedIPv4, headerLength, &context, &sink) }
        guard bytes.count >= headerLength else { return self.reject(.truncated, bytes.count, &context, &sink) }
        var totalLength = Int(bytes.readUInt16(at: 2))
        if totalLength == 0 {
            // Segmentation offload on the capturing host leaves Total Length 0 (Wireshark's
            // heuristic too): trust the captured length.
            totalLength = bytes.count
        }
        guard totalLength >= headerLength else { return self.reject(.malformedIPv4, totalLength, &context, &sink) }
        // Bytes after Total Length are Ethernet padding (frames are at least 60 bytes).
        let capturedEnd = min(totalLength, bytes.count)
        let source = NetworkAddress(ipv4: bytes.readUInt32(at: 12))
        let destination = NetworkAddress(ipv4: bytes.readUInt32(at: 16))
        let transportProtocol = bytes[9]
        let fragmentField = bytes.readUInt16(at: 6)
        let moreFragments = fragmentField & 0x2000 != 0
        let fragmentOffset = Int(fragmentField & 0x1FFF) * 8
        let payload = bytes.slice(headerLength, capturedEnd)
        if moreFragments || fragmentOffset != 0 {
            guard capturedEnd == totalLength else { return self.reject(.truncated, bytes.count, &context, &sink) }
            let key = FragmentKey(
                source: source,
                destination: destination,
                transportProtocol: transportProtocol,
                identification: UInt32(bytes.readUInt16(at: 4)),
                isIPv6: false
            )
            return self.reassemble(key, offset: fragmentOffset, more: moreFragments, payload, &context, &sink)
        }
        self.decodeTransport(
            transportProtocol,
            source: source,
            destination: destination,
            payload,
            declaredLength: totalLength - headerLength,
            &context,
            &sink
        )
    }

    /// Where an IPv6 extension-header walk ended.
    private enum IPv6HeaderChain {
        /// An upper-layer header (or a protocol this decoder does not know) starts at `offset`.
        case transport(UInt8, offset: Int)
        /// A fragment header; the fragment's data starts at `dataOffset`.
        case fragment(nextHeader: UInt8, identification: UInt32, fragmentOffset: Int, more: Bool, dataOffset: Int)
        /// Next Header 59: nothing follows.
        case noNextHeader
        case truncated
        case malformed
    }

    /// Skips IPv6 extension headers (RFC 8200 §4) from `offset` up to `end`.
    private static func walkIPv6Headers(
        _ firstHeader: UInt8,
        _ bytes: UnsafeRawBufferPointer,
        from offset: Int,
        to end: Int
    ) -> IPv6HeaderChain {
        var nextHeader = firstHeader
        var offset = offset
        for _ in 0..<maximumIPv6ExtensionHeaders {
            switch nextHeader {
            case 0, 43, 60, 135, 139, 140, 253, 254:
                // Hop-by-hop, routing, destination options, mobility, HIP, shim6, experiments:
                // all share the format "next header, length in 8-octet units not counting the first".
                guard end >= offset + 2 else { return .truncated }
                let length = (Int(bytes[offset + 1]) + 1) * 8
                guard end >= offset + length else { return .truncated }
                nextHeader = bytes[offset]
                offset += length
            case 51:
                // Authentication header (RFC 4302 §2.2): length in 4-octet units, minus 2.
                guard end >= offset + 2 else { return .truncated }
                let length = (Int(bytes[offset + 1]) + 2) * 4
                guard end >= offset + length else { return .truncated }
                nextHeader = bytes[offset]
                offset += length
            case 44:
                // RFC 8200 §4.5: next header, reserved, 13-bit offset + 2 reserved + M, 32-bit id.
                guard end >= offset + 8 else { return .truncated }
                let field = bytes.readUInt16(at: offset + 2)
                return .fragment(
                    nextHeader: bytes[offset],
                    identification: bytes.readUInt32(at: offset + 4),
                    fragmentOffset: Int(field & 0xFFF8),
                    more: field & 0x0001 != 0,
                    dataOffset: offset + 8
                )
            case 59:
                return .noNextHeader
            default:
                return .transport(nextHeader, offset: offset)
            }
        }
        return .malformed
    }

    private mutating func decodeIPv6<Sink: DecodedEventSink>(
        _ bytes: UnsafeRawBufferPointer,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) {
        guard bytes.count >= 40 else { return self.reject(.truncated, bytes.count, &context, &sink) }
        guard bytes[0] >> 4 == 6 else { return self.reject(.malformedIPv6, Int(bytes[0] >> 4), &context, &sink) }
        var payloadLength = Int(bytes.readUInt16(at: 4))
        if payloadLength == 0 {
            // A jumbogram (RFC 2675) or segmentation offload: trust the captured length.
            payloadLength = bytes.count - 40
        }
        let end = 40 + payloadLength
        let capturedEnd = min(end, bytes.count)
        let source = bytes.readIPv6Address(at: 8)
        let destination = bytes.readIPv6Address(at: 24)
        switch Self.walkIPv6Headers(bytes[6], bytes, from: 40, to: capturedEnd) {
        case .transport(let transportProtocol, let offset):
            self.decodeTransport(
                transportProtocol,
                source: source,
                destination: destination,
                bytes.slice(offset, capturedEnd),
                declaredLength: end - offset,
                &context,
                &sink
            )
        case .fragment(let nextHeader, let identification, let fragmentOffset, let more, let dataOffset):
            guard capturedEnd == end else { return self.reject(.truncated, bytes.count, &context, &sink) }
            if fragmentOffset == 0 && !more {
                // An atomic fragment (RFC 6946): a whole datagram with a fragment header.
                return self.decodeIPv6Payload(
                    nextHeader,
                    source: source,
                    destination: destination,
                    bytes.slice(dataOffset, end),
                    &context,
                    &sink
                )
            }
            let key = FragmentKey(
                source: source,
                destination: destination,
                transportProtocol: nextHeader,
                identification: identification,
                isIPv6: true
            )
            self.reassemble(key, offset: fragmentOffset, more: more, bytes.slice(dataOffset, end), &context, &sink)
        case .noNextHeader:
            break
        case .truncated:
            self.reject(.truncated, bytes.count, &context, &sink)
        case .malformed:
            self.reject(.malformedIPv6, 0, &context, &sink)
        }
    }

    /// Decodes the unfragmentable-part-free payload of an IPv6 datagram (after its fragment
    /// header, or a reassembled one), which may still start with extension headers.
    private mutating func decodeIPv6Payload<Sink: DecodedEventSink>(
        _ firstHeader: UInt8,
        source: NetworkAddress,
        destination: NetworkAddress,
        _ bytes: UnsafeRawBufferPointer,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) {
        switch Self.walkIPv6Headers(firstHeader, bytes, from: 0, to: bytes.count) {
        case .transport(let transportProtocol, let offset):
            self.decodeTransport(
                transportProtocol,
                source: source,
                destination: destination,
                bytes.slice(offset, bytes.count),
                declaredLength: bytes.count - offset,
                &context,
                &sink
            )
        case .noNextHeader:
            break
        case .truncated:
            self.reject(.truncated, bytes.count, &context, &sink)
        case .fragment, .malformed:
            // A second fragment header inside a fragment is not legal (RFC 8200 §4.5).
            self.reject(.malformedIPv6, 44, &context, &sink)
        }
    }

    private mutating func reassemble<Sink: DecodedEventSink>(
        _ key: FragmentKey,
        offset: Int,
        more: Bool,
        _ data: UnsafeRawBufferPointer,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) {
        switch self.fragments.add(key: key, offset: offset, moreFragments: more, data: data, at: context.timestamp) {
        case .incomplete:
            break
        case .rejected:
            self.reject(.fragmentRejected, offset, &context, &sink)
        case .complete(let datagram):
            context.wasFragmented = true
            datagram.withUnsafeBytes { raw in
                if key.isIPv6 {
                    self.decodeIPv6Payload(
                        key.transportProtocol,
                        source: key.source,
                        destination: key.destination,
                        raw,
                        &context,
                        &sink
                    )
                } else {
                    self.decodeTransport(
                        key.transportProtocol,
                        source: key.source,
                        destination: key.destination,
                        raw,
                        declaredLength: raw.count,
                        &context,
                        &sink
                    )
                }
            }
        }
    }

    // MARK: - Transport and tunnels

    /// Decodes an IP payload. `payload` holds the captured bytes; `declaredLength` is what the
    /// IP header says (larger when the capture's snap length cut the packet).
    private mutating func decodeTransport<Sink: DecodedEventSink>(
        _ transportProtocol: UInt8,
        source: NetworkAddress,
        destination: NetworkAddress,
        _ payload: UnsafeRawBufferPointer,
        declaredLength: Int,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) {
        switch transportProtocol {
        case 17:
            self.decodeUDP(
                source: source,
                destination: destination,
                payload,
                declaredLength: declaredLength,
                &context,
                &sink
            )
        case 6:
            self.decodeTCP(
                source: source,
                destination: destination,
                payload,
                declaredLength: declaredLength,
                &context,
                &sink
            )
        case 1, 58:
            self.decodeICMP(
                isICMPv6: transportProtocol == 58,
                reporter: source,
                recipient: destination,
                payload,
                &context,
                &sink
            )
        case 4, 41:
            guard self.enterTunnel(.ipInIP, source: source, destination: destination, &context, &sink) else { return }
            if transportProtocol == 4 {
                self.decodeIPv4(payload, &context, &sink)
            } else {
                self.decodeIPv6(payload, &context, &sink)
            }
        case 47:
            self.decodeGRE(source: source, destination: destination, payload, &context, &sink)
        default:
            self.reject(.unsupportedTransport, Int(transportProtocol), &context, &sink)
        }
    }

    /// Records an IP-level encapsulation; `false` (after an undecodable event) when too deep.
    private mutating func enterTunnel<Sink: DecodedEventSink>(
        _ kind: Encapsulations,
        source: NetworkAddress,
        destination: NetworkAddress,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) -> Bool {
        guard context.depth < self.limits.maximumEncapsulationDepth else {
            self.reject(.encapsulationTooDeep, context.depth, &context, &sink)
            return false
        }
        if context.tunnel.depth == 0 {
            context.tunnel.outerSource = source
            context.tunnel.outerDestination = destination
            self.counters.tunnelledPackets += 1
        }
        context.tunnel.depth += 1
        context.depth += 1
        context.tunnel.encapsulations.insert(kind)
        return true
    }

    private mutating func decodeGRE<Sink: DecodedEventSink>(
        source: NetworkAddress,
        destination: NetworkAddress,
        _ bytes: UnsafeRawBufferPointer,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) {
        // RFC 2784 §2 and RFC 2890 §2: C, R (RFC 1701), K, S flags, version, protocol type;
        // then checksum+reserved (C), key (K), sequence number (S), 4 bytes each.
        guard bytes.count >= 4 else { return self.reject(.truncated, bytes.count, &context, &sink) }
        let flags = bytes.readUInt16(at: 0)
        let protocolType = bytes.readUInt16(at: 2)
        guard flags & 0x0007 == 0, flags & 0x4000 == 0 else {
            // Version 1 is PPTP's enhanced GRE; source routing (RFC 1701) is obsolete.
            return self.reject(.unsupportedGRE, Int(flags), &context, &sink)
        }
        var offset = 4
        if flags & 0x8000 != 0 { offset += 4 }
        if flags & 0x2000 != 0 { offset += 4 }
        let hasSequence = flags & 0x1000 != 0
        if hasSequence { offset += 4 }
        guard bytes.count >= offset else { return self.reject(.truncated, bytes.count, &context, &sink) }
        guard self.enterTunnel(.gre, source: source, destination: destination, &context, &sink) else { return }
        let inner = bytes.slice(offset, bytes.count)
        switch protocolType {
        case 0x0800:
            self.decodeIPv4(inner, &context, &sink)
        case 0x86DD:
            self.decodeIPv6(inner, &context, &sink)
        case 0x6558:
            context.tunnel.encapsulations.insert(.transparentEthernet)
            context.vlan = VLANTags()
            self.decodeEthernet(inner, &context, &sink)
        case 0x88BE:
            // ERSPAN type II carries an 8-byte header and sets S; type I has neither.
            context.tunnel.encapsulations.insert(.erspan)
            context.vlan = VLANTags()
            let headerLength = hasSequence ? 8 : 0
            guard inner.count >= headerLength else { return self.reject(.truncated, inner.count, &context, &sink) }
            self.decodeEthernet(inner.slice(headerLength, inner.count), &context, &sink)
        case 0x22EB:
            // ERSPAN type III: 12-byte header; the O flag (lowest bit of byte 11) adds an 8-byte
            // platform-specific sub-header; FT (bits 2-6 of byte 10) is 0 for Ethernet, 2 for IP.
            context.tunnel.encapsulations.insert(.erspan)
            context.vlan = VLANTags()
            guard inner.count >= 12 else { return self.reject(.truncated, inner.count, &context, &sink) }
            let headerLength = inner[11] & 0x01 != 0 ? 20 : 12
            guard inner.count >= headerLength else { return self.reject(.truncated, inner.count, &context, &sink) }
            switch (inner[10] >> 2) & 0x1F {
            case 0: self.decodeEthernet(inner.slice(headerLength, inner.count), &context, &sink)
            case 2: self.decodeIP(inner.slice(headerLength, inner.count), &context, &sink)
            default: self.reject(.unsupportedGRE, Int(protocolType), &context, &sink)
            }
        default:
            self.reject(.unsupportedGRE, Int(protocolType), &context, &sink)
        }
    }

    private mutating func decodeUDP<Sink: DecodedEventSink>(
        source: NetworkAddress,
        destination: NetworkAddress,
        _ bytes: UnsafeRawBufferPointer,
        declaredLength: Int,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) {
        // RFC 768. The checksum is never checked (0 is legal for IPv4; loopback and offloaded
        // captures carry unfilled ones).
        guard bytes.count >= 8 else {
            return self.reject(declaredLength < 8 ? .malformedUDP : .truncated, bytes.count, &context, &sink)
        }
        var length = Int(bytes.readUInt16(at: 4))
        if length == 0 && declaredLength > 0xFFFF {
            length = declaredLength  // RFC 2675 §4: UDP jumbogram
        }
        guard length >= 8, length <= declaredLength else {
            return self.reject(.malformedUDP, length, &context, &sink)
        }
        let datagram = UDPDatagram(
            source: Endpoint(address: source, port: bytes.readUInt16(at: 0)),
            destination: Endpoint(address: destination, port: bytes.readUInt16(at: 2)),
            payload: bytes.slice(8, min(length, bytes.count)),
            declaredPayloadLength: length - 8,
            timestamp: context.timestamp,
            frameNumber: context.frameNumber,
            vlan: context.vlan,
            tunnel: context.tunnel,
            wasFragmented: context.wasFragmented
        )
        self.counters.udpDatagrams += 1
        sink.receive(udp: datagram)
    }

    private mutating func decodeTCP<Sink: DecodedEventSink>(
        source: NetworkAddress,
        destination: NetworkAddress,
        _ bytes: UnsafeRawBufferPointer,
        declaredLength: Int,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) {
        // RFC 9293 §3.1. Checksum not checked.
        guard bytes.count >= 20 else {
            return self.reject(declaredLength < 20 ? .malformedTCP : .truncated, bytes.count, &context, &sink)
        }
        let dataOffset = Int(bytes[12] >> 4) * 4
        guard dataOffset >= 20, dataOffset <= declaredLength else {
            return self.reject(.malformedTCP, dataOffset, &context, &sink)
        }
        guard bytes.count >= declaredLength else {
            // Without the whole payload the stream would be corrupted; let a gap report it.
            return self.reject(.truncatedTCPSegment, bytes.count, &context, &sink)
        }
        let flow = TCPFlow(
            source: Endpoint(address: source, port: bytes.readUInt16(at: 0)),
            destination: Endpoint(address: destination, port: bytes.readUInt16(at: 2))
        )
        let segment = TCPSegment(
            flow: flow,
            sequenceNumber: bytes.readUInt32(at: 4),
            flags: TCPFlags(rawValue: bytes[13] & 0x1F),
            payload: bytes.slice(dataOffset, declaredLength),
            timestamp: context.timestamp,
            frameNumber: context.frameNumber
        )
        self.counters.tcpSegments += 1
        self.tcp.process(segment) { sink.receive(Self.wrap($0)) }
    }

    private mutating func decodeICMP<Sink: DecodedEventSink>(
        isICMPv6: Bool,
        reporter: NetworkAddress,
        recipient: NetworkAddress,
        _ bytes: UnsafeRawBufferPointer,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) {
        // RFC 792 / RFC 4443 §3: type, code, checksum, 4 bytes (unused / MTU / pointer), then as
        // much of the offending packet as fits.
        guard bytes.count >= 8 else { return self.reject(.truncated, bytes.count, &context, &sink) }
        let type = bytes[0]
        let isError = isICMPv6 ? (1...4).contains(type) : (type == 3 || type == 11 || type == 12)
        guard isError else { return self.reject(.ignoredICMP, Int(type), &context, &sink) }
        let quoted = bytes.slice(8, bytes.count)
        guard let original = Self.parseQuotedPacket(quoted) else {
            return self.reject(.truncated, bytes.count, &context, &sink)
        }
        let error = ICMPError(
            reporter: reporter,
            recipient: recipient,
            isICMPv6: isICMPv6,
            type: type,
            code: bytes[1],
            originalProtocol: original.transportProtocol,
            originalSource: original.source,
            originalDestination: original.destination,
            timestamp: context.timestamp,
            frameNumber: context.frameNumber
        )
        self.counters.icmpErrors += 1
        sink.receive(.icmpError(error))
    }

    /// The 5-tuple of the packet quoted in an ICMP error (IPv4 or IPv6, by version nibble).
    private static func parseQuotedPacket(
        _ bytes: UnsafeRawBufferPointer
    ) -> (transportProtocol: UInt8, source: Endpoint, destination: Endpoint)? {
        guard !bytes.isEmpty else { return nil }
        let source: NetworkAddress
        let destination: NetworkAddress
        let transportProtocol: UInt8
        var transportOffset: Int?
        switch bytes[0] >> 4 {
        case 4:
            guard bytes.count >= 20 else { return nil }
            let headerLength = Int(bytes[0] & 0x0F) * 4
            guard headerLength >= 20 else { return nil }
            source = NetworkAddress(ipv4: bytes.readUInt32(at: 12))
            destination = NetworkAddress(ipv4: bytes.readUInt32(at: 16))
            transportProtocol = bytes[9]
            if bytes.readUInt16(at: 6) & 0x1FFF == 0 { transportOffset = headerLength }
        case 6:
            guard bytes.count >= 40 else { return nil }
            source = bytes.readIPv6Address(at: 8)
            destination = bytes.readIPv6Address(at: 24)
            switch Self.walkIPv6Headers(bytes[6], bytes, from: 40, to: bytes.count) {
            case .transport(let value, let offset):
                transportProtocol = value
                transportOffset = offset
            case .fragment(let nextHeader, _, let fragmentOffset, _, let dataOffset):
                transportProtocol = nextHeader
                if fragmentOffset == 0 { transportOffset = dataOffset }
            default:
                transportProtocol = 59
            }
        default:
            return nil
        }
        var sourcePort: UInt16 = 0
        var destinationPort: UInt16 = 0
        if let offset = transportOffset, [6, 17, 132].contains(transportProtocol), bytes.count >= offset + 4 {
            sourcePort = bytes.readUInt16(at: offset)
            destinationPort = bytes.readUInt16(at: offset + 2)
        }
        return (
            transportProtocol, Endpoint(address: source, port: sourcePort),
            Endpoint(address: destination, port: destinationPort)
        )
    }

    // MARK: - Helpers

    @inline(__always)
    private static func wrap(_ event: TCPEvent) -> DecodedEvent {
        switch event {
        case .data(let chunk): return .tcpData(chunk)
        case .gap(let gap): return .tcpGap(gap)
        case .closed(let closed): return .tcpClosed(closed)
        }
    }

    /// Counts and reports a layer that could not be decoded.
    @inline(never)
    private mutating func reject<Sink: DecodedEventSink>(
        _ reason: UndecodableReason,
        _ detail: Int,
        _ context: inout FrameContext,
        _ sink: inout Sink
    ) {
        self.counters.undecodable[Int(reason.rawValue)] += 1
        sink.receive(.undecodable(Undecodable(reason: reason, detail: detail, frameNumber: context.frameNumber)))
    }
}

/// Where ``PacketDecoder`` delivers what it decodes.
public protocol DecodedEventSink {
    /// A UDP datagram, borrowed for the call (its payload too).
    mutating func receive(udp datagram: UDPDatagram)
    /// Any other event.
    mutating func receive(_ event: DecodedEvent)
}

/// Adapts a closure to ``DecodedEventSink`` for the closure-taking entry points.
private struct ClosureSink: DecodedEventSink {
    let handler: (DecodedEvent) -> Void

    mutating func receive(udp datagram: UDPDatagram) { self.handler(.udp(datagram)) }
    mutating func receive(_ event: DecodedEvent) { self.handler(event) }
}
