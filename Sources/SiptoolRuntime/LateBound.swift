/// Lets a socket's receive closure (created before its owner) reach the owner created after it.
/// Written once on the event loop before the first datagram can be delivered, read only there.
final class LateBound<Value: AnyObject>: @unchecked Sendable {
    var value: Value?
    /// Work for the value that came before it was bound (see ``whenBound(_:)``).
    private var pending: [(Value) -> Void] = []

    /// Runs `action` on the value, now if it is bound, else when ``bind(_:)`` binds it. A
    /// transport's error can come before its session exists: a TLS server that refuses the
    /// client's certificate may close the connection right after the handshake.
    func whenBound(_ action: @escaping (Value) -> Void) {
        if let value { action(value) } else { self.pending.append(action) }
    }

    /// Binds the value and runs the work that waited for it, in order (call it once the value is
    /// ready for that work).
    func bind(_ value: Value) {
        self.value = value
        let waiting = self.pending
        self.pending = []
        for action in waiting { action(value) }
    }
}
