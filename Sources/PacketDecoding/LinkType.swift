/// A capture's link-layer header type: the LINKTYPE_ value from the pcap file header or the
/// pcapng interface block (tcpdump.org "Link-layer header types").
public struct LinkType: RawRepresentable, Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// The LINKTYPE_ number.
    public var rawValue: Int

    /// Wraps a LINKTYPE_ number.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Wraps a LINKTYPE_ number written as a literal.
    public init(integerLiteral value: Int) { self.rawValue = value }

    /// LINKTYPE_NULL (0): BSD loopback, a 4-byte address family in the capturing host's byte order.
    public static let null = LinkType(rawValue: 0)
    /// LINKTYPE_ETHERNET (1): IEEE 802.3 / Ethernet II.
    public static let ethernet = LinkType(rawValue: 1)
    /// DLT_RAW as some systems number it (12 or 14 in their headers): raw IPv4 or IPv6.
    public static let rawAlias12 = LinkType(rawValue: 12)
    /// DLT_RAW as some systems number it (14): raw IPv4 or IPv6.
    public static let rawAlias14 = LinkType(rawValue: 14)
    /// LINKTYPE_RAW (101): raw IPv4 or IPv6, told apart by the version nibble.
    public static let raw = LinkType(rawValue: 101)
    /// LINKTYPE_LOOP (108): OpenBSD loopback, the 4-byte address family in network byte order.
    public static let loop = LinkType(rawValue: 108)
    /// LINKTYPE_LINUX_SLL (113): Linux "cooked" capture, version 1 (16-byte header).
    public static let linuxSLL = LinkType(rawValue: 113)
    /// LINKTYPE_IPV4 (228): raw IPv4.
    public static let ipv4 = LinkType(rawValue: 228)
    /// LINKTYPE_IPV6 (229): raw IPv6.
    public static let ipv6 = LinkType(rawValue: 229)
    /// LINKTYPE_LINUX_SLL2 (276): Linux "cooked" capture, version 2 (20-byte header).
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// Whether ``PacketDecoder`` understands this link type.
    public var isSupported: Bool {
        switch self.rawValue {
        case 0, 1, 12, 14, 101, 108, 113, 228, 229, 276: return true
        default: return false
        }
    }

    /// "ETHERNET (1)", "LINUX_SLL (113)", "LINKTYPE 147".
    public var description: String {
        switch self.rawValue {
        case 0: return "NULL (0)"
        case 1: return "ETHERNET (1)"
        case 12, 14, 101: return "RAW (\(self.rawValue))"
        case 108: return "LOOP (108)"
        case 113: return "LINUX_SLL (113)"
        case 228: return "IPV4 (228)"
        case 229: return "IPV6 (229)"
        case 276: return "LINUX_SLL2 (276)"
        default: return "LINKTYPE \(self.rawValue)"
        }
    }
}
