extension SessionDescription {
    /// An RFC 3264 §5 audio offer over plain RTP/AVP, the way a SIP phone writes one:
    ///
    /// ```
    /// v=0
    /// o=- 42 1 IN IP4 192.0.2.10
    /// s=-
    /// c=IN IP4 192.0.2.10
    /// t=0 0
    /// m=audio 40000 RTP/AVP 0 8 9 101
    /// a=rtpmap:0 PCMU/8000          (static types get an rtpmap too, as RFC 3264 §5.1 recommends)
    /// ...
    /// a=fmtp:101 0-16
    /// a=ptime:20
    /// a=sendrecv
    /// ```
    ///
    /// - Parameters:
    ///   - address: media address; one containing ":" is written as `IN IP6`.
    ///   - port: RTP port (RTCP is port + 1 unless an `a=rtcp` is added).
    ///   - codecs: payload formats in preference order.
    ///   - ptime: packetization time in ms, or `nil` to omit `a=ptime`.
    ///   - direction: written explicitly as an attribute.
    ///   - sessionID: `o=` session id. The caller supplies it (RFC 8866 §5.2 suggests an NTP
    ///     timestamp) because this module reads no clock and no random source.
    ///   - version: `o=` version; increase it for every new offer in the same session.
    ///   - username: `o=` username, "-" when there is none.
    public static func audioOffer(
        address: String,
        port: Int,
        codecs: [SDPCodec] = [.pcmu, .pcma, .g722, .telephoneEvent(101)],
        ptime: Int? = 20,
        direction: SDPDirection = .sendrecv,
        sessionID: UInt64,
        version: UInt64 = 1,
        username: String = "-"
    ) -> SessionDescription {
        let connection = SDPConnection(address: address)
        let origin = SDPOrigin(username: username, sessionID: String(sessionID), sessionVersion: String(version),
                               addressType: connection.addressType, address: address)
        let media = MediaDescription.audio(port: port, codecs: codecs, ptime: ptime, direction: direction)
        return SessionDescription(origin: origin, sessionName: "-", connection: connection, media: [media])
    }
}

extension MediaDescription {
    /// An `m=audio` section over RTP/AVP listing `codecs` with their rtpmap and fmtp lines, then
    /// `a=ptime` (if given) and the direction attribute.
    public static func audio(
        port: Int,
        proto: String = "RTP/AVP",
        codecs: [SDPCodec],
        ptime: Int? = 20,
        direction: SDPDirection? = .sendrecv
    ) -> MediaDescription {
        var attributes: [SDPAttribute] = []
        for codec in codecs {
            attributes.append(SDPAttribute(name: "rtpmap", value: codec.rtpMap.description))
            if let parameters = codec.formatParameters, !parameters.isEmpty {
                attributes.append(SDPAttribute(name: "fmtp", value: "\(codec.payloadType) \(parameters)"))
            }
        }
        if let ptime { attributes.append(SDPAttribute(name: "ptime", value: String(ptime))) }
        if let direction { attributes.append(SDPAttribute(name: direction.rawValue)) }
        return MediaDescription(mediaType: .audio, port: port, proto: proto,
                                formats: codecs.map { String($0.payloadType) }, attributes: attributes)
    }
}
