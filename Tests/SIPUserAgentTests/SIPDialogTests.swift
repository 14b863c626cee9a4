import SIPMessages
import SIPTransaction
import SIPUserAgent
import Testing

/// RFC 3261 §12 dialogs: creation on each side, route sets, in-dialog requests (loose and
/// strict routing), CSeq ordering and target refresh.
@Suite struct SIPDialogTests {
    static func parse(_ text: String) -> SIPMessage {
        let normalized = text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
        return try! SIPDatagramParser.parse(Array(normalized.utf8)).message
    }

    static let invite = parse("""
        INVITE sip:+15550011234@trunk.example.com SIP/2.0
        Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1
        Max-Forwards: 70
        From: "Alice" <sip:alice@example.com>;tag=alice-tag
        To: <sip:+15550011234@trunk.example.com>
        Call-ID: dialog-test-1
        CSeq: 7 INVITE
        Contact: <sip:alice@192.0.2.10:5060>
        Record-Route: <sip:p1.example.com;lr>
        Content-Length: 0


        """).request!

    static let ok = parse("""
        SIP/2.0 200 OK
        Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1
        Record-Route: <sip:p2.example.net;lr>, <sip:p1.example.com;lr>
        From: "Alice" <sip:alice@example.com>;tag=alice-tag
        To: <sip:+15550011234@trunk.example.com>;tag=bob-tag
        Call-ID: dialog-test-1
        CSeq: 7 INVITE
        Contact: <sip:bob@198.51.100.20:5070;transport=udp>
        Content-Length: 0


        """).response!

    @Test func uacDialogReversesTheRecordRouteAndBuildsBye() throws {
        var dialog = try SIPDialog(uacRequest: Self.invite, response: Self.ok)
        #expect(dialog.state == .confirmed)
        #expect(dialog.id == .init(callID: "dialog-test-1", localTag: "alice-tag", remoteTag: "bob-tag"))
        #expect(dialog.routeSet == ["<sip:p1.example.com;lr>", "<sip:p2.example.net;lr>"])
        #expect(dialog.remoteTarget.raw == "sip:bob@198.51.100.20:5070;transport=udp")
        let bye = dialog.makeRequest(.bye, via: "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-2")
        #expect(bye.requestURI.raw == "sip:bob@198.51.100.20:5070;transport=udp")
        #expect(bye.headers.values(.route) == ["<sip:p1.example.com;lr>", "<sip:p2.example.net;lr>"])
        #expect(bye.headers.cseq == SIPCSeq(number: 8, method: .bye))
        #expect(bye.headers.fromTag == "alice-tag")
        #expect(bye.headers.toTag == "bob-tag")
        #expect(bye.headers.first(.from) == "\"Alice\" <sip:alice@example.com>;tag=alice-tag")
        #expect(dialog.matches(.request(bye)) == false, "our own request carries our tag in From")
        #expect(dialog.matches(.response(Self.ok)))
        // The ACK for the 2xx keeps the INVITE's CSeq number and does not advance the sequence.
        let ack = dialog.makeRequest(.ack, via: "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-3", cseq: 7)
        #expect(ack.headers.cseq == SIPCSeq(number: 7, method: .ack))
        let info = dialog.makeRequest(.info, via: "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-4")
        #expect(info.headers.cseq?.number == 9)
        // It parses back.
        let text = SIPMessage.request(bye).serialized()
        #expect(throws: Never.self) { _ = try SIPDatagramParser.parse(text) }
    }

    @Test func strictRouteBecomesTheRequestURI() throws {
        var ok = Self.ok
        ok.headers.set(.recordRoute, "<sip:strict.example.org>")
        var dialog = try SIPDialog(uacRequest: Self.invite, response: ok)
        let bye = dialog.makeRequest(.bye, via: "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-5")
        #expect(bye.requestURI.raw == "sip:strict.example.org")
        #expect(bye.headers.values(.route) == ["<sip:bob@198.51.100.20:5070;transport=udp>"])
    }

    @Test func uasDialogKeepsRecordRouteOrderAndChecksCSeq() throws {
        var dialog = try SIPDialog(uasRequest: Self.invite, localTag: "uas-1")
        #expect(dialog.state == .early)
        #expect(dialog.routeSet == ["<sip:p1.example.com;lr>"])
        #expect(dialog.remoteTarget.raw == "sip:alice@192.0.2.10:5060")
        #expect(dialog.remoteSequence == 7)
        var bye = Self.invite
        bye.method = .bye
        bye.headers.set(.cseq, "8 BYE")
        bye.headers.set(.to, "<sip:+15550011234@trunk.example.com>;tag=uas-1")
        #expect(dialog.matches(.request(bye)))
        let first = dialog.acceptRemoteSequence(of: bye)
        let repeated = dialog.acceptRemoteSequence(of: bye)
        #expect(first)
        #expect(!repeated, "a repeated CSeq is out of order (500)")
        // The UAS's own BYE goes to the caller's Contact, starting its own sequence at 1.
        let ours = dialog.makeRequest(.bye, via: "SIP/2.0/UDP 198.51.100.20:5070;branch=z9hG4bK-u1")
        #expect(ours.requestURI.raw == "sip:alice@192.0.2.10:5060")
        #expect(ours.headers.fromTag == "uas-1")
        #expect(ours.headers.toTag == "alice-tag")
        #expect(ours.headers.cseq?.number == 1)
    }

    @Test func earlyDialogTakesTheRouteSetOfThe2xx() throws {
        var ringing = Self.ok
        ringing.statusCode = 180
        ringing.reasonPhrase = "Ringing"
        ringing.headers.removeAll(.recordRoute)
        var dialog = try SIPDialog(uacRequest: Self.invite, response: ringing)
        #expect(dialog.state == .early)
        #expect(dialog.routeSet.isEmpty)
        var ok = Self.ok
        ok.headers.set(.contact, "<sip:bob@198.51.100.21>")
        dialog.confirm(with: ok)
        #expect(dialog.state == .confirmed)
        #expect(dialog.routeSet.count == 2)
        #expect(dialog.remoteTarget.raw == "sip:bob@198.51.100.21")
    }

    @Test func responsesThatCannotCreateADialogAreRefused() {
        var trying = Self.ok
        trying.statusCode = 100
        #expect(throws: SIPDialog.CreationError.self) { try SIPDialog(uacRequest: Self.invite, response: trying) }
        var noTag = Self.ok
        noTag.headers.set(.to, "<sip:+15550011234@trunk.example.com>")
        #expect(throws: SIPDialog.CreationError.self) { try SIPDialog(uacRequest: Self.invite, response: noTag) }
        var noContact = Self.ok
        noContact.headers.removeAll(.contact)
        #expect(throws: SIPDialog.CreationError.self) { try SIPDialog(uacRequest: Self.invite, response: noContact) }
    }
}
