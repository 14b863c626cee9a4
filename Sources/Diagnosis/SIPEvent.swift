import PacketDecoding
import SIPMessages

/// The transport a SIP message was seen on.
public enum SIPTransportKind: String, Hashable, Sendable {
    case udp = "UDP"
    case tcp = "TCP"
    case tls = "TLS"
    case webSocket = "WS"
}

/// One SIP message as seen on the wire: who sent it to whom, when, in which frame.
public struct SIPEvent: Sendable {
    /// The frame that completed the message (1-based).
    public var frame: Int
    /// The capture time of that frame.
    public var time: CaptureTime
    /// The sender.
    public var source: Endpoint
    /// The receiver.
    public var destination: Endpoint
    /// The transport.
    public var transport: SIPTransportKind
    /// The parsed message.
    public var message: SIPMessage { self.box.message }
    /// The message, shared between copies of the event: the rules and the report copy events
    /// often, and a message holds many reference-counted parts (a copy of the box is one).
    private let box: MessageBox
    /// The message is a copy of one already seen between the same two endpoints (RFC 3261 §17 timers
    /// A, E, G resend requests and 2xx responses over UDP).
    public var isRetransmission: Bool
    /// Bytes after the body that Content-Length did not cover (a UDP datagram only).
    public var trailingBytes: Int

    public init(
        frame: Int,
        time: CaptureTime,
        source: Endpoint,
        destination: Endpoint,
        transport: SIPTransportKind,
        message: SIPMessage,
        isRetransmission: Bool = false,
        trailingBytes: Int = 0
    ) {
        self.frame = frame
        self.time = time
        self.source = source
        self.destination = destination
        self.transport = transport
        self.box = MessageBox(message)
        self.isRetransmission = isRetransmission
        self.trailingBytes = trailingBytes
    }

    /// "INVITE", "180 Ringing", "200 OK (INVITE)": how a ladder labels the message.
    public var label: String {
        switch self.message {
        case .request(let request):
            return request.method.rawValue
        case .response(let response):
            let method = self.message.cseq.map { " (\($0.method))" } ?? ""
            return "\(response.statusCode) \(response.reasonPhrase)\(method)"
        }
    }

    /// The status code, for a response.
    public var statusCode: Int? { self.box.statusCode }

    /// The method, for a request.
    public var method: SIPMethod? { self.box.method }

    /// The message's first Via header, parsed (nil when it has none or it does not parse).
    public var topVia: SIPVia? { self.box.topVia }

    /// The message is a request.
    public var isRequest: Bool { self.method != nil }
}

/// The parsed message of a ``SIPEvent`` (immutable, so copies of the event can share it), with
/// what the rules read from it many times per event, derived once: reading these from the message
/// copies its parts, and the Via is parsed on each access.
final class MessageBox: Sendable {
    let message: SIPMessage
    let method: SIPMethod?
    let statusCode: Int?
    let topVia: SIPVia?

    init(_ message: SIPMessage) {
        self.message = message
        switch message {
        case .request(let request):
            self.method = request.method
            self.statusCode = nil
        case .response(let response):
            self.method = nil
            self.statusCode = response.statusCode
        }
        self.topVia = message.topVia
    }
}

/// A quick test on the first bytes of a payload: does it start like a SIP message?
///
/// SIP is recognised by content on any port: the first line is a Status-Line (`SIP/2.0 ...`) or ends
/// with ` SIP/2.0` (a Request-Line). Cheap enough to run on every UDP datagram.
public enum SIPSniffer {
    /// How far into the payload the end of the first line is looked for.
    static let maximumStartLineLength = 2048

    public static func looksLikeSIP(_ payload: UnsafeRawBufferPointer) -> Bool {
        let count = payload.count
        guard count >= 12 else { return false }
        // "SIP/2.0 " at the start: a response.
        if payload[0] == 0x53, payload[1] == 0x49, payload[2] == 0x50, payload[3] == 0x2F, payload[4] == 0x32,
            payload[5] == 0x2E, payload[6] == 0x30, payload[7] == 0x20
        {
            return true
        }
        // A request starts with an upper-case token.
        guard payload[0] >= 0x41 && payload[0] <= 0x5A else { return false }
        let limit = min(count, Self.maximumStartLineLength)
        var index = 1
        while index < limit {
            let byte = payload[index]
            if byte == 0x0A {
                var end = index
                if end > 0 && payload[end - 1] == 0x0D { end -= 1 }
                guard end >= 8 else { return false }
                // ... " SIP/2.0" at the end of the line.
                return payload[end - 8] == 0x20 && payload[end - 7] == 0x53 && payload[end - 6] == 0x49
                    && payload[end - 5] == 0x50 && payload[end - 4] == 0x2F && payload[end - 3] == 0x32
                    && payload[end - 2] == 0x2E && payload[end - 1] == 0x30
            }
            if byte < 0x09 { return false }
            index += 1
        }
        return false
    }

    public static func looksLikeSIP(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Self.looksLikeSIP($0) }
    }
}
