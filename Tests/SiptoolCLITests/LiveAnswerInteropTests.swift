import Foundation
import SiptoolCLI
import Testing

/// `siptool answer` as the far end: of a real SIPp UAC, and of `siptool call` (echo, rejection,
/// codec mismatch, cancel), plus `siptool options` against it. All on loopback, ports 5114-5119, 5123 and 5124,
/// RTP 16600-16799; the answering side runs in-process on a background thread, time-bounded.
@Suite(.serialized) struct LiveAnswerInteropTests {
    /// Runs `siptool answer ARGS` on a background thread; `result()` waits (bounded) for it.
    final class Background: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var run: Run?

        init(_ arguments: [String]) {
            DispatchQueue.global().async {
                self.run = Run(arguments)
                self.done.signal()
            }
            // Wait until it listens (bounded: 10 s), not a fixed time: on a loaded machine the
            // start can take longer than any guess.
            if let index = arguments.firstIndex(of: "--listen"), index + 1 < arguments.count, arguments[index + 1].hasPrefix("127.0.0.1:") || arguments[index + 1].hasPrefix("0.0.0.0:"),
                let colon = arguments[index + 1].lastIndex(of: ":"), let port = UInt16(arguments[index + 1][arguments[index + 1].index(after: colon)...])
            {
                let udp = !arguments.contains("tcp") && !arguments.contains("tls")
                for _ in 0..<200 where !Self.isListening(port: port, udp: udp) { usleep(50_000) }
            } else {
                usleep(500_000)
            }
        }

        /// True when something holds `port` on 127.0.0.1 (or on every address): a UDP socket in
        /// /proc/net/udp (reading it cannot race the program binding the port, as a test bind
        /// could), or a TCP connect succeeds.
        static func isListening(port: UInt16, udp: Bool) -> Bool {
            if udp {
                let hexPort = ":" + String(port, radix: 16, uppercase: true).leftPadded(to: 4)
                let table = (try? String(contentsOfFile: "/proc/net/udp", encoding: .utf8)) ?? ""
                return table.split(separator: "\n").dropFirst().contains { line in
                    let local = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? ""
                    return local.hasSuffix(hexPort) && (local.hasPrefix("0100007F") || local.hasPrefix("00000000"))
                }
            }
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { return false }
            defer { close(descriptor) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            return result == 0
        }

        func result(seconds: Int = 30) -> Run? {
            guard self.done.wait(timeout: .now() + .seconds(seconds)) == .success else { return nil }
            return self.run
        }
    }

    func json(_ run: Run?) throws -> [String: Any] {
        let run = try #require(run, "the command did not finish in time")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)\n\(run.stderr)")
    }

    @Test func sippUACCallIsAnsweredWithAudio() throws {
        guard let sipp = InteropTests.tool("sipp") else {
            print("SKIPPED: needs sipp")
            return
        }
        let answer = Background(["answer", "--json", "--listen", "127.0.0.1:5114", "--calls", "1", "--rtp-ports", "16600-16699"])
        let uac = try InteropTests.start([sipp, "-sn", "uac", "127.0.0.1:5114", "-i", "127.0.0.1", "-p", "5116", "-m", "1", "-d", "1500", "-mp", "16750", "-nostdin"], log: "/tmp/siptool-answer-uac.log")
        uac.wait(seconds: 15)
        let report = try self.json(answer.result())
        let call = try #require((report["calls"] as? [[String: Any]])?.first)
        #expect(call["status"] as? Int == 200)
        #expect(call["confirmed"] as? Bool == true, "SIPp's ACK arrived")
        #expect(call["ended_by_remote"] as? Bool == true, "SIPp hung up with BYE")
        #expect((call["rtp_sent"] as? Int ?? 0) > 40, "about 1.5 s of audio was sent")
        #expect((call["caller"] as? String) == "127.0.0.1:5116")
    }

    @Test func callToEchoingAnswerPassesAndRejectionsFail() throws {
        let echo = Background(["answer", "--json", "--listen", "127.0.0.1:5115", "--echo", "--calls", "1", "--rtp-ports", "16700-16749"])
        let call = Run(["call", "--json", "--duration", "1500ms", "--rtp-ports", "16600-16699", "sip:echo@127.0.0.1:5115"])
        #expect(call.status == 0, "\(call.stdout)")
        let answered = try self.json(echo.result())
        let echoed = try #require((answered["calls"] as? [[String: Any]])?.first)
        #expect(echoed["ended_by_remote"] as? Bool == true)
        #expect((echoed["rtp_received"] as? Int ?? 0) > 60)
        #expect(echoed["rtp_received"] as? Int == echoed["rtp_sent"] as? Int, "echo sends back every packet")

        let busy = Background(["answer", "--json", "--listen", "127.0.0.1:5123", "--respond", "603", "--calls", "1"])
        let declined = Run(["call", "--json", "--rtp-ports", "16600-16699", "sip:x@127.0.0.1:5123"])
        #expect(declined.status == 1)
        #expect(try self.json(declined)["final_status"] as? Int == 603)
        let busyRun = busy.result()
        #expect(busyRun?.status == 0, "\(busyRun?.stderr ?? "did not finish")")
    }

    /// Bound to every address (0.0.0.0), `answer` announces the address the caller reaches it on,
    /// in its Contact and its SDP, never 0.0.0.0.
    @Test func answerOnTheWildcardAddressAnnouncesARoutableAddress() throws {
        let echo = Background(["answer", "--json", "--listen", "0.0.0.0:5124", "--echo", "--calls", "1", "--rtp-ports", "16770-16799"])
        let pcap = NSTemporaryDirectory() + "siptool-wildcard-\(getpid()).pcap"
        defer { try? FileManager.default.removeItem(atPath: pcap) }
        let call = Run(["call", "--json", "--duration", "1s", "--rtp-ports", "16600-16699", "--pcap", pcap, "sip:echo@127.0.0.1:5124"])
        #expect(call.status == 0, "\(call.stdout)")
        let rtp = try #require(try self.json(call)["rtp"] as? [String: Any])
        let announced = try #require(rtp["announced_remote"] as? String)
        #expect(announced.hasPrefix("127.0.0.1:"), "SDP c= of the answer: \(announced)")
        _ = echo.result()
        // The 200 OK's Contact, as the call saw it on the wire.
        let text = String(decoding: (FileManager.default.contents(atPath: pcap) ?? Data()), as: UTF8.self)
        #expect(text.contains("Contact: <sip:echo@127.0.0.1:5124>"), "the answer's Contact")
        #expect(!text.contains("0.0.0.0"), "nothing announces the wildcard address")
    }

    @Test func codecMismatchIs488WithTheSharedFinding() throws {
        let answer = Background(["answer", "--json", "--listen", "127.0.0.1:5117", "--codecs", "pcma", "--calls", "1"])
        // siptool call offers PCMU (and telephone-event) only; the answer side accepts only PCMA.
        let call = Run(["call", "--json", "--codecs", "pcmu", "--rtp-ports", "16600-16699", "sip:x@127.0.0.1:5117"])
        #expect(call.status == 1)
        let report = try self.json(call)
        #expect(report["final_status"] as? Int == 488)
        let analysis = try #require(report["analysis"] as? [String: Any])
        let findings = (analysis["calls"] as? [[String: Any]])?.first?["findings"] as? [[String: Any]] ?? []
        let codec = findings.first { $0["code"] as? String == "sdp.no-common-codec" }
        #expect(codec != nil, "\(findings.map { $0["code"] ?? "" })")
        let answered = try self.json(answer.result())
        #expect(((answered["calls"] as? [[String: Any]])?.first?["note"] as? String)?.contains("no common codec") == true)
    }

    @Test func ringTimeoutCancelsAndTheAnswerSideSees487() throws {
        let answer = Background(["answer", "--json", "--listen", "127.0.0.1:5118", "--ring", "10s", "--calls", "1"])
        let call = Run(["call", "--json", "--ring-timeout", "1s", "--rtp-ports", "16600-16699", "sip:x@127.0.0.1:5118"])
        #expect(call.status == 1)
        #expect(try self.json(call)["failure"] as? String == "cancelled")
        let answered = try self.json(answer.result())
        let record = try #require((answered["calls"] as? [[String: Any]])?.first)
        #expect(record["cancelled"] as? Bool == true)
        #expect(record["status"] as? Int == 487)
    }

    @Test func optionsPingsTheAnswerService() throws {
        let answer = Background(["answer", "--listen", "127.0.0.1:5119", "--run-for", "2s"])
        let ping = Run(["options", "--json", "-c", "2", "-i", "100ms", "127.0.0.1:5119"])
        #expect(ping.status == 0)
        let report = try self.json(ping)
        let replies = try #require(report["replies"] as? [[String: Any]])
        #expect(replies.count == 2)
        #expect(replies.allSatisfy { $0["status"] as? Int == 200 })
        #expect((replies.first?["seen_from"] as? String)?.hasPrefix("127.0.0.1:") == true)
        #expect((replies.first?["allow"] as? String)?.contains("INVITE") == true)
        #expect((report["nat"] as? String)?.contains("no NAT") == true)
        _ = answer.result()
    }
}

extension String {
    /// The string with zeros in front up to `width` characters.
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - self.count)) + self
    }
}
