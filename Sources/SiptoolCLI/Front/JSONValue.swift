/// A JSON value with ordered object keys, so reports come out in the order they are documented.
/// Every `--json` output is written through it.
public enum JSONValue: Sendable, Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    /// An array whose elements are built only as they are written, one at a time: a report of
    /// thousands of calls then never holds the trees of all of them at once (memory, and the cache
    /// misses of building and freeing them far apart). Written exactly as ``array(_:)``.
    case generated(count: Int, element: @Sendable (Int) -> JSONValue)
    case string(String)
    case int(Int)
    /// A finite number printed with at most `decimals` decimals (non-finite values become null).
    case double(Double, decimals: Int)
    case bool(Bool)
    case null

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.serialized(pretty: false) == rhs.serialized(pretty: false)
    }

    /// An optional string, or null.
    public static func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    /// An optional int, or null.
    public static func int(_ value: Int?) -> JSONValue { value.map { .int($0) } ?? .null }
    /// An optional number, or null.
    public static func number(_ value: Double?, decimals: Int = 3) -> JSONValue { value.map { .double($0, decimals: decimals) } ?? .null }

    /// The JSON text; pretty output indents by two spaces.
    public func serialized(pretty: Bool = true) -> String {
        String(decoding: self.serializedBytes(pretty: pretty), as: UTF8.self)
    }

    /// The JSON text as UTF-8 bytes. Written into one byte buffer rather than by appending to a
    /// String: a `--json` report of a large capture holds hundreds of thousands of values, and
    /// String appends (capacity and ASCII-flag bookkeeping per append) cost more than the bytes.
    public func serializedBytes(pretty: Bool = true) -> [UInt8] {
        var out = JSONOutput()
        self.write(into: &out, pretty: pretty, depth: 0)
        return out.finish()
    }

    private func write(into out: inout JSONOutput, pretty: Bool, depth: Int) {
        switch self {
        case .null: out.append("null")
        case .bool(let value): out.append(value ? "true" : "false")
        case .int(let value): JSONValue.writeInt(value, into: &out)
        case .double(let value, let decimals):
            guard value.isFinite else {
                out.append("null")
                return
            }
            JSONValue.writeNumber(value, decimals: decimals, into: &out)
        case .string(let value): JSONValue.writeString(value, into: &out)
        case .array(let values):
            JSONValue.writeArray(count: values.count, into: &out, pretty: pretty, depth: depth) { values[$0] }
        case .generated(let count, let element):
            JSONValue.writeArray(count: count, into: &out, pretty: pretty, depth: depth, element)
        case .object(let members):
            guard !members.isEmpty else {
                out.append("{}")
                return
            }
            out.append(UInt8(ascii: "{"))
            for index in members.indices {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { out.newline(depth: depth + 1) }
                JSONValue.writeString(members[index].0, into: &out)
                if pretty { out.append(": ") } else { out.append(UInt8(ascii: ":")) }
                members[index].1.write(into: &out, pretty: pretty, depth: depth + 1)
            }
            if pretty { out.newline(depth: depth) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeArray(
        count: Int, into out: inout JSONOutput, pretty: Bool, depth: Int, _ element: (Int) -> JSONValue
    ) {
        guard count > 0 else {
            out.append("[]")
            return
        }
        out.append(UInt8(ascii: "["))
        for index in 0..<count {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            if pretty { out.newline(depth: depth + 1) }
            element(index).write(into: &out, pretty: pretty, depth: depth + 1)
        }
        if pretty { out.newline(depth: depth) }
        out.append(UInt8(ascii: "]"))
    }

    /// Decimal digits of an integer, as `String(value)` writes them.
    static func writeInt(_ value: Int, into out: inout JSONOutput) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        // The magnitude as unsigned, so Int.min does not overflow.
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for the 20 digits of UInt64.max
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 - count] = UInt8(truncatingIfNeeded: magnitude % 10) + UInt8(ascii: "0")
                magnitude /= 10
                count += 1
            } while magnitude > 0
            out.append(UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
        }
    }

    /// A number as ``format(_:decimals:)`` writes it; integral values without building a String.
    static func writeNumber(_ value: Double, decimals: Int, into out: inout JSONOutput) {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded(), abs(rounded) < 1e15 {
            JSONValue.writeInt(Int(rounded), into: &out)
            return
        }
        if decimals <= 6, abs(rounded) < 1e9, decimals <= 4 || abs(rounded) >= 0.0001 {
            // What format() prints here, without building a String: the value is k / 10^decimals
            // with k below 10^15, so its shortest round-trip text is exactly those digits (two
            // decimals of at most 15 significant digits never share a double), and from 0.0001 up
            // Swift prints it without an exponent (below, only 5 or 6 decimals can show, and those
            // values keep format()'s exponent form).
            let scaled = Int64((value * scale).rounded())
            var magnitude = scaled.magnitude
            var power: UInt64 = 1
            for _ in 0..<decimals { power *= 10 }
            var fraction = magnitude % power
            var digits = decimals
            while digits > 0 && fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            magnitude /= power
            if scaled < 0 { out.append(UInt8(ascii: "-")) }
            JSONValue.writeInt(Int(magnitude), into: &out)
            out.append(UInt8(ascii: "."))
            // Leading zeros of the fraction ("0.05"), then its digits.
            var width = 1
            var bound: UInt64 = 10
            while bound <= fraction {
                width += 1
                bound *= 10
            }
            for _ in width..<digits { out.append(UInt8(ascii: "0")) }
            JSONValue.writeInt(Int(fraction), into: &out)
            return
        }
        out.append(JSONValue.format(value, decimals: decimals))
    }

    /// RFC 8259 §7: quote, backslash and control characters escaped; other text passed as UTF-8.
    static func writeString(_ value: String, into out: inout JSONOutput) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escape: append their bytes whole instead of scalar by scalar
        // (scanned in place when the string's UTF-8 is contiguous, as native strings' is).
        var text = value
        let appendedWhole = text.withUTF8 { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F { return false }
            out.append(UnsafeRawBufferPointer(bytes))
            return true
        }
        if appendedWhole {
            out.append(UInt8(ascii: "\""))
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case "\u{08}": out.append("\\b")
            case "\u{0C}": out.append("\\f")
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                } else {
                    for byte in UTF8.encode(scalar)! { out.append(byte) }
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Fixed decimals, trailing zeros trimmed ("12.5", "3", "-0.25").
    static func format(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int(rounded)) }
        var text = String(rounded)
        if text.contains("e") { return text }
        if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) - 1 > decimals {
            text = String(text[...text.index(dot, offsetBy: decimals)])
        }
        return text
    }
}

/// The growing byte buffer JSON is written into: appends without the uniqueness and capacity
/// bookkeeping of an array per byte (a report is millions of small appends).
struct JSONOutput: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int

    init() {
        self.capacity = 1 << 16
        self.base = .allocate(capacity: self.capacity)
    }

    deinit { self.base.deallocate() }

    /// The bytes written (the buffer is freed).
    consuming func finish() -> [UInt8] {
        Array(UnsafeBufferPointer(start: self.base, count: self.count))
    }

    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if self.count + extra > self.capacity { self.grow(to: self.count + extra) }
    }

    @inline(never)
    private mutating func grow(to needed: Int) {
        var capacity = self.capacity * 2
        while capacity < needed { capacity *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        bigger.update(from: self.base, count: self.count)
        self.base.deallocate()
        self.base = bigger
        self.capacity = capacity
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        self.reserve(1)
        self.base[self.count] = byte
        self.count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        self.reserve(bytes.count)
        UnsafeMutableRawPointer(self.base + self.count).copyMemory(from: source, byteCount: bytes.count)
        self.count += bytes.count
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { self.append(UnsafeRawBufferPointer($0)) }
    }

    /// A line break and two spaces per level of `depth` (pretty output), written at once: more
    /// than a third of a pretty report's bytes are indentation.
    mutating func newline(depth: Int) {
        let length = 1 + 2 * depth
        self.reserve(length)
        self.base[self.count] = 0x0A
        (self.base + self.count + 1).initialize(repeating: 0x20, count: length - 1)
        self.count += length
    }
}
