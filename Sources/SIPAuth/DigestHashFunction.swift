import Crypto
import CryptoExtras

/// Lowercase hexadecimal encoding through a 16-entry byte table, without `String` formatting.
enum HexEncoding {
    /// Writes two lowercase hex digits per input byte at `output` (which must hold `2 * input.count`).
    @inline(__always)
    static func encode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer) {
        let digits = ("0123456789abcdef" as StaticString).utf8Start
        var position = 0
        for byte in input {
            output.storeBytes(of: digits[Int(byte >> 4)], toByteOffset: position, as: UInt8.self)
            output.storeBytes(of: digits[Int(byte & 0x0F)], toByteOffset: position + 1, as: UInt8.self)
            position += 2
        }
    }

    /// The value of one hex digit (either case), or `nil`.
    static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Lowercase hex of `bytes` as a `String`.
    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { output in
            if let base = output.baseAddress { Self.encode(bytes, into: UnsafeMutableRawPointer(base)) }
            return bytes.count * 2
        }
    }
}

/// The hash functions behind the digest algorithms, producing lowercase hex (RFC 7616 §3.4.1:
/// "the output of H is ... represented as a lowercase hexadecimal string").
enum DigestHashFunction: Sendable {
    case md5
    case sha256
    case sha512256

    /// Hex characters in one digest.
    var hexLength: Int {
        switch self {
        case .md5: return 32
        case .sha256, .sha512256: return 64
        }
    }

    /// Hashes `input` and writes ``hexLength`` lowercase hex bytes at `output`.
    @inline(__always)
    func writeHexDigest(of input: UnsafeRawBufferPointer, to output: UnsafeMutableRawPointer) {
        switch self {
        case .md5:
            // In-house MD5 (see ``MD5``): no context allocation per digest.
            withUnsafeTemporaryAllocation(byteCount: 16, alignment: 8) { digest in
                guard let digestBase = digest.baseAddress else { return }
                MD5.hash(input, into: digestBase)
                HexEncoding.encode(UnsafeRawBufferPointer(start: digestBase, count: 16), into: output)
            }
        case .sha256:
            var hasher = SHA256()
            hasher.update(bufferPointer: input)
            hasher.finalize().withUnsafeBytes { HexEncoding.encode($0, into: output) }
        case .sha512256:
            var hasher = SHA512256()
            hasher.update(bufferPointer: input)
            hasher.finalize().withUnsafeBytes { HexEncoding.encode($0, into: output) }
        }
    }

    /// Hashes `input` and returns the lowercase hex digest.
    func hexDigest(of input: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: self.hexLength) { output in
            if let base = output.baseAddress { self.writeHexDigest(of: input, to: UnsafeMutableRawPointer(base)) }
            return self.hexLength
        }
    }
}

/// Appends bytes into a fixed-size scratch region (from `withUnsafeTemporaryAllocation`), so
/// building `a:b:c` hash inputs makes no `String` concatenations and no heap allocations.
struct ScratchWriter {
    let base: UnsafeMutableRawPointer
    private(set) var count = 0

    init(_ base: UnsafeMutableRawPointer) { self.base = base }

    /// The bytes written so far.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: self.base, count: self.count) }

    @inline(__always)
    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            if let source = utf8.baseAddress {
                (self.base + self.count).copyMemory(from: source, byteCount: utf8.count)
            }
            self.count += utf8.count
        }
    }

    @inline(__always)
    mutating func appendColon() {
        self.base.storeBytes(of: UInt8(ascii: ":"), toByteOffset: self.count, as: UInt8.self)
        self.count += 1
    }

    @inline(__always)
    mutating func append(_ raw: UnsafeRawBufferPointer) {
        if let source = raw.baseAddress { (self.base + self.count).copyMemory(from: source, byteCount: raw.count) }
        self.count += raw.count
    }

    /// Reserves `length` bytes and returns where they start, for a hex digest written in place.
    @inline(__always)
    mutating func reserve(_ length: Int) -> UnsafeMutableRawPointer {
        let start = self.base + self.count
        self.count += length
        return start
    }
}
