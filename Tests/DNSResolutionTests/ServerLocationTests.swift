import DNSResolution
import Testing

/// RFC 3263 §4 target selection, driven against an in-memory zone.
@Suite struct ServerLocationTests {
    /// A zone: the answer section for each question (absent: an empty NOERROR answer).
    typealias Zone = [DNSQuestion: [DNSResourceRecord]]

    struct Run {
        var resolution: SIPServerResolution
        var asked: [DNSQuestion]
    }

    /// Runs the locator to the end (bounded), answering from `zone`; `additionals` go into every answer.
    static func resolve(_ request: SIPServerLocator.Request, _ zone: Zone, additionals: [DNSResourceRecord] = [], failing: Bool = false, seed: UInt64 = 1) -> Run {
        var locator = SIPServerLocator(request, seed: seed)
        var asked: [DNSQuestion] = []
        for _ in 0..<100 {
            switch locator.next() {
            case .finished(let resolution):
                return Run(resolution: resolution, asked: asked)
            case .query(let question):
                asked.append(question)
                if failing {
                    locator.receive(.failure("timed out"), for: question)
                } else {
                    let message = DNSMessage(id: 1, questions: [question], answers: zone[question] ?? [], additionals: additionals)
                    locator.receive(.answer(message), for: question)
                }
            }
        }
        Issue.record("the locator did not finish in 100 steps")
        return Run(resolution: SIPServerResolution(targets: [], notes: [], usedDNS: true, queries: 0), asked: asked)
    }

    static func naptr(_ owner: String, _ order: UInt16, _ preference: UInt16, _ service: String, _ replacement: String, flags: String = "s") -> DNSResourceRecord {
        DNSResourceRecord(name: owner, ttl: 60, data: .naptr(DNSNamingAuthorityRecord(order: order, preference: preference, flags: flags, services: service, regexp: "", replacement: replacement)))
    }

    static func srv(_ owner: String, _ priority: UInt16, _ weight: UInt16, _ port: UInt16, _ target: String) -> DNSResourceRecord {
        DNSResourceRecord(name: owner, ttl: 60, data: .srv(DNSServiceRecord(priority: priority, weight: weight, port: port, target: target)))
    }

    static func a(_ owner: String, _ address: String) -> DNSResourceRecord {
        DNSResourceRecord(name: owner, ttl: 60, data: .a(address))
    }

    @Test func addressLiteralNeedsNoDNS() {
        let run = Self.resolve(SIPServerLocator.Request(host: "192.0.2.7"), [:])
        #expect(run.asked.isEmpty)
        #expect(run.resolution.usedDNS == false)
        #expect(run.resolution.targets == [SIPServerTarget(transport: .udp, host: "192.0.2.7", address: "192.0.2.7", port: 5060, chain: ["address literal"])])
        let v6 = Self.resolve(SIPServerLocator.Request(host: "[2001:db8::5]", port: 5070, transport: .tcp), [:])
        #expect(v6.asked.isEmpty)
        #expect(v6.resolution.targets.map(\.description) == ["TCP [2001:db8::5]:5070 (address literal)"])
        #expect(!SIPServerLocator.isAddressLiteral("1.2.3.example"))
        #expect(!SIPServerLocator.isAddressLiteral("300.1.1.1"))
    }

    @Test func explicitPortAsksOnlyForAddresses() {
        let zone: Zone = [DNSQuestion(name: "pbx.example.com", type: .a): [Self.a("pbx.example.com", "198.51.100.1")]]
        let run = Self.resolve(SIPServerLocator.Request(host: "PBX.example.com", port: 5080), zone)
        #expect(run.asked == [DNSQuestion(name: "pbx.example.com", type: .a), DNSQuestion(name: "pbx.example.com", type: .aaaa)])
        #expect(run.resolution.targets.map(\.reason) == ["explicit port 5080 -> 198.51.100.1"])
        #expect(run.resolution.targets.first?.port == 5080)
    }

    @Test func naptrOrderThenPreferenceThenSRVThenAddress() {
        let zone: Zone = [
            DNSQuestion(name: "example.com", type: .naptr): [
                Self.naptr("example.com", 20, 10, "SIP+D2U", "_sip._udp.late.example.com"),
                Self.naptr("example.com", 10, 50, "SIP+D2T", "_sip._tcp.example.com"),
                Self.naptr("example.com", 10, 10, "SIPS+D2T", "_sips._tcp.example.com"), // TLS: not supported here
                Self.naptr("example.com", 10, 20, "SIP+D2U", "_sip._udp.example.com"),
                Self.naptr("example.com", 5, 10, "SIP+D2U", "!^.*$!sip:x@y!", flags: "u"), // not an SRV pointer
            ],
            DNSQuestion(name: "_sip._udp.example.com", type: .srv): [Self.srv("_sip._udp.example.com", 10, 60, 5060, "sip1.example.com")],
            DNSQuestion(name: "_sip._tcp.example.com", type: .srv): [Self.srv("_sip._tcp.example.com", 10, 0, 5062, "sip2.example.com")],
            DNSQuestion(name: "_sip._udp.late.example.com", type: .srv): [Self.srv("_sip._udp.late.example.com", 10, 0, 5064, "sip1.example.com")],
            DNSQuestion(name: "sip1.example.com", type: .a): [Self.a("sip1.example.com", "127.0.0.1")],
            DNSQuestion(name: "sip2.example.com", type: .a): [Self.a("sip2.example.com", "127.0.0.2")],
        ]
        let run = Self.resolve(SIPServerLocator.Request(host: "example.com"), zone)
        #expect(run.asked.first == DNSQuestion(name: "example.com", type: .naptr))
        #expect(run.resolution.targets.map(\.reason) == [
            "NAPTR 10 20 SIP+D2U -> _sip._udp.example.com SRV 10 60 5060 sip1.example.com -> 127.0.0.1",
            "NAPTR 10 50 SIP+D2T -> _sip._tcp.example.com SRV 10 0 5062 sip2.example.com -> 127.0.0.2",
            "NAPTR 20 10 SIP+D2U -> _sip._udp.late.example.com SRV 10 0 5064 sip1.example.com -> 127.0.0.1",
        ])
        #expect(run.resolution.targets.map(\.transport) == [.udp, .tcp, .udp])
        #expect(run.resolution.targets.map(\.port) == [5060, 5062, 5064])
        #expect(!run.asked.contains(DNSQuestion(name: "_sips._tcp.example.com", type: .srv)))

        let udpOnly = Self.resolve(SIPServerLocator.Request(host: "example.com", supported: [.udp]), zone)
        #expect(udpOnly.resolution.targets.map(\.transport) == [.udp, .udp])

        let secure = Self.resolve(SIPServerLocator.Request(host: "example.com", secure: true, supported: [.udp, .tcp, .tls]), zone)
        #expect(secure.asked.contains(DNSQuestion(name: "_sips._tcp.example.com", type: .srv)))
        #expect(!secure.asked.contains(DNSQuestion(name: "_sip._udp.example.com", type: .srv)))
        #expect(secure.resolution.targets.isEmpty, "the sips SRV has no records and no TLS fallback address exists")
    }

    @Test func withoutNAPTRTheSupportedSRVsAreAskedThenTheHost() {
        let zone: Zone = [
            DNSQuestion(name: "_sip._tcp.example.org", type: .srv): [Self.srv("_sip._tcp.example.org", 1, 1, 5090, "pbx.example.org")],
            DNSQuestion(name: "pbx.example.org", type: .a): [Self.a("pbx.example.org", "203.0.113.9")],
        ]
        let run = Self.resolve(SIPServerLocator.Request(host: "example.org"), zone)
        #expect(Array(run.asked.prefix(3)) == [
            DNSQuestion(name: "example.org", type: .naptr), DNSQuestion(name: "_sip._udp.example.org", type: .srv), DNSQuestion(name: "_sip._tcp.example.org", type: .srv),
        ])
        #expect(run.resolution.targets.map(\.reason) == ["no NAPTR -> _sip._tcp.example.org SRV 1 1 5090 pbx.example.org -> 203.0.113.9"])

        let bare = Self.resolve(SIPServerLocator.Request(host: "example.net"), [DNSQuestion(name: "example.net", type: .a): [Self.a("example.net", "192.0.2.1")]])
        #expect(bare.resolution.targets.map(\.description) == ["UDP 192.0.2.1:5060 (no SRV -> 192.0.2.1)"])
        let secure = Self.resolve(SIPServerLocator.Request(host: "example.net", secure: true, supported: [.tls]), [DNSQuestion(name: "example.net", type: .a): [Self.a("example.net", "192.0.2.1")]])
        #expect(secure.resolution.targets.map(\.description) == ["TLS 192.0.2.1:5061 (no SRV -> 192.0.2.1)"])
    }

    @Test func srvPriorityComesFirstAndWeightsShareTheLoad() {
        let records = [
            DNSServiceRecord(priority: 20, weight: 100, port: 1, target: "backup"),
            DNSServiceRecord(priority: 10, weight: 60, port: 2, target: "big"),
            DNSServiceRecord(priority: 10, weight: 40, port: 3, target: "small"),
            DNSServiceRecord(priority: 10, weight: 0, port: 4, target: "zero"),
        ]
        var firstCounts: [String: Int] = [:]
        for seed in 0..<2000 {
            var random = SplitMix64(seed: UInt64(seed))
            let ordered = SRVOrdering.order(records, using: &random)
            #expect(ordered.count == 4)
            #expect(ordered.last?.target == "backup", "priority 20 is only tried after every priority 10")
            firstCounts[ordered[0].target, default: 0] += 1
        }
        // Weight 60 of 100 (+1 for the inclusive range): about 60 % first; 40 %; zero weight rarely.
        #expect((1000...1400).contains(firstCounts["big"] ?? 0), "\(firstCounts)")
        #expect((600...1000).contains(firstCounts["small"] ?? 0), "\(firstCounts)")
        #expect((1...100).contains(firstCounts["zero"] ?? 0), "\(firstCounts)")
        // The same seed gives the same order.
        var one = SplitMix64(seed: 42)
        var two = SplitMix64(seed: 42)
        #expect(SRVOrdering.order(records, using: &one) == SRVOrdering.order(records, using: &two))
    }

    @Test func glueAndCNAMEAndDotTargets() {
        let zone: Zone = [
            DNSQuestion(name: "example.com", type: .naptr): [Self.naptr("example.com", 10, 10, "SIP+D2U", "_sip._udp.example.com")],
            DNSQuestion(name: "_sip._udp.example.com", type: .srv): [
                Self.srv("_sip._udp.example.com", 10, 10, 5141, "alias.example.com"),
                Self.srv("_sip._udp.example.com", 20, 10, 5142, "glued.example.com"),
            ],
            DNSQuestion(name: "alias.example.com", type: .a): [DNSResourceRecord(name: "alias.example.com", ttl: 60, data: .cname("real.example.com"))],
            DNSQuestion(name: "real.example.com", type: .a): [Self.a("real.example.com", "127.0.0.5")],
        ]
        let run = Self.resolve(SIPServerLocator.Request(host: "example.com"), zone, additionals: [Self.a("glued.example.com", "127.0.0.6")])
        #expect(run.resolution.targets.map(\.address) == ["127.0.0.5", "127.0.0.6"])
        #expect(run.resolution.targets.first?.reason == "NAPTR 10 10 SIP+D2U -> _sip._udp.example.com SRV 10 10 5141 alias.example.com -> CNAME real.example.com -> 127.0.0.5")
        #expect(!run.asked.contains(DNSQuestion(name: "glued.example.com", type: .a)), "the additional section answered it")

        let unavailable = Self.resolve(SIPServerLocator.Request(host: "example.com"), [
            DNSQuestion(name: "_sip._udp.example.com", type: .srv): [Self.srv("_sip._udp.example.com", 0, 0, 0, "")],
            DNSQuestion(name: "example.com", type: .a): [Self.a("example.com", "192.0.2.1")],
        ], seed: 7)
        #expect(unavailable.resolution.targets.isEmpty, "SRV target \".\" means no SIP here; no fallback to the host's A record")
    }

    @Test func noNameserverAnsweringIsReported() {
        let run = Self.resolve(SIPServerLocator.Request(host: "example.com"), [:], failing: true)
        #expect(run.resolution.targets.isEmpty)
        #expect(run.resolution.noServerAnswered)
        #expect(run.resolution.notes == ["example.com NAPTR: timed out"])
        #expect(run.asked.count == 1, "a dead nameserver is not asked again for every record")
    }
}
