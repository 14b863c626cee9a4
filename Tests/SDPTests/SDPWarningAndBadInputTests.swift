import SDP
import Testing

@Suite("Lint warnings")
struct SDPWarningTests {
    func warnings(_ lines: [String]) throws -> [SDPWarning] {
        try SessionDescription.parseWithWarnings(Fixtures.crlf(lines)).warnings
    }

    static let head = ["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0"]
    static let headWithConnection = ["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0"]

    @Test func missingConnectionForMediaSection() throws {
        let found = try self.warnings(Self.head + ["m=audio 4000 RTP/AVP 0", "m=audio 0 RTP/AVP 0"])
        // The rejected second stream (port 0) is not reported.
        #expect(found.map(\.code) == [.missingConnection])
        #expect(found.first?.line == 5)
        #expect(found.first?.mediaIndex == 0)
    }

    @Test func nonNumericPortIsAWarningAndReadAsZero() throws {
        let result = try SessionDescription.parseWithWarnings(Fixtures.crlf(Self.headWithConnection + ["m=audio abc RTP/AVP 0"]))
        #expect(result.warnings.map(\.code) == [.nonNumericPort])
        #expect(result.sessionDescription.media[0].port == 0)
        let tooBig = try self.warnings(Self.headWithConnection + ["m=audio 70000 RTP/AVP 0"])
        #expect(tooBig.map(\.code) == [.nonNumericPort])
    }

    @Test func rtpmapForPayloadTypeNotInMediaLine() throws {
        let found = try self.warnings(Self.headWithConnection + ["m=audio 4000 RTP/AVP 0", "a=rtpmap:101 telephone-event/8000"])
        #expect(found.map(\.code) == [.formatNotInMediaLine])
        #expect(found.first?.line == 7)
        #expect(found.first?.reason.contains("101") == true)
    }

    @Test func duplicateSingleAttributes() throws {
        let found = try self.warnings(Self.headWithConnection + [
            "m=audio 4000 RTP/AVP 0", "a=ptime:20", "a=ptime:30", "a=sendonly", "a=recvonly",
            "a=rtpmap:0 PCMU/8000", "a=rtpmap:0 PCMU/8000",
        ])
        #expect(found.map(\.code) == [.duplicateAttribute, .duplicateAttribute, .duplicateAttribute])
        #expect(found.map(\.line) == [8, 10, 12])
    }

    @Test func missingOriginSessionNameAndTiming() throws {
        let found = try self.warnings(["v=0", "c=IN IP4 192.0.2.1", "m=audio 4000 RTP/AVP 0"])
        #expect(found.map(\.code) == [.missingOrigin, .missingSessionName, .missingTiming])
        #expect(found.allSatisfy { $0.line == nil })
    }

    @Test func orderViolationsAndUnknownLinesAreKept() throws {
        let text = Fixtures.crlf(["v=0", "s=-", "o=- 1 1 IN IP4 192.0.2.1", "t=0 0", "x=custom", "c=IN IP4 192.0.2.1",
                                  "m=audio 4000 RTP/AVP 96", "a=sendrecv", "t=0 0"])
        let result = try SessionDescription.parseWithWarnings(text)
        let codes = result.warnings.map(\.code)
        #expect(codes.contains(.outOfOrder))
        #expect(codes.contains(.unknownLineType))
        #expect(codes.contains(.misplacedLine))
        #expect(codes.contains(.missingRTPMap))
        #expect(result.sessionDescription.otherLines == [SDPLine(type: "x", value: "custom")])
        #expect(result.sessionDescription.media[0].otherLines == [SDPLine(type: "t", value: "0 0")])
        #expect(result.sessionDescription.origin != nil)
    }

    @Test func staticPayloadTypeRemappedAndMalformedAttribute() throws {
        let found = try self.warnings(Self.headWithConnection + ["m=audio 4000 RTP/AVP 8", "a=rtpmap:8 G729/8000",
                                                   "a=ptime:abc"])
        #expect(found.map(\.code) == [.staticPayloadTypeRemapped, .malformedAttribute])
    }

    @Test func emptyLineInsideIsAWarningTrailingIsNot() throws {
        let found = try self.warnings(["v=0", "", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "", ""])
        #expect(found.map(\.code) == [.emptyLine])
        #expect(found.first?.line == 2)
    }
}

@Suite("Bad input never crashes")
struct SDPBadInputTests {
    func code(_ text: String, limits: SDPParserLimits = .default) -> SDPParseError.Code? {
        do {
            _ = try SessionDescription.parse(text, limits: limits)
            return nil
        } catch {
            return error.code
        }
    }

    @Test(arguments: [
        ("", SDPParseError.Code.empty),
        ("\r\n\r\n", .empty),
        ("o=- 1 1 IN IP4 192.0.2.1\r\nv=0\r\n", .missingVersion),
        ("v=1\r\n", .unsupportedVersion),
        ("v=0\r\nthis line has no equals sign\r\n", .malformedLine),
        ("v=0\r\n=value\r\n", .malformedLine),
        ("v=0\r\nab=c\r\n", .malformedLine),
        ("v=0\r\n1=c\r\n", .malformedLine),
        ("v=0\r\ns=a\u{0}b\r\n", .invalidCharacter),
        ("v=0\r\ns=a\rb\r\n", .invalidCharacter),
        ("v=0\r\no=- 1 IN IP4\r\n", .malformedOrigin),
        ("v=0\r\nc=IN IP4\r\n", .malformedConnection),
        ("v=0\r\nc=IN IP4 1.2.3.4/x\r\n", .malformedConnection),
        ("v=0\r\nc=IN IP6 ::1/1/2\r\n", .malformedConnection),
        ("v=0\r\nm=audio 4000\r\n", .malformedMediaLine),
        ("GET / HTTP/1.1\r\nHost: x\r\n", .malformedLine),
    ])
    func rejectsBrokenStructure(text: String, expected: SDPParseError.Code) {
        #expect(self.code(text) == expected)
    }

    @Test func errorCarriesLineExcerptAndReason() {
        do {
            _ = try SessionDescription.parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nbroken line\r\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .malformedLine)
            #expect(error.line == 3)
            #expect(error.excerpt == "broken line")
            #expect(!error.reason.isEmpty)
            #expect(error.description.contains("SDP line 3: malformed-line"))
        }
    }

    @Test func binaryJunkIsRejected() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<200 {
            let length = Int(generator.next() % 300)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            // Must return or throw, never trap.
            _ = try? SessionDescription.parse(bytes)
        }
        #expect(throws: SDPParseError(.malformedLine)) {
            try SessionDescription.parse([0xFF, 0xFE, 0x01, 0x3D])
        }
        #expect(throws: SDPParseError(.invalidCharacter)) {
            try SessionDescription.parse(Array("v=0\r\ns=\u{0}\u{0}\r\n".utf8))
        }
    }

    @Test func hugeLineIsRejected() {
        let line = "v=0\r\ni=" + String(repeating: "x", count: 1 << 20 - 16) + "\r\n"
        #expect(self.code(line) == .lineTooLong)
        #expect(self.code(line + "a=x\r\n" + String(repeating: "y", count: 100)) == .tooLarge)
    }

    @Test func hundredThousandLinesAreRejectedQuickly() {
        let text = "v=0\r\n" + String(repeating: "a=x\r\n", count: 100_000)
        #expect(self.code(text) == .tooManyLines)
        var generous = SDPParserLimits()
        generous.maximumLength = 1 << 22
        generous.maximumLineCount = 200_000
        #expect(self.code(text, limits: generous) == nil)
    }

    @Test func tooManyMediaSections() {
        var limits = SDPParserLimits()
        limits.maximumMediaCount = 3
        let text = "v=0\r\nc=IN IP4 192.0.2.1\r\n" + String(repeating: "m=audio 4000 RTP/AVP 0\r\n", count: 4)
        #expect(self.code(text, limits: limits) == .tooManyMediaSections)
    }

    @Test func oddButTolerableInputParses() throws {
        // Extra spaces, an attribute with an empty name, an unknown addrtype, a username with spaces.
        let text = Fixtures.crlf(["v=0", "o=John Smith 1 1 IN IP4 192.0.2.1", "s=", "c=IN X25 0000", "t=0 0",
                                  "m=audio  4000   RTP/AVP  0 ", "a=", "a=:only-value"])
        let result = try SessionDescription.parseWithWarnings(text)
        #expect(result.sessionDescription.origin?.username == "John Smith")
        #expect(result.sessionDescription.connection?.address == "0000")
        #expect(result.sessionDescription.media[0].formats == ["0"])
        #expect(result.warnings.map(\.code) == [.malformedAttribute, .malformedAttribute])
        #expect(try SessionDescription.parse(result.sessionDescription.serialized()) == result.sessionDescription)
    }
}

/// A tiny deterministic generator for junk input (SplitMix64), so failures are reproducible.
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

/// `parse` skips the checks that only produce warnings; it must still read every description (or
/// refuse it) exactly as `parseWithWarnings` does.
@Suite("Parsing without lint")
struct SDPParseWithoutLintTests {
    static let lines: [String] = [
        "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "b=AS:64", "a=sendrecv",
        "m=audio 4000 RTP/AVP 0 8 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-15", "a=ptime:20", "a=ptime:30", "a=rtcp:4001", "a=rtcp-mux", "a=sendonly",
        "m=video 0 RTP/AVP 96", "a=rtpmap:96 H264/90000", "a=rtpmap:8 G722/8000", "a=crypto:x",
        "c=IN IP6 2001:db8::1", "i=info", "k=clear:x", "z=0 0", "r=1d 1h 0", "u=http://x", "x=unknown",
        "a=", "a=candidate:bad", "m=audio abc RTP/AVP 0", "a=fingerprint:sha-256", "a=ssrc:1 cname:x",
    ]

    func same(_ text: String) -> Bool {
        let quiet = Result { () throws(SDPParseError) in try SessionDescription.parse(Array(text.utf8)) }
        let linted = Result { () throws(SDPParseError) in try SessionDescription.parseWithWarnings(Array(text.utf8)).sessionDescription }
        switch (quiet, linted) {
        case (.success(let a), .success(let b)): return a == b
        case (.failure(let a), .failure(let b)): return a.code == b.code && a.line == b.line
        default: return false
        }
    }

    @Test func fixturesReadTheSame() {
        for text in [Fixtures.asteriskOffer, Fixtures.webRTCOffer, Fixtures.srtpOffer, Fixtures.t38Offer, Fixtures.pcmaAnswer] {
            #expect(self.same(text))
        }
    }

    /// 3,000 descriptions of random lines (in and out of order, duplicated, malformed), after a v= line.
    @Test func randomDescriptionsReadTheSame() {
        var state: UInt64 = 0x5D9_11A7
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var differing: [String] = []
        for _ in 0..<3000 {
            var picked = ["v=0"]
            for _ in 0..<(1 + next(14)) { picked.append(Self.lines[next(Self.lines.count)]) }
            let text = Fixtures.crlf(picked)
            if !self.same(text) { differing.append(text) }
        }
        #expect(differing.isEmpty, "\(differing.prefix(3))")
    }
}
