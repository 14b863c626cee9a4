import Foundation
import PcapIO
import RTP
import SiptoolCLI
import Testing

/// Live G.722 calls: `siptool call --codecs g722` to baresip 1.0 (whose G.722 is another
/// implementation: spandsp's) and to `siptool answer --echo`. Each side sends a known two-tone
/// signal with one tone in each G.722 sub-band; the received audio must hold the other side's
/// tones. All on loopback: SIP 127.0.0.1:5160-5169, RTP 17200-17299.
/// (The echo and answer tests share RTP 17260-17299: the suite is serialized.)
@Suite(.serialized) struct G722InteropTests {
    static let baresipPort = 5160
    static let echoPort = 5161
    static let playingPort = 5162

    /// Two tones (one per sub-band) at -15 dBov each, 16 kHz.
    static func twoTones(_ low: Double, _ high: Double, seconds: Double) -> [Int16] {
        let a = TestAudio.tone(frequency: low, seconds: seconds, sampleRate: 16000, dBov: -15)
        let b = TestAudio.tone(frequency: high, seconds: seconds, sampleRate: 16000, dBov: -15)
        return zip(a, b).map { Int16(clamping: Int($0) + Int($1)) }
    }

    struct ToneCheck: CustomStringConvertible {
        var lowFraction: Double
        var highFraction: Double
        var snr: Double
        var level: Double
        var description: String {
            String(format: "low tone %.3f, high tone %.3f of the energy, SNR %.1f dB, level %.1f dBov", self.lowFraction, self.highFraction, self.snr, self.level)
        }
    }

    /// How much of a 0.5 s window (from `start` s) of a 16 kHz WAV is the two tones; the rest is
    /// the coders' noise (and any distortion): SNR = tones / rest.
    static func check(wav path: String, low: Double, high: Double, start: Double) throws -> ToneCheck {
        let bytes = try #require(FileManager.default.contents(atPath: path), "no WAV at \(path)")
        let audio = try WAVAudio.parse(Array(bytes))
        try #require(audio.sampleRate == 16000, "\(path) is at \(audio.sampleRate) Hz")
        let from = Int(start * 16000)
        try #require(audio.samples.count >= from + 8000, "\(path): only \(audio.samples.count) samples")
        let window = audio.samples[from..<from + 8000]
        let lowFraction = AudioLevelMeter.toneFraction(of: window, frequency: low, sampleRate: 16000)
        let highFraction = AudioLevelMeter.toneFraction(of: window, frequency: high, sampleRate: 16000)
        let tones = min(lowFraction + highFraction, 0.999_999)
        return ToneCheck(lowFraction: lowFraction, highFraction: highFraction, snr: 10 * log10(tones / (1 - tones)), level: AudioLevelMeter.level(of: window))
    }

    /// baresip, auto-answering with only G.722: plays `tones.wav` (aufile), and its sndfile
    /// filter writes what it decodes to `dump-TIME-dec.wav` (baresip 1.0's aufile has no player).
    static func writeBaresipConfig(in directory: String) throws {
        try BaresipInteropTests.writeConfig(BaresipInteropTests.BaresipSetup(
            sipPort: Self.baresipPort, source: "aufile,\(directory)/tones.wav", player: nil, alert: "aufile,\(directory)/tones.wav",
            sampleRate: 16000, rtpPorts: "17200-17219", modules: ["g722.so", "aufile.so", "sndfile.so"], extra: ["snd_path \(directory)"]),
            in: directory)
    }

    /// `siptool call --codecs g722` to baresip: G722/8000 negotiated, audio both ways, our decoder
    /// recovers baresip's tones from the --record WAV, and baresip's decoder recovers ours; and
    /// both coders are bit-exact with baresip's (spandsp's): same decoded samples from our packets,
    /// same octets from the audio baresip encoded.
    @Test func siptoolAndBaresipDecodeEachOthersG722() throws {
        guard let baresipPath = InteropTests.tool("baresip") else {
            print("SKIPPED: the G.722 interop test needs baresip (scripts/install-deps.sh test)")
            return
        }
        guard FileManager.default.fileExists(atPath: "/usr/lib/baresip/modules/g722.so") else {
            print("SKIPPED: baresip has no g722 module")
            return
        }
        let directory = try NamespaceInteropTests.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // baresip plays 700 + 5300 Hz, we send 1100 + 6100 Hz: a whole number of cycles in 0.5 s.
        try Data(WAVAudio(samples: Self.twoTones(700, 5300, seconds: 20), sampleRate: 16000).encoded()).write(to: URL(fileURLWithPath: directory + "/tones.wav"))
        try Data(WAVAudio(samples: Self.twoTones(1100, 6100, seconds: 10), sampleRate: 16000).encoded()).write(to: URL(fileURLWithPath: directory + "/ours.wav"))
        try Self.writeBaresipConfig(in: directory)

        let log = directory + "/baresip.log"
        let run = try BaresipInteropTests.withBaresip(baresipPath, directory: directory, seconds: 30) {
            let result = Run([
                "call", "--json", "--codecs", "g722", "--duration", "4s", "--rtp-ports", "17240-17259",
                "--audio", directory + "/ours.wav", "--record", directory + "/recorded.wav", "--pcap", directory + "/call.pcap",
                "sip:bob@127.0.0.1:\(Self.baresipPort)",
            ])
            usleep(500_000)  // let baresip close its recording
            return result
        }
        let baresipLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)\n\(baresipLog.suffix(1500))")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
        #expect(json["verdict"] as? String == "pass")
        let rtp = try #require(json["rtp"] as? [String: Any])
        #expect((rtp["sent"] as? Int ?? 0) > 150 && (rtp["received"] as? Int ?? 0) > 150, "\(rtp)")
        #expect(rtp["codec"] as? String == "G722/8000")

        // The answer's SDP chose G.722 with its RFC 3551 clock rate, and both streams carry it.
        let pcap = String(decoding: try #require(FileManager.default.contents(atPath: directory + "/call.pcap")), as: UTF8.self)
        let answer = try #require(pcap.range(of: "SIP/2.0 200 ").map { String(pcap[$0.upperBound...]) }, "no 200 OK in the capture")
        let answerSDP = String(answer.prefix(while: { $0 != "\u{0}" }).prefix(1500))
        #expect(answerSDP.contains("m=audio") && answerSDP.contains("a=rtpmap:9 G722/8000"), "\(answerSDP)")
        let analysis = try #require(json["analysis"] as? [String: Any])
        let streams = (analysis["calls"] as? [[String: Any]])?.first?["rtp_streams"] as? [[String: Any]] ?? []
        #expect(streams.count == 2 && streams.allSatisfy { $0["payload"] as? String == "g722" }, "\(streams.map { $0["payload"] ?? "" })")

        // Our decoder hears baresip's tones (after its start-up: from 1.5 s into the recording).
        let ours = try Self.check(wav: directory + "/recorded.wav", low: 700, high: 5300, start: 1.5)
        print("G.722 interop: siptool decoding baresip: \(ours)")
        #expect(ours.lowFraction > 0.25 && ours.highFraction > 0.25, "\(ours)")
        #expect(ours.snr > 20, "\(ours)")

        // baresip's decoder hears ours (its sndfile filter wrote them at 16 kHz).
        let dump = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasPrefix("dump-") && $0.hasSuffix("-dec.wav") },
            "baresip's sndfile wrote no decoded audio")
        let theirs = try Self.check(wav: directory + "/" + dump, low: 1100, high: 6100, start: 1.5)
        print("G.722 interop: baresip decoding siptool: \(theirs)")
        #expect(theirs.lowFraction > 0.25 && theirs.highFraction > 0.25, "\(theirs)")
        #expect(theirs.snr > 20, "\(theirs)")

        // Bit for bit: baresip's decoder output equals ours on the same packets, and our encoder
        // turns the audio baresip encoded into the very bytes it sent.
        let payloads = try Self.g722Payloads(pcap: directory + "/call.pcap")
        let decodedByBaresip = try WAVAudio.parse(Array(try #require(FileManager.default.contents(atPath: directory + "/" + dump)))).samples
        var decoder = G722.Decoder()
        let decodedByUs = decoder.decode(payloads.sent.flatMap { $0 })
        let decodeMatch = Self.longestPrefixMatch(decodedByBaresip, decodedByUs)
        let encodedByBaresip = payloads.received.flatMap { $0 }
        let encodedInput = try WAVAudio.parse(Array(try #require(FileManager.default.contents(atPath: directory + "/" + dump.replacingOccurrences(of: "-dec.wav", with: "-enc.wav"))))).samples
        var encoder = G722.Encoder()
        let encodedByUs = encoder.encode(encodedInput)
        let encodeMatch = Self.longestPrefixMatch(encodedByBaresip, encodedByUs)
        print("G.722 bit-exactness: decoder \(decodeMatch) of \(decodedByBaresip.count) samples (ours \(decodedByUs.count)), encoder \(encodeMatch) of \(encodedByBaresip.count) octets (ours \(encodedByUs.count))")
        #expect(decodedByBaresip.count >= 150 * 320 && decodeMatch == decodedByBaresip.count, "decoders agree on \(decodeMatch) of \(decodedByBaresip.count) samples")
        #expect(encodedByBaresip.count >= 150 * 160 && encodeMatch == encodedByBaresip.count, "encoders agree on \(encodeMatch) of \(encodedByBaresip.count) octets")
    }

    /// `siptool answer --codecs g722` playing a WAV and recording: each side's recording (the
    /// caller's --record, the answerer's --record-dir) is 16 kHz and holds the other's tones.
    @Test func answerPlaysAndRecordsG722() throws {
        let directory = try NamespaceInteropTests.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(WAVAudio(samples: Self.twoTones(1100, 6100, seconds: 5), sampleRate: 16000).encoded()).write(to: URL(fileURLWithPath: directory + "/caller.wav"))
        // The answerer's file is at 8 kHz: it is resampled to 16 kHz for G.722 (its tones stay below 4 kHz).
        try Data(WAVAudio(samples: TestAudio.tone(frequency: 900, seconds: 5, sampleRate: 8000, dBov: -12), sampleRate: 8000).encoded())
            .write(to: URL(fileURLWithPath: directory + "/answerer.wav"))
        try FileManager.default.createDirectory(atPath: directory + "/calls", withIntermediateDirectories: true)
        let answer = LiveAnswerInteropTests.Background([
            "answer", "--json", "--listen", "127.0.0.1:\(Self.playingPort)", "--codecs", "g722", "--calls", "1",
            "--audio", directory + "/answerer.wav", "--record-dir", directory + "/calls", "--rtp-ports", "17260-17279",
        ])
        let call = Run([
            "call", "--json", "--duration", "2500ms", "--codecs", "g722,pcmu", "--rtp-ports", "17280-17299",
            "--audio", directory + "/caller.wav", "--record", directory + "/heard.wav", "sip:play@127.0.0.1:\(Self.playingPort)",
        ])
        #expect(call.status == 0, "\(call.stdout)\n\(call.stderr)")
        let answered = answer.result()
        #expect(answered?.status == 0, "\(answered?.stderr ?? "did not finish")")
        let heard = try Self.check(wav: directory + "/heard.wav", low: 900, high: 6100, start: 1)
        print("G.722 from siptool answer: \(heard)")
        #expect(heard.lowFraction > 0.95 && heard.highFraction < 0.001, "\(heard)")
        let recordings = try FileManager.default.contentsOfDirectory(atPath: directory + "/calls").filter { $0.hasSuffix(".wav") }
        try #require(recordings.count == 1, "\(recordings)")
        let recorded = try Self.check(wav: directory + "/calls/" + recordings[0], low: 1100, high: 6100, start: 1)
        print("G.722 recorded by siptool answer: \(recorded)")
        #expect(recorded.lowFraction > 0.25 && recorded.highFraction > 0.25 && recorded.snr > 20, "\(recorded)")
    }

    /// How many leading elements two sequences share.
    static func longestPrefixMatch<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        var count = 0
        while count < a.count && count < b.count && a[count] == b[count] { count += 1 }
        return count
    }

    /// The G.722 payloads in a capture siptool wrote (Ethernet, IPv4, UDP), in capture order:
    /// those siptool sent (from its RTP ports 17240-17259) and those it received.
    static func g722Payloads(pcap path: String) throws -> (sent: [[UInt8]], received: [[UInt8]]) {
        var sent: [[UInt8]] = []
        var received: [[UInt8]] = []
        for record in try PcapReader.readRecords(path: path).records {
            let bytes = record.bytes
            guard bytes.count > 14 + 20 + 8 + 12, bytes[12] == 0x08, bytes[13] == 0x00, bytes[23] == 17 else { continue }
            let udp = 14 + Int(bytes[14] & 0x0F) * 4
            let sourcePort = Int(bytes[udp]) << 8 | Int(bytes[udp + 1])
            let rtp = udp + 8
            guard bytes.count > rtp + 12, bytes[rtp] >> 6 == 2, bytes[rtp + 1] & 0x7F == 9 else { continue }
            let payload = Array(bytes[(rtp + 12 + Int(bytes[rtp] & 0x0F) * 4)...])
            if (17240...17259).contains(sourcePort) { sent.append(payload) } else { received.append(payload) }
        }
        return (sent, received)
    }

    /// `siptool call --codecs g722` to `siptool answer --echo`: G.722 both ways, and our decoder
    /// recovers our own tones from the echoed packets, high band included.
    @Test func callToEchoingAnswerWithG722() throws {
        let directory = try NamespaceInteropTests.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(WAVAudio(samples: Self.twoTones(1100, 6100, seconds: 5), sampleRate: 16000).encoded()).write(to: URL(fileURLWithPath: directory + "/ours.wav"))
        let echo = LiveAnswerInteropTests.Background([
            "answer", "--json", "--listen", "127.0.0.1:\(Self.echoPort)", "--echo", "--codecs", "g722", "--calls", "1",
            "--rtp-ports", "17260-17279",
        ])
        let call = Run([
            "call", "--json", "--codecs", "g722", "--duration", "2500ms", "--rtp-ports", "17280-17299",
            "--audio", directory + "/ours.wav", "--record", directory + "/echoed.wav", "sip:echo@127.0.0.1:\(Self.echoPort)",
        ])
        #expect(call.status == 0, "\(call.stdout)\n\(call.stderr)")
        let answered = try #require(try JSONSerialization.jsonObject(with: Data((echo.result()?.stdout ?? "").utf8)) as? [String: Any])
        let echoed = try #require((answered["calls"] as? [[String: Any]])?.first)
        #expect((echoed["rtp_received"] as? Int ?? 0) > 100)
        #expect(echoed["codec"] as? String == "G722/8000")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(call.stdout.utf8)) as? [String: Any])
        let streams = ((json["analysis"] as? [String: Any])?["calls"] as? [[String: Any]])?.first?["rtp_streams"] as? [[String: Any]] ?? []
        #expect(streams.count == 2 && streams.allSatisfy { $0["payload"] as? String == "g722" }, "\(streams.map { $0["payload"] ?? "" })")
        // The analysis decodes G.722 for the level: two -15 dBov tones make -12 dBov.
        for stream in streams {
            #expect(stream["silent"] as? Bool == false)
            #expect(abs((stream["level_dbov"] as? Double ?? 0) + 12) < 1.5, "\(stream["level_dbov"] ?? "none")")
        }
        let heard = try Self.check(wav: directory + "/echoed.wav", low: 1100, high: 6100, start: 1)
        print("G.722 echo: \(heard)")
        #expect(heard.lowFraction > 0.25 && heard.highFraction > 0.25, "\(heard)")
        #expect(heard.snr > 20, "\(heard)")
    }
}
