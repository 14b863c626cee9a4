import SIPAuth
import Testing

@Suite struct DigestClientTests {
    static let challenge = DigestChallenge(
        realm: "testrealm@host.com",
        nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        qopOptions: [.auth, .authInt],
        opaque: "5ccc069c403ebaf9f0171e9517f40e41"
    )

    @Test func statefulClientMatchesRFC2617AndCountsNC() throws {
        var client = DigestClient(username: "Mufasa", password: "Circle Of Life")
        let first = try client.authorization(
            for: Self.challenge,
            method: "GET",
            uri: "/dir/index.html",
            cnonce: "0a4f113b"
        )
        #expect(first.response == "6629fae49393a05397450978507c4ef1")
        #expect(first.nonceCount == "00000001")
        let second = try client.authorization(
            for: Self.challenge,
            method: "GET",
            uri: "/dir/index.html",
            cnonce: "0a4f113b"
        )
        #expect(second.nonceCount == "00000002")
        #expect(second.response != first.response)
        // The cached HA1 gives the same answer as the stateless path for nc=2.
        let stateless = try DigestClient.authorization(
            for: Self.challenge,
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: "Circle Of Life",
            cnonce: "0a4f113b",
            nonceCount: 2
        )
        #expect(second.response == stateless.response)
        // A new nonce restarts at 1; a new realm recomputes HA1.
        var renewed = Self.challenge
        renewed.nonce = "fresh"
        renewed.realm = "other-realm"
        let third = try client.authorization(for: renewed, method: "GET", uri: "/dir/index.html", cnonce: "0a4f113b")
        #expect(third.nonceCount == "00000001")
        let expected = try DigestClient.authorization(
            for: renewed,
            method: "GET",
            uri: "/dir/index.html",
            username: "Mufasa",
            password: "Circle Of Life",
            cnonce: "0a4f113b",
            nonceCount: 1
        )
        #expect(third.response == expected.response)
        #expect(third.realm == "other-realm")
    }

    @Test func cachedHA2FollowsMethodURIAndBody() throws {
        // The same client alternating methods, URIs and qop must match the stateless computation.
        var client = DigestClient(username: "u", password: "p")
        let requests: [(String, String, [DigestQOP], [UInt8])] = [
            ("REGISTER", "sip:a", [.auth], []), ("REGISTER", "sip:a", [.auth], []), ("INVITE", "sip:a", [.auth], []),
            ("INVITE", "sip:b", [.auth], []), ("INVITE", "sip:b", [.authInt], [1, 2]),
            ("INVITE", "sip:b", [.authInt], [3]),
            ("INVITE", "sip:b", [], []), ("INVITE", "sip:b", [.auth], []),
        ]
        for (method, uri, qop, body) in requests {
            let challenge = DigestChallenge(realm: "r", nonce: "n", algorithm: .sha256, qopOptions: qop)
            let nc = client.nonceCounter.current(for: "n").map { $0 + 1 } ?? 1
            let stateful = try client.authorization(for: challenge, method: method, uri: uri, body: body, cnonce: "c")
            let stateless = try DigestClient.authorization(
                for: challenge,
                method: method,
                uri: uri,
                username: "u",
                password: "p",
                body: body,
                cnonce: "c",
                nonceCount: qop.isEmpty ? 0 : nc
            )
            #expect(stateful.response == stateless.response, "\(method) \(uri) \(qop)")
        }
    }

    @Test func generatesCNonceWhenNoneGiven() throws {
        var client = DigestClient(username: "u", password: "p")
        let a = try client.authorization(for: Self.challenge, method: "REGISTER", uri: "sip:x")
        let b = try client.authorization(for: Self.challenge, method: "REGISTER", uri: "sip:x")
        #expect(a.cnonce?.utf8.count == 32)
        #expect(a.cnonce != b.cnonce)
        #expect(
            DigestClient.makeCNonce().utf8.allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            }
        )
    }

    @Test func qopChoice() throws {
        func chosen(_ offered: [DigestQOP], preferAuthInt: Bool = false) throws -> DigestQOP? {
            let challenge = DigestChallenge(realm: "r", nonce: "n", qopOptions: offered)
            return try DigestClient.authorization(
                for: challenge,
                method: "INVITE",
                uri: "sip:b@x",
                username: "u",
                password: "p",
                cnonce: "c",
                nonceCount: 1,
                preferAuthInt: preferAuthInt
            ).qop
        }
        #expect(try chosen([.auth, .authInt]) == .auth)
        #expect(try chosen([.authInt, .auth]) == .auth)
        #expect(try chosen([.authInt]) == .authInt)
        #expect(try chosen([.auth, .authInt], preferAuthInt: true) == .authInt)
        #expect(try chosen([.auth], preferAuthInt: true) == .auth)
        #expect(try chosen([.other("x"), .auth]) == .auth)
        #expect(try chosen([]) == nil)
        #expect(throws: DigestClientError.self) { try chosen([.other("auth-conf")]) }
    }

    @Test func unsupportedAlgorithmThrows() {
        let challenge = DigestChallenge(realm: "r", nonce: "n", algorithm: .other("AKAv1-MD5"))
        do {
            var client = DigestClient(username: "u", password: "p")
            _ = try client.authorization(for: challenge, method: "REGISTER", uri: "sip:x")
            Issue.record("expected unsupported-algorithm")
        } catch {
            #expect(error.code == .unsupportedAlgorithm)
            #expect(error.description.contains("AKAv1-MD5"))
        }
    }

    @Test func echoesOpaqueAndAlgorithm() throws {
        let challenge = try DigestChallenge.parse(
            #"Digest realm="r", nonce="n", opaque="op aque", algorithm=sha-256, qop="auth""#
        )
        let credentials = try DigestClient.authorization(
            for: challenge,
            method: "INVITE",
            uri: "sip:bob@example.com",
            username: "alice",
            password: "pw",
            cnonce: "c",
            nonceCount: 7
        )
        #expect(credentials.opaque == "op aque")
        #expect(credentials.algorithm == .sha256)
        #expect(credentials.nonceCount == "00000007")
        #expect(credentials.response.utf8.count == 64)
        // Without an algorithm in the challenge, none is echoed (MD5 implied).
        let plain = try DigestClient.authorization(
            for: DigestChallenge(realm: "r", nonce: "n"),
            method: "INVITE",
            uri: "sip:bob@example.com",
            username: "alice",
            password: "pw",
            cnonce: "c",
            nonceCount: 1
        )
        #expect(plain.algorithm == nil)
        #expect(!plain.headerValue.contains("algorithm"))
    }

    @Test func nonceCounter() {
        var counter = DigestNonceCounter()
        #expect(counter.next(for: "a") == 1)
        #expect(counter.next(for: "a") == 2)
        #expect(counter.next(for: "b") == 1)
        #expect(counter.next(for: "a") == 3)
        #expect(counter.current(for: "b") == 1)
        #expect(counter.current(for: "zzz") == nil)
        // Bounded: the oldest nonce is forgotten.
        for index in 0..<DigestNonceCounter.maximumTrackedNonces { _ = counter.next(for: "n\(index)") }
        #expect(counter.current(for: "a") == nil)
        #expect(counter.next(for: "a") == 1)
    }
}
