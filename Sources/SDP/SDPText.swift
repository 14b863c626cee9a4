/// Small text helpers shared by the parser and the typed attributes. Internal.
enum SDPText {
    /// Decimal digits that fit comfortably in an `Int`: at most 18 digits, so no overflow is possible.
    static let maximumDecimalDigits = 18

    /// Parses a non-negative decimal made only of ASCII digits, or returns `nil`.
    static func boundedInt(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.count <= self.maximumDecimalDigits,
            text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        return Int(text)
    }

    /// Parses an RTP payload type (0...127, RFC 3550 §5.1: 7 bits).
    static func payloadType(_ text: Substring) -> Int? {
        guard let value = self.boundedInt(text), value <= 127 else { return nil }
        return value
    }

    /// Parses a UDP/TCP port (0...65535).
    static func port(_ text: Substring) -> Int? {
        guard let value = self.boundedInt(text), value <= 65535 else { return nil }
        return value
    }

    /// Splits on spaces (and tabs), dropping empty fields, so doubled or trailing spaces from sloppy
    /// peers do not create empty tokens.
    static func fields(_ text: Substring) -> [Substring] {
        // On UTF-8 bytes, not Characters: the separators are ASCII, and every o=, c= and m= line
        // of every call passes here (a Character split costs about ten times as much).
        var result: [Substring] = []
        let utf8 = text.utf8
        var start: Substring.Index?
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                if let fieldStart = start {
                    result.append(text[fieldStart..<index])
                    start = nil
                }
            } else if start == nil {
                start = index
            }
            utf8.formIndex(after: &index)
        }
        if let fieldStart = start { result.append(text[fieldStart..<utf8.endIndex]) }
        return result
    }

    /// Removes leading and trailing spaces and tabs.
    static func trimmed(_ text: Substring) -> Substring {
        var result = text
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }

    /// ASCII case-insensitive equality (SDP encoding names and tokens are ASCII).
    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        if let same = self.asciiEqualsIgnoringCase(a, b) { return same }
        return a.lowercased() == b.lowercased()
    }

    /// `a.lowercased() == b.lowercased()` without allocating while both are ASCII (the rule for SDP
    /// names; lowercasing then maps only A-Z); nil at the first non-ASCII byte, where only Unicode
    /// lowercasing can tell (the Kelvin sign lowercases to "k").
    @inline(__always)
    static func asciiEqualsIgnoringCase(_ a: String, _ b: String) -> Bool? {
        var a = a.utf8.makeIterator()
        var b = b.utf8.makeIterator()
        while true {
            switch (a.next(), b.next()) {
            case (nil, nil): return true
            case (let x?, nil), (nil, let x?):
                // One is longer: lowercasing never removes a character, so they differ.
                return x >= 0x80 ? nil : false
            case (let x?, let y?):
                if x >= 0x80 || y >= 0x80 { return nil }
                // Two ASCII letters after an all-ASCII prefix: a difference here is final.
                let lowerX = x &- 0x41 < 26 ? x | 0x20 : x
                let lowerY = y &- 0x41 < 26 ? y | 0x20 : y
                if lowerX != lowerY { return false }
            }
        }
    }

    /// At most `limit` characters of `text`, with "…" when cut, for error excerpts.
    static func excerpt(_ text: Substring, limit: Int = 80) -> String {
        // Replace control characters so an excerpt never carries NUL or escape sequences to a terminal.
        let cleaned = text.prefix(limit).map { character -> Character in
            character.isASCII && (character.asciiValue ?? 0) < 0x20 ? "?" : character
        }
        return String(cleaned) + (text.count > limit ? "…" : "")
    }
}
