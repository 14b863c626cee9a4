import NIOCore
import NIOPosix

/// A bound UDP socket on an event loop: every datagram that arrives is handed to `onReceive`
/// on that loop, and `send` writes one datagram. Used for SIP over UDP and for RTP/RTCP.
public final class UDPSocket: @unchecked Sendable {
    // Confined to `channel.eventLoop` except for the immutable properties.
    public let channel: Channel
    public let localAddress: SocketAddress

    private init(channel: Channel) throws {
        self.channel = channel
        guard let local = channel.localAddress else { throw RuntimeError(.network, "the socket has no local address") }
        self.localAddress = local
    }

    /// Binds `host:port` (port 0 picks a free one) on `loop`.
    /// `onError` hears errors the socket reports, such as ECONNREFUSED from an ICMP port
    /// unreachable (Linux reports those only on a connected socket, see `connect(to:)`).
    public static func bind(
        host: String, port: Int, on loop: EventLoop, onReceive: @escaping @Sendable (ByteBuffer, SocketAddress) -> Void,
        onError: (@Sendable (Error) -> Void)? = nil
    ) -> EventLoopFuture<UDPSocket> {
        // No SO_REUSEADDR: on Linux it lets two UDP sockets bind the same port, and two calls
        // would then share (and steal) each other's RTP. A port in use must fail to bind.
        DatagramBootstrap(group: loop)
            .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramForwarder(onReceive: onReceive, onError: onError))
                }
            }
            .bind(host: host, port: port)
            .flatMapThrowing { try UDPSocket(channel: $0) }
    }

    /// Sends one datagram. Errors (unreachable, no route) are returned in the future.
    @discardableResult
    public func send(_ bytes: [UInt8], to address: SocketAddress) -> EventLoopFuture<Void> {
        var buffer = self.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return self.channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer))
    }

    /// Connects the socket to one peer: only its datagrams are received from then on, and an
    /// ICMP port unreachable for what we sent comes back as an error (RFC 3263 §4.3 failover
    /// needs to see it). Sends must then go to that same address.
    public func connect(to address: SocketAddress) -> EventLoopFuture<Void> {
        self.channel.connect(to: address)
    }

    public func close() -> EventLoopFuture<Void> {
        self.channel.close().recover { _ in }
    }
}

/// Hands each datagram to a closure. ICMP errors surfacing as read errors go to `onError` when
/// one is given (otherwise they are ignored: the statistics notice the missing packets).
final class DatagramForwarder: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let onReceive: @Sendable (ByteBuffer, SocketAddress) -> Void
    private let onError: (@Sendable (Error) -> Void)?

    init(onReceive: @escaping @Sendable (ByteBuffer, SocketAddress) -> Void, onError: (@Sendable (Error) -> Void)? = nil) {
        self.onReceive = onReceive
        self.onError = onError
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        self.onReceive(envelope.data, envelope.remoteAddress)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ECONNREFUSED from an ICMP port unreachable on a UDP socket: keep the socket open.
        self.onError?(error)
    }
}

/// Why the runtime could not do what was asked, with the exit code it maps to.
public struct RuntimeError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// Network unavailable: bind, resolve, connect or send failed (exit 69).
        case network
        /// A file to read or write failed (exit 66/73).
        case file
        /// Bad input given by the user (exit 64/65).
        case input
    }

    public var kind: Kind
    public var message: String
    public var description: String { self.message }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
