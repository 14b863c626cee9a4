/// Tracks the nonce count (`nc`) a client sends with each nonce (RFC 7616 §3.4: "The nc value
/// is the hexadecimal count of the number of requests (including the current request) that the
/// client has sent with the nonce value in this request").
///
/// The count starts at 1 for a nonce not seen before and increases by one per request on the
/// same nonce. Several nonces are tracked at once (a request may answer a proxy and a registrar
/// challenge together); the oldest is forgotten past ``maximumTrackedNonces``.
public struct DigestNonceCounter: Sendable, Hashable {
    /// How many nonces are remembered. A client holds one or two live nonces at a time (one per
    /// realm it talks to); 16 bounds memory if a server changes nonces on every response.
    public static let maximumTrackedNonces = 16

    private struct Entry: Sendable, Hashable {
        var nonce: String
        var count: UInt32
    }

    /// Oldest first.
    private var entries: [Entry] = []

    /// Creates a counter that has seen no nonce.
    public init() {}

    /// Counts one more request with `nonce` and returns its `nc` (1 for a new nonce). The count
    /// stops at `UInt32.max` (`ffffffff`), the largest value 8 hex digits can carry; a server
    /// will have issued a new nonce long before.
    public mutating func next(for nonce: String) -> UInt32 {
        if let index = self.entries.firstIndex(where: { $0.nonce == nonce }) {
            let current = self.entries[index].count
            let next = current == UInt32.max ? current : current + 1
            self.entries[index].count = next
            return next
        }
        if self.entries.count >= Self.maximumTrackedNonces {
            self.entries.removeFirst(self.entries.count - Self.maximumTrackedNonces + 1)
        }
        self.entries.append(Entry(nonce: nonce, count: 1))
        return 1
    }

    /// The last count returned for `nonce`, or `nil` if it is not tracked.
    public func current(for nonce: String) -> UInt32? {
        self.entries.first(where: { $0.nonce == nonce })?.count
    }

    /// Formats a count as the 8 lowercase hex digits of `nc` (`1` → `"00000001"`).
    public static func format(_ count: UInt32) -> String {
        withUnsafeBytes(of: count.bigEndian) { bytes in HexEncoding.string(bytes) }
    }

    /// Reads an `nc` value: exactly 8 hex digits (either case), else `nil`.
    public static func parse(_ text: String) -> UInt32? {
        guard text.utf8.count == 8 else { return nil }
        var value: UInt32 = 0
        for byte in text.utf8 {
            guard let nibble = HexEncoding.nibble(byte) else { return nil }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }
}
