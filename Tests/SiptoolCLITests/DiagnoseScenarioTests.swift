import Foundation
import PcapIO
import SiptoolCLI
import Testing

/// Builds a capture of one call (SIP over UDP plus RTP) with faults injected, for `siptool diagnose`.
struct CallCapture {
    var frames: [(ns: Int64, bytes: [UInt8])] = []
    var time: Int64 = 1_700_000_000_000_000_000
    let caller = ("203.0.113.5", UInt16(5060))
    let callee = ("198.51.100.10", UInt16(5060))
    var callID = "scenario-1@test"

    /// How SIP messages appear in the capture: as themselves, as HEP3 copies a capture agent
    /// (10.9.9.9) sends to a collector (10.9.9.1:9060), or both (the copy 1 ms after or before).
    enum SIPCopies { case wire, hep, wireThenHEP, hepThenWire }
    var sipCopies = SIPCopies.wire

    mutating func udp(from: (String, UInt16), to: (String, UInt16), _ payload: [UInt8], afterMs: Double = 10) {
        self.time += Int64(afterMs * 1_000_000)
        let frame = FrameBuilder.ethernetIPv4UDP(source: (FrameBuilder.ipv4(from.0)!, from.1), destination: (FrameBuilder.ipv4(to.0)!, to.1), payload: payload)
        self.frames.append((self.time, frame))
    }

    /// A HEP3 message (vendor 0 chunks: family, protocol, IPv4 addresses, ports, time, payload
    /// type SIP, agent ID, payload) for a UDP packet.
    static func hep3(from: (String, UInt16), to: (String, UInt16), _ payload: [UInt8], seconds: UInt32) -> [UInt8] {
        func chunk(_ type: UInt16, _ value: [UInt8]) -> [UInt8] {
            [0, 0, UInt8(type >> 8), UInt8(type & 0xFF), UInt8((6 + value.count) >> 8), UInt8((6 + value.count) & 0xFF)] + value
        }
        func word(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        let body = chunk(1, [2]) + chunk(2, [17]) + chunk(3, word(FrameBuilder.ipv4(from.0)!)) + chunk(4, word(FrameBuilder.ipv4(to.0)!))
            + chunk(7, [UInt8(from.1 >> 8), UInt8(from.1 & 0xFF)]) + chunk(8, [UInt8(to.1 >> 8), UInt8(to.1 & 0xFF)])
            + chunk(9, word(seconds)) + chunk(10, word(0)) + chunk(11, [1]) + chunk(12, word(7)) + chunk(15, payload)
        let total = 6 + body.count
        return Array("HEP3".utf8) + [UInt8(total >> 8), UInt8(total & 0xFF)] + body
    }

    mutating func sip(_ lines: [String], body: String = "", contentType: String = "application/sdp", fromCaller: Bool, afterMs: Double = 10) {
        let crlfBody = body.replacingOccurrences(of: "\n", with: "\r\n")
        var all = lines + ["Call-ID: \(self.callID)"]
        if !crlfBody.isEmpty { all.append("Content-Type: \(contentType)") }
        all.append("Content-Length: \(crlfBody.utf8.count)")
        let text = all.joined(separator: "\r\n") + "\r\n\r\n" + crlfBody
        let (from, to) = fromCaller ? (self.caller, self.callee) : (self.callee, self.caller)
        let hep = Self.hep3(from: from, to: to, Array(text.utf8), seconds: UInt32(self.time / 1_000_000_000))
        let agent = ("10.9.9.9", UInt16(40000))
        let collector = ("10.9.9.1", UInt16(9060))
        switch self.sipCopies {
        case .wire:
            self.udp(from: from, to: to, Array(text.utf8), afterMs: afterMs)
        case .hep:
            self.udp(from: agent, to: collector, hep, afterMs: afterMs)
        case .wireThenHEP:
            self.udp(from: from, to: to, Array(text.utf8), afterMs: afterMs)
            self.udp(from: agent, to: collector, hep, afterMs: 1)
        case .hepThenWire:
            self.udp(from: agent, to: collector, hep, afterMs: afterMs)
            self.udp(from: from, to: to, Array(text.utf8), afterMs: 1)
        }
    }

    static func sdp(_ address: String, _ port: Int, codecs: String = "0 101") -> String {
        """
        v=0
        o=- 1 1 IN IP4 \(address)
        s=-
        c=IN IP4 \(address)
        t=0 0
        m=audio \(port) RTP/AVP \(codecs)
        a=rtpmap:0 PCMU/8000
        a=rtpmap:101 telephone-event/8000

        """
    }

    static func rtp(seq: UInt16, ts: UInt32, ssrc: UInt32, pt: UInt8 = 0, marker: Bool = false, payload: [UInt8]? = nil) -> [UInt8] {
        var packet: [UInt8] = [0x80, (marker ? 0x80 : 0) | pt, UInt8(seq >> 8), UInt8(seq & 0xFF)]
        packet += [UInt8(ts >> 24), UInt8((ts >> 16) & 0xFF), UInt8((ts >> 8) & 0xFF), UInt8(ts & 0xFF)]
        packet += [UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xFF), UInt8((ssrc >> 8) & 0xFF), UInt8(ssrc & 0xFF)]
        // A 1 kHz-ish tone, so the stream is not silent.
        packet += payload ?? (0..<160).map { i in [0x1E, 0x9E, 0x1E, 0x9E][i % 4] }
        return packet
    }

    /// INVITE with SDP, 100, 180, 200 with SDP, ACK: the caller offers `callerMedia`, the callee answers `calleeMedia`.
    mutating func setUp(callerMedia: (String, Int), calleeMedia: (String, Int), contact: String = "198.51.100.10") {
        let via = "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-inv;rport"
        let common = ["From: <sip:alice@example.com>;tag=a1", "To: <sip:+15550011234@198.51.100.10>", "CSeq: 1 INVITE"]
        self.sip(["INVITE sip:+15550011234@198.51.100.10 SIP/2.0", via, "Max-Forwards: 70"] + common + ["Contact: <sip:alice@203.0.113.5>"],
                 body: Self.sdp(callerMedia.0, callerMedia.1), fromCaller: true, afterMs: 0)
        self.sip(["SIP/2.0 100 Trying", via] + common, fromCaller: false, afterMs: 20)
        let tagged = ["From: <sip:alice@example.com>;tag=a1", "To: <sip:+15550011234@198.51.100.10>;tag=b1", "CSeq: 1 INVITE"]
        self.sip(["SIP/2.0 180 Ringing", via] + tagged, fromCaller: false, afterMs: 300)
        self.sip(["SIP/2.0 200 OK", via] + tagged + ["Contact: <sip:bob@\(contact):5060>"], body: Self.sdp(calleeMedia.0, calleeMedia.1), fromCaller: false, afterMs: 2000)
        self.sip(["ACK sip:bob@198.51.100.10:5060 SIP/2.0", "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-ack", "Max-Forwards: 70",
                  "From: <sip:alice@example.com>;tag=a1", "To: <sip:+15550011234@198.51.100.10>;tag=b1", "CSeq: 1 ACK"], fromCaller: true, afterMs: 20)
    }

    mutating func bye() {
        self.sip(["BYE sip:bob@198.51.100.10:5060 SIP/2.0", "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-bye", "Max-Forwards: 70",
                  "From: <sip:alice@example.com>;tag=a1", "To: <sip:+15550011234@198.51.100.10>;tag=b1", "CSeq: 2 BYE"], fromCaller: true, afterMs: 20)
        self.sip(["SIP/2.0 200 OK", "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-bye",
                  "From: <sip:alice@example.com>;tag=a1", "To: <sip:+15550011234@198.51.100.10>;tag=b1", "CSeq: 2 BYE"], fromCaller: false, afterMs: 20)
    }

    /// `count` packets every 20 ms in each listed direction, interleaved.
    mutating func media(_ directions: [((String, UInt16), (String, UInt16), UInt32)], count: Int = 150, drop: (Int) -> Bool = { _ in false }) {
        for i in 0..<count {
            for (index, (from, to, ssrc)) in directions.enumerated() {
                let packet = Self.rtp(seq: UInt16(1000 + i), ts: UInt32(160 * i), ssrc: ssrc, marker: i == 0)
                if drop(i) {
                    self.time += 1_000_000
                    continue
                }
                self.udp(from: from, to: to, packet, afterMs: index == 0 ? Double(21 - directions.count) : 1)
            }
        }
    }

    func write() throws -> String {
        let path = "/tmp/siptool-scenario-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).pcap"
        let writer = try CaptureWriter(path: path, linkType: 1)
        for frame in self.frames {
            writer.write(seconds: frame.ns / 1_000_000_000, nanoseconds: frame.ns % 1_000_000_000, bytes: frame.bytes)
        }
        try writer.finish()
        return path
    }
}

@Suite struct DiagnoseScenarioTests {
    func diagnose(_ capture: CallCapture, _ extra: [String] = []) throws -> (Run, [String: Any]) {
        let path = try capture.write()
        defer { unlink(path) }
        let run = Run(["diagnose", "--json"] + extra + [path])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
        return (run, json)
    }

    func findings(_ json: [String: Any]) -> [[String: Any]] {
        ((json["calls"] as? [[String: Any]]) ?? []).flatMap { ($0["findings"] as? [[String: Any]]) ?? [] }
    }

    func codes(_ json: [String: Any]) -> [String] { self.findings(json).compactMap { $0["code"] as? String } }

    @Test func cleanCallHasTwoStreamsAndExitsZero() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        capture.media([(("203.0.113.5", 40000), ("198.51.100.10", 30000), 0x1111), (("198.51.100.10", 30000), ("203.0.113.5", 40000), 0x2222)])
        capture.bye()
        let (run, json) = try self.diagnose(capture)
        #expect(run.status == 0, "\(self.codes(json))")
        let call = try #require((json["calls"] as? [[String: Any]])?.first)
        #expect((call["rtp_streams"] as? [Any])?.count == 2)
        #expect(call["final_status"] as? Int == 200)
        #expect(call["ending"] as? String == "BYE from caller")
        #expect(!self.codes(json).contains { $0.hasPrefix("media.") })
    }

    /// A capture taken at a HEP collector: each SIP message arrives as a HEP3 copy from an agent.
    /// The call is read between the original endpoints; a damaged copy is named in a warning.
    @Test func hepCopiesAreReadAsTheCall() throws {
        var capture = CallCapture()
        capture.sipCopies = .hep
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        capture.bye()
        // A cut copy (its length field no longer matches) is counted and reported, not read.
        let damaged = CallCapture.hep3(from: capture.caller, to: capture.callee, Array("OPTIONS sip:x SIP/2.0\r\n\r\n".utf8), seconds: 1)
        capture.udp(from: ("10.9.9.9", 40000), to: ("10.9.9.1", 9060), Array(damaged.dropLast(4)))
        let (_, json) = try self.diagnose(capture)
        let counters = json["counters"] as? [String: Any] ?? [:]
        #expect(counters["hep_messages"] as? Int == 8 && counters["sip_messages"] as? Int == 7, "\(counters)")
        let warnings = json["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.contains("1 of 8 HEP3 datagram(s) could not be read") && $0.contains("frame 8") }, "\(warnings)")
        let call = try #require((json["calls"] as? [[String: Any]])?.first)
        #expect(call["final_status"] as? Int == 200)
        #expect(call["ending"] as? String == "BYE from caller")
        #expect(call["caller"] as? String == "203.0.113.5:5060" && call["callee"] as? String == "198.51.100.10:5060")
        #expect(call["transport"] as? String == "UDP")
        #expect((call["sip"] as? [Any])?.count == 7)
    }

    /// tcpdump on a proxy's host that sends HEP3 to a collector sees each message twice, on the
    /// wire and as the copy: each is read once, and a BYE the caller really sent twice still
    /// counts as retransmitted.
    @Test(arguments: [CallCapture.SIPCopies.wireThenHEP, .hepThenWire])
    func wireAndHEPCopiesAreReadOnce(order: CallCapture.SIPCopies) throws {
        var capture = CallCapture()
        capture.sipCopies = order
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        capture.bye()
        capture.bye()
        let (_, json) = try self.diagnose(capture)
        let counters = json["counters"] as? [String: Any] ?? [:]
        #expect(counters["hep_messages"] as? Int == 9 && counters["sip_messages"] as? Int == 18, "\(counters)")
        #expect(counters["hep_duplicates"] as? Int == 9 && counters["sip_retransmissions"] as? Int == 2, "\(counters)")
        let call = try #require((json["calls"] as? [[String: Any]])?.first)
        #expect((json["calls"] as? [Any])?.count == 1)
        #expect((call["sip"] as? [Any])?.count == 9)
        #expect(call["final_status"] as? Int == 200 && call["ending"] as? String == "BYE from caller")
    }

    @Test func oneWayAudioNamesTheMissingDirectionAndAddress() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        // Only the callee's audio reaches the caller.
        capture.media([(("198.51.100.10", 30000), ("203.0.113.5", 40000), 0x2222)])
        capture.bye()
        let (run, json) = try self.diagnose(capture)
        #expect(run.status == 1)
        let finding = try #require(self.findings(json).first { $0["code"] as? String == "media.one-way" })
        let summary = finding["summary"] as? String ?? ""
        #expect(summary.contains("callee -> caller"))
        #expect(summary.contains("198.51.100.10:30000"))
        #expect(finding["severity"] as? String == "error")
    }

    @Test func privateSDPAddressBehindNATGivesOneWayWithCause() throws {
        var capture = CallCapture()
        // The callee announces a private address but its RTP comes from its public one.
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("10.0.0.7", 30000))
        capture.media([(("198.51.100.10", 31000), ("203.0.113.5", 40000), 0x2222)])
        capture.bye()
        let (_, json) = try self.diagnose(capture)
        let codes = self.codes(json)
        #expect(codes.contains("media.one-way"))
        #expect(codes.contains("nat.private-sdp-address"))
        let oneWay = self.findings(json).first { $0["code"] as? String == "media.one-way" }?["summary"] as? String ?? ""
        #expect(oneWay.contains("10.0.0.7"))
        #expect(oneWay.contains("RFC 1918"))
    }

    @Test func rtpSentToAPrivateAddressSeenOnThePublicSideIsOneWay() throws {
        var capture = CallCapture()
        // The caller signals from 203.0.113.5 but announces 10.0.0.2: the callee's RTP to 10.0.0.2
        // is seen leaving, yet it cannot arrive; an Internet router answered it with ICMP.
        capture.setUp(callerMedia: ("10.0.0.2", 40000), calleeMedia: ("198.51.100.10", 30000))
        capture.media([(("203.0.113.5", 40000), ("198.51.100.10", 30000), 0x1111), (("198.51.100.10", 30000), ("10.0.0.2", 40000), 0x2222)], count: 60)
        // ICMP network unreachable (3/0) from 198.51.100.1, quoting the IP header and 8 bytes of one of those packets.
        let quoted = FrameBuilder.ipv4UDP(source: (FrameBuilder.ipv4("198.51.100.10")!, 30000), destination: (FrameBuilder.ipv4("10.0.0.2")!, 40000), payload: CallCapture.rtp(seq: 1, ts: 0, ssrc: 0x2222))
        let icmp: [UInt8] = [3, 0, 0, 0, 0, 0, 0, 0] + quoted.prefix(28)
        var ip: [UInt8] = [0x45, 0, 0, UInt8(20 + icmp.count), 0, 0, 0, 0, 64, 1, 0, 0, 198, 51, 100, 1, 198, 51, 100, 10]
        let checksum = FrameBuilder.internetChecksum(ip)
        ip[10] = UInt8(checksum >> 8)
        ip[11] = UInt8(checksum & 0xFF)
        capture.time += 1_000_000
        capture.frames.append((capture.time, FrameBuilder.ethernet(etherType: FrameBuilder.etherTypeIPv4, payload: ip + icmp)))
        capture.bye()
        let (run, json) = try self.diagnose(capture)
        #expect(run.status == 1)
        let summary = self.findings(json).first { $0["code"] as? String == "media.one-way" }?["summary"] as? String ?? ""
        #expect(summary.contains("no audio callee -> caller"), "\(self.codes(json))")
        #expect(summary.contains("10.0.0.2:40000") && summary.contains("203.0.113.5:40000"), "\(summary)")
        #expect(summary.contains("ICMP network unreachable from 198.51.100.1"), "\(summary)")
        #expect(self.codes(json).contains("nat.asymmetric-rtp"))
    }

    /// An ICMP port unreachable (3/3) from `reporter` quoting a caller -> callee RTP packet.
    static func portUnreachable(reporter: [UInt8], quoting from: (String, UInt16), _ to: (String, UInt16)) -> [UInt8] {
        let quoted = FrameBuilder.ipv4UDP(source: (FrameBuilder.ipv4(from.0)!, from.1), destination: (FrameBuilder.ipv4(to.0)!, to.1), payload: CallCapture.rtp(seq: 1, ts: 0, ssrc: 0x1111))
        let icmp: [UInt8] = [3, 3, 0, 0, 0, 0, 0, 0] + quoted.prefix(28)
        let sender = from.0.split(separator: ".").compactMap { UInt8($0) }
        var ip: [UInt8] = [0x45, 0, 0, UInt8(20 + icmp.count), 0, 0, 0, 0, 64, 1, 0, 0] + reporter + sender
        let checksum = FrameBuilder.internetChecksum(ip)
        ip[10] = UInt8(checksum >> 8)
        ip[11] = UInt8(checksum & 0xFF)
        return FrameBuilder.ethernet(etherType: FrameBuilder.etherTypeIPv4, payload: ip + icmp)
    }

    @Test func icmpForTheFirstPacketsIsReportedAndAfterTheByeIsNot() throws {
        let caller: (String, UInt16) = ("203.0.113.5", 40000)
        let callee: (String, UInt16) = ("198.51.100.10", 30000)
        var capture = CallCapture()
        capture.setUp(callerMedia: (caller.0, Int(caller.1)), calleeMedia: (callee.0, Int(callee.1)))
        capture.media([(caller, callee, 0x1111), (callee, caller, 0x2222)], count: 3)
        // The callee's port was not open for the first packets.
        capture.time += 1_000_000
        capture.frames.append((capture.time, Self.portUnreachable(reporter: [198, 51, 100, 10], quoting: caller, callee)))
        capture.media([(caller, callee, 0x1111), (callee, caller, 0x2222)], count: 100)
        capture.bye()
        let (run, json) = try self.diagnose(capture)
        #expect(run.status == 0, "an info finding does not fail the run: \(self.codes(json))")
        let finding = try #require(self.findings(json).first { $0["code"] as? String == "media.icmp-unreachable" }, "\(self.codes(json))")
        #expect(finding["severity"] as? String == "info")
        let summary = finding["summary"] as? String ?? ""
        #expect(summary.contains("198.51.100.10:30000") && summary.contains("port unreachable"), "\(summary)")
        #expect(!self.codes(json).contains("media.one-way"))

        // A refusal after the BYE (the far end closed its port; late packets) is normal.
        var late = CallCapture()
        late.setUp(callerMedia: (caller.0, Int(caller.1)), calleeMedia: (callee.0, Int(callee.1)))
        late.media([(caller, callee, 0x1111), (callee, caller, 0x2222)], count: 100)
        late.bye()
        late.time += 5_000_000
        late.frames.append((late.time, Self.portUnreachable(reporter: [198, 51, 100, 10], quoting: caller, callee)))
        let (_, lateJSON) = try self.diagnose(late)
        #expect(!self.codes(lateJSON).contains("media.icmp-unreachable"), "\(self.codes(lateJSON))")
    }

    @Test func asymmetricRTPSourceIsNAT() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        capture.media([(("203.0.113.5", 40000), ("198.51.100.10", 30000), 0x1111), (("198.51.100.10", 45678), ("203.0.113.5", 40000), 0x2222)])
        capture.bye()
        let (_, json) = try self.diagnose(capture)
        let finding = try #require(self.findings(json).first { $0["code"] as? String == "nat.asymmetric-rtp" })
        #expect((finding["summary"] as? String)?.contains("198.51.100.10:45678") == true)
    }

    @Test func noAudioAtAllWhenTheCaptureHasOtherRTP() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        // Some unrelated RTP elsewhere, so the capture point does see media.
        capture.media([(("192.0.2.50", 20000), ("192.0.2.60", 20002), 0x9999)], count: 50)
        capture.bye()
        let (_, json) = try self.diagnose(capture)
        #expect(self.codes(json).contains("media.no-audio"))
        #expect((json["unassociated_rtp_streams"] as? [Any])?.count == 1)
    }

    @Test func lossIsReportedWithBursts() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        capture.media(
            [(("203.0.113.5", 40000), ("198.51.100.10", 30000), 0x1111), (("198.51.100.10", 30000), ("203.0.113.5", 40000), 0x2222)],
            count: 200, drop: { $0 % 10 == 3 || (100...109).contains($0) }
        )
        capture.bye()
        let (_, json) = try self.diagnose(capture)
        let loss = try #require(self.findings(json).first { $0["code"] as? String == "quality.loss" })
        #expect((loss["summary"] as? String)?.contains("lost") == true)
        let stream = try #require(((json["calls"] as? [[String: Any]])?.first?["rtp_streams"] as? [[String: Any]])?.first)
        let rfc = try #require(stream["rfc3550"] as? [String: Any])
        #expect(rfc["lost"] as? Int == 29)  // 20 with i % 10 == 3, plus 100...109 less the shared 103
        #expect(rfc["longest_burst"] as? Int == 10)
        #expect((stream["mos"] as? Double).map { $0 < 4 } == true)
    }

    @Test func lateMediaAfterAnswer() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        capture.time += 1_500_000_000
        capture.media([(("203.0.113.5", 40000), ("198.51.100.10", 30000), 0x1111), (("198.51.100.10", 30000), ("203.0.113.5", 40000), 0x2222)])
        capture.bye()
        let (_, json) = try self.diagnose(capture)
        #expect(self.codes(json).contains("media.late"))
    }

    @Test func silentStreamIsFound() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        for i in 0..<150 {
            capture.udp(from: ("203.0.113.5", 40000), to: ("198.51.100.10", 30000), CallCapture.rtp(seq: UInt16(i), ts: UInt32(160 * i), ssrc: 1), afterMs: 19)
            capture.udp(from: ("198.51.100.10", 30000), to: ("203.0.113.5", 40000), CallCapture.rtp(seq: UInt16(i), ts: UInt32(160 * i), ssrc: 2, payload: [UInt8](repeating: 0xFF, count: 160)), afterMs: 1)
        }
        capture.bye()
        let (_, json) = try self.diagnose(capture)
        let silence = try #require(self.findings(json).first { $0["code"] as? String == "media.silence" })
        #expect((silence["summary"] as? String)?.contains("198.51.100.10:30000 -> 203.0.113.5:40000") == true)
    }

    @Test func dtmfDigitsAreListed() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        var seq: UInt16 = 1
        for (digit, ts) in [(UInt8(5), UInt32(8000)), (UInt8(11), UInt32(16000))] {
            for step in 1...6 {
                let end = step >= 4
                let payload: [UInt8] = [digit, end ? 0x8A : 0x0A, 0, UInt8(min(step, 4) * 160 & 0xFF)]
                capture.udp(from: ("203.0.113.5", 40000), to: ("198.51.100.10", 30000), CallCapture.rtp(seq: seq, ts: ts, ssrc: 7, pt: 101, marker: step == 1, payload: payload), afterMs: 20)
                seq += 1
            }
        }
        capture.bye()
        let (_, json) = try self.diagnose(capture)
        let stream = try #require(((json["calls"] as? [[String: Any]])?.first?["rtp_streams"] as? [[String: Any]])?.first)
        let digits = (stream["dtmf"] as? [[String: Any]])?.compactMap { $0["digit"] as? String }
        #expect(digits == ["5", "#"])
        #expect(stream["payload"] as? String == "telephone-event")
    }

    @Test func sipInfoDTMFDigits() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        for (index, digit) in ["4", "2"].enumerated() {
            capture.sip(["INFO sip:bob@198.51.100.10:5060 SIP/2.0", "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-info\(index)", "Max-Forwards: 70",
                         "From: <sip:alice@example.com>;tag=a1", "To: <sip:+15550011234@198.51.100.10>;tag=b1", "CSeq: \(3 + index) INFO"],
                        body: "Signal=\(digit)\nDuration=160\n", contentType: "application/dtmf-relay", fromCaller: true, afterMs: 500)
        }
        capture.bye()
        let (_, json) = try self.diagnose(capture)
        let call = try #require((json["calls"] as? [[String: Any]])?.first)
        let digits = (call["sip_info_dtmf"] as? [[String: Any]])?.compactMap { $0["digit"] as? String }
        #expect(digits == ["4", "2"])
        #expect((call["sip_info_dtmf"] as? [[String: Any]])?.first?["duration_ms"] as? Int == 160)
    }

    @Test func severalCapturesAreMergedByTime() throws {
        // Signalling captured at one point, media at another: merged by time they make one call.
        var signalling = CallCapture()
        signalling.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        var media = CallCapture()
        media.time = signalling.time
        media.media([(("203.0.113.5", 40000), ("198.51.100.10", 30000), 0x1111), (("198.51.100.10", 30000), ("203.0.113.5", 40000), 0x2222)])
        signalling.time = media.time
        signalling.bye()
        let first = try signalling.write()
        let second = try media.write()
        defer {
            unlink(first)
            unlink(second)
        }
        let run = Run(["diagnose", "--json", second, first])
        #expect(run.status == 0, "\(run.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((json["files"] as? [String])?.count == 2)
        let call = try #require((json["calls"] as? [[String: Any]])?.first)
        #expect((call["rtp_streams"] as? [Any])?.count == 2)
        #expect(call["ending"] as? String == "BYE from caller")
        #expect(json["frames"] as? Int == signalling.frames.count + media.frames.count)
    }

    @Test func filtersAndFailOn() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        capture.media([(("198.51.100.10", 30000), ("203.0.113.5", 40000), 0x2222)])
        capture.bye()
        let path = try capture.write()
        defer { unlink(path) }
        #expect(Run(["diagnose", "--call", "other@x", path]).status == 0)
        #expect(Run(["diagnose", "--number", "15550011234", path]).status == 1)
        #expect(Run(["diagnose", "--number", "999", "--json", path]).stdout.contains("\"calls\": []"))
        #expect(Run(["diagnose", "--fail-on", "bogus", path]).status == 64)
        #expect(Run(["diagnose", "--fail-on", "bogus", path]).stderr.contains("is not one of info, warning, error"))
        let text = Run(["diagnose", path])
        #expect(text.stdout.contains("media.one-way"))
        #expect(text.stdout.contains("|-INVITE (SDP)---"))
    }

    @Test func badCapturesExitWithDocumentedCodes() throws {
        #expect(Run(["diagnose", "/nonexistent/x.pcap"]).status == 66)
        let empty = SourceTree.temporaryFile("", suffix: ".pcap")
        #expect(Run(["diagnose", empty]).status == 65)
        let junk = SourceTree.temporaryFile("definitely not a capture", suffix: ".pcap")
        let run = Run(["diagnose", junk])
        #expect(run.status == 65)
        #expect(run.stderr.hasPrefix("siptool: \(junk): "))
        #expect(Run(["diagnose", "--password-env", "SIPTOOL_TEST_UNSET_VARIABLE", junk]).status == 64)
    }

    @Test func truncatedCaptureStillReportsTheCallsBeforeTheDamage() throws {
        var capture = CallCapture()
        capture.setUp(callerMedia: ("203.0.113.5", 40000), calleeMedia: ("198.51.100.10", 30000))
        let path = try capture.write()
        defer { unlink(path) }
        let bytes = try #require(FileManager.default.contents(atPath: path))
        try bytes.dropLast(30).write(to: URL(fileURLWithPath: path))
        let run = Run(["diagnose", "--json", path])
        #expect(run.status == 0)
        #expect(run.stdout.contains("damaged after frame 4"))
        #expect(run.stdout.contains("\"final_status\": 200"))
    }
}
