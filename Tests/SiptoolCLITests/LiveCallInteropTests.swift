import Foundation
import SiptoolCLI
import Testing

/// `siptool call` against real SIPp user agents on loopback: an answering UAS that echoes RTP,
/// one that answers 486, and a TCP server that hangs up on the INVITE. The call's own pcap is
/// checked with tshark. SIP ports 5110-5113, RTP 17500-17599.
@Suite(.serialized) struct LiveCallInteropTests {
    func sipp() -> String? {
        guard let sipp = InteropTests.tool("sipp") else {
            print("SKIPPED: live call interop needs sipp (scripts/install-deps.sh test)")
            return nil
        }
        return sipp
    }

    func json(_ run: Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)\n\(run.stderr)")
    }

    @Test func callToAnEchoingUASPassesWithAudioBothWays() throws {
        guard let sipp = self.sipp() else { return }
        let uas = try InteropTests.start([sipp, "-sn", "uas", "-i", "127.0.0.1", "-p", "5110", "-m", "1", "-nostdin", "-rtp_echo", "-mp", "17560"], log: "/tmp/siptool-live-uas.log")
        defer { uas.stop(SIGTERM, seconds: 5) }
        InteropTests.waitUntilListening(5110)
        let pcap = "/tmp/siptool-live-\(getpid()).pcap"
        defer { unlink(pcap) }
        let run = Run(["call", "--json", "--duration", "2s", "--rtp-ports", "17500-17549", "--pcap", pcap, "sip:echo@127.0.0.1:5110"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let report = try self.json(run)
        #expect(report["schema"] as? String == "siptool.call/1")
        #expect(report["answered"] as? Bool == true)
        #expect(report["final_status"] as? Int == 200)
        #expect(report["verdict"] as? String == "pass")
        let rtp = try #require(report["rtp"] as? [String: Any])
        let sent = try #require(rtp["sent"] as? Int)
        let received = try #require(rtp["received"] as? Int)
        // 2 s at 20 ms: about 100 packets each way (SIPp echoes each one back).
        #expect((90...110).contains(sent), "sent \(sent)")
        #expect(received >= sent - 5 && received <= sent, "received \(received) of \(sent)")
        // The analysis of the call's own packets ties both streams to the call.
        let analysis = try #require(report["analysis"] as? [String: Any])
        let call = try #require((analysis["calls"] as? [[String: Any]])?.first)
        #expect((call["rtp_streams"] as? [[String: Any]])?.count == 2)
        #expect(call["ending"] as? String == "BYE from caller")
        // tshark reads the pcap and finds the same streams and counts.
        if let tshark = InteropTests.tool("tshark") {
            let output = try self.capture([tshark, "-r", pcap, "-q", "-z", "rtp,streams"])
            let rows = output.split(separator: "\n").filter { $0.contains("g711U") }
            #expect(rows.count == 2, "\(output)")
            let counts = rows.compactMap { row in row.split(separator: " ").firstIndex(of: "g711U").map { Int(row.split(separator: " ")[$0 + 1]) ?? -1 } }
            #expect(Set(counts) == Set([sent, received]), "\(output)")
        }
    }

    @Test func callOverTCPIsFramedAndCapturedAsTCP() throws {
        guard let sipp = self.sipp() else { return }
        let uas = try InteropTests.start([sipp, "-sn", "uas", "-t", "t1", "-i", "127.0.0.1", "-p", "5111", "-m", "1", "-nostdin", "-rtp_echo", "-mp", "17580"], log: "/tmp/siptool-live-tcp.log")
        defer { uas.stop(SIGTERM, seconds: 5) }
        usleep(400_000)  // (a probe connection would count as a caller for SIPp)
        let pcap = "/tmp/siptool-live-tcp-\(getpid()).pcap"
        defer { unlink(pcap) }
        let run = Run(["call", "--json", "-t", "tcp", "--duration", "1s", "--rtp-ports", "17500-17549", "--pcap", pcap, "sip:echo@127.0.0.1:5111"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let report = try self.json(run)
        #expect(report["transport"] as? String == "TCP")
        let call = try #require(((report["analysis"] as? [String: Any])?["calls"] as? [[String: Any]])?.first)
        #expect(call["transport"] as? String == "TCP")
        #expect(call["final_status"] as? Int == 200)
        // diagnose reads the pcap's TCP segments as the same call.
        let diagnosed = Run(["diagnose", "--json", pcap])
        let again = try #require(((try self.json(diagnosed))["calls"] as? [[String: Any]])?.first)
        #expect(again["transport"] as? String == "TCP")
        #expect(again["ending"] as? String == "BYE from caller")
    }

    /// A TCP server that reads the INVITE and closes the connection: the call fails at once with
    /// that reason (it used to wait forever: the closed connection took the call's session with it).
    @Test func aServerClosingTheConnectionEndsTheCallAtOnce() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(5113).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(bound == 0 && listen(listener, 4) == 0, "cannot listen on 127.0.0.1:5113")
        // Accept one connection (at most 15 s), read what comes, close it.
        let served = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 15_000) == 1 {
                let connection = accept(listener, nil, nil)
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = recv(connection, &buffer, buffer.count, 0)
                close(connection)
            }
            close(listener)
            served.signal()
        }
        let run = Run(["call", "--json", "-t", "tcp", "--duration", "1s", "--rtp-ports", "17500-17549", "sip:x@127.0.0.1:5113"])
        _ = served.wait(timeout: .now() + 20)
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        let report = try self.json(run)
        #expect(report["failure"] as? String == "transport-error", "not a Timer B timeout: \(report["failure"] ?? "?")")
        let labels = (report["timeline"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
        #expect(labels.contains { $0.hasPrefix("connection to 127.0.0.1:5113:") }, "\(labels)")
    }

    @Test func busyCalleeFailsWithTheSharedFindingCode() throws {
        guard let sipp = self.sipp() else { return }
        let scenario = SourceTree.root + "/scenarios/sipp/uas-busy.xml"
        let uas = try InteropTests.start([sipp, "-sf", scenario, "-i", "127.0.0.1", "-p", "5112", "-m", "1", "-nostdin"], log: "/tmp/siptool-live-busy.log")
        defer { uas.stop(SIGTERM, seconds: 5) }
        InteropTests.waitUntilListening(5112)
        let run = Run(["call", "--json", "--rtp-ports", "17500-17549", "sip:busy@127.0.0.1:5112"])
        #expect(run.status == 1)
        let report = try self.json(run)
        #expect(report["answered"] as? Bool == false)
        #expect(report["final_status"] as? Int == 486)
        #expect(report["failure"] as? String == "rejected")
        let analysis = try #require(report["analysis"] as? [String: Any])
        let codes = ((analysis["calls"] as? [[String: Any]])?.first?["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(codes.contains("call.rejected"), "\(codes)")
    }

    @Test func badArgumentsAreUsageErrors() {
        #expect(Run(["call"]).status == 64)
        let noTrunk = Run(["call", "+15550011234"], environment: [:])
        #expect(noTrunk.status == 64)
        #expect(noTrunk.stderr.contains("needs a trunk"))
        #expect(Run(["call", "--trunk", "127.0.0.1", "--dtmf", "12x", "+1555"]).status == 64)
        #expect(Run(["call", "--trunk", "127.0.0.1", "--header", "no colon", "+1555"]).status == 64)
        #expect(Run(["call", "--trunk", "127.0.0.1", "--rtp-ports", "10-5", "+1555"]).status == 64)
        #expect(Run(["call", "--trunk", "127.0.0.1", "--password-env", "SIPTOOL_TEST_UNSET", "+1555"]).status == 64)
    }

    /// Runs a tool and returns its standard output (bounded: 30 s).
    func capture(_ arguments: [String]) throws -> String {
        let path = "/tmp/siptool-live-out-\(getpid()).txt"
        defer { unlink(path) }
        let child = try InteropTests.start(arguments, log: path)
        child.wait(seconds: 30)
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
