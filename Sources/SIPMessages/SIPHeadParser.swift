/// The parsed start line and header index of one message, before its body is attached.
struct SIPParsedHead: Sendable {
    enum StartLine: Sendable {
        case request(method: SIPMethod, uri: SIPURI, version: String)
        case response(version: String, statusCode: Int, reason: String)
    }

    var startLine: StartLine
    /// Header entries; offsets are relative to the first byte of the message, so the head stays valid
    /// when a stream parser moves its buffer and when the message keeps only its own bytes.
    var entries: [SIPHeaderEntry]
    /// Bytes from the first byte of the message to just after the blank line that ends the head.
    var headLength: Int
    /// The Content-Length value, if present (all occurrences agree).
    var contentLength: Int?
    /// Where the fields read from every message are (see ``SIPKeyIndex``).
    var keys: SIPKeyIndex

    /// Makes the message; `storage` must hold the message from its first byte (at least the head).
    /// The start line's parts move into the message (swapped out, not copied: a Request-URI holds
    /// about ten Strings).
    mutating func message(storage: [UInt8], body: [UInt8]) -> SIPMessage {
        var startLine = StartLine.response(version: "", statusCode: 0, reason: "")
        swap(&startLine, &self.startLine)
        let headers = SIPHeaders(storage: storage, entries: self.entries, keys: self.keys)
        switch consume startLine {
        case .request(let method, let uri, let version):
            return .request(SIPRequest(method: method, requestURI: uri, version: version, headers: headers, body: body))
        case .response(let version, let statusCode, let reason):
            return .response(
                SIPResponse(statusCode: statusCode, reasonPhrase: reason, version: version, headers: headers, body: body)
            )
        }
    }
}

/// Parses the head (start line and header fields) of one message. Shared by the datagram and stream
/// parsers. Works on bytes only; no String is made except for the start line's parts.
enum SIPHeadParser {
    /// Parses the head starting at `start`; `end` is the end of the available bytes. Throws
    /// `.truncatedMessage` when the blank line is not within `start..<end`. Offsets in the result are
    /// relative to `start`.
    static func parse(
        _ bytes: [UInt8],
        start: Int,
        end: Int,
        limits: SIPParserLimits
    ) throws(SIPParseError) -> SIPParsedHead {
        var head = try bytes.withUnsafeBufferPointer { (buffer) throws(SIPParseError) -> SIPParsedHead in
            try SIPHeadParser.scan(buffer, bytes: bytes, start: start, end: end, limits: limits)
        }
        try SIPHeadParser.checkEssentials(&head, bytes: bytes, start: start, limits: limits)
        return head
    }

    @inline(__always)
    static func findLF(_ buffer: UnsafeBufferPointer<UInt8>, from: Int, end: Int) -> Int? {
        ASCII.firstIndex(of: ASCII.lf, in: buffer, from: from, to: end)
    }

    private static func scan(
        _ buffer: UnsafeBufferPointer<UInt8>,
        bytes: [UInt8],
        start: Int,
        end: Int,
        limits: SIPParserLimits
    ) throws(SIPParseError) -> SIPParsedHead {
        func error(_ code: SIPParseError.Code, line: Int, at offset: Int, lineRange: Range<Int>, _ reason: String)
            -> SIPParseError
        {
            SIPParseError(
                code,
                line: line,
                offset: offset - start,
                bytes: buffer,
                excerptRange: lineRange,
                reason: reason
            )
        }
        guard start < end else {
            throw SIPParseError(.emptyMessage, line: 0, offset: 0, reason: "no bytes to parse")
        }
        // Start line.
        let headLimit = start + limits.maximumHeadLength
        guard let firstLF = SIPHeadParser.findLF(buffer, from: start, end: min(end, headLimit)) else {
            let lineEnd = min(end, start + 200)
            if end - start > limits.maximumLineLength || end > headLimit {
                throw error(.headerTooLong, line: 1, at: start, lineRange: start..<lineEnd, "the start line is longer than \(min(limits.maximumLineLength, limits.maximumHeadLength)) bytes")
            }
            for index in start..<end where ASCII.isControl(buffer[index]) && buffer[index] != ASCII.cr {
                throw error(.binaryJunk, line: 1, at: index, lineRange: start..<lineEnd, "control byte in the start line: this is not a SIP message")
            }
            throw error(.truncatedMessage, line: 1, at: end, lineRange: start..<lineEnd, "the message ends inside the start line (no line break)")
        }
        var contentEnd = firstLF
        if contentEnd > start && buffer[contentEnd - 1] == ASCII.cr { contentEnd -= 1 }
        if contentEnd - start > limits.maximumLineLength {
            throw error(.headerTooLong, line: 1, at: start, lineRange: start..<contentEnd, "the start line is longer than \(limits.maximumLineLength) bytes")
        }
        let startLine = try SIPHeadParser.parseStartLine(buffer, bytes: bytes, start..<contentEnd, messageStart: start)

        // Header lines.
        var entries: [SIPHeaderEntry] = []
        entries.reserveCapacity(16)
        var position = firstLF + 1
        var line = 1
        var lineCount = 0
        let searchEnd = min(end, headLimit)
        while true {
            line += 1
            guard let lf = SIPHeadParser.findLF(buffer, from: position, end: searchEnd) else {
                if end > headLimit {
                    throw error(.headerTooLong, line: line, at: position, lineRange: position..<min(end, position + 200), "the head is longer than \(limits.maximumHeadLength) bytes")
                }
                if end - position > limits.maximumLineLength {
                    throw error(.headerTooLong, line: line, at: position, lineRange: position..<min(end, position + 200), "header line longer than \(limits.maximumLineLength) bytes")
                }
                throw error(.truncatedMessage, line: line, at: end, lineRange: position..<end, "the message ends before the blank line that closes the header section (RFC 3261 §7)")
            }
            var lineEnd = lf
            if lineEnd > position && buffer[lineEnd - 1] == ASCII.cr { lineEnd -= 1 }
            if lineEnd == position {
                return SIPParsedHead(
                    startLine: startLine,
                    entries: entries,
                    headLength: lf + 1 - start,
                    contentLength: nil,
                    keys: SIPKeyIndex()
                )
            }
            if lineEnd - position > limits.maximumLineLength {
                throw error(.headerTooLong, line: line, at: position, lineRange: position..<lineEnd, "header line longer than \(limits.maximumLineLength) bytes")
            }
            lineCount += 1
            if lineCount > limits.maximumHeaderCount {
                throw error(.tooManyHeaders, line: line, at: position, lineRange: position..<lineEnd, "more than \(limits.maximumHeaderCount) header lines")
            }
            let first = buffer[position]
            if first == ASCII.space || first == ASCII.tab {
                // A continuation line (RFC 3261 §7.3.1 line folding).
                guard !entries.isEmpty else {
                    throw error(.malformedHeader, line: line, at: position, lineRange: position..<lineEnd, "continuation line with no header field before it")
                }
                entries[entries.count - 1].valueEnd = lineEnd - start
                entries[entries.count - 1].folded = true
            } else {
                guard let colon = ASCII.firstIndex(of: ASCII.colon, in: buffer, from: position, to: lineEnd) else {
                    throw error(.malformedHeader, line: line, at: position, lineRange: position..<lineEnd, "header line has no ':'")
                }
                var nameEnd = colon
                while nameEnd > position && ASCII.isWhitespace(buffer[nameEnd - 1]) { nameEnd -= 1 }
                // A well-known name is a token by construction, so only other names are checked byte by byte.
                let id = SIPHeaderName.lookup(buffer, position..<nameEnd)
                if id < 0 && !SIPHeadParser.isToken(buffer, position..<nameEnd) {
                    let code: SIPParseError.Code = buffer[position..<nameEnd].contains { ASCII.isControl($0) } ? .binaryJunk : .malformedHeader
                    throw error(code, line: line, at: position, lineRange: position..<lineEnd, "header name is empty or not a token (RFC 3261 §7.3.1)")
                }
                var valueStart = colon + 1
                while valueStart < lineEnd && ASCII.isWhitespace(buffer[valueStart]) { valueStart += 1 }
                entries.append(
                    SIPHeaderEntry(
                        nameStart: position - start,
                        nameEnd: nameEnd - start,
                        valueStart: valueStart - start,
                        valueEnd: lineEnd - start,
                        line: line,
                        id: id,
                        folded: false
                    )
                )
            }
            position = lf + 1
        }
    }

    /// Whether `buffer[range]` is a non-empty RFC 3261 token.
    private static func isToken(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        if range.isEmpty { return false }
        for index in range where !ASCII.isTokenChar(buffer[index]) {
            return false
        }
        return true
    }

    /// `Method SP Request-URI SP SIP-Version` or `SIP-Version SP Status-Code SP Reason-Phrase`, with exactly
    /// one SP between the parts (RFC 3261 §7.1, §7.2; RFC 4475 §3.1.2.8-3.1.2.10).
    private static func parseStartLine(
        _ buffer: UnsafeBufferPointer<UInt8>,
        bytes: [UInt8],
        _ range: Range<Int>,
        messageStart: Int
    ) throws(SIPParseError) -> SIPParsedHead.StartLine {
        func error(_ code: SIPParseError.Code, at offset: Int, _ reason: String) -> SIPParseError {
            SIPParseError(code, line: 1, offset: offset - messageStart, bytes: buffer, excerptRange: range, reason: reason)
        }
        guard !range.isEmpty else {
            throw error(.malformedStartLine, at: range.lowerBound, "the first line is empty")
        }
        for index in range where ASCII.isControl(buffer[index]) {
            throw error(.binaryJunk, at: index, "control byte in the start line: this is not a SIP message")
        }
        var firstSpace = range.lowerBound
        while firstSpace < range.upperBound && buffer[firstSpace] != ASCII.space { firstSpace += 1 }
        let firstRange = range.lowerBound..<firstSpace
        if SIPHeadParser.isSIPVersion(buffer, firstRange) {
            // Status-Line.
            let codeStart = firstSpace + 1
            var codeEnd = codeStart
            while codeEnd < range.upperBound && buffer[codeEnd] != ASCII.space { codeEnd += 1 }
            guard codeStart < range.upperBound else {
                throw error(.invalidStatusCode, at: firstSpace, "the Status-Line has no status code")
            }
            guard codeEnd - codeStart == 3, case .value(let code) = ASCII.parseDecimal(bytes, codeStart..<codeEnd, maximum: 999)
            else {
                throw error(.invalidStatusCode, at: codeStart, "status code '\(ASCII.string(bytes, codeStart..<codeEnd))' is not three digits (RFC 3261 §7.2)")
            }
            let reasonStart = min(codeEnd + 1, range.upperBound)
            return .response(
                version: ASCII.string(bytes, firstRange),
                statusCode: Int(code),
                reason: ASCII.string(bytes, reasonStart..<range.upperBound)
            )
        }
        // Request-Line.
        let shape = "a Request-Line is Method SP Request-URI SP SIP-Version, single spaces, nothing after (RFC 3261 §7.1)"
        if SIPHeadParser.looksLikeOtherProtocolVersion(buffer, firstRange) {
            throw error(.unsupportedVersion, at: range.lowerBound, "this is not SIP: '\(ASCII.string(bytes, firstRange))'")
        }
        guard firstSpace < range.upperBound, ASCII.isToken(bytes, firstRange) else {
            throw error(.malformedStartLine, at: range.lowerBound, "the method is missing or not a token; " + shape)
        }
        let uriStart = firstSpace + 1
        var uriEnd = uriStart
        while uriEnd < range.upperBound && buffer[uriEnd] != ASCII.space { uriEnd += 1 }
        guard uriEnd > uriStart else {
            throw error(.malformedStartLine, at: uriStart, "extra space before the Request-URI; " + shape)
        }
        guard uriEnd < range.upperBound else {
            throw error(.malformedStartLine, at: uriEnd, "the SIP-Version is missing; " + shape)
        }
        let versionRange = (uriEnd + 1)..<range.upperBound
        if versionRange.isEmpty || buffer[versionRange].contains(ASCII.space) || buffer[versionRange].contains(ASCII.tab) {
            throw error(.malformedStartLine, at: uriEnd, "extra or trailing whitespace around the Request-URI or version; " + shape)
        }
        guard SIPHeadParser.isSIPVersion(buffer, versionRange) else {
            if SIPHeadParser.looksLikeOtherProtocolVersion(buffer, versionRange) {
                throw error(.unsupportedVersion, at: versionRange.lowerBound, "the version is not SIP/x.y")
            }
            throw error(.malformedStartLine, at: versionRange.lowerBound, "'\(ASCII.string(bytes, versionRange))' is not a SIP-Version; " + shape)
        }
        let uri: SIPURI
        do {
            uri = try SIPURI.parse(bytes, uriStart..<uriEnd)
        } catch {
            var rethrown = error
            rethrown.line = 1
            rethrown.offset -= messageStart
            rethrown.reason = "Request-URI: " + rethrown.reason
            throw rethrown
        }
        return .request(
            method: SIPMethod(ASCII.string(bytes, firstRange)),
            uri: uri,
            version: ASCII.string(bytes, versionRange)
        )
    }

    /// `"SIP" "/" 1*DIGIT "." 1*DIGIT`, "SIP" case-insensitive (RFC 3261 §25.1).
    static func isSIPVersion(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard range.count >= 7,
            ASCII.lowercased(buffer[range.lowerBound]) == UInt8(ascii: "s"),
            ASCII.lowercased(buffer[range.lowerBound + 1]) == UInt8(ascii: "i"),
            ASCII.lowercased(buffer[range.lowerBound + 2]) == UInt8(ascii: "p"),
            buffer[range.lowerBound + 3] == ASCII.slash
        else { return false }
        return SIPHeadParser.isDigitsDotDigits(buffer, (range.lowerBound + 4)..<range.upperBound)
    }

    /// `token "/" 1*DIGIT "." 1*DIGIT` with a protocol other than SIP, e.g. "HTTP/1.1".
    static func looksLikeOtherProtocolVersion(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard let slash = buffer[range].firstIndex(of: ASCII.slash), slash > range.lowerBound else { return false }
        for index in range.lowerBound..<slash where !ASCII.isAlpha(buffer[index]) {
            return false
        }
        return SIPHeadParser.isDigitsDotDigits(buffer, (slash + 1)..<range.upperBound)
    }

    private static func isDigitsDotDigits(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard let dot = buffer[range].firstIndex(of: ASCII.dot), dot > range.lowerBound, dot + 1 < range.upperBound
        else { return false }
        for index in range where index != dot && !ASCII.isDigit(buffer[index]) {
            return false
        }
        return true
    }

    /// Checks the fields framing and transactions depend on: every Content-Length (must agree), the
    /// first CSeq and the first Max-Forwards. Anything else is left to accessors and `validate()`.
    /// On the way it records in ``SIPParsedHead/keys`` where the fields read from every message are.
    private static func checkEssentials(
        _ head: inout SIPParsedHead,
        bytes: [UInt8],
        start: Int,
        limits: SIPParserLimits
    ) throws(SIPParseError) {
        var keys = SIPKeyIndex()
        var seenMaxForwards = false
        for index in head.entries.indices {
            let entry = head.entries[index]
            switch entry.id {
            case KnownHeaderID.via:
                if keys.via < 0 { keys.via = index }
            case KnownHeaderID.from:
                if keys.from < 0 { keys.from = index }
            case KnownHeaderID.to:
                if keys.to < 0 { keys.to = index }
            case KnownHeaderID.callID:
                if keys.callID < 0 { keys.callID = index }
            case KnownHeaderID.contentLength:
                if keys.contentLength < 0 { keys.contentLength = index }
                let length = try SIPHeadParser.checkContentLength(entry, bytes: bytes, start: start)
                if let previous = head.contentLength, previous != length {
                    throw SIPHeadParser.essentialError(.invalidContentLength, entry, bytes: bytes, start: start, "Content-Length given twice with different values (\(previous) and \(length)): the framing is ambiguous (RFC 4475 §3.3.9)")
                }
                if length > limits.maximumBodyLength {
                    throw SIPHeadParser.essentialError(.bodyTooLarge, entry, bytes: bytes, start: start, "Content-Length \(length) is above the limit of \(limits.maximumBodyLength) bytes")
                }
                head.contentLength = length
            case KnownHeaderID.cseq:
                guard keys.cseq < 0 else { break }
                keys.cseq = index
                let (valueBytes, range) = SIPHeadParser.value(entry, bytes: bytes, start: start)
                do {
                    let (number, method) = try SIPCSeq.scan(valueBytes, range)
                    keys.cseqNumber = number
                    // Ranges into an unfolded copy do not point into the storage; accessors then take the slow path.
                    keys.cseqMethod = entry.folded ? nil : (method.lowerBound - start)..<(method.upperBound - start)
                } catch {
                    throw SIPParseError(
                        .invalidCSeq,
                        line: entry.line,
                        offset: entry.nameStart,
                        excerpt: SIPParseError.printableExcerpt(ASCII.string(bytes, (entry.nameStart + start)..<(entry.valueEnd + start))),
                        reason: error.reason
                    )
                }
            case KnownHeaderID.maxForwards:
                guard !seenMaxForwards else { break }
                seenMaxForwards = true
                let (valueBytes, range) = SIPHeadParser.value(entry, bytes: bytes, start: start)
                switch ASCII.parseDecimal(valueBytes, range, maximum: UInt64(UInt32.max)) {
                case .value: break
                case .overflow:
                    throw SIPHeadParser.essentialError(.invalidMaxForwards, entry, bytes: bytes, start: start, "Max-Forwards \(ASCII.string(valueBytes, range)) overflows")
                case .empty, .notANumber:
                    throw SIPHeadParser.essentialError(.invalidMaxForwards, entry, bytes: bytes, start: start, "Max-Forwards '\(ASCII.string(valueBytes, range))' is not a non-negative decimal number (RFC 3261 §20.22)")
                }
            default:
                break
            }
        }
        head.keys = keys
    }

    /// The trimmed value of `entry` (offsets relative to `start`): `bytes` itself with an absolute range,
    /// or an unfolded copy.
    private static func value(_ entry: SIPHeaderEntry, bytes: [UInt8], start: Int) -> ([UInt8], Range<Int>) {
        let range = ASCII.trim(bytes, (entry.valueStart + start)..<(entry.valueEnd + start))
        if !entry.folded { return (bytes, range) }
        let unfolded = SIPHeaders.unfold(bytes, range)
        return (unfolded, 0..<unfolded.count)
    }

    /// Reads one Content-Length value, throwing when it is not a length.
    private static func checkContentLength(
        _ entry: SIPHeaderEntry,
        bytes: [UInt8],
        start: Int
    ) throws(SIPParseError) -> Int {
        let (valueBytes, range) = SIPHeadParser.value(entry, bytes: bytes, start: start)
        let length: Int
        switch ASCII.parseDecimal(valueBytes, range, maximum: UInt64(Int32.max)) {
        case .value(let value): length = Int(value)
        case .overflow:
            throw SIPHeadParser.essentialError(.invalidContentLength, entry, bytes: bytes, start: start, "Content-Length \(ASCII.string(valueBytes, range)) is too large to be a length")
        case .empty, .notANumber:
            throw SIPHeadParser.essentialError(.invalidContentLength, entry, bytes: bytes, start: start, "Content-Length '\(ASCII.string(valueBytes, range))' is not a non-negative decimal number (RFC 3261 §20.14)")
        }
        return length
    }

    /// An error about one header field, quoting its line.
    @inline(never)
    private static func essentialError(
        _ code: SIPParseError.Code,
        _ entry: SIPHeaderEntry,
        bytes: [UInt8],
        start: Int,
        _ reason: String
    ) -> SIPParseError {
        SIPParseError(
            code,
            line: entry.line,
            offset: entry.nameStart,
            excerpt: SIPParseError.printableExcerpt(ASCII.string(bytes, (entry.nameStart + start)..<(entry.valueEnd + start))),
            reason: reason
        )
    }
}
