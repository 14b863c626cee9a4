import Foundation
import PcapIO
import SiptoolCLI
import Testing

/// `siptool diagnose` on captures of real calls between two SIPp peers with one fault injected
/// each: a missing ACK, a CANCEL, RFC 4733 DTMF, loss and jitter, one RTP direction missing, and a
/// clean control call. The RTP is built here, written as a capture and replayed by SIPp's
/// `play_pcap_audio` (scenarios/sipp/fault-*.xml), so the test knows exactly what was sent:
/// which digits at which times, which sequence numbers were left out, when each packet left.
///
/// Ports: SIP 5090 (callee) and 5091 (caller); RTP 16200 (callee) and 16220 (caller), each SIPp
/// also binding its port + 2.
@Suite(.serialized) struct SippFaultInteropTests {
    static let calleeSIP = 5090
    static let callerSIP = 5091
    static let calleeMedia = 16200
    static let callerMedia = 16220
    /// Everything either SIPp sends or receives.
    static let filter = "udp portrange 5090-5099 or udp portrange 16200-16399"

    // MARK: - RTP captures for play_pcap_audio

    /// One RTP packet to replay: when it leaves (seconds from the start) and its header fields.
    struct PlannedPacket {
        var time: Double
        var sequence: UInt16
        var timestamp: UInt32
        var payloadType: UInt8
        var marker: Bool
        var payload: [UInt8]
    }

    /// A DTMF digit to send as RFC 4733 events: the digit, when it starts and how long it lasts.
    struct PlannedDigit {
        var digit: Character
        var start: Double
        var packets: Int
    }

    /// G.711 mu-law encoding of a 16-bit linear sample (ITU-T G.711: bias 0x84, 8 segments).
    static func muLaw(_ sample: Int16) -> UInt8 {
        var value = Int(sample)
        let sign: UInt8 = value < 0 ? 0x80 : 0
        value = min(abs(value), 32_635) + 0x84
        var segment = 7
        while segment > 0 && value & (0x4000 >> (7 - segment)) == 0 { segment -= 1 }
        let mantissa = UInt8((value >> (segment + 3)) & 0x0F)
        return ~(sign | UInt8(segment) << 4 | mantissa)
    }

    /// 20 ms of a 440 Hz tone at about -20 dBov, starting at sample `offset` (PCMU, 8 kHz): audible
    /// audio, so no silence finding gets in the way.
    static func tone(offset: Int) -> [UInt8] {
        (0..<160).map { index in
            let phase = 2 * Double.pi * 440 * Double(offset + index) / 8000
            return Self.muLaw(Int16(3_300 * sin(phase)))
        }
    }

    /// RFC 4733 §2.3 event codes for the digits used here.
    static func eventCode(_ digit: Character) -> UInt8 {
        switch digit {
        case "*": return 10
        case "#": return 11
        default: return UInt8(digit.wholeNumberValue ?? 0)
        }
    }

    /// `count` 20 ms PCMU packets from sequence `firstSequence`; during each planned digit the audio
    /// stops and telephone-event packets (payload type 101) take its place: marker on the first,
    /// one event timestamp for the whole digit, the duration growing by 160 per packet, and the
    /// final packet sent three times with the end bit (RFC 4733 §2.5.1.4).
    static func stream(count: Int, firstSequence: UInt16 = 1000, digits: [PlannedDigit] = []) -> [PlannedPacket] {
        var packets: [PlannedPacket] = []
        var sequence = firstSequence
        var slot = 0
        while slot < count {
            let time = Double(slot) * 0.02
            if let digit = digits.first(where: { abs($0.start - time) < 0.001 }) {
                let eventTimestamp = UInt32(slot * 160)
                for index in 0..<digit.packets {
                    let isLast = index == digit.packets - 1
                    let duration = UInt16((index + 1) * 160)
                    for copy in 0..<(isLast ? 3 : 1) {
                        let flags: UInt8 = isLast ? 0x80 | 10 : 10  // end bit, volume -10 dBm0
                        let payload: [UInt8] = [Self.eventCode(digit.digit), flags, UInt8(duration >> 8), UInt8(duration & 0xFF)]
                        packets.append(PlannedPacket(time: time + Double(index) * 0.02 + Double(copy) * 0.005, sequence: sequence, timestamp: eventTimestamp, payloadType: 101, marker: index == 0 && copy == 0, payload: payload))
                        sequence &+= 1
                    }
                }
                slot += digit.packets
                continue
            }
            packets.append(PlannedPacket(time: time, sequence: sequence, timestamp: UInt32(slot * 160), payloadType: 0, marker: slot == 0, payload: Self.tone(offset: slot * 160)))
            sequence &+= 1
            slot += 1
        }
        return packets
    }

    /// Writes `packets` as an Ethernet/IPv4/UDP capture (microsecond pcap) that SIPp can replay.
    /// The addresses and ports in the file do not matter: SIPp sends from its media port to the
    /// port the far end's SDP announced.
    static func writeRTP(_ packets: [PlannedPacket], ssrc: UInt32, to path: String) throws {
        let writer = try PcapWriter(path: path, linkType: 1, precision: .microseconds)
        let base: Int64 = 1_700_000_000
        for packet in packets {
            var rtp: [UInt8] = [0x80, (packet.marker ? 0x80 : 0) | packet.payloadType, UInt8(packet.sequence >> 8), UInt8(packet.sequence & 0xFF)]
            for shift in stride(from: 24, through: 0, by: -8) { rtp.append(UInt8((packet.timestamp >> UInt32(shift)) & 0xFF)) }
            for shift in stride(from: 24, through: 0, by: -8) { rtp.append(UInt8((ssrc >> UInt32(shift)) & 0xFF)) }
            rtp += packet.payload
            let frame = FrameBuilder.ethernetIPv4UDP(source: (0x7F00_0001, 16000), destination: (0x7F00_0001, 16002), payload: rtp)
            let microseconds = Int64((packet.time * 1_000_000).rounded())
            writer.write(seconds: base + microseconds / 1_000_000, nanoseconds: (microseconds % 1_000_000) * 1000, bytes: frame)
        }
        try writer.finish()
    }

    // MARK: - Running a call

    /// The two SIPp scenarios of a call, their extra arguments and the RTP each side replays.
    struct CallSetup {
        var name: String
        var uas: String
        var uac: String
        var uasArguments: [String] = []
        var callerRTP: [PlannedPacket]? = nil
        var calleeRTP: [PlannedPacket]? = nil
    }

    static let callerSSRC: UInt32 = 0x0CA1_1E12
    static let calleeSSRC: UInt32 = 0x0CA1_1EE0

    /// Runs the callee, then the caller, in a scratch folder holding the RTP captures (SIPp opens
    /// `play_pcap_audio` files relative to its working directory, hence `env -C`), with tcpdump on
    /// lo. Both SIPp processes are bounded (-timeout, and stopped by PID). Returns the capture path
    /// and the scratch folder (removed by the caller), or nil when a peer or root is missing.
    static func run(_ setup: CallSetup) throws -> (capture: String, folder: String)? {
        guard let sipp = InteropTests.tool("sipp"), InteropTests.tool("tcpdump") != nil, let env = InteropTests.tool("env"), getuid() == 0 else {
            print("SKIPPED: SIPp fault interop tests need sipp and tcpdump (scripts/install-deps.sh test) and root to capture on lo")
            return nil
        }
        let folder = "/tmp/siptool-sippf-\(getpid())-\(setup.name)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if let rtp = setup.callerRTP { try Self.writeRTP(rtp, ssrc: Self.callerSSRC, to: folder + "/caller-rtp.pcap") }
        if let rtp = setup.calleeRTP { try Self.writeRTP(rtp, ssrc: Self.calleeSSRC, to: folder + "/callee-rtp.pcap") }
        let scenarios = SourceTree.root + "/scenarios/sipp/"
        let common = ["-i", "127.0.0.1", "-mi", "127.0.0.1", "-m", "1", "-nostdin", "-timeout", "15s"]
        let capture = try InteropTests.capture(filter: Self.filter, name: "sippf-\(setup.name)") {
            let uas = try InteropTests.start(
                [env, "-C", folder, sipp, "-sf", scenarios + setup.uas, "-p", "\(Self.calleeSIP)", "-mp", "\(Self.calleeMedia)"] + common + setup.uasArguments,
                log: folder + "/uas.log")
            usleep(500_000)
            let uac = try InteropTests.start(
                [env, "-C", folder, sipp, "-sf", scenarios + setup.uac, "127.0.0.1:\(Self.calleeSIP)", "-p", "\(Self.callerSIP)", "-mp", "\(Self.callerMedia)"] + common,
                log: folder + "/uac.log")
            uac.wait(seconds: 15)
            // The callee has finished with the call (or, without an ACK, is still retransmitting).
            uas.stop(SIGTERM, seconds: 5)
        }
        guard let capture else {
            try? FileManager.default.removeItem(atPath: folder)
            return nil
        }
        return (capture, folder)
    }

    static func cleanUp(_ run: (capture: String, folder: String)) {
        unlink(run.capture)
        unlink(run.capture + ".log")
        try? FileManager.default.removeItem(atPath: run.folder)
    }

    /// The one call in the capture.
    static func theCall(_ json: [String: Any]) throws -> [String: Any] {
        let calls = InteropTests.calls(json).filter { $0["kind"] as? String == "call" }
        #expect(calls.count == 1)
        return try #require(calls.first)
    }

    static func findings(_ call: [String: Any], _ code: String) -> [[String: Any]] {
        (call["findings"] as? [[String: Any]] ?? []).filter { $0["code"] as? String == code }
    }

    static func streams(_ call: [String: Any]) -> [[String: Any]] { call["rtp_streams"] as? [[String: Any]] ?? [] }

    static func stream(_ call: [String: Any], from source: Int, to destination: Int) -> [String: Any]? {
        Self.streams(call).first { $0["source"] as? String == "127.0.0.1:\(source)" && $0["destination"] as? String == "127.0.0.1:\(destination)" }
    }

    static let caller = "127.0.0.1:\(SippFaultInteropTests.callerSIP)"
    static let callee = "127.0.0.1:\(SippFaultInteropTests.calleeSIP)"
    static let callerRTPAddress = "127.0.0.1:\(SippFaultInteropTests.callerMedia)"
    static let calleeRTPAddress = "127.0.0.1:\(SippFaultInteropTests.calleeMedia)"

    // MARK: - Faults

    /// The caller never ACKs the 200 OK; the callee retransmits it (0, 0.5, 1.5, 3.5 s) until the
    /// caller goes away after 4 s. diagnose must count the copies it saw.
    @Test func missingACKIsReportedWithThe200Copies() throws {
        guard let run = try Self.run(CallSetup(name: "noack", uas: "fault-uas-silent.xml", uac: "fault-uac-no-ack.xml", uasArguments: ["-max_invite_retrans", "20"]))
        else { return }
        defer { Self.cleanUp(run) }
        let call = try Self.theCall(try InteropTests.diagnose(run.capture))
        #expect(call["caller"] as? String == Self.caller)
        #expect(call["callee"] as? String == Self.callee)
        #expect(call["final_status"] as? Int == 200)
        let sip = call["sip"] as? [[String: Any]] ?? []
        let oks = sip.filter { ($0["label"] as? String)?.hasPrefix("200 OK (INVITE)") == true }
        #expect(!sip.contains { ($0["label"] as? String)?.hasPrefix("ACK") == true }, "the scenario must not ACK")
        #expect(oks.count >= 3, "\(sip.map { $0["label"] ?? "" })")
        #expect(oks.allSatisfy { $0["source"] as? String == Self.callee && $0["destination"] as? String == Self.caller })
        #expect(oks.filter { $0["retransmission"] as? Bool == true }.count == oks.count - 1)
        let finding = try #require(Self.findings(call, "txn.no-ack").first, "\(InteropTests.codes(call))")
        #expect(finding["severity"] as? String == "error")
        let summary = finding["summary"] as? String ?? ""
        #expect(summary.contains("the 200 OK from \(Self.callee) was sent \(oks.count) times"), "\(summary)")
    }

    /// The caller cancels while it rings: 200 to the CANCEL, 487 to the INVITE, ACK.
    @Test func cancelWhileRingingIsReported() throws {
        guard let run = try Self.run(CallSetup(name: "cancel", uas: "fault-uas-ring.xml", uac: "fault-uac-cancel.xml")) else { return }
        defer { Self.cleanUp(run) }
        let call = try Self.theCall(try InteropTests.diagnose(run.capture))
        #expect(call["final_status"] as? Int == 487)
        #expect(call["ending"] as? String == "CANCEL")
        #expect(call["worst_severity"] as? String != "error", "\(InteropTests.codes(call))")
        let sip = call["sip"] as? [[String: Any]] ?? []
        let cancel = try #require(sip.first { ($0["label"] as? String)?.hasPrefix("CANCEL") == true })
        #expect(cancel["source"] as? String == Self.caller)
        #expect(cancel["destination"] as? String == Self.callee)
        let finding = try #require(Self.findings(call, "call.cancelled").first, "\(InteropTests.codes(call))")
        #expect(finding["severity"] as? String == "info")
        let summary = finding["summary"] as? String ?? ""
        #expect(summary.contains("the caller (\(Self.caller)) cancelled"), "\(summary)")
        // The scenario lets it ring for one second before the CANCEL.
        let ringing = summary.split(separator: " ").firstIndex(of: "for").flatMap { index -> Double? in
            let words = summary.split(separator: " ")
            return index + 1 < words.count ? Double(words[index + 1]) : nil
        }
        #expect(ringing.map { $0 >= 0.9 && $0 < 3 } == true, "\(summary)")
        let evidence = finding["evidence"] as? [[String: Any]] ?? []
        #expect(evidence.contains { $0["label"] as? String == "CANCEL" && $0["frame"] as? Int == cancel["frame"] as? Int })
    }

    /// The caller sends "1", "5" and "#" as RFC 4733 events at 0.4, 1.0 and 1.6 s into its audio.
    @Test func rfc4733DigitsAreReadInOrderWithTheirTimes() throws {
        let digits = [PlannedDigit(digit: "1", start: 0.4, packets: 8), PlannedDigit(digit: "5", start: 1.0, packets: 8), PlannedDigit(digit: "#", start: 1.6, packets: 10)]
        let setup = CallSetup(name: "dtmf", uas: "fault-uas-rtp.xml", uac: "fault-uac-rtp.xml", callerRTP: Self.stream(count: 110, digits: digits), calleeRTP: Self.stream(count: 100))
        guard let run = try Self.run(setup) else { return }
        defer { Self.cleanUp(run) }
        let call = try Self.theCall(try InteropTests.diagnose(run.capture))
        let sent = try #require(Self.stream(call, from: Self.callerMedia, to: Self.calleeMedia), "\(Self.streams(call).map { $0["source"] ?? "" })")
        let dtmf = sent["dtmf"] as? [[String: Any]] ?? []
        #expect(dtmf.compactMap { $0["digit"] as? String } == ["1", "5", "#"], "\(dtmf)")
        let start = sent["start_s"] as? Double ?? 0
        for (found, planned) in zip(dtmf, digits) {
            let offset = (found["time_s"] as? Double ?? -1) - start
            #expect(abs(offset - planned.start) < 0.1, "digit \(planned.digit) at \(offset) s into the stream, sent at \(planned.start) s")
            let duration = found["duration_ms"] as? Double ?? 0
            #expect(abs(duration - Double(planned.packets * 20)) < 1, "digit \(planned.digit) lasted \(duration) ms")
        }
        // The callee sent no events.
        let received = try #require(Self.stream(call, from: Self.calleeMedia, to: Self.callerMedia))
        #expect((received["dtmf"] as? [[String: Any]] ?? []).isEmpty)
    }

    /// The caller's audio loses 12 of 140 packets in three bursts of four and leaves with jittered
    /// send times (up to 30 ms late, and a 400 ms stall every 35 packets). The callee's audio is
    /// clean. diagnose must blame the caller -> callee direction only, count exactly the dropped
    /// packets, and agree with tshark on the same capture.
    @Test func lossAndJitterAreReportedPerDirectionAndMatchTshark() throws {
        var caller = Self.stream(count: 140)
        let dropped = Set([30, 31, 32, 33, 70, 71, 72, 73, 110, 111, 112, 113])
        var state: UInt32 = 12_345
        var previous = -1.0
        for index in caller.indices {
            state = state &* 1_103_515_245 &+ 12_345  // a fixed LCG: the same jitter every run
            var time = caller[index].time + Double((state >> 16) & 0xFFFF) / 65_536 * 0.030
            if index % 35 == 17 { time += 0.400 }
            time = max(time, previous + 0.0005)  // keep the file in time order
            caller[index].time = time
            previous = time
        }
        caller = caller.enumerated().filter { !dropped.contains($0.offset) }.map(\.element)
        let setup = CallSetup(name: "loss", uas: "fault-uas-rtp.xml", uac: "fault-uac-rtp.xml", callerRTP: caller, calleeRTP: Self.stream(count: 100))
        guard let run = try Self.run(setup) else { return }
        defer { Self.cleanUp(run) }
        let call = try Self.theCall(try InteropTests.diagnose(run.capture))
        let impaired = try #require(Self.stream(call, from: Self.callerMedia, to: Self.calleeMedia))
        #expect(impaired["packets"] as? Int == 128)
        let rfc = impaired["rfc3550"] as? [String: Any] ?? [:]
        #expect(rfc["expected"] as? Int == 140)
        #expect(rfc["lost"] as? Int == dropped.count)
        #expect(rfc["loss_bursts"] as? Int == 3)
        #expect(rfc["longest_burst"] as? Int == 4)

        let loss = Self.findings(call, "quality.loss")
        #expect(loss.count == 1, "only the caller's audio lost packets: \(loss.map { $0["summary"] ?? "" })")
        let lossSummary = loss.first?["summary"] as? String ?? ""
        #expect(lossSummary.contains("RTP \(Self.callerRTPAddress) -> \(Self.calleeRTPAddress) lost 12 of 140 packets"), "\(lossSummary)")
        #expect(loss.first?["severity"] as? String == "warning")  // 8.6 %: between 3 % and 10 %

        let jitter = Self.findings(call, "quality.jitter")
        #expect(jitter.contains { ($0["summary"] as? String)?.hasPrefix("RTP \(Self.callerRTPAddress) -> \(Self.calleeRTPAddress)") == true }, "\(InteropTests.codes(call))")
        #expect((rfc["mean_jitter_ms"] as? Double ?? 0) >= 5 && (rfc["max_jitter_ms"] as? Double ?? 0) >= 30, "\(rfc)")

        // The tshark-compatible numbers against tshark itself (it ties the RTP through the SDP).
        guard let tshark = InteropTests.tool("tshark") else {
            print("SKIPPED: tshark comparison (tshark not installed)")
            return
        }
        let log = run.folder + "/tshark.txt"
        let child = try InteropTests.start([tshark, "-r", run.capture, "-q", "-z", "rtp,streams"], log: log)
        child.wait(seconds: 30)
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        for stream in Self.streams(call) {
            guard let source = stream["source"] as? String, let destination = stream["destination"] as? String else { continue }
            let sourcePort = source.split(separator: ":").last.map(String.init) ?? ""
            let destinationPort = destination.split(separator: ":").last.map(String.init) ?? ""
            let row = text.split(whereSeparator: \.isNewline).map { $0.split(separator: " ").map(String.init) }.first {
                $0.count >= 17 && $0[3] == sourcePort && $0[5] == destinationPort
            }
            let fields = try #require(row, "tshark has no stream \(source) -> \(destination):\n\(text)")
            let ours = stream["tshark"] as? [String: Any] ?? [:]
            #expect(Int(fields[8]) == stream["packets"] as? Int, "packets \(source)")
            #expect(Int(fields[9]) == ours["lost"] as? Int, "lost \(source)")
            let names = ["min_delta_ms", "mean_delta_ms", "max_delta_ms", "min_jitter_ms", "mean_jitter_ms", "max_jitter_ms"]
            for (offset, name) in names.enumerated() {
                let theirs = Double(fields[11 + offset]) ?? .nan
                let value = ours[name] as? Double ?? .nan
                // Both print 3 decimals; on live timing a value can sit on a rounding boundary where
                // floating-point order of operations decides the last digit, so one unit is allowed.
                #expect(abs(theirs - value) < 0.0011, "\(name) of \(source) -> \(destination): tshark \(theirs), siptool \(value)")
            }
            #expect((fields.count == 18 && fields[17] == "X") == (ours["problems"] as? Bool == true), "problems flag \(source)")
        }
    }

    /// Only the caller sends RTP; the callee answers with SDP and stays silent.
    @Test func oneRTPDirectionMissingIsNamed() throws {
        let setup = CallSetup(name: "oneway", uas: "fault-uas-silent.xml", uac: "fault-uac-rtp.xml", callerRTP: Self.stream(count: 100))
        guard let run = try Self.run(setup) else { return }
        defer { Self.cleanUp(run) }
        let call = try Self.theCall(try InteropTests.diagnose(run.capture))
        #expect(Self.streams(call).count == 1)
        #expect(Self.stream(call, from: Self.callerMedia, to: Self.calleeMedia)?["packets"] as? Int == 100)
        let finding = try #require(Self.findings(call, "media.one-way").first, "\(InteropTests.codes(call))")
        #expect(finding["severity"] as? String == "error")
        let summary = finding["summary"] as? String ?? ""
        // Flowing: caller -> callee, 100 packets to the callee's SDP address. Missing: nothing
        // reached the caller's SDP address from the callee.
        #expect(summary.contains("RTP flowed caller -> callee (100 packets to \(Self.calleeRTPAddress))"), "\(summary)")
        #expect(summary.contains("none reached the caller's announced address \(Self.callerRTPAddress) from the callee"), "\(summary)")
        let evidence = (finding["evidence"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
        #expect(evidence.contains("caller's SDP: receive audio at \(Self.callerRTPAddress)"), "\(evidence)")
        #expect(evidence.contains("callee's SDP: receive audio at \(Self.calleeRTPAddress)"), "\(evidence)")
    }

    /// The control case: a clean two-way call over UDP. No error findings, and both streams tied
    /// to the call through the SDP with every packet that was played.
    @Test func cleanTwoWayCallHasNoErrors() throws {
        let setup = CallSetup(name: "clean", uas: "fault-uas-rtp.xml", uac: "fault-uac-rtp.xml", callerRTP: Self.stream(count: 100), calleeRTP: Self.stream(count: 90, firstSequence: 5000))
        guard let run = try Self.run(setup) else { return }
        defer { Self.cleanUp(run) }
        let json = try InteropTests.diagnose(run.capture)
        let call = try Self.theCall(json)
        #expect(call["final_status"] as? Int == 200)
        #expect(call["ending"] as? String == "BYE from caller")
        #expect(call["transport"] as? String == "UDP")
        let errors = (call["findings"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "error" }
        #expect(errors.isEmpty, "\(errors.map { $0["summary"] ?? "" })")
        #expect(Self.findings(call, "quality.loss").isEmpty && Self.findings(call, "media.one-way").isEmpty)
        #expect(Self.streams(call).count == 2)
        let sent = Self.stream(call, from: Self.callerMedia, to: Self.calleeMedia)
        let received = Self.stream(call, from: Self.calleeMedia, to: Self.callerMedia)
        #expect(sent?["packets"] as? Int == 100)
        #expect(received?["packets"] as? Int == 90)
        #expect(sent?["ssrc"] as? String == "0x0CA11E12")
        #expect(received?["ssrc"] as? String == "0x0CA11EE0")
        #expect(Self.streams(call).allSatisfy { $0["setup"] as? String == "SDP" && ($0["rfc3550"] as? [String: Any])?["lost"] as? Int == 0 })
        #expect((json["unassociated_rtp_streams"] as? [Any] ?? []).isEmpty)
    }
}
