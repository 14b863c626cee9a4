import SDP
import SIPAuth
import SIPMessages

/// The checks behind `siptool lint`: one raw SIP message in, a ``LintReport`` out. No I/O.
///
/// People paste messages from logs, so the input is taken as it usually arrives: leading blank
/// lines are skipped, bare LF line endings are accepted (and, when Content-Length only fits the
/// CRLF form the message had on the wire, converted back), and a missing blank line after the
/// headers is assumed. Each such repair is reported as an info finding, never hidden.
public enum Linter {
    /// Lints `input`. With `offer`, an SDP answer in the message is also checked against that offer
    /// (RFC 3264 §6).
    public static func lint(_ input: [UInt8], offer: SessionDescription? = nil) -> LintReport {
        var repairs: [LintFinding] = []
        let (trimmed, skippedLines) = Self.skipLeadingBlankLines(input)
        let hasCR = trimmed.contains(ASCIIByte.cr)
        let newline: [UInt8] = hasCR ? [ASCIIByte.cr, ASCIIByte.lf] : [ASCIIByte.lf]

        var candidate = trimmed
        var parsed: SIPDatagramParseResult
        do {
            parsed = try SIPDatagramParser.parse(candidate)
        } catch let error {
            if error.code == .truncatedMessage, !candidate.isEmpty, let repaired = try? SIPDatagramParser.parse(
                candidate + (candidate.last == ASCIIByte.lf ? newline : newline + newline)
            ) {
                candidate += candidate.last == ASCIIByte.lf ? newline : newline + newline
                parsed = repaired
                repairs.append(LintFinding(
                    .info, "lint.no-blank-line",
                    "the headers are not followed by a blank line (as pasted); lint assumed the message ends there"
                ))
            } else if error.code == .contentLengthExceedsData, !hasCR,
                let crlf = Optional(Self.convertingLFToCRLF(candidate)),
                let repaired = try? SIPDatagramParser.parse(crlf), repaired.trailingByteCount == 0
            {
                candidate = crlf
                parsed = repaired
                repairs.append(LintFinding(
                    .info, "lint.bare-lf",
                    "the message uses bare LF line endings (as pasted from a log); with CRLF, as on the wire, "
                        + "the body is \(repaired.message.body.count) bytes, which matches Content-Length"
                ))
            } else {
                var shifted = error
                shifted.line += skippedLines
                return LintReport(verdict: .unparseable, parseError: shifted, message: nil, findings: [], normalized: nil)
            }
        }

        let message = parsed.message
        var findings = repairs
        let bodyStartLine = Self.lineCount(candidate, upTo: candidate.count - parsed.trailingByteCount - message.body.count) + 1
        let context = Context(message: message, skippedLines: skippedLines, bodyStartLine: bodyStartLine + skippedLines)

        findings += Self.validationFindings(context)
        findings += Self.framingFindings(context, trailing: Array(candidate.suffix(parsed.trailingByteCount)))
        findings += Self.headerFindings(context)
        findings += Self.natFindings(context)
        findings += Self.authFindings(context)
        findings += Self.sdpFindings(context, offer: offer)

        // Stable order: by line (findings without a line after those with one), then as produced.
        let ordered = findings.enumerated().sorted { a, b in
            let la = a.element.line ?? Int.max
            let lb = b.element.line ?? Int.max
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)

        let verdict: LintReport.Verdict = ordered.contains { $0.severity == .error } ? .mustReject : .wellFormed
        return LintReport(
            verdict: verdict,
            parseError: nil,
            message: message,
            findings: ordered,
            normalized: message.serialized(normalizing: true)
        )
    }

    // MARK: - Input repairs

    /// What lint knows about the message while checking it.
    struct Context {
        var message: SIPMessage
        /// Blank lines skipped before the start line: added to every header line number.
        var skippedLines: Int
        /// The input line on which the body starts.
        var bodyStartLine: Int

        func line(_ headerLine: Int) -> Int? { headerLine > 0 ? headerLine + self.skippedLines : nil }

        func firstLine(of name: SIPHeaderName) -> Int? {
            self.message.headers.fields(named: name).first.flatMap { self.line($0.line) }
        }
    }

    static func skipLeadingBlankLines(_ input: [UInt8]) -> ([UInt8], Int) {
        var index = 0
        var lines = 0
        var lineStart = 0
        while index < input.count {
            let byte = input[index]
            if byte == ASCIIByte.lf {
                lines += 1
                lineStart = index + 1
            } else if byte != ASCIIByte.cr && byte != ASCIIByte.space && byte != ASCIIByte.tab {
                break
            }
            index += 1
        }
        return lineStart == 0 ? (input, 0) : (Array(input[lineStart...]), lines)
    }

    static func convertingLFToCRLF(_ input: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count + input.count / 16)
        for byte in input {
            if byte == ASCIIByte.lf { output.append(ASCIIByte.cr) }
            output.append(byte)
        }
        return output
    }

    static func lineCount(_ bytes: [UInt8], upTo end: Int) -> Int {
        var count = 0
        for index in 0..<max(0, min(end, bytes.count)) where bytes[index] == ASCIIByte.lf { count += 1 }
        return count
    }

    // MARK: - Checks

    static func validationFindings(_ context: Context) -> [LintFinding] {
        context.message.validate().map { issue in
            LintFinding(
                issue.severity == .reject ? .error : .warning,
                "sip." + issue.code,
                line: issue.line.flatMap(context.line),
                issue.reason
            )
        }
    }

    static func framingFindings(_ context: Context, trailing: [UInt8]) -> [LintFinding] {
        var findings: [LintFinding] = []
        let message = context.message
        if !trailing.isEmpty {
            let onlyWhitespace = trailing.allSatisfy {
                $0 == ASCIIByte.cr || $0 == ASCIIByte.lf || $0 == ASCIIByte.space || $0 == ASCIIByte.tab
            }
            if onlyWhitespace {
                findings.append(LintFinding(
                    .info, "lint.trailing-whitespace", line: context.firstLine(of: .contentLength),
                    "\(trailing.count) byte(s) of white space follow the body that Content-Length covers; ignored"
                ))
            } else {
                let declared = message.contentLength ?? 0
                findings.append(LintFinding(
                    .warning, "sip.content-length-short", line: context.firstLine(of: .contentLength),
                    "Content-Length says \(declared) bytes but \(declared + trailing.count) follow the blank line: "
                        + "on UDP the last \(trailing.count) are ignored (RFC 3261 §18.3), on TCP they are taken "
                        + "as the start of the next message",
                    hint: "set Content-Length to the body's real size in bytes (CRLF line endings count 2)"
                ))
            }
        }
        if message.headers.first(.contentLength) == nil {
            findings.append(LintFinding(
                message.body.isEmpty ? .info : .warning, "sip.no-content-length",
                message.body.isEmpty
                    ? "no Content-Length header: allowed on UDP, but mandatory on TCP and TLS (RFC 3261 §20.14)"
                    : "a \(message.body.count)-byte body without Content-Length: on TCP or TLS the receiver cannot "
                        + "tell where the body ends (RFC 3261 §18.3, §20.14)",
                hint: "add Content-Length: \(message.body.count)"
            ))
        }
        return findings
    }

    static func headerFindings(_ context: Context) -> [LintFinding] {
        var findings: [LintFinding] = []
        let message = context.message
        let headers = message.headers
        switch message {
        case .request(let request):
            if let from = message.from, from.tag == nil {
                findings.append(LintFinding(
                    .warning, "sip.missing-from-tag", line: context.firstLine(of: .from),
                    "the From header has no tag; RFC 3261 §8.1.1.3 requires one in every request, "
                        + "and without it the far end cannot build a dialog"
                ))
            }
            if let via = message.topVia, !via.hasMagicCookie {
                findings.append(LintFinding(
                    .warning, "sip.no-magic-cookie", line: context.firstLine(of: .via),
                    via.branch == nil
                        ? "the top Via has no branch parameter: the transaction cannot be matched (RFC 3261 §8.1.1.7)"
                        : "the top Via branch '\(via.branch ?? "")' does not start with z9hG4bK: the far end falls "
                            + "back to RFC 2543 transaction matching (RFC 3261 §8.1.1.7)"
                ))
            }
            let uri = request.requestURI
            if uri.isSIP, let user = uri.user, user.hasPrefix("+"), uri.parameter("user") == nil {
                findings.append(LintFinding(
                    .info, "sip.e164-without-user-phone", line: 1 + context.skippedLines,
                    "the Request-URI user '\(user)' looks like an E.164 number but has no ;user=phone; "
                        + "some carriers route it as a user name (RFC 3261 §19.1.6)"
                ))
            }
            if request.method == .register, let expires = headers.expires, expires == 0 {
                findings.append(LintFinding(
                    .info, "sip.unregister", line: context.firstLine(of: .expires),
                    "Expires: 0 on a REGISTER removes the binding (RFC 3261 §10.2.2)"
                ))
            }
        case .response(let response):
            let code = response.statusCode
            if code > 100, let to = message.to, to.tag == nil {
                findings.append(LintFinding(
                    .warning, "sip.missing-to-tag", line: context.firstLine(of: .to),
                    "a \(code) response without a To tag: RFC 3261 §8.2.6.2 requires the UAS to add one"
                ))
            }
            let required: [(Int, SIPHeaderName, String)] = [
                (401, .wwwAuthenticate, "RFC 3261 §21.4.2"),
                (407, .proxyAuthenticate, "RFC 3261 §21.4.8"),
                (405, .allow, "RFC 3261 §21.4.6"),
                (420, .unsupported, "RFC 3261 §21.4.15"),
            ]
            for (status, header, section) in required where code == status && !headers.contains(header) {
                findings.append(LintFinding(
                    .warning, "sip.missing-header", line: 1 + context.skippedLines,
                    "a \(code) response must carry \(header) (\(section)); the client cannot act on it without one"
                ))
            }
            if (300..<400).contains(code), !headers.contains(.contact) {
                findings.append(LintFinding(
                    .warning, "sip.redirect-without-contact", line: 1 + context.skippedLines,
                    "a \(code) redirect without Contact tells the client nowhere to go (RFC 3261 §21.3)"
                ))
            }
            if let received = message.topVia?.received {
                var text = "the server saw this request coming from \(received)"
                if case .value(let port) = message.topVia?.rport { text += ":\(port)" }
                findings.append(LintFinding(
                    .info, "nat.received", line: context.firstLine(of: .via),
                    text + " (Via received/rport, RFC 3581): that is your address as the far end sees it"
                ))
            }
        }
        return findings
    }

    static func natFindings(_ context: Context) -> [LintFinding] {
        var findings: [LintFinding] = []
        let message = context.message
        let viaFields = message.headers.fields(named: .via)
        if let topField = viaFields.first, let top = message.topVia, message.request != nil {
            let addressClass = IPAddressClassifier.classify(top.host)
            if addressClass.isNonRoutable && addressClass != .documentation {
                let sentBy = top.port.map { "\(top.hostForDisplay):\($0)" } ?? top.hostForDisplay
                if top.rport == .absent && top.received == nil {
                    findings.append(LintFinding(
                        .warning, "nat.private-via", line: context.line(topField.line),
                        "the top Via sent-by \(sentBy) is \(addressClass.withArticle) address and has no ;rport: if this "
                            + "request crosses NAT, responses go to an address the server cannot reach",
                        hint: "send requests with ;rport (RFC 3581) so the server answers to the packet's source address"
                    ))
                } else {
                    findings.append(LintFinding(
                        .info, "nat.private-via", line: context.line(topField.line),
                        "the top Via sent-by \(sentBy) is \(addressClass.withArticle) address; ;rport is present, so a server "
                            + "that follows RFC 3581 answers to the packet's real source address"
                    ))
                }
            }
        }
        for field in message.headers.fields(named: .contact) {
            guard let contacts = try? SIPHeaders([(field.name, field.value)]).nameAddresses(.contact) else { continue }
            for contact in contacts where contact.uri.isSIP {
                let addressClass = IPAddressClassifier.classify(contact.uri.host)
                guard addressClass.isNonRoutable && addressClass != .documentation else { continue }
                let target = contact.uri.hostPort
                let consequence: String
                if message.request?.method == .register {
                    consequence = "if the registrar does not fix up NAT, incoming calls are sent to \(target), "
                        + "which it cannot reach"
                } else {
                    consequence = "if this crosses NAT, the far end sends ACK, re-INVITE and BYE to \(target), which "
                        + "it cannot reach: calls connect and then drop after about 32 s when the ACK is lost"
                }
                findings.append(LintFinding(
                    .warning, "nat.private-contact", line: context.line(field.line),
                    "the Contact \(target) is \(addressClass.withArticle) address; " + consequence,
                    hint: "make the PBX advertise its public address (external address / NAT settings), "
                        + "or register through an SBC or with RFC 5626 outbound"
                ))
            }
        }
        return findings
    }

    static func authFindings(_ context: Context) -> [LintFinding] {
        var findings: [LintFinding] = []
        let message = context.message
        for name in [SIPHeaderName.authorization, .proxyAuthorization] {
            for field in message.headers.fields(named: name) {
                let line = context.line(field.line)
                do {
                    let credentials = try DigestCredentials.parse(field.value)
                    var text = "\(name): username '\(credentials.username)', realm '\(credentials.realm)', "
                        + "algorithm \(credentials.effectiveAlgorithm)"
                    if let qop = credentials.qop { text += ", qop \(qop)" }
                    findings.append(LintFinding(.info, "auth.credentials", line: line, text))
                    if let request = message.request, request.requestURI.raw != credentials.uri {
                        findings.append(LintFinding(
                            .warning, "auth.uri-mismatch", line: line,
                            "the digest uri '\(credentials.uri)' differs from the Request-URI '\(request.requestURI)'; "
                                + "servers that check it (RFC 3261 §22.4) reject the credentials"
                        ))
                    }
                } catch let error {
                    findings.append(LintFinding(
                        .warning, "auth.malformed-credentials", line: line, "\(name) cannot be read: \(error)"
                    ))
                }
            }
        }
        for name in [SIPHeaderName.wwwAuthenticate, .proxyAuthenticate] {
            for field in message.headers.fields(named: name) {
                let line = context.line(field.line)
                do {
                    let challenge = try DigestChallenge.parse(field.value)
                    var text = "\(name): realm '\(challenge.realm)', algorithm \(challenge.effectiveAlgorithm)"
                    if !challenge.qopOptions.isEmpty {
                        text += ", qop " + challenge.qopOptions.map { "\($0)" }.joined(separator: ",")
                    }
                    if challenge.isStale { text += ", stale=true (the old nonce expired; retry with the new one)" }
                    findings.append(LintFinding(.info, "auth.challenge", line: line, text))
                    if challenge.qopOptions.isEmpty {
                        findings.append(LintFinding(
                            .info, "auth.no-qop", line: line,
                            "the challenge offers no qop: clients answer in the RFC 2069 style, without cnonce or nc"
                        ))
                    }
                } catch let error {
                    findings.append(LintFinding(
                        .warning, "auth.malformed-challenge", line: line, "\(name) cannot be read: \(error)"
                    ))
                }
            }
        }
        return findings
    }

    static func sdpFindings(_ context: Context, offer: SessionDescription?) -> [LintFinding] {
        let message = context.message
        let bodies = message.sdpBodies()
        if bodies.isEmpty {
            if message.request?.method == .invite && message.body.isEmpty {
                return [LintFinding(
                    .info, "sdp.no-offer", line: nil,
                    "the INVITE carries no SDP: the far end makes the offer in its 200 OK and you answer in the ACK "
                        + "(RFC 3264 §4, a late offer); some trunks do not support that"
                )]
            }
            return []
        }
        // Line numbers can be mapped back only for a plain application/sdp body.
        let lineBase: Int? = bodies.count == 1 && message.contentType?.isSDP == true ? context.bodyStartLine - 1 : nil
        let isAnswer: Bool
        if let response = message.response {
            isAnswer = response.statusCode < 300
        } else {
            isAnswer = message.request?.method == .ack || message.request?.method == .prack
        }
        var findings: [LintFinding] = []
        for body in bodies {
            let result: SDPParseResult
            do {
                result = try SessionDescription.parseWithWarnings(body)
            } catch let error {
                findings.append(LintFinding(
                    .error, "sdp.malformed", line: lineBase.map { $0 + error.line },
                    "the SDP body cannot be parsed: \(error.reason)",
                    hint: "a UAS answers such an offer with 400 or 488"
                ))
                continue
            }
            for warning in result.warnings {
                findings.append(LintFinding(
                    .warning, "sdp.\(warning.code)", line: lineBase.flatMap { base in warning.line.map { base + $0 } }, warning.reason
                ))
            }
            findings += Self.sessionFindings(result.sessionDescription, isAnswer: isAnswer, lineBase: lineBase)
            if let offer, isAnswer {
                let negotiation = SDPNegotiation.evaluate(offer: offer, answer: result.sessionDescription)
                for problem in negotiation.problems {
                    findings.append(LintFinding(
                        problem.severity == .info ? .info : .warning, "sdp.\(problem.code)", line: nil,
                        problem.explanation
                    ))
                }
            }
        }
        return findings
    }

    static func sessionFindings(_ sdp: SessionDescription, isAnswer: Bool, lineBase: Int?) -> [LintFinding] {
        var findings: [LintFinding] = []
        let role = isAnswer ? "answer" : "offer"
        let audio = sdp.media.enumerated().filter { $0.element.mediaType == .audio }
        if audio.isEmpty && !sdp.media.isEmpty {
            findings.append(LintFinding(.info, "sdp.no-audio", "the SDP \(role) has no audio stream"))
        }
        for (index, media) in audio {
            let stream = sdp.media.count > 1 ? "audio stream \(index + 1)" : "the audio stream"
            if media.isRejected {
                findings.append(LintFinding(
                    isAnswer ? .warning : .info, "sdp.stream-rejected",
                    isAnswer
                        ? "the answer rejects \(stream) (port 0): no audio will flow (RFC 3264 §6)"
                        : "\(stream) is offered with port 0 (disabled)"
                ))
                continue
            }
            let codecs = media.mediaCodecs
            let names = media.codecs.map(\.name).joined(separator: ", ")
            if codecs.isEmpty {
                findings.append(LintFinding(
                    isAnswer ? .warning : .warning, "sdp.no-common-codec",
                    "the \(role) lists no audio codec for \(stream), only \(names.isEmpty ? "nothing" : names): "
                        + (isAnswer ? "no common codec, so no audio can flow" : "nothing to negotiate"),
                    hint: isAnswer ? "enable a codec the caller offered (PCMU/PCMA are universal)" : nil
                ))
            } else if isAnswer && codecs.count > 1 {
                findings.append(LintFinding(
                    .info, "sdp.several-codecs",
                    "the answer keeps \(codecs.count) codecs (\(codecs.map(\.name).joined(separator: ", "))); "
                        + "allowed by RFC 3264 §6.1, and the far end will send the first, \(codecs[0].name)"
                ))
            }
            if media.isRTP && media.telephoneEvents.isEmpty {
                findings.append(LintFinding(
                    isAnswer ? .warning : .info, "sdp.no-telephone-event",
                    "the \(role) has no telephone-event for \(stream): DTMF as RFC 4733 events will not work "
                        + "and the far end must fall back to in-band tones or SIP INFO",
                    hint: "enable RFC 2833/4733 DTMF (a=rtpmap:101 telephone-event/8000)"
                ))
            }
            let hasCrypto = media.attributes.contains { $0.name == "crypto" }
            if hasCrypto && !media.isSecureRTP {
                findings.append(LintFinding(
                    .warning, "sdp.crypto-on-avp",
                    "\(stream) carries a=crypto keys but its profile is \(media.proto), not RTP/SAVP: "
                        + "most peers ignore the keys and send plain RTP (RFC 4568 §3.1.1)"
                ))
            }
            if media.isSecureRTP && !hasCrypto && !media.attributes.contains(where: { $0.name == "fingerprint" })
                && !sdp.attributes.contains(where: { $0.name == "fingerprint" })
            {
                findings.append(LintFinding(
                    .warning, "sdp.srtp-without-keys",
                    "\(stream) uses \(media.proto) but has neither a=crypto nor a=fingerprint: no keys to encrypt with"
                ))
            }
            let direction = sdp.effectiveDirection(of: media)
            if direction != .sendrecv {
                findings.append(LintFinding(
                    .info, "sdp.direction",
                    "\(stream) is \(direction): audio flows " + Self.directionWords(direction)
                ))
            }
            for connection in sdp.effectiveConnections(of: media) {
                let addressClass = connection.addressClass
                if addressClass == .unspecified {
                    findings.append(LintFinding(
                        .info, "sdp.hold-address",
                        "\(stream) uses c=\(connection.address): the old RFC 2543 way of putting a call on hold"
                    ))
                } else if addressClass.isNonRoutable && addressClass != .documentation {
                    findings.append(LintFinding(
                        .warning, "nat.private-sdp-address",
                        "the \(role) asks for RTP at \(connection.address):\(media.port), \(addressClass.withArticle) address: "
                            + "if this crosses NAT, the far end sends audio where it cannot arrive (one-way audio) "
                            + "unless it uses symmetric RTP and sends to where your packets come from",
                        hint: "advertise the public address in SDP (PBX external media address / NAT settings), "
                            + "or use an SBC or media relay"
                    ))
                }
            }
        }
        return findings
    }

    static func directionWords(_ direction: SDPDirection) -> String {
        switch direction {
        case .sendonly: return "only from this side (a hold with music, or one-way by design)"
        case .recvonly: return "only towards this side"
        case .inactive: return "in neither direction (the call is on hold)"
        default: return "both ways"
        }
    }
}

/// The handful of ASCII bytes lint inspects.
enum ASCIIByte {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
}

extension SIPVia {
    /// The sent-by host as written in a URI or Via: IPv6 in brackets.
    var hostForDisplay: String { self.isIPv6 ? "[\(self.host)]" : self.host }
}
