/// One `m=` section: `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` (RFC 8866 §5.14) and
/// the `i=`, `c=`, `b=`, `k=` and `a=` lines that follow it.
public struct MediaDescription: Hashable, Sendable, SDPAttributeContainer {
    /// "audio", "video", "image" (T.38), "application", "text", "message" or another token.
    public var mediaType: SDPMediaType
    /// Transport port; 0 means the stream is rejected or disabled (RFC 3264 §6, §8.2).
    public var port: Int
    /// The optional "/<number of ports>" suffix.
    public var portCount: Int?
    /// Transport protocol: "RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF", "UDP/TLS/RTP/SAVPF", "udptl", ...
    public var proto: String
    /// Media formats: RTP payload type numbers as text for RTP protocols, "t38" for udptl, ...
    public var formats: [String]
    /// `i=` media title.
    public var information: String?
    /// Media-level `c=` lines (more than one only for multicast layering).
    public var connections: [SDPConnection]
    /// Media-level `b=` lines.
    public var bandwidths: [SDPBandwidth]
    /// Media-level `k=` (obsolete, kept for round trips).
    public var encryptionKey: String?
    /// Media-level `a=` lines, in order.
    public var attributes: [SDPAttribute]
    /// Lines of unknown or misplaced types found in this section, kept for round trips.
    public var otherLines: [SDPLine]

    /// Creates a media description.
    public init(
        mediaType: SDPMediaType,
        port: Int,
        portCount: Int? = nil,
        proto: String = "RTP/AVP",
        formats: [String],
        information: String? = nil,
        connections: [SDPConnection] = [],
        bandwidths: [SDPBandwidth] = [],
        encryptionKey: String? = nil,
        attributes: [SDPAttribute] = [],
        otherLines: [SDPLine] = []
    ) {
        self.mediaType = mediaType
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.information = information
        self.connections = connections
        self.bandwidths = bandwidths
        self.encryptionKey = encryptionKey
        self.attributes = attributes
        self.otherLines = otherLines
    }

    /// The first media-level `c=` line, if any (see ``SessionDescription/effectiveConnections(of:)``).
    public var connection: SDPConnection? { self.connections.first }

    /// `true` when the port is 0: the answerer rejected the stream (RFC 3264 §6) or it was removed.
    public var isRejected: Bool { self.port == 0 }

    /// `true` when the protocol carries RTP ("RTP/AVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVPF", ...), so
    /// the formats are payload type numbers.
    public var isRTP: Bool {
        // On the bytes (asked several times per media section of every call): a "/"-separated
        // token that is "RTP" in any case. `state` counts the letters of "rtp" the current token
        // has matched so far, -1 once it cannot be "RTP".
        var state = 0
        for byte in self.proto.utf8 {
            if byte == UInt8(ascii: "/") {
                if state == 3 { return true }
                state = 0
                continue
            }
            guard state >= 0 else { continue }
            let lower = byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
            let expected = state == 0 ? UInt8(ascii: "r") : state == 1 ? UInt8(ascii: "t") : UInt8(ascii: "p")
            state = state < 3 && lower == expected ? state + 1 : -1
        }
        return state == 3
    }

    /// `true` for the secure RTP profiles (SAVP, SAVPF).
    public var isSecureRTP: Bool { self.proto.uppercased().hasSuffix("SAVP") || self.proto.uppercased().hasSuffix("SAVPF") }

    /// The payload type numbers among ``formats`` (RTP only), in order.
    public var payloadTypes: [Int] {
        guard self.isRTP else { return [] }
        return self.formats.compactMap { SDPText.payloadType($0[...]) }
    }

    /// The value after "m=".
    public var value: String {
        var port = String(self.port)
        if let count = self.portCount { port += "/\(count)" }
        return ([self.mediaType.rawValue, port, self.proto] + self.formats).joined(separator: " ")
    }
}

/// The `<media>` token of an `m=` line. A struct rather than an enum so unknown types survive.
public struct SDPMediaType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The token as written (compared case-sensitively; RFC 8866 media types are lower case).
    public var rawValue: String

    /// Wraps a token.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// "audio".
    public static let audio = SDPMediaType(rawValue: "audio")
    /// "video".
    public static let video = SDPMediaType(rawValue: "video")
    /// "image": T.38 fax over udptl (RFC 3362).
    public static let image = SDPMediaType(rawValue: "image")
    /// "application" (e.g. WebRTC data channels, BFCP).
    public static let application = SDPMediaType(rawValue: "application")
    /// "text" (RFC 4103 real-time text).
    public static let text = SDPMediaType(rawValue: "text")
    /// "message" (MSRP).
    public static let message = SDPMediaType(rawValue: "message")

    /// The token.
    public var description: String { self.rawValue }
}
