import SIPMessages
import Testing

/// Hostile or broken input: each must throw a SIPParseError with the right code and a line, and
/// never crash or hang.
@Suite("Bad input")
struct BadInputTests {
    static func parse(_ text: String) throws(SIPParseError) -> SIPMessage {
        try SIPDatagramParser.parse(Array(text.utf8)).message
    }

    static func expectError(
        _ code: SIPParseError.Code,
        line: Int? = nil,
        _ bytes: [UInt8],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try SIPDatagramParser.parse(bytes)
            Issue.record("expected \(code), but the message parsed", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            if let line { #expect(error.line == line, "\(error)", sourceLocation: sourceLocation) }
            #expect(!error.reason.isEmpty, sourceLocation: sourceLocation)
            #expect(error.excerpt.utf8.count <= 90, sourceLocation: sourceLocation)
        }
    }

    static let head = "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"

    @Test func emptyInput() {
        Self.expectError(.emptyMessage, [])
    }

    @Test func binaryJunk() {
        // A TLS ClientHello sent to a plain SIP port.
        Self.expectError(.binaryJunk, line: 1, [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03, 0x0A, 0x0D, 0x0A, 0x0D, 0x0A])
    }

    @Test func nulInStartLine() {
        Self.expectError(.binaryJunk, line: 1, Array("INVITE sip:bob@exa\u{0}mple.com SIP/2.0\r\n\r\n".utf8))
    }

    @Test func truncatedHead() {
        Self.expectError(.truncatedMessage, line: 3, Array((Self.head + "To: <sip:bob@example.com>").utf8))
        Self.expectError(.truncatedMessage, line: 1, Array("INVITE sip:bob@example.com SIP/2.0".utf8))
    }

    @Test func oneMebibyteHeaderLine() {
        let line = "X-Big: " + String(repeating: "a", count: 1 << 20) + "\r\n"
        Self.expectError(.headerTooLong, line: 3, Array((Self.head + line + "\r\n").utf8))
    }

    @Test func tenThousandHeaders() {
        let many = String(repeating: "X-A: b\r\n", count: 10_000)
        Self.expectError(.tooManyHeaders, line: 258, Array((Self.head + many + "\r\n").utf8))
    }

    @Test func contentLengthLargerThanData() {
        do {
            _ = try Self.parse(Self.head + "Content-Length: 150\r\n\r\n" + String(repeating: "x", count: 120))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .contentLengthExceedsData)
            #expect(error.reason.contains("150 bytes but only 120 follow"))
            #expect(error.line == 4)
        }
    }

    @Test(arguments: ["-1", "abc", "99999999999999999999999", "1 2", ""])
    func badContentLength(_ value: String) {
        Self.expectError(.invalidContentLength, line: 3, Array((Self.head + "Content-Length: \(value)\r\n\r\n").utf8))
    }

    @Test(arguments: ["-1 INVITE", "abc INVITE", "36893488147419103232 INVITE", "1", "1 IN VITE"])
    func badCSeq(_ value: String) {
        Self.expectError(.invalidCSeq, line: 3, Array((Self.head + "CSeq: \(value)\r\n\r\n").utf8))
    }

    @Test(arguments: ["-1", "seventy", "99999999999999999999"])
    func badMaxForwards(_ value: String) {
        Self.expectError(.invalidMaxForwards, line: 3, Array((Self.head + "Max-Forwards: \(value)\r\n\r\n").utf8))
    }

    @Test(arguments: ["SIP/2.0 4294967301 Big", "SIP/2.0 -20 Minus", "SIP/2.0 2000 OK", "SIP/2.0 20 OK", "SIP/2.0 abc OK", "SIP/2.0"])
    func badStatusCode(_ line: String) {
        Self.expectError(.invalidStatusCode, line: 1, Array((line + "\r\nVia: SIP/2.0/UDP h\r\n\r\n").utf8))
    }

    @Test func otherProtocol() {
        Self.expectError(.unsupportedVersion, line: 1, Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        Self.expectError(.unsupportedVersion, line: 1, Array("HTTP/1.1 200 OK\r\n\r\n".utf8))
    }

    @Test func headerWithoutColonAndOrphanContinuation() {
        Self.expectError(.malformedHeader, line: 3, Array((Self.head + "Foobar roobar\r\n\r\n").utf8))
        Self.expectError(.malformedHeader, line: 2, Array("OPTIONS sip:a@b SIP/2.0\r\n  folded\r\n\r\n".utf8))
    }

    @Test func errorsCompareByCodeOnly() {
        let one = SIPParseError(.malformedHeader, line: 3, offset: 10, excerpt: "a", reason: "x")
        let two = SIPParseError(.malformedHeader, line: 9, offset: 99, excerpt: "b", reason: "y")
        #expect(one == two)
        #expect(one.hashValue == two.hashValue)
        #expect(one != SIPParseError(.malformedURI))
        #expect(one.description.contains("line 3"))
    }

    @Test func excerptEscapesNonPrintables() {
        do {
            _ = try SIPDatagramParser.parse([0x49, 0x00, 0xFF, 0x0D, 0x0A, 0x0D, 0x0A])
            Issue.record("expected an error")
        } catch {
            #expect(error.excerpt == "I\\0\\xFF")
        }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SplitMix64(seed: 42)
        var base = SIPSamples.invite
        for round in 0..<2000 {
            var bytes = base
            for _ in 0..<(1 + round % 8) {
                let position = Int(generator.next() % UInt64(bytes.count))
                bytes[position] = UInt8(truncatingIfNeeded: generator.next())
            }
            if let result = try? SIPDatagramParser.parse(bytes) {
                _ = result.message.validate()
                _ = result.message.serialized(normalizing: true)
                _ = result.message.sdpBodies()
            }
            var stream = SIPStreamParser()
            stream.append(bytes)
            _ = try? stream.nextMessage()
            if round % 100 == 0 { base = SIPSamples.ok200 }
        }
    }
}

/// A small deterministic generator for the mutation test.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
