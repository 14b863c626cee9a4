import SIPMessages

/// What identifies a transaction when a message arrives (RFC 3261 §17.1.3 for responses reaching
/// client transactions, §17.2.3 for requests reaching server transactions).
///
/// With an RFC 3261 branch (`z9hG4bK...`) the key is the branch, the method (ACK counts as
/// INVITE on the server side, CANCEL is its own transaction) and, for server transactions, the
/// top Via's sent-by. Requests from RFC 2543 peers (no magic cookie) fall back to the dialog and
/// CSeq identifiers plus the top Via, which is what §17.2.3 compares for them.
public struct TransactionKey: Hashable, Sendable, CustomStringConvertible {
    public enum Side: Hashable, Sendable { case client, server }

    public var side: Side
    public var branch: String
    public var sentBy: String
    public var method: SIPMethod
    /// For RFC 2543 requests only: Request-URI, From tag, Call-ID and CSeq number.
    public var legacy: String?

    public var description: String {
        "\(self.side) \(self.method) \(self.branch.isEmpty ? (self.legacy ?? "-") : self.branch) via \(self.sentBy)"
    }

    /// The key of the client transaction that sent `request` (its top Via and method).
    public static func client(sending request: SIPRequest) -> TransactionKey? {
        guard let via = request.headers.topVia, let branch = via.branch else { return nil }
        return TransactionKey(side: .client, branch: branch, sentBy: "", method: request.method, legacy: nil)
    }

    /// The key of the client transaction a received response belongs to: its top Via branch and
    /// its CSeq method (§17.1.3). Nil when the response has no branch or no CSeq.
    public static func client(receiving response: SIPResponse) -> TransactionKey? {
        guard let via = response.headers.topVia, let branch = via.branch, let cseq = response.headers.cseq else { return nil }
        return TransactionKey(side: .client, branch: branch, sentBy: "", method: cseq.method, legacy: nil)
    }

    /// The key of the server transaction a received request belongs to (§17.2.3). An ACK gets
    /// the key of the INVITE it acknowledges; for a 2xx the ACK has a new branch and therefore
    /// matches no transaction, which is what the TU expects.
    public static func server(receiving request: SIPRequest) -> TransactionKey? {
        guard let via = request.headers.topVia else { return nil }
        let method: SIPMethod = request.method == .ack ? .invite : request.method
        let sentBy = via.host.lowercased() + ":" + String(via.port ?? (via.transport.uppercased() == "TLS" ? 5061 : 5060))
        if let branch = via.branch, via.hasMagicCookie {
            return TransactionKey(side: .server, branch: branch, sentBy: sentBy, method: method, legacy: nil)
        }
        // RFC 2543: the To tag is left out so that the ACK of a non-2xx (which carries the tag
        // the response added) matches the INVITE.
        guard let callID = request.headers.callID, let cseq = request.headers.cseq else { return nil }
        let legacy = [request.requestURI.description, request.headers.fromTag ?? "", callID, String(cseq.number)].joined(separator: "|")
        return TransactionKey(side: .server, branch: via.branch ?? "", sentBy: sentBy, method: method, legacy: legacy)
    }
}
