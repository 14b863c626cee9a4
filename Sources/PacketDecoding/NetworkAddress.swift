/// An IPv4 or IPv6 address in 17 bytes of plain storage (no heap), cheap to hash and compare.
///
/// IPv4 addresses keep their 32 bits in the low half of ``low``; IPv6 addresses keep the first
/// 64 bits in ``high`` and the last 64 in ``low``. An IPv4 address and the IPv4-mapped IPv6
/// address `::ffff:a.b.c.d` are different values, because they were different on the wire.
public struct NetworkAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first 64 bits of an IPv6 address; 0 for IPv4.
    public private(set) var high: UInt64
    /// The last 64 bits of an IPv6 address, or the IPv4 address in its low 32 bits.
    public private(set) var low: UInt64
    /// Whether this is an IPv6 address.
    public private(set) var isIPv6: Bool

    /// An IPv4 address from its 32-bit value in host order (`0x0A000001` is 10.0.0.1).
    public init(ipv4 value: UInt32) {
        self.high = 0
        self.low = UInt64(value)
        self.isIPv6 = false
    }

    /// An IPv6 address from its two 64-bit halves in host order.
    public init(ipv6High high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        self.isIPv6 = true
    }

    /// An address from 4 (IPv4) or 16 (IPv6) bytes in network order; `nil` for other lengths.
    public init?(bytes: some Collection<UInt8>) {
        var accumulator: UInt64 = 0
        var highHalf: UInt64 = 0
        var count = 0
        for byte in bytes {
            guard count < 16 else { return nil }
            if count == 8 { highHalf = accumulator; accumulator = 0 }
            accumulator = accumulator << 8 | UInt64(byte)
            count += 1
        }
        switch count {
        case 4: self.init(ipv4: UInt32(truncatingIfNeeded: accumulator))
        case 16: self.init(ipv6High: highHalf, low: accumulator)
        default: return nil
        }
    }

    /// The 32-bit value of an IPv4 address, or `nil` for IPv6.
    public var ipv4Value: UInt32? {
        self.isIPv6 ? nil : UInt32(truncatingIfNeeded: self.low)
    }

    /// The address in network byte order (4 or 16 bytes).
    public var bytes: [UInt8] {
        if !self.isIPv6 {
            return (0..<4).map { UInt8(truncatingIfNeeded: self.low >> (24 - 8 * UInt64($0))) }
        }
        return (0..<16).map { index in
            let half = index < 8 ? self.high : self.low
            return UInt8(truncatingIfNeeded: half >> (56 - 8 * UInt64(index % 8)))
        }
    }

    /// The eight 16-bit groups of an IPv6 address.
    private var groups: [UInt16] {
        (0..<8).map { index in
            let half = index < 4 ? self.high : self.low
            return UInt16(truncatingIfNeeded: half >> (48 - 16 * UInt64(index % 4)))
        }
    }

    /// Orders IPv4 before IPv6, then numerically (used to give a connection a stable key).
    public static func < (lhs: NetworkAddress, rhs: NetworkAddress) -> Bool {
        if lhs.isIPv6 != rhs.isIPv6 { return !lhs.isIPv6 }
        if lhs.high != rhs.high { return lhs.high < rhs.high }
        return lhs.low < rhs.low
    }

    /// Writes an IPv4 address as a dotted quad (at most 15 bytes) at `count`.
    func writeDottedQuad(into buffer: UnsafeMutableBufferPointer<UInt8>, at count: inout Int) {
        var shift: UInt64 = 24
        while true {
            Self.writeDecimal(Int(self.low >> shift & 0xFF), into: buffer, at: &count)
            if shift == 0 { return }
            buffer[count] = UInt8(ascii: ".")
            count += 1
            shift -= 8
        }
    }

    /// Writes a non-negative number below 100,000 in decimal at `count`.
    static func writeDecimal(_ value: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at count: inout Int) {
        var divisor = 1
        while divisor * 10 <= value { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            buffer[count] = UInt8(ascii: "0") + UInt8(rest / divisor)
            count += 1
            rest %= divisor
            divisor /= 10
        }
    }

    /// Dotted quad for IPv4; RFC 5952 text for IPv6.
    ///
    /// RFC 5952 §4: lowercase hexadecimal, leading zeros of a group dropped, the longest run of
    /// two or more zero groups shortened to "::" (the first such run on a tie), and a single
    /// zero group never shortened. §5: IPv4-mapped addresses end in dotted quad (`::ffff:1.2.3.4`).
    public var description: String {
        guard self.isIPv6 else {
            return String(unsafeUninitializedCapacity: 15) { buffer in
                var count = 0
                self.writeDottedQuad(into: buffer, at: &count)
                return count
            }
        }
        let groups = self.groups
        if self.high == 0 && self.low >> 32 == 0xFFFF {
            return "::ffff:" + NetworkAddress(ipv4: UInt32(truncatingIfNeeded: self.low)).description
        }
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        func hex(_ range: Range<Int>) -> String {
            range.map { String(groups[$0], radix: 16) }.joined(separator: ":")
        }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    /// Parses "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1" or a bracketed "[2001:db8::1]".
    ///
    /// Strict: IPv4 needs four decimal parts of at most three digits each, no larger than 255;
    /// IPv6 needs hex groups of at most four digits, at most one "::", and an embedded IPv4
    /// part only at the end. Zone identifiers ("%eth0") are not accepted.
    public init?(_ text: some StringProtocol) {
        var utf8 = Array(text.utf8)
        if utf8.first == UInt8(ascii: "["), utf8.last == UInt8(ascii: "]") {
            utf8 = Array(utf8.dropFirst().dropLast())
        }
        if let value = Self.parseIPv4(utf8[...]) {
            self.init(ipv4: value)
        } else if let (high, low) = Self.parseIPv6(utf8) {
            self.init(ipv6High: high, low: low)
        } else {
            return nil
        }
    }

    private static func parseIPv4(_ text: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var parts = 0
        var digits = 0
        var part: UInt32 = 0
        for byte in text {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                parts += 1
                digits = 0
                part = 0
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                guard digits <= 3 else { return nil }
                part = part * 10 + UInt32(byte - UInt8(ascii: "0"))
                guard part <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard parts == 3, digits > 0 else { return nil }
        return value << 8 | part
    }

    private static func parseIPv6(_ text: [UInt8]) -> (UInt64, UInt64)? {
        // Longest legal text: 8 groups of 4 digits and 7 colons, or 6 groups plus dotted quad.
        guard text.count >= 2, text.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawDoubleColon = false
        var index = 0
        if text[0] == UInt8(ascii: ":") {
            guard text[1] == UInt8(ascii: ":") else { return nil }
            sawDoubleColon = true
            index = 2
        }
        while index < text.count {
            // Read one group (or a trailing dotted quad).
            var end = index
            while end < text.count && text[end] != UInt8(ascii: ":") { end += 1 }
            let token = text[index..<end]
            guard !token.isEmpty else { return nil }
            if token.contains(UInt8(ascii: ".")) {
                guard end == text.count, let v4 = parseIPv4(token) else { return nil }
                let pair = [UInt16(truncatingIfNeeded: v4 >> 16), UInt16(truncatingIfNeeded: v4)]
                if sawDoubleColon { tail += pair } else { head += pair }
                index = end
                break
            }
            guard token.count <= 4 else { return nil }
            var group: UInt16 = 0
            for byte in token {
                guard let nibble = hexValue(byte) else { return nil }
                group = group << 4 | UInt16(nibble)
            }
            if sawDoubleColon { tail.append(group) } else { head.append(group) }
            guard head.count + tail.count <= 8 else { return nil }
            index = end
            if index < text.count {
                // At a colon: either a separator or "::".
                index += 1
                if index < text.count && text[index] == UInt8(ascii: ":") {
                    guard !sawDoubleColon else { return nil }
                    sawDoubleColon = true
                    index += 1
                } else if index == text.count {
                    return nil  // trailing single colon
                }
            }
        }
        let total = head.count + tail.count
        if sawDoubleColon {
            guard total <= 7 else { return nil }
        } else {
            guard total == 8 else { return nil }
        }
        let groups = head + [UInt16](repeating: 0, count: 8 - total) + tail
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<4 { high = high << 16 | UInt64(groups[index]) }
        for index in 4..<8 { low = low << 16 | UInt64(groups[index]) }
        return (high, low)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// An address and a UDP or TCP port: "10.0.0.1:5060" or "[2001:db8::1]:5060".
public struct Endpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The IP address.
    public var address: NetworkAddress
    /// The transport port.
    public var port: UInt16

    /// Creates an endpoint.
    public init(address: NetworkAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// Parses "10.0.0.1:5060" or "[2001:db8::1]:5060" (the port is required).
    public init?(_ text: some StringProtocol) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let host = text[..<colon]
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.count <= 5, let port = UInt16(portText) else { return nil }
        if host.first == "[" {
            guard host.last == "]", let address = NetworkAddress(host), address.isIPv6 else { return nil }
            self.init(address: address, port: port)
        } else {
            guard let address = NetworkAddress(host), !address.isIPv6 else { return nil }
            self.init(address: address, port: port)
        }
    }

    /// Orders by address, then port.
    public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
        if lhs.address != rhs.address { return lhs.address < rhs.address }
        return lhs.port < rhs.port
    }

    /// "10.0.0.1:5060" or "[2001:db8::1]:5060".
    public var description: String {
        guard !self.address.isIPv6 else { return "[\(self.address)]:\(self.port)" }
        // Reports print thousands of these: written in place rather than interpolated.
        return String(unsafeUninitializedCapacity: 21) { buffer in
            var count = 0
            self.address.writeDottedQuad(into: buffer, at: &count)
            buffer[count] = UInt8(ascii: ":")
            count += 1
            NetworkAddress.writeDecimal(Int(self.port), into: buffer, at: &count)
            return count
        }
    }
}
