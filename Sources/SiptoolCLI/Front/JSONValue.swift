/// A JSON value with ordered object keys, so reports come out in the order they are documented.
/// Every `--json` output is written through it.
public indirect enum JSONValue: Sendable, Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
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
        var out = ""
        self.write(into: &out, pretty: pretty, depth: 0)
        return out
    }

    private func write(into out: inout String, pretty: Bool, depth: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .double(let value, let decimals):
            guard value.isFinite else {
                out += "null"
                return
            }
            out += JSONValue.format(value, decimals: decimals)
        case .string(let value): JSONValue.writeString(value, into: &out)
        case .array(let values):
            guard !values.isEmpty else {
                out += "[]"
                return
            }
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                if pretty { JSONValue.newline(into: &out, depth: depth + 1) }
                value.write(into: &out, pretty: pretty, depth: depth + 1)
            }
            if pretty { JSONValue.newline(into: &out, depth: depth) }
            out += "]"
        case .object(let members):
            guard !members.isEmpty else {
                out += "{}"
                return
            }
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                if pretty { JSONValue.newline(into: &out, depth: depth + 1) }
                JSONValue.writeString(key, into: &out)
                out += pretty ? ": " : ":"
                value.write(into: &out, pretty: pretty, depth: depth + 1)
            }
            if pretty { JSONValue.newline(into: &out, depth: depth) }
            out += "}"
        }
    }

    /// A line break and two spaces per level of `depth` (pretty output), without building
    /// temporary strings.
    private static func newline(into out: inout String, depth: Int) {
        out += "\n"
        for _ in 0..<depth { out += "  " }
    }

    /// RFC 8259 §7: quote, backslash and control characters escaped; other text passed as UTF-8.
    static func writeString(_ value: String, into out: inout String) {
        out += "\""
        // Most strings need no escape: append them whole instead of scalar by scalar.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F }) {
            out += value
            out += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
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
