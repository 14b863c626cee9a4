import SIPMessages

/// A SIP dialog (RFC 3261 §12): the peer-to-peer relationship an INVITE creates, and what is
/// needed to send requests inside it (route set, remote target, sequence numbers, tags).
///
/// Value type, no I/O: the user agent creates it from the INVITE and the response (UAC) or the
/// INVITE and its own tag (UAS), and asks it to build in-dialog requests.
public struct SIPDialog: Hashable, Sendable {
    /// Early (created by a 101-199 response with a tag) or confirmed (by a 2xx).
    public enum State: Hashable, Sendable {
        case early, confirmed
    }

    /// The dialog identifier of §12: Call-ID, local tag, remote tag.
    public struct ID: Hashable, Sendable, CustomStringConvertible {
        public var callID: String
        public var localTag: String
        public var remoteTag: String

        public init(callID: String, localTag: String, remoteTag: String) {
            self.callID = callID
            self.localTag = localTag
            self.remoteTag = remoteTag
        }

        public var description: String { "\(self.callID);local=\(self.localTag);remote=\(self.remoteTag)" }
    }

    public var state: State
    public var id: ID
    /// The local and remote sides as they appear in From/To (name-addr text without tags).
    public var localURI: String
    public var remoteURI: String
    /// Where in-dialog requests go: the peer's Contact, refreshed by target-refresh requests.
    public var remoteTarget: SIPURI
    /// The Record-Route set, in the order this side must put it into Route (§12.1.1/§12.1.2).
    public var routeSet: [String]
    /// The last CSeq number this side used; nil until it sends a request (UAS).
    public var localSequence: UInt32?
    /// The last CSeq number the peer used; nil until it sends one (UAC).
    public var remoteSequence: UInt32?
    /// Whether the dialog must use SIPS (§12.1.1: sips Request-URI over TLS).
    public var isSecure: Bool

    /// Why a dialog cannot be made from the given messages.
    public struct CreationError: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The UAC side, from the INVITE it sent and a 101-299 response carrying a To tag (§12.1.2).
    public init(uacRequest request: SIPRequest, response: SIPResponse) throws(CreationError) {
        guard (101..<300).contains(response.statusCode) else {
            throw CreationError(description: "a \(response.statusCode) response does not create a dialog")
        }
        guard let callID = request.headers.callID, let localTag = request.headers.fromTag else {
            throw CreationError(description: "the request has no Call-ID or no From tag")
        }
        guard let remoteTag = response.headers.toTag else {
            throw CreationError(description: "the \(response.statusCode) response has no To tag")
        }
        guard let contact = (try? response.headers.nameAddresses(.contact))?.first else {
            throw CreationError(description: "the \(response.statusCode) response has no usable Contact")
        }
        self.state = response.statusCode < 200 ? .early : .confirmed
        self.id = ID(callID: callID, localTag: localTag, remoteTag: remoteTag)
        self.localURI = Self.withoutTag(request.headers.first(.from) ?? "")
        self.remoteURI = Self.withoutTag(request.headers.first(.to) ?? "")
        self.remoteTarget = contact.uri
        // §12.1.2: the UAC reverses the Record-Route of the response.
        self.routeSet = Array(Self.recordRoutes(response.headers).reversed())
        self.localSequence = request.headers.cseq?.number
        self.remoteSequence = nil
        self.isSecure = request.requestURI.scheme == "sips"
    }

    /// The UAS side, from the INVITE it received and the To tag it chose (§12.1.1).
    public init(uasRequest request: SIPRequest, localTag: String) throws(CreationError) {
        guard let callID = request.headers.callID, let remoteTag = request.headers.fromTag else {
            throw CreationError(description: "the request has no Call-ID or no From tag")
        }
        guard let contact = (try? request.headers.nameAddresses(.contact))?.first else {
            throw CreationError(description: "the request has no usable Contact")
        }
        self.state = .early
        self.id = ID(callID: callID, localTag: localTag, remoteTag: remoteTag)
        self.localURI = Self.withoutTag(request.headers.first(.to) ?? "")
        self.remoteURI = Self.withoutTag(request.headers.first(.from) ?? "")
        self.remoteTarget = contact.uri
        self.routeSet = Self.recordRoutes(request.headers)
        self.localSequence = nil
        self.remoteSequence = request.headers.cseq?.number
        self.isSecure = request.requestURI.scheme == "sips"
    }

    /// A 2xx confirmed the dialog: the route set of an early dialog is recomputed from it
    /// (§13.2.2.4) and the remote target taken from its Contact.
    public mutating func confirm(with response: SIPResponse) {
        guard (200..<300).contains(response.statusCode) else { return }
        if self.state == .early {
            self.routeSet = Array(Self.recordRoutes(response.headers).reversed())
        }
        self.state = .confirmed
        self.refreshTarget(from: response.headers)
    }

    /// A target-refresh request or its 2xx (re-INVITE, UPDATE) replaces the remote target
    /// (§12.2.1.2, §12.2.2); the route set never changes after the dialog is confirmed.
    public mutating func refreshTarget(from headers: SIPHeaders) {
        if let contact = (try? headers.nameAddresses(.contact))?.first { self.remoteTarget = contact.uri }
    }

    /// Builds a request inside the dialog (§12.2.1.1): Request-URI and Route from the remote target
    /// and route set (loose or strict routing), From/To with the tags, Call-ID, and the next local
    /// CSeq (ACK and CANCEL reuse the number of the request they belong to, given as `cseq`).
    /// `via` is the Via header value for the new transaction (with its own branch); `contact`
    /// goes into target-refresh requests.
    public mutating func makeRequest(
        _ method: SIPMethod,
        via: String,
        cseq explicitNumber: UInt32? = nil,
        contact: String? = nil,
        maxForwards: Int = 70
    ) -> SIPRequest {
        let number: UInt32
        if let explicitNumber {
            number = explicitNumber
        } else {
            number = (self.localSequence ?? 0) &+ 1
            self.localSequence = number
        }
        var requestURI = self.remoteTarget
        var routes = self.routeSet
        if let first = routes.first, let firstURI = Self.uri(inRoute: first), firstURI.parameter("lr") == nil {
            // §12.2.1.1 strict routing: the first route becomes the Request-URI (without
            // headers) and the remote target goes last in Route.
            requestURI = Self.strippingHeaders(firstURI)
            routes.removeFirst()
            routes.append("<\(self.remoteTarget.raw)>")
        }
        var headers = SIPHeaders()
        headers.append(.via, via)
        headers.append(.maxForwards, String(maxForwards))
        for route in routes { headers.append(.route, route) }
        headers.append(.from, self.localURI + ";tag=" + self.id.localTag)
        headers.append(.to, self.remoteURI + ";tag=" + self.id.remoteTag)
        headers.append(.callID, self.id.callID)
        headers.append(.cseq, "\(number) \(method.rawValue)")
        if let contact { headers.append(.contact, contact) }
        headers.append(.contentLength, "0")
        return SIPRequest(method: method, requestURI: requestURI, headers: headers)
    }

    /// Whether a request the peer sent inside the dialog is in order (§12.2.2): its CSeq must be
    /// higher than the last one (ACK and CANCEL excepted); the caller answers 500 otherwise.
    /// Records the number when it is accepted.
    public mutating func acceptRemoteSequence(of request: SIPRequest) -> Bool {
        guard request.method != .ack && request.method != .cancel, let number = request.headers.cseq?.number else { return true }
        if let last = self.remoteSequence, number <= last { return false }
        self.remoteSequence = number
        return true
    }

    /// Whether `message` belongs to this dialog, seen from this side: same Call-ID, and the
    /// local/remote tags in the right headers (requests from the peer carry our tag in To).
    public func matches(_ message: SIPMessage) -> Bool {
        guard message.headers.callID == self.id.callID else { return false }
        switch message {
        case .request:
            return message.headers.toTag == self.id.localTag && message.headers.fromTag == self.id.remoteTag
        case .response:
            return message.headers.fromTag == self.id.localTag && message.headers.toTag == self.id.remoteTag
        }
    }

    // MARK: - Helpers

    static func recordRoutes(_ headers: SIPHeaders) -> [String] {
        guard let entries = try? headers.nameAddresses(.recordRoute) else { return [] }
        return entries.map { $0.description }
    }

    static func uri(inRoute route: String) -> SIPURI? {
        (try? SIPNameAddress.parse(route))?.uri
    }

    static func strippingHeaders(_ uri: SIPURI) -> SIPURI {
        guard !uri.headers.isEmpty else { return uri }
        return SIPURI(scheme: uri.scheme, user: uri.user, host: uri.host, port: uri.port, parameters: uri.parameters)
    }

    /// A From/To value without its tag parameter.
    static func withoutTag(_ value: String) -> String {
        guard var nameAddress = try? SIPNameAddress.parse(value) else { return value }
        nameAddress.parameters.removeAll { $0.name.lowercased() == "tag" }
        return nameAddress.description
    }
}
