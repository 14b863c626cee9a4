/// A `name-addr` or `addr-spec` with header parameters, as in From, To, Contact, Route, Record-Route,
/// Refer-To and P-Asserted-Identity (RFC 3261 §20.10, §20.20, §20.39, §25.1).
///
/// When the URI is not in angle brackets, every `;parameter` after it belongs to the header, not the
/// URI (RFC 3261 §20.10; RFC 4475 cparam01.dat), and a URI with `?headers` must be bracketed (RFC 4475
/// regbadct.dat).
public struct SIPNameAddress: Hashable, Sendable, CustomStringConvertible {
    /// The display name: the quoted string with quotes removed and `\x` escapes resolved, or the tokens
    /// as written (RFC 4475 lwsdisp.dat). Nil when there is none.
    public var displayName: String?
    /// The URI.
    public var uri: SIPURI
    /// The header parameters (`;tag=...;expires=60;q=0.5`), values as written (quotes kept).
    public var parameters: [SIPParameter]

    public init(displayName: String? = nil, uri: SIPURI, parameters: [SIPParameter] = []) {
        self.displayName = displayName
        self.uri = uri
        self.parameters = parameters
    }

    /// The `tag` parameter (RFC 3261 §19.3).
    public var tag: String? { self.parameters.lookup("tag") }

    /// The value of header parameter `name` (case-insensitive): "" for a flag, nil when absent.
    public func parameter(_ name: String) -> String? { self.parameters.lookup(name) }

    /// Canonical text: `"Display" <uri>;param=value` (the URI always bracketed).
    public var description: String {
        var text = ""
        if let displayName = self.displayName {
            text += "\""
            for scalar in displayName.unicodeScalars {
                if scalar == "\"" || scalar == "\\" { text += "\\" }
                text.unicodeScalars.append(scalar)
            }
            text += "\" "
        }
        text += "<\(self.uri.raw)>"
        for parameter in self.parameters { text += ";\(parameter)" }
        return text
    }

    /// Parses one name-addr / addr-spec value (not a comma-separated list).
    public static func parse(_ string: String) throws(SIPParseError) -> SIPNameAddress {
        let bytes = Array(string.utf8)
        return try SIPNameAddress.parse(bytes, 0..<bytes.count)
    }

    static func fail(_ bytes: [UInt8], _ range: Range<Int>, at offset: Int, _ reason: String) -> SIPParseError {
        SIPParseError(
            .malformedHeaderValue,
            offset: offset,
            excerpt: SIPParseError.printableExcerpt(ASCII.string(bytes, range)),
            reason: reason
        )
    }

    static func parse(_ bytes: [UInt8], _ fullRange: Range<Int>) throws(SIPParseError) -> SIPNameAddress {
        let range = ASCII.trim(bytes, fullRange)
        guard !range.isEmpty else { throw SIPNameAddress.fail(bytes, fullRange, at: range.lowerBound, "empty address") }
        var displayName: String? = nil
        var index = range.lowerBound
        var uriRange: Range<Int>
        var afterURI: Int
        if bytes[index] == ASCII.quote {
            let (decoded, end) = try SIPNameAddress.parseQuoted(bytes, index, range)
            displayName = decoded
            index = end
            while index < range.upperBound && ASCII.isLWS(bytes[index]) { index += 1 }
            guard index < range.upperBound, bytes[index] == ASCII.lessThan else {
                throw SIPNameAddress.fail(bytes, range, at: index, "a quoted display name must be followed by <URI>")
            }
        } else if let lessThan = bytes[range].firstIndex(of: ASCII.lessThan) {
            let display = ASCII.trim(bytes, range.lowerBound..<lessThan)
            // display-name = *(token LWS) / quoted-string (RFC 3261 §25.1; RFC 4475 baddn.dat)
            for position in display where !(ASCII.isTokenChar(bytes[position]) || ASCII.isLWS(bytes[position])) {
                throw SIPNameAddress.fail(
                    bytes,
                    range,
                    at: position,
                    "an unquoted display name may only contain tokens; quote it"
                )
            }
            if !display.isEmpty { displayName = ASCII.string(bytes, display) }
            index = lessThan
        }
        if index < range.upperBound && bytes[index] == ASCII.lessThan {
            guard let greaterThan = bytes[index..<range.upperBound].firstIndex(of: ASCII.greaterThan) else {
                throw SIPNameAddress.fail(bytes, range, at: index, "'<' without a closing '>'")
            }
            uriRange = (index + 1)..<greaterThan
            afterURI = greaterThan + 1
        } else {
            // addr-spec: header parameters start at the first ';' after the userinfo (RFC 3261 §20.10).
            var searchFrom = range.lowerBound
            if let at = bytes[range].firstIndex(of: ASCII.at) { searchFrom = at }
            var end = searchFrom
            while end < range.upperBound && bytes[end] != ASCII.semicolon && !ASCII.isLWS(bytes[end]) { end += 1 }
            uriRange = range.lowerBound..<end
            afterURI = end
            for position in uriRange where bytes[position] == ASCII.question || bytes[position] == ASCII.comma {
                throw SIPNameAddress.fail(
                    bytes,
                    range,
                    at: position,
                    "a URI containing '?' or ',' must be enclosed in <> (RFC 3261 §20.10)"
                )
            }
        }
        let uri = try SIPURI.parse(bytes, uriRange)
        let parameters = try SIPNameAddress.parseHeaderParameters(bytes, afterURI..<range.upperBound)
        return SIPNameAddress(displayName: displayName, uri: uri, parameters: parameters)
    }

    /// Reads a quoted-string starting at `start` (the opening quote). Returns the unescaped content and
    /// the index after the closing quote.
    static func parseQuoted(
        _ bytes: [UInt8],
        _ start: Int,
        _ range: Range<Int>
    ) throws(SIPParseError) -> (String, Int) {
        var out: [UInt8] = []
        var index = start + 1
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == ASCII.backslash {
                guard index + 1 < range.upperBound else { break }
                out.append(bytes[index + 1])
                index += 2
                continue
            }
            if byte == ASCII.quote {
                return (String(decoding: out, as: UTF8.self), index + 1)
            }
            out.append(byte)
            index += 1
        }
        throw SIPNameAddress.fail(bytes, range, at: start, "unterminated quoted string (RFC 4475 §3.1.2.6)")
    }

    /// Finds the end of a quoted-string starting at `start` (the opening quote) without decoding it:
    /// the index after the closing quote. Throws exactly when ``parseQuoted(_:_:_:)`` throws.
    static func skipQuoted(_ bytes: [UInt8], _ start: Int, _ range: Range<Int>) throws(SIPParseError) -> Int {
        var index = start + 1
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == ASCII.backslash {
                guard index + 1 < range.upperBound else { break }
                index += 2
                continue
            }
            if byte == ASCII.quote { return index + 1 }
            index += 1
        }
        throw SIPNameAddress.fail(bytes, range, at: start, "unterminated quoted string (RFC 4475 §3.1.2.6)")
    }

    /// `*( LWS ";" LWS name [ LWS "=" LWS value ] )`, value = token / quoted-string / host (IPv6
    /// references with or without brackets, RFC 5118 §4.5). Shared by name-addr, Via and Content-Type.
    static func parseHeaderParameters(
        _ bytes: [UInt8],
        _ range: Range<Int>
    ) throws(SIPParseError) -> [SIPParameter] {
        var result: [SIPParameter] = []
        var scanner = HeaderParameterScanner(range)
        while let parameter = try scanner.next(bytes) {
            if result.isEmpty { result.reserveCapacity(4) }
            result.append(
                SIPParameter(
                    name: ASCII.commonToken(bytes, parameter.name) ?? ASCII.string(bytes, parameter.name),
                    value: parameter.value.map { ASCII.string(bytes, $0) }
                )
            )
        }
        return result
    }

    /// The value of the first header parameter called `lowercaseName` (compared case-insensitively):
    /// "" for a flag, nil when absent or when any parameter in `range` is malformed. The same answer
    /// as `try? parseHeaderParameters(bytes, range).lookup(name)`, but only the result becomes a String.
    static func headerParameter(
        _ lowercaseName: StaticString,
        _ bytes: [UInt8],
        _ range: Range<Int>
    ) -> String? {
        var scanner = HeaderParameterScanner(range)
        var found: Range<Int>? = nil
        do {
            while let parameter = try scanner.next(bytes) {
                if found == nil && ASCII.equalsLowercased(bytes, parameter.name, lowercaseName) {
                    found = parameter.value ?? parameter.name.upperBound..<parameter.name.upperBound
                }
            }
        } catch {
            return nil
        }
        return found.map { ASCII.string(bytes, $0) }
    }
}

/// Reads `*( LWS ";" LWS name [ LWS "=" LWS value ] )` one parameter at a time as byte ranges, so callers
/// that want one parameter make no Strings. See ``SIPNameAddress/parseHeaderParameters(_:_:)``.
struct HeaderParameterScanner {
    let range: Range<Int>
    var index: Int

    init(_ range: Range<Int>) {
        self.range = range
        self.index = range.lowerBound
    }

    /// The next parameter's name and value ranges (value nil for a flag; a quoted value keeps its
    /// quotes), nil after the last one; throws on the first malformed parameter.
    mutating func next(_ bytes: [UInt8]) throws(SIPParseError) -> (name: Range<Int>, value: Range<Int>?)? {
        let range = self.range
        var index = self.index
        defer { self.index = index }
        while index < range.upperBound && ASCII.isLWS(bytes[index]) { index += 1 }
        if index >= range.upperBound { return nil }
        guard bytes[index] == ASCII.semicolon else {
            throw SIPNameAddress.fail(bytes, range, at: index, "expected ';' before a parameter")
        }
        index += 1
        while index < range.upperBound && ASCII.isLWS(bytes[index]) { index += 1 }
        let nameStart = index
        while index < range.upperBound && ASCII.isTokenChar(bytes[index]) { index += 1 }
        guard index > nameStart else {
            throw SIPNameAddress.fail(bytes, range, at: index, "empty or invalid parameter name")
        }
        let name = nameStart..<index
        var lookahead = index
        while lookahead < range.upperBound && ASCII.isLWS(bytes[lookahead]) { lookahead += 1 }
        guard lookahead < range.upperBound, bytes[lookahead] == ASCII.equals else {
            return (name, nil)
        }
        index = lookahead + 1
        while index < range.upperBound && ASCII.isLWS(bytes[index]) { index += 1 }
        let valueStart = index
        if index < range.upperBound && bytes[index] == ASCII.quote {
            index = try SIPNameAddress.skipQuoted(bytes, index, range)
        } else {
            while index < range.upperBound {
                let byte = bytes[index]
                guard ASCII.isTokenChar(byte) || byte == ASCII.colon || byte == ASCII.openBracket
                    || byte == ASCII.closeBracket || byte == ASCII.slash || byte == ASCII.at
                else { break }
                index += 1
            }
            guard index > valueStart else {
                throw SIPNameAddress.fail(bytes, range, at: index, "parameter '\(ASCII.string(bytes, name))=' has no value")
            }
        }
        return (name, valueStart..<index)
    }
}
