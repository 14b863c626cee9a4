import NIOCore
import NIOSSL
import RTP
import SDP
import SIPMessages
import SIPTransaction
import SIPUserAgent

/// What `siptool answer` does with each incoming call.
public struct AnswerOptions: Sendable {
    public var listenHost: String
    public var listenPort: Int
    /// UDP, TCP or TLS (TLS needs `tls`: the certificate and key to present).
    public var transport: SIPClientTransport.Kind = .udp
    public var tls: TLSServerSettings?
    /// The final response: 200 answers; anything from 300 up rejects with that code.
    public var status = 200
    public var reason: String?
    /// How long to ring (180) before the final response.
    public var ringFor: Duration = .zero
    /// Echo each received RTP packet back, instead of sending our own audio.
    public var echo = false
    public var audio: CallAudio = .speechLike(seconds: 8)
    /// Hang up answered calls after this long (nil: wait for the caller's BYE, at most `maximumDuration`).
    public var hangUpAfter: Duration?
    public var maximumDuration: Duration = .seconds(3600)
    /// Stop after this many calls have ended (nil: run until interrupted or `runFor`).
    public var calls: Int?
    public var runFor: Duration?
    public var rtpPorts: ClosedRange<Int> = 16384...32767
    /// The codecs to accept (the caller's order decides which is used).
    public var codecs: [SDPCodec] = [.pcmu, .pcma, .g722, .telephoneEvent(101)]
    public var record = false
    public var userAgent = "siptool"
    /// Send the 180 reliably (RFC 3262) to callers that support 100rel, and wait for its PRACK
    /// (at most 64*T1) before the final response.
    public var reliableProvisional = false

    public init(listenHost: String, listenPort: Int) {
        self.listenHost = listenHost
        self.listenPort = listenPort
    }
}

/// One call `siptool answer` handled.
public struct AnsweredCall: Sendable {
    public var callID: String
    public var from: String
    public var caller: String
    public var status: Int
    public var confirmed = false
    public var cancelled = false
    public var ackTimedOut = false
    public var endedByRemote: Bool?
    public var rtpSent = 0
    public var rtpReceived = 0
    /// Decoded received audio when recording, at `recordedSampleRate`.
    public var recorded: [Int16] = []
    public var recordedSampleRate = 8000
    /// The codec we answered with and send ("PCMU/8000", "G722/8000").
    public var codec: String?
    public var note: String?
    /// re-INVITEs and UPDATEs from the caller during the call, answered 200 with our SDP.
    public var refreshes: [SessionRefresh.Change] = []
    /// Whether our 180 was sent reliably (100rel) and whether the caller PRACKed it.
    public var reliable180 = false
    public var prackReceived = false
}

/// A user agent server: answers every INVITE on one UDP socket or TCP/TLS listener as
/// configured, many calls at once (over many connections), each with its own RTP port, all
/// packets into one `PacketLog`. Runs on one event loop.
public final class AnswerService: @unchecked Sendable {
    // Confined to `loop`.
    struct Active {
        var call: InboundCall
        var source: SocketAddress
        var media: MediaSession?
        var timers: [InboundCallTimer: Scheduled<Void>] = [:]
        var record: AnsweredCall
        var hangup: Scheduled<Void>?
    }

    let loop: EventLoop
    let options: AnswerOptions
    let log: PacketLog
    let sip: SIPServerTransport
    var active: [String: Active] = [:]
    public private(set) var finished: [AnsweredCall] = []
    let promise: EventLoopPromise<[AnsweredCall]>
    var stopping = false
    var closed = false
    var poll: RepeatedTask?
    var tagCounter = 0

    private init(loop: EventLoop, options: AnswerOptions, log: PacketLog, sip: SIPServerTransport) {
        self.loop = loop
        self.options = options
        self.log = log
        self.sip = sip
        self.promise = loop.makePromise()
    }

    /// The bound SIP address.
    public var localAddress: SocketAddress { self.sip.localAddress }

    /// Starts listening; `ready` is called with the bound address once calls can arrive; the
    /// future completes with every handled call when the service stops.
    public static func run(
        _ options: AnswerOptions, on loop: EventLoop, log: PacketLog, ready: @escaping @Sendable (SocketAddress) -> Void = { _ in }
    ) -> EventLoopFuture<[AnsweredCall]> {
        let box = LateBound<AnswerService>()
        var context: NIOSSLContext?
        if options.transport == .tls {
            guard let settings = options.tls else {
                return loop.makeFailedFuture(RuntimeError(.input, "listening for TLS needs a certificate and a key"))
            }
            do {
                context = try SIPTLS.serverContext(settings)
            } catch {
                return loop.makeFailedFuture(error)
            }
        }
        return SIPServerTransport.open(options.transport, host: options.listenHost, port: options.listenPort, tls: context, on: loop) { message, bytes, source, local in
            box.value?.receive(message, bytes: bytes, from: source, local: local)
        }
        .flatMap { sip in
            let service = AnswerService(loop: loop, options: options, log: log, sip: sip)
            box.value = service
            service.begin()
            ready(sip.localAddress)
            return service.promise.futureResult
        }
    }

    private func begin() {
        if let runFor = self.options.runFor {
            self.loop.scheduleTask(in: CallSession.amount(runFor)) { [weak self] in self?.stop() }
        }
        self.poll = self.loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [weak self] _ in
            if Interrupt.requested { self?.stop() }
        }
    }

    /// Ends every call (BYE or 487) and stops once they are over (at most 5 s more).
    func stop() {
        guard !self.stopping else { return }
        self.stopping = true
        for (callID, _) in self.active { self.hangUp(callID) }
        self.loop.scheduleTask(in: .seconds(5)) { [weak self] in self?.close() }
        self.closeIfIdle()
    }

    private func closeIfIdle() {
        if self.stopping && self.active.isEmpty { self.close() }
    }

    private func close() {
        guard !self.closed else { return }
        self.closed = true
        self.poll?.cancel()
        let medias = self.active.values.compactMap(\.media)
        for callID in Array(self.active.keys) { self.retire(callID, note: "still up when the service stopped") }
        let calls = self.finished
        EventLoopFuture.andAllComplete(medias.map { $0.stop() } + [self.sip.close()], on: self.loop)
            .whenComplete { [promise] _ in promise.succeed(calls) }
    }

    func receive(_ parsed: SIPMessage?, bytes: [UInt8], from source: SocketAddress, local: SocketAddress) {
        // On a wildcard UDP socket `local` is 0.0.0.0: log the address the peer reached instead.
        if !bytes.isEmpty { self.log.record(bytes, from: source, to: self.sip.kind.isStream ? local : self.sip.localAddress(toward: source), tcp: self.sip.kind.isStream) }
        guard var message = parsed, let callID = message.headers.callID else { return }
        if case .request(let request) = message { message = .request(Self.stampVia(request, source: source)) }
        if var existing = self.active[callID] {
            existing.source = source
            self.active[callID] = existing
            self.handle(callID, self.mutate(callID) { $0.receive(message) })
            return
        }
        guard case .request(let request) = message else { return }
        switch request.method {
        case .invite where !self.stopping:
            self.newCall(request, from: source)
        case .ack:
            break
        case .options:
            self.reply(ServerInviteTransaction.response(to: request, status: 200, reason: "OK", toTag: self.nextTag()), to: source, allow: true)
        case _ where request.headers.toTag != nil:
            // In a dialog we do not know (RFC 3261 §12.2.2).
            self.reply(ServerInviteTransaction.response(to: request, status: 481, reason: "Call/Transaction Does Not Exist", toTag: self.nextTag()), to: source)
        default:
            // Outside a dialog, a method this UAS does not serve (REGISTER, MESSAGE, ...): 405 with
            // the methods it does (RFC 3261 §8.2.1).
            self.reply(ServerInviteTransaction.response(to: request, status: 405, reason: "Method Not Allowed", toTag: self.nextTag()), to: source, allow: true)
        }
    }

    private func nextTag() -> String {
        self.tagCounter += 1
        var random = SystemRandomNumberGenerator()
        return String(random.next() as UInt32, radix: 16) + String(self.tagCounter)
    }

    private func reply(_ response: SIPResponse, to destination: SocketAddress, allow: Bool = false) {
        var response = response
        if allow { response.headers.insert(.allow, "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK", at: max(response.headers.count - 1, 0)) }
        response.headers.insert(.server, self.options.userAgent, at: max(response.headers.count - 1, 0))
        self.send(.response(response), to: destination)
    }

    private func send(_ message: SIPMessage, to destination: SocketAddress) {
        let bytes = message.serialized()
        self.log.record(bytes, from: self.sip.localAddress(toward: destination), to: destination, tcp: self.sip.kind.isStream)
        self.sip.send(bytes, to: destination)
    }

    private func newCall(_ invite: SIPRequest, from source: SocketAddress) {
        guard let callID = invite.headers.callID else { return }
        let local = self.sip.localAddress(toward: source)
        let host = local.ipAddress ?? self.options.listenHost
        let sentBy = Addressing.hostPort(host, self.sip.localAddress.port ?? self.options.listenPort)
        let user = invite.requestURI.user ?? "siptool"
        let parameter = self.sip.kind.uriParameter.map { ";transport=\($0)" } ?? ""
        var call = InboundCall(
            invite: invite, localTag: self.nextTag(), contact: "<sip:\(user)@\(sentBy)\(parameter)>", sentBy: sentBy, transport: self.sip.kind.rawValue,
            userAgent: self.options.userAgent)
        let record = AnsweredCall(
            callID: callID, from: invite.headers.first(.from) ?? "?", caller: Addressing.hostPort(source.ipAddress ?? "?", source.port ?? 0),
            status: self.options.status)
        let events = call.start()
        self.active[callID] = Active(call: call, source: source, record: record)
        self.handle(callID, events)
        if self.options.ringFor > .zero || self.options.status < 300 {
            let reliable = self.options.reliableProvisional
            self.handle(callID, self.mutate(callID) { $0.progress(reliable: reliable) })
            if self.active[callID]?.call.unacknowledgedProvisional != nil { self.active[callID]?.record.reliable180 = true }
        }
        self.loop.scheduleTask(in: CallSession.amount(self.options.ringFor)) { [weak self] in self?.decide(callID) }
    }

    /// The final response, after the ring time.
    private func decide(_ callID: String, waited: Int = 0) {
        guard let entry = self.active[callID], entry.call.phase == .proceeding else { return }
        if entry.call.unacknowledgedProvisional != nil && waited < 320 {
            // The reliable 180 is not PRACKed yet: wait for it (100 ms steps, at most 32 s).
            self.loop.scheduleTask(in: .milliseconds(100)) { [weak self] in self?.decide(callID, waited: waited + 1) }
            return
        }
        if self.options.status >= 300 {
            let reason = self.options.reason ?? Self.reasonPhrase(self.options.status)
            self.handle(callID, self.mutate(callID) { $0.reject(self.options.status, reason: reason) })
            return
        }
        let offer = try? SessionDescription.parse(entry.call.invite.body)
        let host = self.sip.localAddress(toward: entry.source).ipAddress ?? self.options.listenHost
        MediaSession.open(host: host, ports: self.options.rtpPorts, on: self.loop, log: self.log).whenComplete { [weak self] result in
            guard let self, self.active[callID]?.call.phase == .proceeding else {
                if case .success(let media) = result { _ = media.stop() }
                return
            }
            guard case .success(let media) = result else {
                self.handle(callID, self.mutate(callID) { $0.reject(503, reason: "Service Unavailable") })
                return
            }
            guard let offer else {
                _ = media.stop()
                self.active[callID]?.record.note = "the INVITE had no SDP offer (offerless INVITE is not supported)"
                self.handle(callID, self.mutate(callID) { $0.reject(488, reason: "Not Acceptable Here") })
                return
            }
            switch SDPNegotiation.answer(to: offer, supporting: self.options.codecs, address: host, port: media.port, sessionID: UInt64(PacketLog.now() / 1_000_000_000)) {
            case .reject(let status, let reason):
                _ = media.stop()
                self.active[callID]?.record.status = status
                self.active[callID]?.record.note = "no common codec: \(reason)"
                self.handle(callID, self.mutate(callID) { $0.reject(status, reason: "Not Acceptable Here", headers: [(.warning, "305 siptool \"\(reason)\"")]) })
            case .answer(let answer):
                media.echo = self.options.echo
                media.recording = self.options.record
                self.active[callID]?.media = media
                if let audio = answer.media.first, audio.port != 0, let payload = audio.payloadTypes.first(where: { MediaSession.supportedPayloadTypes.contains($0) }),
                    let offered = offer.media.first(where: { $0.mediaType == .audio && $0.port != 0 }),
                    let address = offer.effectiveConnections(of: offered).first?.address,
                    let remote = try? SocketAddress(ipAddress: address, port: offered.port)
                {
                    self.active[callID]?.record.codec = audio.codecs.first { $0.payloadType == payload }.map { "\($0.encodingName)/\($0.clockRate)" }
                    let event = audio.rtpMaps.first { $0.encodingName.lowercased() == "telephone-event" }.map { UInt8($0.payloadType) }
                    media.startSending(to: remote, payloadType: UInt8(payload), telephoneEvent: event, audio: self.options.audio, ptimeMs: 20)
                }
                self.handle(callID, self.mutate(callID) { $0.answer(sdp: answer.serializedBytes()) })
                let limit = self.options.hangUpAfter ?? self.options.maximumDuration
                self.active[callID]?.hangup = self.loop.scheduleTask(in: CallSession.amount(limit)) { [weak self] in self?.hangUp(callID) }
            }
        }
    }

    private func hangUp(_ callID: String) {
        guard let entry = self.active[callID] else { return }
        switch entry.call.phase {
        case .answered, .confirmed:
            self.handle(callID, self.mutate(callID) { $0.hangUp() })
        case .proceeding:
            self.handle(callID, self.mutate(callID) { $0.reject(480, reason: "Temporarily Unavailable") })
        case .terminating, .ended:
            break
        }
    }

    private func mutate(_ callID: String, _ body: (inout InboundCall) -> [InboundCallEvent]) -> [InboundCallEvent] {
        guard var entry = self.active[callID] else { return [] }
        let events = body(&entry.call)
        self.active[callID] = entry
        return events
    }

    private func handle(_ callID: String, _ events: [InboundCallEvent]) {
        let source = self.active[callID]?.source
        for event in events {
            if case .send(let message) = event, let source {
                // Responses still go out for a call that an earlier event retired.
                self.send(message, to: source)
                continue
            }
            guard self.active[callID] != nil else { return }
            switch event {
            case .send:
                break
            case .startTimer(let timer, let duration):
                self.active[callID]?.timers[timer]?.cancel()
                self.active[callID]?.timers[timer] = self.loop.scheduleTask(in: CallSession.amount(duration)) { [weak self] in
                    guard let self else { return }
                    self.active[callID]?.timers[timer] = nil
                    self.handle(callID, self.mutate(callID) { $0.timerFired(timer) })
                }
            case .cancelTimer(let timer):
                self.active[callID]?.timers.removeValue(forKey: timer)?.cancel()
            case .confirmed:
                self.active[callID]?.record.confirmed = true
            case .cancelled:
                self.active[callID]?.record.cancelled = true
                self.active[callID]?.record.status = 487
                self.retireLater(callID)
            case .ackTimedOut:
                self.active[callID]?.record.ackTimedOut = true
            case .ended(let byRemote):
                self.active[callID]?.record.endedByRemote = byRemote
                self.retire(callID, note: nil)
            case .rejected:
                self.retire(callID, note: nil)
            case .provisionalAcknowledged:
                self.active[callID]?.record.prackReceived = true
            case .remoteRefresh(let change):
                self.active[callID]?.record.refreshes.append(change)
                self.active[callID]?.media?.paused = change.heldByRemote
                if let address = change.remoteAudioAddress, let port = change.remoteAudioPort {
                    self.active[callID]?.media?.moveRemote(to: address, port: port)
                }
            }
        }
    }

    /// Keeps a cancelled call a little while so the ACK for the 487 is absorbed, then retires it.
    private func retireLater(_ callID: String) {
        self.loop.scheduleTask(in: .seconds(2)) { [weak self] in self?.retire(callID, note: nil) }
    }

    private func retire(_ callID: String, note: String?) {
        guard let entry = self.active.removeValue(forKey: callID) else { return }
        for timer in entry.timers.values { timer.cancel() }
        entry.hangup?.cancel()
        var record = entry.record
        if let note { record.note = note }
        if let media = entry.media {
            record.rtpSent = media.sentPackets
            record.rtpReceived = media.receivedPackets
            record.recorded = media.recorded
            record.recordedSampleRate = media.recordedSampleRate
            _ = media.stop()
        }
        self.finished.append(record)
        guard !self.closed else { return }
        if let limit = self.options.calls, self.finished.count >= limit { self.stop() }
        self.closeIfIdle()
    }

    /// RFC 3261 §18.2.1 and RFC 3581 §4: the top Via gets `received` when the packet came from
    /// another address than its sent-by, and `rport` filled with the source port when asked for,
    /// so responses go back where the request came from and the client learns its public address.
    static func stampVia(_ request: SIPRequest, source: SocketAddress) -> SIPRequest {
        guard var via = request.headers.topVia, let ip = source.ipAddress, let port = source.port else { return request }
        let wantsPort: Bool
        if case .requested = via.rport { wantsPort = true } else { wantsPort = false }
        if via.host != ip || wantsPort {
            via.parameters.removeAll { $0.name.lowercased() == "received" }
            via.parameters.append(SIPParameter(name: "received", value: ip))
        }
        if wantsPort {
            via.parameters.removeAll { $0.name.lowercased() == "rport" }
            via.parameters.append(SIPParameter(name: "rport", value: String(port)))
        }
        var stamped = request
        NonInviteRequester.replaceTopVia(in: &stamped.headers, with: via.description)
        return stamped
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 408: return "Request Timeout"
        case 480: return "Temporarily Unavailable"
        case 486: return "Busy Here"
        case 488: return "Not Acceptable Here"
        case 500: return "Server Internal Error"
        case 503: return "Service Unavailable"
        case 603: return "Decline"
        default: return "Rejected"
        }
    }
}

