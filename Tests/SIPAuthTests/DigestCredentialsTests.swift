import SIPAuth
import Testing

@Suite struct DigestCredentialsTests {
    @Test func parsesCorpusStyleAuthorization() throws {
        // As captured in wswiki-aaa.pcap (shared corpus): no spaces, quoted nc, no qop.
        let credentials = try DigestCredentials.parse(
            """
            Digest username="voi18062",realm="sip.cybercity.dk",uri="sip:192.168.1.2",\
            nonce="1701b16a2a09bc3847cfd2015612fe2",opaque="1701a1351f70795",nc="00000001",\
            response="29cd776112a709cb9cbe978baff5e478"
            """
        )
        #expect(credentials.username == "voi18062")
        #expect(credentials.realm == "sip.cybercity.dk")
        #expect(credentials.uri == "sip:192.168.1.2")
        #expect(credentials.nonce == "1701b16a2a09bc3847cfd2015612fe2")
        #expect(credentials.opaque == "1701a1351f70795")
        #expect(credentials.nonceCount == "00000001")
        #expect(credentials.nonceCountValue == 1)
        #expect(credentials.response == "29cd776112a709cb9cbe978baff5e478")
        #expect(credentials.qop == nil)
        #expect(credentials.algorithm == nil)
    }

    @Test func parsesRFC7616Example() throws {
        let credentials = try DigestCredentials.parse(
            """
            Digest username="Mufasa",
                realm="http-auth@example.org",
                uri="/dir/index.html",
                algorithm=SHA-256,
                nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                nc=00000001,
                cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
                qop=auth,
                response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
                opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
            """
        )
        #expect(credentials.algorithm == .sha256)
        #expect(credentials.qop == .auth)
        #expect(credentials.cnonce == "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
        #expect(credentials.nonceCountValue == 1)
    }

    @Test func serializationQuotesStringsButNotAlgorithmQOPOrNC() {
        let credentials = DigestCredentials(
            username: #"al"ice\"#,
            realm: "sip.example.com",
            nonce: "abc",
            uri: "sip:sip.example.com",
            response: "0123456789abcdef0123456789abcdef",
            algorithm: .md5,
            cnonce: "c1",
            opaque: "o1",
            qop: .auth,
            nonceCount: "0000000a"
        )
        #expect(
            credentials.headerValue
                == #"Digest username="al\"ice\\", realm="sip.example.com", nonce="abc", uri="sip:sip.example.com", "#
                + #"response="0123456789abcdef0123456789abcdef", algorithm=MD5, cnonce="c1", opaque="o1", "#
                + "qop=auth, nc=0000000a"
        )
    }

    @Test func roundTrip() throws {
        let original = DigestCredentials(
            username: "1001",
            realm: "user",
            nonce: "113e25a8",
            uri: "sip:172.168.0.228;transport=tcp",
            response: "a4c93aef72747c3ee8b7b801d07b995a",
            algorithm: .sha512256Session,
            cnonce: "x y",
            opaque: "",
            qop: .authInt,
            nonceCount: "00000002",
            userhash: true,
            extensionParameters: [DigestExtensionParameter(name: "x-extra", value: "token")]
        )
        #expect(try DigestCredentials.parse(original.headerValue) == original)
    }

    @Test func serializationNeverSplitsTheHeader() throws {
        let credentials = DigestCredentials(
            username: "a\r\nVia: injected",
            realm: "r",
            nonce: "n",
            uri: "u",
            response: "x"
        )
        #expect(!credentials.headerValue.contains("\r"))
        #expect(!credentials.headerValue.contains("\n"))
        #expect(try DigestCredentials.parse(credentials.headerValue).username == "a  Via: injected")
    }

    @Test func extendedUsername() throws {
        // RFC 7616 §3.4.4: username*=UTF-8''J%C3%A4s%C3%B8n%20Doe
        let credentials = try DigestCredentials.parse(
            #"Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="api@example.org", nonce="n", uri="/", response="r""#
        )
        #expect(credentials.username == "Jäsøn Doe")
        #expect(throws: DigestParseError.self) {
            try DigestCredentials.parse(#"Digest username*=latin1''x, realm="r", nonce="n", uri="/", response="r""#)
        }
    }

    @Test(arguments: ["username", "realm", "nonce", "uri", "response"])
    func missingRequiredParameter(name: String) {
        var parameters = ["username=\"u\"", "realm=\"r\"", "nonce=\"n\"", "uri=\"sip:x\"", "response=\"abc\""]
        parameters.removeAll { $0.hasPrefix(name + "=") }
        do {
            _ = try DigestCredentials.parse("Digest " + parameters.joined(separator: ", "))
            Issue.record("expected an error for missing \(name)")
        } catch {
            #expect(error.code == .missingParameter)
            #expect(error.parameter == name)
        }
    }

    @Test func nonceCountValue() {
        #expect(DigestNonceCounter.parse("0000001F") == 31)
        #expect(DigestNonceCounter.parse("ffffffff") == UInt32.max)
        #expect(DigestNonceCounter.parse("1") == nil)
        #expect(DigestNonceCounter.parse("0000000g") == nil)
        #expect(DigestNonceCounter.parse("000000001") == nil)
        #expect(DigestNonceCounter.format(255) == "000000ff")
    }
}
