import SDP
import SIPMessages
import SIPTransaction

/// Our side of the session when the far end sends a re-INVITE or UPDATE during a call (RFC 3261
/// §14.2, RFC 3311, RFC 4028 session refresh, RFC 3264 §8 hold): keeps our session description
/// and answers each new offer with it, bumping the o= version only when what we say changes
/// (RFC 3264 §8: the version is incremented on every change and kept when nothing changed).
public struct SessionRefresh: Hashable, Sendable {
    /// What a request from the far end did to the session, for the report.
    public struct Change: Hashable, Sendable {
        /// INVITE (a re-INVITE) or UPDATE.
        public var method: SIPMethod
        /// Whether the request carried an SDP offer (false: an offerless re-INVITE, our SDP was
        /// sent as the offer in the 200).
        public var hadOffer: Bool
        /// The far end's media direction in its offer (`sendrecv`, `sendonly` = it puts us on hold,
        /// `recvonly`, `inactive`).
        public var remoteDirection: String
        /// Our direction in the answer.
        public var localDirection: String
        /// Our o= version in the answer, and whether it changed.
        public var localVersion: String
        public var versionChanged: Bool
        /// The Session-Expires value of the request (RFC 4028), if any.
        public var sessionExpires: String?
        /// Where the offer asks for audio (its first audio stream that is not rejected: the
        /// effective c= address and the m= port), nil without an offer or without audio. A
        /// re-INVITE that changes it moves the media (a relay, a transfer): RTP goes there next.
        public var remoteAudioAddress: String? = nil
        public var remoteAudioPort: Int? = nil

        /// The far end holds the call: it will not take our media (we stop sending). c=0.0.0.0 is
        /// the older way to say so (RFC 3264 §8.4 still asks answerers to accept it).
        public var heldByRemote: Bool {
            self.remoteDirection == "sendonly" || self.remoteDirection == "inactive" || self.remoteAudioAddress == "0.0.0.0"
        }
    }

    /// Our current session description.
    public private(set) var sdp: [UInt8]
    /// Our current direction (what our SDP says, `sendrecv` unless a hold changed it).
    public private(set) var direction: String

    public init(sdp: [UInt8]) {
        self.sdp = sdp
        self.direction = Self.direction(in: sdp) ?? "sendrecv"
    }

    /// Answers an offer (or no offer) from the far end: returns the SDP to put into the 200 and
    /// what changed.
    public mutating func answer(_ request: SIPRequest) -> (sdp: [UInt8], change: Change) {
        let hadOffer = !request.body.isEmpty
        let remote = hadOffer ? (Self.direction(in: request.body) ?? "sendrecv") : "sendrecv"
        var versionChanged = false
        if hadOffer {
            let wanted: String
            switch remote {
            case "sendonly": wanted = "recvonly"
            case "recvonly": wanted = "sendonly"
            case "inactive": wanted = "inactive"
            default: wanted = "sendrecv"
            }
            if wanted != self.direction {
                self.sdp = Self.rewritten(self.sdp, direction: wanted)
                self.direction = wanted
                versionChanged = true
            }
        }
        var change = Change(
            method: request.method, hadOffer: hadOffer, remoteDirection: remote, localDirection: self.direction,
            localVersion: Self.version(in: self.sdp) ?? "?", versionChanged: versionChanged,
            sessionExpires: request.headers.first(.sessionExpires))
        if hadOffer, let offer = try? SessionDescription.parse(request.body),
            let audio = offer.media.first(where: { $0.mediaType == .audio && $0.port != 0 }),
            let connection = offer.effectiveConnections(of: audio).first
        {
            change.remoteAudioAddress = connection.address
            change.remoteAudioPort = audio.port
        }
        return (self.sdp, change)
    }

    /// The 200 OK for a re-INVITE or UPDATE: our Contact (both are target-refresh requests), the
    /// SDP, and the session timer echoed back (RFC 4028 §9: the refresher defaults to the UAC
    /// that sent the refresh when it did not say).
    public static func ok(to request: SIPRequest, sdp: [UInt8], contact: String, userAgent: String?) -> SIPResponse {
        var response = ServerInviteTransaction.response(to: request, status: 200, reason: "OK")
        // Every header goes before the last one (Content-Length).
        var headers = response.headers
        headers.insert(.contact, contact, at: max(headers.count - 1, 0))
        if let expires = request.headers.first(.sessionExpires) {
            let value = expires.lowercased().contains("refresher=") ? expires : expires + ";refresher=uac"
            headers.insert(.sessionExpires, value, at: max(headers.count - 1, 0))
            if request.headers.values(.supported).contains(where: { $0.trimmedOfSpaces.lowercased() == "timer" }) {
                headers.insert(.require, "timer", at: max(headers.count - 1, 0))
            }
        }
        if let userAgent { headers.insert(.server, userAgent, at: max(headers.count - 1, 0)) }
        response.headers = headers
        if !sdp.isEmpty {
            response.headers.insert(.contentType, "application/sdp", at: max(response.headers.count - 1, 0))
            response.headers.set(.contentLength, String(sdp.count))
            response.body = sdp
        }
        return response
    }

    // MARK: - SDP text

    static func lines(_ sdp: [UInt8]) -> [String] {
        String(decoding: sdp, as: UTF8.self).split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).map(String.init)
    }

    /// The last direction attribute (media level wins over session level in our one-stream SDPs).
    static func direction(in sdp: [UInt8]) -> String? {
        let names: Set<String> = ["a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"]
        return Self.lines(sdp).last(where: { names.contains($0.trimmedOfSpaces) }).map { String($0.trimmedOfSpaces.dropFirst(2)) }
    }

    /// The o= line's sess-version (third field).
    static func version(in sdp: [UInt8]) -> String? {
        guard let origin = Self.lines(sdp).first(where: { $0.hasPrefix("o=") }) else { return nil }
        let fields = origin.dropFirst(2).split(separator: " ")
        return fields.count >= 3 ? String(fields[2]) : nil
    }

    /// `sdp` with the direction attribute replaced (appended at the end, the media level) and the
    /// o= version incremented.
    static func rewritten(_ sdp: [UInt8], direction: String) -> [UInt8] {
        let names: Set<String> = ["a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"]
        var out: [String] = []
        for line in Self.lines(sdp) where !names.contains(line.trimmedOfSpaces) {
            if line.hasPrefix("o=") {
                var fields = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                if fields.count >= 3, let version = UInt64(fields[2]) { fields[2] = String(version &+ 1) }
                out.append("o=" + fields.joined(separator: " "))
            } else {
                out.append(line)
            }
        }
        out.append("a=" + direction)
        return Array((out.joined(separator: "\r\n") + "\r\n").utf8)
    }
}
