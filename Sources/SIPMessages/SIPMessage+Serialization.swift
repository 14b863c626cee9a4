extension SIPMessage {
    /// The message in canonical form: CRLF line ends, well-known header names in their full canonical
    /// spelling ("v" and "VIA" become "Via"), one space after the colon, folded values on one line, then
    /// the body. With `normalizing`, Content-Length is rewritten to the body's real length (replacing
    /// every existing Content-Length field, or appended when there was none).
    public func serialized(normalizing: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        let headers = self.headers
        let body = self.body
        out.reserveCapacity(headers.storage.count + 64)
        switch self {
        case .request(let request):
            out.append(contentsOf: request.method.rawValue.utf8)
            out.append(ASCII.space)
            out.append(contentsOf: request.requestURI.raw.utf8)
            out.append(ASCII.space)
            out.append(contentsOf: request.version.utf8)
        case .response(let response):
            out.append(contentsOf: response.version.utf8)
            out.append(ASCII.space)
            SIPMessage.appendStatusCode(response.statusCode, to: &out)
            out.append(ASCII.space)
            out.append(contentsOf: response.reasonPhrase.utf8)
        }
        out.append(ASCII.cr)
        out.append(ASCII.lf)
        var wroteContentLength = false
        for index in headers.entries.indices {
            let entry = headers.entries[index]
            if normalizing && entry.id == KnownHeaderID.contentLength {
                if wroteContentLength { continue }
                wroteContentLength = true
                out.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8)
                continue
            }
            out.append(contentsOf: headers.serializedName(at: index))
            out.append(ASCII.colon)
            out.append(ASCII.space)
            let (bytes, range) = headers.unfoldedValue(at: index)
            out.append(contentsOf: bytes[range])
            out.append(ASCII.cr)
            out.append(ASCII.lf)
        }
        if normalizing && !wroteContentLength {
            out.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8)
        }
        out.append(ASCII.cr)
        out.append(ASCII.lf)
        out.append(contentsOf: body)
        return out
    }

    /// Writes a status code as at least three digits ("007" stays three digits wide).
    private static func appendStatusCode(_ code: Int, to out: inout [UInt8]) {
        let text = String(max(0, code))
        for _ in text.utf8.count..<3 { out.append(UInt8(ascii: "0")) }
        out.append(contentsOf: text.utf8)
    }
}

extension SIPRequest {
    /// See ``SIPMessage/serialized(normalizing:)``.
    public func serialized(normalizing: Bool = false) -> [UInt8] {
        SIPMessage.request(self).serialized(normalizing: normalizing)
    }
}

extension SIPResponse {
    /// See ``SIPMessage/serialized(normalizing:)``.
    public func serialized(normalizing: Bool = false) -> [UInt8] {
        SIPMessage.response(self).serialized(normalizing: normalizing)
    }
}
