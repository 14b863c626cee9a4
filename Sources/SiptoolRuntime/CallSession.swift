import NIOCore
import RTP
import SDP
import SIPMessages
import SIPTransaction
import SIPUserAgent

#if canImport(Glibc)
    import Glibc
#endif

/// What `siptool call` asks for.
public struct CallOptions: Sendable {
    /// The Request-URI (`sip:+15550011234@trunk.example.com;user=phone`).
    public var target: SIPURI
    /// Where to send: the trunk or proxy host and port (the Request-URI's host by default).
    public var serverHost: String
    public var serverPort: Int
    public var fromUser: String
    public var fromDomain: String
    public var displayName: String?
    public var username: String?
    public var password: String?
    public var extraHeaders: [(name: String, value: String)] = []
    /// How long to keep the answered call up.
    public var duration: Duration = .seconds(10)
    /// How long to wait for an answer before CANCEL.
    public var ringTimeout: Duration = .seconds(60)
    public var localHost: String?
    public var localPort: Int = 0
    /// UDP, TCP or TLS for SIP.
    public var transport: SIPClientTransport.Kind = .udp
    /// Certificate checks and key log for TLS.
    public var tls = TLSClientSettings()
    public var rtpPorts: ClosedRange<Int> = 16384...32767
    /// The SDP offer's codecs, in order of preference.
    public var codecs: [SDPCodec] = [.pcmu, .pcma, .g722, .telephoneEvent(101)]
    public var ptimeMs = 20
    public var audio: CallAudio = .speechLike(seconds: 8)
    public var dtmf: String?
    public var dtmfAt: Duration = .seconds(2)
    public var record = false
    public var symmetricRTP = true
    public var userAgent = "siptool"
    /// Connect the UDP socket to the server so an ICMP port unreachable ends the attempt at
    /// once (set when RFC 3263 gave more targets to fail over to; replies must then come from
    /// the address we sent to).
    public var connectUDP = false

    public init(target: SIPURI, serverHost: String, serverPort: Int, fromUser: String, fromDomain: String) {
        self.target = target
        self.serverHost = serverHost
        self.serverPort = serverPort
        self.fromUser = fromUser
        self.fromDomain = fromDomain
    }
}

/// What happened on a live call, for the verdict and the report.
public struct CallOutcome: Sendable {
    /// A moment of the call, in milliseconds since the INVITE left.
    public struct Moment: Sendable {
        public var label: String
        public var ms: Double

        public init(label: String, ms: Double) {
            self.label = label
            self.ms = ms
        }
    }

    /// One 3xx on the way to the final target (`siptool call --follow-redirects`).
    public struct RedirectHop: Sendable {
        public var target: String
        public var callID: String
        public var status: Int
        public var reason: String
        public var contacts: [String]
        /// Why the redirect was not followed (hop limit, loop, no usable Contact); nil when it was.
        public var stop: String?

        public init(target: String, callID: String, status: Int, reason: String, contacts: [String], stop: String? = nil) {
            self.target = target
            self.callID = callID
            self.status = status
            self.reason = reason
            self.contacts = contacts
            self.stop = stop
        }
    }

    public var callID: String
    public var timeline: [Moment] = []
    public var answered = false
    public var finalStatus: Int?
    public var finalReason: String?
    public var failure: CallFailure?
    public var endedByRemote: Bool?
    public var interrupted = false
    public var rtpSent = 0
    public var rtpReceived = 0
    /// The address the far end's SDP gave for its RTP (the latest one, when a re-INVITE moved it),
    /// and where its packets came from.
    public var announcedMedia: String?
    /// The codec we send, as the answer names it ("PCMU/8000", "G722/8000").
    public var codec: String?
    public var observedMedia: String?
    /// Milliseconds from the 200 OK to the first RTP packet received / sent.
    public var firstRTPInAfterAnswerMs: Double?
    public var firstRTPOutAfterAnswerMs: Double?
    public var local: String = ""
    public var server: String = ""
    public var transport = "UDP"
    public var authenticationRounds = 0
    /// PRACKs sent for reliable provisional responses (RFC 3262), and how many got a 2xx.
    public var pracksSent = 0
    public var pracksAnswered = 0
    /// Option tags the far end required (Require in a 1xx, or Unsupported in a 420) that siptool
    /// does not support.
    public var unsupportedExtensions: [String] = []
    /// re-INVITEs and UPDATEs from the far end during the call, answered 200 with our SDP.
    public var remoteRefreshes: [SessionRefresh.Change] = []
    /// The Contact URIs of a 3xx redirect, in the order given.
    public var redirectContacts: [String] = []
    /// With --follow-redirects: each 3xx followed (or the last one refused), in order.
    public var redirectHops: [RedirectHop] = []
    /// Decoded received audio when recording was asked for, at `recordedSampleRate` (16 kHz
    /// when G.722 was negotiated, 8 kHz otherwise).
    public var recorded: [Int16] = []
    public var recordedSampleRate = 8000
}

/// Places one call: SIP over UDP, TCP or TLS through `OutboundCall`, RTP through `MediaSession`, every packet
/// into a `PacketLog`. Runs entirely on one event loop.
public final class CallSession: @unchecked Sendable {
    // Confined to `loop`.
    let loop: EventLoop
    let options: CallOptions
    let log: PacketLog
    let server: SocketAddress
    let sip: SIPClientTransport
    let media: MediaSession
    let localHost: String
    var call: OutboundCall
    var outcome: CallOutcome
    let timers: LoopTimers<CallTimer>
    var started: NIODeadline = .now()
    var answeredAt: NIODeadline?
    var hangup: Scheduled<Void>?
    var ring: Scheduled<Void>?
    var watchdog: Scheduled<Void>?
    var interruptPoll: RepeatedTask?
    let promise: EventLoopPromise<CallOutcome>
    var finished = false

    private init(loop: EventLoop, options: CallOptions, log: PacketLog, server: SocketAddress, sip: SIPClientTransport, media: MediaSession, localHost: String) {
        self.loop = loop
        self.options = options
        self.log = log
        self.server = server
        self.sip = sip
        self.media = media
        self.localHost = localHost
        self.promise = loop.makePromise()
        self.timers = LoopTimers(loop: loop)
        var random = SystemRandomNumberGenerator()
        let token = String(random.next() as UInt64, radix: 36)
        let localPort = sip.localAddress.port ?? 5060
        let sentBy = Addressing.hostPort(localHost, localPort)
        let from = (options.displayName.map { "\"\($0)\" " } ?? "") + "<sip:\(options.fromUser)@\(options.fromDomain)>"
        let contactParameters = sip.kind.uriParameter.map { ";transport=\($0)" } ?? ""
        var configuration = OutboundCallConfiguration(
            requestURI: options.target, from: from, to: "<\(options.target.raw)>",
            contact: "<sip:\(options.fromUser)@\(sentBy)\(contactParameters)>", sentBy: sentBy, transport: sip.kind.rawValue,
            callID: "\(token)@\(localHost)", fromTag: String(random.next() as UInt32, radix: 16),
            branchPrefix: "z9hG4bK-st\(token)", username: options.username, password: options.password,
            extraHeaders: options.extraHeaders, userAgent: options.userAgent)
        let offer = SessionDescription.audioOffer(
            address: localHost, port: media.port, codecs: options.codecs, ptime: options.ptimeMs,
            sessionID: UInt64(PacketLog.now() / 1_000_000_000))
        configuration.offer = offer.serializedBytes()
        self.call = OutboundCall(configuration: configuration)
        self.outcome = CallOutcome(callID: configuration.callID)
        self.outcome.local = sentBy
        self.outcome.transport = sip.kind.rawValue
        self.outcome.server = Addressing.hostPort(server.ipAddress ?? options.serverHost, server.port ?? options.serverPort)
    }

    /// Places the call and completes when it is over (answered and hung up, rejected, timed out,
    /// or interrupted with Ctrl-C, which sends CANCEL or BYE first).
    public static func run(_ options: CallOptions, on loop: EventLoop, log: PacketLog) -> EventLoopFuture<CallOutcome> {
        let server: SocketAddress
        let localHost: String
        do {
            (server, localHost) = try Addressing.route(host: options.serverHost, port: options.serverPort, localHost: options.localHost)
        } catch {
            return loop.makeFailedFuture(error)
        }
        let box = LateBound<CallSession>()
        return SIPClientTransport.open(
            options.transport, localHost: localHost, localPort: options.localPort, server: server, serverName: options.tls.serverName ?? options.serverHost, tls: options.tls,
            on: loop, connectUDP: options.connectUDP, onError: { error in box.whenBound { $0.transportError(error) } }
        ) { message, bytes, source in
            box.value?.receiveSIP(message, bytes: bytes, from: source)
        }
        .flatMap { sip in
            MediaSession.open(host: localHost, ports: options.rtpPorts, on: loop, log: log)
                .flatMapError { error in sip.close().flatMapThrowing { throw error } }
                .flatMap { media in
                    let session = CallSession(loop: loop, options: options, log: log, server: server, sip: sip, media: media, localHost: localHost)
                    session.begin()
                    box.bind(session)
                    return session.promise.futureResult.keepingAlive(session)
                }
        }
    }

    private func ms(since start: NIODeadline, _ now: NIODeadline = .now()) -> Double {
        Double((now - start).nanoseconds) / 1_000_000
    }

    private func mark(_ label: String) {
        self.outcome.timeline.append(.init(label: label, ms: self.ms(since: self.started)))
    }

    private func begin() {
        self.media.symmetric = self.options.symmetricRTP
        self.media.recording = self.options.record
        self.started = .now()
        self.mark("INVITE sent to \(self.outcome.server)")
        self.handle(self.call.start())
        self.ring = self.loop.scheduleTask(in: Self.amount(self.options.ringTimeout)) { [weak self] in
            guard let self, !self.outcome.answered else { return }
            self.mark("no answer within \(self.options.ringTimeout): cancelling")
            self.handle(self.call.hangUp())
        }
        // Nothing may run forever: ring time + call time + 64*T1 for the last transaction.
        let bound = self.options.ringTimeout + self.options.duration + .seconds(40)
        self.watchdog = self.loop.scheduleTask(in: Self.amount(bound)) { [weak self] in self?.finish() }
        self.interruptPoll = self.loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [weak self] _ in
            guard let self, Interrupt.requested, !self.outcome.interrupted else { return }
            self.outcome.interrupted = true
            self.mark("interrupted (Ctrl-C): \(self.outcome.answered ? "BYE" : "CANCEL")")
            self.handle(self.call.hangUp())
            if self.call.phase == .ended || self.call.phase == .idle { self.finish() }
        }
    }

    static func amount(_ duration: Duration) -> TimeAmount { LoopTimers<Int>.amount(duration) }

    func receiveSIP(_ message: SIPMessage?, bytes: [UInt8], from source: SocketAddress) {
        if !bytes.isEmpty { self.log.record(bytes, from: source, to: self.sip.localAddress, tcp: self.sip.kind.isStream) }
        guard !self.finished else { return }
        guard let message else {
            if self.sip.kind.isStream {
                // The stream cannot be framed any more: the connection is closed.
                self.mark("unreadable SIP on the \(self.sip.kind.rawValue) connection: closing it")
                self.handle(self.call.transportFailed())
                if self.call.phase == .ended { self.finish() }
            }
            return
        }
        guard message.headers.callID == self.outcome.callID else { return }
        self.handle(self.call.receive(message))
    }

    /// An error the UDP socket reported (ECONNREFUSED: an ICMP port unreachable came back).
    func transportError(_ error: Error) {
        guard !self.finished, self.call.phase != .ended else { return }
        self.mark(CallSession.transportFailure(error, kind: self.sip.kind, server: self.outcome.server))
        self.handle(self.call.transportFailed())
        if self.call.phase == .ended, !self.outcome.answered { self.loop.scheduleTask(in: .milliseconds(50)) { [weak self] in self?.finish() } }
    }

    /// "port unreachable (connection refused)" for ECONNREFUSED, else the error's own words.
    static func describe(_ error: Error) -> String {
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return "port unreachable (connection refused): nothing listens there" }
        if let error = error as? IOError, error.errnoCode == ECONNRESET { return "the server reset the connection (it closed it without reading everything we sent)" }
        let text = "\(error)"
        if text.contains("CERTIFICATE_REQUIRED") || text.contains("certificate required") {
            return "the server requires a client certificate (mutual TLS; TLS alert certificate_required): give --cert and --key"
        }
        return text
    }

    /// A transport error for the report: introduced as ICMP for UDP and as the connection for TCP
    /// and TLS, then the server and ``describe(_:)``'s words.
    static func transportFailure(_ error: Error, kind: SIPClientTransport.Kind, server: String) -> String {
        "\(kind == .udp ? "ICMP error from" : "connection to") \(server): \(Self.describe(error))"
    }

    private func send(_ message: SIPMessage) {
        let bytes = message.serialized()
        self.log.record(bytes, from: self.sip.localAddress, to: self.server, tcp: self.sip.kind.isStream)
        self.sip.send(bytes).whenFailure { [weak self] error in
            guard let self, !self.finished else { return }
            self.mark("sending failed: \(error)")
            self.handle(self.call.transportFailed())
        }
    }

    private func handle(_ events: [CallEvent]) {
        for event in events {
            switch event {
            case .send(let message):
                self.send(message)
            case .startTimer(let timer, let duration):
                self.timers.start(timer, after: duration) { [weak self] in
                    guard let self else { return }
                    self.handle(self.call.timerFired(timer))
                }
            case .cancelTimer(let timer):
                self.timers.cancel(timer)
            case .progress(let response):
                self.mark("\(response.statusCode) \(response.reasonPhrase)")
            case .earlyMedia:
                self.mark("early media (SDP in a provisional response)")
            case .prackSent(let prack):
                self.outcome.pracksSent += 1
                self.mark("PRACK sent (RAck: \(prack.headers.first(.rack) ?? "?"))")
            case .prackAnswered(let response):
                if (200..<300).contains(response.statusCode) { self.outcome.pracksAnswered += 1 }
                self.mark("\(response.statusCode) \(response.reasonPhrase) to PRACK")
            case .remoteRefresh(let change):
                self.outcome.remoteRefreshes.append(change)
                self.mark(Self.describe(change))
                self.media.paused = change.heldByRemote
                if let address = change.remoteAudioAddress, let port = change.remoteAudioPort, self.media.moveRemote(to: address, port: port) {
                    let moved = Addressing.hostPort(address, port)
                    self.mark("the far end moved its media to \(moved): RTP goes there now")
                    self.outcome.announcedMedia = moved
                }
            case .refreshUnacknowledged:
                self.mark("no ACK for our 200 to the far end's re-INVITE within 64*T1: hanging up (RFC 3261 §13.3.1.4)")
            case .unsupportedRequirement(let response, let options):
                self.outcome.unsupportedExtensions = options
                self.mark("\(response.statusCode) \(response.reasonPhrase) requires \(options.joined(separator: ", ")), which siptool does not support: cancelling")
            case .authenticating(let realm, let proxy):
                self.outcome.authenticationRounds += 1
                self.mark("\(proxy ? 407 : 401) challenge for realm \"\(realm)\": resending with credentials")
            case .answered(let response):
                self.answered(response)
            case .failed(let failure):
                self.outcome.failure = failure
                switch failure {
                case .rejected(let response), .credentialsRejected(let response, _, _), .cannotAuthenticate(let response, _):
                    self.outcome.finalStatus = response.statusCode
                    self.outcome.finalReason = response.reasonPhrase
                    var label = "\(response.statusCode) \(response.reasonPhrase)"
                    if response.statusCode == 420 {
                        let unsupported = response.headers.values(.unsupported)
                        self.outcome.unsupportedExtensions = unsupported
                        label += " (the far end does not support: \(unsupported.isEmpty ? "no Unsupported header" : unsupported.joined(separator: ", ")))"
                    }
                    if (300..<400).contains(response.statusCode) {
                        let contacts = ((try? response.headers.nameAddresses(.contact)) ?? []).map { $0.uri.raw }
                        self.outcome.redirectContacts = contacts
                        label += contacts.isEmpty ? " (redirect without a Contact)" : " (redirect to \(contacts.joined(separator: ", ")))"
                    }
                    self.mark(label)
                case .timeout:
                    self.mark("no final response (Timer B, 64*T1)")
                case .transportError:
                    self.mark("transport error")
                case .cancelled:
                    self.outcome.finalStatus = 487
                    self.mark("cancelled")
                }
                // Let the ACK for the final response leave before closing.
                self.loop.scheduleTask(in: .milliseconds(200)) { [weak self] in self?.finish() }
            case .ended(let byRemote):
                self.outcome.endedByRemote = byRemote
                self.mark(byRemote ? "BYE from the far end" : "BYE answered")
                self.finish()
            }
        }
    }

    /// A timeline line for a re-INVITE or UPDATE from the far end.
    public static func describe(_ change: SessionRefresh.Change) -> String {
        let name = change.method == .invite ? "re-INVITE" : change.method.rawValue
        var what: String
        if !change.hadOffer {
            what = "without SDP"
        } else if change.heldByRemote {
            what = "a=\(change.remoteDirection): the far end holds the call, media sending paused"
        } else if change.remoteDirection == "sendrecv" && change.versionChanged {
            what = "a=sendrecv: call resumed, media sending again"
        } else {
            what = "a=\(change.remoteDirection)"
        }
        if let expires = change.sessionExpires { what += ", Session-Expires: \(expires) (session refresh)" }
        let version = change.versionChanged ? "version \(change.localVersion), changed" : "version \(change.localVersion), unchanged"
        return "\(name) from the far end (\(what)): 200 OK with our SDP (o= \(version))"
    }

    private func answered(_ response: SIPResponse) {
        let now = NIODeadline.now()
        self.answeredAt = now
        self.outcome.answered = true
        self.outcome.finalStatus = response.statusCode
        self.outcome.finalReason = response.reasonPhrase
        self.mark("\(response.statusCode) \(response.reasonPhrase) (answered), ACK sent")
        self.ring?.cancel()
        guard let sdp = try? SessionDescription.parse(response.body), let audio = sdp.media.first(where: { $0.mediaType == .audio && $0.port != 0 }),
            let address = sdp.effectiveConnections(of: audio).first?.address,
            let remote = try? SocketAddress(ipAddress: address, port: audio.port)
        else {
            self.mark("the answer has no usable audio SDP: hanging up")
            self.handle(self.call.hangUp())
            return
        }
        self.outcome.announcedMedia = Addressing.hostPort(address, audio.port)
        let offered = Set(self.options.codecs.map(\.payloadType))
        let chosen = audio.payloadTypes.first { MediaSession.supportedPayloadTypes.contains($0) && offered.contains($0) }
        let telephoneEvent = audio.rtpMaps.first { $0.encodingName.lowercased() == "telephone-event" }.map { UInt8($0.payloadType) }
        guard let chosen else {
            self.mark("the answer chose no codec siptool can send (payload types \(audio.payloadTypes)): hanging up")
            self.handle(self.call.hangUp())
            return
        }
        self.outcome.codec = audio.codecs.first { $0.payloadType == chosen }.map { "\($0.encodingName)/\($0.clockRate)" }
        self.media.startSending(
            to: remote, payloadType: UInt8(chosen), telephoneEvent: telephoneEvent, audio: self.options.audio,
            ptimeMs: self.options.ptimeMs, dtmf: self.options.dtmf, dtmfAt: self.options.dtmfAt)
        self.hangup = self.loop.scheduleTask(in: Self.amount(self.options.duration)) { [weak self] in
            guard let self else { return }
            self.mark("\(self.options.duration) elapsed: BYE")
            self.handle(self.call.hangUp())
        }
    }

    private func finish() {
        guard !self.finished else { return }
        self.finished = true
        self.timers.cancelAll()
        self.hangup?.cancel()
        self.ring?.cancel()
        self.watchdog?.cancel()
        self.interruptPoll?.cancel()
        self.outcome.rtpSent = self.media.sentPackets
        self.outcome.rtpReceived = self.media.receivedPackets
        if let learned = self.media.learned { self.outcome.observedMedia = Addressing.hostPort(learned.ipAddress ?? "?", learned.port ?? 0) }
        if let answered = self.answeredAt {
            if let first = self.media.firstReceivedAt { self.outcome.firstRTPInAfterAnswerMs = self.ms(since: answered, first) }
            if let first = self.media.firstSentAt { self.outcome.firstRTPOutAfterAnswerMs = self.ms(since: answered, first) }
        }
        self.outcome.recorded = self.media.recorded
        self.outcome.recordedSampleRate = self.media.recordedSampleRate
        self.outcome.authenticationRounds = self.call.authenticationRounds
        let outcome = self.outcome
        self.media.stop().and(self.sip.close()).whenComplete { [promise] _ in promise.succeed(outcome) }
    }
}


/// Ctrl-C for the live commands: the first SIGINT sets a flag that the session polls (so it can
/// send CANCEL or BYE and finish cleanly); a second one exits at once.
public enum Interrupt {
    nonisolated(unsafe) private static var count: sig_atomic_t = 0

    public static var requested: Bool { Self.count > 0 }

    /// Installs the handler (once per process).
    public static func install() {
        signal(SIGINT) { _ in
            Interrupt.count += 1
            if Interrupt.count > 1 { _exit(130) }
        }
    }
}

extension EventLoopFuture {
    /// This future, holding `owner` until it completes. A session owns its sockets, but only the
    /// sockets' closures reach the session: when a server closes a TCP or TLS connection those go,
    /// and the session would go with its result still undelivered.
    func keepingAlive(_ owner: some AnyObject & Sendable) -> EventLoopFuture<Value> {
        self.always { _ in withExtendedLifetime(owner) {} }
    }
}
