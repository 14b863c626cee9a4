import NIOCore
import RTP
import Synchronization

/// Spreads the packet times of the streams of one process over the packet interval: without it,
/// calls started at 50/s (one every 20 ms) all send in the same instant of every 20 ms tick, the
/// order among them changes from tick to tick, and each stream sees jitter of up to the time the
/// whole burst takes.
enum MediaPhases {
    static let counter = Atomic<Int>(0)

    /// A phase in [0, interval): the golden-ratio sequence keeps any number of streams spread.
    static func next(interval: Int64) -> Int64 {
        let index = Self.counter.add(1, ordering: .relaxed).newValue
        let fraction = (Double(index) * 0.618_033_988_749_895).truncatingRemainder(dividingBy: 1)
        return Int64(fraction * Double(interval))
    }
}

/// The RTP (and RTCP, on port + 1) of one call: sends audio paced on the event loop's monotonic
/// clock (packet n at start + n*ptime, so the stream never drifts or bursts), receives the far
/// end's packets, learns where they really come from (symmetric RTP, RFC 4961: by default we
/// send to that address), records them into the packet log and optionally keeps the received
/// audio. In echo mode it sends each received packet back instead of its own audio.
public final class MediaSession: @unchecked Sendable {
    // Confined to `loop`.
    public let loop: EventLoop
    public let rtp: UDPSocket
    public let rtcp: UDPSocket
    private let log: PacketLog

    /// Where the SDP told us to send, and where packets actually came from.
    public private(set) var announced: SocketAddress?
    public private(set) var learned: SocketAddress?
    public private(set) var firstReceivedAt: NIODeadline?
    public private(set) var firstSentAt: NIODeadline?
    public private(set) var receivedPackets = 0
    public private(set) var sentPackets = 0
    /// Received audio (G.711 or G.722), decoded, when recording was asked for: at most an hour, at
    /// ``recordedSampleRate``.
    public private(set) var recorded: [Int16] = []
    public var recording = false
    /// The rate of ``recorded``: that of the codec we send (16 kHz for G.722, 8 kHz otherwise).
    public private(set) var recordedSampleRate = 8000
    private var g722Decoder: G722.Decoder?
    /// Send to the address packets come from rather than the one in the SDP.
    public var symmetric = true
    public var echo = false
    /// On hold (the far end's SDP said sendonly or inactive): the sender keeps its pace and
    /// timestamps but nothing is sent (RFC 3264 §8.4).
    public var paused = false

    private var sender: RTPSender?
    /// Reception statistics of the far end's stream, for the report block of our RTCP (RFC 3550
    /// §6.4.1): restarted when its SSRC changes.
    private var reception = RFC3550StreamStatistics()
    private var remoteSSRC: UInt32?
    /// The compact NTP time of the far end's last sender report and when it arrived (ns since
    /// the Unix epoch), for LSR and DLSR so the far end can compute the round trip.
    private var lastRemoteSR: UInt32 = 0
    private var lastRemoteSRArrival: Int64 = 0
    private var telephoneEvent: UInt8?
    private var start: NIODeadline?
    private var next: Scheduled<Void>?
    private var rtcpTask: RepeatedTask?
    private var stopped = false

    private init(loop: EventLoop, rtp: UDPSocket, rtcp: UDPSocket, log: PacketLog) {
        self.loop = loop
        self.rtp = rtp
        self.rtcp = rtcp
        self.log = log
    }

    /// The local RTP port.
    public var port: Int { self.rtp.localAddress.port ?? 0 }

    /// Binds an even RTP port and the RTCP port above it within `ports` on `host`, trying
    /// at most 50 candidates (another program may hold some).
    public static func open(host: String, ports: ClosedRange<Int>, on loop: EventLoop, log: PacketLog) -> EventLoopFuture<MediaSession> {
        let promise = loop.makePromise(of: MediaSession.self)
        let box = LateBound<MediaSession>()
        let evenStart = ports.lowerBound + (ports.lowerBound & 1)
        let span = max(1, (ports.upperBound - evenStart) / 2)
        var seed = UInt64(truncatingIfNeeded: PacketLog.now())
        let candidates: [Int] = (0..<50).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return evenStart + 2 * Int((seed >> 33) % UInt64(span))
        }
        @Sendable func attempt(_ index: Int) {
            guard index < candidates.count else {
                promise.fail(RuntimeError(.network, "no free RTP port pair in \(ports.lowerBound)-\(ports.upperBound) on \(host)"))
                return
            }
            let port = candidates[index]
            UDPSocket.bind(host: host, port: port, on: loop, onReceive: { buffer, from in box.value?.receiveRTP(buffer, from: from) })
                .flatMap { rtp in
                    UDPSocket.bind(host: host, port: port + 1, on: loop, onReceive: { buffer, from in box.value?.receiveRTCP(buffer, from: from) })
                        .flatMapError { error in rtp.close().flatMapThrowing { throw error } }
                        .map { (rtp, $0) }
                }
                .whenComplete { result in
                    switch result {
                    case .success(let (rtp, rtcp)):
                        let session = MediaSession(loop: loop, rtp: rtp, rtcp: rtcp, log: log)
                        box.value = session
                        promise.succeed(session)
                    case .failure:
                        attempt(index + 1)
                    }
                }
        }
        attempt(0)
        return promise.futureResult
    }

    /// The static payload types whose audio we can send and decode: PCMU, PCMA and G.722.
    public static let supportedPayloadTypes: Set<Int> = [0, 8, Int(G722.payloadType)]

    /// Starts sending `audio` to `remote` with the given payload type (0, 8 or 9), and DTMF
    /// digits if asked.
    public func startSending(
        to remote: SocketAddress, payloadType: UInt8, telephoneEvent: UInt8?, audio: CallAudio, ptimeMs: Int,
        dtmf: String? = nil, dtmfAt: Duration = .seconds(2)
    ) {
        self.loop.preconditionInEventLoop()
        self.announced = remote
        self.telephoneEvent = telephoneEvent
        self.recordedSampleRate = RTPSender.sampleRate(forPayloadType: payloadType)
        var random = SystemRandomNumberGenerator()
        var sender = RTPSender(
            audio: audio.samples(forPayloadType: payloadType), payloadType: payloadType, telephoneEventPayloadType: telephoneEvent, ssrc: random.next(),
            sequenceNumber: UInt16.random(in: 0...UInt16.max, using: &random), timestamp: random.next(), ptimeMs: ptimeMs)
        if let dtmf, !dtmf.isEmpty { sender.queueDTMF(dtmf, at: dtmfAt) }
        self.sender = sender
        // Start on this stream's phase of the packet interval (at most one interval from now).
        let interval = Int64(max(10, min(ptimeMs, 120))) * 1_000_000
        let now = NIODeadline.now()
        let offset = (MediaPhases.next(interval: interval) - Int64(now.uptimeNanoseconds % UInt64(interval)) + interval) % interval
        self.start = now + .nanoseconds(offset)
        if !self.echo { self.scheduleNext() }
        self.rtcpTask = self.loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(5)) { [weak self] _ in
            self?.sendRTCP(bye: false)
        }
    }

    /// The far end moved its media (a re-INVITE or UPDATE offered another address or port):
    /// RTP goes there from now on, and where its packets come from is learned again. True when
    /// the address changed.
    @discardableResult
    public func moveRemote(to address: String, port: Int) -> Bool {
        self.loop.preconditionInEventLoop()
        guard address != "0.0.0.0", address != "::", let moved = try? SocketAddress(ipAddress: address, port: port), moved != self.announced else {
            return false
        }
        self.announced = moved
        self.learned = nil
        return true
    }

    /// The address RTP goes to now.
    public var destination: SocketAddress? { self.symmetric ? (self.learned ?? self.announced) : self.announced }

    private func scheduleNext() {
        guard !self.stopped, var sender = self.sender, let start = self.start else { return }
        let packet = sender.next()
        self.sender = sender
        let deadline = start + TimeAmount.nanoseconds(Int64(packet.due.components.seconds) * 1_000_000_000 + packet.due.components.attoseconds / 1_000_000_000)
        self.next = self.loop.scheduleTask(deadline: deadline) { [weak self] in
            guard let self, !self.stopped else { return }
            self.transmit(packet.bytes)
            self.scheduleNext()
        }
    }

    private func transmit(_ bytes: [UInt8]) {
        guard !self.paused, let destination = self.destination else { return }
        if self.firstSentAt == nil { self.firstSentAt = .now() }
        self.sentPackets += 1
        self.log.record(bytes, from: self.rtp.localAddress, to: destination)
        self.rtp.send(bytes, to: destination)
    }

    func receiveRTP(_ buffer: ByteBuffer, from source: SocketAddress) {
        let bytes = Array(buffer.readableBytesView)
        let arrival = PacketLog.now()
        self.log.record(bytes, from: source, to: self.rtp.localAddress, at: arrival)
        guard !self.stopped, let header = RTPHeader.parse(bytes) else { return }
        // RTCP on the RTP port (rtcp-mux, RFC 5761 §4): packet types 200-204 read as marker + 72-76.
        if header.marker && (72...76).contains(header.payloadType) { return }
        self.receivedPackets += 1
        if self.firstReceivedAt == nil {
            self.firstReceivedAt = .now()
        }
        if self.learned == nil { self.learned = source }
        if self.remoteSSRC != header.ssrc {
            if self.remoteSSRC != nil { self.reception = RFC3550StreamStatistics() }
            self.remoteSSRC = header.ssrc
        }
        // Every codec siptool negotiates has an 8 kHz RTP clock (G.722 included, RFC 3551 §4.5.2);
        // telephone-events and comfort noise must not create jitter.
        let audioClock: Int? = header.payloadType == self.telephoneEvent || header.payloadType == 13 ? nil : 8000
        self.reception.add(
            arrivalNanoseconds: arrival, sequence: header.sequenceNumber, timestamp: header.timestamp,
            payloadType: header.payloadType, marker: header.marker, audioClockRate: audioClock)
        if self.recording, self.recorded.count < self.recordedSampleRate * 3600 {
            self.record(bytes[header.payloadRange], payloadType: header.payloadType)
        }
        if self.echo, !self.stopped, var sender = self.sender {
            // Send it back with our SSRC, keeping its timing, sequence and payload.
            var echoed = bytes
            let ssrc = sender.ssrc
            echoed[8] = UInt8(ssrc >> 24)
            echoed[9] = UInt8(ssrc >> 16 & 0xFF)
            echoed[10] = UInt8(ssrc >> 8 & 0xFF)
            echoed[11] = UInt8(ssrc & 0xFF)
            _ = sender.next()  // count it for RTCP
            self.sender = sender
            self.transmit(echoed)
        }
    }

    /// Decodes a received payload into ``recorded``. A codec at another rate than the recording's
    /// (the far end switched) is converted crudely, by repeating or dropping samples.
    private func record(_ payload: ArraySlice<UInt8>, payloadType: UInt8) {
        switch payloadType {
        case 0, 8:
            let wide = self.recordedSampleRate == 16000
            for byte in payload {
                let sample = payloadType == 0 ? G711.decodeMuLaw(byte) : G711.decodeALaw(byte)
                self.recorded.append(sample)
                if wide { self.recorded.append(sample) }
            }
        case G722.payloadType:
            // One decoder for the stream: G.722's state runs from packet to packet.
            if self.g722Decoder == nil { self.g722Decoder = G722.Decoder() }
            let samples = self.g722Decoder!.decode(payload)
            if self.recordedSampleRate == 16000 {
                self.recorded += samples
            } else {
                for index in stride(from: 0, to: samples.count, by: 2) { self.recorded.append(samples[index]) }
            }
        default:
            break
        }
    }

    func receiveRTCP(_ buffer: ByteBuffer, from source: SocketAddress) {
        let bytes = Array(buffer.readableBytesView)
        let arrival = PacketLog.now()
        self.log.record(bytes, from: source, to: self.rtcp.localAddress, at: arrival)
        for case .senderReport(let ssrc, let ntp, _, _, _, _) in RTCPPacket.parseCompound(bytes) where self.remoteSSRC == nil || ssrc == self.remoteSSRC {
            self.lastRemoteSR = NTPTime.compact(ntp)
            self.lastRemoteSRArrival = arrival
        }
    }

    /// A sender report with our counts, a report block on the far end's stream once it has sent
    /// (loss, jitter, LSR/DLSR so it can measure the round trip) and a CNAME (RFC 3550 §6.4.1,
    /// §6.5.1), plus a BYE at the end.
    private func sendRTCP(bye: Bool) {
        guard let sender = self.sender, let destination = self.destination, let rtpPort = destination.port,
            let target = try? SocketAddress(ipAddress: destination.ipAddress ?? "", port: rtpPort + 1)
        else { return }
        let now = PacketLog.now()
        var blocks: [RTCPPacket.ReportBlock] = []
        if let remote = self.remoteSSRC {
            // DLSR in 1/65536 s since that SR arrived; both 0 before any SR (RFC 3550 §6.4.1).
            let delay = self.lastRemoteSR == 0 ? 0 : UInt32(clamping: max(0, now - self.lastRemoteSRArrival) * 65536 / 1_000_000_000)
            blocks.append(self.reception.makeReportBlock(ssrc: remote, lastSR: self.lastRemoteSR, delaySinceLastSR: delay))
        }
        var packets: [RTCPPacket] = [
            .senderReport(
                ssrc: sender.ssrc, ntpTimestamp: NTPTime.timestamp(unixNanoseconds: now), rtpTimestamp: sender.timestamp,
                packetCount: sender.packetCount, octetCount: sender.octetCount, reports: blocks),
            .sourceDescription([.init(ssrc: sender.ssrc, items: [.init(type: 1, value: "siptool@\(self.rtp.localAddress.ipAddress ?? "local")")])]),
        ]
        if bye { packets.append(.goodbye(ssrcs: [sender.ssrc], reason: nil)) }
        let bytes = packets.flatMap { $0.serialized() }
        self.log.record(bytes, from: self.rtcp.localAddress, to: target)
        self.rtcp.send(bytes, to: target)
    }

    /// Stops sending (an RTCP BYE goes out) and closes both sockets.
    public func stop() -> EventLoopFuture<Void> {
        self.loop.preconditionInEventLoop()
        if !self.stopped {
            self.stopped = true
            self.next?.cancel()
            self.rtcpTask?.cancel()
            self.sendRTCP(bye: true)
        }
        return self.rtp.close().and(self.rtcp.close()).map { _ in }
    }
}
