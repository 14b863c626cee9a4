/// Two realistic messages for benchmarks, demos and tests: an INVITE with an SDP offer (about 900
/// bytes, 12 header fields) and the 200 OK answering it. Addresses are from the documentation ranges
/// (RFC 5737), names from example.com (RFC 2606).
public enum SIPSamples {
    /// An INVITE with SDP: Via, Max-Forwards, From, To, Call-ID, CSeq, Contact, Allow, Supported,
    /// User-Agent, Content-Type, Content-Length.
    public static let invite: [UInt8] = SIPSamples.make(
        head: [
            "INVITE sip:bob@biloxi.example.com SIP/2.0",
            "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport",
            "Max-Forwards: 70",
            "From: \"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=1928301774",
            "To: \"Bob\" <sip:bob@biloxi.example.com>",
            "Call-ID: a84b4c76e66710@pc33.atlanta.example.com",
            "CSeq: 314159 INVITE",
            "Contact: <sip:alice@192.0.2.101:5060;transport=udp>;+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\"",
            "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, PRACK, REFER, NOTIFY",
            "Supported: replaces, timer, 100rel",
            "User-Agent: siptool/0.1 (sample)",
            "Content-Type: application/sdp",
        ],
        body: [
            "v=0",
            "o=alice 2890844526 2890844526 IN IP4 192.0.2.101",
            "s=Call",
            "c=IN IP4 192.0.2.101",
            "t=0 0",
            "m=audio 49170 RTP/AVP 0 8 9 101",
            "a=rtpmap:0 PCMU/8000",
            "a=rtpmap:8 PCMA/8000",
            "a=rtpmap:9 G722/8000",
            "a=rtpmap:101 telephone-event/8000",
            "a=fmtp:101 0-16",
            "a=ptime:20",
            "a=maxptime:150",
            "a=sendrecv",
        ]
    )

    /// The 200 OK answering ``invite``, with an SDP answer and a Record-Route.
    public static let ok200: [UInt8] = SIPSamples.make(
        head: [
            "SIP/2.0 200 OK",
            "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport=5060;received=192.0.2.101",
            "Record-Route: <sip:proxy.biloxi.example.com;lr>",
            "From: \"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=1928301774",
            "To: \"Bob\" <sip:bob@biloxi.example.com>;tag=a6c85cf",
            "Call-ID: a84b4c76e66710@pc33.atlanta.example.com",
            "CSeq: 314159 INVITE",
            "Contact: <sip:bob@198.51.100.4:5060>",
            "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE",
            "Supported: replaces, timer",
            "Server: siptool/0.1 (sample)",
            "Content-Type: application/sdp",
        ],
        body: [
            "v=0",
            "o=bob 2808844564 2808844564 IN IP4 198.51.100.4",
            "s=Call",
            "c=IN IP4 198.51.100.4",
            "t=0 0",
            "m=audio 3456 RTP/AVP 0 101",
            "a=rtpmap:0 PCMU/8000",
            "a=rtpmap:101 telephone-event/8000",
            "a=fmtp:101 0-16",
            "a=ptime:20",
            "a=sendrecv",
        ]
    )

    /// Joins lines with CRLF and appends a correct Content-Length.
    private static func make(head: [String], body: [String]) -> [UInt8] {
        let bodyText = body.map { $0 + "\r\n" }.joined()
        let headText = head.map { $0 + "\r\n" }.joined() + "Content-Length: \(bodyText.utf8.count)\r\n\r\n"
        return Array((headText + bodyText).utf8)
    }
}
