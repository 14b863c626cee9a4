import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Host name and address helpers for the live commands.
public enum Addressing {
    /// The local IP address the kernel would use to reach `remote` (a UDP "connect" sets the
    /// route without sending anything). This is what goes into Via, Contact and SDP.
    public static func localAddress(toward remote: SocketAddress) -> String? {
        let family: Int32 = remote.protocol == .inet6 ? AF_INET6 : AF_INET
        let descriptor = socket(family, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let connected: Int32 = remote.withSockAddr { pointer, length in
            connect(descriptor, pointer, socklen_t(length))
        }
        guard connected == 0 else { return nil }
        return Self.boundAddress(descriptor)?.ipAddress
    }

    /// The local address a socket is bound to (getsockname), nil when the kernel will not say.
    private static func boundAddress(_ descriptor: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return named == 0 ? SocketAddress(storage) : nil
    }

    /// Resolves `host` (a literal IPv4/IPv6 address or a name, A/AAAA via the system resolver)
    /// to a socket address with `port`. IPv4 is preferred when both exist.
    public static func resolve(host: String, port: Int) throws(RuntimeError) -> SocketAddress {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        do {
            return try SocketAddress(ipAddress: bare, port: port)
        } catch {}
        do {
            let all = try SocketAddress.makeAddressResolvingHost(bare, port: port)
            return all
        } catch {
            throw RuntimeError(.network, "cannot resolve '\(bare)': \(error)")
        }
    }

    /// The server's address and the local address that reaches it (`localHost` when given).
    public static func route(host: String, port: Int, localHost: String?) throws(RuntimeError) -> (server: SocketAddress, localHost: String) {
        let server = try Self.resolve(host: host, port: port)
        guard let local = localHost ?? Self.localAddress(toward: server) else {
            throw RuntimeError(.network, "no local address can reach \(server): check the network and routes")
        }
        return (server, local)
    }

    /// A UDP port free on `host` at this moment: bind port 0, read what the kernel chose, close.
    public static func freeUDPPort(host: String) throws(RuntimeError) -> Int {
        guard let address = try? SocketAddress(ipAddress: host, port: 0) else {
            throw RuntimeError(.network, "'\(host)' is not a local IP address")
        }
        let family: Int32 = address.protocol == .inet6 ? AF_INET6 : AF_INET
        let descriptor = socket(family, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw RuntimeError(.network, "cannot open a UDP socket") }
        defer { close(descriptor) }
        let bound: Int32 = address.withSockAddr { bind(descriptor, $0, socklen_t($1)) }
        guard bound == 0 else { throw RuntimeError(.network, "cannot bind a UDP socket on \(host)") }
        guard let port = Self.boundAddress(descriptor)?.port else { throw RuntimeError(.network, "cannot read the local UDP port") }
        return port
    }

    /// `host:port` text for headers, with brackets around IPv6.
    public static func hostPort(_ host: String, _ port: Int) -> String {
        (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
    }
}

extension SocketAddress {
    /// Builds a NIO address from a kernel `sockaddr_storage`.
    init(_ storage: sockaddr_storage) {
        var copy = storage
        switch Int32(storage.ss_family) {
        case AF_INET6:
            self = withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: "") }
            }
        default:
            self = withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: "") }
            }
        }
    }
}
