extension SessionDescription {
    /// Parses SDP text (CRLF or LF line endings).
    ///
    /// Strict on structure (every line `<letter>=<value>`, `v=0` first, well-formed `o=`, `c=` and
    /// `m=`), lenient on everything else: unknown line types and attributes are kept, and problems
    /// that leave a usable description are only reported by ``parseWithWarnings(_:limits:)``.
    public static func parse(_ text: String, limits: SDPParserLimits = .default) throws(SDPParseError) -> SessionDescription {
        try self.parseWithWarnings(Array(text.utf8), limits: limits).sessionDescription
    }

    /// Parses SDP bytes (decoded as UTF-8, invalid sequences replaced).
    public static func parse(_ bytes: [UInt8], limits: SDPParserLimits = .default) throws(SDPParseError) -> SessionDescription {
        // The checks that only produce lint warnings are skipped: nobody reads them here.
        var parser = SDPParser(limits: limits, lint: false)
        return try parser.parse(bytes).sessionDescription
    }

    /// Parses SDP text and returns the lint warnings as well.
    public static func parseWithWarnings(_ text: String, limits: SDPParserLimits = .default) throws(SDPParseError) -> SDPParseResult {
        try self.parseWithWarnings(Array(text.utf8), limits: limits)
    }

    /// Parses SDP bytes and returns the lint warnings as well.
    public static func parseWithWarnings(_ bytes: [UInt8], limits: SDPParserLimits = .default) throws(SDPParseError) -> SDPParseResult {
        var parser = SDPParser(limits: limits)
        return try parser.parse(bytes)
    }
}

/// The line-by-line reader behind ``SessionDescription/parse(_:limits:)``.
struct SDPParser {
    let limits: SDPParserLimits
    var description = SessionDescription(origin: nil, sessionName: nil, timings: [])
    var warnings: [SDPWarning] = []

    /// The media section being filled, its `m=` line number and the attributes seen in it.
    var currentMedia: MediaDescription?
    var currentMediaLine = 0
    var seenAttributes: Set<String> = []
    /// Rank of the last line in RFC 8866 §5 order, to detect out-of-order lines.
    var lastRank = -1
    var lastType: UInt8 = 0
    /// The session-level line types seen, one bit per letter (see ``typeBit(_:)``).
    var seenSessionTypes: UInt64 = 0

    /// The line being handled; its excerpt is built only when a warning or error needs it.
    var currentRaw: ArraySlice<UInt8> = []
    var excerpt: String { Self.excerpt(self.currentRaw) }

    /// Whether the checks that only produce warnings (line order, attribute syntax and
    /// duplicates, payload types without rtpmap) run; they change nothing in the description.
    let lint: Bool

    init(limits: SDPParserLimits, lint: Bool = true) {
        self.limits = limits
        self.lint = lint
    }

    /// RFC 8866 §5: "v o s i u e p c b t r z k a" at session level, "m i c b k a" per media.
    static let sessionOrder: [UInt8] = Array("vosiuepcbtrzka".utf8)
    static let mediaOrder: [UInt8] = Array("micbka".utf8)
    /// Session-level lines that may appear only once.
    static let singleSessionTypes: UInt64 = "vosiuczk".utf8.reduce(0) { $0 | typeBit($1) }

    /// A line type's bit in a set of types: its low six bits place a-z and A-Z apart.
    @inline(__always)
    static func typeBit(_ type: UInt8) -> UInt64 { 1 << UInt64(type & 63) }
    /// Attributes of which one per section is allowed. The four directions share the key "direction".
    static let singleAttributes: Set<String> = [
        "ptime", "maxptime", "rtcp", "rtcp-mux", "mid", "setup", "ice-ufrag", "ice-pwd", "ice-lite",
        "end-of-candidates", "framerate", "direction",
    ]

    mutating func parse(_ bytes: [UInt8]) throws(SDPParseError) -> SDPParseResult {
        guard bytes.count <= self.limits.maximumLength else {
            throw SDPParseError(.tooLarge, reason: "\(bytes.count) bytes exceeds the limit of \(self.limits.maximumLength)")
        }
        var lineNumber = 0
        var start = 0
        var pendingEmptyLines: [Int] = []
        var sawFirstLine = false
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            let next = end + 1
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            lineNumber += 1
            guard lineNumber <= self.limits.maximumLineCount else {
                throw SDPParseError(.tooManyLines, line: lineNumber, reason: "more than \(self.limits.maximumLineCount) lines")
            }
            let line = bytes[start..<lineEnd]
            start = next
            guard line.count <= self.limits.maximumLineLength else {
                throw SDPParseError(.lineTooLong, line: lineNumber, excerpt: Self.excerpt(line),
                                    reason: "\(line.count) bytes exceeds the limit of \(self.limits.maximumLineLength)")
            }
            if line.isEmpty {
                pendingEmptyLines.append(lineNumber)
                continue
            }
            for emptyLine in pendingEmptyLines where sawFirstLine {
                self.warnings.append(SDPWarning(.emptyLine, line: emptyLine, reason: "empty line inside the description"))
            }
            pendingEmptyLines.removeAll()
            if line.contains(0) || line.contains(0x0D) {
                throw SDPParseError(.invalidCharacter, line: lineNumber, excerpt: Self.excerpt(line),
                                    reason: "NUL or bare CR inside a line")
            }
            let type = line[line.startIndex]
            let isLetter = (type >= 0x61 && type <= 0x7A) || (type >= 0x41 && type <= 0x5A)
            guard line.count >= 2, isLetter, line[line.startIndex + 1] == 0x3D else {
                throw SDPParseError(.malformedLine, line: lineNumber, excerpt: Self.excerpt(line),
                                    reason: "expected <type>=<value> with a single-letter type")
            }
            let value = String(decoding: line.dropFirst(2), as: UTF8.self)
            if !sawFirstLine {
                sawFirstLine = true
                guard type == UInt8(ascii: "v") else {
                    throw SDPParseError(.missingVersion, line: lineNumber, excerpt: Self.excerpt(line),
                                        reason: "an SDP description must begin with v=")
                }
            }
            try self.handle(type: type, value: value, line: lineNumber, raw: line)
        }
        guard sawFirstLine else {
            throw SDPParseError(.empty, reason: "no SDP lines")
        }
        self.finishMedia()
        if self.description.origin == nil {
            self.warnings.append(SDPWarning(.missingOrigin, reason: "no o= line (RFC 8866 §5.2 requires one)"))
        }
        if self.description.sessionName == nil {
            self.warnings.append(SDPWarning(.missingSessionName, reason: "no s= line (RFC 8866 §5.3 requires one)"))
        }
        if self.description.timings.isEmpty {
            self.warnings.append(SDPWarning(.missingTiming, reason: "no t= line (RFC 8866 §5.9 requires one; SIP uses t=0 0)"))
        }
        return SDPParseResult(sessionDescription: self.description, warnings: self.warnings)
    }

    static func excerpt(_ line: ArraySlice<UInt8>) -> String {
        // Decode a bounded prefix only: a 1 MiB line must not be copied whole into an error message.
        let text = String(decoding: line.prefix(4 * 80), as: UTF8.self)
        return SDPText.excerpt(text[...]) + (line.count > 4 * 80 && text.count <= 80 ? "…" : "")
    }

    // MARK: - Lines

    mutating func handle(type: UInt8, value: String, line: Int, raw: ArraySlice<UInt8>) throws(SDPParseError) {
        let character = Character(Unicode.Scalar(type))
        self.currentRaw = raw
        if type == UInt8(ascii: "m") {
            try self.startMedia(value: value, line: line)
            return
        }
        if self.currentMedia != nil {
            try self.handleMediaLine(type: type, character: character, value: value, line: line)
        } else {
            try self.handleSessionLine(type: type, character: character, value: value, line: line)
        }
        self.lastType = type
    }

    mutating func checkOrder(_ order: [UInt8], type: UInt8, line: Int, mediaIndex: Int?) {
        guard let rank = order.firstIndex(of: type) else { return }
        // A new t= may follow the r= lines of the previous t= (RFC 8866 §5: "one or more time descriptions").
        let isNewTiming = type == UInt8(ascii: "t") && self.lastType == UInt8(ascii: "r")
        if rank < self.lastRank && !isNewTiming {
            self.warnings.append(SDPWarning(.outOfOrder, line: line, mediaIndex: mediaIndex, excerpt: self.excerpt,
                                            reason: "\(Character(Unicode.Scalar(type)))= is out of the RFC 8866 §5 order"))
        }
        self.lastRank = max(self.lastRank, rank)
    }

    mutating func handleSessionLine(type: UInt8, character: Character, value: String, line: Int) throws(SDPParseError) {
        if self.lint { self.checkOrder(Self.sessionOrder, type: type, line: line, mediaIndex: nil) }
        if Self.singleSessionTypes & self.seenSessionTypes & Self.typeBit(type) != 0 {
            self.warnings.append(SDPWarning(.duplicateLine, line: line, excerpt: self.excerpt,
                                            reason: "a second \(character)= line at session level is ignored"))
            return
        }
        self.seenSessionTypes |= Self.typeBit(type)
        switch character {
        case "v":
            guard let version = SDPText.boundedInt(value[...]), version == 0 else {
                throw SDPParseError(.unsupportedVersion, line: line, excerpt: self.excerpt, reason: "only v=0 is defined (RFC 8866 §5.1)")
            }
            self.description.version = version
        case "o":
            self.description.origin = try self.parseOrigin(value, line: line)
        case "s": self.description.sessionName = value
        case "i": self.description.information = value
        case "u": self.description.uri = value
        case "e": self.description.emails.append(value)
        case "p": self.description.phones.append(value)
        case "c": self.description.connection = try self.parseConnection(value, line: line)
        case "b":
            if let bandwidth = Self.parseBandwidth(value) {
                self.description.bandwidths.append(bandwidth)
            } else {
                self.keepMalformed(character, value, line: line, mediaIndex: nil, what: "b=<type>:<value>")
            }
        case "t":
            let fields = SDPText.fields(value[...])
            if fields.count == 2 {
                self.description.timings.append(SDPTiming(start: String(fields[0]), stop: String(fields[1])))
            } else {
                self.keepMalformed(character, value, line: line, mediaIndex: nil, what: "t=<start> <stop>")
            }
        case "r":
            if self.lastType == UInt8(ascii: "t") || self.lastType == UInt8(ascii: "r"), !self.description.timings.isEmpty {
                self.description.timings[self.description.timings.count - 1].repeats.append(value)
            } else {
                self.keepMalformed(character, value, line: line, mediaIndex: nil, what: "r= right after t=")
            }
        case "z": self.description.timeZoneAdjustments = value
        case "k": self.description.encryptionKey = value
        case "a":
            let attribute = SDPAttribute(parsing: value[...])
            if self.lint { self.checkAttribute(attribute, line: line, mediaIndex: nil) }
            self.description.attributes.append(attribute)
        default:
            self.warnings.append(SDPWarning(.unknownLineType, line: line, excerpt: self.excerpt,
                                            reason: "\(character)= is not an RFC 8866 line type; kept"))
            self.description.otherLines.append(SDPLine(type: character, value: value))
        }
    }

    mutating func handleMediaLine(type: UInt8, character: Character, value: String, line: Int) throws(SDPParseError) {
        let index = self.description.media.count
        if self.lint { self.checkOrder(Self.mediaOrder, type: type, line: line, mediaIndex: index) }
        switch character {
        case "i", "k":
            let isDuplicate = character == "i" ? self.currentMedia?.information != nil : self.currentMedia?.encryptionKey != nil
            if isDuplicate {
                self.warnings.append(SDPWarning(.duplicateLine, line: line, mediaIndex: index, excerpt: self.excerpt,
                                                reason: "a second \(character)= line in a media section is ignored"))
            } else if character == "i" {
                self.currentMedia?.information = value
            } else {
                self.currentMedia?.encryptionKey = value
            }
        case "c":
            let connection = try self.parseConnection(value, line: line)
            self.currentMedia?.connections.append(connection)
        case "b":
            if let bandwidth = Self.parseBandwidth(value) {
                self.currentMedia?.bandwidths.append(bandwidth)
            } else {
                self.keepMalformed(character, value, line: line, mediaIndex: index, what: "b=<type>:<value>")
            }
        case "a":
            let attribute = SDPAttribute(parsing: value[...])
            if self.lint { self.checkAttribute(attribute, line: line, mediaIndex: index) }
            self.currentMedia?.attributes.append(attribute)
        default:
            let isSessionType = Self.sessionOrder.contains(type)
            self.warnings.append(SDPWarning(
                isSessionType ? .misplacedLine : .unknownLineType, line: line, mediaIndex: index, excerpt: self.excerpt,
                reason: isSessionType ? "\(character)= belongs at session level, not in a media section; kept"
                    : "\(character)= is not an RFC 8866 line type; kept"))
            self.currentMedia?.otherLines.append(SDPLine(type: character, value: value))
        }
    }

    mutating func keepMalformed(_ character: Character, _ value: String, line: Int, mediaIndex: Int?, what: String) {
        self.warnings.append(SDPWarning(.malformedLine, line: line, mediaIndex: mediaIndex, excerpt: self.excerpt,
                                        reason: "expected \(what); kept as an unparsed line"))
        if self.currentMedia != nil {
            self.currentMedia?.otherLines.append(SDPLine(type: character, value: value))
        } else {
            self.description.otherLines.append(SDPLine(type: character, value: value))
        }
    }

    // MARK: - Media sections

    mutating func startMedia(value: String, line: Int) throws(SDPParseError) {
        self.finishMedia()
        guard self.description.media.count < self.limits.maximumMediaCount else {
            throw SDPParseError(.tooManyMediaSections, line: line, excerpt: self.excerpt,
                                reason: "more than \(self.limits.maximumMediaCount) m= sections")
        }
        let index = self.description.media.count
        let fields = SDPText.fields(value[...])
        guard fields.count >= 3 else {
            throw SDPParseError(.malformedMediaLine, line: line, excerpt: self.excerpt,
                                reason: "expected m=<media> <port> <proto> <fmt> ...")
        }
        let portParts = fields[1].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        var port = 0
        var portCount: Int? = nil
        if let parsed = SDPText.port(portParts[0]),
            portParts.count == 1 || SDPText.boundedInt(portParts[1]) != nil
        {
            port = parsed
            portCount = portParts.count == 2 ? SDPText.boundedInt(portParts[1]) : nil
        } else {
            self.warnings.append(SDPWarning(.nonNumericPort, line: line, mediaIndex: index, excerpt: self.excerpt,
                                            reason: "port \"\(SDPText.excerpt(fields[1], limit: 20))\" is not a number 0-65535; read as 0 (stream disabled)"))
        }
        let formats = fields.dropFirst(3).map(String.init)
        if formats.isEmpty {
            self.warnings.append(SDPWarning(.noFormats, line: line, mediaIndex: index, excerpt: self.excerpt,
                                            reason: "m= lists no media format (RFC 8866 §5.14 requires at least one)"))
        }
        self.currentMedia = MediaDescription(mediaType: SDPMediaType(rawValue: String(fields[0])), port: port,
                                             portCount: portCount, proto: String(fields[2]), formats: formats)
        self.currentMediaLine = line
        self.seenAttributes = []
        self.lastRank = 0
        self.lastType = UInt8(ascii: "m")
    }

    /// Closes the open media section and runs the checks that need the whole section.
    mutating func finishMedia() {
        guard let media = self.currentMedia else {
            // Leaving the session level: reset the per-section attribute memory.
            self.seenAttributes = []
            return
        }
        defer {
            self.description.media.append(media)
            self.currentMedia = nil
        }
        guard self.lint else { return }
        let index = self.description.media.count
        // Built only for a warning: most sections have none.
        var mediaExcerpt: String { SDPText.excerpt(("m=" + media.value)[...]) }
        if media.connections.isEmpty && self.description.connection == nil && !media.isRejected {
            self.warnings.append(SDPWarning(.missingConnection, line: self.currentMediaLine, mediaIndex: index, excerpt: mediaExcerpt,
                                            reason: "no c= line for this media section and none at session level"))
        }
        if media.isRTP {
            let mapped = Set(media.rtpMaps.map(\.payloadType))
            for payloadType in media.payloadTypes where !mapped.contains(payloadType) && SDPCodec.staticPayloadType(payloadType) == nil {
                self.warnings.append(SDPWarning(.missingRTPMap, line: self.currentMediaLine, mediaIndex: index, excerpt: mediaExcerpt,
                                                reason: "payload type \(payloadType) is not static and has no a=rtpmap"))
            }
        }
    }

    // MARK: - Attributes

    mutating func checkAttribute(_ attribute: SDPAttribute, line: Int, mediaIndex: Int?) {
        let name = attribute.name.lowercased()
        if name.isEmpty {
            self.warnings.append(SDPWarning(.malformedAttribute, line: line, mediaIndex: mediaIndex, excerpt: self.excerpt,
                                            reason: "attribute without a name"))
            return
        }
        var key = SDPDirection(rawValue: name) != nil ? "direction" : name
        let value = attribute.value ?? ""
        func malformed(_ reason: String) {
            self.warnings.append(SDPWarning(.malformedAttribute, line: line, mediaIndex: mediaIndex, excerpt: self.excerpt, reason: reason))
        }
        let formats = self.currentMedia?.formats
        switch name {
        case "rtpmap":
            guard let map = SDPRTPMap(value) else {
                malformed("a=rtpmap must be <payload type> <encoding>/<clock rate>[/<channels>]")
                return
            }
            key = "rtpmap:\(map.payloadType)"
            if let formats, !formats.contains(String(map.payloadType)) {
                self.warnings.append(SDPWarning(.formatNotInMediaLine, line: line, mediaIndex: mediaIndex, excerpt: self.excerpt,
                                                reason: "rtpmap for payload type \(map.payloadType), which the m= line does not list"))
            }
            if let known = SDPCodec.staticPayloadType(map.payloadType),
                !known.matches(SDPCodec(payloadType: map.payloadType, encodingName: map.encodingName,
                                        clockRate: map.clockRate, channels: map.channels ?? 1))
            {
                self.warnings.append(SDPWarning(.staticPayloadTypeRemapped, line: line, mediaIndex: mediaIndex, excerpt: self.excerpt,
                                                reason: "static payload type \(map.payloadType) is \(known.name) (RFC 3551) but is mapped to \(map.encodingName)/\(map.clockRate)"))
            }
        case "fmtp":
            guard let fmtp = SDPFormatParameters(value) else {
                malformed("a=fmtp must be <format> <parameters>")
                return
            }
            key = "fmtp:\(fmtp.format)"
            if let formats, !formats.contains(fmtp.format) {
                self.warnings.append(SDPWarning(.formatNotInMediaLine, line: line, mediaIndex: mediaIndex, excerpt: self.excerpt,
                                                reason: "fmtp for format \(fmtp.format), which the m= line does not list"))
            }
        case "ptime", "maxptime":
            if SDPText.milliseconds(value[...]) == nil { malformed("a=\(name) must be a number of milliseconds") }
        case "rtcp":
            if SDPRTCPAttribute(value) == nil { malformed("a=rtcp must be <port> [IN IP4|IP6 <address>] (RFC 3605)") }
        case "crypto":
            if SDPCrypto(value) == nil { malformed("a=crypto must be <tag> <suite> <key-params> [<session-params>] (RFC 4568)") }
        case "candidate":
            if ICECandidate(value) == nil { malformed("a=candidate does not follow RFC 8839 §5.1") }
        case "fingerprint":
            if SDPFingerprint(value) == nil { malformed("a=fingerprint must be <hash function> <fingerprint>") }
        case "ssrc":
            if SDPSSRCAttribute(value) == nil { malformed("a=ssrc must be <ssrc-id> <attribute>[:<value>]") }
        default:
            break
        }
        if Self.singleAttributes.contains(key) || key.hasPrefix("rtpmap:") || key.hasPrefix("fmtp:") {
            if self.seenAttributes.contains(key) {
                self.warnings.append(SDPWarning(.duplicateAttribute, line: line, mediaIndex: mediaIndex, excerpt: self.excerpt,
                                                reason: "a second \(key) attribute in the same section (only one is allowed)"))
            }
            self.seenAttributes.insert(key)
        }
    }

    // MARK: - Field parsers

    func parseOrigin(_ value: String, line: Int) throws(SDPParseError) -> SDPOrigin {
        let fields = SDPText.fields(value[...])
        guard fields.count >= 6 else {
            throw SDPParseError(.malformedOrigin, line: line, excerpt: self.excerpt,
                                reason: "expected o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>")
        }
        // A username with spaces (seen from broken UAs) is rejoined rather than refused.
        let tail = fields.suffix(5)
        let username = fields.count == 6 ? String(fields[0]) : fields.dropLast(5).joined(separator: " ")
        return SDPOrigin(username: username, sessionID: String(tail[tail.startIndex]),
                         sessionVersion: String(tail[tail.startIndex + 1]), networkType: String(tail[tail.startIndex + 2]),
                         addressType: String(tail[tail.startIndex + 3]), address: String(tail[tail.startIndex + 4]))
    }

    func parseConnection(_ value: String, line: Int) throws(SDPParseError) -> SDPConnection {
        let fields = SDPText.fields(value[...])
        guard fields.count == 3 else {
            throw SDPParseError(.malformedConnection, line: line, excerpt: self.excerpt,
                                reason: "expected c=<nettype> <addrtype> <connection-address>")
        }
        let addressType = String(fields[1])
        // "IP4" or "IP6" in any case, compared on bytes (uppercased() is Unicode case mapping).
        let type = Array(addressType.utf8)
        let isIP = type.count == 3 && type[0] | 0x20 == UInt8(ascii: "i") && type[1] | 0x20 == UInt8(ascii: "p")
        guard isIP && (type[2] == UInt8(ascii: "4") || type[2] == UInt8(ascii: "6")) else {
            return SDPConnection(networkType: String(fields[0]), addressType: addressType, address: String(fields[2]))
        }
        let upper = type[2] == UInt8(ascii: "4") ? "IP4" : "IP6"
        // Split only an address with a /ttl or /count (most have neither).
        let parts = fields[2].utf8.contains(UInt8(ascii: "/")) ? fields[2].split(separator: "/", omittingEmptySubsequences: false) : [fields[2]]
        let suffixes = parts.dropFirst().map { SDPText.boundedInt($0) }
        // RFC 8866 §5.7: IP4 multicast is <address>/<ttl>[/<count>]; IP6 is <address>[/<count>].
        let maximumSuffixes = upper == "IP4" ? 2 : 1
        guard !parts[0].isEmpty, suffixes.count <= maximumSuffixes, !suffixes.contains(nil) else {
            throw SDPParseError(.malformedConnection, line: line, excerpt: self.excerpt,
                                reason: "connection address suffixes must be /<ttl>[/<count>] (IP4) or /<count> (IP6)")
        }
        var connection = SDPConnection(networkType: String(fields[0]), addressType: addressType, address: String(parts[0]))
        if upper == "IP4" {
            connection.ttl = suffixes.first ?? nil
            connection.addressCount = suffixes.count == 2 ? suffixes[1] : nil
        } else {
            connection.addressCount = suffixes.first ?? nil
        }
        return connection
    }

    static func parseBandwidth(_ value: String) -> SDPBandwidth? {
        guard let colon = value.firstIndex(of: ":"), colon != value.startIndex else { return nil }
        return SDPBandwidth(type: String(value[..<colon]), value: String(value[value.index(after: colon)...]))
    }
}
