import NIOCore
import NIOSSL
import NIOTLS

#if canImport(Glibc)
    import Glibc
#endif

/// How a live command checks the server when SIP runs over TLS (RFC 3261 §26.2, RFC 5922).
public struct TLSClientSettings: Sendable {
    /// A PEM file of extra CA certificates to trust (a private CA), besides the system store.
    public var caFile: String?
    /// Skip certificate verification entirely (`--insecure`; the command warns on stderr).
    public var insecure = false
    /// Where to append the session secrets in NSS key log format (SSLKEYLOGFILE), if anywhere.
    public var keyLogFile: String?
    /// The name the server's certificate must carry (and SNI sends) when it is not the host
    /// dialled: the SIP domain when RFC 3263 found the server through SRV (RFC 5922 §4.1).
    public var serverName: String?
    /// Our own certificate chain and key (PEM), for servers that require mutual TLS.
    public var certificateFile: String?
    public var keyFile: String?

    public init() {}
}

/// What `siptool answer` presents when it listens for SIP over TLS.
public struct TLSServerSettings: Sendable {
    /// PEM certificate chain (leaf first) and PEM private key.
    public var certificateFile: String
    public var keyFile: String
    public var keyLogFile: String?
    /// Mutual TLS: a PEM file of the CAs a client's certificate must chain to. When set, a
    /// client without such a certificate fails the handshake.
    public var clientCAFile: String?

    public init(certificateFile: String, keyFile: String) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}

/// TLS contexts, the key log, and readable handshake errors for SIP over TLS (swift-nio-ssl).
enum SIPTLS {
    /// A client context: verification against the system trust store (plus `caFile`) unless
    /// `insecure`; TLS 1.2 or newer.
    static func clientContext(_ settings: TLSClientSettings) throws(RuntimeError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if settings.insecure {
            configuration.certificateVerification = .none
        } else {
            configuration.certificateVerification = .fullVerification
            if let caFile = settings.caFile {
                configuration.additionalTrustRoots = [.certificates(try Self.certificates(caFile, what: "CA certificates"))]
            }
        }
        if let certificateFile = settings.certificateFile, let keyFile = settings.keyFile {
            let (chain, key) = try Self.identity(certificateFile: certificateFile, keyFile: keyFile)
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(key)
        }
        configuration.keyLogCallback = try Self.keyLogger(settings.keyLogFile)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw RuntimeError(.input, "cannot set up TLS: \(error)")
        }
    }

    /// The certificates of a PEM file (at least one), with one-line errors naming the file.
    static func certificates(_ path: String, what: String) throws(RuntimeError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw RuntimeError(.input, "cannot read the \(what) in '\(path)' (PEM expected): \(error)")
        }
        guard !certificates.isEmpty else { throw RuntimeError(.input, "'\(path)' holds no PEM certificate") }
        return certificates
    }

    /// A PEM certificate chain and its private key, with one-line errors naming the file.
    static func identity(certificateFile: String, keyFile: String) throws(RuntimeError) -> ([NIOSSLCertificate], NIOSSLPrivateKey) {
        let chain = try Self.certificates(certificateFile, what: "certificate")
        do {
            return (chain, try NIOSSLPrivateKey(file: keyFile, format: .pem))
        } catch {
            throw RuntimeError(.input, "cannot read the private key '\(keyFile)' (PEM expected): \(error)")
        }
    }

    /// A server context presenting the PEM certificate chain and key.
    static func serverContext(_ settings: TLSServerSettings) throws(RuntimeError) -> NIOSSLContext {
        let (chain, key) = try Self.identity(certificateFile: settings.certificateFile, keyFile: settings.keyFile)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let caFile = settings.clientCAFile {
            // Mutual TLS: the client must present a certificate from these CAs (no name to check:
            // a client is not dialled by name).
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(try Self.certificates(caFile, what: "client CA certificates"))
        }
        configuration.keyLogCallback = try Self.keyLogger(settings.keyLogFile)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw RuntimeError(.input, "cannot use the certificate '\(settings.certificateFile)' with the key '\(settings.keyFile)': \(error)")
        }
    }

    /// The SNI name for `host`: the host name itself, never an IP literal (RFC 6066 §3).
    static func serverName(_ host: String) -> String? {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if (try? SocketAddress(ipAddress: bare, port: 0)) != nil { return nil }
        return bare.isEmpty ? nil : bare
    }

    /// A callback appending NSS key log lines to `path` (created 0600, opened once, appended to:
    /// several processes may share one file, as browsers do).
    static func keyLogger(_ path: String?) throws(RuntimeError) -> NIOSSLKeyLogCallback? {
        guard let path, !path.isEmpty else { return nil }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw RuntimeError(.file, "cannot open the key log '\(path)' named by SSLKEYLOGFILE: \(String(cString: strerror(errno)))")
        }
        let file = KeyLogFile(descriptor: descriptor)
        return { line in file.append(line) }
    }

    /// One line about a failed handshake with `peer`, saying what to do about it.
    static func handshakeFailure(_ error: Error, peer: String) -> String {
        let text = String(describing: error)
        let why: String
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            why = "certificate verify failed (self-signed / unknown CA); use --ca FILE or --insecure"
        } else if text.contains("ValidateHostname") {
            why = "the certificate does not name this server (\(text)); connect by a name it lists, or use --insecure"
        } else if text.contains("eofDuringHandshake") || error is ChannelError {
            why = "the server closed the connection during the handshake (does it speak TLS on this port?)"
        } else if error is HandshakeTimeout {
            why = "no handshake within 5 s (does the server speak TLS on this port?)"
        } else {
            why = text
        }
        return "TLS handshake with \(peer) failed: \(why)"
    }

    struct HandshakeTimeout: Error {}
}

/// The open key log file; lines from any event loop are appended with one write each.
final class KeyLogFile: @unchecked Sendable {
    // The descriptor is only written with single `write` calls on an O_APPEND file.
    private let descriptor: Int32

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    func append(_ line: ByteBuffer) {
        line.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            _ = write(self.descriptor, base, bytes.count)
        }
    }

    deinit {
        close(self.descriptor)
    }
}

/// Completes `promise` when the TLS handshake on its channel finishes, or fails it with the
/// handshake error (or when the connection closes first), so a connect reports one clear cause.
final class TLSHandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<Void>
    private var done = false

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event, !self.done {
            self.done = true
            self.promise.succeed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !self.done {
            self.done = true
            self.promise.fail(error)
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !self.done {
            self.done = true
            self.promise.fail(ChannelError.eof)
        }
        context.fireChannelInactive()
    }
}
