import SIPMessages
import Testing

@Suite("URIs")
struct SIPURITests {
    @Test func sipURIWithEverything() throws {
        let uri = try SIPURI.parse("sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr;maddr=192.0.2.1?subject=hi&priority=urgent")
        #expect(uri.scheme == "sips")
        #expect(uri.user == "alice")
        #expect(uri.password == "secret")
        #expect(uri.host == "atlanta.example.com")
        #expect(uri.port == 5061)
        #expect(!uri.isIPv6)
        #expect(uri.parameter("transport") == "tcp")
        #expect(uri.parameter("LR") == "")
        #expect(uri.parameter("maddr") == "192.0.2.1")
        #expect(uri.parameter("ttl") == nil)
        #expect(uri.header("subject") == "hi")
        #expect(uri.headers.count == 2)
        #expect(uri.description == "sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr;maddr=192.0.2.1?subject=hi&priority=urgent")
    }

    @Test func ipv6References() throws {
        let withPort = try SIPURI.parse("sip:[2001:db8::10]:5070")
        #expect(withPort.host == "2001:db8::10")
        #expect(withPort.isIPv6)
        #expect(withPort.port == 5070)
        #expect(withPort.hostPort == "[2001:db8::10]:5070")
        // RFC 5118 §4.3: the port is part of the address.
        let ambiguous = try SIPURI.parse("sip:[2001:db8::10:5070]")
        #expect(ambiguous.host == "2001:db8::10:5070")
        #expect(ambiguous.port == nil)
        #expect(try SIPURI.parse("sip:ted@[::ffff:192.0.2.2]").host == "::ffff:192.0.2.2")
        #expect(try SIPURI.parse("sip:user@[2001:db8::192.0.2.1]").isIPv6)
    }

    @Test(arguments: [
        "sip:2001:db8::10",  // RFC 5118 §4.2: no brackets
        "sip:user@[2001:db8:::192.0.2.1]",  // RFC 5118 §4.10: three colons
        "sip:[2001:db8::1",  // unterminated
        "sip:[1:2:3:4:5:6:7:8:9]",  // nine groups
        "sip:host:99999",  // port overflow
        "sip:host:-1",
        "<sip:user@example.com>",
        "sip:user@exa mple.com",
        "sip:",
        "nocolon",
        "sip:host;;lr",
    ])
    func malformed(_ text: String) {
        #expect(throws: SIPParseError(.malformedURI)) { try SIPURI.parse(text) }
    }

    @Test func escapesDecodedOnAccessRawKept() throws {
        let uri = try SIPURI.parse("sip:null-%00-null@example.com")
        #expect(uri.rawUser == "null-%00-null")
        #expect(uri.user == "null-\u{0}-null")
        #expect(uri.user?.unicodeScalars.count == 11)
        #expect(uri.raw == "sip:null-%00-null@example.com")
        let esc = try SIPURI.parse("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31")
        #expect(esc.user == "caller")
        #expect(esc.parameter("n%61me") == "value%41")
        // "%" not followed by two hex digits stays literal (RFC 4475 esc02.dat).
        #expect(try SIPURI.parse("sip:100%zz@example.com").user == "100%zz")
    }

    @Test func semicolonInUserPart() throws {
        let uri = try SIPURI.parse("sip:user;par=u%40example.net@example.com")
        #expect(uri.user == "user;par=u@example.net")
        #expect(uri.host == "example.com")
        #expect(uri.parameters.isEmpty)
    }

    @Test func telAndOpaque() throws {
        let tel = try SIPURI.parse("tel:+1-201-555-0123;phone-context=example.com")
        #expect(tel.scheme == "tel")
        #expect(tel.user == "+1-201-555-0123")
        #expect(tel.parameter("phone-context") == "example.com")
        let beep = try SIPURI.parse("soap.beep://192.0.2.103:3002")
        #expect(beep.scheme == "soap.beep")
        #expect(beep.opaque == "//192.0.2.103:3002")
        #expect(!beep.isSIP)
        #expect(try SIPURI.parse("HTTP://www.example.com").scheme == "http")
    }

    @Test func builtURIEscapesUser() {
        let uri = SIPURI(user: "a b@c", host: "example.com", port: 5060, parameters: [SIPParameter(name: "lr")])
        #expect(uri.raw == "sip:a%20b%40c@example.com:5060;lr")
        #expect(uri.user == "a b@c")
    }
}

@Suite("name-addr")
struct SIPNameAddressTests {
    @Test func quotedDisplayNameWithEscapes() throws {
        let address = try SIPNameAddress.parse("\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8")
        #expect(address.displayName == "J Rosenberg \\\"")
        #expect(address.uri.user == "jdrosen")
        #expect(address.tag == "98asjd8")
    }

    @Test func tokenDisplayNameAndNoSpace() throws {
        let address = try SIPNameAddress.parse("caller<sip:caller@example.com>;tag=323")
        #expect(address.displayName == "caller")
        #expect(address.tag == "323")
        let two = try SIPNameAddress.parse("A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe")
        #expect(two.displayName == "A. Bell")
    }

    @Test func addrSpecParametersBelongToTheHeader() throws {
        let address = try SIPNameAddress.parse("sip:+19725552222@gw1.example.net;unknownparam")
        #expect(address.uri.parameters.isEmpty)
        #expect(address.parameter("unknownparam") == "")
        let bracketed = try SIPNameAddress.parse("<sip:+19725552222@gw1.example.net;unknownparam>")
        #expect(bracketed.uri.parameter("unknownparam") == "")
        #expect(bracketed.parameters.isEmpty)
    }

    @Test func contactParameters() throws {
        let address = try SIPNameAddress.parse("<sip:alice@192.0.2.1>;expires=3600;q=0.7;+sip.instance=\"<urn:uuid:1>\"")
        #expect(address.parameter("expires") == "3600")
        #expect(address.parameter("q") == "0.7")
        #expect(address.parameter("+sip.instance") == "\"<urn:uuid:1>\"")
    }

    @Test(arguments: [
        "\"Mr. J. User <sip:j.user@example.com>",  // quotbal
        "Bell, Alexander <sip:a.g.bell@example.com>",  // baddn
        "\"Watson\" < sip:t.watson@example.org >",  // badaspec
        "sip:user@example.com?Route=%3Csip:sip.example.com%3E",  // regbadct
        "\"Joe\" <sip:joe@example.org>;;;;",  // badinv01
        "<sip:a@b",
        "",
    ])
    func malformed(_ text: String) {
        #expect(throws: SIPParseError.self) { try SIPNameAddress.parse(text) }
    }

    @Test func descriptionIsCanonical() throws {
        let address = try SIPNameAddress.parse("Bob <sip:bob@example.com>;tag=x")
        #expect(address.description == "\"Bob\" <sip:bob@example.com>;tag=x")
        #expect(try SIPNameAddress.parse(address.description) == address)
    }
}

@Suite("Via, CSeq, Content-Type")
struct HeaderValueTests {
    @Test func viaWithRportReceivedBranch() throws {
        let via = try SIPVia.parse("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;received=198.51.100.7;rport=40123;maddr=224.2.0.1;ttl=16;x-custom")
        #expect(via.protocolName == "SIP")
        #expect(via.version == "2.0")
        #expect(via.transport == "UDP")
        #expect(via.host == "192.0.2.1")
        #expect(via.port == 5060)
        #expect(via.branch == "z9hG4bK776asdhds")
        #expect(via.hasMagicCookie)
        #expect(via.received == "198.51.100.7")
        #expect(via.rport == .value(40123))
        #expect(via.maddr == "224.2.0.1")
        #expect(via.ttl == 16)
        #expect(via.parameters.last == SIPParameter(name: "x-custom"))
    }

    @Test func rportRequestedOrAbsent() throws {
        #expect(try SIPVia.parse("SIP/2.0/TCP host;rport;branch=z9hG4bK1").rport == .requested)
        #expect(try SIPVia.parse("SIP/2.0/TCP host;branch=z9hG4bK1").rport == .absent)
    }

    @Test func ipv6ViaAndReceived() throws {
        let via = try SIPVia.parse("SIP/2.0/UDP [2001:db8::9:1]:6050;received=[2001:db8::9:255];branch=z9hG4bKas3")
        #expect(via.isIPv6)
        #expect(via.host == "2001:db8::9:1")
        #expect(via.port == 6050)
        #expect(via.received == "2001:db8::9:255")
        #expect(try SIPVia.parse("SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255").received == "2001:db8::9:255")
        #expect(via.description == "SIP/2.0/UDP [2001:db8::9:1]:6050;received=[2001:db8::9:255];branch=z9hG4bKas3")
    }

    @Test func viaListWithWhitespaceAndFolding() throws {
        let vias = try SIPVia.parseList("SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239")
        #expect(vias.count == 2)
        #expect(vias[0].branch == "z9hG4bK9ikj8")
        #expect(vias[1].host == "192.168.255.111")
        #expect(vias[1].branch == "z9hG4bK30239")
    }

    @Test(arguments: ["SIP/2.0/UDP 192.0.2.15;;,;,,", "SIP/2.0 host", "SIP/2.0/UDP", "SIP/2.0/UDP host:70000"])
    func malformedVia(_ text: String) {
        #expect(throws: SIPParseError.self) { try SIPVia.parseList(text) }
    }

    @Test func cseq() throws {
        #expect(try SIPCSeq.parse("0009\r\n  INVITE") == SIPCSeq(number: 9, method: .invite))
        #expect(try SIPCSeq.parse("4294967295 BYE").number == UInt32.max)
        #expect(throws: SIPParseError(.invalidCSeq)) { try SIPCSeq.parse("4294967296 BYE") }
        #expect(throws: SIPParseError(.invalidCSeq)) { try SIPCSeq.parse("-1 BYE") }
        #expect(throws: SIPParseError(.invalidCSeq)) { try SIPCSeq.parse("12") }
        #expect(throws: SIPParseError(.invalidCSeq)) { try SIPCSeq.parse("x INVITE") }
    }

    @Test func contentTypeWithBoundary() throws {
        let type = try SIPContentType.parse("Multipart/Mixed ; boundary=\"7a9cbec02ceef655\";charset=utf-8")
        #expect(type.type == "multipart")
        #expect(type.subtype == "mixed")
        #expect(type.isMultipart)
        #expect(type.boundary == "7a9cbec02ceef655")
        #expect(type.parameter("CHARSET") == "utf-8")
        #expect(try SIPContentType.parse("application/sdp").isSDP)
        #expect(throws: SIPParseError.self) { try SIPContentType.parse("application") }
    }
}

@Suite("Header fields")
struct HeaderFieldTests {
    @Test(arguments: [
        ("i", "Call-ID"), ("m", "Contact"), ("e", "Content-Encoding"), ("l", "Content-Length"),
        ("c", "Content-Type"), ("f", "From"), ("s", "Subject"), ("k", "Supported"), ("t", "To"),
        ("v", "Via"), ("o", "Event"), ("u", "Allow-Events"), ("r", "Refer-To"), ("b", "Referred-By"),
        ("x", "Session-Expires"), ("a", "Accept-Contact"), ("j", "Reject-Contact"),
        ("d", "Request-Disposition"), ("y", "Identity"), ("n", "Identity-Info"),
    ])
    func compactForms(_ compact: String, _ full: String) {
        #expect(SIPHeaderName(compact) == SIPHeaderName(full))
        #expect(SIPHeaderName(compact.uppercased()).canonicalName == full)
        #expect(SIPHeaderName(full.lowercased()).compactForm == compact)
    }

    @Test func extensionNamesCompareCaseInsensitively() {
        #expect(SIPHeaderName("X-Custom") == SIPHeaderName("x-custom"))
        #expect(SIPHeaderName("X-Custom").hashValue == SIPHeaderName("X-CUSTOM").hashValue)
        #expect(SIPHeaderName("X-Custom") != SIPHeaderName.via)
        #expect(!SIPHeaderName("X-Custom").isList)
        #expect(SIPHeaderName.route.isList)
    }

    static let message = Array(
        ("OPTIONS sip:a@example.com SIP/2.0\n"
            + "v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2\n"
            + "VIA: SIP/2.0/UDP c.example.com;branch=z9hG4bK3\n"
            + "Contact: \"Doe, John\" <sip:j@x.example.com;a=b,c>;q=0.5, <sip:k@y.example.com>\n"
            + "Allow: INVITE,ACK ,  BYE\n"
            + "Subject: hello, world\n"
            + "X-Folded: one\n  two\n\tthree\n"
            + "l: 0\n\n").utf8
    )

    @Test func bareLFMultiValueAndFolding() throws {
        let message = try SIPDatagramParser.parse(Self.message).message
        let headers = message.headers
        #expect(headers.count == 7)
        #expect(headers.values(.via).count == 3)
        #expect(try headers.vias().map(\.host) == ["a.example.com", "b.example.com", "c.example.com"])
        #expect(message.topVia?.branch == "z9hG4bK1")
        #expect(headers.values(.contact) == ["\"Doe, John\" <sip:j@x.example.com;a=b,c>;q=0.5", "<sip:k@y.example.com>"])
        #expect(headers.contacts?.first?.displayName == "Doe, John")
        #expect(headers.values(.allow) == ["INVITE", "ACK", "BYE"])
        #expect(headers.values(.subject) == ["hello, world"])  // not a list header
        #expect(headers.first("x-folded") == "one two three")
        #expect(headers.fields(named: .via).map(\.line) == [2, 3])
        #expect(headers.fields(named: .via).first?.name == "v")
        #expect(message.contentLength == 0)
    }

    @Test func mutation() throws {
        var headers = SIPHeaders([("Via", "SIP/2.0/UDP a;branch=z9hG4bK1"), ("To", "<sip:b@example.com>")])
        headers.insert(.via, "SIP/2.0/TCP proxy;branch=z9hG4bK0", at: 0)
        #expect(headers.topVia?.host == "proxy")
        headers.set(.to, "<sip:c@example.com>;tag=9")
        #expect(headers.to?.tag == "9")
        #expect(headers.values(.to).count == 1)
        headers.removeAll(.via)
        #expect(!headers.contains(.via))
        headers.append(name: "x-a", value: "1")
        #expect(headers.first("X-A") == "1")
    }
}
