import PacketDecoding
import SDP
import SIPMessages

/// Settings for one analysis.
public struct AnalyzerOptions: Sendable {
    /// A call with no SIP message for this long (capture time) is finished and reported, so memory
    /// follows the calls open at once, not the length of the capture. RFC 3261 §17.1.1.2 Timer B
    /// (64*T1 = 32 s) bounds a transaction; a call can stay silent on SIP much longer, so the default
    /// is generous and only applies to calls that are not answered, or that ended.
    public var idleTimeoutSeconds: Int64 = 300
    /// An answered call with RTP still flowing is not timed out; without RTP either, after this long.
    public var answeredIdleTimeoutSeconds: Int64 = 7200
    /// Password candidates for re-computing digest responses (never printed).
    public var candidatePassword: String?
    /// Detect RTP that no SDP announced (like tshark's `rtp_udp` heuristic).
    public var heuristicRTP = true
    /// At most this many calls are kept open at once; the least recently active is finished first.
    public var maximumOpenCalls = 100_000

    public init() {}
}

/// The sans-IO heart of `siptool diagnose`: decoded packets in, finished calls with findings out.
///
/// Feed it every ``DecodedEvent`` of a capture in order, then call ``finish()``. Calls that end (BYE
/// answered, rejected, timed out) are finished as soon as the capture time allows, so
/// ``drainFinishedCalls()`` can stream reports while reading a long capture.
public struct CaptureAnalyzer {
    public var options: AnalyzerOptions
    /// Open calls by Call-ID.
    private var calls: [String: CallRecord] = [:]
    /// Finished calls waiting to be drained.
    private var finished: [CallReport] = []
    /// The messages seen per Call-ID, with how many copies came on the wire and as HEP3.
    private var seenKeys: [String: [RetransmissionKey: CopyCount]] = [:]
    /// SIP over TCP: one stream parser per direction of a connection.
    private var tcpStreams: [TCPFlow: TCPSIPStream] = [:]
    /// Media: RTP/RTCP streams and the SDP addresses they may belong to.
    var media = MediaTracker()
    /// Counters for the report's summary line.
    public private(set) var counters = AnalyzerCounters()
    /// The latest capture time seen.
    private var now: CaptureTime = .zero
    /// The first capture time seen.
    public private(set) var captureStart: CaptureTime?
    /// Last time timeouts were checked (they are checked once per capture second at most).
    private var lastSweep: CaptureTime = .zero

    public init(options: AnalyzerOptions = AnalyzerOptions()) {
        self.options = options
    }

    // MARK: - Input

    /// Takes one decoded event, in capture order.
    public mutating func ingest(_ event: DecodedEvent) {
        switch event {
        case .udp(let datagram):
            self.advance(to: datagram.timestamp)
            if SIPSniffer.looksLikeSIP(datagram.payload) {
                self.ingestSIPDatagram(datagram)
            } else {
                self.media.ingestUDP(datagram, calls: &self.calls, options: self.options)
            }
        case .tcpData(let chunk):
            self.advance(to: chunk.timestamp)
            self.ingestTCP(chunk)
        case .tcpGap(let gap):
            self.tcpStreams[gap.flow]?.resynchronize()
        case .tcpClosed(let closed):
            self.tcpStreams[closed.flow] = nil
            self.tcpStreams[closed.flow.reversed] = nil
        case .icmpError(let error):
            self.advance(to: error.timestamp)
            self.media.ingestICMP(error)
        case .undecodable:
            self.counters.undecodableFrames += 1
        }
    }

    /// Takes one UDP datagram, in capture order: the same as ``ingest(_:)`` with `.udp`, without
    /// copying the event (the per-packet path of a capture).
    public mutating func ingestUDP(_ datagram: borrowing UDPDatagram) {
        self.advance(to: datagram.timestamp)
        // SIP and HEP3 start with an upper-case letter; RTP and RTCP (version 2) never do.
        if let first = datagram.payload.first, first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z") {
            if SIPSniffer.looksLikeSIP(datagram.payload) {
                self.ingestSIPDatagram(copy datagram)
                return
            }
            if HEPMessage.hasMagic(datagram.payload) {
                self.ingestHEP(copy datagram)
                return
            }
        }
        self.media.ingestUDP(datagram, calls: &self.calls, options: self.options)
    }

    /// Adds one SIP message that arrived some other way (a test, a live call, HEP).
    public mutating func ingest(_ event: SIPEvent) {
        self.advance(to: event.time)
        self.record(event)
    }

    private mutating func advance(to time: CaptureTime) {
        if self.captureStart == nil { self.captureStart = time }
        if time > self.now { self.now = time }
        if self.now.nanoseconds(since: self.lastSweep) >= 1_000_000_000 {
            self.lastSweep = self.now
            self.finishIdleCalls()
        }
    }

    /// A SIP message inside a HEP3 copy (a capture taken at a HEP collector): read with the
    /// original addresses, ports and transport the agent reported, at the time the copy was
    /// captured (agents' clocks differ, and the capture's order is what the analysis follows).
    /// Other HEP payloads (RTCP reports, logs) are skipped; malformed HEP is skipped and sampled
    /// for the report's warning.
    private mutating func ingestHEP(_ datagram: UDPDatagram) {
        self.counters.hepMessages += 1
        let message: HEPMessage
        do {
            message = try HEPMessage.parse(datagram.payload)
        } catch {
            self.counters.unreadableHEP += 1
            if self.counters.hepSamples.count < 5 { self.counters.hepSamples.append((datagram.frameNumber, error.description)) }
            return
        }
        let isSIP = message.payloadProtocol == HEPMessage.sipProtocolType
            || (message.payloadProtocol == 0 && SIPSniffer.looksLikeSIP(message.payload))
        guard isSIP else { return }
        var inner = datagram
        inner.source = message.source
        inner.destination = message.destination
        inner.payload = message.payload
        inner.declaredPayloadLength = message.payload.count
        self.ingestSIPDatagram(inner, transport: message.ipProtocol == 6 ? .tcp : .udp, viaHEP: true)
    }

    private mutating func ingestSIPDatagram(_ datagram: UDPDatagram, transport: SIPTransportKind = .udp, viaHEP: Bool = false) {
        self.counters.sipDatagrams += 1
        do {
            let result = try SIPDatagramParser.parse(datagram.payload)
            let event = SIPEvent(
                frame: datagram.frameNumber,
                time: datagram.timestamp,
                source: datagram.source,
                destination: datagram.destination,
                transport: transport,
                message: result.message,
                trailingBytes: result.trailingByteCount
            )
            self.record(event, viaHEP: viaHEP)
        } catch let error {
            // Real phones send Request-URIs RFC 3261 refuses (an IPv6 host without brackets, RFC 5118
            // §4.10). The rest of the message is still worth reading: parse it with the Request-URI
            // replaced, and say so.
            if error.line == 1, error.code == .malformedURI, let patched = Self.replacingRequestURI(datagram.payload),
                let result = try? SIPDatagramParser.parse(patched)
            {
                self.counters.lenientlyParsedSIP += 1
                self.counters.noteUnparseable(frame: datagram.frameNumber, reason: error.description + " (read with the Request-URI replaced)", truncated: false)
                self.record(SIPEvent(
                    frame: datagram.frameNumber, time: datagram.timestamp, source: datagram.source,
                    destination: datagram.destination, transport: transport, message: result.message,
                    trailingBytes: result.trailingByteCount
                ), viaHEP: viaHEP)
                return
            }
            self.counters.unparseableSIP += 1
            self.counters.noteUnparseable(frame: datagram.frameNumber, reason: error.description, truncated: datagram.isTruncated)
        }
    }

    /// The datagram with its Request-URI (the second token of the first line) replaced by a
    /// placeholder, or nil when the first line does not have three tokens.
    static func replacingRequestURI(_ payload: UnsafeRawBufferPointer) -> [UInt8]? {
        let bytes = Array(payload)
        guard let firstSpace = bytes.firstIndex(of: 0x20),
            let lineEnd = bytes.firstIndex(of: 0x0A),
            firstSpace < lineEnd,
            let secondSpace = bytes[(firstSpace + 1)..<lineEnd].lastIndex(of: 0x20)
        else { return nil }
        return Array(bytes[...firstSpace]) + Array("sip:unparseable.invalid".utf8) + Array(bytes[secondSpace...])
    }

    private mutating func ingestTCP(_ chunk: TCPChunk) {
        var stream = self.tcpStreams.removeValue(forKey: chunk.flow) ?? TCPSIPStream()
        // A connection that carries no SIP (TLS, HTTP, ...) is dropped after its first kilobytes.
        guard !stream.isNotSIP else {
            self.tcpStreams[chunk.flow] = stream
            return
        }
        let (messages, errors) = stream.append(chunk.bytes)
        self.counters.unparseableSIP += errors
        for message in messages {
            self.record(SIPEvent(
                frame: chunk.frameNumber,
                time: chunk.timestamp,
                source: chunk.flow.source,
                destination: chunk.flow.destination,
                transport: stream.isWebSocket ? .webSocket : .tcp,
                message: message
            ))
        }
        if self.tcpStreams.count < 65_536 {
            self.tcpStreams[chunk.flow] = stream
        }
    }

    /// Files a SIP message under its call, marking retransmissions.
    /// Adds one SIP message to its call. `viaHEP`: it came as a HEP3 copy. A capture can hold the
    /// same message twice, on the wire and as the copy a proxy sent to a HEP collector (tcpdump
    /// on the proxy's host sees both); the second of the two is not read again, so it is not
    /// taken for a retransmission.
    private mutating func record(_ incoming: SIPEvent, viaHEP: Bool = false) {
        var event = incoming
        self.counters.sipMessages += 1
        guard let callID = event.message.callID else {
            self.counters.sipWithoutCallID += 1
            return
        }
        let key = RetransmissionKey(event)
        // Each Call-ID is hashed once per dictionary: the calls' Call-IDs are long strings.
        let copy: CopyCount.Kind
        if let seen = self.seenKeys.index(forKey: callID) {
            copy = self.seenKeys.values[seen][key, default: CopyCount()].add(viaHEP: viaHEP)
        } else {
            var keys = [RetransmissionKey: CopyCount](minimumCapacity: 8)
            copy = keys[key, default: CopyCount()].add(viaHEP: viaHEP)
            self.seenKeys[callID] = keys
        }
        switch copy {
        case .first:
            break
        case .retransmission:
            event.isRetransmission = true
            self.counters.sipRetransmissions += 1
        case .otherCopy:
            self.counters.hepDuplicates += 1
            return
        }
        var slot = self.calls.index(forKey: callID)
        if slot == nil {
            if self.calls.count >= self.options.maximumOpenCalls, let oldest = self.calls.min(by: { $0.value.lastActivity < $1.value.lastActivity }) {
                self.finishCall(oldest.key)
            }
            let kind: CallRecord.Kind
            switch event.method {
            case .some(.invite): kind = .call
            case .some(.register): kind = .registration
            default: kind = event.message.cseq?.method == .invite ? .call : (event.message.cseq?.method == .register ? .registration : .other)
            }
            self.calls[callID] = CallRecord(callID: callID, kind: kind, time: event.time)
            slot = self.calls.index(forKey: callID)
        }
        guard let slot else { return }
        // SDP: every body tells where its sender wants to receive media.
        var sdps: [SessionDescription] = []
        if !event.message.body.isEmpty && !event.isRetransmission {
            for body in event.message.sdpBodies() {
                if let sdp = try? SessionDescription.parse(body) { sdps.append(sdp) }
            }
        }
        self.calls.values[slot].lastActivity = event.time
        let index = self.calls.values[slot].events.count
        self.calls.values[slot].events.append(event)
        for sdp in sdps {
            self.calls.values[slot].sessionDescriptions.append(SDPEntry(eventIndex: index, sdp: sdp))
            self.media.announce(sdp, by: event, callID: callID)
        }
    }

    // MARK: - Finishing calls

    /// Finishes calls whose SIP has gone quiet for longer than the timeouts.
    private mutating func finishIdleCalls() {
        let now = self.now
        var idle: [String] = []
        // A call quiet for less than both timeouts stays open whatever it did: skip the scan of its events.
        let shortestLimit = min(self.options.idleTimeoutSeconds, self.options.answeredIdleTimeoutSeconds)
        for (callID, call) in self.calls {
            let quiet = now.nanoseconds(since: call.lastActivity) / 1_000_000_000
            if quiet < shortestLimit { continue }
            let ended = call.events.contains { $0.method == .bye || ($0.statusCode ?? 0) >= 300 && $0.message.cseq?.method == .invite }
            let limit = ended || call.kind != .call ? self.options.idleTimeoutSeconds : self.options.answeredIdleTimeoutSeconds
            if quiet >= limit && !self.media.isActive(callID: callID, now: now, idleSeconds: 10) {
                idle.append(callID)
            }
        }
        for callID in idle { self.finishCall(callID) }
    }

    private mutating func finishCall(_ callID: String) {
        guard let call = self.calls.removeValue(forKey: callID) else { return }
        self.seenKeys[callID] = nil
        let streams = self.media.takeStreams(callID: callID)
        let icmp = self.media.icmpErrors(for: streams, call: call)
        self.finished.append(CallReport.make(call: call, streams: streams, icmpErrors: icmp, options: self.options, captureStart: self.captureStart ?? .zero, captureHasRTP: self.media.totalRTPPackets > 0))
    }

    /// Reports of calls finished so far (removed from the analyzer).
    public mutating func drainFinishedCalls() -> [CallReport] {
        defer { self.finished.removeAll() }
        return self.finished
    }

    /// Ends the analysis: finishes every open call and returns everything not drained yet, with the
    /// RTP streams no SDP announced.
    public mutating func finish() -> (calls: [CallReport], unassociated: [RTPStreamReport]) {
        // In the order the calls began (their first frames, looked up once each).
        let open = self.calls.map { (frame: $0.value.events.first?.frame ?? 0, callID: $0.key) }
        for (_, callID) in open.sorted(by: { ($0.frame, $0.callID) < ($1.frame, $1.callID) }) {
            self.finishCall(callID)
        }
        let unassociated = self.media.takeUnassociatedStreams(captureStart: self.captureStart ?? .zero)
        return (self.drainFinishedCalls().sorted { ($0.summary.firstFrame ?? 0) < ($1.summary.firstFrame ?? 0) }, unassociated)
    }
}

/// Counters the report's summary line and JSON carry.
public struct AnalyzerCounters: Sendable {
    public var sipDatagrams = 0
    public var sipMessages = 0
    public var sipRetransmissions = 0
    public var sipWithoutCallID = 0
    public var unparseableSIP = 0
    /// Messages read despite a Request-URI RFC 3261 refuses.
    public var lenientlyParsedSIP = 0
    public var undecodableFrames = 0
    /// The first few unparseable SIP payloads, for the report.
    public var unparseableSamples: [(frame: Int, reason: String)] = []
    public var truncatedSIP = 0
    /// HEP3 datagrams seen (copies sent to a HEP collector).
    public var hepMessages = 0
    /// SIP messages the capture holds twice, on the wire and as a HEP3 copy, counted once in
    /// the calls (and twice in ``sipMessages``, as tshark counts them).
    public var hepDuplicates = 0
    /// HEP3 datagrams that were not well-formed HEP3 (or compressed), and the first few reasons.
    public var unreadableHEP = 0
    public var hepSamples: [(frame: Int, reason: String)] = []

    mutating func noteUnparseable(frame: Int, reason: String, truncated: Bool) {
        if truncated { self.truncatedSIP += 1 }
        if self.unparseableSamples.count < 5 { self.unparseableSamples.append((frame, reason)) }
    }
}

/// How many copies of one message (a ``RetransmissionKey``) came on the wire and as HEP3.
struct CopyCount {
    var wire = 0
    var hep = 0

    enum Kind {
        /// The first copy of the message.
        case first
        /// The message again, from the same origin as an earlier copy: the sender repeated it.
        case retransmission
        /// The copy from the other origin (HEP3 for a wire copy, or the wire for a HEP3 copy) of
        /// a message already read: one sending seen twice.
        case otherCopy
    }

    /// Counts one copy and says what it is. The n-th copy from one origin pairs with the n-th
    /// from the other, so a capture with both keeps counting real retransmissions.
    mutating func add(viaHEP: Bool) -> Kind {
        if viaHEP { self.hep += 1 } else { self.wire += 1 }
        let (mine, other) = viaHEP ? (self.hep, self.wire) : (self.wire, self.hep)
        if mine <= other { return .otherCopy }
        return mine == 1 ? .first : .retransmission
    }
}

/// What makes two copies of a SIP message "the same message": the same hop, transaction and kind.
struct RetransmissionKey: Hashable {
    var source: Endpoint
    var destination: Endpoint
    var cseqNumber: UInt32
    var cseqMethod: String
    /// The request method, or the status code as text.
    var kind: String
    var branch: String

    init(_ event: SIPEvent) {
        self.source = event.source
        self.destination = event.destination
        let cseq = event.message.cseq
        self.cseqNumber = cseq?.number ?? 0
        self.cseqMethod = cseq?.method.rawValue ?? ""
        self.kind = event.method?.rawValue ?? String(event.statusCode ?? 0)
        self.branch = event.topVia?.branch ?? ""
    }
}

/// Frames SIP messages out of one direction of a TCP connection, and finds its feet again after a
/// gap or a capture that starts mid-stream.
struct TCPSIPStream {
    private var parser = SIPStreamParser()
    /// Until a start line is found, bytes are searched, not parsed.
    private var hunting = true
    private var huntBuffer: [UInt8] = []
    /// Bytes seen without finding a SIP start line.
    private var bytesWithoutSIP = 0
    /// Set once enough bytes passed without any SIP: the connection carries something else.
    private(set) var isNotSIP = false
    /// How much non-SIP data to search before giving up on a connection.
    static let giveUpAfterBytes = 64 * 1024

    mutating func resynchronize() {
        self.parser = SIPStreamParser()
        self.hunting = true
        self.huntBuffer.removeAll()
    }

    /// After an HTTP Upgrade to WebSocket (RFC 6455), SIP travels one message per WebSocket message
    /// (RFC 7118 §5) instead of Content-Length framing.
    private var webSocket: WebSocketDeframer?
    private var handshake: [UInt8]?
    /// Transport this stream turned out to carry.
    var isWebSocket: Bool { self.webSocket != nil }

    /// Appends bytes; returns the complete messages and the number of framing errors.
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> ([SIPMessage], Int) {
        if var deframer = self.webSocket {
            let (payloads, failed) = deframer.append(bytes)
            self.webSocket = deframer
            var messages: [SIPMessage] = []
            for payload in payloads where SIPSniffer.looksLikeSIP(payload) {
                if let message = try? SIPDatagramParser.parse(payload).message { messages.append(message) }
            }
            return (messages, failed ? 1 : 0)
        }
        // An HTTP handshake ("GET ... Upgrade: websocket" / "HTTP/1.1 101") comes before WebSocket frames.
        if self.handshake != nil || (self.hunting && self.huntBuffer.isEmpty && Self.startsHTTP(bytes)) {
            var head = (self.handshake ?? []) + Array(bytes)
            if let end = Self.endOfHead(head) {
                let text = String(decoding: head[..<end], as: UTF8.self).lowercased()
                self.handshake = nil
                if text.contains("upgrade: websocket") {
                    var deframer = WebSocketDeframer()
                    let rest = Array(head[end...])
                    head = []
                    let (payloads, _) = rest.withUnsafeBytes { deframer.append($0) }
                    self.webSocket = deframer
                    var messages: [SIPMessage] = []
                    for payload in payloads where SIPSniffer.looksLikeSIP(payload) {
                        if let message = try? SIPDatagramParser.parse(payload).message { messages.append(message) }
                    }
                    return (messages, 0)
                }
                return ([], 0)
            }
            self.handshake = head.count < 16_384 ? head : nil
            return ([], 0)
        }
        var errors = 0
        if self.hunting {
            self.huntBuffer.append(contentsOf: bytes)
            guard let start = Self.findStartLine(self.huntBuffer) else {
                self.bytesWithoutSIP += bytes.count
                if self.bytesWithoutSIP > Self.giveUpAfterBytes { self.isNotSIP = true }
                // Keep only a tail, where a start line may begin.
                if self.huntBuffer.count > 4096 { self.huntBuffer.removeFirst(self.huntBuffer.count - 2048) }
                return ([], 0)
            }
            self.hunting = false
            self.parser.append(self.huntBuffer[start...])
            self.huntBuffer.removeAll()
        } else {
            self.parser.append(bytes)
        }
        var messages: [SIPMessage] = []
        while true {
            do {
                guard let message = try self.parser.nextMessage() else { break }
                messages.append(message)
            } catch {
                errors += 1
                self.resynchronize()
                break
            }
        }
        return (messages, errors)
    }

    static func startsHTTP(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let prefixes: [[UInt8]] = [Array("GET ".utf8), Array("HTTP/1.1 101".utf8)]
        return prefixes.contains { prefix in bytes.count >= prefix.count && zip(bytes, prefix).allSatisfy { $0 == $1 } }
    }

    static func endOfHead(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count where bytes[index] == 0x0A && bytes[index - 1] == 0x0D && bytes[index - 2] == 0x0A && bytes[index - 3] == 0x0D {
            return index + 1
        }
        return nil
    }

    /// The offset of the first line that looks like a SIP start line.
    static func findStartLine(_ bytes: [UInt8]) -> Int? {
        var lineStart = 0
        return bytes.withUnsafeBytes { raw -> Int? in
            while lineStart < raw.count {
                let rest = UnsafeRawBufferPointer(rebasing: raw[lineStart...])
                if SIPSniffer.looksLikeSIP(rest) { return lineStart }
                guard let newline = rest.firstIndex(of: 0x0A) else { return nil }
                lineStart += newline + 1
            }
            return nil
        }
    }
}

/// Reassembles WebSocket messages from frames (RFC 6455 §5.2): unmasks client frames, joins
/// continuation frames, skips control frames. Bounded: a message larger than 1 MiB is dropped.
struct WebSocketDeframer {
    private var buffer: [UInt8] = []
    private var message: [UInt8] = []
    static let maximumMessage = 1 << 20

    /// Appends bytes and returns every complete data message; the flag is true when a frame could
    /// not be read (the stream is then abandoned).
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> ([[UInt8]], Bool) {
        self.buffer.append(contentsOf: bytes)
        var messages: [[UInt8]] = []
        var offset = 0
        while self.buffer.count - offset >= 2 {
            let first = self.buffer[offset]
            let second = self.buffer[offset + 1]
            let fin = first & 0x80 != 0
            let opcode = first & 0x0F
            let masked = second & 0x80 != 0
            var length = Int(second & 0x7F)
            var header = 2
            if length == 126 {
                guard self.buffer.count - offset >= 4 else { break }
                length = Int(self.buffer[offset + 2]) << 8 | Int(self.buffer[offset + 3])
                header = 4
            } else if length == 127 {
                guard self.buffer.count - offset >= 10 else { break }
                var value: UInt64 = 0
                for index in 2..<10 { value = value << 8 | UInt64(self.buffer[offset + index]) }
                guard value <= UInt64(Self.maximumMessage) else {
                    self.buffer.removeAll()
                    return (messages, true)
                }
                length = Int(value)
                header = 10
            }
            let maskOffset = offset + header
            if masked { header += 4 }
            guard self.buffer.count - offset >= header + length else { break }
            let start = offset + header
            var payload = Array(self.buffer[start..<(start + length)])
            if masked {
                for index in payload.indices { payload[index] ^= self.buffer[maskOffset + index % 4] }
            }
            offset += header + length
            if opcode >= 8 { continue }  // close, ping, pong
            if self.message.count + payload.count > Self.maximumMessage {
                self.message.removeAll()
                continue
            }
            self.message += payload
            if fin {
                messages.append(self.message)
                self.message.removeAll()
            }
        }
        self.buffer.removeFirst(offset)
        return (messages, false)
    }
}

/// The analyzer takes the decoder's events directly, so a UDP datagram is never copied into an
/// event on its way in.
extension CaptureAnalyzer: DecodedEventSink {
    public mutating func receive(udp datagram: UDPDatagram) { self.ingestUDP(datagram) }
    public mutating func receive(_ event: DecodedEvent) { self.ingest(event) }
}
