import Foundation
import SiptoolCLI
import Testing

/// `siptool call` to `siptool answer --echo` over TCP and TLS, on IPv4 and IPv6 loopback (and
/// UDP on IPv6), with the real binary built by `swift build --build-tests` on both sides. The
/// TLS certificates come from a throwaway CA made with the openssl CLI in a scratch folder.
/// Also: a certificate the client cannot verify, --insecure, OPTIONS and REGISTER over TLS, and
/// SSLKEYLOGFILE letting tshark decrypt a tcpdump capture of a TLS call.
/// Also mutual TLS (answer --client-ca, call --cert/--key). Ports: SIP 5130-5139, RTP 16800-16899.
@Suite(.serialized) struct LiveTLSInteropTests {
    /// The scratch folder with `ca.pem`, `server.pem` and `server.key` (SAN IP:127.0.0.1,
    /// IP:::1, DNS:localhost), `domain.pem`/`domain.key` naming only DNS:tls.siptool.test (for
    /// the RFC 3263 test), and a client certificate `client.pem`/`client.key` (for mutual TLS),
    /// all signed by the throwaway CA.
    struct Lab {
        let siptool: String
        let directory: String
        var ca: String { self.directory + "/ca.pem" }
        var certificate: String { self.directory + "/server.pem" }
        var key: String { self.directory + "/server.key" }

        func remove() { try? FileManager.default.removeItem(atPath: self.directory) }
    }

    /// The binary and fresh certificates, or nil (after a SKIPPED line) without them.
    static func lab() throws -> Lab? {
        guard let siptool = LiveNamespaceTests.binary else {
            print("SKIPPED: .build/debug/siptool is not built (swift build --build-tests builds it)")
            return nil
        }
        guard let openssl = InteropTests.tool("openssl") else {
            print("SKIPPED: the TLS tests need the openssl CLI (scripts/install-deps.sh test)")
            return nil
        }
        let directory = try NamespaceInteropTests.workDirectory()
        let extensions = directory + "/server.ext"
        try "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        try "subjectAltName=DNS:tls.siptool.test\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: directory + "/domain.ext", atomically: true, encoding: .utf8)
        try "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n".write(toFile: directory + "/client.ext", atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let steps: [[String]] = [
            [openssl, "req", "-x509"] + ec + ["-keyout", directory + "/ca.key", "-out", directory + "/ca.pem", "-days", "2", "-subj", "/CN=siptool test CA"],
            [openssl, "req"] + ec + ["-keyout", directory + "/server.key", "-out", directory + "/server.csr", "-subj", "/CN=localhost"],
            [openssl, "x509", "-req", "-in", directory + "/server.csr", "-CA", directory + "/ca.pem", "-CAkey", directory + "/ca.key",
             "-CAcreateserial", "-out", directory + "/server.pem", "-days", "2", "-extfile", extensions],
            [openssl, "req"] + ec + ["-keyout", directory + "/domain.key", "-out", directory + "/domain.csr", "-subj", "/CN=tls.siptool.test"],
            [openssl, "x509", "-req", "-in", directory + "/domain.csr", "-CA", directory + "/ca.pem", "-CAkey", directory + "/ca.key",
             "-CAcreateserial", "-out", directory + "/domain.pem", "-days", "2", "-extfile", directory + "/domain.ext"],
            [openssl, "req"] + ec + ["-keyout", directory + "/client.key", "-out", directory + "/client.csr", "-subj", "/CN=siptool test client"],
            [openssl, "x509", "-req", "-in", directory + "/client.csr", "-CA", directory + "/ca.pem", "-CAkey", directory + "/ca.key",
             "-CAcreateserial", "-out", directory + "/client.pem", "-days", "2", "-extfile", directory + "/client.ext"],
        ]
        for step in steps {
            let status = NamespaceInteropTests.run(step, log: directory + "/openssl.log", seconds: 20)
            guard status == 0 else {
                let log = (try? String(contentsOfFile: directory + "/openssl.log", encoding: .utf8)) ?? ""
                try? FileManager.default.removeItem(atPath: directory)
                throw NamespaceInteropTests.SetupError(description: "openssl failed (\(status)): \(log)")
            }
        }
        return Lab(siptool: siptool, directory: directory)
    }

    /// `siptool answer` as a child process; `finish` waits (bounded) and returns its output.
    struct Answer {
        let child: InteropTests.Child
        let log: String

        /// Starts it and waits (at most 10 s) until it says it listens.
        init(_ lab: Lab, _ arguments: [String], name: String) throws {
            self.log = lab.directory + "/answer-\(name).log"
            self.child = try InteropTests.start([lab.siptool, "answer"] + arguments, log: self.log)
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if let text = try? String(contentsOfFile: self.log, encoding: .utf8), text.contains("listening on") { return }
                usleep(50_000)
            }
        }

        /// Waits at most `seconds` for it to stop by itself (then SIGINT), and returns its output.
        func finish(seconds: Double = 15) -> String {
            self.child.wait(seconds: seconds)
            return (try? String(contentsOfFile: self.log, encoding: .utf8)) ?? ""
        }
    }

    /// Runs the binary to completion (bounded) and returns its exit status and combined output.
    static func run(_ lab: Lab, _ arguments: [String], name: String, environment: [String] = [], seconds: Double = 30) -> (status: Int32, output: String) {
        let log = lab.directory + "/\(name).log"
        let command = environment.isEmpty ? [lab.siptool] + arguments : ["/usr/bin/env"] + environment + [lab.siptool] + arguments
        let status = NamespaceInteropTests.run(command, log: log, seconds: seconds)
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// The JSON document in a command's output (after any stderr lines, which hold no brace).
    static func json(_ output: String) throws -> [String: Any] {
        let start = try #require(output.firstIndex(of: "{"), "no JSON in: \(output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output[start...].utf8)) as? [String: Any], "\(output)")
    }

    struct Case: Sendable, CustomStringConvertible {
        var transport: String
        var host: String
        var port: Int
        var description: String { "\(self.transport) on \(self.host)" }
        var hostPort: String { (self.host.contains(":") ? "[\(self.host)]" : self.host) + ":\(self.port)" }
    }

    @Test(arguments: [
        Case(transport: "tcp", host: "127.0.0.1", port: 5130),
        Case(transport: "tls", host: "127.0.0.1", port: 5131),
        Case(transport: "udp", host: "::1", port: 5132),
        Case(transport: "tcp", host: "::1", port: 5133),
        Case(transport: "tls", host: "::1", port: 5134),
    ])
    func callToEchoIsAnsweredWithAudioBothWays(_ test: Case) throws {
        guard let lab = try Self.lab() else { return }
        defer { lab.remove() }
        let tls = test.transport == "tls"
        let answer = try Answer(
            lab,
            ["--json", "--echo", "--calls", "1", "--run-for", "25s", "--transport", test.transport, "--listen", test.hostPort, "--rtp-ports", "16850-16899"]
                + (tls ? ["--cert", lab.certificate, "--key", lab.key] : []),
            name: test.transport)
        let call = Self.run(
            lab,
            ["call", "--json", "--duration", "1500ms", "--transport", test.transport, "--rtp-ports", "16800-16849"]
                + (tls ? ["--ca", lab.ca] : []) + ["sip:echo@\(test.hostPort)"],
            name: "call-\(test.transport)")
        let answered = answer.finish()
        #expect(call.status == 0, "\(call.output)\n\(answered)")
        let report = try Self.json(call.output)
        #expect(report["transport"] as? String == test.transport.uppercased())
        #expect(report["answered"] as? Bool == true)
        #expect(report["verdict"] as? String == "pass")
        #expect((report["local"] as? String)?.hasPrefix(test.host.contains(":") ? "[::1]:" : "127.0.0.1:") == true, "\(report["local"] ?? "")")
        let rtp = try #require(report["rtp"] as? [String: Any])
        let sent = rtp["sent"] as? Int ?? 0
        let received = rtp["received"] as? Int ?? 0
        // 1.5 s at 20 ms is about 75 packets; the echo sends each one back.
        #expect(sent > 50, "sent \(sent)")
        #expect(received > 50 && received <= sent, "received \(received) of \(sent)")
        // The call's own packets (TLS: the decrypted SIP as TCP) analysed as a capture: one call,
        // both RTP streams tied to it, ended by our BYE.
        let analysed = try #require(((report["analysis"] as? [String: Any])?["calls"] as? [[String: Any]])?.first, "\(report)")
        #expect((analysed["rtp_streams"] as? [[String: Any]])?.count == 2)
        #expect(analysed["ending"] as? String == "BYE from caller")

        let far = try Self.json(answered)
        #expect(far["transport"] as? String == test.transport.uppercased())
        let record = try #require((far["calls"] as? [[String: Any]])?.first, "\(answered)")
        #expect(record["status"] as? Int == 200)
        #expect(record["confirmed"] as? Bool == true, "the ACK came on the connection")
        #expect(record["ended_by_remote"] as? Bool == true, "the BYE came on the connection")
        #expect((record["rtp_received"] as? Int ?? 0) > 50)
        #expect(record["rtp_received"] as? Int == record["rtp_sent"] as? Int, "echo sends back every packet")
    }

    /// Mutual TLS: `answer --client-ca` refuses a caller without a certificate from that CA (in
    /// TLS 1.3 the server's alert comes after the client's handshake: the call fails at once with
    /// the reason, exit 1, no hang) and answers one that presents it with --cert and --key.
    @Test func mutualTLSNeedsTheClientCertificate() throws {
        guard let lab = try Self.lab() else { return }
        defer { lab.remove() }
        let answer = try Answer(
            lab, ["--json", "--echo", "--calls", "1", "--run-for", "25s", "-t", "tls", "--listen", "127.0.0.1:5138", "--cert", lab.certificate, "--key", lab.key,
                  "--client-ca", lab.ca, "--rtp-ports", "16850-16899"],
            name: "mtls")
        let common = ["call", "--json", "--transport", "tls", "--ca", lab.ca, "--duration", "1s", "--rtp-ports", "16800-16849"]
        let refused = Self.run(lab, common + ["sip:echo@127.0.0.1:5138"], name: "mtls-refused", seconds: 20)
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("the server requires a client certificate (mutual TLS"), "\(refused.output)")
        let call = Self.run(lab, common + ["--cert", lab.directory + "/client.pem", "--key", lab.directory + "/client.key", "sip:echo@127.0.0.1:5138"], name: "mtls")
        #expect(call.status == 0, "\(call.output)")
        #expect(try Self.json(call.output)["verdict"] as? String == "pass")
        let far = try Self.json(answer.finish())
        #expect((far["calls"] as? [[String: Any]])?.count == 1, "only the caller with a certificate got through")
        // --cert without --key is a usage error.
        let half = Self.run(lab, common + ["--cert", lab.directory + "/client.pem", "sip:echo@127.0.0.1:5138"], name: "mtls-half")
        #expect(half.status == 64, "\(half.output)")
    }

    @Test func unverifiableCertificateFailsClearlyAndInsecureWarns() throws {
        guard let lab = try Self.lab() else { return }
        defer { lab.remove() }
        let answer = try Answer(
            lab, ["--json", "--echo", "--calls", "1", "--run-for", "25s", "-t", "tls", "--listen", "127.0.0.1:5135", "--cert", lab.certificate, "--key", lab.key,
                  "--rtp-ports", "16850-16899"],
            name: "verify")
        // Without --ca the throwaway CA is unknown to the system store: one line, exit 69.
        let refused = Self.run(lab, ["call", "--transport", "tls", "--duration", "1s", "--rtp-ports", "16800-16849", "sip:echo@127.0.0.1:5135"], name: "refused", seconds: 20)
        #expect(refused.status == 69, "\(refused.output)")
        #expect(refused.output.contains("TLS handshake with 127.0.0.1:5135 failed: certificate verify failed (self-signed / unknown CA); use --ca FILE or --insecure"), "\(refused.output)")
        #expect(refused.output.split(separator: "\n").count == 1, "one line: \(refused.output)")
        // --insecure: the call works, with a warning.
        let insecure = Self.run(
            lab, ["call", "--json", "--transport", "tls", "--insecure", "--duration", "1s", "--rtp-ports", "16800-16849", "sip:echo@127.0.0.1:5135"], name: "insecure")
        #expect(insecure.status == 0, "\(insecure.output)")
        #expect(insecure.output.contains("warning: --insecure"), "\(insecure.output)")
        #expect(try Self.json(insecure.output)["verdict"] as? String == "pass")
        let far = try Self.json(answer.finish())
        #expect((far["calls"] as? [[String: Any]])?.count == 1, "the refused handshake is no call")
        // A sips: URI means TLS, so it is refused the same way without --ca.
        let sips = Self.run(lab, ["options", "-c", "1", "sips:127.0.0.1:5135"], name: "sips", seconds: 20)
        #expect(sips.status == 69, "nothing listens any more, or the handshake fails: \(sips.output)")
    }

    @Test func optionsAndRegisterOverTLS() throws {
        guard let lab = try Self.lab() else { return }
        defer { lab.remove() }
        let answer = try Answer(
            lab, ["--run-for", "6s", "-t", "tls", "--listen", "127.0.0.1:5136", "--cert", lab.certificate, "--key", lab.key], name: "options")
        defer { _ = answer.finish() }
        let ping = Self.run(lab, ["options", "--json", "-t", "tls", "--ca", lab.ca, "-c", "3", "-i", "100ms", "127.0.0.1:5136"], name: "ping")
        #expect(ping.status == 0, "\(ping.output)")
        let pinged = try Self.json(ping.output)
        #expect(pinged["transport"] as? String == "TLS")
        let replies = try #require(pinged["replies"] as? [[String: Any]])
        #expect(replies.count == 3)
        #expect(replies.allSatisfy { $0["status"] as? Int == 200 })
        #expect((replies.first?["seen_from"] as? String)?.hasPrefix("127.0.0.1:") == true, "\(replies)")
        #expect((replies.first?["allow"] as? String)?.contains("INVITE") == true)
        // `siptool answer` is no registrar: it answers REGISTER 405 Method Not Allowed, with
        // Allow (RFC 3261 §8.2.1). The request and its answer crossed the TLS connection.
        let register = Self.run(lab, ["register", "--json", "-t", "tls", "--ca", lab.ca, "--registrar", "127.0.0.1:5136", "1001@example.com"], name: "register")
        #expect(register.status == 1, "\(register.output)")
        let registered = try Self.json(register.output)
        #expect(registered["transport"] as? String == "TLS")
        #expect(registered["failure"] as? String == "rejected")
        #expect(registered["reason"] as? String == "405 Method Not Allowed")
        #expect((registered["contact"] as? String)?.hasSuffix(";transport=tls>") == true, "\(registered["contact"] ?? "")")
    }

    @Test func keyLogLetsTsharkDecryptTheCapture() throws {
        guard let lab = try Self.lab() else { return }
        defer { lab.remove() }
        guard let tshark = InteropTests.tool("tshark"), InteropTests.tool("tcpdump") != nil, getuid() == 0 else {
            print("SKIPPED: needs tshark, tcpdump and root to capture on lo")
            return
        }
        let keys = lab.directory + "/keys.log"
        let ownPcap = lab.directory + "/own.pcap"
        let answer = try Answer(
            lab, ["--json", "--echo", "--calls", "1", "--run-for", "25s", "-t", "tls", "--listen", "127.0.0.1:5137", "--cert", lab.certificate, "--key", lab.key,
                  "--rtp-ports", "16850-16899"],
            name: "keylog")
        var call: (status: Int32, output: String) = (-1, "")
        let capture = try #require(try InteropTests.capture(filter: "tcp port 5137", name: "tls-5137") {
            call = Self.run(
                lab, ["call", "--json", "-t", "tls", "--ca", lab.ca, "--duration", "1s", "--rtp-ports", "16800-16849", "--pcap", ownPcap, "sip:echo@127.0.0.1:5137"],
                name: "keylog-call", environment: ["SSLKEYLOGFILE=" + keys])
        })
        defer { unlink(capture) }
        _ = answer.finish()
        #expect(call.status == 0, "\(call.output)")
        var info = stat()
        #expect(stat(keys, &info) == 0, "the key log was written")
        #expect(info.st_mode & 0o777 == 0o600, "the key log is private: \(String(info.st_mode & 0o777, radix: 8))")
        let lines = ((try? String(contentsOfFile: keys, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("CLIENT_TRAFFIC_SECRET_0 ") || $0.hasPrefix("CLIENT_RANDOM ") }, "\(lines)")

        // On the wire: TLS only; with the key log, tshark reads the SIP inside.
        // 5137 is no SIP-over-TLS port tshark knows: say TCP 5137 is TLS and TLS 5137 is SIP.
        let out = lab.directory + "/tshark.txt"
        _ = NamespaceInteropTests.run(
            [tshark, "-r", capture, "-d", "tcp.port==5137,tls", "-d", "tls.port==5137,sip", "-o", "tls.keylog_file:\(keys)",
             "-Y", "sip.Method", "-T", "fields", "-e", "sip.Method"],
            log: out, seconds: 30)
        let decrypted = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        #expect(decrypted.contains("INVITE"), "\(decrypted)")
        #expect(decrypted.contains("BYE"), "\(decrypted)")
        let sealed = NamespaceInteropTests.run(
            [tshark, "-r", capture, "-d", "tcp.port==5137,tls", "-d", "tls.port==5137,sip", "-Y", "sip", "-T", "fields", "-e", "sip.Method"],
            log: lab.directory + "/sealed.txt", seconds: 30)
        let sealedText = (try? String(contentsOfFile: lab.directory + "/sealed.txt", encoding: .utf8)) ?? ""
        #expect(sealed == 0 && !sealedText.contains("INVITE"), "without the keys the SIP is not readable: \(sealedText)")

        // siptool's own --pcap holds the same SIP in clear, as TCP on the real ports.
        let own = lab.directory + "/own.txt"
        _ = NamespaceInteropTests.run([tshark, "-r", ownPcap, "-Y", "sip.Method", "-T", "fields", "-e", "tcp.dstport", "-e", "sip.Method"], log: own, seconds: 30)
        let ownLines = ((try? String(contentsOfFile: own, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(ownLines.contains { $0.hasPrefix("5137\tINVITE") }, "\(ownLines)")
        #expect(ownLines.contains { $0.hasPrefix("5137\tBYE") }, "\(ownLines)")
    }
}
