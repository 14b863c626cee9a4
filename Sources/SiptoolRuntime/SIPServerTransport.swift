import NIOCore
import NIOPosix
import NIOSSL
import SIPMessages

/// Where `siptool answer` receives SIP: one UDP socket, or a TCP listener (plain or TLS) with
/// the connections it accepted. Each connection is kept by its remote address, so responses and
/// in-dialog requests go back on the connection the caller opened (RFC 3261 §18.2.2: a response
/// is sent on the connection its request came on; §18.3: the connection is reused).
final class SIPServerTransport: @unchecked Sendable {
    // Confined to the event loop (the listener and all its connections run on that one loop).
    /// A message (nil: the stream could not be framed and was closed), its bytes, the peer and
    /// our own address on that socket or connection.
    typealias Receiver = @Sendable (_ message: SIPMessage?, _ bytes: [UInt8], _ source: SocketAddress, _ local: SocketAddress) -> Void

    let kind: SIPClientTransport.Kind
    let localAddress: SocketAddress
    private let udp: UDPSocket?
    private let listener: Channel?
    private let connections: Connections

    /// Open connections by remote address, shared with the channel handlers.
    final class Connections: @unchecked Sendable {
        // Confined to the event loop.
        var byPeer: [SocketAddress: Channel] = [:]
    }

    private init(kind: SIPClientTransport.Kind, localAddress: SocketAddress, udp: UDPSocket?, listener: Channel?, connections: Connections) {
        self.kind = kind
        self.localAddress = localAddress
        self.udp = udp
        self.listener = listener
        self.connections = connections
    }

    /// Binds UDP or listens on TCP (TLS when `tls` is given) at `host:port`.
    static func open(
        _ kind: SIPClientTransport.Kind, host: String, port: Int, tls: NIOSSLContext?, on loop: EventLoop, receive: @escaping Receiver
    ) -> EventLoopFuture<SIPServerTransport> {
        let connections = Connections()
        let place = Addressing.hostPort(host, port)
        switch kind {
        case .udp:
            let box = LateBound<UDPSocket>()
            return UDPSocket.bind(host: host, port: port, on: loop, onReceive: { buffer, source in
                let bytes = Array(buffer.readableBytesView)
                let local = box.value?.localAddress ?? source
                receive(try? SIPDatagramParser.parse(bytes).message, bytes, source, local)
            })
            .flatMapError { error in loop.makeFailedFuture(RuntimeError(.network, "cannot listen on \(place) (UDP): \(error)")) }
            .map { socket in
                box.value = socket
                return SIPServerTransport(kind: .udp, localAddress: socket.localAddress, udp: socket, listener: nil, connections: connections)
            }
        case .tcp, .tls:
            return ServerBootstrap(group: loop)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(ChannelOptions.backlog, value: 256)
                .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                        try channel.pipeline.syncOperations.addHandler(SIPServerStreamHandler(connections: connections, receive: receive))
                    }
                }
                .bind(host: host, port: port)
                .flatMapError { error in loop.makeFailedFuture(RuntimeError(.network, "cannot listen on \(place) (\(kind.rawValue)): \(error)")) }
                .flatMapThrowing { channel in
                    guard let local = channel.localAddress else { throw RuntimeError(.network, "the listener has no local address") }
                    return SIPServerTransport(kind: kind, localAddress: local, udp: nil, listener: channel, connections: connections)
                }
        }
    }

    /// Our address as `peer` sees it: the connection's local address for TCP/TLS (the listener
    /// may be bound to a wildcard), the socket's for UDP.
    func localAddress(toward peer: SocketAddress) -> SocketAddress {
        if let connection = self.connections.byPeer[peer], let local = connection.localAddress { return local }
        guard self.isWildcard, let ip = peer.ipAddress, let port = self.localAddress.port else { return self.localAddress }
        // A UDP socket on 0.0.0.0 or :: has no address to announce: Contact, Via and SDP get the
        // one the kernel routes towards this peer (what the peer sees as our source address).
        if let known = self.routedAddresses[ip] { return known }
        guard let host = Addressing.localAddress(toward: peer), let address = try? SocketAddress(ipAddress: host, port: port) else {
            return self.localAddress
        }
        if self.routedAddresses.count >= 1024 { self.routedAddresses.removeAll() }
        self.routedAddresses[ip] = address
        return address
    }

    /// Bound to 0.0.0.0 or :: (every local address).
    private var isWildcard: Bool {
        switch self.localAddress.ipAddress {
        case "0.0.0.0", "::": true
        default: false
        }
    }

    /// Our address towards each peer IP, when bound to a wildcard (a route lookup per new peer).
    private var routedAddresses: [String: SocketAddress] = [:]

    /// Sends `bytes` to `peer`: a datagram, or a write on the connection from that peer. With no
    /// such connection (it closed) the send fails: a server does not connect back to a caller.
    @discardableResult
    func send(_ bytes: [UInt8], to peer: SocketAddress) -> EventLoopFuture<Void> {
        if let udp { return udp.send(bytes, to: peer) }
        guard let connection = self.connections.byPeer[peer] else {
            return (self.listener?.eventLoop ?? self.localEventLoop).makeFailedFuture(RuntimeError(.network, "no open connection from \(peer)"))
        }
        var buffer = connection.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return connection.writeAndFlush(buffer)
    }

    private var localEventLoop: EventLoop { (self.listener?.eventLoop ?? self.udp?.channel.eventLoop)! }

    /// Closes the socket, or the listener and every connection.
    func close() -> EventLoopFuture<Void> {
        if let udp { return udp.close() }
        let loop = self.localEventLoop
        let all = Array(self.connections.byPeer.values) + (self.listener.map { [$0] } ?? [])
        self.connections.byPeer = [:]
        return EventLoopFuture.andAllComplete(all.map { $0.close().recover { _ in } }, on: loop)
    }
}

/// Frames SIP on one accepted TCP or TLS connection (RFC 3261 §18.3) and registers the
/// connection by its peer while it is open.
final class SIPServerStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var parser = SIPStreamParser()
    private let connections: SIPServerTransport.Connections
    private let receive: SIPServerTransport.Receiver
    private var peer: SocketAddress?

    init(connections: SIPServerTransport.Connections, receive: @escaping SIPServerTransport.Receiver) {
        self.connections = connections
        self.receive = receive
    }

    func channelActive(context: ChannelHandlerContext) {
        if let peer = context.channel.remoteAddress {
            self.peer = peer
            self.connections.byPeer[peer] = context.channel
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let peer = self.peer, self.connections.byPeer[peer] === context.channel { self.connections.byPeer[peer] = nil }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let peer = self.peer, let local = context.channel.localAddress else { return }
        let buffer = Self.unwrapInboundIn(data)
        self.parser.append(buffer.readableBytesView)
        do {
            while let message = try self.parser.nextMessage() {
                self.receive(message, message.serialized(), peer, local)
            }
        } catch {
            self.receive(nil, [], peer, local)
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A failed TLS handshake or a reset: this connection is over, the others are not.
        context.close(promise: nil)
    }
}
