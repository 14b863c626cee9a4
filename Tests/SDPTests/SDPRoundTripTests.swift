import SDP
import Testing

@Suite("Serialization and round trips")
struct SDPRoundTripTests {
    @Test(arguments: [Fixtures.asteriskOffer, Fixtures.webRTCOffer, Fixtures.srtpOffer, Fixtures.t38Offer, Fixtures.pcmaAnswer])
    func parseSerializeParseIsStable(text: String) throws {
        let first = try SessionDescription.parse(text)
        let serialized = first.serialized()
        #expect(try SessionDescription.parse(serialized) == first)
        // These fixtures are already canonical, so the text itself survives.
        #expect(serialized == text)
    }

    @Test func canonicalOrderAndCRLF() throws {
        let messy = "v=0\nt=0 0\ns=-\no=- 1 1 IN IP4 192.0.2.1\na=tool:x\nc=IN IP4 192.0.2.1\nb=AS:64\n"
            + "m=audio 4000/2 RTP/AVP 0\na=ptime:20\nb=TIAS:64000\nc=IN IP4 192.0.2.2\ni=title\nk=prompt\n"
        let sdp = try SessionDescription.parse(messy)
        #expect(sdp.serialized() == Fixtures.crlf([
            "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "b=AS:64", "t=0 0", "a=tool:x",
            "m=audio 4000/2 RTP/AVP 0", "i=title", "c=IN IP4 192.0.2.2", "b=TIAS:64000", "k=prompt", "a=ptime:20",
        ]))
        #expect(sdp.media[0].portCount == 2)
        #expect(sdp.bandwidths.first?.number == 64)
        #expect(try SessionDescription.parse(sdp.description) == sdp)
    }

    @Test func allSessionFieldsSurvive() throws {
        let text = Fixtures.crlf([
            "v=0", "o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1", "s=Call to John Smith", "i=SDP Offer #1",
            "u=http://www.jdoe.example.com/home.html", "e=Jane Doe <jane@jdoe.example.com>", "p=+1 617 555-6011",
            "c=IN IP4 198.51.100.1", "t=3724394400 3724398000", "r=7d 1h 0 25h", "t=0 0", "z=2882844526 -1h 2898848070 0",
            "k=clear:secret", "a=recvonly", "m=audio 49170 RTP/AVP 0", "m=video 51372 RTP/AVP 99",
            "c=IN IP6 2001:db8::2", "a=rtpmap:99 h263-1998/90000",
        ])
        let result = try SessionDescription.parseWithWarnings(text)
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        let sdp = result.sessionDescription
        #expect(sdp.timings == [SDPTiming(start: "3724394400", stop: "3724398000", repeats: ["7d 1h 0 25h"]), SDPTiming()])
        #expect(sdp.emails == ["Jane Doe <jane@jdoe.example.com>"])
        #expect(sdp.timeZoneAdjustments == "2882844526 -1h 2898848070 0")
        #expect(sdp.encryptionKey == "clear:secret")
        #expect(sdp.origin?.sessionVersionNumber == 3_724_394_405)
        #expect(sdp.effectiveDirection(of: sdp.media[1]) == .recvonly)
        #expect(sdp.serialized() == text)
    }

    @Test func audioOfferBuilder() throws {
        let offer = SessionDescription.audioOffer(address: "192.0.2.10", port: 40000, sessionID: 42)
        #expect(offer.serialized() == Fixtures.crlf([
            "v=0", "o=- 42 1 IN IP4 192.0.2.10", "s=-", "c=IN IP4 192.0.2.10", "t=0 0",
            "m=audio 40000 RTP/AVP 0 8 9 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:9 G722/8000",
            "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20", "a=sendrecv",
        ]))
        let result = try SessionDescription.parseWithWarnings(offer.serialized())
        #expect(result.warnings.isEmpty)
        #expect(result.sessionDescription == offer)
        #expect(offer.media[0].codecs == [.pcmu, .pcma, .g722, .telephoneEvent(101)])

        let v6 = SessionDescription.audioOffer(address: "2001:db8::10", port: 40000, codecs: [.pcmu], ptime: nil,
                                               direction: .sendonly, sessionID: 9, version: 3, username: "siptool")
        #expect(v6.origin?.value == "siptool 9 3 IN IP6 2001:db8::10")
        #expect(v6.connection?.value == "IN IP6 2001:db8::10")
        #expect(v6.media[0].ptime == nil)
        #expect(try SessionDescription.parse(v6.serialized()) == v6)
    }

    @Test func randomEditsRoundTrip() throws {
        // Build varied descriptions from the fixtures with deterministic edits, and round-trip each.
        var generator = SplitMix64(seed: 7)
        let base = try [Fixtures.asteriskOffer, Fixtures.webRTCOffer, Fixtures.t38Offer].map { try SessionDescription.parse($0) }
        for _ in 0..<50 {
            var sdp = base[Int(generator.next() % UInt64(base.count))]
            sdp.media[0].port = Int(generator.next() % 65536)
            sdp.attributes.append(SDPAttribute(name: "x-\(generator.next() % 100)", value: generator.next() % 2 == 0 ? nil : "v w"))
            if generator.next() % 2 == 0 { sdp.media[0].connections.append(SDPConnection(address: "fe80::\(generator.next() % 9)")) }
            #expect(try SessionDescription.parse(sdp.serialized()) == sdp)
        }
    }
}
