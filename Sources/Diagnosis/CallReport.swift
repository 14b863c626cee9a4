import PacketDecoding
import SDP
import SIPMessages

/// What rules get besides the call: the capture's start (for relative times) and user options.
struct RuleContext {
    var captureStart: CaptureTime
    var candidatePassword: String?
    var summary: CallSummary
    /// The capture holds RTP at all: without any, "no audio" says more about the capture point.
    var captureHasRTP = true

    /// Seconds since the start of the capture.
    func seconds(_ time: CaptureTime) -> Double { time.milliseconds(since: self.captureStart) / 1000 }

    /// Evidence pointing at one SIP message.
    func evidence(_ event: SIPEvent, _ label: String) -> Evidence {
        Evidence(frame: event.frame, time: self.seconds(event.time), label, "\(event.source) -> \(event.destination)")
    }
}

/// Everything `diagnose` reports about one Call-ID: the summary, the SIP ladder, the RTP streams and
/// the findings. The renderers (text, JSON) read only this.
public struct CallReport: Sendable {
    public var summary: CallSummary
    /// The SIP messages, for the ladder.
    public var events: [SIPEvent]
    /// RTP streams tied to the call through its SDP.
    public var streams: [RTPStreamReport]
    /// Findings, most severe first.
    public var findings: [Finding]
    /// Dialogs the initial INVITE created; more than one means it forked.
    public var dialogs: [DialogSummary] = []
    /// DTMF sent as SIP INFO (application/dtmf-relay or application/dtmf bodies), in order.
    public var infoDTMF: [InfoDTMF] = []

    /// One key press carried in a SIP INFO request.
    public struct InfoDTMF: Sendable, Hashable {
        public var digit: String
        public var durationMs: Int?
        public var frame: Int
        public var time: CaptureTime
    }

    /// Digits from INFO bodies: `Signal=5` / `Duration=160` lines (application/dtmf-relay, the
    /// de-facto format) or a bare digit (application/dtmf).
    static func infoDTMF(in call: CallRecord) -> [InfoDTMF] {
        var digits: [InfoDTMF] = []
        for event in call.events where event.method == .info && !event.isRetransmission {
            guard let type = event.message.contentType, type.type == "application",
                type.subtype == "dtmf-relay" || type.subtype == "dtmf"
            else { continue }
            let text = String(decoding: event.message.body, as: UTF8.self)
            var digit: String?
            var duration: Int?
            for line in text.split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: " \t") }
                if parts.count == 2 && parts[0].lowercased() == "signal" { digit = parts[1] }
                if parts.count == 2 && parts[0].lowercased() == "duration" { duration = Int(parts[1]) }
                if parts.count == 1 && type.subtype == "dtmf" && !parts[0].isEmpty { digit = parts[0] }
            }
            if let digit, digit.count <= 2 {
                digits.append(InfoDTMF(digit: digit, durationMs: duration, frame: event.frame, time: event.time))
            }
        }
        return digits
    }

    /// The worst severity among the findings.
    public var worstSeverity: FindingSeverity? { self.findings.map(\.severity).max() }

    static func make(
        call: CallRecord,
        streams: [RTPStreamReport],
        icmpErrors: [ICMPError],
        options: AnalyzerOptions,
        captureStart: CaptureTime,
        captureHasRTP: Bool
    ) -> CallReport {
        var summary = call.summarize()
        // Without a BYE the call lasted at least as long as its media.
        if summary.ending == .stillActive, let answered = summary.timeToAnswerMs, let start = summary.start,
            let lastMedia = streams.map(\.lastTime).max()
        {
            let inviteTime = call.firstInvite?.time ?? start
            let mediaEnd = lastMedia.milliseconds(since: inviteTime) - answered
            summary.durationMs = max(summary.durationMs ?? 0, mediaEnd)
        }
        let context = RuleContext(
            captureStart: captureStart, candidatePassword: options.candidatePassword, summary: summary,
            captureHasRTP: captureHasRTP
        )
        let dialogs = call.dialogs
        var findings: [Finding] = []
        findings += AuthenticationRules.evaluate(call, context: context)
        findings += TransactionRules.evaluate(call, context: context)
        findings += CodecRules.evaluate(call, context: context)
        findings += NATRules.evaluate(call, context: context)
        findings += MediaRules.evaluate(call, streams: streams, icmpErrors: icmpErrors, context: context)
        findings += DialogRules.evaluate(call, dialogs: dialogs, context: context)
        // Most severe first; stable within a severity.
        let ordered = findings.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity > b.element.severity : a.offset < b.offset
        }.map(\.element)
        var report = CallReport(summary: summary, events: call.events, streams: streams, findings: ordered)
        report.infoDTMF = Self.infoDTMF(in: call)
        report.dialogs = dialogs
        return report
    }
}

extension Substring {
    /// The text without leading and trailing characters from `set`.
    func trimmingCharacters(in set: String) -> String {
        var view = self
        while let first = view.first, set.contains(first) { view = view.dropFirst() }
        while let last = view.last, set.contains(last) { view = view.dropLast() }
        return String(view)
    }
}
