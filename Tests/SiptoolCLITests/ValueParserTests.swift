import SiptoolCLI
import Testing

@Suite struct ValueParserTests {
    @Test(arguments: [
        ("30s", 30_000), ("500ms", 500), ("2m", 120_000), ("1h", 3_600_000), ("1.5s", 1_500), ("10", 10_000), ("0.25", 250),
    ] as [(String, Int64)])
    func durations(text: String, milliseconds: Int64) throws {
        #expect(try ValueParsers.duration(text) == .milliseconds(milliseconds))
    }

    @Test(arguments: ["", "-5s", "abc", "5 parsecs", "1e400", "s", "9999999h", "1.2.3s"])
    func badDurations(text: String) {
        #expect(throws: ValueError.self) { try ValueParsers.duration(text) }
    }

    @Test func ports() throws {
        #expect(try ValueParsers.port("5060") == 5060)
        #expect(try ValueParsers.port("0", allowZero: true) == 0)
        for bad in ["0", "65536", "-1", "sip", "", "99999999999999999999"] {
            #expect(throws: ValueError.self) { try ValueParsers.port(bad) }
        }
    }

    @Test func hostPorts() throws {
        #expect(try ValueParsers.hostPort("sip.example.com") == HostPort(host: "sip.example.com", port: nil))
        #expect(try ValueParsers.hostPort("10.0.0.1:5080") == HostPort(host: "10.0.0.1", port: 5080))
        #expect(try ValueParsers.hostPort("[::1]:5060") == HostPort(host: "::1", port: 5060))
        #expect(try ValueParsers.hostPort("[2001:db8::1]") == HostPort(host: "2001:db8::1", port: nil))
        #expect(try ValueParsers.hostPort("::1") == HostPort(host: "::1", port: nil))
        #expect(try ValueParsers.hostPort("[::1]:5060").description == "[::1]:5060")
        for bad in ["", "[::1", "[::1]x", "host:", "host:99999", "ho st", "[]:5060", "fe80::1%eth0:5060"] {
            #expect(throws: ValueError.self, "\(bad)") { try ValueParsers.hostPort(bad) }
        }
    }

    @Test func sipURIs() throws {
        #expect(try ValueParsers.sipURI("sip:+15550011234@trunk.example.net") == "sip:+15550011234@trunk.example.net")
        #expect(try ValueParsers.sipURI("tel:+15550011234") == "tel:+15550011234")
        #expect(try ValueParsers.sipURI("SIPS:alice@example.com") == "SIPS:alice@example.com")
        for bad in ["http://x", "sip:", "alice@example.com", "sip:a b"] {
            #expect(throws: ValueError.self) { try ValueParsers.sipURI(bad) }
        }
    }

    @Test func choicesSuggest() {
        do {
            _ = try ValueParsers.choice("udpp", among: ["udp", "tcp", "tls"])
            Issue.record("accepted a bad choice")
        } catch {
            #expect(error.message == "'udpp' is not one of udp, tcp, tls. Did you mean 'udp'?")
        }
        #expect((try? ValueParsers.choice("TCP", among: ["udp", "tcp", "tls"])) == "tcp")
    }

    @Test func commaLists() throws {
        let codecs = try ValueParsers.list("pcmu, pcma,g722") { (item: String) throws(ValueError) -> String in
            try ValueParsers.choice(item, among: ["pcmu", "pcma", "g722"])
        }
        #expect(codecs == ["pcmu", "pcma", "g722"])
        #expect(throws: ValueError.self) {
            try ValueParsers.list("pcmu,,pcma") { (item: String) throws(ValueError) -> String in item }
        }
        do {
            _ = try ValueParsers.list("5060,70000") { (item: String) throws(ValueError) -> Int in try ValueParsers.port(item) }
            Issue.record("accepted a bad port")
        } catch {
            #expect(error.message.hasPrefix("item '70000':"))
        }
    }

    @Test func integersWithRanges() throws {
        #expect(try ValueParsers.integer("7", in: 1...10) == 7)
        #expect(throws: ValueError.self) { try ValueParsers.integer("11", in: 1...10) }
        #expect(throws: ValueError.self) { try ValueParsers.integer("seven", in: 1...10) }
    }
}
