import Foundation
import SiptoolCLI
import Testing

/// `siptool diagnose` on captures of real calls through Kamailio 5.6 acting as a
/// digest-authenticating proxy (scenarios/kamailio/auth-proxy.cfg, users in an htable, no
/// database): SIPp calls through it (scenarios/sipp/kam-*.xml), a second SIPp answers behind it,
/// tcpdump captures everything on lo, and each test injects one authentication or policy fault.
///
/// Ports: the proxy listens on 127.0.0.1:5080 (UDP and TCP), the caller uses 5081, the callee
/// 5082, the readiness probe 5089; RTP ports announced in SDP are 16100 and 16110.
/// Every process is time-bounded and stopped by PID.
@Suite(.serialized) struct KamailioInteropTests {
    static let proxy = "127.0.0.1:5080"
    static let callerPort = 5081
    static let calleePort = 5082
    static let probePort: UInt16 = 5089
    static let realm = "siptool.test"

    struct Peers {
        var sipp: String
        var kamailio: String
    }

    func requirePeers() -> Peers? {
        guard let sipp = InteropTests.tool("sipp"), let kamailio = InteropTests.tool("kamailio"),
            InteropTests.tool("tcpdump") != nil, getuid() == 0
        else {
            print("SKIPPED: Kamailio interop tests need kamailio, sipp and tcpdump (scripts/install-deps.sh test) and root to capture on lo")
            return nil
        }
        return Peers(sipp: sipp, kamailio: kamailio)
    }

    /// Runs Kamailio with auth-proxy.cfg in the foreground (its run and work directories in a
    /// fresh temporary directory, at most 60 s through `timeout`), waits until it answers an
    /// OPTIONS, runs `body`, and stops it by PID.
    static func withProxy<T>(_ peers: Peers, name: String, defines: [String] = [], _ body: () throws -> T) throws -> T {
        let directory = "/tmp/siptool-kam-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for folder in ["run", "work"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + folder, withIntermediateDirectories: true)
        }
        var command = [
            peers.kamailio, "-DD", "-E", "-f", SourceTree.root + "/scenarios/kamailio/auth-proxy.cfg",
            "-Y", directory + "/run", "-w", directory + "/work",
            "-l", "udp:\(Self.proxy)", "-l", "tcp:\(Self.proxy)",
            "-A", "REALM=\"\(Self.realm)\"", "-A", "CALLEE=\"sip:127.0.0.1:\(Self.calleePort)\"",
        ] + defines.flatMap { ["-A", $0] }
        if let timeout = InteropTests.tool("timeout") { command = [timeout, "60"] + command }
        let log = "/tmp/siptool-kam-\(name).log"
        let kamailio = try InteropTests.start(command, log: log)
        defer { kamailio.stop(SIGTERM, seconds: 5) }
        let ready = Self.waitForOptionsAnswer(seconds: 8)
        try #require(ready, "Kamailio did not answer OPTIONS; see \(log)")
        return try body()
    }

    /// Sends an OPTIONS to the proxy over UDP every 200 ms until a 200 comes back, at most
    /// `seconds`; true when the proxy answered.
    static func waitForOptionsAnswer(seconds: Double) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        func address(_ port: UInt16) -> sockaddr_in {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return address
        }
        var local = address(Self.probePort)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return false }
        var remote = address(5080)
        let deadline = Date().addingTimeInterval(seconds)
        var attempt = 0
        while Date() < deadline && attempt < 100 {
            attempt += 1
            let request = "OPTIONS sip:\(Self.proxy) SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:\(Self.probePort);branch=z9hG4bK-probe-\(getpid())-\(attempt);rport\r\n"
                + "From: <sip:probe@127.0.0.1:\(Self.probePort)>;tag=probe\(attempt)\r\n"
                + "To: <sip:\(Self.proxy)>\r\nCall-ID: probe-\(getpid())-\(attempt)@127.0.0.1\r\n"
                + "CSeq: \(attempt) OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            let bytes = Array(request.utf8)
            _ = withUnsafePointer(to: &remote) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            var buffer = [UInt8](repeating: 0, count: 2048)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0, String(decoding: buffer[0..<count], as: UTF8.self).hasPrefix("SIP/2.0 200") { return true }
            if count <= 0 { usleep(50_000) }
        }
        return false
    }

    /// One call attempt from the SIPp caller through the proxy.
    struct CallAttempt {
        var name: String
        var username = "1001"
        var password = "s3cret-1001"
        var number = "+15550011234"
        /// SIPp's transport mode: u1 (UDP) or t1 (TCP).
        var transport = "u1"
        var scenario = "kam-uac-auth.xml"
        var extraArguments: [String] = []
        /// Start the callee behind the proxy (only calls that get through need it).
        var answered = false
        /// Have the proxy copy every message as HEP3 to ``hepPort`` and capture only those copies.
        var hep = false
    }

    /// Where the proxy sends its HEP3 copies (nothing listens: the capture is the collector).
    static let hepPort = 5088

    /// Starts the proxy, captures the attempt on lo (ports 5080-5089) and returns the pcap path,
    /// or nil when tcpdump is missing.
    static func capture(_ attempt: CallAttempt, peers: Peers) throws -> String? {
        let defines = attempt.hep ? ["WITH_HEP", "HEP_COLLECTOR=\"sip:127.0.0.1:\(Self.hepPort)\""] : []
        let filter = attempt.hep ? "udp dst port \(Self.hepPort)" : "portrange 5080-5089"
        return try Self.withProxy(peers, name: attempt.name, defines: defines) {
            try InteropTests.capture(filter: filter, name: "kam-\(attempt.name)") {
                var callee: InteropTests.Child?
                if attempt.answered {
                    callee = try InteropTests.start(
                        [peers.sipp, "-sf", SourceTree.root + "/scenarios/sipp/kam-uas.xml", "-i", "127.0.0.1",
                         "-p", "\(Self.calleePort)", "-mp", "16110", "-m", "1", "-nostdin"],
                        log: "/tmp/siptool-kam-\(attempt.name)-uas.log")
                    usleep(300_000)
                }
                let caller = try InteropTests.start(
                    [peers.sipp, "-sf", SourceTree.root + "/scenarios/sipp/" + attempt.scenario, Self.proxy,
                     "-i", "127.0.0.1", "-p", "\(Self.callerPort)", "-mp", "16100", "-t", attempt.transport,
                     "-m", "1", "-nostdin", "-timeout", "10s", "-s", attempt.number, "-key", "caller", attempt.username,
                     "-au", attempt.username, "-ap", attempt.password] + attempt.extraArguments,
                    log: "/tmp/siptool-kam-\(attempt.name)-uac.log")
                caller.wait(seconds: 15)
                callee?.stop(SIGTERM, seconds: 5)
            }
        }
    }

    /// `siptool diagnose --json` on `path`, with `password` in `--password-env` when given; the
    /// output must never contain the password.
    static func diagnose(_ path: String, password: String? = nil) throws -> [String: Any] {
        guard let password else { return try InteropTests.diagnose(path) }
        let run = Run(["diagnose", "--password-env", "SIPTOOL_KAM_PW", "--json", path], environment: ["SIPTOOL_KAM_PW": password])
        #expect(!run.stdout.contains(password) && !run.stderr.contains(password), "the password must never be printed")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
    }

    static func call(_ json: [String: Any]) throws -> [String: Any] {
        try #require(InteropTests.calls(json).first { $0["kind"] as? String == "call" })
    }

    static func finding(_ code: String, in call: [String: Any]) -> [String: Any]? {
        (call["findings"] as? [[String: Any]])?.first { $0["code"] as? String == code }
    }

    static func errors(_ call: [String: Any]) -> [String] {
        (call["findings"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "error" }.compactMap { $0["code"] as? String }
    }

    /// Everything a finding says, summary and evidence, as one string for `contains` checks.
    static func text(_ finding: [String: Any]?) -> String {
        guard let finding else { return "" }
        let evidence = (finding["evidence"] as? [[String: Any]] ?? []).map { $0.values.map { "\($0)" }.joined(separator: " ") }
        return ([finding["summary"] as? String ?? ""] + evidence).joined(separator: "\n")
    }

    // MARK: - Faults

    /// The right password: the call is challenged once, answered behind the proxy and hung up by
    /// the caller; nothing is an error. With the right password as the candidate, no finding
    /// blames the password (diagnose only recomputes digests of rejected credentials).
    @Test func rightPasswordCallIsAnsweredThroughTheProxy() throws {
        guard let peers = self.requirePeers() else { return }
        guard let path = try Self.capture(CallAttempt(name: "ok", answered: true), peers: peers) else { return }
        defer { unlink(path) }
        for password in [nil, "s3cret-1001"] {
            let call = try Self.call(try Self.diagnose(path, password: password))
            #expect(call["final_status"] as? Int == 200)
            #expect(call["ending"] as? String == "BYE from caller")
            #expect(call["authentication_rounds"] as? Int == 1)
            #expect(call["transport"] as? String == "UDP")
            #expect(call["caller"] as? String == "127.0.0.1:\(Self.callerPort)")
            #expect(call["callee"] as? String == Self.proxy)
            // Caller to proxy, proxy to callee: the authenticated INVITE went through both.
            #expect(call["hops"] as? Int == 2)
            // The answer time is that of the 200 the caller got, not of the callee's 200 to the
            // proxy (same address on loopback, other port).
            let events = call["sip"] as? [[String: Any]] ?? []
            let invite = events.first { $0["label"] as? String == "INVITE" }?["time_s"] as? Double
            let answer = events.first {
                $0["label"] as? String == "200 OK (INVITE)" && $0["destination"] as? String == "127.0.0.1:\(Self.callerPort)"
            }?["time_s"] as? Double
            let expected = try #require(answer.flatMap { a in invite.map { (a - $0) * 1000 } })
            #expect(abs((call["time_to_answer_ms"] as? Double ?? -1) - expected) < 0.01)
            #expect(Self.errors(call).isEmpty, "\(InteropTests.codes(call))")
            #expect(Self.finding("auth.wrong-password", in: call) == nil)
            #expect(Self.finding("auth.credentials-rejected", in: call) == nil)
        }
    }

    /// A wrong password: Kamailio (pv_proxy_authenticate returns -2) challenges again. Diagnose
    /// names the username and realm used; given the password SIPp really sent it says the digest
    /// matches it, and given the password Kamailio expects it says the password was wrong.
    @Test func wrongPasswordIsChallengedAgainAndRecognised() throws {
        guard let peers = self.requirePeers() else { return }
        let used = "not-the-real-one"
        guard let path = try Self.capture(CallAttempt(name: "wrongpw", password: used), peers: peers) else { return }
        defer { unlink(path) }
        let call = try Self.call(try Self.diagnose(path))
        #expect(call["final_status"] as? Int == 407)
        let rejected = Self.finding("auth.credentials-rejected", in: call)
        #expect(rejected?["severity"] as? String == "error", "\(InteropTests.codes(call))")
        #expect(Self.text(rejected).contains("username '1001'"))
        #expect(Self.text(rejected).contains("realm '\(Self.realm)'"))

        let withUsed = try Self.call(try Self.diagnose(path, password: used))
        let correct = Self.finding("auth.password-correct", in: withUsed)
        #expect(correct != nil, "\(InteropTests.codes(withUsed))")
        #expect(Self.finding("auth.wrong-password", in: withUsed) == nil)
        // SIPp's digest uri is sip:127.0.0.1:5080, not the Request-URI; Kamailio accepts that
        // (the answered call above uses the same form), so it must not be given as the reason.
        #expect(!Self.text(correct).contains("refused because the digest uri"), "\(Self.text(correct))")
        #expect(Self.text(correct).contains("'1001'"))

        let withExpected = try Self.call(try Self.diagnose(path, password: "s3cret-1001"))
        #expect(Self.finding("auth.wrong-password", in: withExpected) != nil, "\(InteropTests.codes(withExpected))")
        #expect(Self.finding("auth.password-correct", in: withExpected) == nil)
    }

    /// A username the proxy does not know: refused with "403 Forbidden - unknown user", as
    /// carriers do, instead of another challenge. Diagnose quotes the reason and names the user.
    @Test func unknownUserIsRefusedWith403() throws {
        guard let peers = self.requirePeers() else { return }
        guard let path = try Self.capture(CallAttempt(name: "unknown", username: "1099", password: "whatever-1099"), peers: peers) else { return }
        defer { unlink(path) }
        let call = try Self.call(try Self.diagnose(path))
        #expect(call["final_status"] as? Int == 403)
        #expect(call["final_reason"] as? String == "Forbidden - unknown user")
        let finding = Self.finding("auth.credentials-rejected", in: call) ?? Self.finding("auth.forbidden-after-auth", in: call)
        #expect(finding?["severity"] as? String == "error", "\(InteropTests.codes(call))")
        #expect(Self.text(finding).contains("Forbidden - unknown user"))
        #expect(Self.text(finding).contains("'1099'"))
    }

    /// A client whose realm is fixed in its configuration (a PBX trunk's "realm" or "auth domain"
    /// field left at an old provider's value) answers the 407 for realm siptool.test with
    /// credentials for old-provider.example. Kamailio finds no credentials for its realm
    /// (pv_proxy_authenticate returns -5) and challenges again.
    @Test func credentialsForAnotherRealmAreAMismatch() throws {
        guard let peers = self.requirePeers() else { return }
        let attempt = CallAttempt(name: "realm", scenario: "kam-uac-wrong-realm.xml", extraArguments: ["-key", "realm", "old-provider.example"])
        guard let path = try Self.capture(attempt, peers: peers) else { return }
        defer { unlink(path) }
        let call = try Self.call(try Self.diagnose(path))
        #expect(call["final_status"] as? Int == 407)
        let mismatch = Self.finding("auth.realm-mismatch", in: call)
        #expect(mismatch?["severity"] as? String == "error", "\(InteropTests.codes(call))")
        #expect(Self.text(mismatch).contains("'old-provider.example'"))
        #expect(Self.text(mismatch).contains("'\(Self.realm)'"))
    }

    /// A blocked destination: the login is accepted, then the proxy's policy refuses +88 numbers
    /// with "403 Destination blocked" and a Warning header. Diagnose reports a 403 after
    /// authentication (policy, not the password), quoting the reason and the Warning.
    @Test func blockedPrefixIsForbiddenAfterAuthentication() throws {
        guard let peers = self.requirePeers() else { return }
        guard let path = try Self.capture(CallAttempt(name: "blocked", number: "+881612345678"), peers: peers) else { return }
        defer { unlink(path) }
        let call = try Self.call(try Self.diagnose(path))
        #expect(call["final_status"] as? Int == 403)
        #expect(call["request_uri"] as? String == "sip:+881612345678@\(Self.proxy)")
        let finding = Self.finding("auth.forbidden-after-auth", in: call)
        #expect(finding?["severity"] as? String == "error", "\(InteropTests.codes(call))")
        #expect(Self.text(finding).contains("Destination blocked"))
        #expect(Self.text(finding).contains("Calls to +88 are not allowed on this account"))
        #expect(Self.text(finding).contains("'1001'"))
        #expect(Self.finding("auth.credentials-rejected", in: call) == nil)
    }

    /// SIP over TCP from the caller to the proxy, UDP from the proxy to the callee: diagnose
    /// reassembles the TCP stream, reports the call's transport as TCP and both legs.
    @Test func callOverTCPThroughTheProxy() throws {
        guard let peers = self.requirePeers() else { return }
        guard let path = try Self.capture(CallAttempt(name: "tcp", transport: "t1", answered: true), peers: peers) else { return }
        defer { unlink(path) }
        let call = try Self.call(try Self.diagnose(path))
        #expect(call["transport"] as? String == "TCP")
        #expect(call["final_status"] as? Int == 200)
        #expect(call["ending"] as? String == "BYE from caller")
        #expect(call["caller"] as? String == "127.0.0.1:\(Self.callerPort)")
        #expect(call["callee"] as? String == Self.proxy)
        #expect(call["authentication_rounds"] as? Int == 1)
        #expect(Self.errors(call).isEmpty, "\(InteropTests.codes(call))")
        let events = call["sip"] as? [[String: Any]] ?? []
        // Both legs: the caller's INVITE over TCP to the proxy, the proxy's over UDP to the callee.
        #expect(events.contains { $0["label"] as? String == "INVITE" && $0["transport"] as? String == "TCP" && $0["destination"] as? String == Self.proxy })
        #expect(events.contains { $0["label"] as? String == "INVITE" && $0["transport"] as? String == "UDP" && $0["destination"] as? String == "127.0.0.1:\(Self.calleePort)" })
    }

    /// The proxy copies every message it receives and sends as HEP3 (Kamailio's siptrace, as a
    /// Homer-monitored proxy does), and the capture holds only those copies: diagnose reads the
    /// call from them with the original addresses, ports and transports of both legs.
    @Test func hepCopiesFromTheProxyAreReadAsTheCall() throws {
        guard let peers = self.requirePeers() else { return }
        guard let path = try Self.capture(CallAttempt(name: "hep", transport: "t1", answered: true, hep: true), peers: peers) else { return }
        defer { unlink(path) }
        let json = try Self.diagnose(path)
        let counters = json["counters"] as? [String: Any] ?? [:]
        let hepMessages = counters["hep_messages"] as? Int ?? 0
        #expect(hepMessages >= 10, "\(counters)")
        #expect(counters["sip_messages"] as? Int == hepMessages, "every copy is a SIP message: \(counters)")
        #expect((json["warnings"] as? [String] ?? []).isEmpty, "\(json["warnings"] ?? "")")
        let call = try Self.call(json)
        #expect(call["final_status"] as? Int == 200)
        #expect(call["ending"] as? String == "BYE from caller")
        #expect(call["transport"] as? String == "TCP")
        #expect(call["caller"] as? String == "127.0.0.1:\(Self.callerPort)")
        #expect(call["callee"] as? String == Self.proxy)
        #expect(call["authentication_rounds"] as? Int == 1)
        #expect(call["hops"] as? Int == 2)
        #expect(Self.errors(call).isEmpty, "\(InteropTests.codes(call))")
        let events = call["sip"] as? [[String: Any]] ?? []
        #expect(events.contains { $0["label"] as? String == "INVITE" && $0["transport"] as? String == "TCP" && $0["destination"] as? String == Self.proxy })
        #expect(events.contains { $0["label"] as? String == "INVITE" && $0["transport"] as? String == "UDP" && $0["destination"] as? String == "127.0.0.1:\(Self.calleePort)" })
        // Every copy in the capture is one of this call's messages.
        #expect(events.count == hepMessages, "\(events.count) events, \(hepMessages) HEP3 copies")
    }

    // MARK: - siptool call through the proxy

    /// `siptool call` through Kamailio to `siptool answer --echo` (as the callee on 5082):
    /// returns the call's JSON report and exit status. A call expected to reach the callee
    /// (`answered`) lets it run until that one call ends (at most 15 s, so a loaded machine is not
    /// a failure); a call the proxy refuses leaves it 4 s.
    func liveCall(_ peers: Peers, name: String, user: String, password: String, number: String, answered: Bool = false, extra: [String] = []) throws -> (Int32, [String: Any]) {
        try Self.withProxy(peers, name: "live-\(name)") {
            let lifetime = answered ? ["--calls", "1", "--run-for", "15s"] : ["--run-for", "4s"]
            let callee = LiveAnswerInteropTests.Background(["answer", "--json", "--echo", "--listen", "127.0.0.1:\(Self.calleePort)", "--rtp-ports", "16150-16199"] + lifetime)
            let run = Run(["call", "--json", "--trunk", Self.proxy, "-u", user, "--password-env", "SIPTOOL_TEST_KAM_PW", "--duration", "1s",
                           "--ring-timeout", "5s", "--rtp-ports", "16120-16149"] + extra + [number], environment: ["SIPTOOL_TEST_KAM_PW": password])
            _ = callee.result(seconds: 20)
            #expect(!run.stdout.contains(password), "the password is never printed")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)\n\(run.stderr)")
            return (run.status, json)
        }
    }

    static func liveCodes(_ json: [String: Any]) -> [String] {
        let calls = (json["analysis"] as? [String: Any])?["calls"] as? [[String: Any]] ?? []
        return calls.flatMap { InteropTests.codes($0) }
    }

    @Test func siptoolCallWithTheRightPasswordIsAnsweredWithAudio() throws {
        guard let peers = self.requirePeers() else { return }
        let (status, json) = try self.liveCall(peers, name: "right", user: "1001", password: "s3cret-1001", number: "+15550011234", answered: true)
        #expect(status == 0, "\(json["verdict_reason"] ?? "")")
        #expect(json["authentication_rounds"] as? Int == 1)
        #expect(json["verdict"] as? String == "pass")
        #expect(((json["rtp"] as? [String: Any])?["received"] as? Int ?? 0) > 20)
    }

    @Test func siptoolCallWithAWrongPasswordSaysCredentialsRejected() throws {
        guard let peers = self.requirePeers() else { return }
        let (status, json) = try self.liveCall(peers, name: "wrong", user: "1001", password: "not-the-password", number: "+15550011234")
        #expect(status == 1)
        #expect(json["failure"] as? String == "credentials-rejected")
        #expect((json["verdict_reason"] as? String)?.contains("'1001'") == true)
        // The same finding as diagnose gives for the capture, naming the user and realm.
        #expect(Self.liveCodes(json).contains("auth.credentials-rejected"), "\(Self.liveCodes(json))")
        #expect(!Self.liveCodes(json).contains("auth.password-correct"), "siptool's own password is not a candidate to check")
    }

    /// Account 1002 may call only while registered (a registration-based trunk): without
    /// --register the proxy refuses the INVITE, with it the call goes through and the binding is
    /// removed afterwards; a wrong password stops at the REGISTER and no INVITE is sent.
    @Test func siptoolCallRegistersFirstWhenTheTrunkNeedsIt() throws {
        guard let peers = self.requirePeers() else { return }
        let (refused, refusedJSON) = try self.liveCall(peers, name: "unregistered", user: "1002", password: "s3cret-1002", number: "+15550011234")
        #expect(refused == 1)
        #expect(refusedJSON["final_status"] as? Int == 403)
        #expect(refusedJSON["final_reason"] as? String == "Forbidden - register first")

        let (status, json) = try self.liveCall(peers, name: "registered", user: "1002", password: "s3cret-1002", number: "+15550011234", answered: true, extra: ["--register"])
        #expect(status == 0, "\(json["verdict_reason"] ?? "")")
        let registration = try #require(json["registration"] as? [String: Any])
        #expect(registration["registered"] as? Bool == true)
        #expect(registration["unregistered"] as? Bool == true)
        #expect((registration["granted_expires"] as? Int ?? 0) > 0)
        // The registered contact is the address the INVITE came from.
        let contact = try #require(registration["contact"] as? String)
        #expect(contact.contains("@\(json["local"] as? String ?? "?")"), "\(contact) vs \(json["local"] ?? "?")")

        // Over TCP: the REGISTER and the INVITE each on a connection of their own.
        let (tcpStatus, tcpJSON) = try self.liveCall(peers, name: "registered-tcp", user: "1002", password: "s3cret-1002", number: "+15550011234", answered: true,
                                                     extra: ["--register", "--transport", "tcp"])
        #expect(tcpStatus == 0, "\(tcpJSON["verdict_reason"] ?? "")")
        #expect((tcpJSON["registration"] as? [String: Any])?["registered"] as? Bool == true)
        #expect((tcpJSON["registration"] as? [String: Any])?["unregistered"] as? Bool == true)
        #expect(tcpJSON["transport"] as? String == "TCP", "\(tcpJSON["transport"] ?? "?")")

        let (wrong, wrongJSON) = try self.liveCall(peers, name: "register-wrong", user: "1002", password: "not-it", number: "+15550011234", extra: ["--register"])
        #expect(wrong == 1)
        #expect(wrongJSON["failure"] as? String == "registration-failed")
        #expect((wrongJSON["registration"] as? [String: Any])?["failure"] as? String == "credentials-rejected")
        #expect(wrongJSON["answered"] as? Bool == false)
    }

    @Test func siptoolCallAsAnUnknownUserIsRefusedWith403() throws {
        guard let peers = self.requirePeers() else { return }
        let (status, json) = try self.liveCall(peers, name: "unknown", user: "1999", password: "whatever", number: "+15550011234")
        #expect(status == 1)
        #expect(json["final_status"] as? Int == 403)
        #expect(json["failure"] as? String == "rejected")
    }

    @Test func siptoolCallToABlockedPrefixIsRefusedWith403AfterAuthentication() throws {
        guard let peers = self.requirePeers() else { return }
        let (status, json) = try self.liveCall(peers, name: "blocked", user: "1001", password: "s3cret-1001", number: "+881612345678")
        #expect(status == 1)
        #expect(json["final_status"] as? Int == 403)
        #expect(json["final_reason"] as? String == "Destination blocked")
        #expect(Self.liveCodes(json).contains("auth.forbidden-after-auth"), "\(Self.liveCodes(json))")
    }
}
