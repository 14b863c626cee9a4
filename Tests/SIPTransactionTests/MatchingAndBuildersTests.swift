import SIPMessages
import SIPTransaction
import Testing

/// Transaction matching (RFC 3261 §17.1.3, §17.2.3) and the ACK and CANCEL builders
/// (§17.1.1.3, §9.1).
@Suite struct MatchingAndBuildersTests {
    @Test func responseMatchesTheClientTransactionByBranchAndMethod() {
        let invite = Messages.request(.invite)
        let cancel = ClientInviteTransaction.cancellation(of: invite)
        let inviteKey = TransactionKey.client(sending: invite)
        #expect(inviteKey != nil)
        #expect(TransactionKey.client(receiving: Messages.response(180, to: invite)) == inviteKey)
        // CANCEL shares the branch but is its own transaction (the CSeq method differs).
        #expect(TransactionKey.client(receiving: Messages.response(200, to: cancel)) == TransactionKey.client(sending: cancel))
        #expect(TransactionKey.client(sending: cancel) != inviteKey)
        #expect(TransactionKey.client(receiving: Messages.response(200, to: Messages.request(.invite, branch: "z9hG4bK-other"))) != inviteKey)
    }

    @Test func serverMatchingUsesSentByAndTreatsAckAsInvite() {
        let invite = Messages.request(.invite)
        let key = TransactionKey.server(receiving: invite)
        #expect(key == TransactionKey.server(receiving: Messages.request(.ack)))
        #expect(key != TransactionKey.server(receiving: Messages.request(.ack, branch: "z9hG4bK-new-for-2xx")))
        #expect(key != TransactionKey.server(receiving: Messages.request(.invite, via: "SIP/2.0/UDP 192.0.2.99:5060")), "same branch from another host is another transaction")
        #expect(key != TransactionKey.server(receiving: Messages.request(.cancel)))
        #expect(TransactionKey.server(receiving: Messages.request(.invite, via: "SIP/2.0/UDP 192.0.2.10")) == key, "a missing port is 5060")
    }

    @Test func rfc2543RequestsWithoutTheMagicCookieMatchByDialogAndCSeq() throws {
        let invite = Messages.request(.invite, branch: "1234")
        let busy = Messages.response(486, to: invite, reason: "Busy Here")
        let ack = ClientInviteTransaction.acknowledgement(of: invite, for: busy)
        let key = try #require(TransactionKey.server(receiving: invite))
        #expect(key.legacy != nil)
        #expect(TransactionKey.server(receiving: ack) == key)
        #expect(TransactionKey.server(receiving: Messages.request(.invite, branch: "1234", cseq: 2)) != key)
    }

    @Test func ackForARejectionFollowsSection17113() throws {
        let invite = Messages.request(.invite)
        let busy = Messages.response(486, to: invite, reason: "Busy Here", toTag: "uas-tag")
        let ack = ClientInviteTransaction.acknowledgement(of: invite, for: busy)
        #expect(ack.method == .ack)
        #expect(ack.requestURI == invite.requestURI)
        #expect(ack.headers.values(.via).count == 1)
        #expect(ack.headers.topVia?.branch == "z9hG4bK-test-1")
        #expect(ack.headers.toTag == "uas-tag")
        #expect(ack.headers.fromTag == "from-1")
        #expect(ack.headers.cseq?.number == 1)
        #expect(ack.headers.cseq?.method == .ack)
        #expect(ack.headers.values(.route) == ["<sip:proxy.example.com;lr>"])
        #expect(ack.headers.callID == "call-1@192.0.2.10")
        // It survives a round trip through the parser.
        let text = String(decoding: SIPMessage.request(ack).serialized(), as: UTF8.self)
        #expect(text.hasPrefix("ACK sip:+15550011234@trunk.example.com;user=phone SIP/2.0\r\n"))
    }

    @Test func cancelCopiesTheInviteIdentifiersWithoutATag() {
        let invite = Messages.request(.invite)
        let cancel = ClientInviteTransaction.cancellation(of: invite)
        #expect(cancel.method == .cancel)
        #expect(cancel.requestURI == invite.requestURI)
        #expect(cancel.headers.topVia?.branch == invite.headers.topVia?.branch)
        #expect(cancel.headers.cseq?.number == 1)
        #expect(cancel.headers.cseq?.method == .cancel)
        #expect(cancel.headers.toTag == nil)
        #expect(cancel.headers.values(.route) == invite.headers.values(.route))
    }

    @Test func responseBuilderCopiesEveryViaAndAddsTheTag() {
        var invite = Messages.request(.invite)
        invite.headers.insert(.via, "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-proxy", at: 0)
        let ringing = ServerInviteTransaction.response(to: invite, status: 180, reason: "Ringing", toTag: "t9")
        #expect(ringing.headers.values(.via).count == 2)
        #expect(ringing.headers.topVia?.branch == "z9hG4bK-proxy")
        #expect(ringing.headers.toTag == "t9")
        #expect(ringing.headers.cseq?.method == .invite)
    }
}
