import SIPMessages

/// Decides whether to follow a 3xx redirect (RFC 3261 §8.1.3.4): the first usable Contact of the
/// response (sip: or sips:, in the order given, highest q first when q values are present),
/// at most `maximumHops` redirects, and never a target already tried (a loop).
public struct RedirectFollower: Hashable, Sendable {
    /// What to do with one 3xx.
    public enum Decision: Hashable, Sendable {
        /// Send a new INVITE to this URI.
        case follow(SIPURI)
        /// Do not follow, and why (for the report).
        case stop(String)
    }

    public let maximumHops: Int
    /// Redirects followed so far.
    public private(set) var hops = 0
    private var tried: Set<String>

    /// `initialTarget` is the first Request-URI (a redirect back to it is a loop).
    public init(initialTarget: SIPURI, maximumHops: Int = 5) {
        self.maximumHops = maximumHops
        self.tried = [Self.key(initialTarget)]
    }

    /// The Contact URIs of a 3xx, best first (q descending, then order of appearance).
    public static func contacts(of response: SIPResponse) -> [SIPURI] {
        let entries = (try? response.headers.nameAddresses(.contact)) ?? []
        var ranked: [Ranked] = []
        for (index, entry) in entries.enumerated() {
            let q = entry.parameters.first { $0.name.lowercased() == "q" }.flatMap { $0.value }.flatMap { Double($0) } ?? 1.0
            ranked.append(Ranked(q: q, index: index, uri: entry.uri))
        }
        return ranked.sorted { $0.q != $1.q ? $0.q > $1.q : $0.index < $1.index }.map(\.uri)
    }

    /// A Contact with its preference (a struct, not a tuple: see the house rules on tuples).
    struct Ranked {
        var q: Double
        var index: Int
        var uri: SIPURI
    }

    /// Decides for a 3xx response.
    public mutating func decide(_ response: SIPResponse) -> Decision {
        guard (300..<400).contains(response.statusCode) else { return .stop("\(response.statusCode) is not a redirect") }
        let usable = Self.contacts(of: response).filter { ($0.scheme == "sip" || $0.scheme == "sips") && !$0.host.isEmpty }
        guard let next = usable.first else { return .stop("no sip: Contact to follow") }
        guard self.hops < self.maximumHops else { return .stop("more than \(self.maximumHops) redirects: not followed") }
        guard !self.tried.contains(Self.key(next)) else { return .stop("redirect loop: \(next.raw) was already tried") }
        self.tried.insert(Self.key(next))
        self.hops += 1
        return .follow(next)
    }

    /// A target's identity for loop detection: user, host and port (parameters ignored).
    static func key(_ uri: SIPURI) -> String {
        "\(uri.user ?? "")@\(uri.host.lowercased()):\(uri.port ?? (uri.scheme == "sips" ? 5061 : 5060))"
    }
}
