/// A JSON value with ordered object keys, so reports come out in the order they are documented.
/// Every `--json` output is written through it.
public indirect enum JSONValue: Sendable, Equatable {
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

    /// The JSON text as UTF-8 bytes. Written into one byte array rather than by appending to a
    /// String: a `--json` report of a large capture holds hundreds of thousands of values, and
    /// String appends (capacity and ASCII-flag bookkeeping per append) cost more than the bytes.
    public func serializedBytes(pretty: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        self.write(into: &out, pretty: pretty, depth: 0)
        return out
    }

    private func write(into out: inout [UInt8], pretty: Bool, depth: Int) {
        switch self {
        case .null: JSONValue.append("null", into: &out)
        case .bool(let value): JSONValue.append(value ? "true" : "false", into: &out)
        case .int(let value): JSONValue.writeInt(value, into: &out)
        case .double(let value, let decimals):
            guard value.isFinite else {
                JSONValue.append("null", into: &out)
                return
            }
            JSONValue.writeNumber(value, decimals: decimals, into: &out)
        case .string(let value): JSONValue.writeString(value, into: &out)
        case .array(let values):
            guard !values.isEmpty else {
                out.append(UInt8(ascii: "["))
                out.append(UInt8(ascii: "]"))
                return
            }
            out.append(UInt8(ascii: "["))
            for index in values.indices {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { JSONValue.newline(into: &out, depth: depth + 1) }
                values[index].write(into: &out, pretty: pretty, depth: depth + 1)
            }
            if pretty { JSONValue.newline(into: &out, depth: depth) }
            out.append(UInt8(ascii: "]"))
        case .generated(let count, let element):
            guard count > 0 else {
                out.append(UInt8(ascii: "["))
                out.append(UInt8(ascii: "]"))
                return
            }
            out.append(UInt8(ascii: "["))
            for index in 0..<count {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { JSONValue.newline(into: &out, depth: depth + 1) }
                element(index).write(into: &out, pretty: pretty, depth: depth + 1)
            }
            if pretty { JSONValue.newline(into: &out, depth: depth) }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else {
                out.append(UInt8(ascii: "{"))
                out.append(UInt8(ascii: "}"))
                return
            }
            out.append(UInt8(ascii: "{"))
            for index in members.indices {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { JSONValue.newline(into: &out, depth: depth + 1) }
                JSONValue.writeString(members[index].0, into: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                members[index].1.write(into: &out, pretty: pretty, depth: depth + 1)
            }
            if pretty { JSONValue.newline(into: &out, depth: depth) }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends a string's UTF-8 bytes.
    @inline(__always)
    private static func append(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// A line break and two spaces per level of `depth` (pretty output), appended at once: more
    /// than a third of a pretty report's bytes are indentation.
    private static func newline(into out: inout [UInt8], depth: Int) {
        let count = 1 + 2 * depth
        guard count <= JSONValue.indentation.count else {
            out.append(0x0A)
            out.append(contentsOf: repeatElement(0x20, count: 2 * depth))
            return
        }
        JSONValue.indentation.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<count])) }
    }

    /// A line break and the spaces of the deepest indentation reports use.
    private static let indentation: [UInt8] = [0x0A] + [UInt8](repeating: 0x20, count: 64)

    /// Decimal digits of an integer, as `String(value)` writes them.
    static func writeInt(_ value: Int, into out: inout [UInt8]) {
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
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
        }
    }

    /// A number as ``format(_:decimals:)`` writes it; integral values without building a String.
    static func writeNumber(_ value: Double, decimals: Int, into out: inout [UInt8]) {
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
        JSONValue.append(JSONValue.format(value, decimals: decimals), into: &out)
    }

    /// RFC 8259 §7: quote, backslash and control characters escaped; other text passed as UTF-8.
    static func writeString(_ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escape: append their bytes whole instead of scalar by scalar
        // (scanned in place when the string's UTF-8 is contiguous, as native strings' is).
        let appendedWhole = value.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if appendedWhole == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        if appendedWhole == nil && !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F }) {
            JSONValue.append(value, into: &out)
            out.append(UInt8(ascii: "\""))
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": JSONValue.append("\\\"", into: &out)
            case "\\": JSONValue.append("\\\\", into: &out)
            case "\n": JSONValue.append("\\n", into: &out)
            case "\r": JSONValue.append("\\r", into: &out)
            case "\t": JSONValue.append("\\t", into: &out)
            case "\u{08}": JSONValue.append("\\b", into: &out)
            case "\u{0C}": JSONValue.append("\\f", into: &out)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    JSONValue.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex, into: &out)
                } else {
                    out.append(contentsOf: UTF8.encode(scalar)!)
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
