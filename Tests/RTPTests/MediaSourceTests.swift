import RTP
import Testing

/// WAV in and out, resampling, generated test audio and the RTP sender's schedule and DTMF.
@Suite struct MediaSourceTests {
    /// A WAV file with the given fmt fields and data bytes, and optional extra chunks before data.
    static func wav(format: UInt16, channels: UInt16, rate: UInt32, bits: UInt16, data: [UInt8], extra: [UInt8] = [], dataSize: UInt32? = nil) -> [UInt8] {
        func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        let blockAlign = channels * bits / 8
        var fmt = le16(format) + le16(channels) + le32(rate) + le32(rate * UInt32(blockAlign)) + le16(blockAlign) + le16(bits)
        var fmtChunk = Array("fmt ".utf8) + le32(UInt32(fmt.count)) + fmt
        if format == 0xFFFE {
            fmt += le16(22) + le16(bits) + le32(0) + le16(1) + [0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71]
            fmtChunk = Array("fmt ".utf8) + le32(UInt32(fmt.count)) + fmt
        }
        let body = Array("WAVE".utf8) + fmtChunk + extra + Array("data".utf8) + le32(dataSize ?? UInt32(data.count)) + data
        return Array("RIFF".utf8) + le32(UInt32(body.count)) + body
    }

    @Test func pcm16RoundTrip() throws {
        let audio = WAVAudio(samples: [0, 1, -1, 32767, -32768, 1234], sampleRate: 8000)
        let parsed = try WAVAudio.parse(audio.encoded())
        #expect(parsed == audio)
        #expect(audio.encoded().count == 44 + 12)
    }

    @Test func commonFormatsAreRead() throws {
        // 8-bit unsigned: 128 is silence.
        let eightBit = try WAVAudio.parse(Self.wav(format: 1, channels: 1, rate: 8000, bits: 8, data: [128, 255, 0])).samples
        #expect(eightBit == [0, 32512, -32768])
        // 24-bit: the top 16 bits.
        #expect(try WAVAudio.parse(Self.wav(format: 1, channels: 1, rate: 48000, bits: 24, data: [0xFF, 0x34, 0x12])).samples == [0x1234])
        // 32-bit float: 0.5 -> 16384 (rounded), clipped above 1.
        let half = Float(0.5).bitPattern
        let two = Float(2).bitPattern
        var floats: [UInt8] = []
        for bits in [half, two] {
            floats += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
        }
        #expect(try WAVAudio.parse(Self.wav(format: 3, channels: 1, rate: 8000, bits: 32, data: floats)).samples == [16384, 32767])
        // mu-law and A-law.
        #expect(try WAVAudio.parse(Self.wav(format: 7, channels: 1, rate: 8000, bits: 8, data: [0xFF, 0x80])).samples == [G711.decodeMuLaw(0xFF), G711.decodeMuLaw(0x80)])
        #expect(try WAVAudio.parse(Self.wav(format: 6, channels: 1, rate: 8000, bits: 8, data: [0xD5])).samples == [G711.decodeALaw(0xD5)])
        // Stereo is mixed down; an odd-sized LIST chunk before data is skipped with its pad byte.
        let stereo: [UInt8] = [0x10, 0x00, 0x30, 0x00]  // 16 and 48 -> 32
        let list = Array("LIST".utf8) + [3, 0, 0, 0, 1, 2, 3, 0]
        #expect(try WAVAudio.parse(Self.wav(format: 1, channels: 2, rate: 16000, bits: 16, data: stereo, extra: list)).samples == [32])
        // WAVE_FORMAT_EXTENSIBLE with a PCM sub-format.
        #expect(try WAVAudio.parse(Self.wav(format: 0xFFFE, channels: 1, rate: 8000, bits: 16, data: [1, 0])).samples == [1])
        // A streaming writer's data size of 0 means "to the end".
        #expect(try WAVAudio.parse(Self.wav(format: 1, channels: 1, rate: 8000, bits: 16, data: [2, 0, 3, 0], dataSize: 0)).samples == [2, 3])
    }

    @Test func badFilesSayWhereAndWhy() {
        func reason(_ bytes: [UInt8]) -> String {
            do {
                _ = try WAVAudio.parse(bytes)
                return "parsed"
            } catch {
                return error.description
            }
        }
        #expect(reason([1, 2, 3]).contains("too short"))
        #expect(reason(Array("OggS\0\0\0\0WAVE".utf8)).contains("not a RIFF/WAVE file"))
        #expect(reason(Self.wav(format: 85, channels: 1, rate: 8000, bits: 0, data: [1, 2])).contains("unsupported WAV format 85"))
        let noData = Array(Self.wav(format: 1, channels: 1, rate: 8000, bits: 16, data: []).dropLast(8))
        #expect(reason(noData).contains("no data chunk"))
        #expect(reason(Self.wav(format: 1, channels: 0, rate: 8000, bits: 16, data: [])).contains("0 channels"))
        // Every truncation of a valid file is an error or a shorter clip, never a crash.
        let good = Self.wav(format: 1, channels: 2, rate: 8000, bits: 16, data: Array(repeating: 7, count: 64), extra: Array("LIST".utf8) + [3, 0, 0, 0, 1, 2, 3, 0])
        for cut in 0..<good.count { _ = reason(Array(good.prefix(cut))) }
    }

    @Test func toneLevelAndResamplingKeepTheBandAndRejectAliases() {
        let tone = TestAudio.tone(frequency: 1000, seconds: 1, sampleRate: 16000, dBov: -12)
        #expect(abs(AudioLevelMeter.level(of: tone) - -12) < 0.2)
        let down = WAVAudio(samples: tone, sampleRate: 16000).resampled(to: 8000)
        #expect(down.sampleRate == 8000)
        #expect(down.samples.count == 8000)
        #expect(abs(AudioLevelMeter.level(of: down.samples.dropFirst(100).dropLast(100)) - -12) < 0.5)
        // 6 kHz at 44.1 kHz cannot be represented at 8 kHz: it must be filtered, not folded to 2 kHz.
        let high = TestAudio.tone(frequency: 6000, seconds: 1, sampleRate: 44100, dBov: -6)
        let filtered = WAVAudio(samples: high, sampleRate: 44100).resampled(to: 8000)
        #expect(AudioLevelMeter.level(of: filtered.samples.dropFirst(100).dropLast(100)) < -35)
        // Upsampling 8 kHz -> 16 kHz keeps the level too.
        let up = WAVAudio(samples: TestAudio.tone(frequency: 440, seconds: 0.5), sampleRate: 8000).resampled(to: 16000)
        #expect(up.samples.count == 8000)
        #expect(abs(AudioLevelMeter.level(of: up.samples.dropFirst(100).dropLast(100)) - -12) < 0.5)
    }

    @Test func speechLikeAudioTalksAndPauses() {
        let speech = TestAudio.speechLike(seconds: 5)
        #expect(speech.count == 40000)
        var meter = AudioLevelMeter()
        for start in stride(from: 0, to: speech.count, by: 160) { meter.add(samples: speech[start..<min(start + 160, speech.count)]) }
        #expect(!meter.isSilent)
        #expect(meter.silentPackets > 5, "there are pauses between syllables")
        #expect(meter.silentPackets < meter.packets / 2)
        #expect(TestAudio.speechLike(seconds: 1, seed: 7) == TestAudio.speechLike(seconds: 1, seed: 7))
    }

    @Test func senderScheduleNeverDriftsAndCarriesTheAudio() throws {
        let audio = TestAudio.tone(frequency: 1000, seconds: 0.5)
        var sender = RTPSender(audio: audio, payloadType: 0, ssrc: 0x1234_5678, sequenceNumber: 65530, timestamp: 4_294_967_000)
        var decoded: [Int16] = []
        for index in 0..<50 {
            let packet = sender.next()
            #expect(packet.due == .milliseconds(20 * index))
            let header = try #require(RTPHeader.parse(packet.bytes))
            #expect(header.sequenceNumber == UInt16(truncatingIfNeeded: 65530 + index))
            #expect(header.timestamp == UInt32(truncatingIfNeeded: 4_294_967_000 + 160 * index))
            #expect(header.marker == (index == 0))
            #expect(header.payloadType == 0)
            #expect(header.payloadLength == 160)
            decoded += packet.bytes[header.payloadRange].map(G711.decodeMuLaw)
        }
        // 50 packets of 160 samples = 1 s: the 0.5 s clip is looped, and mu-law keeps the level.
        #expect(decoded.count == 8000)
        #expect(abs(AudioLevelMeter.level(of: decoded) - -12) < 0.3)
        #expect(sender.packetCount == 50)
        #expect(sender.octetCount == 8000)
    }

    @Test func dtmfFollowsRFC4733AndIsReadBackByTheTracker() throws {
        var sender = RTPSender(audio: TestAudio.tone(frequency: 440, seconds: 1), payloadType: 8, ssrc: 7, sequenceNumber: 1, timestamp: 1000)
        sender.queueDTMF("1#x", at: .milliseconds(200), lengthMs: 160, gapMs: 100)
        var tracker = DTMFTracker()
        var eventPackets = 0
        var lastAudioTimestamp: UInt32 = 0
        for index in 0..<100 {
            let packet = sender.next()
            let header = try #require(RTPHeader.parse(packet.bytes))
            if packet.isDTMF {
                eventPackets += 1
                #expect(header.payloadType == 101)
                let event = try #require(TelephoneEvent.parse(Array(packet.bytes[header.payloadRange])))
                tracker.add(event, timestamp: header.timestamp, arrivalMs: Double(index * 20), clockRate: 8000, frame: index + 1)
            } else {
                #expect(header.payloadType == 8)
                // Audio timestamps stay in step with the schedule across the events.
                #expect(header.timestamp == 1000 + UInt32(index * 160))
                lastAudioTimestamp = header.timestamp
            }
        }
        #expect(tracker.digits.map(\.digit) == ["1", "#"])
        #expect(tracker.digits.map(\.durationMs) == [160, 160])
        #expect(tracker.digits.allSatisfy { $0.ended })
        #expect(eventPackets == 2 * (7 + 3), "7 updates and the end three times per digit")
        #expect(tracker.endRetransmissions == 4)
        #expect(lastAudioTimestamp == 1000 + 99 * 160)
    }
}
