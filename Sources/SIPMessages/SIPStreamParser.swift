/// Frames SIP messages on a byte stream (TCP, TLS, WebSocket payloads) by Content-Length
/// (RFC 3261 §18.3), following the nio-ssh parser contract: ``append(_:)`` bytes as they arrive, then
/// call ``nextMessage()`` until it returns nil ("need more bytes").
///
/// - Several messages in one chunk and one message over many chunks (down to one byte) both work.
/// - CRLF keep-alives between messages (RFC 5626 §3.5.1 "ping" CRLFCRLF and "pong" CRLF) are skipped.
/// - Content-Length is mandatory on a stream; a message without it is an error.
/// - ``SIPParserLimits`` bound what is buffered: a head that does not end within the head limit, a line
///   that is too long, too many header lines or a body over the limit throw instead of buffering.
/// - The search for the end of the head resumes where it stopped, so a head arriving byte by byte is
///   scanned once in total, not once per byte.
///
/// After an error the stream cannot be re-synchronised (RFC 4475 §3.1.2.3): every later call throws the
/// same error, and the caller should close the connection.
public struct SIPStreamParser: Sendable {
    private enum State: Sendable {
        /// Looking for the blank line that ends the head.
        case head
        /// The head is parsed; waiting for the body.
        case body(SIPParsedHead, bodyLength: Int)
        /// A framing error happened; it is thrown again on every call.
        case failed(SIPParseError)
    }

    /// The limits in force.
    public let limits: SIPParserLimits
    private var buffer: [UInt8] = []
    /// Start of the current (not yet returned) message in ``buffer``.
    private var readIndex = 0
    /// Where the head scan resumes.
    private var scanIndex = 0
    /// Start of the line the scan is in.
    private var lineStart = 0
    /// Lines of the current head seen so far (the start line included).
    private var lineCount = 0
    private var state: State = .head

    /// Creates a parser with the given limits.
    public init(limits: SIPParserLimits = .default) {
        self.limits = limits
    }

    /// Bytes received but not yet returned as part of a message.
    public var bufferedByteCount: Int { self.buffer.count - self.readIndex }

    /// Adds bytes received from the stream.
    public mutating func append(_ bytes: [UInt8]) {
        self.compact()
        self.buffer.append(contentsOf: bytes)
    }

    /// Adds bytes received from the stream.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        self.compact()
        self.buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete message, nil when more bytes are needed, or throws when the stream is
    /// not SIP (after which the parser stays failed).
    public mutating func nextMessage() throws(SIPParseError) -> SIPMessage? {
        do {
            return try self.step()
        } catch {
            self.state = .failed(error)
            throw error
        }
    }

    private mutating func step() throws(SIPParseError) -> SIPMessage? {
        switch self.state {
        case .failed(let error):
            throw error
        case .head:
            guard let headEnd = try self.findHeadEnd() else { return nil }
            var head = try SIPHeadParser.parse(self.buffer, start: self.readIndex, end: headEnd, limits: self.limits)
            guard let contentLength = head.contentLength else {
                throw SIPParseError(
                    .missingContentLength,
                    line: self.lineCount,
                    offset: headEnd - self.readIndex,
                    reason: "a message on a stream transport must carry Content-Length (RFC 3261 §18.3, §20.14)"
                )
            }
            // Usually the body is already buffered: finish at once, without parking the head in `state`.
            if let message = self.finish(&head, bodyLength: contentLength) { return message }
            self.state = .body(head, bodyLength: contentLength)
            return nil
        case .body(var head, let bodyLength):
            guard let message = self.finish(&head, bodyLength: bodyLength) else { return nil }
            self.state = .head
            return message
        }
    }

    /// The message whose head is `head` (at ``readIndex``), or nil when its body is not all buffered yet.
    private mutating func finish(_ head: inout SIPParsedHead, bodyLength: Int) -> SIPMessage? {
        let headEnd = self.readIndex + head.headLength
        let messageEnd = headEnd + bodyLength
        guard self.buffer.count >= messageEnd else { return nil }
        // The message keeps its head as header storage and its body as a separate array: each byte is
        // copied once.
        let storage = Array(self.buffer[self.readIndex..<headEnd])
        let body = bodyLength == 0 ? [] : Array(self.buffer[headEnd..<messageEnd])
        self.readIndex = messageEnd
        self.startNextHead()
        return head.message(storage: storage, body: body)
    }

    /// Resets the head scan for the next message; empties the buffer when everything was consumed.
    private mutating func startNextHead() {
        if self.readIndex == self.buffer.count {
            self.buffer.removeAll(keepingCapacity: self.buffer.capacity <= SIPStreamParser.retainedCapacity)
            self.readIndex = 0
        }
        self.scanIndex = self.readIndex
        self.lineStart = self.readIndex
        self.lineCount = 0
    }

    /// Most buffer capacity kept after the buffer empties: enough for typical messages, and a burst of
    /// large ones does not pin memory for the connection's lifetime.
    private static let retainedCapacity = 64 * 1024

    /// Drops consumed bytes before new ones are appended, so the buffer does not grow with the
    /// connection's lifetime. Only when at least as many bytes were consumed as remain, so each byte is
    /// moved at most about once (amortised O(1)), not once per message. Positions of the scan in
    /// progress move with the bytes; a parsed head's offsets are relative to the message and stay valid.
    private mutating func compact() {
        let consumed = self.readIndex
        guard consumed > 0 else { return }
        if consumed == self.buffer.count {
            self.buffer.removeAll(keepingCapacity: self.buffer.capacity <= SIPStreamParser.retainedCapacity)
        } else if consumed >= self.buffer.count - consumed {
            self.buffer.removeSubrange(0..<consumed)
        } else {
            return
        }
        self.readIndex = 0
        self.scanIndex -= consumed
        self.lineStart -= consumed
    }

    /// Scans for the blank line ending the head, from where the last scan stopped, enforcing the limits
    /// on the way. Returns the index after the blank line, or nil when more bytes are needed.
    private mutating func findHeadEnd() throws(SIPParseError) -> Int? {
        if self.lineCount == 0 && self.scanIndex == self.readIndex {
            // Keep-alives between messages (RFC 5626 §3.5.1).
            while self.readIndex < self.buffer.count
                && (self.buffer[self.readIndex] == ASCII.cr || self.buffer[self.readIndex] == ASCII.lf)
            {
                self.readIndex += 1
            }
            self.scanIndex = self.readIndex
            self.lineStart = self.readIndex
            if self.readIndex == self.buffer.count {
                self.startNextHead()
                return nil
            }
        }
        let limits = self.limits
        let readIndex = self.readIndex
        var scanIndex = self.scanIndex
        var lineStart = self.lineStart
        var lineCount = self.lineCount
        let count = self.buffer.count
        let result: Int? = try self.buffer.withUnsafeBufferPointer { (buffer) throws(SIPParseError) -> Int? in
            func error(_ code: SIPParseError.Code, _ reason: String) -> SIPParseError {
                SIPParseError(
                    code,
                    line: lineCount + 1,
                    offset: lineStart - readIndex,
                    bytes: buffer,
                    excerptRange: lineStart..<min(count, lineStart + 200),
                    reason: reason
                )
            }
            // The last index each limit allows to be scanned (saturating: a limit may be Int.max).
            let headLimit = limits.maximumHeadLength >= count - readIndex ? count : readIndex + limits.maximumHeadLength
            while scanIndex < count {
                if lineCount > 0 {
                    // Inside a header line nothing needs a per-byte check until a line break or a
                    // limit: jump to the next LF, or to the byte that crosses a limit, and handle that
                    // byte below exactly as before.
                    let lineLimit = limits.maximumLineLength >= count - lineStart ? count : lineStart + limits.maximumLineLength
                    let safeEnd = min(headLimit, lineLimit)
                    if let lf = ASCII.firstIndex(of: ASCII.lf, in: buffer, from: scanIndex, to: safeEnd) {
                        scanIndex = lf
                    } else {
                        scanIndex = max(scanIndex, safeEnd)
                        if scanIndex >= count { break }
                    }
                }
                if buffer[scanIndex] == ASCII.lf {
                    var lineEnd = scanIndex
                    if lineEnd > lineStart && buffer[lineEnd - 1] == ASCII.cr { lineEnd -= 1 }
                    if lineEnd == lineStart && lineCount > 0 {
                        return scanIndex + 1
                    }
                    lineCount += 1
                    if lineCount > limits.maximumHeaderCount + 1 {
                        throw error(.tooManyHeaders, "more than \(limits.maximumHeaderCount) header lines")
                    }
                    lineStart = scanIndex + 1
                } else if lineCount == 0 && ASCII.isControl(buffer[scanIndex]) && buffer[scanIndex] != ASCII.cr {
                    throw error(.binaryJunk, "control byte in the start line: this is not a SIP stream")
                }
                scanIndex += 1
                if scanIndex - readIndex > limits.maximumHeadLength {
                    throw error(.headerTooLong, "the head is longer than \(limits.maximumHeadLength) bytes")
                }
                if scanIndex - lineStart > limits.maximumLineLength {
                    throw error(.headerTooLong, "a line is longer than \(limits.maximumLineLength) bytes")
                }
            }
            return nil
        }
        self.scanIndex = scanIndex
        self.lineStart = lineStart
        self.lineCount = lineCount
        return result
    }
}

