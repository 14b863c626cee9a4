import PacketDecoding
import SIPMessages

/// Transactions and call outcome: requests nobody answered, 2xx never ACKed, final responses
/// explained, CANCEL races, retransmission counts.
enum TransactionRules {
    /// Plain-language meaning and usual cause of the final responses people meet on trunks.
    static let explanations: [Int: (meaning: String, fix: String?)] = [
        400: ("the far end could not parse or accept the request (400 Bad Request)", "run the INVITE through `siptool lint` and fix what it reports"),
        402: ("payment required: the account has no credit (402)", "top up or check the billing status of the account"),
        404: ("the number or user is not known to the far end (404 Not Found)", "check the dialled number format (E.164 with +, or the trunk's expected prefix) and that the number is assigned to this trunk"),
        405: ("the far end does not allow this method (405)", nil),
        408: ("the request timed out (408): the far end, or a proxy, got no answer from the next hop", "check reachability of the destination (firewall, DNS, the callee's registration)"),
        410: ("the number is gone (410)", nil),
        413: ("the request was too large (413): usually UDP fragmentation problems with a large INVITE", "use TCP, or trim headers/SDP"),
        415: ("the far end does not accept this body type (415)", "send application/sdp"),
        416: ("unsupported URI scheme (416)", "use a sip: or tel: Request-URI"),
        420: ("the far end does not support a required extension (420)", "remove the option tag named in the Unsupported header from Require"),
        423: ("the registration interval is too short (423)", "raise Expires to at least the server's Min-Expires"),
        480: ("the callee is temporarily unavailable (480): not registered, or no route", "check that the destination is registered/online; on platforms, that the number is bound to an agent or dispatch rule"),
        481: ("the far end does not know this dialog or transaction (481)", "often an ACK/BYE sent to the wrong place: check Contact and Record-Route handling across NAT"),
        482: ("a loop was detected (482)", "check routing between the proxies"),
        483: ("too many hops (483)", "check routing loops; Max-Forwards reached 0"),
        484: ("the number is incomplete (484)", "dial the full number, in E.164 format"),
        486: ("the callee is busy (486 Busy Here)", nil),
        487: ("the request was terminated (487): the caller cancelled it", nil),
        488: ("the far end cannot accept the offered media (488 Not Acceptable Here): usually no common codec", "offer the codecs the far end supports (PCMU/PCMA are universal), and check SRTP/RTP profile"),
        491: ("request pending (491): two re-INVITEs crossed", nil),
        500: ("the far end had an internal error (500)", "retry, and report it to the provider with the Call-ID"),
        501: ("the far end does not implement this method (501)", nil),
        502: ("a gateway got a bad response from the next hop (502)", nil),
        503: ("the service is unavailable (503): the far end is overloaded, in maintenance, or has no route or capacity", "check Retry-After and the provider's status; for trunks, the channel limit may be reached"),
        504: ("a gateway timed out waiting for the next hop (504)", nil),
        580: ("preconditions failure (580)", nil),
        600: ("the callee is busy everywhere (600)", nil),
        603: ("the callee declined the call (603 Decline)", nil),
        604: ("the number does not exist anywhere (604)", "check the dialled number"),
        606: ("not acceptable (606): the callee cannot accept the session as offered (codecs, media)", "offer the codecs the far end supports"),
    ]

    static func evaluate(_ call: CallRecord, context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        findings += Self.unansweredRequests(call, context: context)
        findings += Self.missingACK(call, context: context)
        if call.kind == .call {
            findings += Self.outcome(call, context: context)
        }
        return findings
    }

    /// Requests retransmitted with no response at all: the packets are being dropped on the way.
    static func unansweredRequests(_ call: CallRecord, context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        var grouped: [RetransmissionKey: [SIPEvent]] = [:]
        var order: [RetransmissionKey] = []
        for event in call.events where event.isRequest && event.method != .ack {
            let key = RetransmissionKey(event)
            if grouped[key] == nil { order.append(key) }
            grouped[key, default: []].append(event)
        }
        for key in order {
            guard let copies = grouped[key], let first = copies.first, let last = copies.last else { continue }
            // The cheap tests first: CSeq is parsed from its header on each access.
            let answered = call.events.contains { event in
                guard event.statusCode != nil, event.source.address == first.destination.address,
                    let cseq = event.message.cseq
                else { return false }
                return cseq.number == key.cseqNumber && cseq.method.rawValue == key.cseqMethod
            }
            guard !answered else { continue }
            // One unanswered copy at the very end of the capture is not evidence of anything.
            guard copies.count >= 2 || first.transport != .udp else { continue }
            let span = last.time.milliseconds(since: first.time) / 1000
            findings.append(Finding(
                .txnNoResponse, .error,
                "\(first.label) from \(first.source) to \(first.destination) over \(first.transport.rawValue) was sent "
                    + "\(copies.count) time(s) over \(Format.seconds(span)) and got no response at all: the packets "
                    + "are dropped on the way (a firewall or ACL at the far end, the wrong port or transport, or "
                    + "the destination is down)",
                fix: "check that \(first.destination) is the right address, port and transport for the trunk, and "
                    + "that the provider has your public IP address in its allow-list",
                evidence: copies.prefix(8).map { context.evidence($0, $0.isRetransmission ? "retransmission" : "sent") }
            ))
        }
        return findings
    }

    /// A 2xx to INVITE retransmitted and never ACKed (RFC 3261 §13.3.1.4: the UAS resends the 2xx until
    /// the ACK arrives, and gives up after 64*T1 = 32 s, usually tearing the call down with BYE).
    static func missingACK(_ call: CallRecord, context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        let oks = call.events.filter { ($0.statusCode ?? 0) >= 200 && ($0.statusCode ?? 0) < 300 && $0.message.cseq?.method == .invite }
        var seen = Set<UInt32>()
        for ok in oks where !ok.isRetransmission {
            guard let cseq = ok.message.cseq?.number, seen.insert(cseq).inserted else { continue }
            let copies = oks.filter { $0.message.cseq?.number == cseq && $0.source == ok.source && $0.destination == ok.destination }
            let ack = call.events.first { $0.method == .ack && $0.message.cseq?.number == cseq && $0.time >= ok.time }
            guard ack == nil, copies.count >= 3 else { continue }
            let bye = call.events.first { $0.method == .bye && $0.time > ok.time }
            var summary = "the 200 OK from \(ok.source) was sent \(copies.count) times and no ACK was seen"
            if let bye {
                let after = bye.time.milliseconds(since: ok.time) / 1000
                summary += "; the call was torn down by BYE from \(bye.source) \(Format.seconds(after)) after the answer"
            }
            summary += ": the ACK is lost on its way, usually because the 200 OK's Contact (or Record-Route) "
                + "carries an address the caller cannot reach, or NAT drops it"
            var evidence = copies.prefix(6).map { context.evidence($0, $0.isRetransmission ? "200 OK retransmitted" : "200 OK") }
            if let contact = ok.message.headers.first(.contact) {
                evidence.append(Evidence(frame: ok.frame, time: context.seconds(ok.time), "Contact", contact))
            }
            if let bye { evidence.append(context.evidence(bye, "BYE")) }
            findings.append(Finding(
                .txnNoACK, .error, summary,
                fix: "make the answering side put its public, reachable address in Contact (NAT settings / external "
                    + "address), and check that proxies add and honour Record-Route",
                evidence: evidence
            ))
        }
        return findings
    }

    static func outcome(_ call: CallRecord, context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        let summary = context.summary
        let cancel = call.events.first { $0.method == .cancel }
        if let final = call.finalResponse, let status = final.statusCode {
            if status >= 300 && status < 400 {
                let contact = final.message.headers.first(.contact) ?? "no Contact"
                findings.append(Finding(
                    .callRedirected, .warning,
                    "the call was redirected with \(status) \(final.message.response?.reasonPhrase ?? "") to \(contact)",
                    fix: "follow the redirect, or call the new target directly",
                    evidence: [context.evidence(final, final.label)]
                ))
            } else if status == 487, let cancel {
                // How long it rang: from the first 18x the caller got to its CANCEL (not the post-dial
                // delay, which ends where the ringing starts).
                let ringing = call.events.first {
                    (180..<190).contains($0.statusCode ?? 0) && $0.message.cseq?.method == .invite && $0.time <= cancel.time
                }
                let ringingText = ringing.map {
                    " (it had been ringing for \(Format.seconds(cancel.time.milliseconds(since: $0.time) / 1000)) after the first 18x)"
                }
                findings.append(Finding(
                    .callCancelled, .info,
                    "the caller (\(cancel.source)) cancelled the call before it was answered" + (ringingText ?? ""),
                    evidence: [context.evidence(cancel, "CANCEL"), context.evidence(final, final.label)]
                ))
            } else if status >= 400, ![401, 407, 403, 488, 415, 606].contains(status) {
                let reason = final.message.response?.reasonPhrase ?? ""
                let known = Self.explanations[status]
                var text = known?.meaning ?? "the call was rejected with \(status) \(reason)"
                if known != nil && !reason.isEmpty { text += "; reason phrase \"\(reason)\"" }
                var evidence = [context.evidence(final, final.label)]
                for header in [SIPHeaderName.warning, .reason, .retryAfter] {
                    if let value = final.message.headers.first(header) {
                        evidence.append(Evidence(frame: final.frame, time: context.seconds(final.time), header.canonicalName, value))
                    }
                }
                // 488/606/415 get their own codec finding from the codec rules; keep this one short.
                findings.append(Finding(
                    .callRejected, status == 486 || status == 600 || status == 603 ? .warning : .error, text,
                    fix: known?.fix, evidence: evidence
                ))
            }
        } else if call.firstInvite != nil && !findings.contains(where: { $0.code == .txnNoResponse }) {
            let last = call.events.last
            findings.append(Finding(
                .callUnanswered, .warning,
                "the INVITE got no final response in the capture (it ends \(last.map { Format.seconds($0.time.milliseconds(since: call.firstInvite!.time) / 1000) } ?? "?") after the INVITE)",
                evidence: last.map { [context.evidence($0, "last message: \($0.label)")] } ?? []
            ))
        }
        // CANCEL race: the CANCEL crossed a 2xx (RFC 3261 §9.1: the CANCEL has no effect once the INVITE
        // got a final response; the caller must then send BYE).
        if let cancel, let ok = call.events.first(where: { ($0.statusCode ?? 0) / 100 == 2 && $0.message.cseq?.method == .invite }),
            abs(ok.time.milliseconds(since: cancel.time)) < 2000
        {
            let bye = call.events.first { $0.method == .bye && $0.time > ok.time }
            findings.append(Finding(
                .txnCancelRace, .warning,
                "the CANCEL (frame \(cancel.frame)) crossed the 200 OK (frame \(ok.frame)): the call was answered anyway, "
                    + (bye == nil ? "and no BYE followed, so the far end may bill and keep the call up"
                        : "and the caller then ended it with BYE, as RFC 3261 §9.1 requires"),
                evidence: [context.evidence(cancel, "CANCEL"), context.evidence(ok, ok.label)]
            ))
        }
        let retransmissions = summary.retransmissions
        if retransmissions >= 3 && !findings.contains(where: { $0.code == .txnNoResponse || $0.code == .txnNoACK }) {
            findings.append(Finding(
                .txnRetransmissions, .info,
                "\(retransmissions) SIP messages of this call were retransmissions: some packets or answers were "
                    + "slow or lost on the way",
                evidence: call.events.filter(\.isRetransmission).prefix(5).map { context.evidence($0, "retransmitted \($0.label)") }
            ))
        }
        return findings
    }
}

/// Formatting helpers shared by the rules.
enum Format {
    static func seconds(_ value: Double) -> String {
        if value < 10 { return Self.fixed(value, 2) + " s" }
        return Self.fixed(value, 1) + " s"
    }

    static func milliseconds(_ value: Double) -> String { Self.fixed(value, value < 10 ? 1 : 0) + " ms" }

    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let integer = Int(scaled / scale)
        var text = (value < 0 && scaled > 0 ? "-" : "") + String(integer)
        if decimals > 0 {
            let fraction = Int(scaled) - integer * Int(scale)
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return text
    }
}
