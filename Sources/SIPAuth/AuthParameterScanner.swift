/// One `name=value` pair from an authentication header (RFC 7235 §2.1 `auth-param`).
struct AuthParameter: Sendable {
    /// The name, lowercased (parameter names are case-insensitive, RFC 7235 §2.1).
    var name: String
    /// The value with quotes removed and backslash escapes resolved.
    var value: String
    /// Whether the value was a quoted string.
    var isQuoted: Bool
    /// Byte offset of the name in the header value.
    var offset: Int
}

/// Splits a `Digest ...` header value into its scheme and parameters.
///
/// Grammar (RFC 3261 §25 `challenge` / `credentials`, RFC 7235 §2.1):
///
/// ```
/// challenge   = "Digest" LWS digest-cln *(COMMA digest-cln)
/// auth-param  = token LWS "=" LWS ( token / quoted-string )
/// quoted-pair = "\" ( %x00-09 / %x0B-0C / %x0E-7F )
/// ```
///
/// The scanner is tolerant where peers are sloppy: any run of spaces, tabs, CR and LF counts as
/// whitespace, empty list elements (`,,`) are skipped, and an unquoted value may contain any
/// character except whitespace, comma and quote (nonces such as `abc/def==` appear unquoted in
/// practice). Every loop advances by at least one byte, and the header length and parameter count
/// are bounded by ``DigestParseLimits``.
enum AuthParameterScanner {
    /// Scans `headerValue`, requiring the scheme `Digest` (case-insensitive).
    static func scan(_ headerValue: String) throws(DigestParseError) -> [AuthParameter] {
        let byteCount = headerValue.utf8.count
        guard byteCount <= DigestParseLimits.maximumHeaderValueLength else {
            throw DigestParseError(
                code: .headerValueTooLong,
                offset: DigestParseLimits.maximumHeaderValueLength,
                detail: "the header value is \(byteCount) bytes long; the limit is "
                    + "\(DigestParseLimits.maximumHeaderValueLength)"
            )
        }
        let bytes = Array(headerValue.utf8)
        var index = 0
        Self.skipWhitespace(bytes, &index)
        guard index < bytes.count else {
            throw DigestParseError(code: .empty, offset: index, detail: "the header value is empty")
        }
        let schemeStart = index
        while index < bytes.count, Self.isTokenByte(bytes[index]) { index += 1 }
        guard index > schemeStart else {
            throw DigestParseError(
                code: .malformedScheme,
                offset: index,
                detail: "expected an authentication scheme such as 'Digest', found '\(Self.excerpt(bytes, at: index))'"
            )
        }
        let scheme = String(decoding: bytes[schemeStart..<index], as: UTF8.self)
        guard scheme.lowercased() == "digest" else {
            throw DigestParseError(
                code: .unsupportedScheme,
                offset: schemeStart,
                scheme: scheme,
                detail: "the authentication scheme is '\(scheme)', not 'Digest'"
            )
        }
        guard index == bytes.count || Self.isWhitespace(bytes[index]) else {
            throw DigestParseError(
                code: .malformedScheme,
                offset: index,
                detail: "expected whitespace after 'Digest', found '\(Self.excerpt(bytes, at: index))'"
            )
        }

        var parameters: [AuthParameter] = []
        while true {
            // Skip separators: whitespace and empty list elements.
            while index < bytes.count, Self.isWhitespace(bytes[index]) || bytes[index] == UInt8(ascii: ",") {
                index += 1
            }
            guard index < bytes.count else { break }
            guard parameters.count < DigestParseLimits.maximumParameterCount else {
                throw DigestParseError(
                    code: .tooManyParameters,
                    offset: index,
                    detail: "more than \(DigestParseLimits.maximumParameterCount) parameters"
                )
            }
            parameters.append(try Self.scanParameter(bytes, &index))
            Self.skipWhitespace(bytes, &index)
            guard index == bytes.count || bytes[index] == UInt8(ascii: ",") else {
                throw DigestParseError(
                    code: .malformedParameter,
                    offset: index,
                    parameter: parameters.last?.name,
                    detail: "expected ',' after parameter '\(parameters.last?.name ?? "")', "
                        + "found '\(Self.excerpt(bytes, at: index))'"
                )
            }
        }
        return parameters
    }

    /// Scans one `name = value` starting at a non-separator byte.
    private static func scanParameter(_ bytes: [UInt8], _ index: inout Int) throws(DigestParseError) -> AuthParameter {
        let nameStart = index
        while index < bytes.count, Self.isTokenByte(bytes[index]) { index += 1 }
        guard index > nameStart else {
            throw DigestParseError(
                code: .malformedParameter,
                offset: index,
                detail: "expected a parameter name, found '\(Self.excerpt(bytes, at: index))'"
            )
        }
        let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).lowercased()
        Self.skipWhitespace(bytes, &index)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
            throw DigestParseError(
                code: .malformedParameter,
                offset: index,
                parameter: name,
                detail: "expected '=' after parameter name '\(name)'"
            )
        }
        index += 1
        Self.skipWhitespace(bytes, &index)
        guard index < bytes.count else {
            throw DigestParseError(
                code: .malformedParameter,
                offset: index,
                parameter: name,
                detail: "parameter '\(name)' has no value"
            )
        }
        if bytes[index] == UInt8(ascii: "\"") {
            let quoteOffset = index
            index += 1
            var value: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return AuthParameter(
                        name: name,
                        value: String(decoding: value, as: UTF8.self),
                        isQuoted: true,
                        offset: nameStart
                    )
                }
                if byte == UInt8(ascii: "\\") {
                    // RFC 3261 §25: quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F); take the next byte as is.
                    index += 1
                    guard index < bytes.count else { break }
                }
                value.append(bytes[index])
                index += 1
            }
            throw DigestParseError(
                code: .unterminatedQuotedString,
                offset: quoteOffset,
                parameter: name,
                detail: "the quoted value of '\(name)' has no closing quote"
            )
        }
        let valueStart = index
        while index < bytes.count, !Self.isWhitespace(bytes[index]),
            bytes[index] != UInt8(ascii: ","), bytes[index] != UInt8(ascii: "\"")
        {
            index += 1
        }
        guard index > valueStart else {
            throw DigestParseError(
                code: .malformedParameter,
                offset: index,
                parameter: name,
                detail: "parameter '\(name)' has no value"
            )
        }
        return AuthParameter(
            name: name,
            value: String(decoding: bytes[valueStart..<index], as: UTF8.self),
            isQuoted: false,
            offset: nameStart
        )
    }

    private static func skipWhitespace(_ bytes: [UInt8], _ index: inout Int) {
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
    }

    /// SP, HTAB, CR and LF: LWS including folded lines (RFC 3261 §25).
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    /// `tchar` from RFC 7230 §3.2.6 (the SIP `token` of RFC 3261 §25 is the same set plus a few
    /// marks, all of which are accepted here).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// A bounded excerpt of the input from `index`, for error messages.
    static func excerpt(_ bytes: [UInt8], at index: Int) -> String {
        guard index < bytes.count else { return "end of value" }
        let end = min(bytes.count, index + DigestParseLimits.maximumExcerptLength)
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }
}

extension [AuthParameter] {
    /// Looks for a duplicate among the names in `knownNames`, and throws if one occurs twice.
    func rejectingDuplicates(of knownNames: Set<String>) throws(DigestParseError) {
        var seen = Set<String>()
        for parameter in self where knownNames.contains(parameter.name) {
            guard seen.insert(parameter.name).inserted else {
                throw DigestParseError(
                    code: .duplicateParameter,
                    offset: parameter.offset,
                    parameter: parameter.name,
                    detail: "parameter '\(parameter.name)' occurs more than once"
                )
            }
        }
    }
}

/// Helpers for writing parameters back out.
enum AuthParameterWriter {
    /// Appends `"value"`, escaping `"` and `\` (RFC 3261 §25 quoted-pair). CR and LF cannot be
    /// escaped in a quoted string, so they become spaces: a value must never split the header.
    static func appendQuoted(_ value: String, to output: inout String) {
        output.append("\"")
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"", "\\":
                output.append("\\")
                output.unicodeScalars.append(scalar)
            case "\r", "\n":
                output.append(" ")
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output.append("\"")
    }

    /// Whether `value` can be written without quotes (a non-empty token).
    static func isToken(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy(AuthParameterScanner.isTokenByte)
    }

    /// Appends `name=value`, quoting the value when it is not a token or `alwaysQuote` is set.
    static func appendParameter(_ name: String, _ value: String, alwaysQuote: Bool, to output: inout String) {
        if !output.isEmpty && !output.hasSuffix(" ") { output.append(", ") }
        output.append(name)
        output.append("=")
        if alwaysQuote || !Self.isToken(value) {
            Self.appendQuoted(value, to: &output)
        } else {
            output.append(value)
        }
    }
}
