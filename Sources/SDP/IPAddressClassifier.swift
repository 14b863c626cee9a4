/// A parsed IPv4 or IPv6 address, read from text without Foundation or `inet_pton`.
///
/// Diagnosis compares SDP `c=` addresses with the addresses packets really came from, so it
/// needs the numeric value, not only the text: "10.0.0.5" and "::ffff:10.0.0.5" are the same
/// host for NAT purposes.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// An IPv4 address, most significant octet first.
    case v4(UInt8, UInt8, UInt8, UInt8)
    /// An IPv6 address as 16 octets, network order. Arrays of another length are cut or padded
    /// with zeros to 16 wherever they are read, so a hand-made value can never trap.
    case v6([UInt8])

    /// Parses dotted-quad IPv4 or RFC 4291 §2.2 IPv6 text ("::" compression, an embedded
    /// dotted quad in the last 32 bits, an optional "%zone" and optional surrounding brackets).
    ///
    /// Returns `nil` for anything else, including host names.
    public init?(_ text: String) {
        var body = Substring(text)
        if body.hasPrefix("["), body.hasSuffix("]"), body.count >= 2 {
            body = body.dropFirst().dropLast()
        }
        if let v4 = IPAddress.parseIPv4(body) {
            self = .v4(v4.0, v4.1, v4.2, v4.3)
            return
        }
        if let percent = body.firstIndex(of: "%") {
            body = body[..<percent]
        }
        guard let octets = IPAddress.parseIPv6(body) else { return nil }
        self = .v6(octets)
    }

    /// `true` for IPv6 addresses (including IPv4-mapped ones).
    public var isIPv6: Bool {
        if case .v6 = self { return true }
        return false
    }

    /// For an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2), the IPv4 address;
    /// for an IPv4 address, itself; otherwise `nil`.
    public var ipv4Equivalent: IPAddress? {
        switch self {
        case .v4:
            return self
        case .v6(let raw):
            let o = IPAddress.sixteenOctets(raw)
            let isMapped = o[0..<10].allSatisfy { $0 == 0 } && o[10] == 0xff && o[11] == 0xff
            return isMapped ? .v4(o[12], o[13], o[14], o[15]) : nil
        }
    }

    /// Dotted quad for IPv4; RFC 5952 canonical text (lower case, longest zero run compressed)
    /// for IPv6.
    public var description: String {
        switch self {
        case .v4(let a, let b, let c, let d):
            return "\(a).\(b).\(c).\(d)"
        case .v6(let raw):
            let o = IPAddress.sixteenOctets(raw)
            var groups: [UInt16] = []
            for i in 0..<8 { groups.append(UInt16(o[2 * i]) << 8 | UInt16(o[2 * i + 1])) }
            // RFC 5952 §4.2.3: compress the longest run of two or more zero groups, the first one on a tie.
            var bestStart = -1
            var bestLength = 0
            var i = 0
            while i < 8 {
                if groups[i] == 0 {
                    var j = i
                    while j < 8 && groups[j] == 0 { j += 1 }
                    if j - i > bestLength && j - i >= 2 {
                        bestStart = i
                        bestLength = j - i
                    }
                    i = j
                } else {
                    i += 1
                }
            }
            func hex(_ range: Range<Int>) -> String {
                groups[range].map { String($0, radix: 16) }.joined(separator: ":")
            }
            if bestStart < 0 { return hex(0..<8) }
            return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
        }
    }

    /// `octets` cut or zero-padded to exactly 16 bytes.
    static func sixteenOctets(_ octets: [UInt8]) -> [UInt8] {
        if octets.count == 16 { return octets }
        return Array((octets + [UInt8](repeating: 0, count: 16)).prefix(16))
    }

    /// Parses exactly four decimal octets separated by dots.
    static func parseIPv4(_ text: Substring) -> (UInt8, UInt8, UInt8, UInt8)? {
        // Byte by byte (the rules' hot path classifies every address of every call): four
        // groups of one to three ASCII digits, each at most 255, separated by single dots.
        var octets: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        var group = 0
        var value = 0
        var digits = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, group < 3 else { return nil }
                Self.store(value, at: group, in: &octets)
                group += 1
                value = 0
                digits = 0
            } else {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 3 else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
                guard value <= 255 else { return nil }
            }
        }
        guard group == 3, digits > 0 else { return nil }
        Self.store(value, at: 3, in: &octets)
        return octets
    }

    private static func store(_ value: Int, at index: Int, in octets: inout (UInt8, UInt8, UInt8, UInt8)) {
        switch index {
        case 0: octets.0 = UInt8(value)
        case 1: octets.1 = UInt8(value)
        case 2: octets.2 = UInt8(value)
        default: octets.3 = UInt8(value)
        }
    }

    /// Parses IPv6 text into 16 octets (RFC 4291 §2.2 forms 1–3).
    static func parseIPv6(_ text: Substring) -> [UInt8]? {
        // The longest valid form is 45 characters (RFC 4291 mixed notation); refuse more early.
        guard !text.isEmpty, text.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawCompression = false
        let pieces: [Substring]
        if let range = text.firstRange(of: "::") {
            sawCompression = true
            let left = text[..<range.lowerBound]
            let right = text[range.upperBound...]
            if right.contains("::") { return nil }
            guard let l = parseGroups(left, allowDottedQuad: false),
                let r = parseGroups(right, allowDottedQuad: true)
            else { return nil }
            head = l
            tail = r
            pieces = []
        } else {
            pieces = [text]
        }
        if !sawCompression {
            guard let all = parseGroups(pieces[0], allowDottedQuad: true), all.count == 8 else { return nil }
            head = all
        } else {
            // "::" stands for at least one zero group.
            guard head.count + tail.count <= 7 else { return nil }
            head += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        var octets: [UInt8] = []
        octets.reserveCapacity(16)
        for group in head {
            octets.append(UInt8(group >> 8))
            octets.append(UInt8(group & 0xff))
        }
        return octets
    }

    /// Parses colon-separated hex groups; a trailing dotted quad counts as two groups.
    private static func parseGroups(_ text: Substring, allowDottedQuad: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, allowDottedQuad, part.contains("."),
                let v4 = parseIPv4(part)
            {
                groups.append(UInt16(v4.0) << 8 | UInt16(v4.1))
                groups.append(UInt16(v4.2) << 8 | UInt16(v4.3))
                continue
            }
            guard !part.isEmpty, part.count <= 4, part.allSatisfy({ $0.isHexDigit }),
                let value = UInt16(part, radix: 16)
            else { return nil }
            groups.append(value)
        }
        return groups
    }
}

/// What kind of address an SDP `c=`/`o=`/candidate address is, for NAT and reachability lint.
public enum IPAddressClass: Hashable, Sendable, CustomStringConvertible {
    /// 0.0.0.0 or `::`. In an SDP `c=` line, 0.0.0.0 is the old RFC 2543 way to put a call on hold.
    case unspecified
    /// 127.0.0.0/8 or `::1`.
    case loopback
    /// RFC 1918 private space: 10/8, 172.16/12, 192.168/16.
    case `private`
    /// RFC 6598 shared address space (carrier-grade NAT): 100.64.0.0/10.
    case shared
    /// 169.254.0.0/16 (RFC 3927) or fe80::/10 (RFC 4291).
    case linkLocal
    /// IPv6 unique local addresses, fc00::/7 (RFC 4193).
    case uniqueLocal
    /// Documentation ranges: 192.0.2/24, 198.51.100/24, 203.0.113/24 (RFC 5737), 2001:db8::/32 (RFC 3849).
    case documentation
    /// 224.0.0.0/4 or ff00::/8.
    case multicast
    /// Other special IPv4 space: 0.0.0.0/8 (except 0.0.0.0), 240.0.0.0/4 and the broadcast address.
    case reserved
    /// Any other IP address: presumably reachable on the public Internet.
    case `public`
    /// Not an IP address but a syntactically valid host name (RFC 1123 labels).
    case hostname
    /// Neither an IP address nor a valid host name.
    case invalid

    /// `true` when a peer on the public Internet cannot reach the address as written
    /// (private, shared, loopback, link-local, unique-local, unspecified, reserved, documentation).
    public var isNonRoutable: Bool {
        switch self {
        case .unspecified, .loopback, .private, .shared, .linkLocal, .uniqueLocal, .documentation, .reserved:
            return true
        case .multicast, .public, .hostname, .invalid:
            return false
        }
    }

    /// A short English name, e.g. "RFC 1918 private".
    public var description: String {
        switch self {
        case .unspecified: return "unspecified (hold in RFC 2543 style)"
        case .loopback: return "loopback"
        case .private: return "RFC 1918 private"
        case .shared: return "RFC 6598 shared (carrier-grade NAT)"
        case .linkLocal: return "link-local"
        case .uniqueLocal: return "IPv6 unique local (fc00::/7)"
        case .documentation: return "documentation range"
        case .multicast: return "multicast"
        case .reserved: return "reserved"
        case .public: return "public"
        case .hostname: return "host name"
        case .invalid: return "invalid address"
        }
    }
}

/// Classifies address text (as found in `c=`, `o=`, `a=rtcp` or ICE candidates).
public enum IPAddressClassifier {
    /// The class of `text`: an IPv4/IPv6 range, a host name, or invalid.
    public static func classify(_ text: String) -> IPAddressClass {
        guard let address = IPAddress(text) else {
            return self.isHostname(text) ? .hostname : .invalid
        }
        return self.classify(address)
    }

    /// The class of a parsed address. IPv4-mapped IPv6 addresses are classified as their IPv4 address.
    public static func classify(_ address: IPAddress) -> IPAddressClass {
        switch address.ipv4Equivalent ?? address {
        case .v4(let a, let b, let c, let d):
            if a == 0 && b == 0 && c == 0 && d == 0 { return .unspecified }
            if a == 0 { return .reserved }
            if a == 127 { return .loopback }
            if a == 10 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) { return .private }
            if a == 100 && (64...127).contains(b) { return .shared }
            if a == 169 && b == 254 { return .linkLocal }
            if (a == 192 && b == 0 && c == 2) || (a == 198 && b == 51 && c == 100) || (a == 203 && b == 0 && c == 113) {
                return .documentation
            }
            if (224...239).contains(a) { return .multicast }
            if a >= 240 { return .reserved }
            return .public
        case .v6(let raw):
            let o = IPAddress.sixteenOctets(raw)
            if o.allSatisfy({ $0 == 0 }) { return .unspecified }
            if o[0..<15].allSatisfy({ $0 == 0 }) && o[15] == 1 { return .loopback }
            if o[0] == 0xfe && (o[1] & 0xc0) == 0x80 { return .linkLocal }
            if (o[0] & 0xfe) == 0xfc { return .uniqueLocal }
            if o[0] == 0xff { return .multicast }
            if o[0] == 0x20 && o[1] == 0x01 && o[2] == 0x0d && o[3] == 0xb8 { return .documentation }
            return .public
        }
    }

    /// RFC 1123 host name syntax: dot-separated labels of letters, digits and hyphens, 1–63
    /// characters each, not starting or ending with a hyphen, 253 characters in all, and a last
    /// label that is not all digits (so "1.2.3" or "300.1.1.1" are not host names).
    static func isHostname(_ text: String) -> Bool {
        var name = Substring(text)
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63, label.first != "-", label.last != "-",
                label.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7a) || $0 == 0x2d })
            else { return false }
        }
        guard let last = labels.last else { return false }
        return !last.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}

extension IPAddressClass {
    /// The description with its indefinite article, for sentences: "an RFC 1918 private", "a link-local".
    public var withArticle: String {
        let text = self.description
        let vowelSound = text.hasPrefix("RFC") || text.hasPrefix("IPv6") || "aeiou".contains(text.first ?? "x")
        return (vowelSound ? "an " : "a ") + text
    }
}
