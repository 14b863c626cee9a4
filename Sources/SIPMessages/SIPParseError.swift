/// A SIP message, or a value inside one, could not be parsed.
///
/// Shaped like swift-certificates' `CertificateError`: a stable, extensible ``Code`` that callers switch
/// on, plus the evidence a human needs (line, byte offset, an excerpt of the offending line and a reason
/// sentence). Two errors are equal when their codes are equal, so tests and callers can write
/// `#expect(throws: SIPParseError(.invalidContentLength))` without caring about the context.
public struct SIPParseError: Error, Hashable, CustomStringConvertible, Sendable {
    /// What kind of problem was found. A struct with static members rather than an enum, so that new
    /// codes can be added without breaking callers' `switch` statements.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable identifier, e.g. `"malformed-start-line"`.
        public let rawValue: String

        /// Creates a code from its stable identifier.
        public init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { self.rawValue }

        /// The input is empty (or only keep-alive line breaks).
        public static let emptyMessage = Code("empty-message")
        /// The Request-Line or Status-Line does not follow RFC 3261 §7.1 / §7.2.
        public static let malformedStartLine = Code("malformed-start-line")
        /// A header line has no colon, an invalid name, or a continuation line with nothing to continue.
        public static let malformedHeader = Code("malformed-header")
        /// A header value (URI, name-addr, Via, CSeq, ...) does not follow its grammar.
        public static let malformedHeaderValue = Code("malformed-header-value")
        /// The head, or one line of it, is longer than ``SIPParserLimits`` allows.
        public static let headerTooLong = Code("header-too-long")
        /// More header fields than ``SIPParserLimits/maximumHeaderCount``.
        public static let tooManyHeaders = Code("too-many-headers")
        /// Content-Length is not a non-negative decimal integer, overflows, or is given twice with different values.
        public static let invalidContentLength = Code("invalid-content-length")
        /// Content-Length announces more body bytes than the datagram holds (RFC 3261 §18.3).
        public static let contentLengthExceedsData = Code("content-length-exceeds-data")
        /// A stream-framed message has no Content-Length (RFC 3261 §18.3, §20.14).
        public static let missingContentLength = Code("missing-content-length")
        /// The start line names a protocol other than SIP (e.g. HTTP/1.1).
        public static let unsupportedVersion = Code("unsupported-version")
        /// A URI does not follow RFC 3261 §19.1 / RFC 3986 / RFC 3966.
        public static let malformedURI = Code("malformed-uri")
        /// The body is longer than ``SIPParserLimits/maximumBodyLength``.
        public static let bodyTooLarge = Code("body-too-large")
        /// The start line contains control bytes: this is not text, let alone SIP.
        public static let binaryJunk = Code("binary-junk")
        /// The datagram ends before the blank line that closes the head.
        public static let truncatedMessage = Code("truncated-message")
        /// The CSeq header field is not `1*DIGIT LWS Method` or its number overflows 32 bits.
        public static let invalidCSeq = Code("invalid-cseq")
        /// Max-Forwards is not a non-negative decimal integer, or overflows.
        public static let invalidMaxForwards = Code("invalid-max-forwards")
        /// The status code is not three digits (RFC 3261 §7.2, §25.1 `Status-Code`).
        public static let invalidStatusCode = Code("invalid-status-code")
    }

    /// What went wrong.
    public var code: Code
    /// The 1-based line number (the start line is line 1), or 0 when no line applies.
    public var line: Int
    /// The byte offset from the first byte of the message (or of the value being parsed).
    public var offset: Int
    /// The offending line, printable (non-printable bytes escaped) and truncated to about 80 characters.
    public var excerpt: String
    /// A sentence for humans, e.g. "Content-Length says 150 bytes but only 120 follow the blank line".
    public var reason: String

    /// Creates an error; `excerpt` is used as given.
    public init(_ code: Code, line: Int = 0, offset: Int = 0, excerpt: String = "", reason: String = "") {
        self.code = code
        self.line = line
        self.offset = offset
        self.excerpt = excerpt
        self.reason = reason
    }

    /// Creates an error quoting `bytes[excerptRange]` as the excerpt.
    init(
        _ code: Code,
        line: Int,
        offset: Int,
        bytes: UnsafeBufferPointer<UInt8>,
        excerptRange: Range<Int>,
        reason: String
    ) {
        self.init(
            code,
            line: line,
            offset: offset,
            excerpt: SIPParseError.printableExcerpt(bytes, excerptRange),
            reason: reason
        )
    }

    public static func == (lhs: SIPParseError, rhs: SIPParseError) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.code)
    }

    public var description: String {
        var text = "\(self.code)"
        if self.line > 0 {
            text += " at line \(self.line)"
        }
        text += " (byte \(self.offset))"
        if !self.reason.isEmpty {
            text += ": \(self.reason)"
        }
        if !self.excerpt.isEmpty {
            text += " [\(self.excerpt)]"
        }
        return text
    }

    /// Longest excerpt we quote; a line of a megabyte must not end up in a log line.
    static let maximumExcerptLength = 80

    /// Renders bytes for humans: printable ASCII as is, everything else escaped (`\r`, `\n`, `\t`, `\0`,
    /// `\xNN`), cut at ``maximumExcerptLength`` characters with a trailing "...".
    static func printableExcerpt(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        var out = ""
        var index = max(range.lowerBound, 0)
        let end = min(range.upperBound, bytes.count)
        while index < end {
            if out.utf8.count >= SIPParseError.maximumExcerptLength {
                out += "..."
                break
            }
            let byte = bytes[index]
            switch byte {
            case 0x0D: out += "\\r"
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x00: out += "\\0"
            case 0x5C: out += "\\\\"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex: [Character] = Array("0123456789ABCDEF")
                out += "\\x"
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
            index += 1
        }
        return out
    }

    /// ``printableExcerpt(_:_:)`` for a String.
    static func printableExcerpt(_ string: String) -> String {
        var copy = Array(string.utf8)
        return copy.withUnsafeMutableBufferPointer { buffer in
            SIPParseError.printableExcerpt(UnsafeBufferPointer(buffer), 0..<buffer.count)
        }
    }
}
