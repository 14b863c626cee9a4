import SIPAuth
import Testing

/// Passwords must never leak into descriptions, debug output, mirrors, errors or findings.
@Suite struct DigestRedactionTests {
    static let secret = "S3cr3t-Pa55word!"

    private func expectNoSecret(_ value: Any, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!String(describing: value).contains(Self.secret), sourceLocation: sourceLocation)
        #expect(!String(reflecting: value).contains(Self.secret), sourceLocation: sourceLocation)
        var dumped = ""
        dump(value, to: &dumped)
        #expect(!dumped.contains(Self.secret), sourceLocation: sourceLocation)
    }

    @Test func clientNeverShowsThePassword() throws {
        var client = DigestClient(username: "alice", password: Self.secret)
        self.expectNoSecret(client)
        let challenge = DigestChallenge(realm: "r", nonce: "n", qopOptions: [.auth])
        let credentials = try client.authorization(for: challenge, method: "REGISTER", uri: "sip:r")
        // After use, the client also holds a cached HA1 and a counter; still no password.
        self.expectNoSecret(client)
        self.expectNoSecret(credentials)
        #expect(String(describing: client).contains("alice"))
        #expect(String(describing: client).contains("<redacted>"))
    }

    @Test func reportsAndErrorsNeverShowThePassword() throws {
        let challenge = DigestChallenge(realm: "r", nonce: "n", qopOptions: [.auth])
        let credentials = try DigestClient.authorization(
            for: challenge,
            method: "REGISTER",
            uri: "sip:r",
            username: "alice",
            password: "other",
            cnonce: "c",
            nonceCount: 1
        )
        let report = DigestVerifier.check(
            challenge: challenge,
            credentials: credentials,
            method: "REGISTER",
            candidatePassword: Self.secret
        )
        #expect(report.contains(.responseMismatch))
        self.expectNoSecret(report)
        for finding in report.findings { self.expectNoSecret(finding) }
        do {
            _ = try DigestClient.authorization(
                for: DigestChallenge(realm: "r", nonce: "n", algorithm: .other("X")),
                method: "REGISTER",
                uri: "sip:r",
                username: "alice",
                password: Self.secret,
                cnonce: "c",
                nonceCount: 1
            )
            Issue.record("expected an error")
        } catch {
            self.expectNoSecret(error)
        }
    }
}
