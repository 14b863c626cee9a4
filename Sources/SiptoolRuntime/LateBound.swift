/// Lets a socket's receive closure (created before its owner) reach the owner created after it.
/// Written once on the event loop before the first datagram can be delivered, read only there.
final class LateBound<Value: AnyObject>: @unchecked Sendable {
    var value: Value?
}
