import SIPAuth
import Testing

/// Published test vectors, plus values for cases the RFCs do not cover.
@Suite struct DigestVectorTests {
    /// RFC 7616 §3.9.1 inputs (shared by the MD5 and SHA-256 examples).
    static let rfc7616Nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
    static let rfc7616CNonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
    static let rfc7616Opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"

    @Test func rfc2617Section3_5() throws {
        // RFC 2617 §3.5: Mufasa / "Circle Of Life" → response="6629fae49393a05397450978507c4ef1".
        let challenge = try DigestChallenge.parse(
            """
            Digest realm="testrealm@host.com", qop="auth,auth-int", \
            nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"
            """
        )
        let credentials = try DigestClient.authorization(
            for: challenge,
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: "Circle Of Life",
            cnonce: "0a4f113b",
            nonceCount: 1
        )
        #expect(credentials.response == "6629fae49393a05397450978507c4ef1")
        #expect(credentials.qop == .auth)
        #expect(credentials.nonceCount == "00000001")
        #expect(credentials.opaque == "5ccc069c403ebaf9f0171e9517f40e41")
    }

    @Test(arguments: [
        // RFC 7616 §3.9.1, verbatim from the RFC's Authorization examples.
        (DigestAlgorithm.md5, "8ca523f5e9506fed4657c9700eebdbec"),
        (DigestAlgorithm.sha256, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
        // RFC 8760 gives no worked example for SHA-512-256. Derived with Python 3.11:
        //   H = lambda s: hashlib.new('sha512_256', s.encode()).hexdigest()
        //   ha1 = H('Mufasa:http-auth@example.org:Circle of Life'); ha2 = H('GET:/dir/index.html')
        //   H(f'{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}')  (same inputs as RFC 7616 §3.9.1)
        (DigestAlgorithm.sha512256, "430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0"),
    ])
    func rfc7616Section3_9_1(algorithm: DigestAlgorithm, expected: String) throws {
        let challenge = try DigestChallenge.parse(
            """
            Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=\(algorithm.token), \
            nonce="\(Self.rfc7616Nonce)", opaque="\(Self.rfc7616Opaque)"
            """
        )
        let credentials = try DigestClient.authorization(
            for: challenge,
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: "Circle of Life",
            cnonce: Self.rfc7616CNonce,
            nonceCount: 1
        )
        #expect(credentials.response == expected)
        #expect(credentials.algorithm == algorithm)
        let primitive = DigestComputation.responseHex(
            algorithm: algorithm,
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            nonce: Self.rfc7616Nonce,
            nonceCount: 1,
            cnonce: Self.rfc7616CNonce,
            qop: .auth,
            method: "GET",
            uri: "/dir/index.html"
        )
        #expect(primitive == expected)
    }

    // The -sess, auth-int and RFC 2069 values below were derived with Python 3.11 hashlib
    // ('md5', 'sha256', 'sha512_256') from the formulas of RFC 7616 §3.4.2/§3.4.3 and RFC 2069:
    //   sess:     ha1 = H(H('Mufasa:http-auth@example.org:Circle of Life') + ':' + nonce + ':' + cnonce)
    //   auth-int: ha2 = H('GET:/dir/index.html:' + H(b'v=0\r\n')), qop 'auth-int'
    //   2069:     H(ha1 + ':' + nonce + ':' + ha2) with the RFC 2617 §3.5 inputs
    @Test(arguments: [
        (DigestAlgorithm.md5Session, "e783283f46242139c486a698fec7211d"),
        (DigestAlgorithm.sha256Session, "2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7"),
        (DigestAlgorithm.sha512256Session, "3f2a34f923c38b0fb26dce2fdfc2ce326c23cecf86fbb1444f3e51fbbc2cb92e"),
    ])
    func sessionVariants(algorithm: DigestAlgorithm, expected: String) throws {
        let challenge = DigestChallenge(
            realm: "http-auth@example.org",
            nonce: Self.rfc7616Nonce,
            algorithm: algorithm,
            qopOptions: [.auth]
        )
        let credentials = try DigestClient.authorization(
            for: challenge,
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: "Circle of Life",
            cnonce: Self.rfc7616CNonce,
            nonceCount: 1
        )
        #expect(credentials.response == expected)
        #expect(credentials.headerValue.contains("algorithm=\(algorithm.token),"))
    }

    @Test(arguments: [
        (DigestAlgorithm.md5, "d1b8e2ac3f6782372de4bf3d8735b406"),
        (DigestAlgorithm.sha256, "385d2de062660ced11876f42d9497c69cacf5caaf3d951dd424aee9f7157d563"),
        (DigestAlgorithm.sha512256, "5e69357dfa951887c95e88aae45b1f7f834aeba94f85648b86d532e82afdb589"),
    ])
    func authIntHashesTheBody(algorithm: DigestAlgorithm, expected: String) throws {
        // auth-int is the only option, so the client must use it.
        let challenge = DigestChallenge(
            realm: "http-auth@example.org",
            nonce: Self.rfc7616Nonce,
            algorithm: algorithm,
            qopOptions: [.authInt]
        )
        let body = Array("v=0\r\n".utf8)
        let credentials = try DigestClient.authorization(
            for: challenge,
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: "Circle of Life",
            body: body,
            cnonce: Self.rfc7616CNonce,
            nonceCount: 1
        )
        #expect(credentials.qop == .authInt)
        #expect(credentials.response == expected)
        // A different body gives a different response.
        let other = try DigestClient.authorization(
            for: challenge,
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: "Circle of Life",
            body: Array("v=1\r\n".utf8),
            cnonce: Self.rfc7616CNonce,
            nonceCount: 1
        )
        #expect(other.response != expected)
    }

    @Test func rfc2069ModeWithoutQOP() throws {
        let challenge = try DigestChallenge.parse(
            #"Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093""#
        )
        let credentials = try DigestClient.authorization(
            for: challenge,
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: "Circle Of Life",
            cnonce: "0a4f113b",
            nonceCount: 1
        )
        #expect(credentials.response == "670fd8c2df070c60b045671b8b24ff02")
        #expect(credentials.qop == nil)
        #expect(credentials.cnonce == nil)
        #expect(credentials.nonceCount == nil)
        #expect(!credentials.headerValue.contains("nc="))
        #expect(!credentials.headerValue.contains("cnonce="))
    }

    @Test func ha1AndResponsePrimitivesAgree() {
        let ha1 = DigestComputation.ha1Hex(
            algorithm: .md5,
            username: "Mufasa",
            realm: "testrealm@host.com",
            password: "Circle Of Life"
        )
        // RFC 2617 §3.5 HA1 = MD5("Mufasa:testrealm@host.com:Circle Of Life"), computed with Python hashlib.
        #expect(ha1 == "939e7578ed9e3c518a452acee763bce9")
        let response = DigestComputation.responseHex(
            algorithm: .md5,
            ha1Hex: ha1 ?? "",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            nonceCount: 1,
            cnonce: "0a4f113b",
            qop: .auth,
            method: "GET",
            uri: "/dir/index.html"
        )
        #expect(response == "6629fae49393a05397450978507c4ef1")
        #expect(DigestComputation.ha1Hex(algorithm: .other("SHA-1"), username: "a", realm: "b", password: "c") == nil)
        // The split primitives (HA1 and HA2 precomputed) give the same answer.
        let ha2 = DigestComputation.ha2Hex(algorithm: .md5, method: "GET", uri: "/dir/index.html", qop: .auth)
        // RFC 2617 §3.5 HA2 = MD5("GET:/dir/index.html"), computed with Python hashlib.
        #expect(ha2 == "39aff3a2bab6126f332b942af96d3366")
        let fromBoth = DigestComputation.responseHex(
            algorithm: .md5,
            ha1Hex: ha1 ?? "",
            ha2Hex: ha2 ?? "",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            nonceCount: 1,
            cnonce: "0a4f113b",
            qop: .auth
        )
        #expect(fromBoth == "6629fae49393a05397450978507c4ef1")
    }

    @Test func userhash() throws {
        // Derived with Python 3.11: hashlib.sha256(b'Mufasa:http-auth@example.org').hexdigest()
        let expected = "a947aad205e80e429958a387394944c6b496301e79f89d35a4cc23b6ee12b5b6"
        let computed = DigestComputation.userhashHex(
            algorithm: .sha256,
            username: "Mufasa",
            realm: "http-auth@example.org"
        )
        #expect(computed == expected)
        // A challenge with userhash=true makes the client send the hash, flagged userhash=true;
        // the response itself still hashes the clear username (RFC 7616 §3.4.4).
        var challenge = try DigestChallenge.parse(
            """
            Digest realm="http-auth@example.org", qop="auth", algorithm=SHA-256, \
            nonce="\(Self.rfc7616Nonce)", opaque="\(Self.rfc7616Opaque)", userhash=true
            """
        )
        #expect(challenge.userhash)
        let credentials = try DigestClient.authorization(
            for: challenge,
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: "Circle of Life",
            cnonce: Self.rfc7616CNonce,
            nonceCount: 1
        )
        #expect(credentials.username == expected)
        #expect(credentials.userhash)
        #expect(credentials.headerValue.contains("userhash=true"))
        #expect(credentials.response == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        challenge.userhash = false
        let plain = try DigestClient.authorization(
            for: challenge,
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: "Circle of Life",
            cnonce: Self.rfc7616CNonce,
            nonceCount: 1
        )
        #expect(plain.username == "Mufasa")
        #expect(!plain.userhash)
    }
}
