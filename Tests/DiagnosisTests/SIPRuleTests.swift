import Diagnosis
import PacketDecoding
import SIPAuth
import SIPMessages
import Testing

/// A small builder for calls made of SIP messages, fed to the analyzer without any capture.
struct CallScript {
    var callID = "call-1@test"
    var caller = Endpoint("203.0.113.5:5060")!
    var callee = Endpoint("198.51.100.10:5060")!
    var analyzer = CaptureAnalyzer()
    var frame = 0
    var time: Int64 = 1_700_000_000_000_000_000

    init(password: String? = nil) {
        var options = AnalyzerOptions()
        options.candidatePassword = password
        self.analyzer = CaptureAnalyzer(options: options)
    }

    /// Sends `text` (header lines; CRLF and Content-Length added) after `afterMs`.
    mutating func send(_ lines: [String], body: String = "", from source: Endpoint? = nil, to destination: Endpoint? = nil, afterMs: Int64 = 10) {
        self.frame += 1
        self.time += afterMs * 1_000_000
        let crlfBody = body.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        let text = (lines + ["Call-ID: \(self.callID)", "Content-Length: \(crlfBody.utf8.count)"]).joined(separator: "\r\n") + "\r\n\r\n" + crlfBody
        let message = try! SIPDatagramParser.parse(Array(text.utf8)).message
        let isRequest = message.request != nil
        let src = source ?? (isRequest ? self.caller : self.callee)
        let dst = destination ?? (isRequest ? self.callee : self.caller)
        self.analyzer.ingest(SIPEvent(frame: self.frame, time: CaptureTime(nanosecondsSinceEpoch: self.time), source: src, destination: dst, transport: .udp, message: message))
    }

    mutating func report() -> CallReport {
        let result = self.analyzer.finish()
        #expect(result.calls.count == 1)
        return result.calls[0]
    }

    static func invite(cseq: Int = 1, branch: String = "z9hG4bK-1", extra: [String] = []) -> [String] {
        [
            "INVITE sip:+15550011234@198.51.100.10 SIP/2.0",
            "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=\(branch);rport",
            "Max-Forwards: 70",
            "From: \"Alice\" <sip:alice@example.com>;tag=a1",
            "To: <sip:+15550011234@198.51.100.10>",
            "CSeq: \(cseq) INVITE",
            "Contact: <sip:alice@203.0.113.5:5060>",
        ] + extra
    }

    static func response(_ status: String, cseq: Int = 1, method: String = "INVITE", branch: String = "z9hG4bK-1", toTag: String? = "b1", extra: [String] = []) -> [String] {
        [
            "SIP/2.0 \(status)",
            "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=\(branch);rport=5060;received=203.0.113.5",
            "From: \"Alice\" <sip:alice@example.com>;tag=a1",
            "To: <sip:+15550011234@198.51.100.10>" + (toTag.map { ";tag=\($0)" } ?? ""),
            "CSeq: \(cseq) \(method)",
        ] + extra
    }

    static let offer = """
        v=0
        o=- 1 1 IN IP4 203.0.113.5
        s=-
        c=IN IP4 203.0.113.5
        t=0 0
        m=audio 40000 RTP/AVP 0 8 101
        a=rtpmap:101 telephone-event/8000

        """
}

@Suite struct SIPRuleTests {
    func codes(_ report: CallReport) -> [String] { report.findings.map(\.code.rawValue) }

    @Test func answeredCallHasTimingsAndNoErrors() {
        var script = CallScript()
        script.send(CallScript.invite(extra: ["Content-Type: application/sdp"]), body: CallScript.offer)
        script.send(CallScript.response("100 Trying", toTag: nil), afterMs: 20)
        script.send(CallScript.response("180 Ringing"), afterMs: 1480)
        script.send(CallScript.response("200 OK", extra: ["Contact: <sip:b@198.51.100.10>"]), afterMs: 3000)
        script.send(["ACK sip:b@198.51.100.10 SIP/2.0", "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-2", "Max-Forwards: 70",
                     "From: <sip:alice@example.com>;tag=a1", "To: <sip:+15550011234@198.51.100.10>;tag=b1", "CSeq: 1 ACK"], afterMs: 30)
        script.send(["BYE sip:b@198.51.100.10 SIP/2.0", "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-3", "Max-Forwards: 70",
                     "From: <sip:alice@example.com>;tag=a1", "To: <sip:+15550011234@198.51.100.10>;tag=b1", "CSeq: 2 BYE"], afterMs: 10_000)
        script.send(CallScript.response("200 OK", cseq: 2, method: "BYE", branch: "z9hG4bK-3"), afterMs: 20)
        let report = script.report()
        #expect(report.summary.finalStatus == 200)
        #expect(report.summary.postDialDelayMs == 1500)
        #expect(report.summary.timeToAnswerMs == 4500)
        #expect(report.summary.setupTimeMs == 4530)
        #expect(report.summary.durationMs == 10_030)
        #expect(report.summary.ending == .byeFromCaller)
        #expect(report.summary.callerName == "Alice")
        #expect(!report.findings.contains { $0.severity == .error }, "\(report.findings)")
    }

    /// A proxy and both ends on one host (Kamailio and SIPp on loopback): the callee's 180 and 200
    /// to the proxy share the caller's address, but the timings are those of the responses the
    /// caller got, and the call is seen on two hops.
    @Test func timingsThroughAProxyOnTheSameHostAreTheCallersLeg() {
        var script = CallScript()
        let caller = Endpoint("127.0.0.1:5081")!, proxy = Endpoint("127.0.0.1:5080")!, callee = Endpoint("127.0.0.1:5082")!
        func relayed(_ lines: [String]) -> [String] { [lines[0], "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-p1"] + lines.dropFirst() }
        script.send(CallScript.invite(), from: caller, to: proxy)
        script.send(relayed(CallScript.invite()), from: proxy, to: callee, afterMs: 10)
        script.send(relayed(CallScript.response("180 Ringing")), from: callee, to: proxy, afterMs: 100)
        script.send(CallScript.response("180 Ringing"), from: proxy, to: caller, afterMs: 5)
        script.send(relayed(CallScript.response("200 OK")), from: callee, to: proxy, afterMs: 1000)
        script.send(CallScript.response("200 OK"), from: proxy, to: caller, afterMs: 5)
        let summary = script.report().summary
        #expect(summary.postDialDelayMs == 115)
        #expect(summary.timeToAnswerMs == 1120)
        #expect(summary.finalStatus == 200)
        #expect(summary.hops == 2)
    }

    @Test func inviteWithoutAnyResponseIsSilentlyDropped() {
        var script = CallScript()
        for delay in [0, 500, 1000, 2000, 4000] as [Int64] {
            script.send(CallScript.invite(), afterMs: delay)
        }
        let report = script.report()
        let finding = report.findings.first { $0.code == .txnNoResponse }
        #expect(finding?.severity == .error)
        #expect(finding?.summary.contains("5 time(s)") == true)
        #expect(finding?.summary.contains("198.51.100.10:5060") == true)
        #expect(report.summary.retransmissions == 4)
        #expect(report.summary.ending == .noFinalResponse)
    }

    @Test func okRetransmittedWithoutACKThenBYEAfter32Seconds() {
        var script = CallScript()
        script.send(CallScript.invite())
        script.send(CallScript.response("180 Ringing"), afterMs: 100)
        script.send(CallScript.response("200 OK", extra: ["Contact: <sip:b@10.0.0.7:5060>"]), afterMs: 1000)
        for delay in [500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000] as [Int64] {
            script.send(CallScript.response("200 OK", extra: ["Contact: <sip:b@10.0.0.7:5060>"]), afterMs: delay)
        }
        script.send(["BYE sip:alice@203.0.113.5:5060 SIP/2.0", "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK-9", "Max-Forwards: 70",
                     "From: <sip:+15550011234@198.51.100.10>;tag=b1", "To: <sip:alice@example.com>;tag=a1", "CSeq: 1 BYE"],
                    from: script.callee, to: script.caller, afterMs: 500)
        let report = script.report()
        let finding = report.findings.first { $0.code == .txnNoACK }
        #expect(finding?.severity == .error)
        #expect(finding?.summary.contains("11 times") == true)
        #expect(finding?.summary.contains("32.") == true)
        #expect(finding?.evidence.contains { $0.label == "Contact" && $0.value.contains("10.0.0.7") } == true)
        #expect(report.summary.ending == .byeFromCallee)
    }

    /// Two ends on one host (SIPp on loopback): the BYE's From tag, not its address, says who hung up.
    @Test func byeFromCalleeOnTheSameHostIsTheCallee() {
        for byCallee in [true, false] {
            var script = CallScript()
            script.caller = Endpoint("127.0.0.1:5091")!
            script.callee = Endpoint("127.0.0.1:5090")!
            script.send(CallScript.invite())
            script.send(CallScript.response("200 OK"), afterMs: 100)
            script.send(["ACK sip:b@127.0.0.1:5090 SIP/2.0", "Via: SIP/2.0/UDP 127.0.0.1:5091;branch=z9hG4bK-2", "Max-Forwards: 70",
                         "From: <sip:alice@example.com>;tag=a1", "To: <sip:+15550011234@198.51.100.10>;tag=b1", "CSeq: 1 ACK"], afterMs: 10)
            if byCallee {
                script.send(["BYE sip:alice@127.0.0.1:5091 SIP/2.0", "Via: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK-9", "Max-Forwards: 70",
                             "From: <sip:+15550011234@198.51.100.10>;tag=b1", "To: <sip:alice@example.com>;tag=a1", "CSeq: 1 BYE"],
                            from: script.callee, to: script.caller, afterMs: 1000)
            } else {
                script.send(["BYE sip:b@127.0.0.1:5090 SIP/2.0", "Via: SIP/2.0/UDP 127.0.0.1:5091;branch=z9hG4bK-9", "Max-Forwards: 70",
                             "From: <sip:alice@example.com>;tag=a1", "To: <sip:+15550011234@198.51.100.10>;tag=b1", "CSeq: 2 BYE"], afterMs: 1000)
            }
            #expect(script.report().summary.ending == (byCallee ? .byeFromCallee : .byeFromCaller))
        }
    }

    static func challengeFlow(
        password: String?, sentPassword: String, second: String = "407 Proxy Authentication Required",
        digestURI: String = "sip:+15550011234@198.51.100.10"
    ) -> CallReport {
        var script = CallScript(password: password)
        let challenge = #"Proxy-Authenticate: Digest realm="sip.example.com", nonce="abc123", qop="auth", algorithm=MD5"#
        script.send(CallScript.invite())
        script.send(CallScript.response("407 Proxy Authentication Required", extra: [challenge]), afterMs: 30)
        let parsed = try! DigestChallenge.parse(String(challenge.dropFirst("Proxy-Authenticate: ".count)))
        let credentials = try! DigestClient.authorization(
            for: parsed, method: "INVITE", uri: digestURI, username: "1001", password: sentPassword,
            cnonce: "0a4f113b", nonceCount: 1
        )
        script.send(CallScript.invite(cseq: 2, branch: "z9hG4bK-2", extra: ["Proxy-Authorization: \(credentials.headerValue)"]), afterMs: 40)
        script.send(CallScript.response(second, cseq: 2, branch: "z9hG4bK-2", extra: second.hasPrefix("407") ? [challenge] : ["Warning: 399 sip.example.com \"Destination blocked\""]), afterMs: 30)
        return script.report()
    }

    @Test func secondChallengeMeansCredentialsRejected() {
        let report = Self.challengeFlow(password: nil, sentPassword: "wrong")
        let finding = report.findings.first { $0.code == .authCredentialsRejected }
        #expect(finding?.summary.contains("'1001'") == true)
        #expect(finding?.summary.contains("sip.example.com") == true)
        #expect(finding?.summary.contains("dashboard") == true)
        #expect(report.summary.authenticationRounds == 1)
    }

    @Test func candidatePasswordTellsWrongPasswordFromWrongUsername() {
        let wrong = Self.challengeFlow(password: "right", sentPassword: "wrong")
        #expect(wrong.findings.contains { $0.code == .authWrongPassword })
        let right = Self.challengeFlow(password: "right", sentPassword: "right")
        #expect(right.findings.contains { $0.code == .authPasswordCorrect && $0.summary.contains("username") })
        // The password is never echoed.
        for finding in wrong.findings + right.findings {
            #expect(!finding.summary.contains("right") || finding.summary.contains("password is right"))
            #expect(!(finding.fix ?? "").contains("wrong\""))
        }
    }

    /// SIPp puts sip:host:port in the digest uri, not the Request-URI; Kamailio accepts that, so
    /// with a matching password the uri is a warning, not "the reason the server refused".
    @Test func digestURIOtherThanRequestURIIsNotGivenAsTheRefusalReason() {
        let report = Self.challengeFlow(password: "right", sentPassword: "right", digestURI: "sip:198.51.100.10:5060")
        let correct = report.findings.first { $0.code == .authPasswordCorrect }
        #expect(correct?.summary.contains("username '1001'") == true)
        #expect(correct?.summary.contains("digest uri") == false)
        let mismatch = report.findings.first { $0.code == .authURIMismatch }
        #expect(mismatch?.severity == .warning)
        #expect(mismatch?.summary.contains("'sip:198.51.100.10:5060'") == true)
    }

    @Test func credentialsForAnotherRealmPointAtTheRealm() {
        var script = CallScript(password: nil)
        let challenge = #"Proxy-Authenticate: Digest realm="sip.example.com", nonce="abc123", algorithm=MD5"#
        let credentials = #"Proxy-Authorization: Digest username="1001", realm="old.example.net", nonce="abc123", uri="sip:+15550011234@198.51.100.10", response="0123456789abcdef0123456789abcdef""#
        script.send(CallScript.invite())
        script.send(CallScript.response("407 Proxy Authentication Required", extra: [challenge]), afterMs: 30)
        script.send(CallScript.invite(cseq: 2, branch: "z9hG4bK-2", extra: [credentials]), afterMs: 40)
        script.send(CallScript.response("407 Proxy Authentication Required", cseq: 2, branch: "z9hG4bK-2", extra: [challenge]), afterMs: 30)
        let report = script.report()
        #expect(report.findings.first { $0.code == .authRealmMismatch }?.summary.contains("'old.example.net'") == true)
        let rejected = report.findings.first { $0.code == .authCredentialsRejected }
        #expect(rejected?.summary.contains("auth.realm-mismatch") == true)
        #expect(rejected?.summary.contains("dashboard") == false)
    }

    @Test func forbiddenAfterAuthenticationQuotesReasonAndWarning() {
        let report = Self.challengeFlow(password: nil, sentPassword: "pw", second: "403 Forbidden")
        let finding = report.findings.first { $0.code == .authForbiddenAfterAuth }
        #expect(finding?.summary.contains("Destination blocked") == true)
        #expect(finding?.summary.contains("'1001'") == true)
    }

    @Test func codecRejectionNamesBothLists() {
        var script = CallScript()
        script.send(CallScript.invite(extra: ["Content-Type: application/sdp"]), body: CallScript.offer)
        script.send(CallScript.response("488 Not Acceptable Here", extra: ["Warning: 304 carrier \"Incompatible media format\""]), afterMs: 40)
        let report = script.report()
        let finding = report.findings.first { $0.code == .sdpNoCommonCodec }
        #expect(finding?.summary.contains("PCMU, PCMA, telephone-event") == true, "\(report.findings)")
        #expect(finding?.summary.contains("Incompatible media format") == true)
        #expect(report.summary.ending == .rejected)
    }

    @Test func busyIsExplainedAsAWarning() {
        var script = CallScript()
        script.send(CallScript.invite())
        script.send(CallScript.response("486 Busy Here"), afterMs: 40)
        let report = script.report()
        let finding = report.findings.first { $0.code == .callRejected }
        #expect(finding?.severity == .warning)
        #expect(finding?.summary.contains("busy") == true)
    }

    @Test func privateContactFromPublicSourceIsNAT() {
        var script = CallScript()
        var invite = CallScript.invite(extra: ["Content-Type: application/sdp"])
        invite[6] = "Contact: <sip:alice@192.168.1.20:5060>"
        script.send(invite, body: CallScript.offer.replacingFirst("c=IN IP4 203.0.113.5", with: "c=IN IP4 192.168.1.20"))
        script.send(CallScript.response("486 Busy Here"), afterMs: 40)
        let report = script.report()
        #expect(report.findings.contains { $0.code == .natPrivateSignallingAddress && $0.summary.contains("192.168.1.20 in Contact") })
        #expect(report.findings.contains { $0.code == .natPrivateSDPAddress })
    }

    @Test func cancelledCallIsInfo() {
        var script = CallScript()
        script.send(CallScript.invite())
        script.send(CallScript.response("180 Ringing"), afterMs: 40)
        script.send(["CANCEL sip:+15550011234@198.51.100.10 SIP/2.0", "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-1", "Max-Forwards: 70",
                     "From: \"Alice\" <sip:alice@example.com>;tag=a1", "To: <sip:+15550011234@198.51.100.10>", "CSeq: 1 CANCEL"], afterMs: 5000)
        script.send(CallScript.response("200 OK", method: "CANCEL", toTag: nil), afterMs: 20)
        script.send(CallScript.response("487 Request Terminated"), afterMs: 5)
        let report = script.report()
        #expect(report.summary.ending == .cancelled)
        let cancelled = report.findings.first { $0.code == .callCancelled }
        #expect(cancelled?.severity == .info)
        // It rang from the 180 to the CANCEL 5 s later (not the 40 ms post-dial delay), and the caller sent it.
        #expect(cancelled?.summary.contains("ringing for 5.00 s") == true, "\(cancelled?.summary ?? "")")
        #expect(cancelled?.summary.contains("caller (203.0.113.5:5060)") == true)
        #expect(!report.findings.contains { $0.severity == .error })
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = self.firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
