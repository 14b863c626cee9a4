import SIPAuth
import Testing

/// Hostile and broken input gives an error with a useful code, never a crash or a hang.
@Suite struct DigestBadInputTests {
    private func code(_ value: String) -> DigestParseError.Code? {
        do {
            _ = try DigestChallenge.parse(value)
            return nil
        } catch {
            return error.code
        }
    }

    @Test(arguments: ["Basic", "NTLM", "Negotiate", "bearer"])
    func nonDigestSchemes(scheme: String) {
        do {
            _ = try DigestChallenge.parse(scheme + #" realm="WallyWorld""#)
            Issue.record("expected unsupported-scheme")
        } catch {
            #expect(error.code == .unsupportedScheme)
            #expect(error.scheme == scheme)
            #expect(error.description.contains("'\(scheme)'"))
        }
        #expect(throws: DigestParseError.self) { try DigestCredentials.parse(scheme + " QWxhZGRpbjpvcGVuIHNlc2FtZQ==") }
    }

    @Test func junk() {
        #expect(self.code("") == .empty)
        #expect(self.code(" \t\r\n ") == .empty)
        #expect(self.code("=====") == .malformedScheme)
        #expect(self.code("\"Digest\"") == .malformedScheme)
        #expect(self.code("Digest,realm=\"r\"") == .malformedScheme)
        #expect(self.code("Digest realm") == .malformedParameter)
        #expect(self.code("Digest realm=") == .malformedParameter)
        #expect(self.code("Digest =\"r\"") == .malformedParameter)
        #expect(self.code("Digest realm=\"r\" nonce=\"n\"") == .malformedParameter)
        #expect(self.code("Digest realm=\"r\"x, nonce=\"n\"") == .malformedParameter)
        #expect(self.code("Digest \u{0}\u{1}\u{FF}") == .malformedParameter)
        #expect(self.code("Digest realm=\"r\", realm=\"s\", nonce=\"n\"") == .duplicateParameter)
    }

    @Test func unterminatedQuotes() {
        #expect(self.code("Digest realm=\"open") == .unterminatedQuotedString)
        #expect(self.code("Digest realm=\"open\\\"") == .unterminatedQuotedString)
        #expect(self.code("Digest realm=\"open\\") == .unterminatedQuotedString)
        #expect(throws: DigestParseError.self) { try DigestCredentials.parse("Digest username=\"u, realm=\"r\"") }
    }

    @Test func missingNonceOrRealm() {
        do {
            _ = try DigestChallenge.parse(#"Digest realm="r", qop="auth""#)
            Issue.record("expected missing-parameter")
        } catch {
            #expect(error.code == .missingParameter)
            #expect(error.parameter == "nonce")
        }
        #expect(self.code(#"Digest nonce="n""#) == .missingParameter)
        #expect(self.code("Digest") == .missingParameter)
    }

    @Test func oneMebibyteValue() {
        let huge = "Digest realm=\"" + String(repeating: "a", count: 1 << 20) + "\", nonce=\"n\""
        #expect(self.code(huge) == .headerValueTooLong)
        #expect(throws: DigestParseError.self) { try DigestCredentials.parse(huge) }
        // An unterminated quote of a mebibyte is rejected the same way, before scanning.
        #expect(self.code("Digest realm=\"" + String(repeating: "\\", count: 1 << 20)) == .headerValueTooLong)
    }

    @Test func tenThousandParameters() {
        let many = "Digest " + (0..<10_000).map { "p\($0)=v" }.joined(separator: ",")
        // Longer than the length limit, so it fails on length first...
        #expect(self.code(many) == .headerValueTooLong)
        // ...and a short-parameter flood under the length limit fails on the count.
        let flood = "Digest " + (0..<1_000).map { _ in "a=b" }.joined(separator: ",")
        #expect(self.code(flood) == .tooManyParameters)
        let qopFlood =
            #"Digest realm="r", nonce="n", qop=""# + Array(repeating: "auth", count: 100).joined(separator: ",") + "\""
        #expect(self.code(qopFlood) == .invalidParameterValue)
    }

    @Test func errorDescriptionsQuoteBoundedExcerpts() {
        do {
            _ = try DigestChallenge.parse("Digest " + String(repeating: "@", count: 5000))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .malformedParameter)
            #expect(error.offset == 7)
            #expect(error.description.utf8.count < 200)
        }
    }

    @Test func deterministicGarbageNeverCrashes() {
        // A small deterministic fuzz: random bytes drawn from a digest-like alphabet.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let alphabet = Array("Digest realm=\"\\,= \t\r\nnoce qop auth-int algorithm MD5 stale".utf8)
        var parsed = 0
        for _ in 0..<2_000 {
            var bytes: [UInt8] = Array("Digest ".utf8)
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 58)
            for _ in 0..<length {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            let value = String(decoding: bytes, as: UTF8.self)
            if (try? DigestChallenge.parse(value)) != nil { parsed += 1 }
            _ = try? DigestCredentials.parse(value)
        }
        #expect(parsed < 2_000)
    }
}
