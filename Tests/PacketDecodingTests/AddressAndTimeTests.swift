import PacketDecoding
import Testing

@Suite("Addresses, endpoints and capture time")
struct AddressAndTimeTests {
    @Test(arguments: [
        // RFC 5952 §4 examples and rules.
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // first of two equal runs
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // a single zero group stays
        ("2001:db8::0:1", "2001:db8::1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),  // the longest run wins
        ("2001:DB8::AbC", "2001:db8::abc"),
        ("::", "::"),
        ("::1", "::1"),
        ("1::", "1::"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("192.0.2.1", "192.0.2.1"),
        ("0.0.0.0", "0.0.0.0"),
        ("255.255.255.255", "255.255.255.255"),
    ])
    func formatting(input: String, expected: String) {
        #expect(NetworkAddress(input)?.description == expected)
        if let address = NetworkAddress(input) {
            #expect(NetworkAddress(address.description) == address)
            #expect(NetworkAddress(bytes: address.bytes) == address)
        }
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.1234", "1..2.3", "a.b.c.d",
        ":", ":::", "1:::2", "2001:db8:::192.0.2.1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::",
        "::1::", "1:", "::g", "2001:db8::1%eth0", "1.2.3.4::",
    ])
    func rejects(input: String) {
        #expect(NetworkAddress(input) == nil)
    }

    /// IPv4 text is written byte by byte; it must read as the interpolated decimals would.
    @Test func ipv4TextMatchesDecimalInterpolation() {
        var state: UInt64 = 0x1F4
        for round in 0..<5000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = round < 3 ? [UInt32(0), UInt32.max, 0x0A00_0001][round] : UInt32(truncatingIfNeeded: state >> 29)
            let port = round < 3 ? [UInt16(0), UInt16.max, 9][round] : UInt16(truncatingIfNeeded: state >> 7)
            let text = "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
            #expect(NetworkAddress(ipv4: value).description == text)
            #expect(Endpoint(address: NetworkAddress(ipv4: value), port: port).description == "\(text):\(port)")
        }
    }

    @Test func endpoints() {
        #expect(Endpoint("10.0.0.1:5060")?.description == "10.0.0.1:5060")
        #expect(Endpoint("[2001:db8::1]:5060")?.description == "[2001:db8::1]:5060")
        #expect(Endpoint("2001:db8::1:5060") == nil)  // IPv6 needs brackets
        #expect(Endpoint("10.0.0.1:70000") == nil)
        #expect(Endpoint("10.0.0.1") == nil)
        #expect(NetworkAddress(ipv4: 0x0A00_0001).description == "10.0.0.1")
        #expect(NetworkAddress("10.0.0.1")?.ipv4Value == 0x0A00_0001)
        #expect(NetworkAddress(bytes: [1, 2, 3]) == nil)
        #expect(NetworkAddress("10.0.0.1")! < NetworkAddress("::1")!)
        #expect(NetworkAddress("10.0.0.1")! != NetworkAddress("::ffff:10.0.0.1")!)
    }

    @Test func captureTimeArithmetic() {
        let start = CaptureTime(seconds: 1_700_000_000, nanoseconds: 250_000_000)
        let later = start.advanced(by: .milliseconds(1500))
        #expect(later.milliseconds(since: start) == 1500)
        #expect(later.seconds == 1_700_000_001)
        #expect(later.nanosecondsPart == 750_000_000)
        #expect(start < later)
        #expect(start.description == "1700000000.250000000")
        #expect(CaptureTime(nanosecondsSinceEpoch: -1).seconds == -1)
        #expect(CaptureTime(nanosecondsSinceEpoch: -1).nanosecondsPart == 999_999_999)
        #expect(CaptureTime(seconds: Int64.max).nanosecondsSinceEpoch == Int64.max)  // saturates
        #expect(
            CaptureTime(nanosecondsSinceEpoch: Int64.max).advanced(byNanoseconds: 5).nanosecondsSinceEpoch == Int64.max
        )
    }

    @Test func vlanTagsStoreAtMostFour() {
        var tags = VLANTags([1, 2, 3, 4, 5])
        #expect(tags.ids == [1, 2, 3, 4])
        tags = VLANTags([0xF123])
        #expect(tags.outer == 0x123)
        #expect(VLANTags().isEmpty)
    }
}
