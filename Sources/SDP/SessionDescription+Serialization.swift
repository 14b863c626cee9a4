extension SessionDescription: CustomStringConvertible {
    /// The canonical SDP text; see ``serialized()``.
    public var description: String { self.serialized() }

    /// Canonical SDP: CRLF line endings and the RFC 8866 §5 line order
    /// (v o s i u e p c b t r z k a, then per media m i c b k a).
    ///
    /// Lines of unknown types (``otherLines``) close their section. Parsing the result gives a
    /// value equal to `self`.
    public func serialized() -> String {
        var lines: [String] = ["v=\(self.version)"]
        if let origin = self.origin { lines.append("o=\(origin.value)") }
        if let name = self.sessionName { lines.append("s=\(name)") }
        if let information = self.information { lines.append("i=\(information)") }
        if let uri = self.uri { lines.append("u=\(uri)") }
        lines += self.emails.map { "e=\($0)" }
        lines += self.phones.map { "p=\($0)" }
        if let connection = self.connection { lines.append("c=\(connection.value)") }
        lines += self.bandwidths.map { "b=\($0.type):\($0.value)" }
        for timing in self.timings {
            lines.append("t=\(timing.start) \(timing.stop)")
            lines += timing.repeats.map { "r=\($0)" }
        }
        if let zones = self.timeZoneAdjustments { lines.append("z=\(zones)") }
        if let key = self.encryptionKey { lines.append("k=\(key)") }
        lines += self.attributes.map { "a=\($0)" }
        lines += self.otherLines.map { "\($0.type)=\($0.value)" }
        for media in self.media {
            lines.append("m=\(media.value)")
            if let information = media.information { lines.append("i=\(information)") }
            lines += media.connections.map { "c=\($0.value)" }
            lines += media.bandwidths.map { "b=\($0.type):\($0.value)" }
            if let key = media.encryptionKey { lines.append("k=\(key)") }
            lines += media.attributes.map { "a=\($0)" }
            lines += media.otherLines.map { "\($0.type)=\($0.value)" }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// ``serialized()`` as UTF-8 bytes, ready for a SIP body.
    public func serializedBytes() -> [UInt8] { Array(self.serialized().utf8) }
}
