import SIPAuth
import SIPMessages

/// Answers 401/407 challenges for one client (a call or a registration), and tells a challenge
/// to retry (first time for a realm, or a stale nonce) from credentials being refused (the same
/// realm challenged again without stale=true). Keeps the password inside ``DigestClient``.
public struct DigestAuthenticator: Sendable {
    /// What to do with a challenge.
    public enum Outcome: Hashable, Sendable {
        /// Resend the request with these authorization headers (replacing the old ones).
        case retry(headers: [SIPHeaderField], realm: String, proxy: Bool)
        /// The same realm challenged the credentials again: they are wrong.
        case rejected(username: String, realm: String)
        /// Cannot answer: no credentials, no supported challenge, or too many rounds.
        case impossible(String)
    }

    private var client: DigestClient?
    private var answeredRealms: Set<String> = []
    /// How many challenges were answered.
    public private(set) var rounds = 0
    /// The most rounds before giving up (each realm once, plus stale-nonce retries).
    public var maximumRounds = 4

    public init(username: String?, password: String?) {
        if let username, let password { self.client = DigestClient(username: username, password: password) }
    }

    public var username: String? { self.client?.username }

    /// Handles `response` (401 or 407) to `request`.
    public mutating func answer(_ response: SIPResponse, to request: SIPRequest) -> Outcome {
        let proxy = response.statusCode == 407
        let challengeHeader: SIPHeaderName = proxy ? .proxyAuthenticate : .wwwAuthenticate
        let challenges = response.headers.values(challengeHeader).compactMap { try? DigestChallenge.parse($0) }
        guard var client = self.client else { return .impossible("the server asks for credentials and none were given") }
        guard let challenge = Self.strongest(challenges) else {
            return .impossible("no digest challenge this client supports in \(response.statusCode) \(response.reasonPhrase)")
        }
        if self.answeredRealms.contains(challenge.realm) && !challenge.isStale {
            return .rejected(username: client.username, realm: challenge.realm)
        }
        guard self.rounds < self.maximumRounds else { return .rejected(username: client.username, realm: challenge.realm) }
        let credentials: DigestCredentials
        do {
            credentials = try client.authorization(
                for: challenge, method: request.method.rawValue, uri: request.requestURI.raw, body: request.body)
        } catch {
            return .impossible(error.description)
        }
        self.client = client
        self.answeredRealms.insert(challenge.realm)
        self.rounds += 1
        // Keep credentials for other realms (several proxies), replace this realm's.
        let authorizationName: SIPHeaderName = proxy ? .proxyAuthorization : .authorization
        var headers = request.headers.fields(named: authorizationName)
            .filter { (try? DigestCredentials.parse($0.value))?.realm != challenge.realm }
            .map { SIPHeaderField(name: authorizationName.description, value: $0.value) }
        headers.append(SIPHeaderField(name: authorizationName.description, value: credentials.headerValue))
        let other: SIPHeaderName = proxy ? .authorization : .proxyAuthorization
        headers += request.headers.fields(named: other).map { SIPHeaderField(name: other.description, value: $0.value) }
        return .retry(headers: headers, realm: challenge.realm, proxy: proxy)
    }

    /// The challenge to answer when several are offered: SHA-512-256, then SHA-256, then MD5
    /// (RFC 8760 §2.4: the client uses the first it supports in the server's order of
    /// preference; servers list stronger ones first, and the strongest is the safe choice).
    public static func strongest(_ challenges: [DigestChallenge]) -> DigestChallenge? {
        func rank(_ challenge: DigestChallenge) -> Int {
            switch challenge.effectiveAlgorithm {
            case .sha512256, .sha512256Session: return 3
            case .sha256, .sha256Session: return 2
            case .md5, .md5Session: return 1
            case .other: return 0
            }
        }
        return challenges.filter { rank($0) > 0 }.max { rank($0) < rank($1) }
    }
}
