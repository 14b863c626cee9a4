import PacketDecoding

/// How much a finding matters. `siptool diagnose --fail-on` compares against it.
public enum FindingSeverity: String, Hashable, Sendable, Comparable, CaseIterable {
    /// Context worth knowing; nothing is wrong.
    case info
    /// Something likely to cause trouble, or a degraded call.
    case warning
    /// The call failed, or a direction of audio is missing.
    case error

    private var rank: Int {
        switch self {
        case .info: return 0
        case .warning: return 1
        case .error: return 2
        }
    }

    public static func < (lhs: FindingSeverity, rhs: FindingSeverity) -> Bool { lhs.rank < rhs.rank }
}

/// One piece of evidence behind a finding: a frame, a time, an address, a header value.
public struct Evidence: Hashable, Sendable {
    /// The frame number in the capture (1-based, as Wireshark numbers them), when the evidence is a packet.
    public var frame: Int?
    /// Seconds since the start of the capture.
    public var time: Double?
    /// What this piece of evidence shows, in a few words ("INVITE retransmitted", "Contact").
    public var label: String
    /// The value: a header, an address, a number.
    public var value: String

    public init(frame: Int? = nil, time: Double? = nil, _ label: String, _ value: String) {
        self.frame = frame
        self.time = time
        self.label = label
        self.value = value
    }
}

/// A stable identifier for a kind of finding, shared by `diagnose` and `call` (e.g. `auth.wrong-password`).
///
/// A struct rather than an enum so new rules can add codes without breaking anyone's `switch`.
public struct FindingCode: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The dotted identifier: a family (`auth`, `media`, `nat`, `sdp`, `txn`, `call`, `quality`, `capture`)
    /// and a name.
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { self.rawValue }

    public static func < (lhs: FindingCode, rhs: FindingCode) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Something diagnosis has to say about a call: what, how bad, the evidence, and what to change.
public struct Finding: Hashable, Sendable {
    /// The stable identifier.
    public var code: FindingCode
    /// How much it matters.
    public var severity: FindingSeverity
    /// One plain-language sentence: what happened and why it matters.
    public var summary: String
    /// What to change, when the rule can tell.
    public var fix: String?
    /// The frames, times, addresses and header values the summary rests on.
    public var evidence: [Evidence]

    public init(_ code: FindingCode, _ severity: FindingSeverity, _ summary: String, fix: String? = nil, evidence: [Evidence] = []) {
        self.code = code
        self.severity = severity
        self.summary = summary
        self.fix = fix
        self.evidence = evidence
    }
}

// MARK: - The finding vocabulary

extension FindingCode {
    // Authentication
    public static let authCredentialsRejected: FindingCode = "auth.credentials-rejected"
    public static let authWrongPassword: FindingCode = "auth.wrong-password"
    public static let authPasswordCorrect: FindingCode = "auth.password-correct"
    public static let authRealmMismatch: FindingCode = "auth.realm-mismatch"
    public static let authURIMismatch: FindingCode = "auth.uri-mismatch"
    public static let authForbidden: FindingCode = "auth.forbidden"
    public static let authForbiddenAfterAuth: FindingCode = "auth.forbidden-after-auth"
    public static let authStaleNonce: FindingCode = "auth.stale-nonce"
    public static let authNoCredentials: FindingCode = "auth.challenge-unanswered"

    // Transactions and call outcome
    public static let txnNoResponse: FindingCode = "txn.no-response"
    public static let txnNoACK: FindingCode = "txn.no-ack"
    public static let txnRetransmissions: FindingCode = "txn.retransmissions"
    public static let txnCancelRace: FindingCode = "txn.cancel-race"
    public static let callRejected: FindingCode = "call.rejected"
    public static let callCancelled: FindingCode = "call.cancelled"
    public static let callRedirected: FindingCode = "call.redirected"
    public static let callUnanswered: FindingCode = "call.unanswered"
    public static let callForked: FindingCode = "call.forked"
    public static let callMultipleAnswers: FindingCode = "call.multiple-answers"

    // SDP and codecs
    public static let sdpNoCommonCodec: FindingCode = "sdp.no-common-codec"
    public static let sdpCodecNotOffered: FindingCode = "sdp.codec-not-offered"
    public static let sdpNoTelephoneEvent: FindingCode = "sdp.no-telephone-event"
    public static let sdpPtimeMismatch: FindingCode = "sdp.ptime-mismatch"
    public static let sdpNegotiation: FindingCode = "sdp.negotiation"

    // NAT
    public static let natPrivateSignallingAddress: FindingCode = "nat.private-address"
    public static let natPrivateSDPAddress: FindingCode = "nat.private-sdp-address"
    public static let natAsymmetricRTP: FindingCode = "nat.asymmetric-rtp"
    public static let natReceived: FindingCode = "nat.received"
    public static let natSIPALG: FindingCode = "nat.sip-alg"

    // Media
    public static let mediaOneWay: FindingCode = "media.one-way"
    public static let mediaNone: FindingCode = "media.no-audio"
    public static let mediaICMPUnreachable: FindingCode = "media.icmp-unreachable"
    public static let mediaLate: FindingCode = "media.late"
    public static let mediaSilence: FindingCode = "media.silence"
    public static let mediaLongGap: FindingCode = "media.long-gap"
    public static let mediaSSRCChange: FindingCode = "media.ssrc-change"
    public static let mediaPayloadChange: FindingCode = "media.payload-change"
    public static let mediaUnassociated: FindingCode = "media.unassociated"

    // Quality
    public static let qualityLoss: FindingCode = "quality.loss"
    public static let qualityJitter: FindingCode = "quality.jitter"
    public static let qualityLowMOS: FindingCode = "quality.low-mos"

    // The capture itself
    public static let captureTruncated: FindingCode = "capture.truncated"
    public static let captureSnaplen: FindingCode = "capture.snaplen"
    public static let captureUnparseableSIP: FindingCode = "capture.unparseable-sip"
}
