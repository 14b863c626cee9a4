import PacketDecoding
import SDP
import SIPMessages

/// Codecs: rejections for media reasons (488/415/606) with both codec lists, answers that pick what
/// was not offered, answered calls without a common codec, ptime mismatch, missing telephone-event.
enum CodecRules {
    static func evaluate(_ call: CallRecord, context: RuleContext) -> [Finding] {
        guard call.kind == .call else { return [] }
        var findings: [Finding] = []
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
        findings += Self.offerAnswerFindings(call, context: context, existing: findings)
        return findings
    }

    /// Problems of one kind found in an answer, merged into one finding.
    struct ProblemGroup {
        var problem: SDPNegotiationProblem
        var explanations: [String]
    }

    /// Evaluates each answer against the offer before it from the other side (at most four pairs).
    static func offerAnswerFindings(_ call: CallRecord, context: RuleContext, existing: [Finding]) -> [Finding] {
        var findings: [Finding] = []
        let descriptions = call.sessionDescriptions
        var evaluated = 0
        for position in descriptions.indices {
            guard evaluated < 4 else { break }
            let answerIndex = descriptions[position].eventIndex
            let answerEvent = call.events[answerIndex]
            guard Self.carriesAnswer(answerEvent) else { continue }
            guard let offerPosition = Self.offerPosition(before: position, answer: answerEvent, in: call) else { continue }
            evaluated += 1
            let offerSDP = descriptions[offerPosition].sdp
            let answerSDP = descriptions[position].sdp
            let offerEvent = call.events[descriptions[offerPosition].eventIndex]
            let result = SDPNegotiation.evaluate(offer: offerSDP, answer: answerSDP)
            // One finding per kind of problem: an answer with three extra codecs is one problem.
            var groups: [ProblemGroup] = []
            for problem in result.problems where problem.severity != .info {
                if let index = groups.firstIndex(where: { $0.problem.code == problem.code }) {
                    groups[index].explanations.append(problem.explanation)
                } else {
                    groups.append(ProblemGroup(problem: problem, explanations: [problem.explanation]))
                }
            }
            guard !groups.isEmpty else { continue }
            // Built only for a finding: most answers have none.
            let evidence = [
                context.evidence(offerEvent, "offer: \(Self.codecList(offerSDP))"),
                context.evidence(answerEvent, "answer: \(Self.codecList(answerSDP))"),
            ]
            for group in groups {
                let code = Self.findingCode(for: group.problem.code)
                var severity: FindingSeverity = group.problem.severity == .error ? .error : .warning
                if code == .sdpNoCommonCodec && (answerEvent.statusCode ?? 0) / 100 == 2 { severity = .error }
                let summary = group.explanations.joined(separator: "; ")
                let duplicate = existing.contains { $0.code == code && $0.summary == summary }
                    || findings.contains { $0.code == code && $0.summary == summary }
                if duplicate { continue }
                findings.append(Finding(code, severity, summary, fix: Self.fix(for: code), evidence: evidence))
            }
        }
        return findings
    }

    /// An SDP in a response below 300 (or in an ACK or PRACK, for a late offer) is an answer.
    static func carriesAnswer(_ event: SIPEvent) -> Bool {
        if let status = event.statusCode { return status < 300 }
        return event.method == .ack || event.method == .prack
    }

    /// The SDP before `position` sent by the other side than the answer's sender.
    static func offerPosition(before position: Int, answer: SIPEvent, in call: CallRecord) -> Int? {
        var candidate = position - 1
        while candidate >= 0 {
            let sender = call.events[call.sessionDescriptions[candidate].eventIndex].source.address
            if sender != answer.source.address { return candidate }
            candidate -= 1
        }
        return nil
    }

    static func findingCode(for code: SDPNegotiationProblem.Code) -> FindingCode {
        switch code {
        case .noCommonCodec: return .sdpNoCommonCodec
        case .codecNotOffered: return .sdpCodecNotOffered
        case .noTelephoneEvent: return .sdpNoTelephoneEvent
        case .ptimeMismatch: return .sdpPtimeMismatch
        default: return .sdpNegotiation
        }
    }

    /// The latest SDP offer sent before `event` from the other side (the caller, for a response).
    static func latestOffer(before event: SIPEvent, in call: CallRecord) -> SDPEntry? {
        call.sessionDescriptions.last {
            let carrier = call.events[$0.eventIndex]
            return carrier.time <= event.time && carrier.isRequest
                && carrier.source.address == event.destination.address
        } ?? call.sessionDescriptions.last { call.events[$0.eventIndex].isRequest }
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
