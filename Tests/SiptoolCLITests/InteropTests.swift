import Foundation
import SiptoolCLI
import Testing

/// `siptool diagnose` on captures of real calls between real peers: SIPp (Debian's sip-tester)
/// started by the test on loopback, tcpdump capturing them, faults injected by the scenario.
/// Every process gets a time bound and is stopped by the test.
@Suite(.serialized) struct InteropTests {
    static func tool(_ name: String) -> String? {
        for directory in ["/usr/bin", "/usr/sbin", "/usr/local/bin"] {
            let path = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// A child process started with `posix_spawn`, with the signal mask and dispositions reset: the
    /// test runner's threads block signals, and a child that inherits that mask ignores SIGINT and
    /// SIGTERM (and `timeout` never fires), so Foundation's Process is not used here. It inherits
    /// only stdin, stdout and stderr.
    struct Child {
        let pid: pid_t

        /// Sends `signal`, then waits at most `seconds`, then kills.
        func stop(_ signal: Int32 = SIGINT, seconds: Double = 5) {
            kill(self.pid, signal)
            self.wait(seconds: seconds)
        }

        /// Waits at most `seconds` for the child to exit, then kills it.
        func wait(seconds: Double) {
            let deadline = Date().addingTimeInterval(seconds)
            var status: Int32 = 0
            while Date() < deadline {
                if waitpid(self.pid, &status, WNOHANG) == self.pid { return }
                usleep(20_000)
            }
            kill(self.pid, SIGKILL)
            _ = waitpid(self.pid, &status, 0)
        }
    }

    /// Waits (at most `seconds`) until something listens on 127.0.0.1:`port` (UDP: bound; TCP:
    /// accepting), so a test starts when its peer is ready rather than after a guessed pause.
    static func waitUntilListening(_ port: Int, udp: Bool = true, seconds: Double = 10) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && !LiveAnswerInteropTests.Background.isListening(port: UInt16(port), udp: udp) { usleep(20_000) }
    }

    /// Starts `arguments` with stdout and stderr appended to `log`; the caller stops it.
    static func start(_ arguments: [String], log: String) throws -> Child {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else the test runner has open: an in-process `siptool answer`'s socket
        // inherited by a child outlives the answer, and the next test cannot bind that port.
        // (glibc 2.34+; Swift's Glibc module does not declare it, so it is looked up.)
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let status = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard status == 0 else { throw SpawnError(message: "cannot start \(arguments[0]): \(String(cString: strerror(status)))") }
        return Child(pid: pid)
    }

    struct SpawnError: Error { var message: String }

    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    /// glibc's posix_spawn_file_actions_addclosefrom_np, when the C library has it.
    static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Captures loopback traffic on the given UDP ports while `body` runs; returns the pcap path.
    static func capture(ports: [Int], _ body: () throws -> Void) throws -> String? {
        let filter = ports.map { "udp port \($0)" }.joined(separator: " or ")
        return try Self.capture(filter: filter, name: "\(ports[0])", body)
    }

    /// Captures with tcpdump while `body` runs and returns the pcap path (nil when tcpdump is
    /// missing). `filter` is a BPF expression; `namespace` runs tcpdump inside that network
    /// namespace (`ip netns exec`), on `interface`. tcpdump is stopped by PID afterwards.
    static func capture(filter: String, name: String, interface: String = "lo", namespace: String? = nil, _ body: () throws -> Void) throws -> String? {
        guard let tcpdump = Self.tool("tcpdump") else { return nil }
        let path = "/tmp/siptool-interop-\(getpid())-\(name).pcap"
        let log = path + ".log"
        var command = [tcpdump, "-i", interface, "--immediate-mode", "-U", "-n", "-w", path] + filter.split(separator: " ").map(String.init)
        if let namespace, let ip = Self.tool("ip") { command = [ip, "netns", "exec", namespace] + command }
        let dump = try Self.start(command, log: log)
        // tcpdump says "listening on" once it captures.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("listening on") { break }
            usleep(50_000)
        }
        defer {
            dump.stop(SIGINT, seconds: 5)
            unlink(log)
        }
        try body()
        // Let tcpdump read what the kernel has queued before it is stopped.
        usleep(700_000)
        return path
    }

    static func diagnose(_ path: String) throws -> [String: Any] {
        let run = Run(["diagnose", "--json", path])
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
    }

    static func calls(_ json: [String: Any]) -> [[String: Any]] { json["calls"] as? [[String: Any]] ?? [] }

    static func codes(_ call: [String: Any]) -> [String] {
        (call["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
    }

    func requirePeers() -> (sipp: String, tcpdump: String)? {
        guard let sipp = Self.tool("sipp"), let tcpdump = Self.tool("tcpdump"), getuid() == 0 else {
            print("SKIPPED: interop tests need sipp and tcpdump (scripts/install-deps.sh test) and root to capture on lo")
            return nil
        }
        return (sipp, tcpdump)
    }

    @Test func answeredCallBetweenSIPpUACAndUAS() throws {
        guard let peers = self.requirePeers() else { return }
        let path = try Self.capture(ports: [5070, 5071]) {
            let uas = try Self.start([peers.sipp, "-sn", "uas", "-i", "127.0.0.1", "-p", "5070", "-m", "1", "-nostdin"], log: "/tmp/siptool-interop-uas.log")
            usleep(500_000)
            let uac = try Self.start([peers.sipp, "-sn", "uac", "127.0.0.1:5070", "-i", "127.0.0.1", "-p", "5071", "-m", "1", "-d", "500", "-nostdin"], log: "/tmp/siptool-interop-uac.log")
            uac.wait(seconds: 15)
            uas.stop(SIGTERM, seconds: 5)
        }
        guard let path else { return }
        defer { unlink(path) }
        let json = try Self.diagnose(path)
        let call = try #require(Self.calls(json).first { $0["kind"] as? String == "call" })
        #expect(call["final_status"] as? Int == 200)
        #expect(call["ending"] as? String == "BYE from caller")
        #expect(call["caller"] as? String == "127.0.0.1:5071")
        #expect(call["callee"] as? String == "127.0.0.1:5070")
        #expect((call["setup_time_ms"] as? Double).map { $0 >= 0 && $0 < 2000 } == true)
        #expect(!(call["findings"] as? [[String: Any]] ?? []).contains { $0["severity"] as? String == "error" }, "\(Self.codes(call))")
    }

    @Test func busyCalleeIsExplained() throws {
        guard let peers = self.requirePeers() else { return }
        let scenario = SourceTree.root + "/scenarios/sipp/uas-busy.xml"
        let path = try Self.capture(ports: [5072, 5073]) {
            let uas = try Self.start([peers.sipp, "-sf", scenario, "-i", "127.0.0.1", "-p", "5072", "-m", "1", "-nostdin"], log: "/tmp/siptool-interop-busy-uas.log")
            usleep(500_000)
            let uac = try Self.start([peers.sipp, "-sn", "uac", "127.0.0.1:5072", "-i", "127.0.0.1", "-p", "5073", "-m", "1", "-nostdin"], log: "/tmp/siptool-interop-busy-uac.log")
            uac.wait(seconds: 15)
            uas.stop(SIGTERM, seconds: 5)
        }
        guard let path else { return }
        defer { unlink(path) }
        let call = try #require(Self.calls(try Self.diagnose(path)).first)
        #expect(call["final_status"] as? Int == 486)
        let finding = (call["findings"] as? [[String: Any]])?.first { $0["code"] as? String == "call.rejected" }
        #expect((finding?["summary"] as? String)?.contains("busy") == true)
        #expect(finding?["severity"] as? String == "warning")
    }

    @Test func inviteToNobodyIsRetransmittedAndReported() throws {
        guard let peers = self.requirePeers() else { return }
        // Nothing listens on 5074: the INVITE is retransmitted (Timer A) and never answered.
        let path = try Self.capture(ports: [5074, 5075]) {
            let uac = try Self.start([peers.sipp, "-sn", "uac", "127.0.0.1:5074", "-i", "127.0.0.1", "-p", "5075", "-m", "1", "-nostdin", "-timeout", "4s", "-timeout_error"], log: "/tmp/siptool-interop-nobody.log")
            uac.wait(seconds: 10)
        }
        guard let path else { return }
        defer { unlink(path) }
        let call = try #require(Self.calls(try Self.diagnose(path)).first)
        let finding = (call["findings"] as? [[String: Any]])?.first { $0["code"] as? String == "txn.no-response" }
        #expect(finding?["severity"] as? String == "error", "\(Self.codes(call))")
        #expect((finding?["summary"] as? String)?.contains("127.0.0.1:5074") == true)
        #expect((call["retransmissions"] as? Int ?? 0) >= 2)
    }

    /// SIPp answers a 407 with digest credentials computed by its own implementation; diagnose
    /// recomputes them: the password SIPp used is recognised as right, another one as wrong.
    @Test func digestFromSIPpIsVerifiedWithACandidatePassword() throws {
        guard let peers = self.requirePeers() else { return }
        let uasScenario = SourceTree.root + "/scenarios/sipp/uas-reject-auth.xml"
        let uacScenario = SourceTree.root + "/scenarios/sipp/uac-auth.xml"
        let path = try Self.capture(ports: [5076, 5077]) {
            let uas = try Self.start([peers.sipp, "-sf", uasScenario, "-i", "127.0.0.1", "-p", "5076", "-m", "1", "-nostdin"], log: "/tmp/siptool-interop-auth-uas.log")
            usleep(500_000)
            let uac = try Self.start([peers.sipp, "-sf", uacScenario, "127.0.0.1:5076", "-i", "127.0.0.1", "-p", "5077", "-m", "1", "-au", "1001", "-ap", "s3cret-used", "-nostdin"], log: "/tmp/siptool-interop-auth-uac.log")
            uac.wait(seconds: 15)
            uas.stop(SIGTERM, seconds: 5)
        }
        guard let path else { return }
        defer { unlink(path) }
        func codes(password: String?) throws -> [String] {
            var arguments = ["diagnose", "--json", path]
            var environment: [String: String] = [:]
            if let password {
                arguments.insert(contentsOf: ["--password-env", "SIPTOOL_TEST_PW"], at: 1)
                environment["SIPTOOL_TEST_PW"] = password
            }
            let run = Run(arguments, environment: environment)
            #expect(!run.stdout.contains(password ?? "\u{0}"), "the password must never be printed")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            return Self.calls(json).flatMap { Self.codes($0) }
        }
        #expect(try codes(password: nil).contains("auth.credentials-rejected"))
        #expect(try codes(password: "s3cret-used").contains("auth.password-correct"))
        #expect(try codes(password: "another-password").contains("auth.wrong-password"))
    }
}
