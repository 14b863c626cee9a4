import DNSResolution
import Testing

/// RFC 1035 wire format: the query builder and the response parser, on hand-built bytes.
@Suite struct WireFormatTests {
    /// A response to "_sip._udp.example.com SRV": the answer's owner is a pointer to the
    /// question (offset 12), the SRV target "sip1" continues with a pointer to "example.com"
    /// inside the question (offset 22), and the additional A record's owner points at the
    /// SRV target (offset 57).
    static let srvResponse: [UInt8] = [
        0xBE, 0xEF, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, // header: QR AA RD RA, 1/1/0/1
        0x04, 0x5F, 0x73, 0x69, 0x70, // offset 12: "_sip"
        0x04, 0x5F, 0x75, 0x64, 0x70, // offset 17: "_udp"
        0x07, 0x45, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, // offset 22: "Example" (case folded on parse)
        0x03, 0x63, 0x6F, 0x6D, 0x00, // "com", root
        0x00, 0x21, 0x00, 0x01, // SRV IN
        0xC0, 0x0C, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x0D, // offset 39: answer, ptr to 12, TTL 3600, rdlength 13
        0x00, 0x0A, 0x00, 0x3C, 0x13, 0xC4, // priority 10, weight 60, port 5060
        0x04, 0x73, 0x69, 0x70, 0x31, 0xC0, 0x16, // offset 57: "sip1" + ptr to 22
        0xC0, 0x39, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x04, 0x7F, 0x00, 0x00, 0x01, // additional: ptr to 57, A 127.0.0.1
    ]

    @Test func queryHasTheRFC1035Layout() throws {
        let bytes = try DNSQueryBuilder.query(id: 0x1234, DNSQuestion(name: "example.com.", type: .naptr))
        #expect(bytes == [
            0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x07, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, 0x03, 0x63, 0x6F, 0x6D, 0x00,
            0x00, 0x23, 0x00, 0x01,
        ])
    }

    @Test func namesThatCannotBeEncodedAreErrors() {
        #expect(throws: DNSWireError.self) { try DNSQueryBuilder.encodeName("a..example.com") }
        #expect(throws: DNSWireError.self) { try DNSQueryBuilder.encodeName(String(repeating: "x", count: 64) + ".com") }
        let long = Array(repeating: String(repeating: "y", count: 60), count: 5).joined(separator: ".")
        #expect(throws: DNSWireError.self) { try DNSQueryBuilder.encodeName(long) }
        #expect((try? DNSQueryBuilder.encodeName("")) == [0])
    }

    @Test func parsesSRVWithCompressionPointersAndGlue() throws {
        let message = try DNSMessageParser.parse(Self.srvResponse)
        #expect(message.id == 0xBEEF)
        #expect(message.isResponse)
        #expect(!message.truncated)
        #expect(message.responseCode == .noError)
        #expect(message.questions == [DNSQuestion(name: "_sip._udp.example.com", type: .srv)])
        #expect(message.answers == [DNSResourceRecord(name: "_sip._udp.example.com", ttl: 3600, data: .srv(DNSServiceRecord(priority: 10, weight: 60, port: 5060, target: "sip1.example.com")))])
        #expect(message.additionals == [DNSResourceRecord(name: "sip1.example.com", ttl: 60, data: .a("127.0.0.1"))])
    }

    @Test func everyTruncatedPrefixIsAnErrorNotACrash() {
        for length in 0..<Self.srvResponse.count {
            #expect(throws: DNSWireError.self, "prefix of \(length) octets") { try DNSMessageParser.parse(Array(Self.srvResponse.prefix(length))) }
        }
    }

    @Test func pointerLoopsAndForwardPointersAreErrors() {
        let header: [UInt8] = [0x00, 0x01, 0x81, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
        // A name that points at itself.
        #expect(throws: DNSWireError.self) { try DNSMessageParser.parse(header + [0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01]) }
        // Two names pointing at each other: "a" + ptr to 16, at 16 ptr back to 12.
        #expect(throws: DNSWireError.self) { try DNSMessageParser.parse(header + [0x01, 0x61, 0xC0, 0x10, 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01]) }
        // A pointer past the end of the message.
        #expect(throws: DNSWireError.self) { try DNSMessageParser.parse(header + [0xC3, 0xFF, 0x00, 0x01, 0x00, 0x01]) }
        // The reserved 0x40 and 0x80 label types.
        #expect(throws: DNSWireError.self) { try DNSMessageParser.parse(header + [0x40, 0x00, 0x00, 0x01, 0x00, 0x01]) }
        #expect(throws: DNSWireError.self) { try DNSMessageParser.parse(header + [0x80, 0x00, 0x00, 0x01, 0x00, 0x01]) }
    }

    @Test func badRecordDataIsAnError() throws {
        var short = Self.srvResponse
        short[75] = 0x03 // the A record's rdlength says 3 (IPv4 needs 4), leaving one octet over
        #expect(throws: DNSWireError.self) { try DNSMessageParser.parse(short) }
        var long = Self.srvResponse
        long[50] = 0x20 // the SRV rdlength runs past the end
        #expect(throws: DNSWireError.self) { try DNSMessageParser.parse(long) }
        var counts = Self.srvResponse
        counts[6] = 0xFF // 65 280 answers claimed
        #expect(throws: DNSWireError.self) { try DNSMessageParser.parse(counts) }
    }

    @Test func mangledBytesNeverCrashTheParser() {
        var random = SplitMix64(seed: 3263)
        var failures = 0
        for _ in 0..<2000 {
            var bytes = Self.srvResponse
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 12..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if (try? DNSMessageParser.parse(bytes)) == nil { failures += 1 }
        }
        #expect(failures > 0, "some mangled messages must be refused")
    }

    @Test func parsesNAPTRAAAACNAMEAndFlags() throws {
        var bytes: [UInt8] = [0x00, 0x07, 0x87, 0x83, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00] // QR AA TC RD, NXDOMAIN... rcode 3
        bytes += [0x07] + Array("example".utf8) + [0x03] + Array("com".utf8) + [0x00, 0x00, 0x23, 0x00, 0x01] // question at 12
        // NAPTR 10 50 "s" "SIP+D2U" "" _sip._udp.<ptr 12>
        let rdata: [UInt8] = [0x00, 0x0A, 0x00, 0x32, 0x01, 0x73, 0x07] + Array("SIP+D2U".utf8) + [0x00, 0x04] + Array("_sip".utf8) + [0x04] + Array("_udp".utf8) + [0xC0, 0x0C]
        bytes += [0xC0, 0x0C, 0x00, 0x23, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, UInt8(rdata.count)] + rdata
        // AAAA 2001:db8::1 and a CNAME to sip.<ptr 12>, owners via pointer
        bytes += [0xC0, 0x0C, 0x00, 0x1C, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x10, 0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [0x01]
        bytes += [0xC0, 0x0C, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x06, 0x03] + Array("sip".utf8) + [0xC0, 0x0C]
        let message = try DNSMessageParser.parse(bytes)
        #expect(message.truncated)
        #expect(message.responseCode == .nameError)
        #expect(message.answers.map(\.data) == [
            .naptr(DNSNamingAuthorityRecord(order: 10, preference: 50, flags: "s", services: "SIP+D2U", regexp: "", replacement: "_sip._udp.example.com")),
            .aaaa("2001:db8::1"),
            .cname("sip.example.com"),
        ])
    }

    @Test func ipv6TextFollowsRFC5952() {
        #expect(IPv6Text.format(Array(repeating: 0, count: 15) + [1]) == "::1")
        #expect(IPv6Text.format([0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]) == "1:0:0:1::1")
        #expect(IPv6Text.format([0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7]) == "1:0:2:3:4:5:6:7", "one zero group is not shortened")
        #expect(IPv6Text.format([0xFE, 0x80] + Array(repeating: 0, count: 14)) == "fe80::")
    }
}
