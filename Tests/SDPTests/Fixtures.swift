/// Inline SDP fixtures, written for these tests in the shapes real peers send.
enum Fixtures {
    /// Joins lines with CRLF and a final CRLF, as a SIP body carries them.
    static func crlf(_ lines: [String]) -> String { lines.joined(separator: "\r\n") + "\r\n" }

    /// An Asterisk/Twilio-style G.711 offer with telephone-event, ptime and maxptime.
    static let asteriskOffer = crlf([
        "v=0",
        "o=root 1821570383 1821570383 IN IP4 203.0.113.20",
        "s=Asterisk PBX 18.10.0",
        "c=IN IP4 203.0.113.20",
        "t=0 0",
        "m=audio 14566 RTP/AVP 0 8 101",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16",
        "a=ptime:20",
        "a=maxptime:150",
        "a=sendrecv",
    ])

    /// A WebRTC-style offer: BUNDLE, ICE with candidates, DTLS fingerprint, rtcp-mux, SAVPF, Opus, video.
    static let webRTCOffer = crlf([
        "v=0",
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "a=extmap-allow-mixed",
        "a=msid-semantic: WMS stream1",
        "m=audio 54400 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
        "c=IN IP4 198.51.100.7",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=candidate:842163049 1 udp 1677729535 198.51.100.7 54400 typ srflx raddr 192.168.1.20 rport 54400 generation 0 network-cost 999",
        "a=candidate:3442447574 1 udp 2122260223 192.168.1.20 54400 typ host generation 0 network-id 1",
        "a=candidate:1 1 tcp 1518280447 192.168.1.20 9 typ host tcptype active",
        "a=end-of-candidates",
        "a=ice-ufrag:EsAw",
        "a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y",
        "a=ice-options:trickle renomination",
        "a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F",
        "a=setup:actpass",
        "a=mid:0",
        "a=sendrecv",
        "a=msid:stream1 track1",
        "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2",
        "a=rtcp-fb:111 transport-cc",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "a=rtpmap:63 red/48000/2",
        "a=fmtp:63 111/111",
        "a=rtpmap:9 G722/8000",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:13 CN/8000",
        "a=rtpmap:110 telephone-event/48000",
        "a=rtpmap:126 telephone-event/8000",
        "a=ssrc:3735928559 cname:4TOk42mSjXCkVIa6",
        "a=ssrc:3735928559 msid:stream1 track1",
        "m=video 54400 UDP/TLS/RTP/SAVPF 96 97",
        "c=IN IP4 198.51.100.7",
        "a=mid:1",
        "a=rtcp-mux",
        "a=rtpmap:96 VP8/90000",
        "a=rtpmap:97 rtx/90000",
        "a=fmtp:97 apt=96",
        "a=recvonly",
    ])

    /// An SDES-SRTP offer (RFC 4568) with two crypto lines.
    static let srtpOffer = crlf([
        "v=0",
        "o=alice 2890844526 2890844526 IN IP4 192.0.2.5",
        "s=SRTP call",
        "c=IN IP4 192.0.2.5",
        "t=0 0",
        "m=audio 49170 RTP/SAVP 0 101",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-15",
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32",
        "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32 KDR=1 UNENCRYPTED_SRTCP",
    ])

    /// A T.38 re-INVITE offer: image/udptl with T.38 attributes.
    static let t38Offer = crlf([
        "v=0",
        "o=- 12345 12346 IN IP4 10.1.2.3",
        "s=-",
        "c=IN IP4 10.1.2.3",
        "t=0 0",
        "m=image 4002 udptl t38",
        "a=T38FaxVersion:0",
        "a=T38MaxBitRate:14400",
        "a=T38FaxRateManagement:transferredTCF",
        "a=T38FaxMaxBuffer:262",
        "a=T38FaxMaxDatagram:176",
        "a=T38FaxUdpEC:t38UDPRedundancy",
    ])

    /// An answer to ``asteriskOffer`` choosing PCMA with telephone-event.
    static let pcmaAnswer = crlf([
        "v=0",
        "o=- 99 1 IN IP4 198.51.100.9",
        "s=-",
        "c=IN IP4 198.51.100.9",
        "t=0 0",
        "m=audio 30000 RTP/AVP 8 101",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16",
        "a=ptime:20",
        "a=sendrecv",
    ])

    /// Builds a one-stream audio answer quickly.
    static func audioAnswer(
        formats: String, maps: [String] = [], extra: [String] = [], port: Int = 30000, address: String = "198.51.100.9"
    ) -> String {
        crlf(["v=0", "o=- 99 1 IN IP\(address.contains(":") ? 6 : 4) \(address)", "s=-",
              "c=IN IP\(address.contains(":") ? 6 : 4) \(address)", "t=0 0", "m=audio \(port) RTP/AVP \(formats)"]
            + maps.map { "a=rtpmap:\($0)" } + extra)
    }
}
