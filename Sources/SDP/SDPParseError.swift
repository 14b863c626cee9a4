/// Why a text could not be read as SDP at all.
///
/// Problems that still leave a usable description are ``SDPWarning``s instead. Equality and
/// hashing look at ``code`` only (as swift-certificates' `CertificateError` does), so tests can
/// write `#expect(throws: SDPParseError(.malformedLine))`-style checks easily.
public struct SDPParseError: Error, Hashable, CustomStringConvertible {
    /// The kind of error. A struct rather than an enum so new kinds do not break callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// Stable identifier, e.g. "malformed-line".
        public var rawValue: String
        /// Wraps an identifier.
        public init(_ rawValue: String) { self.rawValue = rawValue }
        /// The identifier.
        public var description: String { self.rawValue }

        /// No non-empty line at all.
        public static let empty = Code("empty")
        /// More bytes than ``SDPParserLimits/maximumLength``.
        public static let tooLarge = Code("too-large")
        /// More lines than ``SDPParserLimits/maximumLineCount``.
        public static let tooManyLines = Code("too-many-lines")
        /// A line longer than ``SDPParserLimits/maximumLineLength``.
        public static let lineTooLong = Code("line-too-long")
        /// More `m=` sections than ``SDPParserLimits/maximumMediaCount``.
        public static let tooManyMediaSections = Code("too-many-media-sections")
        /// NUL or a bare CR inside a line (RFC 8866 §9: text fields exclude NUL, CR and LF).
        public static let invalidCharacter = Code("invalid-character")
        /// A line that is not `<letter>=<value>` (RFC 8866 §5: "<type>=<value>").
        public static let malformedLine = Code("malformed-line")
        /// The first line is not `v=` (RFC 8866 §5: the description begins with "v=").
        public static let missingVersion = Code("missing-version")
        /// `v=` other than 0.
        public static let unsupportedVersion = Code("unsupported-version")
        /// `o=` with fewer than six fields.
        public static let malformedOrigin = Code("malformed-origin")
        /// `c=` that is not `<nettype> <addrtype> <address>[/ttl][/count]`.
        public static let malformedConnection = Code("malformed-connection")
        /// `m=` with fewer than three fields.
        public static let malformedMediaLine = Code("malformed-media-line")
    }

    /// The kind of error.
    public var code: Code
    /// 1-based line number (0 when the error concerns the whole text).
    public var line: Int
    /// The offending line, cut to 80 characters, control characters replaced by "?".
    public var excerpt: String
    /// An English explanation.
    public var reason: String

    /// Creates an error.
    public init(_ code: Code, line: Int = 0, excerpt: String = "", reason: String = "") {
        self.code = code
        self.line = line
        self.excerpt = excerpt
        self.reason = reason
    }

    /// "SDP line 3: malformed-line: expected <type>=<value> ("hello")".
    public var description: String {
        var text = self.line > 0 ? "SDP line \(self.line): \(self.code)" : "SDP: \(self.code)"
        if !self.reason.isEmpty { text += ": \(self.reason)" }
        if !self.excerpt.isEmpty { text += " (\"\(self.excerpt)\")" }
        return text
    }

    /// Compares codes only.
    public static func == (lhs: SDPParseError, rhs: SDPParseError) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only.
    public func hash(into hasher: inout Hasher) { hasher.combine(self.code) }
}

/// Something a lint should mention about a description that still parsed.
public struct SDPWarning: Hashable, Sendable, CustomStringConvertible {
    /// The kind of warning (extensible).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// Stable identifier, e.g. "missing-connection".
        public var rawValue: String
        /// Wraps an identifier.
        public init(_ rawValue: String) { self.rawValue = rawValue }
        /// The identifier.
        public var description: String { self.rawValue }

        /// A line out of the RFC 8866 §5 order.
        public static let outOfOrder = Code("out-of-order")
        /// A line type letter RFC 8866 does not define (kept in `otherLines`).
        public static let unknownLineType = Code("unknown-line-type")
        /// A session-only line inside a media section (kept in that section's `otherLines`).
        public static let misplacedLine = Code("misplaced-line")
        /// A second `o=`, `s=`, `c=`, ... where only one is allowed (the first is kept).
        public static let duplicateLine = Code("duplicate-line")
        /// A second attribute where only one is allowed (ptime, rtcp, mid, a direction, an rtpmap per PT, ...).
        public static let duplicateAttribute = Code("duplicate-attribute")
        /// An empty line in the middle of the description.
        public static let emptyLine = Code("empty-line")
        /// An `m=` port that is not a number 0...65535 (read as 0).
        public static let nonNumericPort = Code("non-numeric-port")
        /// An `m=` with no `c=` of its own and none at session level (RFC 8866 §5.7).
        public static let missingConnection = Code("missing-connection")
        /// An rtpmap or fmtp for a format that the `m=` line does not list.
        public static let formatNotInMediaLine = Code("format-not-in-m-line")
        /// A dynamic payload type without an rtpmap (RFC 8866 §6.6 requires one).
        public static let missingRTPMap = Code("missing-rtpmap")
        /// An rtpmap that maps a static RFC 3551 payload type to a different codec.
        public static let staticPayloadTypeRemapped = Code("static-payload-type-remapped")
        /// An `a=` line whose well-known value does not parse (rtpmap, fmtp, ptime, crypto, candidate, ...).
        public static let malformedAttribute = Code("malformed-attribute")
        /// A `b=`, `t=` or `r=` line that does not parse (kept in `otherLines`).
        public static let malformedLine = Code("malformed-line")
        /// No `o=` line (RFC 8866 §5.2 requires one).
        public static let missingOrigin = Code("missing-origin")
        /// No `s=` line (RFC 8866 §5.3 requires one).
        public static let missingSessionName = Code("missing-session-name")
        /// No `t=` line (RFC 8866 §5.9 requires at least one).
        public static let missingTiming = Code("missing-timing")
        /// An `m=` line without any format.
        public static let noFormats = Code("no-formats")
    }

    /// The kind of warning.
    public var code: Code
    /// 1-based line number, or `nil` when the warning is about something missing.
    public var line: Int?
    /// Zero-based index of the media section concerned, if any.
    public var mediaIndex: Int?
    /// The line concerned, cut to 80 characters.
    public var excerpt: String
    /// An English explanation.
    public var reason: String

    /// Creates a warning.
    public init(_ code: Code, line: Int? = nil, mediaIndex: Int? = nil, excerpt: String = "", reason: String) {
        self.code = code
        self.line = line
        self.mediaIndex = mediaIndex
        self.excerpt = excerpt
        self.reason = reason
    }

    /// "line 7: missing-rtpmap: payload type 96 has no a=rtpmap".
    public var description: String {
        let place = self.line.map { "line \($0): " } ?? ""
        return "\(place)\(self.code): \(self.reason)"
    }
}

/// Bounds on what the parser accepts, so hostile input cannot make it allocate without limit.
///
/// RFC 8866 sets no limits. A SIP body carrying SDP is typically under 4 KB; a WebRTC offer
/// with many candidates and simulcast may reach tens of KB. The defaults leave ample room above that.
public struct SDPParserLimits: Hashable, Sendable {
    /// Maximum total size in bytes (1 MiB: far above any real SDP, small enough to scan quickly).
    public var maximumLength = 1 << 20
    /// Maximum length of one line in bytes (16 KiB: base64 fmtp configs are a few KB at most).
    public var maximumLineLength = 16 * 1024
    /// Maximum number of lines (10,000: a large WebRTC offer has a few hundred).
    public var maximumLineCount = 10_000
    /// Maximum number of `m=` sections (256: large bundled conferences use dozens).
    public var maximumMediaCount = 256

    /// Creates limits with the defaults.
    public init() {}

    /// The defaults.
    public static let `default` = SDPParserLimits()
}

/// A parsed description plus the warnings found while reading it.
public struct SDPParseResult: Hashable, Sendable {
    /// The description.
    public var sessionDescription: SessionDescription
    /// Warnings in line order (missing-line warnings last).
    public var warnings: [SDPWarning]
}
