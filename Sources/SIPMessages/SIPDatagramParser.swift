/// The result of parsing one datagram.
public struct SIPDatagramParseResult: Hashable, Sendable {
    /// The message.
    public var message: SIPMessage
    /// Bytes after the body that Content-Length did not cover. RFC 3261 §18.3 says to ignore them;
    /// a diagnostics tool reports them (RFC 4475 dblreq.dat carries a whole second request there).
    public var trailingByteCount: Int
}

/// Parses one SIP message per datagram (UDP, or any transport that preserves message boundaries).
///
/// Framing follows RFC 3261 §18.3: with Content-Length the body is exactly that many bytes and extra
/// bytes are ignored (and counted); a Content-Length larger than what follows the blank line is an error;
/// without Content-Length the body is the rest of the datagram.
public enum SIPDatagramParser {
    /// Parses `bytes` as one message. The bytes are kept once as the message's storage (no copy).
    public static func parse(
        _ bytes: [UInt8],
        limits: SIPParserLimits = .default
    ) throws(SIPParseError) -> SIPDatagramParseResult {
        var head = try SIPHeadParser.parse(bytes, start: 0, end: bytes.count, limits: limits)
        let available = bytes.count - head.headLength
        let bodyLength: Int
        if let contentLength = head.contentLength {
            guard contentLength <= available else {
                let line = (head.entries.last?.line ?? 1) + 1
                throw SIPParseError(
                    .contentLengthExceedsData,
                    line: line,
                    offset: head.headLength,
                    excerpt: "",
                    reason: "Content-Length says \(contentLength) bytes but only \(available) follow the blank line (RFC 3261 §18.3)"
                )
            }
            bodyLength = contentLength
        } else {
            if available > limits.maximumBodyLength {
                throw SIPParseError(
                    .bodyTooLarge,
                    line: (head.entries.last?.line ?? 1) + 1,
                    offset: head.headLength,
                    reason: "the body (\(available) bytes) is above the limit of \(limits.maximumBodyLength) bytes"
                )
            }
            bodyLength = available
        }
        let body = bodyLength == 0 ? [] : Array(bytes[head.headLength..<(head.headLength + bodyLength)])
        return SIPDatagramParseResult(
            message: head.message(storage: bytes, body: body),
            trailingByteCount: available - bodyLength
        )
    }

    /// Parses a datagram given as raw memory (copied once).
    public static func parse(
        _ buffer: UnsafeRawBufferPointer,
        limits: SIPParserLimits = .default
    ) throws(SIPParseError) -> SIPDatagramParseResult {
        try SIPDatagramParser.parse(Array(buffer), limits: limits)
    }
}
