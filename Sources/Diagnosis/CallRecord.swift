import PacketDecoding
import SDP
import SIPMessages

/// Everything seen of one Call-ID: its SIP messages in capture order, the SDP they carried, and the
/// media tied to it. Rules read it; the report summarises it.
public struct CallRecord: Sendable {
    /// What kind of exchange the Call-ID carries, from its first request.
    public enum Kind: String, Sendable {
        case call = "call"
        case registration = "registration"
        case other = "other"
    }

    /// The Call-ID.
    public var callID: String
    /// Call (INVITE), registration (REGISTER) or another exchange (OPTIONS, MESSAGE, SUBSCRIBE, ...).
    public var kind: Kind
    /// Every SIP message of the Call-ID, in capture order.
    public var events: [SIPEvent] = []
    /// SDP bodies in capture order, with the event index that carried them.
    public var sessionDescriptions: [SDPEntry] = []
    /// Capture time of the last message, for timeouts.
    public var lastActivity: CaptureTime

    init(callID: String, kind: Kind, time: CaptureTime) {
        self.callID = callID
        self.kind = kind
        self.lastActivity = time
    }

    /// The first request of the Call-ID (the INVITE for a call).
    public var firstRequest: SIPEvent? { self.events.first { $0.isRequest } }

    /// The first INVITE of the Call-ID.
    public var firstInvite: SIPEvent? { self.events.first { $0.method == .invite } }

    /// The endpoint that sent the first INVITE (or first request): the caller's side of the first hop.
    public var callerEndpoint: Endpoint? { (self.firstInvite ?? self.firstRequest)?.source }

    /// Where the first INVITE (or first request) went: the callee's side of the first hop.
    public var calleeEndpoint: Endpoint? { (self.firstInvite ?? self.firstRequest)?.destination }

    /// Responses to INVITE requests, in order (retransmissions excluded).
    var inviteResponses: [SIPEvent] {
        self.events.filter { !$0.isRetransmission && $0.statusCode != nil && $0.message.cseq?.method == .invite }
    }

    /// The final response (>= 200) to the caller's last INVITE transaction of the initial dialog,
    /// as Wireshark's VoIP calls take it: the first final response with the last INVITE CSeq that was
    /// sent towards the caller.
    public var finalResponse: SIPEvent? {
        guard let isCaller = self.callerMatcher() else { return nil }
        let invites = self.events.filter { $0.method == .invite && isCaller($0.source) && !self.isReINVITE($0) }
        guard let lastCSeq = invites.last?.message.cseq?.number else { return nil }
        return self.events.first {
            ($0.statusCode ?? 0) >= 200 && $0.message.cseq?.number == lastCSeq && $0.message.cseq?.method == .invite
                && isCaller($0.destination)
        }
    }

    /// Tells the caller's endpoint from the others. By address and port when some INVITE response
    /// went to exactly the endpoint the first INVITE came from (a proxy and its clients on one host,
    /// as in a loopback capture, share the address, and the hop behind the proxy must not count as
    /// the caller's); by address alone otherwise (a phone that sends from one port and listens on
    /// another).
    func callerMatcher() -> ((Endpoint) -> Bool)? {
        guard let caller = self.callerEndpoint else { return nil }
        let exact = self.events.contains { $0.statusCode != nil && $0.message.cseq?.method == .invite && $0.destination == caller }
        return exact ? { $0 == caller } : { $0.address == caller.address }
    }

    /// An INVITE inside an established dialog (it carries a To tag): a re-INVITE.
    func isReINVITE(_ event: SIPEvent) -> Bool {
        event.method == .invite && event.message.toTag != nil
    }

    /// The first event matching `predicate`, with its index.
    func first(where predicate: (SIPEvent) -> Bool) -> (Int, SIPEvent)? {
        for (index, event) in self.events.enumerated() where predicate(event) { return (index, event) }
        return nil
    }
}

/// One SDP body of a call and the message (by index into ``CallRecord/events``) that carried it.
public struct SDPEntry: Sendable {
    public var eventIndex: Int
    public var sdp: SessionDescription
}

/// The timings and outcome of a call, derived from its record.
public struct CallSummary: Sendable {
    /// How the call ended.
    public enum Ending: String, Sendable {
        /// Answered and ended with BYE by the caller.
        case byeFromCaller = "BYE from caller"
        /// Answered and ended with BYE by the callee.
        case byeFromCallee = "BYE from callee"
        /// Cancelled by the caller before it was answered.
        case cancelled = "CANCEL"
        /// Rejected with a final response >= 300.
        case rejected = "rejected"
        /// Answered, and the capture ends without a BYE.
        case stillActive = "no BYE in capture"
        /// Never got a final response.
        case noFinalResponse = "no final response"
        /// Not a call (REGISTER, OPTIONS, ...).
        case notACall = "-"
    }

    public var callID: String
    public var kind: CallRecord.Kind
    /// From URI of the first request.
    public var from: String?
    /// To URI of the first request.
    public var to: String?
    /// Request-URI of the first request.
    public var requestURI: String?
    /// Display name of the caller, when given.
    public var callerName: String?
    public var transport: SIPTransportKind?
    public var caller: Endpoint?
    public var callee: Endpoint?
    /// The final response's status code and reason phrase.
    public var finalStatus: Int?
    public var finalReason: String?
    /// The first frame and time of the call.
    public var start: CaptureTime?
    public var end: CaptureTime?
    public var firstFrame: Int?
    public var lastFrame: Int?
    /// INVITE -> first 18x, in ms (post-dial delay).
    public var postDialDelayMs: Double?
    /// INVITE -> 2xx, in ms.
    public var timeToAnswerMs: Double?
    /// INVITE -> ACK of the 2xx, in ms: the call is set up end to end.
    public var setupTimeMs: Double?
    /// 2xx -> BYE (or the last packet of the call), in ms.
    public var durationMs: Double?
    public var ending: Ending
    /// SIP messages seen (every copy), and how many of them were retransmissions.
    public var messageCount: Int
    public var retransmissions: Int
    /// 401/407 challenges answered during the call.
    public var authenticationRounds: Int
    /// Distinct (source, destination) pairs the initial INVITE crossed: 1 = one hop seen.
    public var hops: Int
}

extension CallRecord {
    /// Derives the summary (timings, outcome, counts).
    public func summarize() -> CallSummary {
        let first = self.firstInvite ?? self.firstRequest
        let request = first?.message.request
        let from = first?.message.from
        let invite = self.firstInvite
        let caller = self.callerEndpoint?.address
        let isCaller = self.callerMatcher() ?? { _ in false }
        let responsesToCaller = self.events.filter {
            $0.statusCode != nil && $0.message.cseq?.method == .invite && isCaller($0.destination)
        }
        func ms(_ later: CaptureTime?) -> Double? {
            guard let start = invite?.time, let later else { return nil }
            return later.milliseconds(since: start)
        }
        let first18x = responsesToCaller.first { (180..<190).contains($0.statusCode ?? 0) }
        let first2xx = responsesToCaller.first { (200..<300).contains($0.statusCode ?? 0) }
        let ack = first2xx.flatMap { ok in
            self.events.first { $0.method == .ack && $0.time >= ok.time && $0.message.cseq?.number == ok.message.cseq?.number }
        }
        let bye = self.events.first { $0.method == .bye }
        let cancel = self.events.first { $0.method == .cancel }
        var final = self.finalResponse
        if self.kind != .call, let method = first?.method {
            // A registration (or OPTIONS, ...) ends with the last final response to its method.
            final = self.events.last { ($0.statusCode ?? 0) >= 200 && $0.message.cseq?.method == method }
        }

        var ending: CallSummary.Ending
        if self.kind != .call {
            ending = .notACall
        } else if let bye {
            // Who sent the BYE: the caller's requests carry its From tag (RFC 3261 §12.2.1.1), which
            // holds on any hop; addresses alone cannot tell two ends on one host (loopback) apart.
            let byCaller: Bool
            if let callerTag = first?.message.fromTag, let byeTag = bye.message.fromTag {
                byCaller = byeTag == callerTag
            } else {
                byCaller = bye.source == self.callerEndpoint || bye.source.address == caller
            }
            ending = byCaller ? .byeFromCaller : .byeFromCallee
        } else if let final, (final.statusCode ?? 0) >= 300 {
            ending = cancel != nil && final.statusCode == 487 ? .cancelled : .rejected
        } else if final != nil {
            ending = .stillActive
        } else {
            ending = cancel != nil ? .cancelled : .noFinalResponse
        }

        var durationMs: Double?
        if let first2xx {
            let endTime = bye?.time ?? self.events.last?.time
            durationMs = endTime.map { $0.milliseconds(since: first2xx.time) }
        }

        // Hops: the most legs any one INVITE transaction of the initial dialog was seen on (a
        // challenged INVITE stops at the proxy; the authenticated one goes on to the callee).
        var hopsByCSeq: [UInt32: Set<[Endpoint]>] = [:]
        for event in self.events where event.method == .invite && !self.isReINVITE(event) {
            guard let number = event.message.cseq?.number else { continue }
            hopsByCSeq[number, default: []].insert([event.source, event.destination])
        }
        let hopCount = hopsByCSeq.values.map(\.count).max() ?? 0

        let challengesAnswered = self.events.filter {
            $0.isRequest && !$0.isRetransmission
                && ($0.message.headers.contains(.authorization) || $0.message.headers.contains(.proxyAuthorization))
                && ($0.method == .invite || $0.method == .register)
        }.count

        return CallSummary(
            callID: self.callID,
            kind: self.kind,
            from: from?.uri.raw,
            to: first?.message.to?.uri.raw,
            requestURI: request?.requestURI.raw,
            callerName: from?.displayName,
            transport: first?.transport,
            caller: self.callerEndpoint,
            callee: self.calleeEndpoint,
            finalStatus: final?.statusCode,
            finalReason: final?.message.response?.reasonPhrase,
            start: self.events.first?.time,
            end: self.events.last?.time,
            firstFrame: self.events.first?.frame,
            lastFrame: self.events.last?.frame,
            postDialDelayMs: ms(first18x?.time),
            timeToAnswerMs: ms(first2xx?.time),
            setupTimeMs: ms(ack?.time),
            durationMs: durationMs,
            ending: ending,
            messageCount: self.events.count,
            retransmissions: self.events.filter(\.isRetransmission).count,
            authenticationRounds: challengesAnswered,
            hops: max(hopCount, invite == nil ? 0 : 1)
        )
    }
}
