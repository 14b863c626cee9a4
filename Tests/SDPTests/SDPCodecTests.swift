import SDP
import Testing

@Suite("Codecs and static payload types")
struct SDPCodecTests {
    // RFC 3551 §6 tables 4 and 5.
    @Test(arguments: [
        (0, "PCMU", 8000, 1), (3, "GSM", 8000, 1), (4, "G723", 8000, 1), (5, "DVI4", 8000, 1), (6, "DVI4", 16000, 1),
        (7, "LPC", 8000, 1), (8, "PCMA", 8000, 1), (9, "G722", 8000, 1), (10, "L16", 44100, 2), (11, "L16", 44100, 1),
        (12, "QCELP", 8000, 1), (13, "CN", 8000, 1), (14, "MPA", 90000, 1), (15, "G728", 8000, 1),
        (16, "DVI4", 11025, 1), (17, "DVI4", 22050, 1), (18, "G729", 8000, 1), (25, "CelB", 90000, 1),
        (26, "JPEG", 90000, 1), (28, "nv", 90000, 1), (31, "H261", 90000, 1), (32, "MPV", 90000, 1),
        (33, "MP2T", 90000, 1), (34, "H263", 90000, 1),
    ])
    func staticPayloadTypeTable(payloadType: Int, name: String, clockRate: Int, channels: Int) throws {
        let codec = try #require(SDPCodec.staticPayloadType(payloadType))
        #expect(codec.encodingName == name)
        #expect(codec.clockRate == clockRate)
        #expect(codec.channels == channels)
    }

    @Test(arguments: [1, 2, 19, 20, 24, 27, 29, 30, 35, 95, 96, 101, 127, -1, 128])
    func unassignedReservedAndDynamicHaveNoStaticCodec(payloadType: Int) {
        #expect(SDPCodec.staticPayloadType(payloadType) == nil)
    }

    @Test func g722ClockRateIs8000() {
        // RFC 3551 §4.5.2: the RTP clock rate of G.722 is 8000 Hz although it samples at 16 kHz.
        #expect(SDPCodec.g722.clockRate == 8000)
        #expect(SDPCodec.g722.name == "G722/8000")
    }

    @Test func matchingIgnoresPayloadTypeAndCase() {
        let dynamic = SDPCodec(payloadType: 96, encodingName: "telephone-EVENT", clockRate: 8000)
        #expect(dynamic.matches(.telephoneEvent(101)))
        #expect(!dynamic.matches(SDPCodec(payloadType: 101, encodingName: "telephone-event", clockRate: 48000)))
        #expect(!SDPCodec(payloadType: 10, encodingName: "L16", clockRate: 44100, channels: 2)
            .matches(SDPCodec(payloadType: 11, encodingName: "L16", clockRate: 44100)))
    }

    @Test func predicates() {
        #expect(SDPCodec.telephoneEvent(101).isTelephoneEvent)
        #expect(SDPCodec.telephoneEvent(101).formatParameters == "0-16")
        #expect(SDPCodec.comfortNoise.isComfortNoise)
        #expect(SDPCodec(payloadType: 63, encodingName: "red", clockRate: 48000, channels: 2).isRedundancyOrFEC)
        #expect(SDPCodec(payloadType: 120, encodingName: "ulpfec", clockRate: 90000).isRedundancyOrFEC)
        #expect(SDPCodec.pcmu.isMediaCodec)
        #expect(!SDPCodec.comfortNoise.isMediaCodec)
        #expect(!SDPCodec.telephoneEvent(101).isMediaCodec)
    }

    @Test func rtpmapOverridesStaticTableAndFmtpIsAttached() throws {
        let sdp = try SessionDescription.parse(Fixtures.crlf([
            "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
            "m=audio 4000 RTP/AVP 18 3 96 97", "a=rtpmap:96 AMR/8000", "a=fmtp:18 annexb=no", "a=fmtp:96 octet-align=1; mode-set=0,2",
        ]))
        let codecs = sdp.media[0].codecs
        // PT 97 has no rtpmap and is dynamic: it cannot be named, so it is left out.
        #expect(codecs.map(\.description) == ["G729/8000 (PT 18)", "GSM/8000 (PT 3)", "AMR/8000 (PT 96)"])
        #expect(codecs[0].formatParameters == "annexb=no")
        let fmtp = try #require(sdp.media[0].formatParameters(for: "18"))
        #expect(fmtp.dictionary == ["annexb": "no"])
        let amr = try #require(sdp.media[0].formatParameters(for: "96"))
        #expect(amr.parameterList.map(\.key) == ["octet-align", "mode-set"])
        #expect(amr.dictionary["mode-set"] == "0,2")
        #expect(amr.eventRanges == nil)
    }

    @Test func typedAttributeRoundTrips() throws {
        for text in ["0 PCMU/8000", "111 opus/48000/2"] {
            #expect(SDPRTPMap(text)?.description == text)
        }
        #expect(SDPRTPMap("abc PCMU/8000") == nil)
        #expect(SDPRTPMap("200 PCMU/8000") == nil)
        #expect(SDPRTPMap("0 PCMU") == nil)
        #expect(SDPRTCPAttribute("53020")?.port == 53020)
        #expect(SDPRTCPAttribute("53020 IN IP6 2001:db8::2")?.address == "2001:db8::2")
        #expect(SDPRTCPAttribute("x") == nil)
        let candidate = "1 2 UDP 2130706431 10.0.1.1 8999 typ host"
        #expect(ICECandidate(candidate)?.description == candidate)
        #expect(ICECandidate("1 2 UDP 2130706431 10.0.1.1 8999 host") == nil)
        #expect(ICECandidate("1 2 UDP 2130706431 10.0.1.1 8999 typ host raddr") == nil)
        #expect(SDPFormatParameters("101 0-15,16")?.eventRanges == [0...15, 16...16])
        #expect(SDPCrypto("1 AES_CM_128_HMAC_SHA1_80") == nil)
        #expect(SDPSSRCAttribute("99999999999 cname:x") == nil)
    }

    /// rtpmap values read by the byte-level fast path and by the general parser give the same result.
    @Test func rtpMapEdgeCases() {
        #expect(SDPRTPMap("  8\tPCMA/8000 ") == SDPRTPMap(payloadType: 8, encodingName: "PCMA", clockRate: 8000))
        #expect(SDPRTPMap("0101 telephone-event/8000") == SDPRTPMap(payloadType: 101, encodingName: "telephone-event", clockRate: 8000))
        #expect(SDPRTPMap("96 L16/44100/2") == SDPRTPMap(payloadType: 96, encodingName: "L16", clockRate: 44100, channels: 2))
        #expect(SDPRTPMap("96 Ünicode/8000")?.encodingName == "Ünicode")
        #expect(SDPRTPMap("96 PCMU /8000") == nil)
        #expect(SDPRTPMap("96 PCMU/8000/") == nil)
        #expect(SDPRTPMap("96 PCMU/8000/1/2") == nil)
        #expect(SDPRTPMap("96 /8000") == nil)
        #expect(SDPRTPMap("96 PCMU/8000 x") == nil)
        #expect(SDPRTPMap("1000 PCMU/8000") == nil)
        #expect(SDPRTPMap("96 PCMU/1234567890123456789") == nil)
    }

    /// Attribute names are matched ASCII case-insensitively, and by Unicode lowercasing beyond ASCII.
    @Test func attributeNamesIgnoreCase() throws {
        let sdp = try SessionDescription.parse(Fixtures.crlf([
            "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
            "m=audio 4000 RTP/AVP 0 8", "a=RTPMAP:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmapx:8 G722/8000", "a=PTIME:20",
        ]))
        #expect(sdp.media[0].attributes(named: "rtpmap").count == 2)
        #expect(sdp.media[0].attributes(named: "RtpMap").count == 2)
        #expect(sdp.media[0].ptime == 20)
        let container = sdp.media[0]
        var kelvin = container
        // U+212A KELVIN SIGN lowercases to ASCII "k", as String.lowercased() says.
        kelvin.attributes = [SDPAttribute(name: "\u{212A}ey", value: "1")]
        #expect(kelvin.attribute(named: "KEY")?.value == "1")
        #expect(kelvin.attribute(named: "ke") == nil)
    }
}
