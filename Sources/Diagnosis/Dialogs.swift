import PacketDecoding
import SIPMessages

/// One dialog the initial INVITE created (RFC 3261 §12.1: a 101-299 response with a To tag
/// creates an early or confirmed dialog). More than one means the INVITE forked (§13.2.2.4):
/// several phones ringing, or a proxy trying several destinations.
public struct DialogSummary: Hashable, Sendable {
    /// The To tag the answering side chose.
    public var toTag: String
    /// Where the first response of this dialog came from (the hop nearest the caller).
    public var remote: Endpoint
    /// The Contact of that response: the device behind the dialog.
    public var contact: String?
    /// The first and the highest status code seen for this dialog.
    public var firstStatus: Int
    public var bestStatus: Int
    /// Frame of the first response of the dialog.
    public var frame: Int
    public var time: CaptureTime

    /// Confirmed (answered with 2xx) rather than early.
    public var isConfirmed: Bool { (200..<300).contains(self.bestStatus) }
}

extension CallRecord {
    /// The dialogs created by responses to the caller's initial INVITE (not re-INVITEs), in the
    /// order they appeared, as the caller saw them: only responses on the first hop (from the
    /// INVITE's destination address back to the caller) count, because a back-to-back user agent
    /// or SBC further on keeps the Call-ID but gives each leg its own tags, which is not forking.
    /// Retransmissions fold into the dialog of their tag; 100 Trying and untagged responses
    /// create none.
    public var dialogs: [DialogSummary] {
        guard self.kind == .call, let invite = self.firstInvite, let callID = invite.message.callID, !callID.isEmpty else { return [] }
        let caller = invite.source
        let firstHop = invite.destination.address
        let initialCSeqs = Set(self.events.filter { $0.method == .invite && !self.isReINVITE($0) }.compactMap { $0.message.cseq?.number })
        var dialogs: [DialogSummary] = []
        var index: [String: Int] = [:]
        for event in self.events {
            guard event.destination == caller, event.source.address == firstHop,
                let status = event.statusCode, (101..<300).contains(status), event.message.cseq?.method == .invite,
                let cseq = event.message.cseq?.number, initialCSeqs.contains(cseq), let tag = event.message.toTag
            else { continue }
            if let position = index[tag] {
                dialogs[position].bestStatus = max(dialogs[position].bestStatus, status)
                continue
            }
            index[tag] = dialogs.count
            dialogs.append(DialogSummary(
                toTag: tag, remote: event.source, contact: event.message.headers.first(.contact),
                firstStatus: status, bestStatus: status, frame: event.frame, time: event.time
            ))
        }
        return dialogs
    }
}
