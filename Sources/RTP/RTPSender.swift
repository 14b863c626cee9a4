/// Turns audio into RTP packets for one stream and says when each is due, on a schedule that
/// cannot drift: packet n is due at start + n * ptime, whatever the time the previous send
/// really took (the runtime sleeps until each deadline on a monotonic clock). Also sends RFC 4733
/// DTMF (§2.5: an event packet every ptime with the duration growing, the end packet three
/// times, all with the event's start timestamp), pausing the audio for the event. Audio is PCMU,
/// PCMA or G.722; for G.722 the RTP clock stays at 8000 (RFC 3551 §4.5.2) while the audio is
/// 16 kHz, so a 20 ms packet takes 320 samples and its timestamp advances by 160.
public struct RTPSender: Sendable {
    /// One packet and the offset from the stream start at which it is due.
    public struct Packet: Hashable, Sendable {
        public var due: Duration
        public var bytes: [UInt8]
        public var isDTMF: Bool
    }

    public let payloadType: UInt8
    public let telephoneEventPayloadType: UInt8?
    public let ssrc: UInt32
    public let clockRate: Int
    public let ptimeMs: Int
    public let muLaw: Bool
    /// The G.722 encoder's state when the payload type is 9.
    private var g722: G722.Encoder?
    public private(set) var sequenceNumber: UInt16
    public private(set) var timestamp: UInt32
    /// Packets produced so far (the RTCP sender report's count).
    public private(set) var packetCount: UInt32 = 0
    public private(set) var octetCount: UInt32 = 0
    private var index = 0
    private var audio: [Int16]
    private var audioPosition = 0
    private var pendingDTMF: [(digit: UInt8, at: Duration, lengthMs: Int)] = []
    private var currentDTMF: (event: UInt8, startTimestamp: UInt32, sent: Int, total: Int, endsSent: Int)?
    private var isFirst = true

    /// - Parameters:
    ///   - audio: samples to send at ``sampleRate(forPayloadType:)`` (8 kHz, 16 kHz for G.722),
    ///     looped when shorter than the call.
    ///   - payloadType: 0 (PCMU), 8 (PCMA) or 9 (G.722).
    ///   - sequenceNumber, timestamp: random starting values (RFC 3550 §5.1).
    public init(
        audio: [Int16], payloadType: UInt8, telephoneEventPayloadType: UInt8? = 101, ssrc: UInt32,
        sequenceNumber: UInt16, timestamp: UInt32, ptimeMs: Int = 20
    ) {
        self.audio = audio.isEmpty ? [Int16](repeating: 0, count: 160) : audio
        self.payloadType = payloadType
        self.telephoneEventPayloadType = telephoneEventPayloadType
        self.ssrc = ssrc
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.clockRate = 8000
        self.ptimeMs = max(10, min(ptimeMs, 120))
        self.muLaw = payloadType != 8
        self.g722 = payloadType == G722.payloadType ? G722.Encoder() : nil
    }

    /// The audio sample rate of a payload type we send: 16000 for G.722, 8000 otherwise.
    public static func sampleRate(forPayloadType payloadType: UInt8) -> Int {
        payloadType == G722.payloadType ? G722.sampleRate : 8000
    }

    /// RTP clock units per packet.
    private var samplesPerPacket: Int { self.clockRate * self.ptimeMs / 1000 }

    /// Queues DTMF `digits` ("0"-"9", "*", "#", "A"-"D") starting `at` the given offset from the
    /// stream start, each `lengthMs` long with `gapMs` between them. Unknown characters are skipped.
    public mutating func queueDTMF(_ digits: String, at start: Duration, lengthMs: Int = 160, gapMs: Int = 100) {
        var at = start
        for character in digits {
            guard let event = Self.event(for: character) else { continue }
            self.pendingDTMF.append((event, at, lengthMs))
            at += .milliseconds(lengthMs + gapMs)
        }
    }

    /// The RFC 4733 event code of a DTMF character.
    public static func event(for character: Character) -> UInt8? {
        switch character {
        case "0"..."9": return UInt8(character.asciiValue! - 48)
        case "*": return 10
        case "#": return 11
        case "A"..."D": return UInt8(character.asciiValue! - 65 + 12)
        case "a"..."d": return UInt8(character.asciiValue! - 97 + 12)
        default: return nil
        }
    }

    /// The next packet and when it is due.
    public mutating func next() -> Packet {
        let due = Duration.milliseconds(self.index * self.ptimeMs)
        self.index += 1
        defer {
            self.sequenceNumber &+= 1
            self.packetCount &+= 1
        }
        if self.currentDTMF == nil, self.telephoneEventPayloadType != nil, let first = self.pendingDTMF.first, first.at <= due {
            self.pendingDTMF.removeFirst()
            self.currentDTMF = (first.digit, self.timestamp, 0, max(1, first.lengthMs / self.ptimeMs), 0)
        }
        if var dtmf = self.currentDTMF, let eventPT = self.telephoneEventPayloadType {
            // §2.5.1.2: all packets of an event carry its start timestamp, the first has the
            // marker bit, the duration grows by one packet interval each time.
            let marker = dtmf.sent == 0 && dtmf.endsSent == 0
            let ended = dtmf.sent + 1 >= dtmf.total
            let duration = UInt16(clamping: min(dtmf.sent + 1, dtmf.total) * self.samplesPerPacket)
            if ended { dtmf.endsSent += 1 } else { dtmf.sent += 1 }
            let event = TelephoneEvent(event: dtmf.event, isEnd: ended, volume: 10, duration: duration)
            let header = RTPHeader(marker: marker, payloadType: eventPT, sequenceNumber: self.sequenceNumber, timestamp: dtmf.startTimestamp, ssrc: self.ssrc)
            let bytes = header.serialized(payload: event.serialized)
            self.octetCount &+= 4
            if dtmf.endsSent >= 3 {
                // The end is sent three times (§2.5.1.4); audio resumes with its timestamp moved
                // on by every packet interval the event used, so it stays in step with the clock.
                self.currentDTMF = nil
                self.timestamp &+= UInt32((dtmf.sent + dtmf.endsSent) * self.samplesPerPacket)
            } else {
                self.currentDTMF = dtmf
            }
            return Packet(due: due, bytes: bytes, isDTMF: true)
        }
        var frame = [Int16](repeating: 0, count: self.samplesPerPacket * (self.g722 == nil ? 1 : 2))
        for position in 0..<frame.count {
            frame[position] = self.audio[self.audioPosition]
            self.audioPosition = (self.audioPosition + 1) % self.audio.count
        }
        let payload = self.g722?.encode(frame) ?? G711.encode(frame, muLaw: self.muLaw)
        let header = RTPHeader(marker: self.isFirst, payloadType: self.payloadType, sequenceNumber: self.sequenceNumber, timestamp: self.timestamp, ssrc: self.ssrc)
        self.isFirst = false
        self.timestamp &+= UInt32(self.samplesPerPacket)
        self.octetCount &+= UInt32(payload.count)
        return Packet(due: due, bytes: header.serialized(payload: payload), isDTMF: false)
    }
}
