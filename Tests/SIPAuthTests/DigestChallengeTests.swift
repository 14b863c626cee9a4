import SIPAuth
import Testing

@Suite struct DigestChallengeTests {
    @Test func asteriskStyle() throws {
        // As captured in wswiki-rtp_conversacion.pcap (shared corpus): unquoted algorithm first.
        let challenge = try DigestChallenge.parse(#"Digest algorithm=MD5, realm="asterisk", nonce="3a0c8ba9""#)
        #expect(challenge.realm == "asterisk")
        #expect(challenge.nonce == "3a0c8ba9")
        #expect(challenge.algorithm == .md5)
        #expect(challenge.qopOptions.isEmpty)
        #expect(challenge.opaque == nil)
        #expect(!challenge.isStale)
    }

    @Test func kamailioStyleWithStaleUppercase() throws {
        let challenge = try DigestChallenge.parse(
            #"Digest realm="sip.example.com", nonce="ZfKxY2XyuTi8o1Wd0nSdXkxyUQWKv9AA", qop="auth", stale=TRUE"#
        )
        #expect(challenge.isStale)
        #expect(challenge.qopOptions == [.auth])
        #expect(challenge.algorithm == nil)
        #expect(challenge.effectiveAlgorithm == .md5)
    }

    @Test func freeswitchStyle() throws {
        let challenge = try DigestChallenge.parse(
            """
            Digest realm="pbx.example.net", nonce="4a8b5f5c-7a0e-4f0b-9e4d-2c9c6f1d2b3a", \
            algorithm=MD5, qop="auth"
            """
        )
        #expect(challenge.realm == "pbx.example.net")
        #expect(challenge.nonce == "4a8b5f5c-7a0e-4f0b-9e4d-2c9c6f1d2b3a")
        #expect(challenge.qopOptions == [.auth])
    }

    @Test func twilioStyleWithMultipleQOPAndOpaque() throws {
        let challenge = try DigestChallenge.parse(
            """
            Digest realm="sip.twilio.com",nonce="bb4MbXnnOxUCA0bbUcz6UXR0A0ew8Sqp",\
            opaque="a3b9c2d1",qop="auth,auth-int",algorithm=SHA-256
            """
        )
        #expect(challenge.realm == "sip.twilio.com")
        #expect(challenge.opaque == "a3b9c2d1")
        #expect(challenge.qopOptions == [.auth, .authInt])
        #expect(challenge.algorithm == .sha256)
    }

    @Test func toleratesWhitespaceFoldingAndEmptyElements() throws {
        let challenge = try DigestChallenge.parse(
            "  digest   realm = \"r\" ,, \r\n\tnonce=\"n\" ,  qop=\" auth , auth-int \", stale=false ,"
        )
        #expect(challenge.realm == "r")
        #expect(challenge.nonce == "n")
        #expect(challenge.qopOptions == [.auth, .authInt])
        #expect(!challenge.isStale)
    }

    @Test func quotedStringEscapesAndUnquotedNonce() throws {
        let challenge = try DigestChallenge.parse(#"Digest realm="a \"quoted\" \\ realm", nonce=abc/def=="#)
        #expect(challenge.realm == #"a "quoted" \ realm"#)
        #expect(challenge.nonce == "abc/def==")
    }

    @Test func allParameters() throws {
        let challenge = try DigestChallenge.parse(
            """
            Digest realm="api@example.org", domain="sip:a.example sip:b.example", nonce="5TsQ", \
            opaque="HRPC", stale=false, algorithm=SHA-512-256-sess, qop="auth", charset=UTF-8, \
            userhash=true, x-vendor="hello world"
            """
        )
        #expect(challenge.domain == ["sip:a.example", "sip:b.example"])
        #expect(challenge.algorithm == .sha512256Session)
        #expect(challenge.charset == "UTF-8")
        #expect(challenge.userhash)
        #expect(challenge.extensionParameters == [DigestExtensionParameter(name: "x-vendor", value: "hello world")])
    }

    @Test(arguments: [
        ("MD5", DigestAlgorithm.md5), ("md5-SESS", .md5Session), ("sha-256", .sha256),
        ("SHA-256-sess", .sha256Session), ("SHA-512-256", .sha512256), ("sha-512-256-SESS", .sha512256Session),
        ("AKAv1-MD5", .other("AKAv1-MD5")),
    ])
    func algorithmTokens(token: String, expected: DigestAlgorithm) throws {
        let challenge = try DigestChallenge.parse(#"Digest realm="r", nonce="n", algorithm="# + token)
        #expect(challenge.algorithm == expected)
        #expect(expected.isSupported == (expected.strength != nil))
    }

    @Test func unknownQOPKept() throws {
        let challenge = try DigestChallenge.parse(#"Digest realm="r", nonce="n", qop="auth-conf""#)
        #expect(challenge.qopOptions == [.other("auth-conf")])
    }

    @Test func preferredChoosesStrongest() throws {
        // RFC 8760 §2.4: one challenge per algorithm, possibly alongside non-Digest schemes.
        let values = [
            #"Digest realm="r", nonce="n1", algorithm=MD5, qop="auth""#,
            #"Basic realm="r""#,
            #"Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth""#,
            #"Digest realm="r", nonce="n3", algorithm=UNKNOWN-HASH, qop="auth""#,
        ]
        #expect(DigestChallenge.preferred(amongHeaderValues: values)?.nonce == "n2")
        let withSHA512 = values + [#"Digest realm="r", nonce="n4", algorithm=SHA-512-256"#]
        #expect(DigestChallenge.preferred(amongHeaderValues: withSHA512)?.nonce == "n4")
        // Equal strength: the first (the server's preference order) wins; absent algorithm means MD5.
        let md5Only = [
            DigestChallenge(realm: "r", nonce: "a"), DigestChallenge(realm: "r", nonce: "b", algorithm: .md5),
        ]
        #expect(DigestChallenge.preferred(among: md5Only)?.nonce == "a")
        #expect(
            DigestChallenge.preferred(among: [DigestChallenge(realm: "r", nonce: "x", algorithm: .other("X"))]) == nil
        )
        #expect(DigestChallenge.preferred(among: []) == nil)
    }

    @Test func headerValueRoundTrip() throws {
        let original = DigestChallenge(
            realm: #"sip "x" example"#,
            nonce: "n/1==",
            algorithm: .sha256,
            qopOptions: [.auth, .authInt],
            opaque: "op",
            isStale: true,
            domain: ["sip:a", "sip:b"],
            charset: "UTF-8",
            userhash: true,
            extensionParameters: [DigestExtensionParameter(name: "x-a", value: "b c")]
        )
        let value = original.headerValue
        #expect(value.hasPrefix(#"Digest realm="sip \"x\" example", domain="sip:a sip:b", nonce="n/1==""#))
        #expect(value.contains(#"qop="auth,auth-int""#))
        #expect(value.contains("algorithm=SHA-256"))
        #expect(try DigestChallenge.parse(value) == original)
    }
}
