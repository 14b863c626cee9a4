/// Why an option's value was refused, in words that follow "Invalid value 'x' for '--opt': ".
public struct ValueError: Error, Hashable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// A host and optional port, as given on the command line (`host`, `host:port`, `[::1]:5060`, `::1`).
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int?
    public var isIPv6: Bool { self.host.contains(":") }

    public init(host: String, port: Int?) {
        self.host = host
        self.port = port
    }

    public var description: String {
        let host = self.isIPv6 ? "[\(self.host)]" : self.host
        return self.port.map { "\(host):\($0)" } ?? host
    }
}

/// Every typed value the command line accepts, parsed in one place so all options agree on syntax
/// and errors.
public enum ValueParsers {
    /// A duration: `30s`, `500ms`, `2m`, `1h`, `1.5s`; a bare number is seconds. Never negative.
    public static func duration(_ text: String) throws(ValueError) -> Duration {
        let trimmed = text.trimmingSpaces()
        guard !trimmed.isEmpty else { throw ValueError("expected a duration such as 30s, 500ms or 2m") }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(trimmed)
        var scale = 1.0
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            // "ms" is checked before "s" and "m": the first match wins.
            number = trimmed.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite,
            number.allSatisfy({ $0.isNumber || $0 == "." })
        else {
            throw ValueError("expected a duration such as 30s, 500ms or 2m")
        }
        let seconds = value * scale
        guard seconds <= 365 * 24 * 3600 else { throw ValueError("a duration of at most a year") }
        let milliseconds = (seconds * 1000).rounded()
        return .milliseconds(Int64(milliseconds))
    }

    /// A whole number in `range`.
    public static func integer(_ text: String, in range: ClosedRange<Int>) throws(ValueError) -> Int {
        guard let value = Int(text.trimmingSpaces()) else {
            throw ValueError("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        guard range.contains(value) else {
            throw ValueError("must be from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A UDP/TCP port, 1-65535 (0 too when `allowZero`, meaning "any free port").
    public static func port(_ text: String, allowZero: Bool = false) throws(ValueError) -> Int {
        guard let value = Int(text), (allowZero ? 0 : 1)...65535 ~= value else {
            throw ValueError("expected a port number from \(allowZero ? 0 : 1) to 65535")
        }
        return value
    }

    /// `host`, `host:port`, `[v6]:port`, `[v6]`, or a bare IPv6 address (`::1`, no port).
    public static func hostPort(_ text: String) throws(ValueError) -> HostPort {
        guard !text.isEmpty else { throw ValueError("expected host or host:port") }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw ValueError("unclosed '[' in an IPv6 address") }
            let host = String(text[text.index(after: text.startIndex)..<close])
            guard !host.isEmpty, host.contains(":") else { throw ValueError("expected an IPv6 address inside [ ]") }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return HostPort(host: host, port: nil) }
            guard rest.hasPrefix(":") else { throw ValueError("expected ':port' after ']'") }
            return HostPort(host: host, port: try Self.port(String(rest.dropFirst())))
        }
        let colons = text.filter { $0 == ":" }.count
        if colons > 1 {
            // A bare IPv6 address: no port can be given without brackets.
            guard text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw ValueError("an IPv6 address with a port must be written [address]:port")
            }
            return HostPort(host: text, port: nil)
        }
        if colons == 1, let colon = text.firstIndex(of: ":") {
            let host = String(text[..<colon])
            guard Self.isHostName(host) else { throw ValueError("'\(host)' is not a host name or address") }
            return HostPort(host: host, port: try Self.port(String(text[text.index(after: colon)...])))
        }
        guard Self.isHostName(text) else { throw ValueError("'\(text)' is not a host name or address") }
        return HostPort(host: text, port: nil)
    }

    /// A SIP, SIPS or TEL URI (a light syntactic check: the scheme and something after it).
    public static func sipURI(_ text: String) throws(ValueError) -> String {
        let lowered = text.lowercased()
        for scheme in ["sip:", "sips:", "tel:"] where lowered.hasPrefix(scheme) {
            let rest = text.dropFirst(scheme.count)
            guard !rest.isEmpty, !rest.contains(" ") else { throw ValueError("nothing usable after '\(scheme)'") }
            return text
        }
        throw ValueError("expected a sip:, sips: or tel: URI")
    }

    /// One of `choices` (case-insensitive), with a suggestion when it is close to one.
    public static func choice(_ text: String, among choices: [String]) throws(ValueError) -> String {
        if let match = choices.first(where: { $0.lowercased() == text.lowercased() }) { return match }
        var message = "'\(text)' is not one of \(choices.joined(separator: ", "))."
        if let suggestion = Suggestions.closest(to: text, among: choices) { message += " Did you mean '\(suggestion)'?" }
        throw ValueError(message)
    }

    /// A comma-separated list, each item checked by `item`. Empty items are refused.
    public static func list<T>(_ text: String, _ item: (String) throws(ValueError) -> T) throws(ValueError) -> [T] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
        guard !parts.contains(where: \.isEmpty) else { throw ValueError("empty item in a comma-separated list") }
        var result: [T] = []
        for part in parts {
            do {
                result.append(try item(part))
            } catch {
                throw ValueError("item '\(part)': \(error.message)")
            }
        }
        return result
    }

    static func isHostName(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 253 else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " || scalars.first == "\t" { scalars = scalars.dropFirst() }
        while scalars.last == " " || scalars.last == "\t" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
