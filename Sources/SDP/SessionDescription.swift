/// An SDP session description (RFC 8866): the session-level lines plus its media descriptions.
///
/// The model keeps everything it read, so a parsed description serializes back to an equal
/// value (`try SessionDescription.parse(x.serialized()) == x`). Fields that RFC 8866 requires but
/// that broken peers omit (`o=`, `s=`, `t=`) are optional here; the parser reports their absence
/// as an ``SDPWarning`` rather than refusing the description, because a diagnostics tool has to
/// read what was really sent.
public struct SessionDescription: Hashable, Sendable, SDPAttributeContainer {
    /// `v=`: protocol version. RFC 8866 §5.1 defines only 0.
    public var version: Int
    /// `o=`: originator and session identifier.
    public var origin: SDPOrigin?
    /// `s=`: session name. RFC 8866 §5.3 suggests "-" or a single space when there is none.
    public var sessionName: String?
    /// `i=` at session level.
    public var information: String?
    /// `u=`.
    public var uri: String?
    /// `e=` lines, in order.
    public var emails: [String]
    /// `p=` lines, in order.
    public var phones: [String]
    /// `c=` at session level: the default for media descriptions without their own.
    public var connection: SDPConnection?
    /// `b=` lines at session level.
    public var bandwidths: [SDPBandwidth]
    /// `t=` lines, each with its `r=` lines. RFC 8866 requires at least one; SIP uses "t=0 0".
    public var timings: [SDPTiming]
    /// `z=` value, kept as text.
    public var timeZoneAdjustments: String?
    /// `k=` at session level (obsolete since RFC 8866 §5.12, kept for round trips).
    public var encryptionKey: String?
    /// Session-level `a=` lines in order.
    public var attributes: [SDPAttribute]
    /// Session-level lines of a type this module does not know, kept for round trips.
    public var otherLines: [SDPLine]
    /// `m=` sections in order.
    public var media: [MediaDescription]

    /// Creates a session description; every field has a neutral default except `origin`.
    public init(
        version: Int = 0,
        origin: SDPOrigin?,
        sessionName: String? = "-",
        information: String? = nil,
        uri: String? = nil,
        emails: [String] = [],
        phones: [String] = [],
        connection: SDPConnection? = nil,
        bandwidths: [SDPBandwidth] = [],
        timings: [SDPTiming] = [SDPTiming()],
        timeZoneAdjustments: String? = nil,
        encryptionKey: String? = nil,
        attributes: [SDPAttribute] = [],
        otherLines: [SDPLine] = [],
        media: [MediaDescription] = []
    ) {
        self.version = version
        self.origin = origin
        self.sessionName = sessionName
        self.information = information
        self.uri = uri
        self.emails = emails
        self.phones = phones
        self.connection = connection
        self.bandwidths = bandwidths
        self.timings = timings
        self.timeZoneAdjustments = timeZoneAdjustments
        self.encryptionKey = encryptionKey
        self.attributes = attributes
        self.otherLines = otherLines
        self.media = media
    }

    /// The direction that applies to `media`: its own direction attribute, else the session-level
    /// one, else sendrecv.
    ///
    /// RFC 3264 §5.1: "We refer to a stream as being marked with a certain direction if a
    /// direction attribute was present as either a media stream attribute or a session attribute."
    /// RFC 8866 §6.7: sendrecv is the default when neither level has one.
    public func effectiveDirection(of media: MediaDescription) -> SDPDirection {
        media.direction ?? self.direction ?? .sendrecv
    }

    /// The `c=` lines that apply to `media`: its own, else the session-level one.
    public func effectiveConnections(of media: MediaDescription) -> [SDPConnection] {
        if !media.connections.isEmpty { return media.connections }
        return self.connection.map { [$0] } ?? []
    }

    /// Every `c=` address with the level it appeared at, session first, then media in order.
    public func connectionAddresses() -> [SDPConnectionAddress] {
        var result: [SDPConnectionAddress] = []
        if let connection = self.connection {
            result.append(SDPConnectionAddress(level: .session, connection: connection))
        }
        for (index, media) in self.media.enumerated() {
            for connection in media.connections {
                result.append(SDPConnectionAddress(level: .media(index), connection: connection))
            }
        }
        return result
    }
}

/// A `c=` address and where it was found, as returned by ``SessionDescription/connectionAddresses()``.
public struct SDPConnectionAddress: Hashable, Sendable {
    /// Where a line sits in the description.
    public enum Level: Hashable, Sendable {
        /// Session level, before the first `m=`.
        case session
        /// Inside the media description with this zero-based index.
        case media(Int)
    }

    /// The level the `c=` line was found at.
    public var level: Level
    /// The parsed `c=` line.
    public var connection: SDPConnection

    /// The classification of ``SDPConnection/address``.
    public var addressClass: IPAddressClass { IPAddressClassifier.classify(self.connection.address) }
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2).
///
/// Session id and version are kept as text: RFC 8866 only asks for digits, and real peers send
/// values longer than 64 bits.
public struct SDPOrigin: Hashable, Sendable {
    /// The user's login on the originating host, or "-".
    public var username: String
    /// Numeric session identifier (as text).
    public var sessionID: String
    /// Numeric version, increased on every change of the description (as text).
    public var sessionVersion: String
    /// "IN" for Internet.
    public var networkType: String
    /// "IP4" or "IP6".
    public var addressType: String
    /// Address of the originating host.
    public var address: String

    /// Creates an origin; `networkType` defaults to "IN".
    public init(
        username: String = "-",
        sessionID: String,
        sessionVersion: String,
        networkType: String = "IN",
        addressType: String,
        address: String
    ) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// ``sessionVersion`` as a number, or `nil` when it is not a decimal that fits in 64 bits.
    public var sessionVersionNumber: UInt64? { UInt64(self.sessionVersion) }

    /// The value after "o=".
    public var value: String {
        "\(self.username) \(self.sessionID) \(self.sessionVersion) \(self.networkType) \(self.addressType) \(self.address)"
    }
}

/// `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7).
///
/// For IP4 and IP6 the multicast suffixes are split off: IP4 "224.2.1.1/127/3" has TTL 127 and
/// 3 addresses; IP6 "ff15::101/3" has 3 addresses and no TTL.
public struct SDPConnection: Hashable, Sendable {
    /// "IN".
    public var networkType: String
    /// "IP4", "IP6" or an unknown type (then ``address`` holds the whole text).
    public var addressType: String
    /// The address without multicast suffixes.
    public var address: String
    /// IP4 multicast TTL.
    public var ttl: Int?
    /// Number of multicast addresses.
    public var addressCount: Int?

    /// Creates a connection; `addressType` defaults to IP6 when `address` contains a colon.
    public init(
        networkType: String = "IN",
        addressType: String? = nil,
        address: String,
        ttl: Int? = nil,
        addressCount: Int? = nil
    ) {
        self.networkType = networkType
        self.addressType = addressType ?? (address.contains(":") ? "IP6" : "IP4")
        self.address = address
        self.ttl = ttl
        self.addressCount = addressCount
    }

    /// The classification of ``address``.
    public var addressClass: IPAddressClass { IPAddressClassifier.classify(self.address) }

    /// `true` for 0.0.0.0 or `::`: "hold" in RFC 2543 style (RFC 3264 §8.4 replaced it with sendonly).
    public var isHoldAddress: Bool { self.addressClass == .unspecified }

    /// The value after "c=".
    public var value: String {
        var text = "\(self.networkType) \(self.addressType) \(self.address)"
        if let ttl = self.ttl { text += "/\(ttl)" }
        if let count = self.addressCount { text += "/\(count)" }
        return text
    }
}

/// `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8), e.g. "AS:64" (kilobits per second) or "TIAS:64000".
public struct SDPBandwidth: Hashable, Sendable {
    /// "CT", "AS", "TIAS", "RS", "RR", or another type.
    public var type: String
    /// The value as written.
    public var value: String

    /// Creates a bandwidth line.
    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    /// ``value`` as a number when it is decimal.
    public var number: Int? { SDPText.boundedInt(self.value[...]) }
}

/// `t=<start-time> <stop-time>` plus its `r=` lines (RFC 8866 §5.9, §5.10), as text.
public struct SDPTiming: Hashable, Sendable {
    /// NTP start time; "0" for unbounded.
    public var start: String
    /// NTP stop time; "0" for unbounded.
    public var stop: String
    /// The values of the `r=` lines that follow this `t=`.
    public var repeats: [String]

    /// Creates a timing; the default "0 0" is what SIP uses (RFC 3264 §5).
    public init(start: String = "0", stop: String = "0", repeats: [String] = []) {
        self.start = start
        self.stop = stop
        self.repeats = repeats
    }
}

/// A line of a type letter this module does not model (kept so nothing is lost).
public struct SDPLine: Hashable, Sendable {
    /// The single-character type before "=".
    public var type: Character
    /// Everything after "=".
    public var value: String

    /// Creates a line.
    public init(type: Character, value: String) {
        self.type = type
        self.value = value
    }
}
