import SIPMessages
import SIPTransaction
import SIPUserAgent
import Testing

/// Following 3xx redirects: first usable Contact by q, at most five hops, no loops.
@Suite struct RedirectFollowerTests {
    static func redirect(_ status: Int = 302, contacts: [String]) throws -> SIPResponse {
        var call = OutboundCall(configuration: OutboundCallTests.configuration())
        let invite = try #require(OutboundCallTests.sent(call.start()).first)
        var response = ServerInviteTransaction.response(to: invite, status: status, reason: "Moved Temporarily", toTag: "r-1")
        for contact in contacts.reversed() { response.headers.insert(.contact, contact, at: 0) }
        // The call itself reports the 3xx as a rejection carrying the Contacts.
        let events = call.receive(.response(response))
        guard case .failed(.rejected(let rejected)) = OutboundCallTests.news(events).last else {
            Issue.record("a 3xx ends the call as rejected: \(events)")
            return response
        }
        #expect(OutboundCallTests.sent(events).map(\.method) == [.ack])
        return rejected
    }

    @Test func firstContactByPreferenceIsFollowed() throws {
        var follower = RedirectFollower(initialTarget: try SIPURI.parse("sip:alice@192.0.2.1"))
        let response = try Self.redirect(contacts: ["<sip:low@192.0.2.2>;q=0.1", "<tel:+15550011234>", "<sip:high@192.0.2.3:5080>;q=0.9"])
        #expect(RedirectFollower.contacts(of: response).map(\.raw) == ["tel:+15550011234", "sip:high@192.0.2.3:5080", "sip:low@192.0.2.2"])
        let high = try SIPURI.parse("sip:high@192.0.2.3:5080")
        #expect(follower.decide(response) == .follow(high), "tel: cannot be called, the best sip: Contact is")
        #expect(follower.hops == 1)
    }

    @Test func hopLimitAndLoopsStopFollowing() throws {
        var follower = RedirectFollower(initialTarget: try SIPURI.parse("sip:start@192.0.2.1"), maximumHops: 5)
        for hop in 1...5 {
            let decision = follower.decide(try Self.redirect(contacts: ["<sip:hop\(hop)@192.0.2.1>"]))
            let expected = try SIPURI.parse("sip:hop\(hop)@192.0.2.1")
            #expect(decision == .follow(expected))
        }
        guard case .stop(let why) = follower.decide(try Self.redirect(contacts: ["<sip:hop6@192.0.2.1>"])) else {
            Issue.record("the sixth redirect must not be followed")
            return
        }
        #expect(why.contains("more than 5 redirects"))

        var looping = RedirectFollower(initialTarget: try SIPURI.parse("sip:start@192.0.2.1"))
        let b = try SIPURI.parse("sip:b@192.0.2.1")
        let toB = looping.decide(try Self.redirect(contacts: ["<sip:b@192.0.2.1>"]))
        #expect(toB == .follow(b))
        guard case .stop(let loop) = looping.decide(try Self.redirect(contacts: ["<sip:start@192.0.2.1;transport=udp>"])) else {
            Issue.record("a redirect back to the first target is a loop")
            return
        }
        #expect(loop.contains("loop"))
        guard case .stop(let none) = looping.decide(try Self.redirect(contacts: [])) else {
            Issue.record("a 3xx without Contact cannot be followed")
            return
        }
        #expect(none.contains("no sip: Contact"))
    }
}
