import NIOCore
import NIOPosix
import NIOSSL
import SIPMessages

/// The SIP transport between a live command and one server: a UDP socket, or a TCP connection
/// (plain, or TLS inside) framed by Content-Length (RFC 3261 §18.3). Delivers whole messages
/// with their raw bytes (for TLS, the decrypted bytes).
public final class SIPClientTransport: @unchecked Sendable {
    // Confined to the channel's event loop.
    public enum Kind: String, Sendable {
        case udp = "UDP"
        case tcp = "TCP"
        case tls = "TLS"

        /// TCP and TLS: a connection, Content-Length framing, no retransmissions.
        public var isStream: Bool { self != .udp }
        /// The default port: 5061 for TLS, 5060 otherwise (RFC 3261 §19.1.2).
        public var defaultPort: Int { self == .tls ? 5061 : 5060 }
        /// The `transport=` URI parameter value for Contact (nil for UDP, the default).
        public var uriParameter: String? { self == .udp ? nil : self.rawValue.lowercased() }
    }

    public let kind: Kind
    public let localAddress: SocketAddress
    public let server: SocketAddress
    private let udp: UDPSocket?
    private let tcp: Channel?

    private init(kind: Kind, localAddress: SocketAddress, server: SocketAddress, udp: UDPSocket?, tcp: Channel?) {
        self.kind = kind
        self.localAddress = localAddress
        self.server = server
        self.udp = udp
        self.tcp = tcp
    }

    /// A message (or unparseable bytes, `message` nil) from `source`, on the event loop.
    public typealias Receiver = @Sendable (_ message: SIPMessage?, _ bytes: [UInt8], _ source: SocketAddress) -> Void

    /// Opens the transport: binds UDP, or connects TCP to `server` (the connect is bounded by 5 s);
    /// for TLS also completes the handshake (bounded by 5 s more), verifying the certificate
    /// against `serverName` (SNI too; an IP literal is checked against the certificate's IP
    /// addresses instead) as `tls` says. `connectUDP` connects the UDP socket to the server so
    /// that an ICMP port unreachable is reported to `onError` (used when RFC 3263 gave further
    /// targets to fail over to).
    public static func open(
        _ kind: Kind, localHost: String, localPort: Int, server: SocketAddress, serverName: String = "", tls: TLSClientSettings = TLSClientSettings(),
        on loop: EventLoop, connectUDP: Bool = false, onError: (@Sendable (Error) -> Void)? = nil, receive: @escaping Receiver
    ) -> EventLoopFuture<SIPClientTransport> {
        switch kind {
        case .udp:
            return UDPSocket.bind(host: localHost, port: localPort, on: loop, onReceive: { buffer, source in
                let bytes = Array(buffer.readableBytesView)
                receive(try? SIPDatagramParser.parse(bytes).message, bytes, source)
            }, onError: onError)
            .flatMapError { error in
                loop.makeFailedFuture(RuntimeError(.network, "cannot bind SIP on \(Addressing.hostPort(localHost, localPort)): \(error)"))
            }
            .flatMap { socket in
                guard connectUDP else { return loop.makeSucceededFuture(socket) }
                return socket.connect(to: server).map { socket }.flatMapError { error in
                    socket.close().flatMapThrowing { throw RuntimeError(.network, "cannot connect the UDP socket to \(server): \(error)") }
                }
            }
            .map { SIPClientTransport(kind: .udp, localAddress: $0.localAddress, server: server, udp: $0, tcp: nil) }
        case .tcp, .tls:
            let context: NIOSSLContext?
            do {
                context = kind == .tls ? try SIPTLS.clientContext(tls) : nil
            } catch {
                return loop.makeFailedFuture(error)
            }
            let peer = Addressing.hostPort(server.ipAddress ?? serverName, server.port ?? 0)
            let handshake = loop.makePromise(of: Void.self)
            var bootstrap = ClientBootstrap(group: loop)
                .connectTimeout(.seconds(5))
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { [context] channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let context {
                            let handler = try NIOSSLClientHandler(context: context, serverHostname: SIPTLS.serverName(serverName))
                            try channel.pipeline.syncOperations.addHandler(handler)
                            try channel.pipeline.syncOperations.addHandler(TLSHandshakeWaiter(promise: handshake))
                        }
                        try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(server: server, receive: receive, onClosed: onError))
                    }
                }
            if localPort != 0 || localHost != "0.0.0.0" {
                if let local = try? SocketAddress(ipAddress: localHost, port: localPort) { bootstrap = bootstrap.bind(to: local) }
            }
            return bootstrap.connect(to: server)
                .flatMapError { error in
                    handshake.fail(error)
                    return loop.makeFailedFuture(RuntimeError(.network, "cannot connect over \(kind.rawValue) to \(peer): \(error)"))
                }
                .flatMapThrowing { channel -> (Channel, SocketAddress) in
                    // Read while the connection is surely open: a TLS server that refuses the
                    // client's certificate closes it right after the handshake, and a closed
                    // channel has no local address (the session then reports the TLS alert).
                    guard let local = channel.localAddress else { throw RuntimeError(.network, "the \(kind.rawValue) connection has no local address") }
                    return (channel, local)
                }
                .flatMap { channel, local -> EventLoopFuture<SIPClientTransport> in
                    let transport = SIPClientTransport(kind: kind, localAddress: local, server: server, udp: nil, tcp: channel)
                    guard context != nil else {
                        handshake.succeed()
                        return loop.makeSucceededFuture(transport)
                    }
                    let timeout = loop.scheduleTask(in: .seconds(5)) { handshake.fail(SIPTLS.HandshakeTimeout()) }
                    return handshake.futureResult
                        .always { _ in timeout.cancel() }
                        .map { transport }
                        .flatMapError { error in
                            channel.close(promise: nil)
                            return loop.makeFailedFuture(RuntimeError(.network, SIPTLS.handshakeFailure(error, peer: peer)))
                        }
                }
        }
    }

    /// Sends one message's bytes to the server.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> EventLoopFuture<Void> {
        if let udp { return udp.send(bytes, to: self.server) }
        guard let tcp else { fatalError("a transport is either UDP or TCP") }
        var buffer = tcp.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return tcp.writeAndFlush(buffer)
    }

    public func close() -> EventLoopFuture<Void> {
        if let udp { return udp.close() }
        return self.tcp?.close().recover { _ in } ?? self.localEventLoop.makeSucceededVoidFuture()
    }

    private var localEventLoop: EventLoop { (self.tcp?.eventLoop ?? self.udp?.channel.eventLoop)! }
}

/// Frames SIP on a TCP stream and hands each message up. A framing error (no Content-Length,
/// garbage) closes the connection: RFC 3261 §18.3 leaves no way to find the next message.
final class SIPStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var parser = SIPStreamParser()
    private let server: SocketAddress
    private let receive: SIPClientTransport.Receiver
    /// Told once when the connection ends (with the error that ended it, if any), so a session
    /// waiting for a response learns at once that none can come on this connection.
    private let onClosed: (@Sendable (Error) -> Void)?
    private var lastError: Error?

    init(server: SocketAddress, receive: @escaping SIPClientTransport.Receiver, onClosed: (@Sendable (Error) -> Void)? = nil) {
        self.server = server
        self.receive = receive
        self.onClosed = onClosed
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.onClosed?(self.lastError ?? ConnectionClosed())
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        self.parser.append(buffer.readableBytesView)
        do {
            while let message = try self.parser.nextMessage() {
                self.receive(message, message.serialized(), self.server)
            }
        } catch {
            self.receive(nil, [], self.server)
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if self.lastError == nil { self.lastError = error }
        context.close(promise: nil)
    }
}

/// The server ended a TCP or TLS connection (no error was reported, it just closed).
public struct ConnectionClosed: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the server closed the connection" }
}
