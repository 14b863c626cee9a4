/// RFC 3264 offer/answer: judging an exchange and computing an answer.
///
/// Codecs are matched by encoding name (ASCII case-insensitive), clock rate and channel count,
/// never by payload type number: dynamic numbers are chosen by each side (RFC 3264 §6.1 only says
/// the answer "SHOULD" reuse the offered number).
public enum SDPNegotiation {
    /// Judges an answer against its offer, stream by stream.
    ///
    /// Checks: the number and media types of `m=` lines (RFC 3264 §6), rejected streams, the
    /// protocol, common codecs, codecs the answer added, payload type renumbering, telephone-event
    /// on both sides, direction (RFC 3264 §6.1), ptime, and the address family (RFC 6157).
    public static func evaluate(offer: SessionDescription, answer: SessionDescription) -> SDPNegotiationResult {
        var problems: [SDPNegotiationProblem] = []
        if offer.media.count != answer.media.count {
            // RFC 3264 §6: "The answer MUST contain exactly the same number of "m=" lines as the offer."
            problems.append(SDPNegotiationProblem(
                .mediaCountMismatch, severity: .error,
                explanation: "offer has \(offer.media.count) media stream(s), answer has \(answer.media.count): RFC 3264 §6 requires the same number of m= lines"))
        }
        var streams: [SDPStreamNegotiation] = []
        for index in 0..<min(offer.media.count, answer.media.count) {
            streams.append(self.evaluateStream(index: index, offer: offer, answer: answer))
        }
        let offeredLive = streams.filter { offer.media[$0.index].port != 0 }
        if !offeredLive.isEmpty && offeredLive.allSatisfy(\.isRejected) {
            problems.append(SDPNegotiationProblem(
                .allStreamsRejected, severity: .error,
                explanation: "every offered stream was rejected: no media will flow (a UA with nothing acceptable should answer 488 Not Acceptable Here)"))
        }
        return SDPNegotiationResult(streams: streams, problems: problems + streams.flatMap(\.problems))
    }

    /// "audio stream 1" (1-based for people).
    static func label(_ type: SDPMediaType, _ index: Int) -> String { "\(type) stream \(index + 1)" }

    /// "PCMU, PCMA, telephone-event", "G729 only" or "no codecs".
    static func list(_ codecs: [SDPCodec]) -> String {
        switch codecs.count {
        case 0: return "no codecs"
        case 1: return "\(codecs[0].encodingName) only"
        default: return codecs.map(\.encodingName).joined(separator: ", ")
        }
    }

    static func evaluateStream(index: Int, offer: SessionDescription, answer: SessionDescription) -> SDPStreamNegotiation {
        let offered = offer.media[index]
        let answered = answer.media[index]
        let label = self.label(offered.mediaType, index)
        var problems: [SDPNegotiationProblem] = []
        let offerDirection = offer.effectiveDirection(of: offered)
        let answerDirection = answer.effectiveDirection(of: answered)
        let offerPtime = offered.ptime ?? offer.ptime
        let answerPtime = answered.ptime ?? answer.ptime
        var result = SDPStreamNegotiation(
            index: index, mediaType: offered.mediaType, offeredCodecs: offered.codecs, answeredCodecs: answered.codecs,
            acceptedCodecs: [], chosenCodec: nil, commonFormats: [], isRejected: offered.port == 0 || answered.port == 0,
            offerDirection: offerDirection, answerDirection: answerDirection,
            isDirectionCompatible: offerDirection.allowsAnswer(answerDirection),
            offerPtime: offerPtime, answerPtime: answerPtime,
            ptimeDiffers: offerPtime != nil && answerPtime != nil && offerPtime != answerPtime,
            hasTelephoneEventOnBothSides: false, problems: [])

        if offered.mediaType != answered.mediaType {
            // RFC 3264 §6.1: "The media type of the stream in the answer MUST match that of the offer."
            problems.append(SDPNegotiationProblem(
                .mediaTypeMismatch, severity: .error, streamIndex: index,
                explanation: "\(label): the answer's m= line at this position is \(answered.mediaType), not \(offered.mediaType) (RFC 3264 §6.1)"))
            result.problems = problems
            return result
        }
        if offered.port == 0 {
            result.problems = problems
            return result
        }
        if answered.port == 0 {
            problems.append(SDPNegotiationProblem(
                .streamRejected, severity: .warning, streamIndex: index,
                explanation: "\(label): the answer rejected the stream (port 0); offer listed \(self.list(result.offeredCodecs))"))
            result.problems = problems
            return result
        }
        if offered.proto.uppercased() != answered.proto.uppercased() {
            problems.append(SDPNegotiationProblem(
                .protocolMismatch, severity: .error, streamIndex: index,
                explanation: "\(label): offer uses \(offered.proto), answer uses \(answered.proto)"))
        }

        if offered.isRTP {
            let accepted = result.answeredCodecs.filter { codec in result.offeredCodecs.contains { $0.matches(codec) } }
            result.acceptedCodecs = accepted
            result.chosenCodec = accepted.first(where: \.isMediaCodec)
            let offeredMedia = result.offeredCodecs.filter(\.isMediaCodec)
            if result.chosenCodec == nil && !offeredMedia.isEmpty {
                problems.append(SDPNegotiationProblem(
                    .noCommonCodec, severity: .error, streamIndex: index,
                    explanation: "\(label): offer \(self.list(result.offeredCodecs)); answer \(self.list(result.answeredCodecs)): no common \(offered.mediaType) codec"))
            }
            for codec in result.answeredCodecs where !result.offeredCodecs.contains(where: { $0.matches(codec) }) {
                // RFC 3264 §6.1 lets the answer list formats "not listed in the corresponding stream in the
                // offer", but the offerer cannot send them; for a media codec this usually means a misconfigured peer.
                problems.append(SDPNegotiationProblem(
                    .codecNotOffered, severity: codec.isMediaCodec ? .warning : .info, streamIndex: index,
                    explanation: "\(label): answer lists \(codec.name) (PT \(codec.payloadType)), which was not offered; the offerer cannot send it"))
            }
            for codec in accepted {
                if let original = result.offeredCodecs.first(where: { $0.matches(codec) }),
                    original.payloadType != codec.payloadType
                {
                    problems.append(SDPNegotiationProblem(
                        .payloadTypeRenumbered, severity: .info, streamIndex: index,
                        explanation: "\(label): \(codec.name) was offered as PT \(original.payloadType) but answered as PT \(codec.payloadType) (RFC 3264 §6.1: SHOULD keep the number); each side must send the number the other announced"))
                }
            }
            if offered.mediaType == .audio {
                let offeredEvents = result.offeredCodecs.filter(\.isTelephoneEvent)
                let acceptedEvents = accepted.filter(\.isTelephoneEvent)
                result.hasTelephoneEventOnBothSides = !acceptedEvents.isEmpty
                if let event = offeredEvents.first, acceptedEvents.isEmpty {
                    problems.append(SDPNegotiationProblem(
                        .noTelephoneEvent, severity: .warning, streamIndex: index,
                        explanation: "\(label): offer has \(event.description) but the answer has no matching telephone-event: RFC 4733 DTMF cannot be used; DTMF needs SIP INFO or in-band audio"))
                } else if offeredEvents.isEmpty {
                    problems.append(SDPNegotiationProblem(
                        .noTelephoneEvent, severity: .info, streamIndex: index,
                        explanation: "\(label): the offer has no telephone-event: RFC 4733 DTMF is not available on this call"))
                }
            }
        } else {
            let offeredFormats = offered.formats.map { $0.lowercased() }
            result.commonFormats = answered.formats.filter { offeredFormats.contains($0.lowercased()) }
            if result.commonFormats.isEmpty {
                problems.append(SDPNegotiationProblem(
                    .noCommonCodec, severity: .error, streamIndex: index,
                    explanation: "\(label): offer \(offered.formats.joined(separator: ", ")); answer \(answered.formats.joined(separator: ", ")): no common format"))
            }
        }

        if !result.isDirectionCompatible {
            let allowed: String
            switch offerDirection {
            case .sendonly: allowed = "recvonly or inactive"
            case .recvonly: allowed = "sendonly or inactive"
            case .inactive: allowed = "inactive"
            case .sendrecv: allowed = "any direction"
            }
            problems.append(SDPNegotiationProblem(
                .directionMismatch, severity: .error, streamIndex: index,
                explanation: "\(label): offer is \(offerDirection), answer is \(answerDirection): RFC 3264 §6.1 requires \(allowed)"))
        }
        if result.ptimeDiffers, let offerPtime, let answerPtime {
            problems.append(SDPNegotiationProblem(
                .ptimeMismatch, severity: .info, streamIndex: index,
                explanation: "\(label): offer ptime \(offerPtime) ms, answer ptime \(answerPtime) ms: each side should packetize with the ptime the other asked for (RFC 3264 §7)"))
        }
        let offerFamily = offer.effectiveConnections(of: offered).first?.addressType.uppercased()
        let answerFamily = answer.effectiveConnections(of: answered).first?.addressType.uppercased()
        if let offerFamily, let answerFamily, offerFamily != answerFamily {
            problems.append(SDPNegotiationProblem(
                .addressFamilyMismatch, severity: .warning, streamIndex: index,
                explanation: "\(label): offer c= is \(offerFamily), answer c= is \(answerFamily): RFC 6157 §3.1 expects the same address family"))
        }
        result.problems = problems
        return result
    }

    /// The answer a plain RTP/AVP user agent supporting `supporting` would send to `offer`.
    ///
    /// Per offered stream (RFC 3264 §6): an audio stream over RTP/AVP or RTP/AVPF with a media codec
    /// in common is accepted, listing the common codecs in the offerer's order with the offer's
    /// payload type numbers (RFC 3264 §6.1 SHOULD), plus telephone-event and CN when both sides have
    /// them; the direction is the offer's reversed (sendonly → recvonly). Every other stream is
    /// rejected with port 0 (it stays in the answer, as §6 requires). When no stream can be
    /// accepted the result is `.reject(statusCode: 488, ...)`.
    ///
    /// - Parameters:
    ///   - ptime: `a=ptime` to announce; `nil` echoes the offer's, if any.
    ///   - sessionID, version, username: the `o=` line; the caller owns uniqueness (no clock here).
    /// - Note: SRTP (RTP/SAVP) streams are rejected: keys would need a random source, which a
    ///   sans-IO module does not have.
    public static func answer(
        to offer: SessionDescription,
        supporting: [SDPCodec],
        address: String,
        port: Int,
        ptime: Int? = nil,
        sessionID: UInt64 = 1,
        version: UInt64 = 1,
        username: String = "-"
    ) -> SDPAnswerOutcome {
        var answerMedia: [MediaDescription] = []
        var reasons: [String] = []
        var nextPort = port
        for (index, offered) in offer.media.enumerated() {
            let label = self.label(offered.mediaType, index)
            let rejected = MediaDescription(mediaType: offered.mediaType, port: 0, proto: offered.proto,
                                            formats: [offered.formats.first ?? "0"])
            guard offered.port != 0 else {
                answerMedia.append(rejected)
                continue
            }
            let proto = offered.proto.uppercased()
            guard offered.mediaType == .audio, proto == "RTP/AVP" || proto == "RTP/AVPF" else {
                reasons.append("\(label): \(offered.mediaType) over \(offered.proto) is not supported")
                answerMedia.append(rejected)
                continue
            }
            var chosen: [SDPCodec] = []
            for codec in offered.codecs {
                guard let mine = supporting.first(where: { $0.matches(codec) }),
                    !chosen.contains(where: { $0.matches(codec) })
                else { continue }
                var answerCodec = codec
                answerCodec.formatParameters = mine.formatParameters ?? codec.formatParameters
                chosen.append(answerCodec)
            }
            guard chosen.contains(where: \.isMediaCodec) else {
                reasons.append("\(label): offer \(self.list(offered.codecs)); we support \(self.list(supporting)): no common audio codec")
                answerMedia.append(rejected)
                continue
            }
            let direction = offer.effectiveDirection(of: offered).reversed
            answerMedia.append(MediaDescription.audio(port: nextPort, proto: offered.proto, codecs: chosen,
                                                      ptime: ptime ?? offered.ptime ?? offer.ptime, direction: direction))
            nextPort += 2
        }
        guard answerMedia.contains(where: { $0.port != 0 }) else {
            let reason = reasons.isEmpty ? "the offer has no active media stream" : reasons.joined(separator: "; ")
            return .reject(statusCode: 488, reason: reason)
        }
        let connection = SDPConnection(address: address)
        let origin = SDPOrigin(username: username, sessionID: String(sessionID), sessionVersion: String(version),
                               addressType: connection.addressType, address: address)
        return .answer(SessionDescription(origin: origin, sessionName: "-", connection: connection, media: answerMedia))
    }
}
