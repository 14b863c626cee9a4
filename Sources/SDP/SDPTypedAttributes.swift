/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]` (RFC 8866 §6.6).
public struct SDPRTPMap: Hashable, Sendable, CustomStringConvertible {
    /// RTP payload type, 0...127.
    public var payloadType: Int
    /// Encoding name, e.g. "PCMU", "opus", "telephone-event" (case as written).
    public var encodingName: String
    /// RTP clock rate in Hz.
    public var clockRate: Int
    /// Encoding parameters: the channel count for audio, `nil` when omitted (meaning 1).
    public var channels: Int?

    /// Creates an rtpmap.
    public init(payloadType: Int, encodingName: String, clockRate: Int, channels: Int? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
    }

    /// Parses the value after "a=rtpmap:"; `nil` when malformed.
    public init?(_ value: String) {
        if let parsed = Self.parseASCII(value) {
            self = parsed
            return
        }
        let fields = SDPText.fields(value[...])
        guard fields.count == 2, let payloadType = SDPText.payloadType(fields[0]) else { return nil }
        let parts = fields[1].split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, let clockRate = SDPText.boundedInt(parts[1])
        else { return nil }
        var channels: Int? = nil
        if parts.count == 3 {
            guard let value = SDPText.boundedInt(parts[2]) else { return nil }
            channels = value
        }
        self.init(payloadType: payloadType, encodingName: String(parts[0]), clockRate: clockRate, channels: channels)
    }

    /// The common case of ``init(_:)`` on bytes: an all-ASCII, well-formed value, parsed without
    /// splitting into arrays of substrings (codec lists are read many times per call). Returns nil
    /// for anything else, which the general parser then decides, so results never differ.
    private static func parseASCII(_ value: String) -> SDPRTPMap? {
        var value = value
        return value.withUTF8 { bytes -> SDPRTPMap? in
            var index = 0
            let count = bytes.count
            func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
            func number(maximumDigits: Int) -> Int? {
                var result = 0
                let start = index
                while index < count, bytes[index] &- 0x30 < 10, index - start < maximumDigits {
                    result = result * 10 + Int(bytes[index] &- 0x30)
                    index += 1
                }
                return index > start ? result : nil
            }
            while index < count, isBlank(bytes[index]) { index += 1 }
            // Payload type: 1-3 digits, at most 127, then blanks.
            guard let payloadType = number(maximumDigits: 3), payloadType <= 127, index < count, isBlank(bytes[index])
            else { return nil }
            while index < count, isBlank(bytes[index]) { index += 1 }
            // Encoding name: ASCII without "/" or blanks, not empty.
            let nameStart = index
            while index < count, bytes[index] != 0x2F, !isBlank(bytes[index]) {
                guard bytes[index] < 0x80 else { return nil }
                index += 1
            }
            guard index > nameStart, index < count, bytes[index] == 0x2F else { return nil }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[nameStart..<index]), as: UTF8.self)
            index += 1
            guard let clockRate = number(maximumDigits: SDPText.maximumDecimalDigits) else { return nil }
            var channels: Int?
            if index < count, bytes[index] == 0x2F {
                index += 1
                guard let value = number(maximumDigits: SDPText.maximumDecimalDigits) else { return nil }
                channels = value
            }
            // Only trailing blanks may follow.
            while index < count, isBlank(bytes[index]) { index += 1 }
            guard index == count else { return nil }
            return SDPRTPMap(payloadType: payloadType, encodingName: name, clockRate: clockRate, channels: channels)
        }
    }

    /// The value after "a=rtpmap:".
    public var description: String {
        var text = "\(self.payloadType) \(self.encodingName)/\(self.clockRate)"
        if let channels = self.channels { text += "/\(channels)" }
        return text
    }
}

/// `a=fmtp:<format> <format specific parameters>` (RFC 8866 §6.15).
public struct SDPFormatParameters: Hashable, Sendable, CustomStringConvertible {
    /// The format (payload type number as text for RTP).
    public var format: String
    /// The parameter text, e.g. "0-16" or "annexb=no" or "minptime=10;useinbandfec=1".
    public var parameters: String

    /// Creates an fmtp.
    public init(format: String, parameters: String) {
        self.format = format
        self.parameters = parameters
    }

    /// Parses the value after "a=fmtp:".
    public init?(_ value: String) {
        let text = SDPText.trimmed(value[...])
        guard let space = text.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
            guard !text.isEmpty else { return nil }
            self.init(format: String(text), parameters: "")
            return
        }
        self.init(format: String(text[..<space]), parameters: String(SDPText.trimmed(text[space...])))
    }

    /// The format as a payload type number, when it is one.
    public var payloadType: Int? { SDPText.payloadType(self.format[...]) }

    /// The ";"-separated parameters in order; "key=value" pairs get a value, bare items such as
    /// the telephone-event list "0-16" get `nil`. Keys keep their case.
    public var parameterList: [(key: String, value: String?)] {
        self.parameters.split(separator: ";").compactMap { item in
            let trimmed = SDPText.trimmed(item)
            guard !trimmed.isEmpty else { return nil }
            if let equals = trimmed.firstIndex(of: "=") {
                return (
                    String(SDPText.trimmed(trimmed[..<equals])),
                    String(SDPText.trimmed(trimmed[trimmed.index(after: equals)...]))
                )
            }
            return (String(trimmed), nil)
        }
    }

    /// The parameters as a dictionary with lower-cased keys ("annexb" → "no"); bare items map to "".
    public var dictionary: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in self.parameterList where result[key.lowercased()] == nil {
            result[key.lowercased()] = value ?? ""
        }
        return result
    }

    /// For telephone-event (RFC 4733 §7.1.1), the event ranges: "0-15,16" → [0...15, 16...16].
    /// `nil` when the text is not an event list.
    public var eventRanges: [ClosedRange<Int>]? {
        var ranges: [ClosedRange<Int>] = []
        for item in self.parameters.split(separator: ",") {
            let bounds = SDPText.trimmed(item).split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 1 || bounds.count == 2,
                let low = SDPText.boundedInt(bounds[0]),
                let high = bounds.count == 2 ? SDPText.boundedInt(bounds[1]) : low,
                low <= high, high <= 255
            else { return nil }
            ranges.append(low...high)
        }
        return ranges.isEmpty ? nil : ranges
    }

    /// The value after "a=fmtp:".
    public var description: String { self.parameters.isEmpty ? self.format : "\(self.format) \(self.parameters)" }
}

/// Media direction (RFC 8866 §6.7, RFC 3264 §5.1).
public enum SDPDirection: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Send and receive (the default).
    case sendrecv
    /// Send only.
    case sendonly
    /// Receive only.
    case recvonly
    /// Neither (RTCP still flows).
    case inactive

    /// `true` for sendrecv and sendonly.
    public var isSending: Bool { self == .sendrecv || self == .sendonly }
    /// `true` for sendrecv and recvonly.
    public var isReceiving: Bool { self == .sendrecv || self == .recvonly }

    /// The direction seen from the other side: sendonly ↔ recvonly.
    public var reversed: SDPDirection {
        switch self {
        case .sendonly: return .recvonly
        case .recvonly: return .sendonly
        case .sendrecv, .inactive: return self
        }
    }

    /// Whether `answer` is a legal answer direction to `self` in an offer (RFC 3264 §6.1):
    /// "If a stream is offered as sendonly, the corresponding stream MUST be marked as recvonly or
    /// inactive in the answer. If a media stream is listed as recvonly in the offer, the answer MUST
    /// be marked as sendonly or inactive in the answer. [...] If an offered media stream is listed as
    /// inactive, it MUST be marked as inactive in the answer."
    public func allowsAnswer(_ answer: SDPDirection) -> Bool {
        switch self {
        case .sendrecv: return true
        case .sendonly: return answer == .recvonly || answer == .inactive
        case .recvonly: return answer == .sendonly || answer == .inactive
        case .inactive: return answer == .inactive
        }
    }

    /// The attribute name.
    public var description: String { self.rawValue }
}

/// `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]` (RFC 3605 §2.1).
public struct SDPRTCPAttribute: Hashable, Sendable, CustomStringConvertible {
    /// RTCP port.
    public var port: Int
    /// "IN" when an address is given.
    public var networkType: String?
    /// "IP4"/"IP6" when an address is given.
    public var addressType: String?
    /// RTCP address when it differs from `c=`.
    public var address: String?

    /// Creates an rtcp attribute.
    public init(port: Int, networkType: String? = nil, addressType: String? = nil, address: String? = nil) {
        self.port = port
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// Parses the value after "a=rtcp:".
    public init?(_ value: String) {
        let fields = SDPText.fields(value[...])
        guard fields.count == 1 || fields.count == 4, let port = SDPText.port(fields[0]) else { return nil }
        if fields.count == 4 {
            self.init(port: port, networkType: String(fields[1]), addressType: String(fields[2]), address: String(fields[3]))
        } else {
            self.init(port: port)
        }
    }

    /// The value after "a=rtcp:".
    public var description: String {
        guard let address = self.address else { return String(self.port) }
        return "\(self.port) \(self.networkType ?? "IN") \(self.addressType ?? "IP4") \(address)"
    }
}

/// `a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]` (RFC 4568 §9.1), SDES-SRTP keys.
public struct SDPCrypto: Hashable, Sendable, CustomStringConvertible {
    /// Decimal tag (1 to 9 digits) that the answer echoes for the chosen line.
    public var tag: Int
    /// E.g. "AES_CM_128_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_80", "AEAD_AES_128_GCM".
    public var suite: String
    /// One or more key parameters, separated by ";" on the wire.
    public var keyParameters: [SDPCryptoKeyParameter]
    /// Session parameters such as "KDR=1", "UNENCRYPTED_SRTCP", "FEC_ORDER=FEC_SRTP".
    public var sessionParameters: [String]

    /// Creates a crypto attribute.
    public init(tag: Int, suite: String, keyParameters: [SDPCryptoKeyParameter], sessionParameters: [String] = []) {
        self.tag = tag
        self.suite = suite
        self.keyParameters = keyParameters
        self.sessionParameters = sessionParameters
    }

    /// Parses the value after "a=crypto:".
    public init?(_ value: String) {
        let fields = SDPText.fields(value[...])
        // RFC 4568 §9.1: tag = 1*9DIGIT.
        guard fields.count >= 3, fields[0].count <= 9, let tag = SDPText.boundedInt(fields[0]) else { return nil }
        let keys = fields[2].split(separator: ";").compactMap(SDPCryptoKeyParameter.init)
        guard !keys.isEmpty else { return nil }
        self.init(tag: tag, suite: String(fields[1]), keyParameters: keys, sessionParameters: fields.dropFirst(3).map(String.init))
    }

    /// The value after "a=crypto:".
    public var description: String {
        let keys = self.keyParameters.map(\.description).joined(separator: ";")
        return ([String(self.tag), self.suite, keys] + self.sessionParameters).joined(separator: " ")
    }
}

/// One key parameter of ``SDPCrypto``: `inline:<key||salt base64>[|<lifetime>][|<MKI>:<length>]` (RFC 4568 §9.2).
public struct SDPCryptoKeyParameter: Hashable, Sendable, CustomStringConvertible {
    /// Key method; "inline" is the only one defined.
    public var method: String
    /// Base64 of the concatenated master key and salt.
    public var keySalt: String
    /// Master key lifetime as written: "2^20" or a decimal.
    public var lifetime: String?
    /// MKI value and length as written: "1:32".
    public var mki: String?

    /// Creates a key parameter.
    public init(method: String = "inline", keySalt: String, lifetime: String? = nil, mki: String? = nil) {
        self.method = method
        self.keySalt = keySalt
        self.lifetime = lifetime
        self.mki = mki
    }

    /// Parses "inline:KEY|2^20|1:32".
    public init?(_ text: Substring) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let info = text[text.index(after: colon)...].split(separator: "|", omittingEmptySubsequences: false)
        guard let key = info.first, !key.isEmpty, info.count <= 3 else { return nil }
        var lifetime: String? = nil
        var mki: String? = nil
        for item in info.dropFirst() {
            // The MKI is the only field with a colon; the lifetime never has one.
            if item.contains(":") { mki = String(item) } else { lifetime = String(item) }
        }
        self.init(method: String(text[..<colon]), keySalt: String(key), lifetime: lifetime, mki: mki)
    }

    /// The lifetime in packets: "2^20" → 1048576, "1000" → 1000; `nil` if absent or too large.
    public var lifetimePackets: Int? {
        guard let lifetime = self.lifetime else { return nil }
        if lifetime.hasPrefix("2^") {
            guard let exponent = SDPText.boundedInt(lifetime.dropFirst(2)), exponent < 63 else { return nil }
            return 1 << exponent
        }
        return SDPText.boundedInt(lifetime[...])
    }

    /// The text form.
    public var description: String {
        var text = "\(self.method):\(self.keySalt)"
        if let lifetime = self.lifetime { text += "|\(lifetime)" }
        if let mki = self.mki { text += "|\(mki)" }
        return text
    }
}

/// An `a=candidate` line (RFC 8839 §5.1):
/// `<foundation> <component-id> <transport> <priority> <address> <port> typ <cand-type>
/// [raddr <addr>] [rport <port>] *(<extension name> <extension value>)`.
public struct ICECandidate: Hashable, Sendable, CustomStringConvertible {
    /// Foundation (1 to 32 ice-chars).
    public var foundation: String
    /// Component: 1 for RTP, 2 for RTCP.
    public var component: Int
    /// "UDP" (or "TCP" per RFC 6544), as written.
    public var transport: String
    /// Priority, 1 to 2^31-1.
    public var priority: Int
    /// Connection address (IP or, in WebRTC, an mDNS ".local" name).
    public var address: String
    /// Port.
    public var port: Int
    /// "host", "srflx", "prflx", "relay" or another token.
    public var type: String
    /// `raddr`, for reflexive and relayed candidates.
    public var relatedAddress: String?
    /// `rport`.
    public var relatedPort: Int?
    /// Further name/value pairs such as "generation 0", "network-id 1", "tcptype active".
    public var extensions: [Extension]

    /// An extension name/value pair.
    public struct Extension: Hashable, Sendable {
        /// Name.
        public var name: String
        /// Value.
        public var value: String
        /// Creates a pair.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Creates a candidate.
    public init(
        foundation: String,
        component: Int,
        transport: String = "UDP",
        priority: Int,
        address: String,
        port: Int,
        type: String,
        relatedAddress: String? = nil,
        relatedPort: Int? = nil,
        extensions: [Extension] = []
    ) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.address = address
        self.port = port
        self.type = type
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.extensions = extensions
    }

    /// Parses the value after "a=candidate:".
    public init?(_ value: String) {
        let fields = SDPText.fields(value[...])
        guard fields.count >= 8, fields[6].lowercased() == "typ",
            let component = SDPText.boundedInt(fields[1]), component <= 256,
            let priority = SDPText.boundedInt(fields[3]), priority <= Int(UInt32.max),
            let port = SDPText.port(fields[5])
        else { return nil }
        var relatedAddress: String? = nil
        var relatedPort: Int? = nil
        var extensions: [Extension] = []
        var index = 8
        while index + 1 < fields.count {
            let name = fields[index]
            let value = fields[index + 1]
            switch name.lowercased() {
            case "raddr": relatedAddress = String(value)
            case "rport":
                guard let parsed = SDPText.port(value) else { return nil }
                relatedPort = parsed
            default: extensions.append(Extension(name: String(name), value: String(value)))
            }
            index += 2
        }
        // A dangling name without a value is malformed.
        guard index == fields.count else { return nil }
        self.init(
            foundation: String(fields[0]),
            component: component,
            transport: String(fields[2]),
            priority: priority,
            address: String(fields[4]),
            port: port,
            type: String(fields[7]),
            relatedAddress: relatedAddress,
            relatedPort: relatedPort,
            extensions: extensions
        )
    }

    /// The classification of ``address``.
    public var addressClass: IPAddressClass { IPAddressClassifier.classify(self.address) }

    /// The value after "a=candidate:".
    public var description: String {
        var text = "\(self.foundation) \(self.component) \(self.transport) \(self.priority) \(self.address) \(self.port) typ \(self.type)"
        if let relatedAddress = self.relatedAddress { text += " raddr \(relatedAddress)" }
        if let relatedPort = self.relatedPort { text += " rport \(relatedPort)" }
        for item in self.extensions { text += " \(item.name) \(item.value)" }
        return text
    }
}

/// `a=setup` role (RFC 4145 §4): who opens the TCP or DTLS connection.
public struct SDPSetupRole: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The token (lower case).
    public var rawValue: String
    /// Wraps a token.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The endpoint initiates the connection.
    public static let active = SDPSetupRole(rawValue: "active")
    /// The endpoint accepts the connection.
    public static let passive = SDPSetupRole(rawValue: "passive")
    /// Either (offers only).
    public static let actpass = SDPSetupRole(rawValue: "actpass")
    /// Do not connect yet.
    public static let holdconn = SDPSetupRole(rawValue: "holdconn")
    /// The token.
    public var description: String { self.rawValue }
}

/// `a=fingerprint:<hash-func> <fingerprint>` (RFC 8122 §5), the DTLS certificate hash.
public struct SDPFingerprint: Hashable, Sendable, CustomStringConvertible {
    /// "sha-256", "sha-1", ...
    public var hashFunction: String
    /// Upper-case hex pairs separated by colons.
    public var fingerprint: String

    /// Creates a fingerprint.
    public init(hashFunction: String, fingerprint: String) {
        self.hashFunction = hashFunction
        self.fingerprint = fingerprint
    }

    /// Parses the value after "a=fingerprint:".
    public init?(_ value: String) {
        let fields = SDPText.fields(value[...])
        guard fields.count == 2 else { return nil }
        self.init(hashFunction: String(fields[0]), fingerprint: String(fields[1]))
    }

    /// The value after "a=fingerprint:".
    public var description: String { "\(self.hashFunction) \(self.fingerprint)" }
}

/// `a=ssrc:<ssrc-id> <attribute>[:<value>]` (RFC 5576 §4.1), e.g. "ssrc:3735928559 cname:abc".
public struct SDPSSRCAttribute: Hashable, Sendable, CustomStringConvertible {
    /// The synchronization source.
    public var ssrc: UInt32
    /// Source attribute name, e.g. "cname", "msid".
    public var attribute: String
    /// Its value, if any.
    public var value: String?

    /// Creates an ssrc attribute.
    public init(ssrc: UInt32, attribute: String, value: String? = nil) {
        self.ssrc = ssrc
        self.attribute = attribute
        self.value = value
    }

    /// Parses the value after "a=ssrc:".
    public init?(_ text: String) {
        guard let space = text.firstIndex(of: " "),
            let number = SDPText.boundedInt(text[..<space]), number <= Int(UInt32.max)
        else { return nil }
        let inner = SDPAttribute(parsing: SDPText.trimmed(text[text.index(after: space)...]))
        guard !inner.name.isEmpty else { return nil }
        self.init(ssrc: UInt32(number), attribute: inner.name, value: inner.value)
    }

    /// The value after "a=ssrc:".
    public var description: String { "\(self.ssrc) \(SDPAttribute(name: self.attribute, value: self.value))" }
}
