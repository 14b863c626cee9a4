import Foundation
import SiptoolCLI
import Testing

/// `siptool diagnose` on captures of real calls across a real NAT and a real firewall: network
/// namespaces the test builds (named `stnat<PID>...`, deleted at the end, also on failure), SIPp on
/// both sides sending recorded speech as RTP, tcpdump inside one namespace. The faults are the
/// network's, not the scenario's: a LAN phone that announces its private address, an Internet
/// router that answers RTP to 10.x with ICMP network unreachable, a firewall dropping RTP one way.
@Suite(.serialized) struct NamespaceInteropTests {
    struct Tools {
        var ip: String
        var iptables: String
        var sysctl: String
        var sipp: String
        var env: String
        var espeak: String
        var sox: String
    }

    static func requireTools() -> Tools? {
        let names = ["ip", "iptables", "sysctl", "sipp", "tcpdump", "env", "espeak-ng", "sox"]
        let found = names.map { InteropTests.tool($0) }
        guard getuid() == 0, !found.contains(nil) else {
            let missing = zip(names, found).filter { $0.1 == nil }.map(\.0)
            print("SKIPPED: namespace interop tests need root and \(names.joined(separator: ", ")) "
                + "(scripts/install-deps.sh test); missing: \(getuid() == 0 ? missing.joined(separator: ", ") : "root")")
            return nil
        }
        return Tools(ip: found[0]!, iptables: found[1]!, sysctl: found[2]!, sipp: found[3]!, env: found[5]!, espeak: found[6]!, sox: found[7]!)
    }

    struct SetupError: Error, CustomStringConvertible { var description: String }

    /// Runs `arguments` to completion (at most `seconds`, then killed) and returns its exit status,
    /// -1 when it could not start, was killed or timed out.
    @discardableResult
    static func run(_ arguments: [String], log: String, seconds: Double = 10) -> Int32 {
        guard let child = try? InteropTests.start(arguments, log: log) else { return -1 }
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while Date() < deadline {
            if waitpid(child.pid, &status, WNOHANG) == child.pid {
                return status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
            }
            usleep(5_000)
        }
        kill(child.pid, SIGKILL)
        _ = waitpid(child.pid, &status, 0)
        return -1
    }

    /// A fresh scratch folder under /tmp; the caller removes it.
    static func workDirectory() throws -> String {
        var template = Array("/tmp/siptool-nat-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { throw SetupError(description: "mkdtemp failed") }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Real speech for the callers to send: espeak-ng, then sox to 8 kHz mono as raw mu-law
    /// (`speech.ulaw`, what SIPp's rtp_stream plays) and 16-bit PCM WAV (`speech.wav`, repeated
    /// three times so a baresip prompt outlasts the call).
    static func makeSpeech(in directory: String, espeak: String, sox: String) throws {
        let log = directory + "/speech.log"
        let text = "Hello, this is a test call through the network lab. One, two, three, four, five."
        guard Self.run([espeak, "-w", directory + "/raw.wav", text], log: log) == 0,
            Self.run([sox, directory + "/raw.wav", "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw", directory + "/speech.ulaw"], log: log) == 0,
            Self.run([sox, directory + "/raw.wav", "-r", "8000", "-c", "1", "-e", "signed", "-b", "16", directory + "/speech.wav", "repeat", "3"], log: log) == 0
        else { throw SetupError(description: "cannot make speech: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")) }
    }

    /// Network namespaces named `stnat<PID><role>` and the veth pairs between them (created inside
    /// the namespaces, so no veth end ever sits in the host namespace). `close()` deletes the
    /// namespaces, which deletes their veths.
    final class Lab {
        let tools: Tools
        let prefix: String
        let log: String
        private(set) var namespaces: [String] = []

        /// `prefix` keeps suites that run at the same time apart (`stnat<PID>` by default).
        init(tools: Tools, directory: String, prefix: String = "stnat\(getpid())") {
            self.tools = tools
            self.log = directory + "/lab.log"
            self.prefix = prefix
        }

        func name(_ role: String) -> String { self.prefix + role }

        /// Runs one setup command; throws with its output when it fails.
        func must(_ arguments: [String]) throws {
            guard NamespaceInteropTests.run(arguments, log: self.log) == 0 else {
                let output = (try? String(contentsOfFile: self.log, encoding: .utf8)) ?? ""
                throw SetupError(description: "\(arguments.joined(separator: " ")) failed: \(output)")
            }
        }

        /// `ip -n <role> ...`
        func ip(_ role: String, _ arguments: String...) throws { try self.must([self.tools.ip, "-n", self.name(role)] + arguments) }

        /// A command run inside the namespace of `role`.
        func exec(_ role: String, _ arguments: [String]) -> [String] { [self.tools.ip, "netns", "exec", self.name(role)] + arguments }

        func add(_ roles: String...) throws {
            for role in roles {
                // A namespace left by an earlier process with the same PID would make `add` fail.
                NamespaceInteropTests.run([self.tools.ip, "netns", "del", self.name(role)], log: self.log)
                try self.must([self.tools.ip, "netns", "add", self.name(role)])
                self.namespaces.append(self.name(role))
                try self.ip(role, "link", "set", "lo", "up")
            }
        }

        /// A veth pair from `a`'s `aName` to `b`'s `bName`, both up, with the given addresses (CIDR).
        func link(_ a: String, _ aName: String, _ aAddress: String, _ b: String, _ bName: String, _ bAddress: String) throws {
            try self.ip(a, "link", "add", aName, "type", "veth", "peer", "name", bName, "netns", self.name(b))
            try self.ip(a, "addr", "add", aAddress, "dev", aName)
            try self.ip(b, "addr", "add", bAddress, "dev", bName)
            try self.ip(a, "link", "set", "dev", aName, "up")
            try self.ip(b, "link", "set", "dev", bName, "up")
        }

        func forward(_ role: String) throws { try self.must(self.exec(role, [self.tools.sysctl, "-qw", "net.ipv4.ip_forward=1"])) }

        func iptables(_ role: String, _ arguments: String...) throws { try self.must(self.exec(role, [self.tools.iptables] + arguments)) }

        /// Deletes every namespace made; returns the names still listed afterwards (none expected).
        @discardableResult
        func close() -> [String] {
            for namespace in self.namespaces.reversed() {
                NamespaceInteropTests.run([self.tools.ip, "netns", "del", namespace], log: self.log)
            }
            self.namespaces = []
            let listing = self.log + ".list"
            NamespaceInteropTests.run([self.tools.ip, "netns", "list"], log: listing)
            let text = (try? String(contentsOfFile: listing, encoding: .utf8)) ?? ""
            return text.split(whereSeparator: \.isNewline).map { String($0.split(separator: " ").first ?? "") }.filter { $0.hasPrefix(self.prefix) }
        }
    }

    static func findings(_ call: [String: Any], _ code: String) -> [[String: Any]] {
        (call["findings"] as? [[String: Any]] ?? []).filter { $0["code"] as? String == code }
    }

    static func evidence(_ finding: [String: Any]?) -> [[String: Any]] { finding?["evidence"] as? [[String: Any]] ?? [] }

    /// Runs a SIPp callee in `calleeRole` and a SIPp caller in `callerRole` (both with RTP from
    /// speech.ulaw in `directory`) while capturing in `captureRole`; returns the pcap path.
    static func call(lab: Lab, directory: String, caller: (role: String, address: String), callee: (role: String, address: String), captureIn captureRole: String, name: String) throws -> String? {
        let tools = lab.tools
        let scenarios = SourceTree.root + "/scenarios/sipp/"
        return try InteropTests.capture(filter: "udp or icmp", name: name, interface: "eth0", namespace: lab.name(captureRole)) {
            let uas = try InteropTests.start(lab.exec(callee.role, [
                tools.env, "-C", directory, tools.sipp, "-sf", scenarios + "nat-uas-rtp.xml", "-i", callee.address, "-p", "5060",
                "-mp", "16500", "-m", "1", "-nostdin",
            ]), log: directory + "/uas.log")
            usleep(500_000)
            let uac = try InteropTests.start(lab.exec(caller.role, [
                tools.env, "-C", directory, tools.sipp, "-sf", scenarios + "nat-uac-rtp.xml", "\(callee.address):5060", "-s", "carrier",
                "-i", caller.address, "-p", "5060", "-mp", "16400", "-m", "1", "-d", "3000", "-nostdin",
            ]), log: directory + "/uac.log")
            uac.wait(seconds: 15)
            uas.stop(SIGTERM, seconds: 5)
        }
    }

    /// LAN phone 10.0.0.2 -> NAT router (MASQUERADE to 203.0.113.1) -> Internet router (no route to
    /// private space) -> carrier 198.51.100.2. The phone announces 10.0.0.2 in its SDP; the carrier
    /// sends its RTP there, and the Internet router answers with ICMP network unreachable. Captured
    /// at the carrier, as a carrier's support desk would.
    @Test func natPhoneAnnouncingItsPrivateAddressGetsOneWayAudio() throws {
        guard let tools = Self.requireTools() else { return }
        let directory = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.makeSpeech(in: directory, espeak: tools.espeak, sox: tools.sox)
        let lab = Lab(tools: tools, directory: directory)
        defer { #expect(lab.close().isEmpty, "namespaces left behind") }
        try lab.add("lan", "nat", "inet", "car")
        try lab.link("lan", "eth0", "10.0.0.2/24", "nat", "lan", "10.0.0.1/24")
        try lab.link("nat", "wan", "203.0.113.1/24", "inet", "nat", "203.0.113.254/24")
        try lab.link("inet", "car", "198.51.100.1/24", "car", "eth0", "198.51.100.2/24")
        try lab.ip("lan", "route", "add", "default", "via", "10.0.0.1")
        try lab.ip("nat", "route", "add", "default", "via", "203.0.113.254")
        try lab.ip("car", "route", "add", "default", "via", "198.51.100.1")
        try lab.forward("nat")
        try lab.forward("inet")
        try lab.iptables("nat", "-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE")

        let path = try Self.call(lab: lab, directory: directory, caller: ("lan", "10.0.0.2"), callee: ("car", "198.51.100.2"), captureIn: "car", name: "nat-oneway")
        guard let path else { return }
        defer { unlink(path); unlink(path + ".log") }
        let call = try #require(InteropTests.calls(try InteropTests.diagnose(path)).first { $0["kind"] as? String == "call" })
        let codes = InteropTests.codes(call)
        #expect(call["final_status"] as? Int == 200)
        #expect(call["caller"] as? String == "203.0.113.1:5060", "the carrier sees the NAT's public address")

        // Both streams are in the capture: the phone's through the NAT, the carrier's to 10.0.0.2.
        let streams = call["rtp_streams"] as? [[String: Any]] ?? []
        let fromPhone = streams.first { $0["source"] as? String == "203.0.113.1:16400" }
        let toPrivate = streams.first { $0["destination"] as? String == "10.0.0.2:16400" }
        #expect(fromPhone?["destination"] as? String == "198.51.100.2:16500")
        #expect((fromPhone?["packets"] as? Int ?? 0) >= 100)
        #expect(toPrivate?["source"] as? String == "198.51.100.2:16500")
        #expect((toPrivate?["packets"] as? Int ?? 0) >= 100)

        // One-way: the carrier's audio to the phone is what is missing, and why.
        let oneWay = try #require(Self.findings(call, "media.one-way").first, "\(codes)")
        let summary = oneWay["summary"] as? String ?? ""
        #expect(oneWay["severity"] as? String == "error")
        #expect(summary.contains("no audio callee -> caller"), "\(summary)")
        #expect(!summary.contains("no audio caller -> callee"), "\(summary)")
        #expect(summary.contains("10.0.0.2:16400"), "the address the phone announced: \(summary)")
        #expect(summary.contains("203.0.113.1:16400"), "where the phone's RTP really comes from: \(summary)")
        #expect(summary.contains("ICMP network unreachable from 198.51.100.1"), "\(summary)")
        let icmp = Self.evidence(oneWay).filter { $0["label"] as? String == "ICMP" }
        #expect(!icmp.isEmpty && icmp.allSatisfy { ($0["value"] as? String ?? "").contains("198.51.100.2:16500 -> 10.0.0.2:16400") }, "\(icmp)")

        // NAT in the signalling and the SDP, with the private address and the public source.
        let sdp = Self.findings(call, "nat.private-sdp-address").first?["summary"] as? String ?? ""
        #expect(sdp.contains("10.0.0.2") && sdp.contains("203.0.113.1"), "\(codes)")
        let signalling = Self.findings(call, "nat.private-address").compactMap { $0["summary"] as? String }
        #expect(signalling.contains { $0.contains("in Via") && $0.contains("10.0.0.2") }, "\(signalling)")
        #expect(signalling.contains { $0.contains("in Contact") && $0.contains("10.0.0.2") }, "\(signalling)")
        let asymmetric = Self.findings(call, "nat.asymmetric-rtp").first?["summary"] as? String ?? ""
        #expect(asymmetric.contains("203.0.113.1:16400") && asymmetric.contains("10.0.0.2:16400") && asymmetric.contains("caller"), "\(codes)")
    }

    /// Caller 203.0.113.2 -> firewall (drops one RTP direction, silently) -> callee 198.51.100.2,
    /// no NAT. Captured next to the side whose incoming audio is dropped, where the loss shows.
    @Test(arguments: ["callee", "caller"])
    func firewallDroppingOneRTPDirection(droppedSender: String) throws {
        guard let tools = Self.requireTools() else { return }
        let directory = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.makeSpeech(in: directory, espeak: tools.espeak, sox: tools.sox)
        let lab = Lab(tools: tools, directory: directory)
        defer { #expect(lab.close().isEmpty, "namespaces left behind") }
        try lab.add("a", "fw", "b")
        try lab.link("a", "eth0", "203.0.113.2/24", "fw", "toa", "203.0.113.1/24")
        try lab.link("fw", "tob", "198.51.100.1/24", "b", "eth0", "198.51.100.2/24")
        try lab.ip("a", "route", "add", "default", "via", "203.0.113.1")
        try lab.ip("b", "route", "add", "default", "via", "198.51.100.1")
        try lab.forward("fw")
        let callerDropped = droppedSender == "caller"
        try lab.iptables("fw", "-A", "FORWARD", "-p", "udp", "-s", callerDropped ? "203.0.113.2" : "198.51.100.2",
                         "--sport", callerDropped ? "16400" : "16500", "-j", "DROP")

        let path = try Self.call(lab: lab, directory: directory, caller: ("a", "203.0.113.2"), callee: ("b", "198.51.100.2"),
                                 captureIn: callerDropped ? "b" : "a", name: "fw-\(droppedSender)")
        guard let path else { return }
        defer { unlink(path); unlink(path + ".log") }
        let call = try #require(InteropTests.calls(try InteropTests.diagnose(path)).first { $0["kind"] as? String == "call" })
        let codes = InteropTests.codes(call)
        #expect(call["final_status"] as? Int == 200)
        let oneWay = try #require(Self.findings(call, "media.one-way").first, "\(codes)")
        let summary = oneWay["summary"] as? String ?? ""
        let receiver = callerDropped ? "callee" : "caller"
        #expect(summary.contains("no audio \(droppedSender) -> \(receiver)"), "\(summary)")
        #expect(!summary.contains("no audio \(receiver) -> \(droppedSender)"), "\(summary)")
        // The receiving side's announced address, which the dropped audio never reached.
        #expect(summary.contains(callerDropped ? "198.51.100.2:16500" : "203.0.113.2:16400"), "\(summary)")
        #expect(!codes.contains { $0.hasPrefix("nat.") }, "no NAT here: \(codes)")
        let streams = call["rtp_streams"] as? [[String: Any]] ?? []
        #expect(streams.count == 1, "only the surviving direction is on the wire at this capture point")
        #expect(streams.first?["source"] as? String == (callerDropped ? "198.51.100.2:16500" : "203.0.113.2:16400"))
    }
}
