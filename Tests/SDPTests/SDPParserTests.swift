import SDP
import Testing

@Suite("Parsing real-world SDP")
struct SDPParserTests {
    @Test(arguments: [
        ("RTP/AVP", true), ("rtp/avp", true), ("RTP/SAVPF", true), ("UDP/TLS/RTP/SAVPF", true), ("TCP/RTP/AVP", true),
        ("udptl", false), ("TCP/MRCPv2", false), ("RTPX/AVP", false), ("RT/AVP", false), ("UDP/RTP", true),
        ("", false), ("/", false), ("RTP", true), ("AVP/RTPP", false), ("XRTP/AVP", false),
    ])
    func protocolIsRTP(proto: String, expected: Bool) {
        #expect(MediaDescription(mediaType: .audio, port: 4000, proto: proto, formats: ["0"]).isRTP == expected, "\(proto)")
    }

    @Test func asteriskOfferWithTelephoneEvent() throws {
        let result = try SessionDescription.parseWithWarnings(Fixtures.asteriskOffer)
        let sdp = result.sessionDescription
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        #expect(sdp.origin == SDPOrigin(username: "root", sessionID: "1821570383", sessionVersion: "1821570383",
                                        addressType: "IP4", address: "203.0.113.20"))
        #expect(sdp.sessionName == "Asterisk PBX 18.10.0")
        #expect(sdp.connection?.address == "203.0.113.20")
        #expect(sdp.timings == [SDPTiming(start: "0", stop: "0")])
        #expect(sdp.media.count == 1)
        let audio = sdp.media[0]
        #expect(audio.mediaType == .audio)
        #expect(audio.port == 14566)
        #expect(audio.proto == "RTP/AVP")
        #expect(audio.formats == ["0", "8", "101"])
        #expect(audio.ptime == 20)
        #expect(audio.maxptime == 150)
        #expect(audio.direction == .sendrecv)
        #expect(audio.codecs.map(\.name) == ["PCMU/8000", "PCMA/8000", "telephone-event/8000"])
        #expect(audio.mediaCodecs.map(\.encodingName) == ["PCMU", "PCMA"])
        let event = try #require(audio.telephoneEvents.first)
        #expect(event.payloadType == 101)
        #expect(event.formatParameters == "0-16")
        let fmtp = try #require(audio.formatParameters(for: "101"))
        #expect(fmtp.eventRanges == [0...16])
    }

    @Test func webRTCOfferWithICEAndDTLS() throws {
        let result = try SessionDescription.parseWithWarnings(Fixtures.webRTCOffer)
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        let sdp = result.sessionDescription
        #expect(sdp.attributeValue("group") == "BUNDLE 0 1")
        #expect(sdp.media.map(\.mediaType) == [.audio, .video])
        let audio = sdp.media[0]
        #expect(audio.proto == "UDP/TLS/RTP/SAVPF")
        #expect(audio.isRTP && audio.isSecureRTP)
        #expect(audio.isRTCPMultiplexed)
        #expect(audio.rtcp == SDPRTCPAttribute(port: 9, networkType: "IN", addressType: "IP4", address: "0.0.0.0"))
        #expect(audio.iceUfrag == "EsAw")
        #expect(audio.icePwd == "bP+XJMM09aR8AiX1jdukzR6Y")
        #expect(audio.iceOptions == ["trickle", "renomination"])
        #expect(audio.hasEndOfCandidates)
        #expect(audio.setup == .actpass)
        #expect(audio.mid == "0")
        #expect(audio.fingerprints.first?.hashFunction == "sha-256")
        #expect(audio.fingerprints.first?.fingerprint.hasPrefix("D2:FA:0E") == true)
        let candidates = audio.candidates
        #expect(candidates.count == 3)
        let srflx = candidates[0]
        #expect(srflx.foundation == "842163049")
        #expect(srflx.component == 1)
        #expect(srflx.transport == "udp")
        #expect(srflx.priority == 1_677_729_535)
        #expect(srflx.address == "198.51.100.7")
        #expect(srflx.port == 54400)
        #expect(srflx.type == "srflx")
        #expect(srflx.relatedAddress == "192.168.1.20")
        #expect(srflx.relatedPort == 54400)
        #expect(srflx.extensions == [.init(name: "generation", value: "0"), .init(name: "network-cost", value: "999")])
        #expect(candidates[1].addressClass == .private)
        #expect(candidates[2].extensions.first?.value == "active")
        #expect(audio.ssrcs.map(\.ssrc) == [3_735_928_559, 3_735_928_559])
        #expect(audio.ssrcs.first?.attribute == "cname")
        #expect(audio.ssrcs.first?.value == "4TOk42mSjXCkVIa6")
        // opus is 2 channels; red is FEC-like; CN and telephone-event are not media codecs.
        #expect(audio.codecs.first == SDPCodec(payloadType: 111, encodingName: "opus", clockRate: 48000, channels: 2,
                                               formatParameters: "minptime=10;useinbandfec=1"))
        #expect(audio.mediaCodecs.map(\.encodingName) == ["opus", "G722", "PCMU", "PCMA"])
        #expect(audio.codecs.filter(\.isRedundancyOrFEC).map(\.encodingName) == ["red"])
        #expect(audio.codecs.filter(\.isComfortNoise).count == 1)
        #expect(audio.telephoneEvents.map(\.clockRate) == [48000, 8000])
        #expect(audio.formatParameters(for: "111")?.dictionary == ["minptime": "10", "useinbandfec": "1"])
        let video = sdp.media[1]
        #expect(video.direction == .recvonly)
        #expect(sdp.effectiveDirection(of: video) == .recvonly)
        #expect(video.mediaCodecs.map(\.encodingName) == ["VP8"])
    }

    @Test func srtpOfferWithCrypto() throws {
        let sdp = try SessionDescription.parse(Fixtures.srtpOffer)
        let audio = sdp.media[0]
        #expect(audio.isSecureRTP)
        let cryptos = audio.cryptos
        #expect(cryptos.count == 2)
        #expect(cryptos[0].tag == 1)
        #expect(cryptos[0].suite == "AES_CM_128_HMAC_SHA1_80")
        let key = try #require(cryptos[0].keyParameters.first)
        #expect(key.method == "inline")
        #expect(key.keySalt == "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR")
        #expect(key.lifetime == "2^20")
        #expect(key.lifetimePackets == 1_048_576)
        #expect(key.mki == "1:32")
        #expect(cryptos[0].sessionParameters.isEmpty)
        #expect(cryptos[1].sessionParameters == ["KDR=1", "UNENCRYPTED_SRTCP"])
        #expect(cryptos[1].description == "2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32 KDR=1 UNENCRYPTED_SRTCP")
        // PT 0 has no rtpmap: resolved from the RFC 3551 static table.
        #expect(audio.codecs.map(\.name) == ["PCMU/8000", "telephone-event/8000"])
        #expect(audio.formatParameters(for: "101")?.eventRanges == [0...15])
    }

    @Test func t38ImageUDPTLOffer() throws {
        let result = try SessionDescription.parseWithWarnings(Fixtures.t38Offer)
        #expect(result.warnings.isEmpty)
        let image = result.sessionDescription.media[0]
        #expect(image.mediaType == .image)
        #expect(image.proto == "udptl")
        #expect(image.formats == ["t38"])
        #expect(!image.isRTP)
        #expect(image.codecs.isEmpty)
        #expect(image.attributeValue("T38MaxBitRate") == "14400")
        #expect(image.attributeValue("t38faxudpec") == "t38UDPRedundancy")
        #expect(result.sessionDescription.connectionAddresses().map(\.addressClass) == [.private])
    }

    @Test func acceptsLFOnlyLineEndingsAndBytes() throws {
        let lf = Fixtures.asteriskOffer.replacing("\r\n", with: "\n")
        let fromLF = try SessionDescription.parse(lf)
        let fromBytes = try SessionDescription.parse(Array(Fixtures.asteriskOffer.utf8))
        #expect(fromLF == fromBytes)
        #expect(fromLF.media[0].codecs.count == 3)
    }

    @Test func ipv6ConnectionLines() throws {
        let text = Fixtures.crlf([
            "v=0", "o=- 1 1 IN IP6 2001:db8::1", "s=-", "c=IN IP6 2001:db8::1", "t=0 0",
            "m=audio 5004 RTP/AVP 0", "c=IN IP6 ff15::101/3",
        ])
        let sdp = try SessionDescription.parse(text)
        #expect(sdp.connection == SDPConnection(networkType: "IN", addressType: "IP6", address: "2001:db8::1"))
        #expect(sdp.media[0].connection == SDPConnection(addressType: "IP6", address: "ff15::101", addressCount: 3))
        let addresses = sdp.connectionAddresses()
        #expect(addresses.map(\.level) == [.session, .media(0)])
        #expect(addresses.map(\.addressClass) == [.documentation, .multicast])
        #expect(sdp.effectiveConnections(of: sdp.media[0]).map(\.address) == ["ff15::101"])
    }

    @Test func ipv4MulticastTTLAndCount() throws {
        let sdp = try SessionDescription.parse(Fixtures.crlf([
            "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 224.2.36.42/127/3", "t=0 0", "m=audio 5004 RTP/AVP 0",
        ]))
        #expect(sdp.connection == SDPConnection(address: "224.2.36.42", ttl: 127, addressCount: 3))
        #expect(sdp.connection?.value == "IN IP4 224.2.36.42/127/3")
    }
}

@Suite("Direction")
struct SDPDirectionTests {
    static func sdp(session: String?, media: String?) throws -> SessionDescription {
        var lines = ["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0"]
        if let session { lines.append("a=\(session)") }
        lines.append("m=audio 4000 RTP/AVP 0")
        if let media { lines.append("a=\(media)") }
        return try SessionDescription.parse(Fixtures.crlf(lines))
    }

    @Test(arguments: [
        (nil, nil, SDPDirection.sendrecv),
        ("sendonly", nil, .sendonly),
        (nil, "recvonly", .recvonly),
        ("sendonly", "inactive", .inactive),
        ("inactive", "sendrecv", .sendrecv),
    ] as [(String?, String?, SDPDirection)])
    func mediaLevelOverridesSessionLevel(session: String?, media: String?, expected: SDPDirection) throws {
        let sdp = try Self.sdp(session: session, media: media)
        #expect(sdp.effectiveDirection(of: sdp.media[0]) == expected)
    }

    @Test func reversedAndAllowedAnswers() {
        #expect(SDPDirection.sendonly.reversed == .recvonly)
        #expect(SDPDirection.inactive.reversed == .inactive)
        #expect(SDPDirection.sendonly.allowsAnswer(.recvonly))
        #expect(SDPDirection.sendonly.allowsAnswer(.inactive))
        #expect(!SDPDirection.sendonly.allowsAnswer(.sendrecv))
        #expect(!SDPDirection.recvonly.allowsAnswer(.recvonly))
        #expect(!SDPDirection.inactive.allowsAnswer(.sendonly))
        #expect(SDPDirection.allCases.allSatisfy { SDPDirection.sendrecv.allowsAnswer($0) })
    }
}
