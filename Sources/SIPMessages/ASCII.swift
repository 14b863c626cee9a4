/// Byte-level helpers shared by the parsers. Everything works on UTF-8 bytes; no `Character` iteration.
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = UInt8(ascii: ":")
    static let semicolon: UInt8 = UInt8(ascii: ";")
    static let comma: UInt8 = UInt8(ascii: ",")
    static let equals: UInt8 = UInt8(ascii: "=")
    static let quote: UInt8 = UInt8(ascii: "\"")
    static let backslash: UInt8 = UInt8(ascii: "\\")
    static let lessThan: UInt8 = UInt8(ascii: "<")
    static let greaterThan: UInt8 = UInt8(ascii: ">")
    static let slash: UInt8 = UInt8(ascii: "/")
    static let at: UInt8 = UInt8(ascii: "@")
    static let question: UInt8 = UInt8(ascii: "?")
    static let ampersand: UInt8 = UInt8(ascii: "&")
    static let percent: UInt8 = UInt8(ascii: "%")
    static let openBracket: UInt8 = UInt8(ascii: "[")
    static let closeBracket: UInt8 = UInt8(ascii: "]")
    static let dot: UInt8 = UInt8(ascii: ".")

    /// SP or HTAB (RFC 3261 §25.1 `WSP`).
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == ASCII.space || byte == ASCII.tab
    }

    /// Whitespace including line breaks, as left in a folded value.
    @inline(__always)
    static func isLWS(_ byte: UInt8) -> Bool {
        byte == ASCII.space || byte == ASCII.tab || byte == ASCII.cr || byte == ASCII.lf
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- 0x30 < 10
    }

    @inline(__always)
    static func isAlpha(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- 0x61 < 26
    }

    @inline(__always)
    static func isHexDigit(_ byte: UInt8) -> Bool {
        ASCII.isDigit(byte) || (byte | 0x20) &- 0x61 < 6
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8 {
        ASCII.isDigit(byte) ? byte &- 0x30 : (byte | 0x20) &- 0x61 &+ 10
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte &- 0x41 < 26) ? byte | 0x20 : byte
    }

    /// RFC 3261 §25.1 `token` characters: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~".
    /// A bit test in two constant masks (bit n set when byte n is a token character; bytes 0-63 in
    /// `low`, 64-127 in `high`), because this runs for every byte of every header name.
    @inline(__always)
    static func isTokenChar(_ byte: UInt8) -> Bool {
        let low: UInt64 = 0x03FF_6CA2_0000_0000  // ! % ' * + - . 0-9
        let high: UInt64 = 0x47FF_FFFF_87FF_FFFE  // A-Z _ ` a-z ~
        let mask = byte < 64 ? low : (byte < 128 ? high : 0)
        return (mask >> UInt64(byte & 63)) & 1 != 0
    }

    /// Index of the first `target` byte in `buffer[from..<end]`, or nil. Reads eight bytes at a time
    /// (SWAR): XOR with the repeated target turns matching bytes into zero, and
    /// `(x - 0x01...) & ~x & 0x80...` flags zero bytes; the lowest flagged byte is always a real match
    /// (a borrow can only produce false flags above a real zero byte). Finding line ends this way is
    /// most of what makes head parsing cheap.
    @inline(__always)
    static func firstIndex(of target: UInt8, in buffer: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Int? {
        guard let base = buffer.baseAddress else { return nil }
        let end = Swift.min(end, buffer.count)
        var index = Swift.max(from, 0)
        let raw = UnsafeRawPointer(base)
        let pattern = UInt64(target) &* 0x0101_0101_0101_0101
        while index + 8 <= end {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) ^ pattern
            let zeroes = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
            if zeroes != 0 { return index + zeroes.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < end {
            if base[index] == target { return index }
            index += 1
        }
        return nil
    }

    /// A control byte that never appears in a SIP start line (everything below SP except HTAB, and DEL).
    @inline(__always)
    static func isControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != ASCII.tab) || byte == 0x7F
    }

    /// True when every byte of `bytes[range]` is a token character and the range is not empty.
    static func isToken(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        if range.isEmpty { return false }
        for index in range where !ASCII.isTokenChar(bytes[index]) {
            return false
        }
        return true
    }

    /// True when `string` is a non-empty RFC 3261 token.
    static func isToken(_ string: String) -> Bool {
        var any = false
        for byte in string.utf8 {
            if !ASCII.isTokenChar(byte) { return false }
            any = true
        }
        return any
    }

    /// Shrinks `range` past leading and trailing whitespace (including CR/LF left by folding).
    static func trim(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper && ASCII.isLWS(bytes[lower]) { lower += 1 }
        while upper > lower && ASCII.isLWS(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// Case-insensitive comparison of `bytes[range]` with an ASCII string given as lower-case bytes.
    static func equalsLowercased(_ bytes: [UInt8], _ range: Range<Int>, _ lowercase: StaticString) -> Bool {
        guard range.count == lowercase.utf8CodeUnitCount else { return false }
        let pointer = lowercase.utf8Start
        var offset = 0
        for index in range {
            if ASCII.lowercased(bytes[index]) != pointer[offset] { return false }
            offset += 1
        }
        return true
    }

    /// Case-insensitive ASCII comparison of two strings.
    static func caseInsensitiveEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.utf8
        let right = rhs.utf8
        guard left.count == right.count else { return false }
        // Native strings (all of ours) expose their bytes; compare them directly.
        let fast: Bool? = left.withContiguousStorageIfAvailable { leftBytes in
            right.withContiguousStorageIfAvailable { rightBytes in
                for index in 0..<leftBytes.count
                where ASCII.lowercased(leftBytes[index]) != ASCII.lowercased(rightBytes[index]) {
                    return false
                }
                return true
            }
        } ?? nil
        if let fast { return fast }
        for (a, b) in zip(left, right) where ASCII.lowercased(a) != ASCII.lowercased(b) {
            return false
        }
        return true
    }

    /// ASCII-lowercases a string (non-ASCII bytes unchanged).
    static func lowercased(_ string: String) -> String {
        var needs = false
        for byte in string.utf8 where byte &- 0x41 < 26 {
            needs = true
            break
        }
        if !needs { return string }
        return String(decoding: string.utf8.map { ASCII.lowercased($0) }, as: UTF8.self)
    }

    /// Makes a String from bytes (invalid UTF-8 is repaired with U+FFFD; NUL bytes are kept).
    @inline(__always)
    static func string(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        // Through a buffer pointer: the same result as decoding the slice, without the generic slice path.
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    /// Index of the first byte equal to `a`, `b` or `c` in `buffer[from..<end]`, or nil; eight bytes at a
    /// time like ``firstIndex(of:in:from:to:)``.
    @inline(__always)
    static func firstIndex(
        ofAny a: UInt8,
        _ b: UInt8,
        _ c: UInt8,
        in buffer: UnsafeBufferPointer<UInt8>,
        from: Int,
        to end: Int
    ) -> Int? {
        guard let base = buffer.baseAddress else { return nil }
        let end = Swift.min(end, buffer.count)
        var index = Swift.max(from, 0)
        let raw = UnsafeRawPointer(base)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let (patternA, patternB, patternC) = (UInt64(a) &* ones, UInt64(b) &* ones, UInt64(c) &* ones)
        while index + 8 <= end {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let x = word ^ patternA
            let y = word ^ patternB
            let z = word ^ patternC
            // Each term flags zero bytes of its XOR; the lowest flag overall is the first match.
            let zeroes = ((x &- ones) & ~x | (y &- ones) & ~y | (z &- ones) & ~z) & highs
            if zeroes != 0 { return index + zeroes.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < end {
            let byte = base[index]
            if byte == a || byte == b || byte == c { return index }
            index += 1
        }
        return nil
    }

    /// The String for `bytes[range]` when it spells exactly (case-sensitively) one of the tokens that
    /// fill most Via and address parameters, as a literal: no decoding and no allocation. Nil otherwise.
    static func commonToken(_ bytes: [UInt8], _ range: Range<Int>) -> String? {
        @inline(__always)
        func equals(_ literal: StaticString) -> Bool {
            guard range.count == literal.utf8CodeUnitCount else { return false }
            let pointer = literal.utf8Start
            var offset = 0
            for index in range {
                if bytes[index] != pointer[offset] { return false }
                offset += 1
            }
            return true
        }
        switch range.count {
        case 2:
            if equals("lr") { return "lr" }
        case 3:
            if equals("SIP") { return "SIP" }
            if equals("2.0") { return "2.0" }
            if equals("UDP") { return "UDP" }
            if equals("TCP") { return "TCP" }
            if equals("TLS") { return "TLS" }
            if equals("tag") { return "tag" }
            if equals("ttl") { return "ttl" }
        case 5:
            if equals("rport") { return "rport" }
            if equals("maddr") { return "maddr" }
        case 6:
            if equals("branch") { return "branch" }
        case 8:
            if equals("received") { return "received" }
        default:
            break
        }
        return nil
    }

    /// Outcome of reading a decimal number.
    enum Decimal: Equatable {
        case value(UInt64)
        case empty
        case notANumber
        case overflow
    }

    /// Reads `1*DIGIT` from `bytes[range]`, refusing values above `maximum` without ever overflowing.
    /// A leading "-" is reported as `.notANumber` (SIP numbers are never signed).
    static func parseDecimal(_ bytes: [UInt8], _ range: Range<Int>, maximum: UInt64) -> Decimal {
        if range.isEmpty { return .empty }
        var value: UInt64 = 0
        for index in range {
            let byte = bytes[index]
            guard ASCII.isDigit(byte) else { return .notANumber }
            // value * 10 + digit > maximum, without a division per digit and without overflowing.
            let (times10, overflowed) = value.multipliedReportingOverflow(by: 10)
            let next = times10 &+ UInt64(byte &- 0x30)
            if overflowed || next < times10 || next > maximum { return .overflow }
            value = next
        }
        return .value(value)
    }

    /// ``parseDecimal(_:_:maximum:)`` for a String.
    static func parseDecimal(_ string: Substring, maximum: UInt64) -> Decimal {
        let bytes = Array(string.utf8)
        return ASCII.parseDecimal(bytes, 0..<bytes.count, maximum: maximum)
    }

    /// Decodes `%HH` escapes (RFC 3261 §25.1 `escaped`). A "%" not followed by two hex digits is kept
    /// literally (RFC 4475 esc02.dat). `%00` becomes a NUL scalar; nothing is truncated.
    static func percentDecoded(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        var hasPercent = false
        for index in range where bytes[index] == ASCII.percent {
            hasPercent = true
            break
        }
        if !hasPercent { return ASCII.string(bytes, range) }
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == ASCII.percent, index + 2 < range.upperBound,
                ASCII.isHexDigit(bytes[index + 1]), ASCII.isHexDigit(bytes[index + 2])
            {
                out.append(ASCII.hexValue(bytes[index + 1]) << 4 | ASCII.hexValue(bytes[index + 2]))
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits `bytes[range]` at top-level occurrences of `separator`: not inside a quoted string (with
    /// backslash escapes) and not inside `<...>`. Returns trimmed, possibly empty, pieces.
    static func splitTopLevel(_ bytes: [UInt8], _ range: Range<Int>, separator: UInt8) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var start = range.lowerBound
        while true {
            let end = ASCII.topLevelEnd(bytes, start..<range.upperBound, separator: separator)
            pieces.append(ASCII.trim(bytes, start..<end))
            if end >= range.upperBound { return pieces }
            start = end + 1
        }
    }

    /// The first piece ``splitTopLevel(_:_:separator:)`` would return, without building the array.
    static func firstTopLevelPiece(_ bytes: [UInt8], _ range: Range<Int>, separator: UInt8) -> Range<Int> {
        ASCII.trim(bytes, range.lowerBound..<ASCII.topLevelEnd(bytes, range, separator: separator))
    }

    /// Index of the first top-level `separator` in `bytes[range]` (see ``splitTopLevel(_:_:separator:)``),
    /// or `range.upperBound`.
    static func topLevelEnd(_ bytes: [UInt8], _ range: Range<Int>, separator: UInt8) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            precondition(range.lowerBound >= 0 && range.upperBound <= buffer.count, "range outside the bytes")
            // Until the first quote or '<' there is no state to track: jump to the first of the three.
            let first = ASCII.firstIndex(ofAny: separator, ASCII.quote, ASCII.lessThan, in: buffer, from: range.lowerBound, to: range.upperBound)
            guard let first else { return range.upperBound }
            if buffer[first] == separator { return first }
            var index = first
            var inQuotes = false
            var inAngle = false
            while index < range.upperBound {
                let byte = buffer[index]
                if inQuotes {
                    if byte == ASCII.backslash {
                        index += 1
                    } else if byte == ASCII.quote {
                        inQuotes = false
                    }
                } else if inAngle {
                    if byte == ASCII.greaterThan { inAngle = false }
                } else if byte == ASCII.quote {
                    inQuotes = true
                } else if byte == ASCII.lessThan {
                    inAngle = true
                } else if byte == separator {
                    return index
                }
                index += 1
            }
            return range.upperBound
        }
    }
}
