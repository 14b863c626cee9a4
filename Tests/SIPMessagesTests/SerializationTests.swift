import SIPMessages
import Testing

@Suite("Serialization and bodies")
struct SerializationTests {
    @Test(arguments: [SIPSamples.invite, SIPSamples.ok200])
    func samplesRoundTripByteExact(_ bytes: [UInt8]) throws {
        let message = try SIPDatagramParser.parse(bytes).message
        #expect(message.serialized() == bytes)
        #expect(try SIPDatagramParser.parse(message.serialized()).message == message)
        #expect(message.validate().isEmpty, "\(message.validate())")
    }

    @Test func canonicalForm() throws {
        let text = "OPTIONS sip:a@example.com SIP/2.0\nv:SIP/2.0/UDP h;branch=z9hG4bK1\nTO :  <sip:a@example.com>\nf: <sip:b@example.com>;tag=1\ni: abc\nCSEQ: 1 OPTIONS\nmax-forwards: 70\nX-Custom:\n  folded\n   value\nl: 0\n\n"
        let message = try SIPDatagramParser.parse(Array(text.utf8)).message
        let expected = "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@example.com>\r\nFrom: <sip:b@example.com>;tag=1\r\nCall-ID: abc\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nX-Custom: folded value\r\nContent-Length: 0\r\n\r\n"
        #expect(String(decoding: message.serialized(), as: UTF8.self) == expected)
        #expect(message.description == expected)
        let again = try SIPDatagramParser.parse(message.serialized()).message
        #expect(again == message)
        #expect(again.headers[0].name == "Via")
    }

    @Test func normalizingRecomputesContentLength() throws {
        var request = SIPRequest(method: .message, requestURI: try SIPURI.parse("sip:bob@example.com"))
        request.headers.append(.via, "SIP/2.0/UDP h;branch=z9hG4bK1")
        request.headers.append(.contentLength, "999")
        request.headers.append(.contentType, "text/plain")
        request.body = Array("hello".utf8)
        let bytes = request.serialized(normalizing: true)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("Content-Length: 5\r\n"))
        #expect(!text.contains("999"))
        let parsed = try SIPDatagramParser.parse(bytes)
        #expect(parsed.message.body == Array("hello".utf8))
        #expect(parsed.trailingByteCount == 0)
        // Without a Content-Length field, normalizing appends one.
        let response = SIPResponse(statusCode: 486, reasonPhrase: "Busy Here")
        #expect(String(decoding: response.serialized(normalizing: true), as: UTF8.self) == "SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func datagramFraming() throws {
        let noLength = try SIPDatagramParser.parse(Array("MESSAGE sip:a@b SIP/2.0\r\nContent-Type: text/plain\r\n\r\nrest of datagram".utf8))
        #expect(noLength.message.body == Array("rest of datagram".utf8))
        #expect(noLength.message.contentLength == nil)
        let extra = try SIPDatagramParser.parse(Array("MESSAGE sip:a@b SIP/2.0\r\nl: 4\r\n\r\nrest of datagram".utf8))
        #expect(extra.message.body == Array("rest".utf8))
        #expect(extra.trailingByteCount == 12)
        let raw = try SIPSamples.ok200.withUnsafeBytes { (buffer) throws(SIPParseError) in try SIPDatagramParser.parse(buffer) }
        #expect(raw.message.response?.reasonPhrase == "OK")
    }

    static let multipart = Array(
        ("INVITE sip:bob@example.com SIP/2.0\r\nContent-Type: multipart/mixed;boundary=\"b1\"\r\n\r\n"
            + "preamble\r\n--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\no=a 1 1 IN IP4 192.0.2.1\r\n"
            + "\r\n--b1\r\nContent-Type: application/octet-stream\r\n\r\n").utf8
    ) + [0x00, 0xFF, 0x0A, 0x2D, 0x2D, 0x62, 0x32, 0x0D, 0x00]
        + Array(
            ("\r\n--b1\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\nContent-Type: text/plain\r\n\r\nhi\r\n--inner\r\n"
                + "Content-Type: Application/SDP\r\n\r\nv=0\r\n--inner--\r\n--b1--\r\nepilogue").utf8
        )

    @Test func sdpBodiesFromMultipart() throws {
        let message = try SIPDatagramParser.parse(Self.multipart).message
        let parts = try #require(message.bodyParts())
        #expect(parts.count == 3)
        #expect(parts[1].body == [0x00, 0xFF, 0x0A, 0x2D, 0x2D, 0x62, 0x32, 0x0D, 0x00])
        let sdp = message.sdpBodies()
        #expect(sdp == [Array("v=0\r\no=a 1 1 IN IP4 192.0.2.1\r\n".utf8), Array("v=0".utf8)])
    }

    @Test func sdpBodyOfPlainMessage() throws {
        let message = try SIPDatagramParser.parse(SIPSamples.invite).message
        #expect(message.sdpBodies() == [message.body])
        #expect(message.contentType == .sdp)
        let ok = try SIPDatagramParser.parse(SIPSamples.ok200).message
        #expect(ok.to?.tag == "a6c85cf")
        #expect(ok.toTag == "a6c85cf")
        #expect(ok.fromTag == "1928301774")
        #expect(message.toTag == nil)
        #expect(ok.topVia?.rport == .value(5060))
        #expect(ok.callID == "a84b4c76e66710@pc33.atlanta.example.com")
        #expect(ok.cseq == SIPCSeq(number: 314159, method: .invite))
    }
}

@Suite("Validation")
struct ValidationTests {
    static func issues(_ text: String) throws -> [SIPValidationIssue] {
        try SIPDatagramParser.parse(Array(text.utf8)).message.validate()
    }

    static let good = "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@example.com>\r\nFrom: <sip:b@example.com>;tag=1\r\nCall-ID: abc\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"

    @Test func goodMessageHasNoIssues() throws {
        #expect(try Self.issues(Self.good).isEmpty)
    }

    @Test func maxForwardsZeroIsAWarning() throws {
        let issues = try Self.issues(Self.good.replacing("Max-Forwards: 70", with: "Max-Forwards: 0"))
        #expect(issues.map(\.code) == ["max-forwards-zero"])
        #expect(issues.first?.severity == .warning)
        #expect(issues.first?.line == 7)
    }

    @Test(arguments: [
        ("Max-Forwards: 70", "Max-Forwards: 256", "overlarge-value"),
        ("CSeq: 1 OPTIONS", "CSeq: 2147483648 OPTIONS", "overlarge-value"),
        ("CSeq: 1 OPTIONS", "CSeq: 1 INVITE", "cseq-method-mismatch"),
        ("SIP/2.0\r\nVia", "SIP/3.0\r\nVia", "unsupported-version"),
        ("OPTIONS sip:a@example.com", "OPTIONS im:a@example.com", "unsupported-uri-scheme"),
        ("Call-ID: abc\r\n", "", "missing-header"),
        ("Call-ID: abc\r\n", "Call-ID: abc\r\ni: def\r\n", "duplicate-header"),
        ("Content-Length: 0\r\n", "Content-Length: 0\r\nExpires: 4294967296\r\n", "overlarge-value"),
        ("Content-Length: 0\r\n", "Content-Length: 0\r\nDate: Fri, 01 Jan 2010 16:00:00 EST\r\n", "malformed-date"),
    ])
    func rejects(_ find: String, _ replace: String, _ code: String) throws {
        let issues = try Self.issues(Self.good.replacing(find, with: replace))
        #expect(issues.contains { $0.code == code && $0.severity == .reject && !$0.reason.isEmpty }, "\(issues)")
    }

    @Test func responseStatusRange() throws {
        let response = SIPMessage.response(SIPResponse(statusCode: 700, reasonPhrase: "Nope"))
        #expect(response.validate().contains { $0.code == "status-code-out-of-range" })
    }
}
