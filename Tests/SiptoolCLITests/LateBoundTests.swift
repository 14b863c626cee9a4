import Testing

@testable import SiptoolRuntime

/// A transport can report an error before its session exists (a TLS server that refuses the
/// client's certificate may close the connection right after the handshake): the error must reach
/// the session once it is bound, not be dropped.
@Suite struct LateBoundTests {
    final class Session {
        var heard: [String] = []
    }

    @Test func workBeforeBindingRunsAtBindInOrderAndLaterWorkAtOnce() {
        let box = LateBound<Session>()
        box.whenBound { $0.heard.append("closed") }
        box.whenBound { $0.heard.append("alert") }
        let session = Session()
        #expect(session.heard.isEmpty)
        box.bind(session)
        #expect(session.heard == ["closed", "alert"])
        box.whenBound { $0.heard.append("later") }
        #expect(session.heard == ["closed", "alert", "later"])
        #expect(box.value === session)
    }
}
