/// One part of a multipart body (RFC 2046 §5.1).
public struct SIPBodyPart: Hashable, Sendable {
    /// The part's header fields (Content-Type, Content-Disposition, ...).
    public var headers: SIPHeaders
    /// The part's content: the bytes between its blank line and the CRLF before the next delimiter.
    public var body: [UInt8]

    /// The part's Content-Type; RFC 2046 §5.1 makes a part without one `text/plain`.
    public var contentType: SIPContentType {
        self.headers.contentType ?? SIPContentType(type: "text", subtype: "plain")
    }
}

extension SIPMessage {
    /// How deep multipart bodies may nest before we stop looking; real SIP nests at most twice
    /// (multipart/signed around multipart/mixed).
    static let maximumMultipartDepth = 4

    /// The SDP bodies of the message: the body itself when Content-Type is `application/sdp`, or every
    /// `application/sdp` part of a `multipart/*` body (mixed, alternative, related, nested), in order.
    public func sdpBodies() -> [[UInt8]] {
        guard let contentType = self.contentType else { return [] }
        return SIPMessage.sdpBodies(self.body, contentType: contentType, depth: 0)
    }

    /// The parts of a multipart body, or nil when the body is not multipart or has no boundary.
    public func bodyParts() -> [SIPBodyPart]? {
        guard let contentType = self.contentType, contentType.isMultipart, let boundary = contentType.boundary else {
            return nil
        }
        return SIPMessage.splitMultipart(self.body, boundary: boundary)
    }

    static func sdpBodies(_ body: [UInt8], contentType: SIPContentType, depth: Int) -> [[UInt8]] {
        if contentType.isSDP { return [body] }
        guard contentType.isMultipart, depth < SIPMessage.maximumMultipartDepth, let boundary = contentType.boundary
        else { return [] }
        var result: [[UInt8]] = []
        for part in SIPMessage.splitMultipart(body, boundary: boundary) {
            result += SIPMessage.sdpBodies(part.body, contentType: part.contentType, depth: depth + 1)
        }
        return result
    }

    /// Splits a multipart body at its delimiters (RFC 2046 §5.1.1): a delimiter is "--boundary" at the
    /// start of the body or after a line break, and the line break before it belongs to the delimiter.
    /// Parts may hold any bytes (NUL, non-UTF-8, bare LF; RFC 4475 mpart01.dat). The preamble and
    /// epilogue are dropped; a body without a closing delimiter ends its last part at the end of the body.
    static func splitMultipart(_ body: [UInt8], boundary: String) -> [SIPBodyPart] {
        let delimiter: [UInt8] = [UInt8(ascii: "-"), UInt8(ascii: "-")] + Array(boundary.utf8)
        guard delimiter.count > 2 else { return [] }
        // Positions (start of "--boundary", end of the line break before it, end of its line) of each delimiter.
        var delimiters: [(partEnd: Int, lineEnd: Int, isClose: Bool)] = []
        var index = 0
        while index + delimiter.count <= body.count {
            let atLineStart = index == 0 || body[index - 1] == ASCII.lf
            if atLineStart && body[index] == UInt8(ascii: "-") && body[index..<(index + delimiter.count)].elementsEqual(delimiter) {
                var partEnd = index
                if partEnd > 0 && body[partEnd - 1] == ASCII.lf { partEnd -= 1 }
                if partEnd > 0 && body[partEnd - 1] == ASCII.cr { partEnd -= 1 }
                let after = index + delimiter.count
                let isClose = after + 2 <= body.count && body[after] == UInt8(ascii: "-") && body[after + 1] == UInt8(ascii: "-")
                var lineEnd = after
                while lineEnd < body.count && body[lineEnd] != ASCII.lf { lineEnd += 1 }
                delimiters.append((partEnd, min(lineEnd + 1, body.count), isClose))
                if isClose { break }
                index = lineEnd + 1
                continue
            }
            index += 1
        }
        var parts: [SIPBodyPart] = []
        for (position, current) in delimiters.enumerated() where !current.isClose {
            let partStart = current.lineEnd
            let partEnd = position + 1 < delimiters.count ? delimiters[position + 1].partEnd : body.count
            guard partEnd >= partStart else { continue }
            parts.append(SIPMessage.parsePart(body, partStart..<partEnd))
        }
        return parts
    }

    /// Reads a part's header lines (until a blank line) and its content.
    private static func parsePart(_ body: [UInt8], _ range: Range<Int>) -> SIPBodyPart {
        var headers = SIPHeaders()
        var index = range.lowerBound
        while index < range.upperBound {
            var lineEnd = index
            while lineEnd < range.upperBound && body[lineEnd] != ASCII.lf { lineEnd += 1 }
            var contentEnd = lineEnd
            if contentEnd > index && body[contentEnd - 1] == ASCII.cr { contentEnd -= 1 }
            let next = min(lineEnd + 1, range.upperBound)
            if contentEnd == index {
                index = next
                return SIPBodyPart(headers: headers, body: Array(body[index..<range.upperBound]))
            }
            if ASCII.isWhitespace(body[index]), !headers.isEmpty {
                // Folded part header: append to the previous value.
                let last = headers.count - 1
                let field = headers[last]
                headers.remove(at: last)
                headers.append(name: field.name, value: field.value + " " + ASCII.string(body, ASCII.trim(body, index..<contentEnd)))
            } else if let colon = body[index..<contentEnd].firstIndex(of: ASCII.colon) {
                headers.append(
                    name: ASCII.string(body, ASCII.trim(body, index..<colon)),
                    value: ASCII.string(body, ASCII.trim(body, (colon + 1)..<contentEnd))
                )
            } else {
                // Not a header line: RFC 2046 says a part may have no headers; treat it all as content.
                return SIPBodyPart(headers: SIPHeaders(), body: Array(body[range]))
            }
            index = next
        }
        return SIPBodyPart(headers: headers, body: [])
    }
}
