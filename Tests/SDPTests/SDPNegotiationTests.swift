import SDP
import Testing

@Suite("Offer/answer evaluation (RFC 3264)")
struct SDPNegotiationTests {
    let offer: SessionDescription

    init() throws {
        self.offer = try SessionDescription.parse(Fixtures.asteriskOffer)
    }

    func evaluate(_ answer: String) throws -> SDPNegotiationResult {
        SDPNegotiation.evaluate(offer: self.offer, answer: try SessionDescription.parse(answer))
    }

    @Test func cleanExchangeChoosesFirstAnswerCodec() throws {
        let result = try self.evaluate(Fixtures.pcmaAnswer)
        #expect(result.problems.isEmpty, "\(result.problems)")
        #expect(!result.hasErrors)
        #expect(result.chosenCodec?.name == "PCMA/8000")
        let stream = try #require(result.streams.first)
        #expect(stream.acceptedCodecs.map(\.encodingName) == ["PCMA", "telephone-event"])
        #expect(stream.hasTelephoneEventOnBothSides)
        #expect(stream.offerPtime == 20 && stream.answerPtime == 20 && !stream.ptimeDiffers)
        #expect(stream.isDirectionCompatible)
        #expect(result.explanation == "negotiated PCMA/8000 (PT 8) on audio stream 1 with telephone-event")
    }

    @Test func noCommonCodec() throws {
        let result = try self.evaluate(Fixtures.audioAnswer(formats: "18", maps: ["18 G729/8000"]))
        let problem = try #require(result.problems(withCode: .noCommonCodec).first)
        #expect(problem.severity == .error)
        #expect(problem.streamIndex == 0)
        #expect(problem.explanation == "audio stream 1: offer PCMU, PCMA, telephone-event; answer G729 only: no common audio codec")
        #expect(result.chosenCodec == nil)
        #expect(result.hasErrors)
        #expect(result.explanation.hasPrefix("no media negotiated\nerror: audio stream 1: offer PCMU"))
        // G.729 was not offered either.
        #expect(result.problems(withCode: .codecNotOffered).map(\.severity) == [.warning])
    }

    @Test func codecNotOffered() throws {
        let result = try self.evaluate(Fixtures.audioAnswer(formats: "0 18 13", maps: ["0 PCMU/8000", "18 G729/8000"]))
        let problems = result.problems(withCode: .codecNotOffered)
        // G729 is a media codec (warning); CN is auxiliary (info). RFC 3264 §6.1 permits both but the offerer cannot send them.
        #expect(problems.map(\.severity) == [.warning, .info])
        #expect(problems[0].explanation == "audio stream 1: answer lists G729/8000 (PT 18), which was not offered; the offerer cannot send it")
        #expect(result.chosenCodec?.name == "PCMU/8000")
    }

    @Test func noTelephoneEventInAnswer() throws {
        let result = try self.evaluate(Fixtures.audioAnswer(formats: "0"))
        let problem = try #require(result.problems(withCode: .noTelephoneEvent).first)
        #expect(problem.severity == .warning)
        #expect(problem.explanation.contains("offer has telephone-event/8000 (PT 101) but the answer has no matching telephone-event"))
        #expect(result.streams[0].hasTelephoneEventOnBothSides == false)
    }

    @Test func noTelephoneEventInOfferIsInfo() throws {
        let offer = SessionDescription.audioOffer(address: "192.0.2.1", port: 4000, codecs: [.pcmu], sessionID: 7)
        let answer = try SessionDescription.parse(Fixtures.audioAnswer(formats: "0", extra: ["a=ptime:20"]))
        let result = SDPNegotiation.evaluate(offer: offer, answer: answer)
        #expect(result.problems.map(\.code) == [.noTelephoneEvent])
        #expect(result.problems.first?.severity == .info)
        #expect(result.problems.first?.explanation == "audio stream 1: the offer has no telephone-event: RFC 4733 DTMF is not available on this call")
    }

    @Test func ptimeMismatch() throws {
        let result = try self.evaluate(Fixtures.audioAnswer(formats: "0 101", maps: ["101 telephone-event/8000"], extra: ["a=ptime:30"]))
        #expect(result.problems.map(\.code) == [.ptimeMismatch])
        #expect(result.problems[0].severity == .info)
        #expect(result.problems[0].explanation.hasPrefix("audio stream 1: offer ptime 20 ms, answer ptime 30 ms"))
        #expect(result.streams[0].ptimeDiffers)
    }

    @Test(arguments: [
        ("sendonly", "sendrecv", true), ("sendonly", "recvonly", false), ("sendonly", "inactive", false),
        ("recvonly", "recvonly", true), ("recvonly", "sendonly", false), ("inactive", "sendrecv", true),
        ("sendrecv", "sendonly", false),
    ])
    func directionMismatch(offered: String, answered: String, isProblem: Bool) throws {
        let offer = try SessionDescription.parse(Fixtures.asteriskOffer.replacing("a=sendrecv", with: "a=\(offered)"))
        let answer = try SessionDescription.parse(Fixtures.pcmaAnswer.replacing("a=sendrecv", with: "a=\(answered)"))
        let result = SDPNegotiation.evaluate(offer: offer, answer: answer)
        let problems = result.problems(withCode: .directionMismatch)
        #expect(problems.count == (isProblem ? 1 : 0))
        #expect(result.streams[0].isDirectionCompatible == !isProblem)
        if isProblem {
            #expect(problems[0].severity == .error)
            #expect(problems[0].explanation.contains("offer is \(offered), answer is \(answered): RFC 3264 §6.1 requires"))
        }
    }

    @Test func streamRejectedAndAllStreamsRejected() throws {
        let result = try self.evaluate(Fixtures.audioAnswer(formats: "0", port: 0))
        #expect(result.problems.map(\.code) == [.allStreamsRejected, .streamRejected])
        #expect(result.problems.map(\.severity) == [.error, .warning])
        #expect(result.problems[1].explanation == "audio stream 1: the answer rejected the stream (port 0); offer listed PCMU, PCMA, telephone-event")
        #expect(result.streams[0].isRejected)
    }

    @Test func mediaCountAndTypeMismatch() throws {
        var twoStreams = try SessionDescription.parse(Fixtures.pcmaAnswer)
        twoStreams.media.append(MediaDescription(mediaType: .video, port: 0, formats: ["31"]))
        let countResult = SDPNegotiation.evaluate(offer: self.offer, answer: twoStreams)
        #expect(countResult.problems.map(\.code) == [.mediaCountMismatch])
        #expect(countResult.problems[0].explanation == "offer has 1 media stream(s), answer has 2: RFC 3264 §6 requires the same number of m= lines")
        #expect(countResult.chosenCodec?.encodingName == "PCMA")

        let image = try SessionDescription.parse(Fixtures.t38Offer)
        let typeResult = SDPNegotiation.evaluate(offer: self.offer, answer: image)
        #expect(typeResult.problems.map(\.code) == [.mediaTypeMismatch])
    }

    @Test func renumberedPayloadTypeAndProtocolAndFamily() throws {
        let answer = Fixtures.audioAnswer(formats: "0 96", maps: ["96 telephone-event/8000"], extra: ["a=ptime:20"],
                                          address: "2001:db8::9")
            .replacing("RTP/AVP", with: "RTP/SAVP")
        let result = try self.evaluate(answer)
        #expect(Set(result.problems.map(\.code)) == [.payloadTypeRenumbered, .protocolMismatch, .addressFamilyMismatch])
        #expect(result.problems(withCode: .payloadTypeRenumbered).first?.explanation.contains("offered as PT 101 but answered as PT 96") == true)
        #expect(result.streams[0].hasTelephoneEventOnBothSides)
    }

    @Test func t38FormatsAreComparedAsText() throws {
        let offer = try SessionDescription.parse(Fixtures.t38Offer)
        let ok = SDPNegotiation.evaluate(offer: offer, answer: offer)
        #expect(ok.problems.isEmpty)
        #expect(ok.streams[0].commonFormats == ["t38"])
        #expect(ok.explanation == "negotiated t38 on image stream 1")
        var other = offer
        other.media[0].formats = ["t37"]
        #expect(SDPNegotiation.evaluate(offer: offer, answer: other).problems.map(\.code) == [.noCommonCodec])
    }
}

@Suite("Answer generation")
struct SDPAnswerTests {
    @Test func answersWithCommonCodecsInOfferOrder() throws {
        let offer = try SessionDescription.parse(Fixtures.asteriskOffer)
        let outcome = SDPNegotiation.answer(to: offer, supporting: [.pcma, .pcmu, .telephoneEvent(96)],
                                            address: "198.51.100.9", port: 30000, sessionID: 5)
        let answer = try #require(outcome.sessionDescription)
        let audio = answer.media[0]
        #expect(audio.port == 30000)
        // Offer order and the offer's payload numbers; our telephone-event fmtp.
        #expect(audio.formats == ["0", "8", "101"])
        #expect(audio.codecs.map(\.name) == ["PCMU/8000", "PCMA/8000", "telephone-event/8000"])
        #expect(audio.ptime == 20)
        #expect(audio.direction == .sendrecv)
        #expect(answer.connection?.addressType == "IP4")
        let verdict = SDPNegotiation.evaluate(offer: offer, answer: answer)
        #expect(verdict.problems.isEmpty, "\(verdict.problems)")
        #expect(verdict.chosenCodec == .pcmu)
    }

    @Test func rejectsWith488WhenNothingMatches() throws {
        let offer = try SessionDescription.parse(Fixtures.asteriskOffer)
        let outcome = SDPNegotiation.answer(to: offer, supporting: [.g729], address: "198.51.100.9", port: 30000)
        #expect(outcome == .reject(statusCode: 488,
                                   reason: "audio stream 1: offer PCMU, PCMA, telephone-event; we support G729 only: no common audio codec"))
        // telephone-event alone is not enough to accept a stream.
        let eventsOnly = SDPNegotiation.answer(to: offer, supporting: [.telephoneEvent(101)], address: "198.51.100.9", port: 30000)
        #expect(eventsOnly.sessionDescription == nil)
    }

    @Test func sendonlyOfferGetsRecvonlyAndOtherStreamsAreRejected() throws {
        var offer = SessionDescription.audioOffer(address: "2001:db8::1", port: 4000, direction: .sendonly, sessionID: 1)
        offer.media.append(MediaDescription(mediaType: .video, port: 5000, formats: ["96"],
                                            attributes: [SDPAttribute(name: "rtpmap", value: "96 VP8/90000")]))
        offer.media.append(try SessionDescription.parse(Fixtures.srtpOffer).media[0])
        let answer = try #require(SDPNegotiation.answer(to: offer, supporting: [.g722, .pcmu], address: "2001:db8::2", port: 6000)
            .sessionDescription)
        #expect(answer.connection?.addressType == "IP6")
        #expect(answer.media.map(\.port) == [6000, 0, 0])
        #expect(answer.media[0].codecs.map(\.encodingName) == ["PCMU", "G722"])
        #expect(answer.effectiveDirection(of: answer.media[0]) == .recvonly)
        #expect(answer.media[1].formats == ["96"])
        let verdict = SDPNegotiation.evaluate(offer: offer, answer: answer)
        #expect(Set(verdict.problems.map(\.code)) == [.noTelephoneEvent, .streamRejected])
        #expect(!verdict.hasErrors)
    }
}
