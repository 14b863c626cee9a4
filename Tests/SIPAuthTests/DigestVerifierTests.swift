import SIPAuth
import Testing

@Suite struct DigestVerifierTests {
    static let password = "Circle Of Life"
    static let challenge = DigestChallenge(
        realm: "testrealm@host.com",
        nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        qopOptions: [.auth, .authInt],
        opaque: "5ccc069c403ebaf9f0171e9517f40e41"
    )

    /// The RFC 2617 §3.5 credentials, correct for ``challenge``.
    static func goodCredentials() throws -> DigestCredentials {
        try DigestClient.authorization(
            for: Self.challenge,
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: Self.password,
            cnonce: "0a4f113b",
            nonceCount: 1
        )
    }

    private func check(
        _ credentials: DigestCredentials,
        challenge: DigestChallenge? = Self.challenge,
        method: String = "GET",
        requestURI: String? = nil,
        password: String? = Self.password
    ) -> DigestCheckReport {
        DigestVerifier.check(
            challenge: challenge,
            credentials: credentials,
            method: method,
            requestURI: requestURI,
            candidatePassword: password
        )
    }

    @Test func consistentAndCorrect() throws {
        let report = self.check(try Self.goodCredentials(), requestURI: "/dir/index.html")
        #expect(report.codes == [.passwordCorrect])
        #expect(!report.hasErrors)
        #expect(report.finding(.passwordCorrect)?.message.contains("not due to the password") == true)
    }

    @Test func wrongPasswordIsNamedExplicitly() throws {
        let report = self.check(try Self.goodCredentials(), password: "Circle of Life")
        #expect(report.codes == [.responseMismatch])
        #expect(
            report.finding(.responseMismatch)?.message.hasPrefix(
                "the password is wrong for username 'Mufasa' in realm 'testrealm@host.com'"
            ) == true
        )
    }

    @Test func realmMismatchUsesTheUsersWords() throws {
        var credentials = try Self.goodCredentials()
        credentials.realm = "asterisk"
        var challenge = Self.challenge
        challenge.realm = "sip.example.com"
        let report = self.check(credentials, challenge: challenge)
        #expect(
            report.finding(.realmMismatch)?.message
                == "the client answered for realm 'asterisk' but the server asked for 'sip.example.com'"
        )
        // The response was computed for the old realm, so with the realm changed it no longer
        // matches, and with another field inconsistent the verdict is hedged.
        #expect(report.contains(.responseMismatch))
        #expect(report.finding(.responseMismatch)?.message.contains("either the password or the username") == true)
    }

    @Test func staleNonceWithCorrectPassword() throws {
        var challenge = Self.challenge
        challenge.nonce = "newer-nonce"
        challenge.isStale = true
        let report = self.check(try Self.goodCredentials(), challenge: challenge)
        #expect(report.codes == [.nonceMismatch, .staleNonce, .passwordCorrect])
        #expect(report.finding(.nonceMismatch)?.message.contains("'newer-nonce'") == true)
        #expect(report.finding(.passwordCorrect)?.message.contains("nonce-mismatch") == true)
    }

    @Test func algorithmMismatch() throws {
        var challenge = Self.challenge
        challenge.algorithm = .sha256
        let report = self.check(try Self.goodCredentials(), challenge: challenge)
        #expect(report.contains(.algorithmMismatch))
        #expect(report.finding(.algorithmMismatch)?.message.contains("MD5") == true)
        #expect(report.finding(.algorithmMismatch)?.message.contains("SHA-256") == true)
        // The client's own MD5 response is still right for the password.
        #expect(report.contains(.passwordCorrect))
    }

    @Test func qopNotOfferedAndMissing() throws {
        var challenge = Self.challenge
        challenge.qopOptions = [.authInt]
        #expect(self.check(try Self.goodCredentials(), challenge: challenge).contains(.qopNotOffered))
        challenge.qopOptions = []
        #expect(self.check(try Self.goodCredentials(), challenge: challenge).contains(.qopNotOffered))

        let rfc2069 = try DigestClient.authorization(
            for: DigestChallenge(
                realm: Self.challenge.realm,
                nonce: Self.challenge.nonce,
                opaque: Self.challenge.opaque
            ),
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: Self.password,
            cnonce: "",
            nonceCount: 1
        )
        let report = self.check(rfc2069)
        #expect(report.codes == [.qopMissing, .passwordCorrect])
    }

    @Test func opaqueMismatch() throws {
        var credentials = try Self.goodCredentials()
        credentials.opaque = nil
        let report = self.check(credentials)
        #expect(report.finding(.opaqueMismatch)?.message.contains("echoed nothing") == true)
        // opaque is not hashed, so the password is still shown to be right.
        #expect(report.contains(.passwordCorrect))
    }

    @Test func uriMismatch() throws {
        let report = self.check(try Self.goodCredentials(), requestURI: "/dir/other.html")
        #expect(report.contains(.uriMismatch))
        #expect(report.finding(.uriMismatch)?.message.contains("'/dir/other.html'") == true)
    }

    @Test func malformedNCAndMissingCNonce() throws {
        var credentials = try Self.goodCredentials()
        credentials.nonceCount = "1"
        var report = self.check(credentials)
        #expect(report.contains(.malformedNC))
        #expect(report.finding(.malformedNC)?.message.contains("'1'") == true)
        credentials.nonceCount = nil
        credentials.cnonce = nil
        report = self.check(credentials)
        #expect(report.contains(.malformedNC))
        #expect(report.contains(.missingCNonce))
    }

    @Test func malformedResponse() throws {
        var credentials = try Self.goodCredentials()
        credentials.response = "6629fae49393a053"
        #expect(self.check(credentials).contains(.malformedResponse))
        credentials.response = "zz29fae49393a05397450978507c4ef1"
        #expect(self.check(credentials).finding(.malformedResponse)?.message.contains("not hexadecimal") == true)
        // An MD5-length response under SHA-256 is also wrong.
        credentials = try Self.goodCredentials()
        credentials.algorithm = .sha256
        #expect(self.check(credentials).contains(.malformedResponse))
    }

    @Test func responseComparisonIgnoresHexCase() throws {
        var credentials = try Self.goodCredentials()
        credentials.response = credentials.response.uppercased()
        #expect(self.check(credentials).contains(.passwordCorrect))
    }

    @Test func unsupportedAlgorithm() throws {
        var credentials = try Self.goodCredentials()
        credentials.algorithm = .other("AKAv1-MD5")
        var challenge = Self.challenge
        challenge.algorithm = .other("akav1-md5")
        let report = self.check(credentials, challenge: challenge)
        #expect(report.codes == [.unsupportedAlgorithm])
    }

    @Test func notVerifiableWithoutPasswordOrWithHashedUsername() throws {
        let report = self.check(try Self.goodCredentials(), password: nil)
        #expect(report.codes == [.notVerifiable])
        var hashed = try Self.goodCredentials()
        hashed.userhash = true
        #expect(self.check(hashed).contains(.notVerifiable))
    }

    @Test func noChallenge() throws {
        let report = self.check(try Self.goodCredentials(), challenge: nil, password: "wrong")
        #expect(report.codes == [.noChallenge, .responseMismatch])
        // Without a challenge the other side is unknown, so the verdict is hedged.
        #expect(report.finding(.responseMismatch)?.message.contains("either the password or the username") == true)
    }

    @Test func methodMatters() throws {
        // A response made for GET does not verify for INVITE.
        #expect(self.check(try Self.goodCredentials(), method: "INVITE").contains(.responseMismatch))
    }

    @Test func authIntUsesBody() throws {
        let body = Array("v=0\r\n".utf8)
        let credentials = try DigestClient.authorization(
            for: Self.challenge,
            method: "INVITE",
            uri: "sip:bob@example.com",
            username: "Mufasa",
            password: Self.password,
            body: body,
            cnonce: "c",
            nonceCount: 1,
            preferAuthInt: true
        )
        let good = DigestVerifier.check(
            challenge: Self.challenge,
            credentials: credentials,
            method: "INVITE",
            body: body,
            candidatePassword: Self.password
        )
        #expect(good.contains(.passwordCorrect))
        let tampered = DigestVerifier.check(
            challenge: Self.challenge,
            credentials: credentials,
            method: "INVITE",
            body: Array("v=1\r\n".utf8),
            candidatePassword: Self.password
        )
        #expect(tampered.contains(.responseMismatch))
    }

    @Test func identifyUsername() throws {
        // The dashboard shows "Mufasa the King" but the device authenticates as "Mufasa".
        let credentials = try Self.goodCredentials()
        #expect(
            DigestVerifier.identifyUsername(
                credentials: credentials,
                method: "GET",
                candidatePassword: Self.password,
                usernames: ["Mufasa the King", "mufasa", "Mufasa"]
            ) == "Mufasa"
        )
        #expect(
            DigestVerifier.identifyUsername(
                credentials: credentials,
                method: "GET",
                candidatePassword: "nope",
                usernames: ["Mufasa"]
            ) == nil
        )
        // With userhash, the candidate is matched through H(username:realm).
        var challenge = Self.challenge
        challenge.userhash = true
        challenge.algorithm = .sha256
        let hashed = try DigestClient.authorization(
            for: challenge,
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: Self.password,
            cnonce: "c",
            nonceCount: 1
        )
        #expect(
            DigestVerifier.identifyUsername(
                credentials: hashed,
                method: "GET",
                candidatePassword: Self.password,
                usernames: ["Simba", "Mufasa"]
            ) == "Mufasa"
        )
    }

    @Test func corpusCaptureFromAsterisk() throws {
        // wswiki-rtp_conversacion.pcap: a 407 and the INVITE that answered it. The password is
        // unknown, so only the consistency checks can conclude anything.
        let challenge = try DigestChallenge.parse(#"Digest algorithm=MD5, realm="asterisk", nonce="3a0c8ba9""#)
        let credentials = try DigestCredentials.parse(
            #"Digest username="102",realm="asterisk",nonce="3a0c8ba9",uri="sip:101@192.168.1.78","#
                + #"response="527763da8eaf0b4ed16fea03a854ecdc",algorithm=MD5"#
        )
        let report = DigestVerifier.check(
            challenge: challenge,
            credentials: credentials,
            method: "INVITE",
            requestURI: "sip:101@192.168.1.78",
            candidatePassword: nil
        )
        #expect(report.codes == [.notVerifiable])
    }
}
