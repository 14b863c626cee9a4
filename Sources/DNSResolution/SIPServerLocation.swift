/// RFC 3263 §4 (locating SIP servers) as a sans-IO state machine: it says which DNS question to
/// ask next, is given each answer (or the lack of one), and ends with an ordered list of
/// targets to try, each with the chain of records that led to it.

/// A SIP transport as RFC 3263 names it.
public enum SIPTransportProtocol: String, Sendable, Hashable, CaseIterable {
    case udp = "UDP"
    case tcp = "TCP"
    case tls = "TLS"

    /// The NAPTR service field for this transport (RFC 3263 §4.1).
    public var naptrService: String {
        switch self {
        case .udp: "SIP+D2U"
        case .tcp: "SIP+D2T"
        case .tls: "SIPS+D2T"
        }
    }

    /// The SRV owner-name prefix (RFC 3263 §4.1, RFC 2782).
    public var srvPrefix: String {
        switch self {
        case .udp: "_sip._udp."
        case .tcp: "_sip._tcp."
        case .tls: "_sips._tcp."
        }
    }

    /// The port when DNS gives none (RFC 3261 §19.1.2).
    public var defaultPort: Int { self == .tls ? 5061 : 5060 }
}

/// One place to send the request: a transport, the host name it came from, an address and port.
public struct SIPServerTarget: Sendable, Hashable, CustomStringConvertible {
    public var transport: SIPTransportProtocol
    /// The host name the address belongs to (the SRV target, or the URI's host).
    public var host: String
    /// An IPv4 or IPv6 address literal.
    public var address: String
    public var port: Int
    /// How this target was found, step by step (e.g. "NAPTR SIP+D2U", "_sip._udp.example.com
    /// SRV 10 60 5060 sip1.example.com", "127.0.0.1"). Empty steps are never stored.
    public var chain: [String]

    public init(transport: SIPTransportProtocol, host: String, address: String, port: Int, chain: [String]) {
        self.transport = transport
        self.host = host
        self.address = address
        self.port = port
        self.chain = chain
    }

    /// The chain as one line, steps joined by " -> ".
    public var reason: String { self.chain.joined(separator: " -> ") }

    public var description: String { "\(self.transport.rawValue) \(Self.hostPort(self.address, self.port)) (\(self.reason))" }

    static func hostPort(_ host: String, _ port: Int) -> String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }
}

/// What a lookup gave: an answer, or nothing (every server timed out or the query failed).
public enum DNSLookupResult: Sendable {
    case answer(DNSMessage)
    /// No usable answer, with why (shown in the resolution's notes and error).
    case failure(String)
}

/// The RFC 3263 §4 procedure for one SIP URI.
///
/// Drive it with `next()`: ask the returned question, give the result to `receive(_:for:)`,
/// repeat until `next()` returns `.finished`. Questions are asked one at a time; the answers'
/// additional sections are used so that SRV targets with glue records need no further query.
public struct SIPServerLocator: Sendable {
    /// What is being resolved.
    public struct Request: Sendable, Hashable {
        /// The URI's host (name or address literal; IPv6 may be in brackets).
        public var host: String
        /// The URI's explicit port, if any.
        public var port: Int?
        /// An explicit transport (the URI's transport parameter or a command-line choice).
        public var transport: SIPTransportProtocol?
        /// A sips: URI: only TLS targets are acceptable.
        public var secure: Bool
        /// The transports the caller can use, in its order of preference for ties.
        public var supported: [SIPTransportProtocol]

        public init(host: String, port: Int? = nil, transport: SIPTransportProtocol? = nil, secure: Bool = false, supported: [SIPTransportProtocol] = [.udp, .tcp]) {
            self.host = host
            self.port = port
            self.transport = transport
            self.secure = secure
            self.supported = supported
        }
    }

    /// What to do next.
    public enum Step: Sendable, Hashable {
        case query(DNSQuestion)
        case finished(SIPServerResolution)
    }

    /// Bounds, so a hostile zone cannot make us query forever.
    public static let maximumQueries = 24
    public static let maximumTargets = 16
    public static let maximumCNAMEHops = 8

    /// One pending piece of work, processed depth-first so targets come out in RFC order.
    enum Task: Sendable, Hashable {
        case naptr
        case srv(name: String, transport: SIPTransportProtocol, chain: [String])
        case address(host: String, type: DNSRecordType, port: Int, transport: SIPTransportProtocol, chain: [String], hops: Int)
        /// After the SRV step for all transports came up empty: A/AAAA on the host itself.
        case fallbackToHost
    }

    public let request: Request
    private var tasks: [Task] = []
    private var targets: [SIPServerTarget] = []
    private var notes: [String] = []
    private var failures: [String] = []
    private var queries = 0
    private var answered = 0
    private var cache: [DNSQuestion: [DNSResourceRecord]] = [:]
    private var random: SplitMix64
    private var srvFound = false
    private var done: SIPServerResolution?

    /// `seed` fixes the RFC 2782 weighted choice (tests); nil uses the system's randomness.
    public init(_ request: Request, seed: UInt64? = nil) {
        self.request = request
        var system = SystemRandomNumberGenerator()
        self.random = SplitMix64(seed: seed ?? system.next())
        let bare = Self.unbracketed(request.host)
        let transports = self.acceptableTransports
        if Self.isAddressLiteral(bare) {
            // §4.1/§4.2: a numeric IP needs no DNS at all.
            let transport = request.transport ?? (request.secure ? .tls : .udp)
            let port = request.port ?? transport.defaultPort
            self.done = SIPServerResolution(
                targets: [SIPServerTarget(transport: transport, host: bare, address: bare, port: port, chain: ["address literal"])],
                notes: [], usedDNS: false, queries: 0)
        } else if let port = request.port {
            // §4.2: an explicit port means A/AAAA only.
            let transport = request.transport ?? (request.secure ? .tls : .udp)
            let chain = ["explicit port \(port)"]
            self.tasks = [
                .address(host: bare.lowercased(), type: .a, port: port, transport: transport, chain: chain, hops: 0),
                .address(host: bare.lowercased(), type: .aaaa, port: port, transport: transport, chain: chain, hops: 0),
            ]
        } else if let transport = request.transport {
            // §4.1: transport known, no port: SRV for that transport, then A/AAAA.
            self.tasks = [.srv(name: transport.srvPrefix + bare.lowercased(), transport: transport, chain: ["transport \(transport.rawValue) given"]), .fallbackToHost]
        } else if transports.isEmpty {
            self.done = SIPServerResolution(targets: [], notes: ["no supported transport is acceptable for a sips: URI"], usedDNS: false, queries: 0)
        } else {
            self.tasks = [.naptr]
        }
    }

    /// The supported transports a URI of this scheme may use.
    var acceptableTransports: [SIPTransportProtocol] {
        self.request.supported.filter { self.request.secure ? $0 == .tls : true }
    }

    /// The next question, or the result when nothing is left to ask.
    public mutating func next() -> Step {
        if let done { return .finished(done) }
        while let task = self.tasks.first {
            if let question = self.question(for: task) {
                if let cached = self.cache[question] {
                    self.tasks.removeFirst()
                    self.process(task, records: cached, failure: nil)
                    continue
                }
                guard self.queries < Self.maximumQueries else {
                    self.notes.append("stopped after \(Self.maximumQueries) DNS queries")
                    self.tasks.removeAll()
                    break
                }
                return .query(question)
            }
            self.tasks.removeFirst()
            self.process(task, records: [], failure: nil)
        }
        let result = SIPServerResolution(targets: Array(self.targets.prefix(Self.maximumTargets)), notes: self.notes + self.failures, usedDNS: true, queries: self.queries, noServerAnswered: self.queries > 0 && self.answered == 0)
        self.done = result
        return .finished(result)
    }

    /// The result of the question last returned by `next()`.
    public mutating func receive(_ result: DNSLookupResult, for question: DNSQuestion) {
        guard let task = self.tasks.first, self.question(for: task) == question else { return }
        self.tasks.removeFirst()
        self.queries += 1
        switch result {
        case .failure(let reason):
            self.failures.append("\(question): \(reason)")
            if self.answered == 0 {
                // Not one answer yet: the nameservers are unreachable, asking on would only
                // multiply the timeouts. Stop and say so.
                self.tasks.removeAll()
                return
            }
            self.process(task, records: [], failure: reason)
        case .answer(let message):
            self.answered += 1
            if message.responseCode != .noError && message.responseCode != .nameError {
                self.failures.append("\(question): \(message.responseCode)")
            }
            if message.truncated {
                self.notes.append("\(question): answer truncated (TC), the records that fit are used")
            }
            // Glue in the additional section answers later A/AAAA questions without a query.
            for record in message.additionals {
                switch record.data {
                case .a: self.cache[DNSQuestion(name: record.name, type: .a), default: []].append(record)
                case .aaaa: self.cache[DNSQuestion(name: record.name, type: .aaaa), default: []].append(record)
                default: break
                }
            }
            let records = message.answers
            self.cache[question] = records
            self.process(task, records: records, failure: nil)
        }
    }

    private func question(for task: Task) -> DNSQuestion? {
        switch task {
        case .naptr: DNSQuestion(name: Self.unbracketed(self.request.host).lowercased(), type: .naptr)
        case .srv(let name, _, _): DNSQuestion(name: name, type: .srv)
        case .address(let host, let type, _, _, _, _): DNSQuestion(name: host, type: type)
        case .fallbackToHost: nil
        }
    }

    private mutating func process(_ task: Task, records: [DNSResourceRecord], failure: String?) {
        let host = Self.unbracketed(self.request.host).lowercased()
        switch task {
        case .naptr:
            let chosen = Self.usableNAPTR(records, owner: host, acceptable: self.acceptableTransports)
            if chosen.isEmpty {
                // §4.1: no (usable) NAPTR: SRV for each transport we support.
                let why = records.isEmpty ? "no NAPTR" : "no usable NAPTR"
                self.tasks.insert(contentsOf: self.acceptableTransports.map {
                    Task.srv(name: $0.srvPrefix + host, transport: $0, chain: [why])
                } + [.fallbackToHost], at: 0)
            } else {
                self.tasks.insert(contentsOf: chosen.map { choice in
                    Task.srv(name: choice.record.replacement, transport: choice.transport, chain: ["NAPTR \(choice.record.order) \(choice.record.preference) \(choice.transport.naptrService)"])
                } + [.fallbackToHost], at: 0)
            }
        case .srv(let name, let transport, let chain):
            let services = records.compactMap { record -> DNSServiceRecord? in
                guard record.name == name, case .srv(let srv) = record.data else { return nil }
                return srv
            }
            // A single SRV with target "." says the service is not offered here (RFC 2782).
            let offered = services.filter { $0.target != "" }
            if !services.isEmpty { self.srvFound = true }
            let ordered = SRVOrdering.order(offered, using: &self.random)
            self.tasks.insert(contentsOf: ordered.flatMap { srv -> [Task] in
                let step = "\(name) SRV \(srv.priority) \(srv.weight) \(srv.port) \(srv.target)"
                return [DNSRecordType.a, .aaaa].map {
                    Task.address(host: srv.target, type: $0, port: Int(srv.port), transport: transport, chain: chain + [step], hops: 0)
                }
            }, at: 0)
        case .fallbackToHost:
            // §4.2: no SRV at all: A/AAAA on the host, UDP for sip and TLS for sips.
            guard !self.srvFound else { return }
            let transport: SIPTransportProtocol = self.request.transport ?? (self.request.secure ? .tls : (self.acceptableTransports.first ?? .udp))
            let chain = ["no SRV"]
            self.tasks.insert(contentsOf: [DNSRecordType.a, .aaaa].map {
                Task.address(host: host, type: $0, port: transport.defaultPort, transport: transport, chain: chain, hops: 0)
            }, at: 0)
        case .address(let name, let type, let port, let transport, let chain, let hops):
            var owner = name
            var cnameSteps: [String] = []
            // Follow CNAMEs inside the answer (bounded), then take the records of the final name.
            for _ in 0..<Self.maximumCNAMEHops {
                guard let canonical = records.lazy.compactMap({ $0.name == owner ? $0.data.canonicalName : nil }).first else { break }
                cnameSteps.append("CNAME \(canonical)")
                owner = canonical
            }
            let addresses = records.compactMap { record -> String? in
                guard record.name == owner else { return nil }
                switch (record.data, type) {
                case (.a(let address), .a), (.aaaa(let address), .aaaa): return address
                default: return nil
                }
            }
            if addresses.isEmpty, owner != name, hops < Self.maximumCNAMEHops {
                // The answer stopped at an alias: ask for the canonical name itself.
                self.tasks.insert(.address(host: owner, type: type, port: port, transport: transport, chain: chain + cnameSteps, hops: hops + 1), at: 0)
                return
            }
            for address in addresses where !self.targets.contains(where: { $0.address == address && $0.port == port && $0.transport == transport }) {
                self.targets.append(SIPServerTarget(transport: transport, host: name, address: address, port: port, chain: chain + cnameSteps + [address]))
            }
        }
    }

    /// NAPTR records for SIP that we can use, in order then preference (RFC 3403 §4), with
    /// the transport each one means. Only terminal "S" records with an empty regexp qualify
    /// (RFC 3263 §4.1); the owner must be the name asked for.
    static func usableNAPTR(_ records: [DNSResourceRecord], owner: String, acceptable: [SIPTransportProtocol]) -> [NAPTRChoice] {
        let naptr = records.compactMap { record -> DNSNamingAuthorityRecord? in
            guard record.name == owner, case .naptr(let value) = record.data else { return nil }
            return value
        }
        // A stable sort by (order, preference): equal records keep the answer's order.
        let sorted = naptr.indices.sorted { left, right in
            (naptr[left].order, naptr[left].preference, left) < (naptr[right].order, naptr[right].preference, right)
        }.map { naptr[$0] }
        return sorted.compactMap { record in
            guard record.flags.lowercased() == "s", record.regexp.isEmpty, !record.replacement.isEmpty,
                let transport = acceptable.first(where: { $0.naptrService.equalsIgnoringCase(record.services) })
            else { return nil }
            return NAPTRChoice(record: record, transport: transport)
        }
    }

    /// A usable NAPTR record and the transport its service names.
    struct NAPTRChoice: Sendable, Hashable {
        var record: DNSNamingAuthorityRecord
        var transport: SIPTransportProtocol
    }

    static func unbracketed(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// True for an IPv4 dotted quad or anything with a colon (IPv6; host names never have one).
    public static func isAddressLiteral(_ host: String) -> Bool {
        let bare = Self.unbracketed(host)
        if bare.contains(":") { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) && (Int(part) ?? 256) <= 255
        }
    }
}

extension String {
    /// ASCII case-insensitive equality.
    fileprivate func equalsIgnoringCase(_ other: String) -> Bool {
        self.lowercased() == other.lowercased()
    }
}

/// The outcome of RFC 3263 resolution.
public struct SIPServerResolution: Sendable, Hashable {
    /// Targets to try in order (RFC 3263 §4.3: on failure move to the next).
    public var targets: [SIPServerTarget]
    /// What went wrong or was unusual on the way (failed queries, truncation, bounds hit).
    public var notes: [String]
    /// False when the host was an address literal and no DNS was needed.
    public var usedDNS: Bool
    /// How many DNS questions were answered or failed.
    public var queries: Int
    /// True when DNS was needed but no nameserver answered any question.
    public var noServerAnswered = false

    public init(targets: [SIPServerTarget], notes: [String], usedDNS: Bool, queries: Int, noServerAnswered: Bool = false) {
        self.targets = targets
        self.notes = notes
        self.usedDNS = usedDNS
        self.queries = queries
        self.noServerAnswered = noServerAnswered
    }
}

/// RFC 2782 target selection: lowest priority first; within one priority, weighted random order
/// (each pick with probability weight/sum of the remaining; zero-weight records first in the
/// running sum so they are picked rarely but not never).
public enum SRVOrdering {
    public static func order(_ records: [DNSServiceRecord], using random: inout some RandomNumberGenerator) -> [DNSServiceRecord] {
        var result: [DNSServiceRecord] = []
        let priorities = Set(records.map(\.priority)).sorted()
        for priority in priorities {
            // Zero weights first, as RFC 2782 asks, keeping the answer's order otherwise.
            var remaining = records.filter { $0.priority == priority && $0.weight == 0 } + records.filter { $0.priority == priority && $0.weight > 0 }
            while !remaining.isEmpty {
                let total = remaining.reduce(0) { $0 + Int($1.weight) }
                let pick = Int.random(in: 0...total, using: &random)
                var running = 0
                var chosen = remaining.count - 1
                for index in remaining.indices {
                    running += Int(remaining[index].weight)
                    if running >= pick {
                        chosen = index
                        break
                    }
                }
                result.append(remaining.remove(at: chosen))
            }
        }
        return result
    }
}

/// A small seedable generator (SplitMix64) so weighted choices can be replayed in tests.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    public init(seed: UInt64) {
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var value = self.state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
