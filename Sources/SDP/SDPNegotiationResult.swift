/// One thing wrong (or worth knowing) about an offer/answer exchange.
public struct SDPNegotiationProblem: Hashable, Sendable, CustomStringConvertible {
    /// Stable problem identifier, used in output and in Diagnosis rule ids ("sdp.no-common-codec").
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The identifier.
        public var rawValue: String
        /// Wraps an identifier.
        public init(_ rawValue: String) { self.rawValue = rawValue }
        /// The identifier.
        public var description: String { self.rawValue }

        /// The answer accepted a stream but lists no media codec that was offered.
        public static let noCommonCodec = Code("no-common-codec")
        /// The answer lists a codec the offer did not contain.
        public static let codecNotOffered = Code("codec-not-offered")
        /// telephone-event (RFC 4733) is missing on one side, so RTP DTMF is unavailable.
        public static let noTelephoneEvent = Code("no-telephone-event")
        /// Both sides state a different `a=ptime`.
        public static let ptimeMismatch = Code("ptime-mismatch")
        /// The answer direction is not allowed for the offered direction (RFC 3264 §6.1).
        public static let directionMismatch = Code("direction-mismatch")
        /// The answer rejected a stream with port 0 (RFC 3264 §6).
        public static let streamRejected = Code("stream-rejected")
        /// Every offered stream was rejected: no media at all.
        public static let allStreamsRejected = Code("all-streams-rejected")
        /// Offer and answer have a different number of `m=` lines (RFC 3264 §6).
        public static let mediaCountMismatch = Code("media-count-mismatch")
        /// The `m=` media types at the same position differ (RFC 3264 §6.1).
        public static let mediaTypeMismatch = Code("media-type-mismatch")
        /// The transport protocols at the same position differ (e.g. RTP/AVP against RTP/SAVP).
        public static let protocolMismatch = Code("protocol-mismatch")
        /// The answer uses another payload type number for an offered codec (RFC 3264 §6.1 SHOULD).
        public static let payloadTypeRenumbered = Code("payload-type-renumbered")
        /// Offer and answer use different address families (RFC 6157 §3.1).
        public static let addressFamilyMismatch = Code("address-family-mismatch")
    }

    /// How bad a problem is.
    public enum Severity: Int, Hashable, Sendable, Comparable, CustomStringConvertible {
        /// Worth knowing, not wrong.
        case info
        /// Legal or tolerated, but a likely cause of trouble.
        case warning
        /// Breaks the call or violates a MUST.
        case error

        /// Orders info < warning < error.
        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }

        /// "info", "warning", "error".
        public var description: String {
            switch self {
            case .info: return "info"
            case .warning: return "warning"
            case .error: return "error"
            }
        }
    }

    /// The kind of problem.
    public var code: Code
    /// How bad it is.
    public var severity: Severity
    /// Zero-based index of the stream concerned, or `nil` for the whole exchange.
    public var streamIndex: Int?
    /// One English sentence, e.g. "audio stream 1: offer PCMU, PCMA, telephone-event; answer G729
    /// only: no common audio codec".
    public var explanation: String

    /// Creates a problem.
    public init(_ code: Code, severity: Severity, streamIndex: Int? = nil, explanation: String) {
        self.code = code
        self.severity = severity
        self.streamIndex = streamIndex
        self.explanation = explanation
    }

    /// "error no-common-codec: <explanation>".
    public var description: String { "\(self.severity) \(self.code): \(self.explanation)" }
}

/// What an offer/answer exchange produced for one `m=` line pair.
public struct SDPStreamNegotiation: Hashable, Sendable {
    /// Zero-based position of the `m=` line.
    public var index: Int
    /// The offered media type.
    public var mediaType: SDPMediaType
    /// Codecs of the offered stream.
    public var offeredCodecs: [SDPCodec]
    /// Codecs of the answered stream (answer payload type numbers).
    public var answeredCodecs: [SDPCodec]
    /// Answered codecs that match an offered one (name, clock rate, channels), in answer order.
    public var acceptedCodecs: [SDPCodec]
    /// The codec media will use: the first accepted media codec in the answer (RFC 3264 §7: the
    /// offerer "SHOULD use the first media format listed in the answer").
    public var chosenCodec: SDPCodec?
    /// For non-RTP streams (T.38 udptl), the formats both sides list.
    public var commonFormats: [String]
    /// The answer (or the offer) has port 0.
    public var isRejected: Bool
    /// Effective direction of the offered stream.
    public var offerDirection: SDPDirection
    /// Effective direction of the answered stream.
    public var answerDirection: SDPDirection
    /// Whether the answer direction is legal for the offered one.
    public var isDirectionCompatible: Bool
    /// `a=ptime` of the offer (media level, else session level).
    public var offerPtime: Int?
    /// `a=ptime` of the answer.
    public var answerPtime: Int?
    /// Both sides give a ptime and they differ.
    public var ptimeDiffers: Bool
    /// telephone-event is offered and accepted.
    public var hasTelephoneEventOnBothSides: Bool
    /// The problems found for this stream.
    public var problems: [SDPNegotiationProblem]
}

/// The verdict on an offer/answer exchange: per-stream details, problems, and an English summary.
public struct SDPNegotiationResult: Hashable, Sendable {
    /// One entry per `m=` line present in both offer and answer.
    public var streams: [SDPStreamNegotiation]
    /// All problems: exchange-level ones first, then each stream's, in order.
    public var problems: [SDPNegotiationProblem]

    /// The codec of the first accepted audio stream (else of the first accepted stream).
    public var chosenCodec: SDPCodec? {
        let live = self.streams.filter { !$0.isRejected && $0.chosenCodec != nil }
        return (live.first { $0.mediaType == .audio } ?? live.first)?.chosenCodec
    }

    /// `true` when any problem has severity error.
    public var hasErrors: Bool { self.problems.contains { $0.severity == .error } }

    /// The problems with this code.
    public func problems(withCode code: SDPNegotiationProblem.Code) -> [SDPNegotiationProblem] {
        self.problems.filter { $0.code == code }
    }

    /// A summary line ("negotiated PCMU/8000 (PT 0) on audio stream 1, telephone-event on both
    /// sides" or "no media negotiated") followed by one line per problem, worst first.
    public var explanation: String {
        var lines: [String] = []
        let live = self.streams.filter { !$0.isRejected && ($0.chosenCodec != nil || !$0.commonFormats.isEmpty) }
        if live.isEmpty {
            lines.append("no media negotiated")
        } else {
            lines.append("negotiated " + live.map { stream in
                var text = "\(stream.chosenCodec?.description ?? stream.commonFormats.joined(separator: ", ")) on \(SDPNegotiation.label(stream.mediaType, stream.index))"
                if stream.hasTelephoneEventOnBothSides { text += " with telephone-event" }
                return text
            }.joined(separator: "; "))
        }
        let sorted = self.problems.enumerated().sorted {
            $0.element.severity != $1.element.severity ? $0.element.severity > $1.element.severity : $0.offset < $1.offset
        }
        lines += sorted.map { "\($0.element.severity): \($0.element.explanation)" }
        return lines.joined(separator: "\n")
    }
}

/// What ``SDPNegotiation/answer(to:supporting:address:port:ptime:sessionID:version:username:)`` decided.
public enum SDPAnswerOutcome: Hashable, Sendable {
    /// Send this answer (some streams may be rejected with port 0).
    case answer(SessionDescription)
    /// Nothing acceptable: reply with this status (488 Not Acceptable Here, RFC 3261 §13.3.1.1).
    case reject(statusCode: Int, reason: String)

    /// The answer, if one was produced.
    public var sessionDescription: SessionDescription? {
        if case .answer(let description) = self { return description }
        return nil
    }
}
