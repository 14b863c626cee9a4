import Foundation
import NIOCore
import SiptoolCLI
import SiptoolRuntime
import Testing

/// RFC 3263 against a real DNS server: dnsmasq (Debian package dnsmasq-base) serves NAPTR, SRV and A records
/// for test.siptool.test on 127.0.0.1:15353; `siptool options` and `siptool call` find an in-process
/// `siptool answer` through them, failing over from a dead first SRV target (a port nobody listens
/// on: ICMP port unreachable), and a TLS server through `_sips._tcp`. Ports: SIP 5140-5149, RTP
/// 16900-16999, DNS 15353.
@Suite(.serialized) struct LiveDNSInteropTests {
    static let dnsPort = 15353

    /// dnsmasq in the foreground with only the records given, no upstream, no hosts file.
    /// Priority 10: dead.test.siptool.test:5140 (nothing listens); priority 20: sip1:5141.
    static func startDNS(extra: [String] = []) throws -> InteropTests.Child? {
        guard let dnsmasq = InteropTests.tool("dnsmasq") else {
            print("SKIPPED: needs dnsmasq")
            return nil
        }
        let arguments = [
            dnsmasq, "--keep-in-foreground", "--no-daemon", "--port=\(Self.dnsPort)", "--listen-address=127.0.0.1", "--bind-interfaces",
            "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--local=/siptool.test/",
            "--naptr-record=test.siptool.test,10,10,s,SIP+D2U,,_sip._udp.test.siptool.test",
            "--srv-host=_sip._udp.test.siptool.test,dead.test.siptool.test,5140,10,10",
            "--srv-host=_sip._udp.test.siptool.test,sip1.test.siptool.test,5141,20,10",
            "--host-record=dead.test.siptool.test,127.0.0.1",
            "--host-record=sip1.test.siptool.test,127.0.0.1",
            "--host-record=plain.siptool.test,127.0.0.1",
            // No NAPTR for busy.siptool.test: SRV only, a 503 server first, then sip1.
            "--srv-host=_sip._udp.busy.siptool.test,sip2.test.siptool.test,5142,10,10",
            "--srv-host=_sip._udp.busy.siptool.test,sip1.test.siptool.test,5141,20,10",
            "--host-record=sip2.test.siptool.test,127.0.0.1",
        ] + extra
        let child = try InteropTests.start(arguments, log: "/tmp/siptool-dnsmasq.log")
        InteropTests.waitUntilListening(Self.dnsPort)
        return child
    }

    func json(_ run: Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)\n\(run.stderr)")
    }

    @Test func optionsFollowsNAPTRAndSRVAndFailsOverFromADeadTarget() throws {
        guard let dns = try Self.startDNS() else { return }
        defer { dns.stop(SIGTERM) }
        let answer = LiveAnswerInteropTests.Background(["answer", "--listen", "127.0.0.1:5141", "--run-for", "10s"])
        let run = Run(["options", "--json", "-c", "1", "--dns-server", "127.0.0.1:\(Self.dnsPort)", "sip:test.siptool.test"])
        _ = answer.result()
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let report = try self.json(run)
        #expect(report["server"] as? String == "127.0.0.1:5141")
        let replies = report["replies"] as? [[String: Any]] ?? []
        #expect(replies.first?["status"] as? Int == 200)
        let resolution = try #require(report["resolution"] as? [String: Any])
        #expect(resolution["method"] as? String == "rfc3263")
        #expect(resolution["dns_servers"] as? [String] == ["127.0.0.1:15353"])
        #expect(resolution["chosen"] as? Int == 1)
        let targets = resolution["targets"] as? [[String: Any]] ?? []
        #expect(targets.map { $0["port"] as? Int } == [5140, 5141])
        #expect(targets.first?["reason"] as? String == "NAPTR 10 10 SIP+D2U -> _sip._udp.test.siptool.test SRV 10 10 5140 dead.test.siptool.test -> 127.0.0.1")
        let firstFailure: String = (targets.first?["failure"] as? String) ?? ""
        #expect(firstFailure.contains("port unreachable"), "\(targets)")
        #expect(targets.last?["tried"] as? Bool == true)
        #expect(targets.last?["failure"] is NSNull)

        // The text report shows the chosen target and the chain on one line.
        let answer2 = LiveAnswerInteropTests.Background(["answer", "--listen", "127.0.0.1:5141", "--run-for", "10s"])
        let text = Run(["options", "-c", "1", "sip:test.siptool.test"], environment: ["SIPTOOL_DNS_SERVER": "127.0.0.1:\(Self.dnsPort)"])
        let served = answer2.result()
        #expect(text.status == 0, "\(text.stdout)\n\(text.stderr)\nthe answer side: \(served?.stderr ?? "did not finish")")
        #expect(text.stdout.contains(
            "Resolved test.siptool.test (RFC 3263, DNS 127.0.0.1:15353): UDP 127.0.0.1:5141 from NAPTR 10 10 SIP+D2U -> _sip._udp.test.siptool.test SRV 20 10 5141 sip1.test.siptool.test -> 127.0.0.1"),
            "\(text.stdout)")
        #expect(text.stdout.contains("failed over from UDP 127.0.0.1:5140"), "\(text.stdout)")
    }

    @Test func callReachesTheEchoThroughSRVAfterTheDeadTarget() throws {
        guard let dns = try Self.startDNS() else { return }
        defer { dns.stop(SIGTERM) }
        let echo = LiveAnswerInteropTests.Background(["answer", "--json", "--listen", "127.0.0.1:5141", "--echo", "--calls", "1", "--rtp-ports", "16950-16999"])
        let call = Run(["call", "--json", "--duration", "1500ms", "--rtp-ports", "16900-16949", "--dns-server", "127.0.0.1:\(Self.dnsPort)", "sip:echo@test.siptool.test"])
        _ = echo.result()
        #expect(call.status == 0, "\(call.stdout)\n\(call.stderr)")
        let report = try self.json(call)
        #expect(report["answered"] as? Bool == true)
        #expect(report["server"] as? String == "127.0.0.1:5141")
        #expect(report["target"] as? String == "sip:echo@test.siptool.test", "the Request-URI keeps the domain")
        let resolution = try #require(report["resolution"] as? [String: Any])
        #expect(resolution["chosen"] as? Int == 1)
        let targets = resolution["targets"] as? [[String: Any]] ?? []
        #expect(targets.map { $0["transport"] as? String } == ["UDP", "UDP"])
        let firstFailure: String = (targets.first?["failure"] as? String) ?? ""
        #expect(firstFailure.contains("port unreachable"), "\(targets)")
    }

    /// `--transport tls` to a domain: SRV `_sips._tcp` finds the server, and its certificate is
    /// checked against the domain (RFC 5922 §4.1): it names only tls.siptool.test, neither the
    /// SRV target's host nor its address.
    @Test func tlsTargetsAreFoundThroughSipsSRVAndCheckedAgainstTheDomain() throws {
        guard let lab = try LiveTLSInteropTests.lab() else { return }
        defer { lab.remove() }
        guard let dns = try Self.startDNS(extra: ["--srv-host=_sips._tcp.tls.siptool.test,sip1.test.siptool.test,5144,10,10"]) else { return }
        defer { dns.stop(SIGTERM) }
        let answer = try LiveTLSInteropTests.Answer(lab, [
            "--transport", "tls", "--listen", "127.0.0.1:5144", "--cert", lab.directory + "/domain.pem", "--key", lab.directory + "/domain.key",
            "--echo", "--calls", "1",
            "--rtp-ports", "16950-16999",
        ], name: "dns-tls")
        let common = ["--transport", "tls", "--dns-server", "127.0.0.1:\(Self.dnsPort)", "--ca", lab.ca]
        let ping = LiveTLSInteropTests.run(lab, ["options", "--json", "-c", "1"] + common + ["sip:tls.siptool.test"], name: "dns-tls-options")
        #expect(ping.status == 0, "\(ping.output)")
        let call = LiveTLSInteropTests.run(lab, ["call", "--json", "--duration", "1s", "--rtp-ports", "16900-16949"] + common + ["sip:echo@tls.siptool.test"], name: "dns-tls-call")
        _ = answer.finish()
        #expect(call.status == 0, "\(call.output)")
        let report = try LiveTLSInteropTests.json(call.output)
        #expect(report["server"] as? String == "127.0.0.1:5144")
        let targets = ((report["resolution"] as? [String: Any])?["targets"] as? [[String: Any]]) ?? []
        #expect(targets.map { $0["transport"] as? String } == ["TLS"])
        let reason: String = (targets.first?["reason"] as? String) ?? ""
        #expect(reason.contains("_sips._tcp.tls.siptool.test"), "\(targets)")
    }

    /// `--concurrent` resolves the trunk once (RFC 3263) and sends every call to the first target.
    @Test func aLoadTestResolvesOnceAndCallsTheFirstTarget() throws {
        guard let dns = try Self.startDNS(extra: ["--srv-host=_sip._udp.load.siptool.test,sip1.test.siptool.test,5141,10,10"]) else { return }
        defer { dns.stop(SIGTERM) }
        let echo = LiveAnswerInteropTests.Background(["answer", "--json", "--listen", "127.0.0.1:5141", "--echo", "--calls", "2", "--rtp-ports", "16950-16999"])
        let load = Run([
            "call", "--json", "--concurrent", "2", "--rate", "10", "--duration", "1s", "--rtp-ports", "16900-16949",
            "--dns-server", "127.0.0.1:\(Self.dnsPort)", "sip:echo@load.siptool.test",
        ])
        _ = echo.result()
        #expect(load.status == 0, "\(load.stdout)\n\(load.stderr)")
        let report = try self.json(load)
        #expect(report["passed"] as? Int == 2)
        #expect(report["server"] as? String == "127.0.0.1:5141")
        let resolution = try #require(report["resolution"] as? [String: Any], "\(report)")
        #expect(resolution["method"] as? String == "rfc3263")
        #expect(resolution["chosen"] as? Int == 0)
    }

    @Test func a503FromTheFirstSRVTargetMovesTheCallToTheNext() throws {
        guard let dns = try Self.startDNS() else { return }
        defer { dns.stop(SIGTERM) }
        let busy = LiveAnswerInteropTests.Background(["answer", "--json", "--listen", "127.0.0.1:5142", "--respond", "503", "--calls", "1"])
        let echo = LiveAnswerInteropTests.Background(["answer", "--json", "--listen", "127.0.0.1:5141", "--echo", "--calls", "1", "--rtp-ports", "16950-16999"])
        let call = Run(["call", "--json", "--duration", "1s", "--rtp-ports", "16900-16949", "--dns-server", "127.0.0.1:\(Self.dnsPort)", "sip:echo@busy.siptool.test"])
        _ = busy.result()
        _ = echo.result()
        #expect(call.status == 0, "\(call.stdout)\n\(call.stderr)")
        let report = try self.json(call)
        #expect(report["server"] as? String == "127.0.0.1:5141")
        let resolution = try #require(report["resolution"] as? [String: Any])
        let targets = resolution["targets"] as? [[String: Any]] ?? []
        #expect(targets.map { $0["port"] as? Int } == [5142, 5141])
        #expect(targets.first?["reason"] as? String == "no NAPTR -> _sip._udp.busy.siptool.test SRV 10 10 5142 sip2.test.siptool.test -> 127.0.0.1")
        #expect(targets.first?["failure"] as? String == "503 Service Unavailable", "\(targets)")
        #expect(resolution["chosen"] as? Int == 1)
    }

    @Test func aTruncatedSRVAnswerIsAskedAgainOverTCP() throws {
        // 30 SRV records with long targets (and their glue) do not fit 512 octets: dnsmasq sets TC.
        var records: [String] = []
        for index in 0..<30 {
            let host = "host-\(index)-with-a-rather-long-label-to-fill-the-answer.test.siptool.test"
            records.append("--srv-host=_sip._udp.big.siptool.test,\(host),5143,\(index == 0 ? 1 : 50),10")
            // Distinct addresses: targets with the same address, port and transport are merged.
            records.append("--host-record=\(host),127.0.\(index == 0 ? 0 : 1).\(index + 1)")
        }
        guard InteropTests.tool("dnsmasq") != nil else {
            print("SKIPPED: needs dnsmasq")
            return
        }
        // The live target is the first one here: start it before the DNS server so it is surely
        // listening when the OPTIONS leaves (a busy machine can be slow to start it).
        let answer = LiveAnswerInteropTests.Background(["answer", "--listen", "127.0.0.1:5143", "--run-for", "10s"])
        guard let dns = try Self.startDNS(extra: records) else { return }
        defer { dns.stop(SIGTERM) }
        let run = Run(["options", "--json", "-c", "1", "--dns-server", "127.0.0.1:\(Self.dnsPort)", "big.siptool.test"])
        _ = answer.result()
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let report = try self.json(run)
        let resolution = try #require(report["resolution"] as? [String: Any])
        let notes = resolution["notes"] as? [String] ?? []
        #expect(!notes.contains { $0.contains("truncated") }, "the TCP answer replaced the truncated one: \(notes)")
        let targets = resolution["targets"] as? [[String: Any]] ?? []
        #expect(targets.count == 16, "all 30 SRV records arrived (16 targets is the bound)")
        let firstReason: String = (targets.first?["reason"] as? String) ?? ""
        #expect(firstReason.contains("SRV 1 10 5143 host-0-with"), "\(firstReason)")
    }

    @Test func nameserverOptionsAndResolvConfAreRead() {
        let servers = DNSServers.fromResolvConf("# c\nsearch example.com\nnameserver 192.0.2.53\nnameserver\tfe80::1%eth0\nnameserver ::1\n")
        #expect(servers.map(\.ipAddress) == ["192.0.2.53", "::1"], "the scoped address is left out")
        #expect(servers.map(\.port) == [53, 53])
        #expect((try? DNSServers.parse("127.0.0.1:15353"))?.port == 15353)
        #expect((try? DNSServers.parse("[::1]:54"))?.port == 54)
        #expect((try? DNSServers.parse("::1"))?.port == 53)
        #expect((try? DNSServers.parse("dns.example")) == nil)
        #expect((try? DNSServers.parse("127.0.0.1:0")) == nil)
    }

    @Test func aNameWithoutRecordsAndADeadNameserverAreClearErrors() throws {
        guard let dns = try Self.startDNS() else { return }
        defer { dns.stop(SIGTERM) }
        // No NAPTR, no SRV: A record on 5060 is the RFC 3263 fallback; nothing there, but the chain says so.
        let missing = Run(["options", "-c", "1", "--dns-server", "127.0.0.1:\(Self.dnsPort)", "sip:nothing.siptool.test"])
        #expect(missing.status == 69, "\(missing.stdout)\n\(missing.stderr)")
        #expect(missing.stderr.contains("cannot resolve 'nothing.siptool.test' (RFC 3263): no NAPTR, SRV or A/AAAA record"), "\(missing.stderr)")
        // A nameserver that does not answer: a clear error, no silent fallback to the system resolver.
        let dead = Run(["options", "-c", "1", "--dns-server", "127.0.0.1:15354", "sip:test.siptool.test"])
        #expect(dead.status == 69, "\(dead.stdout)\n\(dead.stderr)")
        #expect(dead.stderr.contains("no DNS server answered (127.0.0.1:15354)"), "\(dead.stderr)")
        #expect(dead.stderr.contains("does not fall back to the system resolver"), "\(dead.stderr)")
        let bad = Run(["options", "--dns-server", "dns.example", "sip:test.siptool.test"])
        #expect(bad.status == 64, "\(bad.stderr)")
    }
}
