import PacketDecoding
import SDP
import SIPMessages

/// Codecs: rejections for media reasons (488/415/606) with both codec lists, answers that pick what
/// was not offered, answered calls without a common codec, ptime mismatch, missing telephone-event.
enum CodecRules {
    static func evaluate(_ call: CallRecord, context: RuleContext) -> [Finding] {
        guard call.kind == .call else { return [] }
        var findings: [Finding] = []
        let descriptions = call.sessionDescriptions
        // Media rejections: name both codec lists.
        for event in call.events where !event.isRetransmission {
            guard let status = event.statusCode, [488, 415, 606].contains(status), event.message.cseq?.method == .invite else { continue }
            let offer = Self.latestOffer(before: event, in: call)
            let offered = offer.map { Self.codecList($0.sdp) } ?? "no SDP offer seen"
            var text = "the far end refused the media with \(status) \(event.message.response?.reasonPhrase ?? ""): "
                + "the offer listed \(offered)"
            var evidence = [context.evidence(event, event.label)]
            if let offer { evidence.append(context.evidence(call.events[offer.eventIndex], "offer: \(offered)")) }
            if let warning = event.message.headers.first(.warning) {
                text += "; Warning: \(warning)"
                evidence.append(Evidence(frame: event.frame, time: context.seconds(event.time), "Warning", warning))
            }
            if let sdp = event.message.sdpBodies().first.flatMap({ try? SessionDescription.parse($0) }) {
                text += "; the far end supports \(Self.codecList(sdp))"
            } else {
                text += "; the far end did not say which codecs it supports"
            }
            findings.append(Finding(
                .sdpNoCommonCodec, .error, text,
                fix: "offer a codec the far end supports (PCMU and PCMA are universal on trunks); check that the RTP "
                    + "profile matches (RTP/AVP vs RTP/SAVP: SRTP offered to a plain-RTP trunk is refused the same way)",
                evidence: evidence
            ))
        }
        // Offer/answer pairs: evaluate each answer against the offer before it from the other side.
        var evaluatedAnswers = 0
        for (position, entry) in descriptions.enumerated() {
            let answerEvent = call.events[entry.eventIndex]
            guard let offerEntry = descriptions[..<position].last(where: { call.events[$0.eventIndex].source.address != answerEvent.source.address }) else { continue }
            // An answer is in a response (or in an ACK/PRACK for a late offer).
            let isAnswer = answerEvent.statusCode.map { $0 < 300 } ?? (answerEvent.method == .ack || answerEvent.method == .prack)
            guard isAnswer, evaluatedAnswers < 4 else { continue }
            evaluatedAnswers += 1
            let offerEvent = call.events[offerEntry.eventIndex]
            let result = SDPNegotiation.evaluate(offer: offerEntry.sdp, answer: entry.sdp)
            let evidence = [
                context.evidence(offerEvent, "offer: \(Self.codecList(offerEntry.sdp))"),
                context.evidence(answerEvent, "answer: \(Self.codecList(entry.sdp))"),
            ]
            // One finding per kind of problem: an answer with three extra codecs is one problem.
            var grouped: [(SDPNegotiationProblem, [String])] = []
            for problem in result.problems where problem.severity != .info {
                if let index = grouped.firstIndex(where: { $0.0.code == problem.code }) {
                    grouped[index].1.append(problem.explanation)
                } else {
                    grouped.append((problem, [problem.explanation]))
                }
            }
            for (problem, explanations) in grouped {
                let code: FindingCode
                switch problem.code {
                case .noCommonCodec: code = .sdpNoCommonCodec
                case .codecNotOffered: code = .sdpCodecNotOffered
                case .noTelephoneEvent: code = .sdpNoTelephoneEvent
                case .ptimeMismatch: code = .sdpPtimeMismatch
                default: code = .sdpNegotiation
                }
                var severity: FindingSeverity = problem.severity == .error ? .error : .warning
                if code == .sdpNoCommonCodec && (answerEvent.statusCode ?? 0) / 100 == 2 {
                    severity = .error
                }
                let summary = explanations.joined(separator: "; ")
                if findings.contains(where: { $0.code == code && $0.summary == summary }) { continue }
                findings.append(Finding(code, severity, summary, fix: Self.fix(for: code), evidence: evidence))
            }
        }
        return findings
    }

    /// The latest SDP offer sent before `event` from the other side (the caller, for a response).
    static func latestOffer(before event: SIPEvent, in call: CallRecord) -> (eventIndex: Int, sdp: SessionDescription)? {
        call.sessionDescriptions.last {
            let carrier = call.events[$0.eventIndex]
            return carrier.time <= event.time && carrier.message.request != nil
                && carrier.source.address == event.destination.address
        } ?? call.sessionDescriptions.last { call.events[$0.eventIndex].message.request != nil }
    }

    /// "PCMU, PCMA, telephone-event" for the first audio stream.
    static func codecList(_ sdp: SessionDescription) -> String {
        guard let audio = sdp.media.first(where: { $0.mediaType == .audio }) ?? sdp.media.first else { return "no media" }
        let names = audio.codecs.map(\.encodingName)
        return names.isEmpty ? "no codecs" : names.joined(separator: ", ")
    }

    static func fix(for code: FindingCode) -> String? {
        switch code {
        case .sdpNoCommonCodec: return "enable a codec both sides support (PCMU/PCMA are universal)"
        case .sdpCodecNotOffered: return "fix the answering side: it must choose among the offered codecs (RFC 3264 §6.1)"
        case .sdpNoTelephoneEvent: return "enable RFC 4733 telephone-event on both sides, or DTMF will not reach IVRs and agents"
        case .sdpPtimeMismatch: return "align the packetization time (20 ms is the common default)"
        default: return nil
        }
    }
}
