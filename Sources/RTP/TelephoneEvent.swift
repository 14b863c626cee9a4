/// An RFC 4733 telephone-event payload (§2.3):
///
/// ```
///  0                   1                   2                   3
/// |     event     |E|R| volume    |          duration             |
/// ```
public struct TelephoneEvent: Sendable, Hashable {
    /// Event code: 0-9, 10 `*`, 11 `#`, 12-15 A-D, 16 flash (RFC 4733 §3.2).
    public var event: UInt8
    /// The E bit: this packet ends the event.
    public var isEnd: Bool
    /// Power level in −dBm0 (0-63).
    public var volume: UInt8
    /// Duration so far in RTP timestamp units (from the event's timestamp).
    public var duration: UInt16

    public init(event: UInt8, isEnd: Bool, volume: UInt8, duration: UInt16) {
        self.event = event
        self.isEnd = isEnd
        self.volume = volume & 0x3F
        self.duration = duration
    }

    /// Parses the first 4 bytes of a payload (more are redundant events, RFC 4733 §2.4; ignored);
    /// nil when shorter.
    public static func parse(_ payload: UnsafeRawBufferPointer) -> TelephoneEvent? {
        guard payload.count >= 4 else { return nil }
        return TelephoneEvent(
            event: payload[0], isEnd: payload[1] & 0x80 != 0, volume: payload[1] & 0x3F,
            duration: UInt16(payload[2]) << 8 | UInt16(payload[3]))
    }

    /// ``parse(_:)`` on an array.
    public static func parse(_ payload: [UInt8]) -> TelephoneEvent? { payload.withUnsafeBytes { Self.parse($0) } }

    /// The 4 payload bytes.
    public var serialized: [UInt8] {
        [
            self.event, (self.isEnd ? 0x80 : 0) | (self.volume & 0x3F), UInt8(self.duration >> 8),
            UInt8(self.duration & 0xFF),
        ]
    }

    /// The DTMF character: 0-9, `*`, `#`, A-D, and `!` for flash (event 16); nil for other events.
    public var character: Character? { DTMFTracker.character(forEvent: self.event) }
}

/// Turns RFC 4733 telephone-event packets into key presses with start time and duration.
///
/// One key press is several packets with the same RTP timestamp (RFC 4733 §2.5.1.2: updates while
/// the key is held, the duration growing), then an end packet sent three times (§2.5.1.4). So:
/// same timestamp and event = the same press (duration = the largest seen; retransmitted ends are
/// counted, not repeated); a new timestamp = a new press, even for the same digit. A press longer
/// than the 16-bit duration continues in a new segment whose timestamp is the old one plus its
/// duration (§2.5.1.3); that is merged into the same press. Events above 16 (tones, fax signals)
/// are counted in ``otherEvents`` only.
public struct DTMFTracker: Sendable {
    /// One key press.
    public struct Digit: Sendable, Hashable {
        public var digit: Character
        /// Arrival of the first packet of the press, in ms (the caller's time base).
        public var startMs: Double
        /// Duration from the packets' duration field, in ms.
        public var durationMs: Double
        /// Caller's frame or packet number of the first packet.
        public var frame: Int
        /// RTP timestamp of the (first segment of the) event.
        public var timestamp: UInt32 = 0
        /// Volume of the last packet, −dBm0.
        public var volume: UInt8 = 0
        /// An end packet arrived.
        public var ended = false
        /// Packets that made up this press, end retransmissions included.
        public var packets = 0
    }

    /// Bounds memory for hostile or endless event streams (a very long call has a few hundred digits).
    public static let maximumDigits = 4096

    public private(set) var digits: [Digit] = []
    /// End packets repeated after the first one (RFC 4733 §2.5.1.4 asks for three in total).
    public private(set) var endRetransmissions = 0
    /// Non-DTMF events (code > 16) seen.
    public private(set) var otherEvents = 0
    private var currentTimestamp: UInt32?
    private var currentEvent: UInt8 = 0
    /// Duration units of finished segments of a long press (§2.5.1.3).
    private var segmentBase: Int = 0
    private var lastDuration: UInt16 = 0

    public init() {}

    /// RFC 4733 §3.2 event codes 0-15 as characters, 16 (flash) as `!`; nil above.
    public static func character(forEvent event: UInt8) -> Character? {
        let table: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "A", "B", "C", "D", "!"]
        return Int(event) < table.count ? table[Int(event)] : nil
    }

    /// Adds one telephone-event payload with its packet's RTP timestamp and arrival time.
    public mutating func add(
        payload: UnsafeRawBufferPointer, timestamp: UInt32, arrivalMs: Double, clockRate: Int, frame: Int
    ) {
        guard let event = TelephoneEvent.parse(payload) else { return }
        self.add(event, timestamp: timestamp, arrivalMs: arrivalMs, clockRate: clockRate, frame: frame)
    }

    /// Adds one parsed event.
    public mutating func add(_ event: TelephoneEvent, timestamp: UInt32, arrivalMs: Double, clockRate: Int, frame: Int)
    {
        guard let character = event.character else {
            self.otherEvents += 1
            return
        }
        let clock = Double(max(clockRate, 1))
        if let current = self.currentTimestamp, var last = self.digits.last, event.event == self.currentEvent {
            if timestamp == current {
                // Update or retransmission of the same press.
                last.packets += 1
                if event.isEnd && last.ended { self.endRetransmissions += 1 }
                if event.duration > self.lastDuration { self.lastDuration = event.duration }
                last.ended = last.ended || event.isEnd
                last.volume = event.volume
                last.durationMs = Double(self.segmentBase + Int(self.lastDuration)) * 1000 / clock
                self.digits[self.digits.count - 1] = last
                return
            }
            if !last.ended && self.lastDuration > 0 && timestamp &- current == UInt32(self.lastDuration) {
                // §2.5.1.3: the next segment of a long press.
                self.segmentBase += Int(self.lastDuration)
                self.currentTimestamp = timestamp
                self.lastDuration = event.duration
                last.packets += 1
                last.ended = event.isEnd
                last.volume = event.volume
                last.durationMs = Double(self.segmentBase + Int(event.duration)) * 1000 / clock
                self.digits[self.digits.count - 1] = last
                return
            }
        }
        guard self.digits.count < Self.maximumDigits else { return }
        self.currentTimestamp = timestamp
        self.currentEvent = event.event
        self.segmentBase = 0
        self.lastDuration = event.duration
        self.digits.append(
            Digit(
                digit: character, startMs: arrivalMs, durationMs: Double(event.duration) * 1000 / clock, frame: frame,
                timestamp: timestamp, volume: event.volume, ended: event.isEnd, packets: 1))
    }

    /// The digits as a string, e.g. "1234#".
    public var text: String { String(self.digits.map(\.digit)) }
}
