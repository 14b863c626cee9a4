import SDP
import Testing

@Suite("IP address classification")
struct IPAddressClassifierTests {
    @Test(arguments: [
        ("0.0.0.0", IPAddressClass.unspecified), ("::", .unspecified), ("0:0:0:0:0:0:0:0", .unspecified),
        ("127.0.0.1", .loopback), ("::1", .loopback), ("::ffff:127.0.0.1", .loopback),
        ("10.0.0.5", .private), ("172.16.0.1", .private), ("172.31.255.255", .private), ("192.168.1.20", .private),
        ("172.32.0.1", .public), ("172.15.0.1", .public), ("::ffff:192.168.0.1", .private), ("::FFFF:10.1.2.3", .private),
        ("100.64.0.1", .shared), ("100.127.255.254", .shared), ("100.128.0.1", .public),
        ("169.254.10.1", .linkLocal), ("fe80::1", .linkLocal), ("FEBF::1%eth0", .linkLocal), ("fec0::1", .public),
        ("fc00::1", .uniqueLocal), ("fd12:3456:789a::1", .uniqueLocal),
        ("192.0.2.1", .documentation), ("198.51.100.7", .documentation), ("203.0.113.20", .documentation),
        ("2001:db8::1", .documentation), ("2001:db9::1", .public),
        ("224.0.0.1", .multicast), ("239.255.255.250", .multicast), ("ff02::1", .multicast),
        ("240.0.0.1", .reserved), ("255.255.255.255", .reserved), ("0.1.2.3", .reserved),
        ("8.8.8.8", .public), ("2606:4700:4700::1111", .public), ("[2001:4860::8888]", .public),
        ("sip.example.com", .hostname), ("localhost", .hostname), ("abc123.local", .hostname),
        ("256.1.1.1", .invalid), ("1.2.3", .invalid), ("1.2.3.4.5", .invalid), ("", .invalid), ("-bad.example", .invalid),
        ("1..2.3", .invalid), (".1.2.3", .invalid), ("1.2.3.0004", .invalid), ("1.2.3.4 ", .invalid),
        ("1.2.3.٤", .invalid), ("010.0.0.1", .private), ("1:2:3:4:5:6:7:8:9", .invalid), ("1::2::3", .invalid), ("12345::1", .invalid), ("a b", .invalid),
    ])
    func classification(text: String, expected: IPAddressClass) {
        #expect(IPAddressClassifier.classify(text) == expected, "\(text)")
    }

    @Test(arguments: [
        ("::", "::"), ("0:0:0:0:0:0:0:1", "::1"), ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("1::", "1::"), ("::ffff:1.2.3.4", "::ffff:102:304"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"), ("192.0.2.33", "192.0.2.33"),
    ])
    func parsesAndPrintsCanonicalText(text: String, canonical: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.description == canonical)
    }

    @Test func ipv4MappedAddresses() throws {
        let mapped = try #require(IPAddress("::ffff:10.0.0.5"))
        #expect(mapped.isIPv6)
        #expect(mapped.ipv4Equivalent == .v4(10, 0, 0, 5))
        #expect(IPAddress("2001:db8::1")?.ipv4Equivalent == nil)
        #expect(IPAddress("::1.2.3.4") == .v6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]))
    }

    @Test func nonRoutableClasses() {
        #expect(IPAddressClass.private.isNonRoutable)
        #expect(IPAddressClass.shared.isNonRoutable)
        #expect(IPAddressClass.unspecified.isNonRoutable)
        #expect(!IPAddressClass.public.isNonRoutable)
        #expect(!IPAddressClass.hostname.isNonRoutable)
        #expect(IPAddressClass.private.description == "RFC 1918 private")
    }

    @Test func holdAddress() throws {
        let sdp = try SessionDescription.parse(Fixtures.crlf(["v=0", "o=- 1 2 IN IP4 192.0.2.1", "s=-", "c=IN IP4 0.0.0.0",
                                                               "t=0 0", "m=audio 4000 RTP/AVP 0"]))
        #expect(sdp.connection?.isHoldAddress == true)
    }
}

@Suite("Hand-made IPv6 values")
struct IPAddressHandMadeTests {
    @Test func shortOrLongOctetArraysDoNotTrap() {
        #expect(IPAddressClassifier.classify(IPAddress.v6([0xfe, 0x80])) == .linkLocal)
        #expect(IPAddress.v6([]).description == "::")
        #expect(IPAddress.v6([UInt8](repeating: 0xff, count: 20)).ipv4Equivalent == nil)
    }
}
