/// An `a=` line: `a=<name>` (a flag) or `a=<name>:<value>` (RFC 8866 §5.13).
///
/// Every attribute is kept in this generic form, in order; the typed accessors on
/// ``SDPAttributeContainer`` interpret the ones this module knows.
public struct SDPAttribute: Hashable, Sendable, CustomStringConvertible {
    /// The name before ":" (case-sensitive per RFC 8866 §5.13; looked up case-insensitively here).
    public var name: String
    /// The text after the first ":", or `nil` for a property attribute such as "rtcp-mux".
    public var value: String?

    /// Creates an attribute.
    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// The line without "a=": "name" or "name:value".
    public var description: String {
        if let value = self.value { return "\(self.name):\(value)" }
        return self.name
    }

    /// Splits "name:value" (the text after "a=").
    init(parsing text: Substring) {
        if let colon = text.firstIndex(of: ":") {
            self.name = String(text[..<colon])
            self.value = String(text[text.index(after: colon)...])
        } else {
            self.name = String(text)
            self.value = nil
        }
    }
}

/// Something that holds `a=` lines: a ``SessionDescription`` (session level) or a
/// ``MediaDescription``. The typed accessors read only this level; use
/// ``SessionDescription/effectiveDirection(of:)`` for the inherited direction.
public protocol SDPAttributeContainer {
    /// The `a=` lines in order.
    var attributes: [SDPAttribute] { get }
}

extension SDPAttributeContainer {
    /// All attributes with this name (ASCII case-insensitive), in order.
    public func attributes(named name: String) -> [SDPAttribute] {
        self.attributes.filter { SDPText.equalsIgnoringCase($0.name, name) }
    }

    /// The first attribute with this name.
    public func attribute(named name: String) -> SDPAttribute? {
        self.attributes.first { SDPText.equalsIgnoringCase($0.name, name) }
    }

    /// `true` when an attribute of this name is present (flag or not).
    public func hasAttribute(_ name: String) -> Bool { self.attribute(named: name) != nil }

    /// The value of the first attribute with this name.
    public func attributeValue(_ name: String) -> String? { self.attribute(named: name)?.value }

    /// `a=rtpmap` lines that parse (RFC 8866 §6.6).
    public var rtpMaps: [SDPRTPMap] { self.attributes(named: "rtpmap").compactMap { $0.value.flatMap(SDPRTPMap.init) } }

    /// `a=fmtp` lines that parse (RFC 8866 §6.15).
    public var formatParameters: [SDPFormatParameters] {
        self.attributes(named: "fmtp").compactMap { $0.value.flatMap(SDPFormatParameters.init) }
    }

    /// The rtpmap for a payload type.
    public func rtpMap(for payloadType: Int) -> SDPRTPMap? { self.rtpMaps.first { $0.payloadType == payloadType } }

    /// The fmtp for a format ("101", "t38", ...).
    public func formatParameters(for format: String) -> SDPFormatParameters? {
        self.formatParameters.first { $0.format == format }
    }

    /// `a=ptime` in milliseconds (RFC 8866 §6.4). Fractional values such as "20.0" are truncated.
    public var ptime: Int? { self.attributeValue("ptime").flatMap { SDPText.milliseconds($0[...]) } }

    /// `a=maxptime` in milliseconds (RFC 8866 §6.5).
    public var maxptime: Int? { self.attributeValue("maxptime").flatMap { SDPText.milliseconds($0[...]) } }

    /// The direction attribute written at this level (the last one wins if several), or `nil`.
    public var direction: SDPDirection? {
        self.attributes.last { SDPDirection(rawValue: $0.name.lowercased()) != nil && $0.value == nil }
            .flatMap { SDPDirection(rawValue: $0.name.lowercased()) }
    }

    /// `a=rtcp` (RFC 3605).
    public var rtcp: SDPRTCPAttribute? { self.attributeValue("rtcp").flatMap(SDPRTCPAttribute.init) }

    /// `a=rtcp-mux` present (RFC 5761 §5.1.1).
    public var isRTCPMultiplexed: Bool { self.hasAttribute("rtcp-mux") }

    /// `a=crypto` lines that parse (RFC 4568 §9.1).
    public var cryptos: [SDPCrypto] { self.attributes(named: "crypto").compactMap { $0.value.flatMap(SDPCrypto.init) } }

    /// `a=ice-ufrag` (RFC 8839 §5.4).
    public var iceUfrag: String? { self.attributeValue("ice-ufrag") }

    /// `a=ice-pwd` (RFC 8839 §5.4).
    public var icePwd: String? { self.attributeValue("ice-pwd") }

    /// `a=ice-lite` present (RFC 8839 §5.3; session level).
    public var isICELite: Bool { self.hasAttribute("ice-lite") }

    /// `a=ice-options` tokens, e.g. ["trickle"] (RFC 8839 §5.6).
    public var iceOptions: [String] {
        self.attributes(named: "ice-options").flatMap { SDPText.fields(($0.value ?? "")[...]).map(String.init) }
    }

    /// `a=candidate` lines that parse (RFC 8839 §5.1).
    public var candidates: [ICECandidate] {
        self.attributes(named: "candidate").compactMap { $0.value.flatMap(ICECandidate.init) }
    }

    /// `a=end-of-candidates` present (RFC 8840 §8.2).
    public var hasEndOfCandidates: Bool { self.hasAttribute("end-of-candidates") }

    /// `a=setup` (RFC 4145 §4).
    public var setup: SDPSetupRole? { self.attributeValue("setup").map { SDPSetupRole(rawValue: $0.lowercased()) } }

    /// `a=fingerprint` lines that parse (RFC 8122 §5).
    public var fingerprints: [SDPFingerprint] {
        self.attributes(named: "fingerprint").compactMap { $0.value.flatMap(SDPFingerprint.init) }
    }

    /// `a=mid` (RFC 5888 §4).
    public var mid: String? { self.attributeValue("mid") }

    /// `a=ssrc` lines that parse (RFC 5576 §4.1).
    public var ssrcs: [SDPSSRCAttribute] { self.attributes(named: "ssrc").compactMap { $0.value.flatMap(SDPSSRCAttribute.init) } }
}

extension SDPText {
    /// Parses a millisecond value such as "20" or "20.0" (some gateways write a decimal point).
    static func milliseconds(_ text: Substring) -> Int? {
        let trimmed = self.trimmed(text)
        let integerPart = trimmed.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? trimmed
        return self.boundedInt(integerPart)
    }
}
