import PacketDecoding
import SDP
import SIPMessages

/// NAT in the signalling: private or shared addresses in Via, Contact or SDP while the packets come
/// from a public address; what Via received/rport reveal; signs of a SIP ALG rewriting messages.
enum NATRules {
    static func evaluate(_ call: CallRecord, context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        var reported = Set<String>()
        for event in call.events where !event.isRetransmission {
            let sourceClass = IPAddressClassifier.classify(event.source.address.description)
            guard !sourceClass.isNonRoutable || sourceClass == .documentation else { continue }
            var places: [(String, String)] = []  // (where, address)
            if event.isRequest, let via = event.topVia {
                places.append(("Via", via.host))
            }
            if let contacts = event.message.headers.contacts {
                for contact in contacts where contact.uri.isSIP { places.append(("Contact", contact.uri.host)) }
            }
            let sdps = call.sessionDescriptions.filter { call.events[$0.eventIndex].frame == event.frame }
            for entry in sdps {
                for address in entry.sdp.connectionAddresses() { places.append(("SDP c=", address.connection.address)) }
            }
            for (place, address) in places {
                let addressClass = IPAddressClassifier.classify(address)
                guard addressClass.isNonRoutable, addressClass != .documentation, addressClass != .unspecified,
                    addressClass != .loopback
                else { continue }
                let key = "\(event.source.address) \(place) \(address)"
                guard reported.insert(key).inserted else { continue }
                let isSDP = place.hasPrefix("SDP")
                let consequence = isSDP
                    ? "the far end will send RTP to \(address), which it cannot reach: one-way or no audio, unless it "
                        + "sends to where the RTP really comes from (symmetric RTP)"
                    : place == "Contact"
                        ? "requests inside the call (ACK, re-INVITE, BYE) are sent to \(address) and get lost unless "
                            + "the far end fixes up NAT: the classic call that drops after 32 s"
                        : "responses go to \(address) unless the server honours rport (RFC 3581)"
                findings.append(Finding(
                    isSDP ? .natPrivateSDPAddress : .natPrivateSignallingAddress, .warning,
                    "\(event.label) from \(event.source.address) (a public address) carries the \(addressClass) "
                        + "address \(address) in \(place): the sender is behind NAT and does not know it; " + consequence,
                    fix: "configure the sender's NAT settings (external/public address for SIP and media), use an SBC, "
                        + "or have the far end apply NAT fix-ups (rport, symmetric RTP, Contact rewriting)",
                    evidence: [context.evidence(event, "\(place): \(address)")]
                ))
            }
        }
        // Via received/rport on responses: the public address the server saw.
        if let response = call.events.first(where: { $0.statusCode != nil && $0.topVia?.received != nil }),
            let via = response.topVia, let received = via.received
        {
            var seen = received
            var portDiffers = false
            if case .value(let port) = via.rport {
                seen += ":\(port)"
                portDiffers = port != (via.port ?? 5060)
            }
            if received != via.host || portDiffers {
                findings.append(Finding(
                    .natReceived, .info,
                    "the server saw the requests coming from \(seen) while the client wrote \(via.host)"
                        + (via.port.map { ":\($0)" } ?? "") + " in its Via (received/rport, RFC 3581)",
                    evidence: [context.evidence(response, "Via received=\(received)")]
                ))
            }
        }
        findings += Self.algSigns(call, context: context)
        return findings
    }

    /// A SIP ALG rewrites addresses in messages as they cross a NAT box. Two signs show in captures:
    /// the same request seen on both sides of a hop with rewritten Contact/SDP but the same Via branch
    /// and Via count (no proxy in between), and a body whose length no longer matches Content-Length.
    static func algSigns(_ call: CallRecord, context: RuleContext) -> [Finding] {
        var findings: [Finding] = []
        for event in call.events where event.trailingBytes > 0 && !event.isRetransmission {
            findings.append(Finding(
                .natSIPALG, .warning,
                "\(event.label) from \(event.source) has \(event.trailingBytes) byte(s) after the body that "
                    + "Content-Length does not cover: something changed the body without fixing Content-Length, "
                    + "typically a SIP ALG in a router rewriting addresses",
                fix: "disable the SIP ALG (often called 'SIP helper' or 'SIP transformations') on the router or firewall",
                evidence: [context.evidence(event, "Content-Length \(event.message.contentLength ?? 0), "
                    + "\(event.message.body.count + event.trailingBytes) bytes follow")]
            ))
            break
        }
        var byKey: [String: SIPEvent] = [:]
        for event in call.events where event.isRequest && !event.isRetransmission {
            guard let branch = event.topVia?.branch, let cseq = event.message.cseq else { continue }
            let key = "\(branch) \(cseq)"
            guard let earlier = byKey[key] else {
                byKey[key] = event
                continue
            }
            guard earlier.source != event.source || earlier.destination != event.destination else { continue }
            let viaCount = { (e: SIPEvent) in e.message.headers.values(.via).count }
            guard viaCount(earlier) == viaCount(event) else { continue }
            let contactBefore = earlier.message.headers.first(.contact) ?? ""
            let contactAfter = event.message.headers.first(.contact) ?? ""
            if contactBefore != contactAfter {
                findings.append(Finding(
                    .natSIPALG, .warning,
                    "the same \(event.label) (branch \(branch)) was seen twice with the same Via but a different "
                        + "Contact: a device between the two capture points rewrote it without acting as a proxy, "
                        + "which is what a SIP ALG does",
                    fix: "disable the SIP ALG on the router or firewall between \(earlier.source.address) and \(event.destination.address)",
                    evidence: [
                        context.evidence(earlier, "Contact: \(contactBefore)"),
                        context.evidence(event, "Contact: \(contactAfter)"),
                    ]
                ))
                break
            }
        }
        return findings
    }
}
