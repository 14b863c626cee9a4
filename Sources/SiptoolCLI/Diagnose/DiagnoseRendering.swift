import Diagnosis
import PacketDecoding
import SIPMessages

/// What `siptool diagnose` shows: a summary line, then per call a header, the ladder, the RTP
/// streams and the findings (text), or the same as JSON (schema `siptool.diagnose/1`).
enum DiagnoseRendering {
    struct Overview {
        var files: [String]
        var frames: Int
        var captureStart: CaptureTime
        var captureEnd: CaptureTime
        var counters: AnalyzerCounters
        var calls: [CallReport]
        var unassociated: [RTPStreamReport]
        var warnings: [String]
    }

    // MARK: - Text

    static func text(_ overview: Overview, shown: [CallReport], ladder: Bool, style: TerminalStyle) -> String {
        var out = Self.summaryLine(overview, style: style) + "\n"
        for warning in overview.warnings {
            out += style.yellow("warning: ") + warning + "\n"
        }
        for (index, call) in shown.enumerated() {
            out += "\n" + Self.callText(call, number: index + 1, overview: overview, ladder: ladder, style: style)
        }
        if !overview.unassociated.isEmpty {
            out += "\n" + style.bold("RTP without signalling") + " (no SDP in the capture announced these; found by the RTP heuristic)\n"
            for stream in overview.unassociated.prefix(50) {
                out += "  " + Self.streamLine(stream, start: overview.captureStart) + "\n"
            }
            if overview.unassociated.count > 50 { out += "  ... \(overview.unassociated.count - 50) more\n" }
        }
        return out
    }

    static func summaryLine(_ overview: Overview, style: TerminalStyle) -> String {
        let calls = overview.calls.filter { $0.summary.kind == .call }
        let failed = calls.filter { ($0.summary.finalStatus ?? 0) >= 300 || $0.summary.finalStatus == nil }.count
        let registrations = overview.calls.filter { $0.summary.kind == .registration }.count
        let errors = overview.calls.reduce(0) { $0 + $1.findings.filter { $0.severity == .error }.count }
        let warnings = overview.calls.reduce(0) { $0 + $1.findings.filter { $0.severity == .warning }.count }
        let streams = overview.calls.reduce(0) { $0 + $1.streams.count } + overview.unassociated.count
        let seconds = overview.captureEnd.milliseconds(since: overview.captureStart) / 1000
        var parts = [
            "\(overview.frames) frames over \(Self.fixed(seconds, 1)) s",
            "\(calls.count) call(s)" + (failed > 0 ? " (\(failed) not answered)" : ""),
        ]
        if registrations > 0 { parts.append("\(registrations) registration(s)") }
        parts.append("\(overview.counters.sipMessages) SIP messages (\(overview.counters.sipRetransmissions) retransmitted)")
        parts.append("\(streams) RTP stream(s)")
        let verdict = errors > 0
            ? style.red("\(errors) error(s)") + ", \(warnings) warning(s)"
            : warnings > 0 ? style.yellow("\(warnings) warning(s)") : style.green("no problems found")
        return style.bold(overview.files.joined(separator: ", ")) + ": " + parts.joined(separator: ", ") + "; " + verdict
    }

    static func callText(_ call: CallReport, number: Int, overview: Overview, ladder: Bool, style: TerminalStyle) -> String {
        let summary = call.summary
        var out = ""
        let kind: String
        switch summary.kind {
        case .call: kind = "Call"
        case .registration: kind = "Registration"
        case .other: kind = call.events.first?.method?.rawValue ?? "Exchange"
        }
        let who = "\(Self.user(summary.from)) -> \(Self.user(summary.requestURI ?? summary.to))"
        var outcome: String
        if let status = summary.finalStatus {
            outcome = "\(status) \(summary.finalReason ?? "")"
            if (200..<300).contains(status), let duration = summary.durationMs, summary.kind == .call {
                outcome += ", \(Self.fixed(duration / 1000, 1)) s, \(summary.ending.rawValue)"
            } else if summary.kind == .call, summary.ending == .cancelled {
                outcome += ", cancelled"
            }
        } else {
            outcome = summary.ending.rawValue
        }
        let severity = call.worstSeverity
        let mark: String
        switch severity {
        case .some(.error): mark = style.red("✗")
        case .some(.warning): mark = style.yellow("!")
        default: mark = style.green("✓")
        }
        out += "\(mark) " + style.bold("\(kind) \(number)") + "  \(who)  [\(outcome)]\n"
        var facts = ["Call-ID \(summary.callID)"]
        if let transport = summary.transport { facts.append(transport.rawValue) }
        if let caller = summary.caller, let callee = summary.callee { facts.append("\(caller) -> \(callee)") }
        out += "  " + style.dim(facts.joined(separator: " · ")) + "\n"
        var timings: [String] = []
        if let pdd = summary.postDialDelayMs { timings.append("post-dial delay \(Self.fixed(pdd / 1000, 2)) s") }
        if let answer = summary.timeToAnswerMs { timings.append("answered after \(Self.fixed(answer / 1000, 2)) s") }
        if let setup = summary.setupTimeMs { timings.append("ACK after \(Self.fixed(setup / 1000, 2)) s") }
        if summary.retransmissions > 0 { timings.append("\(summary.retransmissions) retransmission(s)") }
        if summary.authenticationRounds > 0 { timings.append("\(summary.authenticationRounds) auth round(s)") }
        if summary.hops > 1 { timings.append("\(summary.hops) hops seen") }
        if !timings.isEmpty { out += "  " + timings.joined(separator: " · ") + "\n" }
        if !call.infoDTMF.isEmpty {
            out += "  DTMF via SIP INFO: " + call.infoDTMF.map(\.digit).joined() + "\n"
        }
        if ladder {
            out += "\n"
            for line in LadderDiagram.render(call, captureStart: overview.captureStart) { out += "  " + line + "\n" }
            out += "\n"
        }
        if !call.streams.isEmpty {
            out += "  " + style.bold("RTP") + "\n"
            for stream in call.streams { out += "    " + Self.streamLine(stream, start: overview.captureStart) + "\n" }
        }
        for finding in call.findings {
            let label: String
            switch finding.severity {
            case .error: label = style.red("error  ")
            case .warning: label = style.yellow("warning")
            case .info: label = style.dim("info   ")
            }
            out += "  \(label) " + style.bold(finding.code.rawValue) + "\n"
            out += HelpText.wrap(finding.summary, indent: 4) + "\n"
            if let fix = finding.fix { out += HelpText.wrap("fix: " + fix, indent: 4) + "\n" }
            for evidence in finding.evidence.prefix(6) {
                var line = "    "
                if let frame = evidence.frame { line += "#\(frame) " }
                if let time = evidence.time { line += Self.fixed(time, 3) + "s " }
                out += style.dim(line + evidence.label + ": " + evidence.value) + "\n"
            }
        }
        return out
    }

    static func streamLine(_ stream: RTPStreamReport, start: CaptureTime) -> String {
        var parts = [
            "\(stream.source) -> \(stream.destination)",
            stream.ssrcHex,
            stream.payloadName,
            "\(stream.packets) pkts",
            "lost \(stream.rfcLost) (\(Self.fixed(stream.rfcLossPercent, 1)) %)",
            "jitter \(Self.fixed(stream.meanJitterMs, 2))/\(Self.fixed(stream.maxJitterMs, 2)) ms",
        ]
        if stream.duplicates > 0 { parts.append("\(stream.duplicates) dup") }
        if let mos = stream.mos { parts.append("MOS \(Self.fixed(mos, 2))") }
        if !stream.dtmf.isEmpty { parts.append("DTMF " + String(stream.dtmf.map(\.digit))) }
        return parts.joined(separator: "  ")
    }

    /// "alice@example.com" from "sip:alice@example.com;transport=udp".
    static func user(_ uri: String?) -> String {
        guard var text = uri else { return "?" }
        for scheme in ["sip:", "sips:", "tel:"] where text.lowercased().hasPrefix(scheme) { text = String(text.dropFirst(scheme.count)) }
        if let semicolon = text.firstIndex(of: ";") { text = String(text[..<semicolon]) }
        return text
    }

    static func fixed(_ value: Double, _ decimals: Int) -> String {
        JSONValue.format(value, decimals: decimals).paddedDecimals(decimals)
    }

    // MARK: - JSON

    static func json(_ overview: Overview, shown: [CallReport]) -> JSONValue {
        let start = overview.captureStart
        let seconds: @Sendable (CaptureTime?) -> JSONValue = { time in
            .number(time.map { $0.milliseconds(since: start) / 1000 }, decimals: 6)
        }
        let json: @Sendable (CallReport) -> JSONValue = { call in
            let s = call.summary
            return .object([
                ("call_id", .string(s.callID)),
                ("kind", .string(s.kind.rawValue)),
                ("from", .string(s.from)),
                ("to", .string(s.to)),
                ("request_uri", .string(s.requestURI)),
                ("caller_name", .string(s.callerName)),
                ("transport", .string(s.transport?.rawValue)),
                ("caller", .string(s.caller?.description)),
                ("callee", .string(s.callee?.description)),
                ("final_status", .int(s.finalStatus)),
                ("final_reason", .string(s.finalReason)),
                ("ending", .string(s.ending.rawValue)),
                ("start_s", seconds(s.start)),
                ("end_s", seconds(s.end)),
                ("first_frame", .int(s.firstFrame)),
                ("last_frame", .int(s.lastFrame)),
                ("post_dial_delay_ms", .number(s.postDialDelayMs)),
                ("time_to_answer_ms", .number(s.timeToAnswerMs)),
                ("setup_time_ms", .number(s.setupTimeMs)),
                ("duration_ms", .number(s.durationMs)),
                ("sip_messages", .int(s.messageCount)),
                ("retransmissions", .int(s.retransmissions)),
                ("authentication_rounds", .int(s.authenticationRounds)),
                ("hops", .int(s.hops)),
                ("dialogs", .array(call.dialogs.map { dialog in
                    .object([
                        ("to_tag", .string(dialog.toTag)),
                        ("remote", .string(dialog.remote.description)),
                        ("contact", .string(dialog.contact)),
                        ("first_status", .int(dialog.firstStatus)),
                        ("best_status", .int(dialog.bestStatus)),
                        ("frame", .int(dialog.frame)),
                        ("time_s", seconds(dialog.time)),
                    ])
                })),
                ("worst_severity", .string(call.worstSeverity?.rawValue)),
                ("findings", .array(call.findings.map(Self.json))),
                ("rtp_streams", .array(call.streams.map { Self.json($0, start: start) })),
                ("sip_info_dtmf", .array(call.infoDTMF.map { digit in
                    .object([
                        ("digit", .string(digit.digit)),
                        ("duration_ms", .int(digit.durationMs)),
                        ("frame", .int(digit.frame)),
                        ("time_s", seconds(digit.time)),
                    ])
                })),
                ("sip", .array(call.events.map { event in
                    .object([
                        ("frame", .int(event.frame)),
                        ("time_s", seconds(event.time)),
                        ("source", .string(event.source.description)),
                        ("destination", .string(event.destination.description)),
                        ("transport", .string(event.transport.rawValue)),
                        ("label", .string(event.label)),
                        ("retransmission", .bool(event.isRetransmission)),
                    ])
                })),
            ])
        }
        let c = overview.counters
        return .object([
            ("schema", .string("siptool.diagnose/1")),
            ("files", .array(overview.files.map { .string($0) })),
            ("frames", .int(overview.frames)),
            ("capture_start_epoch_s", .number(Double(overview.captureStart.nanosecondsSinceEpoch) / 1e9, decimals: 6)),
            ("capture_duration_s", .number(overview.captureEnd.milliseconds(since: overview.captureStart) / 1000, decimals: 6)),
            ("warnings", .array(overview.warnings.map { .string($0) })),
            ("counters", .object([
                ("sip_messages", .int(c.sipMessages)),
                ("sip_pdus", .int(c.sipMessages + c.unparseableSIP)),
                ("sip_retransmissions", .int(c.sipRetransmissions)),
                ("unparseable_sip", .int(c.unparseableSIP)),
                ("undecodable_frames", .int(c.undecodableFrames)),
                ("hep_messages", .int(c.hepMessages)),
                ("hep_duplicates", .int(c.hepDuplicates)),
            ])),
            ("calls", .generated(count: shown.count) { json(shown[$0]) }),
            ("unassociated_rtp_streams", .array(overview.unassociated.map { Self.json($0, start: start) })),
        ])
    }

    static func json(_ finding: Finding) -> JSONValue {
        .object([
            ("code", .string(finding.code.rawValue)),
            ("severity", .string(finding.severity.rawValue)),
            ("summary", .string(finding.summary)),
            ("fix", .string(finding.fix)),
            ("evidence", .array(finding.evidence.map { evidence in
                .object([
                    ("frame", .int(evidence.frame)),
                    ("time_s", .number(evidence.time, decimals: 6)),
                    ("label", .string(evidence.label)),
                    ("value", .string(evidence.value)),
                ])
            })),
        ])
    }

    static func json(_ stream: RTPStreamReport, start: CaptureTime) -> JSONValue {
        let t = stream.tshark
        return .object([
            ("source", .string(stream.source.description)),
            ("destination", .string(stream.destination.description)),
            ("ssrc", .string(stream.ssrcHex)),
            ("payload", .string(stream.payloadName)),
            ("payload_types", .array(stream.payloadTypes.map { .int($0) })),
            ("setup", .string(stream.setupMethod)),
            ("packets", .int(stream.packets)),
            ("first_frame", .int(stream.firstFrame)),
            ("start_s", .number(stream.firstTime.milliseconds(since: start) / 1000, decimals: 6)),
            ("end_s", .number(stream.lastTime.milliseconds(since: start) / 1000, decimals: 6)),
            ("tshark", .object([
                ("lost", .int(t.lost)),
                ("lost_pct", .number(t.lostPercent, decimals: 1)),
                ("min_delta_ms", .number(t.minDeltaMs)),
                ("mean_delta_ms", .number(t.meanDeltaMs)),
                ("max_delta_ms", .number(t.maxDeltaMs)),
                ("min_jitter_ms", .number(t.minJitterMs)),
                ("mean_jitter_ms", .number(t.meanJitterMs)),
                ("max_jitter_ms", .number(t.maxJitterMs)),
                ("problems", .bool(t.problems)),
            ])),
            ("rfc3550", .object([
                ("expected", .int(stream.rfcExpected)),
                ("lost", .int(stream.rfcLost)),
                ("lost_pct", .number(stream.rfcLossPercent, decimals: 2)),
                ("duplicates", .int(stream.duplicates)),
                ("reordered", .int(stream.reordered)),
                ("mean_jitter_ms", .number(stream.meanJitterMs)),
                ("max_jitter_ms", .number(stream.maxJitterMs)),
                ("loss_bursts", .int(stream.lossBursts)),
                ("longest_burst", .int(stream.longestBurst)),
                ("longest_gap_ms", .number(stream.longestGapMs)),
            ])),
            ("mos", .number(stream.mos, decimals: 2)),
            ("level_dbov", .number(stream.levelDBov, decimals: 1)),
            ("silent", .bool(stream.isSilent)),
            ("dtmf", .array(stream.dtmf.map { digit in
                .object([
                    ("digit", .string(String(digit.digit))),
                    ("time_s", .number(digit.time.milliseconds(since: start) / 1000, decimals: 3)),
                    ("duration_ms", .number(digit.durationMs, decimals: 1)),
                    ("frame", .int(digit.frame)),
                ])
            })),
            // What the receiver of this stream said about it in RTCP report blocks (RFC 3550 §6.4).
            ("rtcp", .array(stream.rtcp.map { report in
                .object([
                    ("reporter", .string(report.reporter.description)),
                    ("frame", .int(report.frame)),
                    ("fraction_lost_pct", .number(report.fractionLostPercent, decimals: 1)),
                    ("cumulative_lost", .int(report.cumulativeLost)),
                    ("jitter_ms", .number(report.jitterMs, decimals: 2)),
                    ("round_trip_ms", .number(report.roundTripMs, decimals: 2)),
                ])
            })),
        ])
    }
}

extension String {
    /// "2.5" -> "2.50" for 2 decimals (JSONValue.format trims trailing zeros; text columns want them).
    func paddedDecimals(_ decimals: Int) -> String {
        guard decimals > 0 else { return self }
        if let dot = self.firstIndex(of: ".") {
            let have = self.distance(from: dot, to: self.endIndex) - 1
            return have >= decimals ? self : self + String(repeating: "0", count: decimals - have)
        }
        return self + "." + String(repeating: "0", count: decimals)
    }
}
