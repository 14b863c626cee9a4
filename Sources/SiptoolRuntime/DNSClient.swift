import DNSResolution
import NIOCore
import NIOPosix

/// A small stub resolver over UDP: asks each nameserver in turn, `timeout` per try and
/// `attempts` tries per server, and drives `SIPServerLocator` (RFC 3263) with the answers.
/// A truncated (TC) answer is asked again over TCP (RFC 7766), once, within `timeout`; when
/// that fails the truncated answer is used as far as it goes (the locator notes it).
public final class DNSClient: @unchecked Sendable {
    // Confined to `loop`.
    let loop: EventLoop
    public let servers: [SocketAddress]
    let timeout: TimeAmount
    let attempts: Int
    private var sockets: [Int32: UDPSocket] = [:]
    private var pending: Pending?
    private var random = SystemRandomNumberGenerator()

    /// The query in flight: its ID, question, where it went, and its promise.
    private struct Pending {
        var id: UInt16
        var question: DNSQuestion
        var server: SocketAddress
        var promise: EventLoopPromise<DNSMessage?>
        var timer: Scheduled<Void>
    }

    public init(servers: [SocketAddress], on loop: EventLoop, timeout: TimeAmount = .seconds(2), attempts: Int = 2) {
        self.loop = loop
        self.servers = servers
        self.timeout = timeout
        self.attempts = attempts
    }

    /// Runs RFC 3263 for `request` and completes with the targets (never fails: DNS problems
    /// are in the resolution's notes and `noServerAnswered`).
    public func locate(_ request: SIPServerLocator.Request) -> EventLoopFuture<SIPServerResolution> {
        let run = LocateRun(client: self, locator: SIPServerLocator(request))
        self.loop.execute { run.step() }
        return run.promise.futureResult.flatMap { resolution in self.close().map { resolution } }
    }

    /// One question, trying every server `attempts` times (bounded: servers x attempts x timeout).
    public func lookup(_ question: DNSQuestion) -> EventLoopFuture<DNSLookupResult> {
        let tries = self.servers.flatMap { server in Array(repeating: server, count: self.attempts) }
        guard !tries.isEmpty else { return self.loop.makeSucceededFuture(.failure("no nameserver configured")) }
        let run = LookupRun(client: self, question: question, tries: tries)
        run.attempt()
        return run.promise.futureResult
    }

    /// The locator's loop: ask, feed the answer, repeat. Confined to the client's loop.
    private final class LocateRun: @unchecked Sendable {
        let client: DNSClient
        var locator: SIPServerLocator
        let promise: EventLoopPromise<SIPServerResolution>

        init(client: DNSClient, locator: SIPServerLocator) {
            self.client = client
            self.locator = locator
            self.promise = client.loop.makePromise()
        }

        func step() {
            switch self.locator.next() {
            case .finished(let resolution):
                self.promise.succeed(resolution)
            case .query(let question):
                self.client.lookup(question).whenComplete { result in
                    switch result {
                    case .success(let answer): self.locator.receive(answer, for: question)
                    case .failure(let error): self.locator.receive(.failure("\(error)"), for: question)
                    }
                    self.step()
                }
            }
        }
    }

    /// One question over the servers in turn. Confined to the client's loop.
    private final class LookupRun: @unchecked Sendable {
        let client: DNSClient
        let question: DNSQuestion
        let tries: [SocketAddress]
        var index = 0
        let promise: EventLoopPromise<DNSLookupResult>

        init(client: DNSClient, question: DNSQuestion, tries: [SocketAddress]) {
            self.client = client
            self.question = question
            self.tries = tries
            self.promise = client.loop.makePromise()
        }

        func attempt() {
            guard self.index < self.tries.count else {
                let names = self.client.servers.map { Addressing.hostPort($0.ipAddress ?? "?", $0.port ?? 53) }.joined(separator: ", ")
                let seconds = self.client.timeout.nanoseconds / 1_000_000_000
                self.promise.succeed(.failure("no answer from \(names) (\(self.client.attempts) tries of \(seconds) s each)"))
                return
            }
            let server = self.tries[self.index]
            self.index += 1
            self.client.ask(self.question, server: server).whenComplete { result in
                switch result {
                case .success(let message?): self.promise.succeed(.answer(message))
                case .success(nil), .failure: self.attempt()
                }
            }
        }
    }

    /// Sends one query; completes with the matching answer or nil on timeout.
    fileprivate func ask(_ question: DNSQuestion, server: SocketAddress) -> EventLoopFuture<DNSMessage?> {
        self.askUDP(question, server: server).flatMap { message in
            guard let message, message.truncated else { return self.loop.makeSucceededFuture(message) }
            return self.askTCP(question, server: server).map { $0 ?? message }
        }
    }

    /// The same question over TCP (two-octet length prefix, RFC 1035 §4.2.2), bounded by
    /// `timeout` for connect and answer together; nil when it fails.
    private func askTCP(_ question: DNSQuestion, server: SocketAddress) -> EventLoopFuture<DNSMessage?> {
        let id = UInt16.random(in: 0...UInt16.max, using: &self.random)
        guard let query = try? DNSQueryBuilder.query(id: id, question) else { return self.loop.makeSucceededFuture(nil) }
        let answer = OnceAnswer(self.loop.makePromise(of: [UInt8].self))
        let timeout = self.timeout
        let connected = ClientBootstrap(group: self.loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DNSStreamHandler(answer: answer))
                }
            }
            .connect(to: server)
        connected.whenFailure { error in answer.fail(error) }
        // Every path completes `answer` through OnceAnswer: the timer, a closed connection and an
        // error may race, and a promise must be completed only once.
        connected.whenSuccess { channel in
            var framed = channel.allocator.buffer(capacity: query.count + 2)
            framed.writeInteger(UInt16(query.count))
            framed.writeBytes(query)
            channel.writeAndFlush(framed, promise: nil)
            let timer = channel.eventLoop.scheduleTask(in: timeout) {
                answer.fail(RuntimeError(.network, "no answer over TCP"))
            }
            answer.promise.futureResult.whenComplete { _ in
                timer.cancel()
                channel.close(promise: nil)
            }
        }
        return answer.promise.futureResult.map { bytes -> DNSMessage? in
            guard let message = try? DNSMessageParser.parse(bytes), message.isResponse, message.id == id,
                message.questions.contains(where: { $0.type == question.type && $0.name == question.name.lowercased() })
            else { return nil }
            return message
        }
        .recover { _ in nil }
    }

    /// One UDP query; completes with the matching answer or nil on timeout.
    private func askUDP(_ question: DNSQuestion, server: SocketAddress) -> EventLoopFuture<DNSMessage?> {
        let id = UInt16.random(in: 0...UInt16.max, using: &self.random)
        let query: [UInt8]
        do {
            query = try DNSQueryBuilder.query(id: id, question)
        } catch {
            return self.loop.makeFailedFuture(RuntimeError(.input, "cannot ask DNS about '\(question.name)': \(error)"))
        }
        return self.socket(for: server).flatMap { socket in
            let promise = self.loop.makePromise(of: DNSMessage?.self)
            let timer = self.loop.scheduleTask(in: self.timeout) { [weak self] in
                guard let self, let pending = self.pending, pending.id == id else { return }
                self.pending = nil
                pending.promise.succeed(nil)
            }
            self.pending = Pending(id: id, question: question, server: server, promise: promise, timer: timer)
            socket.send(query, to: server).whenFailure { [weak self] _ in
                guard let self, let pending = self.pending, pending.id == id else { return }
                self.pending = nil
                pending.timer.cancel()
                pending.promise.succeed(nil)
            }
            return promise.futureResult
        }
    }

    /// An answer is ours when it comes from the server asked, has our ID, is a response and
    /// echoes our question (RFC 5452 §4.1 spoofing checks, minus port randomisation detail).
    private func receive(_ buffer: ByteBuffer, from source: SocketAddress) {
        guard let pending = self.pending, source == pending.server,
            let message = try? DNSMessageParser.parse(Array(buffer.readableBytesView)),
            message.isResponse, message.id == pending.id,
            message.questions.contains(where: { $0.type == pending.question.type && $0.name == pending.question.name.lowercased() })
        else { return }
        self.pending = nil
        pending.timer.cancel()
        pending.promise.succeed(message)
    }

    /// One socket per address family, bound on first use.
    private func socket(for server: SocketAddress) -> EventLoopFuture<UDPSocket> {
        let family = server.protocol.rawValue
        if let socket = self.sockets[family] { return self.loop.makeSucceededFuture(socket) }
        let host = server.protocol == .inet6 ? "::" : "0.0.0.0"
        return UDPSocket.bind(host: host, port: 0, on: self.loop, onReceive: { [weak self] buffer, source in
            self?.receive(buffer, from: source)
        })
        .map { socket in
            self.sockets[family] = socket
            return socket
        }
    }

    private func close() -> EventLoopFuture<Void> {
        let sockets = Array(self.sockets.values)
        self.sockets = [:]
        return EventLoopFuture.andAllComplete(sockets.map { $0.close() }, on: self.loop)
    }
}

/// Where the nameservers come from: `--dns-server` / SIPTOOL_DNS_SERVER, else /etc/resolv.conf.
public enum DNSServers {
    /// "host[:port]" (IPv6 in brackets when a port follows) as an address; port 53 by default.
    public static func parse(_ text: String) throws(RuntimeError) -> SocketAddress {
        var host = text
        var port = 53
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw RuntimeError(.input, "invalid DNS server '\(text)': missing ']'") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let value = Int(rest.dropFirst()), (1...65535).contains(value) else {
                    throw RuntimeError(.input, "invalid DNS server '\(text)': bad port")
                }
                port = value
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            guard let value = Int(text[text.index(after: colon)...]), (1...65535).contains(value) else {
                throw RuntimeError(.input, "invalid DNS server '\(text)': bad port")
            }
            port = value
        }
        do {
            return try SocketAddress(ipAddress: host, port: port)
        } catch {
            throw RuntimeError(.input, "invalid DNS server '\(text)': expected an IP address (a name would itself need DNS)")
        }
    }

    /// The `nameserver` lines of a resolv.conf text (at most three, as the C library uses).
    public static func fromResolvConf(_ text: String) -> [SocketAddress] {
        var servers: [SocketAddress] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver", servers.count < 3 else { continue }
            // A scoped IPv6 address (fe80::1%eth0) is left out: NIO would drop the scope, and a
            // link-local address without its interface cannot be reached.
            guard !fields[1].contains("%") else { continue }
            if let address = try? SocketAddress(ipAddress: String(fields[1]), port: 53) { servers.append(address) }
        }
        return servers
    }
}

/// Collects one length-prefixed DNS message from a TCP stream and completes `answer` with it
/// (at most 65 535 octets, the prefix's limit). The promise is completed once.
final class DNSStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let answer: OnceAnswer
    private var received: [UInt8] = []

    init(answer: OnceAnswer) {
        self.answer = answer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        self.received += buffer.readableBytesView
        guard self.received.count >= 2 else { return }
        let length = Int(self.received[0]) << 8 | Int(self.received[1])
        guard self.received.count >= 2 + length else { return }
        self.answer.succeed(Array(self.received[2..<(2 + length)]))
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.answer.fail(RuntimeError(.network, "the TCP connection closed before the answer"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.answer.fail(error)
        context.close(promise: nil)
    }
}

/// A promise completed at most once, whoever comes first (used on one event loop).
final class OnceAnswer: @unchecked Sendable {
    let promise: EventLoopPromise<[UInt8]>
    private var done = false

    init(_ promise: EventLoopPromise<[UInt8]>) {
        self.promise = promise
    }

    func succeed(_ bytes: [UInt8]) {
        guard !self.done else { return }
        self.done = true
        self.promise.succeed(bytes)
    }

    func fail(_ error: Error) {
        guard !self.done else { return }
        self.done = true
        self.promise.fail(error)
    }
}
