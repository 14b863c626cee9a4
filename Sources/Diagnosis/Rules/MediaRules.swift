import PacketDecoding
import RTP
import SDP
import SIPMessages

/// Media: one-way and missing audio, NAT'd RTP sources, late media, loss, jitter, MOS, gaps,
/// silence, SSRC and payload changes, ICMP errors answering RTP.
enum MediaRules {
    /// Where each side asked to receive audio, from the latest SDP it sent.
    struct MediaPlan {
        var callerMedia: Endpoint?
        var calleeMedia: Endpoint?
        var callerAnnouncedIn: SIPEvent?
        var calleeAnnouncedIn: SIPEvent?
    }

    static func plan(_ call: CallRecord) -> MediaPlan {
        var plan = MediaPlan()
        guard let caller = call.callerEndpoint?.address else { return plan }
        for entry in call.sessionDescriptions {
            let event = call.events[entry.eventIndex]
            guard let audio = entry.sdp.media.first(where: { $0.mediaType == .audio }), !audio.isRejected,
                let connection = entry.sdp.effectiveConnections(of: audio).first,
                let address = NetworkAddress(connection.address), let port = UInt16(exactly: audio.port)
            else { continue }
            let endpoint = Endpoint(address: address, port: port)
            if event.isRequest && event.source.address == caller || (event.statusCode != nil) && event.destination.address == caller {
                // Sent by the caller's side (a request from it, or... a response to it comes from the callee).
                if event.isRequest {
                    plan.callerMedia = endpoint
                    plan.callerAnnouncedIn = event
                } else {
                    plan.calleeMedia = endpoint
                    plan.calleeAnnouncedIn = event
                }
            } else {
                if event.isRequest {
                    plan.calleeMedia = endpoint
                    plan.calleeAnnouncedIn = event
                } else {
                    plan.callerMedia = endpoint
                    plan.callerAnnouncedIn = event
                }
            }
        }
        return plan
    }

    static func evaluate(_ call: CallRecord, streams: [RTPStreamReport], icmpErrors: [ICMPError], context: RuleContext) -> [Finding] {
        guard call.kind == .call else { return [] }
        var findings: [Finding] = []
        let plan = Self.plan(call)
        let answered = call.events.first { ($0.statusCode ?? 0) / 100 == 2 && $0.message.cseq?.method == .invite && !$0.isRetransmission }
        let audio = streams.filter { $0.packets >= 2 && !$0.isOnlyEvents }

        // Direction by destination: RTP sent to an announced address is audio for that side, unless
        // the capture shows it cannot arrive there (see `Undelivered`).
        let undelivered = Undelivered(call: call, plan: plan, icmpErrors: icmpErrors)
        let sentToCallee = audio.filter { plan.calleeMedia != nil && $0.destination == plan.calleeMedia! }
        let sentToCaller = audio.filter { plan.callerMedia != nil && $0.destination == plan.callerMedia! }
        let toCallee = sentToCallee.filter { undelivered.reason(for: $0) == nil }
        let toCaller = sentToCaller.filter { undelivered.reason(for: $0) == nil }

        if let answered, let callerMedia = plan.callerMedia, let calleeMedia = plan.calleeMedia, context.captureHasRTP {
            let callEnd = call.events.last?.time ?? answered.time
            let talkSeconds = callEnd.milliseconds(since: answered.time) / 1000
            let icmpForCallee = icmpErrors.filter { $0.originalDestination == calleeMedia }
            let icmpForCaller = icmpErrors.filter { $0.originalDestination == callerMedia }
            // Built only for a finding: most calls have none, and the text costs more than the checks.
            func evidence() -> [Evidence] {
                var evidence: [Evidence] = []
                if let event = plan.callerAnnouncedIn { evidence.append(context.evidence(event, "caller's SDP: receive audio at \(callerMedia)")) }
                if let event = plan.calleeAnnouncedIn { evidence.append(context.evidence(event, "callee's SDP: receive audio at \(calleeMedia)")) }
                for stream in audio.prefix(4) {
                    evidence.append(Evidence(frame: stream.firstFrame, time: context.seconds(stream.firstTime), "RTP stream", "\(stream.source) -> \(stream.destination), \(stream.packets) packets"))
                }
                for error in (icmpForCallee + icmpForCaller).prefix(3) {
                    evidence.append(Evidence(frame: error.frameNumber, time: context.seconds(error.timestamp), "ICMP", error.description))
                }
                return evidence
            }
            if toCallee.isEmpty && toCaller.isEmpty {
                let sentButLost = sentToCallee + sentToCaller
                if talkSeconds >= 1 {
                    let privateSides = [callerMedia, calleeMedia].filter { IPAddressClassifier.classify($0.address.description).isNonRoutable }
                    var text = "the call was answered and lasted \(Format.seconds(talkSeconds)), but no RTP was seen in either "
                        + "direction (caller asked for audio at \(callerMedia), callee at \(calleeMedia))"
                    if !sentButLost.isEmpty {
                        text = "the call was answered and lasted \(Format.seconds(talkSeconds)), but no audio can arrive either way: "
                            + sentButLost.map { "\($0.source) -> \($0.destination): \(undelivered.reason(for: $0) ?? "not delivered")" }.joined(separator: "; ")
                    } else if !privateSides.isEmpty {
                        text += "; \(privateSides.map(\.description).joined(separator: " and ")) cannot be reached from the "
                            + "Internet, and if both ends wait to hear from the other before sending (symmetric RTP "
                            + "latching), nobody sends first"
                    }
                    findings.append(Finding(
                        .mediaNone, .error, text,
                        fix: "check that the capture point sees the media path; then the firewalls for the RTP port range "
                            + "and the SDP addresses of both sides",
                        evidence: evidence()
                    ))
                }
            } else if toCallee.isEmpty || toCaller.isEmpty {
                let missingToCallee = toCallee.isEmpty
                let missingTarget = missingToCallee ? calleeMedia : callerMedia
                let flowing = missingToCallee ? toCaller : toCallee
                let (from, to) = missingToCallee ? ("caller", "callee") : ("callee", "caller")
                let sent = flowing.reduce(0) { $0 + $1.packets }
                let lost = missingToCallee ? sentToCallee : sentToCaller
                var text = "one-way audio, no audio \(from) -> \(to): RTP flowed \(to) -> \(from) (\(sent) packets to "
                    + "\(flowing[0].destination))"
                // The reasons a lost stream carries already say "private address" and "ICMP".
                let lostReason = lost.first.flatMap { undelivered.reason(for: $0) }
                if let stream = lost.first {
                    // The capture saw the packets leave towards the announced address, but they cannot get there.
                    text += ", but the \(from)'s \(stream.packets) packets from \(stream.source) to the \(to)'s announced "
                        + "address \(missingTarget) cannot arrive"
                    if let lostReason { text += " (\(lostReason))" }
                } else {
                    text += " but none reached the \(to)'s announced address \(missingTarget) from the \(from)"
                }
                // Where did the silent side's packets go instead, if anywhere?
                let misdirected = audio.filter { $0.destination != calleeMedia && $0.destination != callerMedia }
                if let stray = misdirected.first {
                    text += "; RTP was seen going to \(stray.destination) instead (\(stray.packets) packets from \(stray.source))"
                }
                // Where the other side's audio really comes from is where the silent side should send.
                if let source = flowing.first?.source, source != missingTarget {
                    text += "; the \(to)'s RTP comes from \(source), not from \(missingTarget)"
                }
                let missingClass = IPAddressClassifier.classify(missingTarget.address.description)
                if missingClass.isNonRoutable && missingClass != .documentation && lostReason == nil {
                    text += "; \(missingTarget.address) is \(missingClass.withArticle) address, which the \(from) cannot reach"
                }
                let icmp = missingToCallee ? icmpForCallee : icmpForCaller
                if let first = icmp.first, lostReason == nil {
                    text += "; the network answered with ICMP \(first.kindDescription) from \(first.reporter)"
                }
                findings.append(Finding(
                    .mediaOneWay, .error, text,
                    fix: missingClass.isNonRoutable && missingClass != .documentation
                        ? "make the \(to) announce its public address in SDP (NAT settings / external media address), or use "
                            + "symmetric RTP (send to where the RTP comes from)"
                        : "open UDP from the \(from)'s media address to \(missingTarget) (RTP port range) on the firewalls "
                            + "in between, and check NAT on the \(from)'s side",
                    evidence: evidence()
                ))
            }
        }

        // ICMP destination unreachable answering the call's RTP, while the call was up, that the
        // audio findings above do not already cite: the first packets refused because the far end
        // opened its port late (the start of the audio is clipped), or refusals in a call whose
        // audio otherwise got through. After the BYE a closed port is normal and not reported.
        if !findings.contains(where: { $0.code == .mediaOneWay || $0.code == .mediaNone }) {
            let end = call.events.first { $0.method == .bye }?.time ?? call.events.last?.time
            // (IPv4 3/4, fragmentation needed, is path MTU discovery, not a refusal.)
            let refused = icmpErrors.filter { error in
                error.isDestinationUnreachable && (error.isICMPv6 || error.code != 4) && end.map { error.timestamp <= $0 } ?? true
            }
            if let first = refused.first {
                let targets = Set(refused.map(\.originalDestination)).map(\.description).sorted()
                let severity: FindingSeverity = answered.map { answer in refused.contains { $0.timestamp.milliseconds(since: answer.time) >= 1000 } } ?? false ? .warning : .info
                findings.append(Finding(
                    .mediaICMPUnreachable, severity,
                    "the network answered \(refused.count) RTP packet(s) to \(targets.joined(separator: ", ")) with ICMP "
                        + "\(first.kindDescription) (first from \(first.reporter)): "
                        + (severity == .info
                            ? "the far end's RTP port was not open yet when audio started, so the first packets were lost"
                            : "packets were refused while the call was up, so some audio did not arrive"),
                    fix: "check that the far end listens on the port its SDP announced from the moment it answers, and "
                        + "that no firewall or expired NAT binding rejects the RTP",
                    evidence: refused.prefix(3).map { Evidence(frame: $0.frameNumber, time: context.seconds($0.timestamp), "ICMP", $0.description) }
                ))
            }
        }

        // NAT on media: RTP arriving from another address/port than its sender's SDP announced.
        if let callerMedia = plan.callerMedia, let calleeMedia = plan.calleeMedia {
            for (stream, announced, who) in sentToCaller.map({ ($0, calleeMedia, "callee") }) + sentToCallee.map({ ($0, callerMedia, "caller") })
            where stream.source != announced {
                findings.append(Finding(
                    .natAsymmetricRTP, .warning,
                    "the \(who)'s RTP comes from \(stream.source) but its SDP announced \(announced): it is behind NAT (or a "
                        + "media relay); the other side must send to where the packets come from (symmetric RTP, RFC 4961)",
                    fix: "enable symmetric RTP / 'comedia' / NAT=yes on the side that receives these packets, or fix the "
                        + "\(who)'s advertised media address",
                    evidence: [Evidence(frame: stream.firstFrame, time: context.seconds(stream.firstTime), "RTP stream", "\(stream.source) -> \(stream.destination)")]
                ))
                break
            }
        }

        // Late media: first RTP more than 500 ms after the answer (sipnab's late_media rule).
        if let answered {
            let afterAnswer = audio.filter { $0.firstTime >= answered.time || $0.lastTime >= answered.time }
            if let first = afterAnswer.min(by: { $0.firstTime < $1.firstTime }), first.firstTime > answered.time {
                let delay = first.firstTime.milliseconds(since: answered.time)
                if delay > Thresholds.lateMediaMs && audio.allSatisfy({ $0.firstTime > answered.time }) {
                    findings.append(Finding(
                        .mediaLate, .warning,
                        "the first RTP came \(Format.milliseconds(delay)) after the 200 OK (more than \(Int(Thresholds.lateMediaMs)) ms): "
                            + "the start of the conversation is clipped",
                        evidence: [context.evidence(answered, answered.label), Evidence(frame: first.firstFrame, time: context.seconds(first.firstTime), "first RTP", "\(first.source) -> \(first.destination)")]
                    ))
                }
            }
        }

        // Per-stream quality.
        for stream in audio {
            findings += Self.quality(stream, context: context)
        }
        return findings
    }

    /// RTP the capture saw going to an announced address can still fail to arrive, and the capture
    /// shows it in two ways: the network answered it with ICMP destination unreachable (network,
    /// host or port unreachable, administratively prohibited), or the address is private (RFC 1918,
    /// RFC 6598, ULA, link-local) while the side that announced it signals from a public address at
    /// this capture point, so the packet is on the public side of that side's NAT and no router
    /// delivers it. A port unreachable counts only when it still came a second after the stream
    /// started (an early one may only mean the far end opened its socket late); Linux rate-limits
    /// the other kinds so hard that often only the first packets are answered.
    struct Undelivered {
        var privateTargets: [Endpoint: String] = [:]
        var icmp: [ICMPError]

        init(call: CallRecord, plan: MediaPlan, icmpErrors: [ICMPError]) {
            self.icmp = icmpErrors.filter(\.isDestinationUnreachable)
            self.notePrivate(plan.callerMedia, signalling: call.callerEndpoint?.address, who: "caller")
            self.notePrivate(plan.calleeMedia, signalling: call.calleeEndpoint?.address, who: "callee")
        }

        private mutating func notePrivate(_ media: Endpoint?, signalling: NetworkAddress?, who: String) {
            guard let media, let signalling else { return }
            let mediaClass = IPAddressClassifier.classify(media.address.description)
            let signallingClass = IPAddressClassifier.classify(signalling.description)
            guard mediaClass.isNonRoutable, mediaClass != .documentation, mediaClass != .loopback, mediaClass != .unspecified,
                !signallingClass.isNonRoutable || signallingClass == .documentation
            else { return }
            self.privateTargets[media] = "\(media.address) is \(mediaClass.withArticle) address and the \(who)'s "
                + "signalling comes from \(signalling): the \(who) is behind NAT"
        }

        /// Why `stream` cannot reach its destination, or nil when nothing says so.
        func reason(for stream: RTPStreamReport) -> String? {
            var reasons: [String] = []
            if let text = self.privateTargets[stream.destination] { reasons.append(text) }
            let errors = self.icmp.filter {
                $0.originalDestination == stream.destination && $0.originalSource.address == stream.source.address
                    && (!$0.isPortUnreachable || $0.timestamp.milliseconds(since: stream.firstTime) >= 1000)
            }
            if let first = errors.first {
                reasons.append("\(errors.count) ICMP \(first.kindDescription) from \(first.reporter) answered them")
            }
            return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
        }
    }

    static func quality(_ stream: RTPStreamReport, context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        let label = "\(stream.source) -> \(stream.destination)"
        let evidence = [Evidence(frame: stream.firstFrame, time: context.seconds(stream.firstTime), "RTP stream", "\(label), SSRC \(stream.ssrcHex), \(stream.packets) packets")]
        let lossPercent = stream.rfcLossPercent
        if lossPercent >= Thresholds.lossWarningPercent {
            findings.append(Finding(
                .qualityLoss, lossPercent >= Thresholds.lossErrorPercent ? .error : .warning,
                "RTP \(label) lost \(stream.rfcLost) of \(stream.rfcExpected) packets (\(Format.fixed(lossPercent, 1)) %), in "
                    + "\(stream.lossBursts) burst(s), the longest \(stream.longestBurst) packets",
                fix: "look for congestion or a saturated uplink on the path; check for Wi-Fi or a VPN in the media path",
                evidence: evidence
            ))
        }
        if stream.meanJitterMs >= Thresholds.jitterMeanMs && stream.maxJitterMs >= Thresholds.jitterMaxMs {
            findings.append(Finding(
                .qualityJitter, .warning,
                "RTP \(label) has high jitter: mean \(Format.milliseconds(stream.meanJitterMs)), max \(Format.milliseconds(stream.maxJitterMs)) "
                    + "(RFC 3550 interarrival jitter; Twilio's high_jitter is mean >= 5 ms and max >= 30 ms)",
                fix: "enable QoS (DSCP EF) for RTP and check the path for congestion or bufferbloat",
                evidence: evidence
            ))
        }
        if let mos = stream.mos, mos < Thresholds.lowMOS {
            findings.append(Finding(
                .qualityLowMOS, .warning,
                "RTP \(label) has an estimated MOS of \(Format.fixed(mos, 2)) (E-model, ITU-T G.107), below \(Thresholds.lowMOS)",
                evidence: evidence
            ))
        }
        if stream.longestGapMs >= Thresholds.longGapMs {
            findings.append(Finding(
                .mediaLongGap, .warning,
                "RTP \(label) stopped for \(Format.seconds(stream.longestGapMs / 1000)) in the middle of the stream",
                fix: "a gap this long is heard as dead air: check for a hold, a network outage or a media timeout",
                evidence: evidence
            ))
        }
        if stream.ssrcChanges > 0 {
            findings.append(Finding(
                .mediaSSRCChange, .info,
                "RTP \(label) changed SSRC \(stream.ssrcChanges) time(s) mid-stream (a new source, e.g. after a transfer or a media relay switch)",
                evidence: evidence
            ))
        }
        if stream.payloadChanges > 0 {
            findings.append(Finding(
                .mediaPayloadChange, .info,
                "RTP \(label) changed payload type \(stream.payloadChanges) time(s) (payload types \(stream.payloadTypes.map(String.init).joined(separator: ", ")))",
                evidence: evidence
            ))
        }
        if stream.isSilent {
            findings.append(Finding(
                .mediaSilence, .warning,
                "RTP \(label) flows but carries silence (level \(Format.fixed(stream.levelDBov ?? -99, 0)) dBov): the sender "
                    + "transmits, but with its microphone muted, a wrong input, or a broken transcoder",
                evidence: evidence
            ))
        }
        return findings
    }
}
