/// DNS wire format (RFC 1035 §4) for the few record types SIP server location needs (RFC 3263):
/// A, AAAA (RFC 3596), CNAME, SRV (RFC 2782) and NAPTR (RFC 3403). Sans-IO: bytes in, values
/// out; the runtime owns sockets and clocks.

/// The record types siptool asks for.
public enum DNSRecordType: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    case a = 1
    case cname = 5
    case aaaa = 28
    case srv = 33
    case naptr = 35

    public var description: String {
        switch self {
        case .a: "A"
        case .cname: "CNAME"
        case .aaaa: "AAAA"
        case .srv: "SRV"
        case .naptr: "NAPTR"
        }
    }
}

/// One question: a name and the record type wanted (class IN).
public struct DNSQuestion: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var type: DNSRecordType

    public init(name: String, type: DNSRecordType) {
        self.name = name
        self.type = type
    }

    public var description: String { "\(self.name) \(self.type)" }
}

/// An SRV record's data (RFC 2782).
public struct DNSServiceRecord: Sendable, Hashable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    /// The target host; "." means the service is decidedly not available at this domain.
    public var target: String

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// A NAPTR record's data (RFC 3403 §4.1).
public struct DNSNamingAuthorityRecord: Sendable, Hashable {
    public var order: UInt16
    public var preference: UInt16
    public var flags: String
    public var services: String
    public var regexp: String
    /// The next domain name to look up ("." when a regexp is used instead).
    public var replacement: String

    public init(order: UInt16, preference: UInt16, flags: String, services: String, regexp: String, replacement: String) {
        self.order = order
        self.preference = preference
        self.flags = flags
        self.services = services
        self.regexp = regexp
        self.replacement = replacement
    }
}

/// The data of one resource record, decoded for the types we know.
public enum DNSRecordData: Sendable, Hashable {
    /// An IPv4 address in dotted-decimal form.
    case a(String)
    /// An IPv6 address in RFC 5952 text form.
    case aaaa(String)
    case cname(String)
    case srv(DNSServiceRecord)
    case naptr(DNSNamingAuthorityRecord)
    /// A type we do not decode (its numeric type; the data is skipped).
    case other(type: UInt16)

    /// The canonical name of a CNAME record, nil for other types.
    public var canonicalName: String? {
        if case .cname(let name) = self { return name }
        return nil
    }
}

/// One resource record of an answer, authority or additional section.
public struct DNSResourceRecord: Sendable, Hashable {
    /// The owner name, lower-cased, without the trailing dot.
    public var name: String
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: String, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.ttl = ttl
        self.data = data
    }
}

/// Response codes (RFC 1035 §4.1.1) that change what a resolver does.
public enum DNSResponseCode: Sendable, Hashable, CustomStringConvertible {
    case noError
    case formatError
    case serverFailure
    case nameError
    case notImplemented
    case refused
    case other(UInt8)

    init(_ value: UInt8) {
        switch value {
        case 0: self = .noError
        case 1: self = .formatError
        case 2: self = .serverFailure
        case 3: self = .nameError
        case 4: self = .notImplemented
        case 5: self = .refused
        default: self = .other(value)
        }
    }

    public var description: String {
        switch self {
        case .noError: "NOERROR"
        case .formatError: "FORMERR"
        case .serverFailure: "SERVFAIL"
        case .nameError: "NXDOMAIN"
        case .notImplemented: "NOTIMP"
        case .refused: "REFUSED"
        case .other(let value): "RCODE\(value)"
        }
    }
}

/// A parsed DNS message (normally a response to one of our queries).
public struct DNSMessage: Sendable, Hashable {
    public var id: UInt16
    public var isResponse: Bool
    /// TC: the answer did not fit the datagram (RFC 1035 §4.1.1); retry over TCP for all of it.
    public var truncated: Bool
    public var responseCode: DNSResponseCode
    /// The questions echoed back (those of a type we do not know are left out).
    public var questions: [DNSQuestion]
    public var answers: [DNSResourceRecord]
    public var authorities: [DNSResourceRecord]
    public var additionals: [DNSResourceRecord]

    public init(
        id: UInt16, isResponse: Bool = true, truncated: Bool = false, responseCode: DNSResponseCode = .noError, questions: [DNSQuestion] = [],
        answers: [DNSResourceRecord] = [], authorities: [DNSResourceRecord] = [], additionals: [DNSResourceRecord] = []
    ) {
        self.id = id
        self.isResponse = isResponse
        self.truncated = truncated
        self.responseCode = responseCode
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
    }
}

/// Why bytes are not a usable DNS message or a name cannot be encoded.
public struct DNSWireError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { self.reason }
}

/// Bounds on what the parser accepts: a hostile or broken server must not make us loop or
/// allocate without limit.
public enum DNSWireLimits {
    /// The largest message accepted (TCP's 16-bit length; UDP answers are smaller).
    public static let maximumMessageSize = 65_535
    /// Compression pointers followed for one name (RFC 1035 allows any; a loop needs a bound).
    public static let maximumPointerJumps = 16
    /// A name's encoded length (RFC 1035 §2.3.4).
    public static let maximumNameLength = 255
    /// Records per section.
    public static let maximumRecordsPerSection = 512
}

/// Builds queries.
public enum DNSQueryBuilder {
    /// A standard query (opcode 0, RD set) for one question, class IN.
    public static func query(id: UInt16, _ question: DNSQuestion, recursionDesired: Bool = true) throws(DNSWireError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32 + question.name.utf8.count)
        Self.append16(id, to: &bytes)
        Self.append16(recursionDesired ? 0x0100 : 0, to: &bytes)
        Self.append16(1, to: &bytes) // QDCOUNT
        Self.append16(0, to: &bytes)
        Self.append16(0, to: &bytes)
        Self.append16(0, to: &bytes)
        bytes += try Self.encodeName(question.name)
        Self.append16(question.type.rawValue, to: &bytes)
        Self.append16(1, to: &bytes) // IN
        return bytes
    }

    /// A name as length-prefixed labels ending in the root label. Labels are 1-63 octets, the
    /// whole at most 255; a trailing dot is accepted, empty labels are not.
    public static func encodeName(_ name: String) throws(DNSWireError) -> [UInt8] {
        var text = Substring(name)
        if text.hasSuffix(".") { text = text.dropLast() }
        var bytes: [UInt8] = []
        if !text.isEmpty {
            for label in text.split(separator: ".", omittingEmptySubsequences: false) {
                let octets = Array(label.utf8)
                guard !octets.isEmpty else { throw DNSWireError("empty label in '\(name)'") }
                guard octets.count <= 63 else { throw DNSWireError("label longer than 63 octets in '\(name)'") }
                bytes.append(UInt8(octets.count))
                bytes += octets
            }
        }
        bytes.append(0)
        guard bytes.count <= DNSWireLimits.maximumNameLength else { throw DNSWireError("name longer than 255 octets") }
        return bytes
    }

    static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }
}

/// Parses DNS messages. Every read is bounds-checked: truncated or malformed input is an
/// error, never a crash, and compression pointers are bounded and may only point backwards.
public enum DNSMessageParser {
    public static func parse(_ bytes: [UInt8]) throws(DNSWireError) -> DNSMessage {
        guard bytes.count <= DNSWireLimits.maximumMessageSize else { throw DNSWireError("message longer than 65535 octets") }
        var reader = Reader(bytes: bytes)
        let id = try reader.u16("header")
        let flags = try reader.u16("header")
        var counts: [UInt16] = []
        for _ in 0..<4 { counts.append(try reader.u16("header")) }
        for count in counts where Int(count) > DNSWireLimits.maximumRecordsPerSection {
            throw DNSWireError("section count \(count) is above the limit of \(DNSWireLimits.maximumRecordsPerSection)")
        }
        var questions: [DNSQuestion] = []
        for _ in 0..<Int(counts[0]) {
            let name = try reader.name()
            let type = try reader.u16("question")
            _ = try reader.u16("question")
            // A question of a type we do not know cannot be ours; keep it out of the list.
            if let known = DNSRecordType(rawValue: type) { questions.append(DNSQuestion(name: name, type: known)) }
        }
        let answers = try Self.records(Int(counts[1]), &reader)
        let authorities = try Self.records(Int(counts[2]), &reader)
        let additionals = try Self.records(Int(counts[3]), &reader)
        return DNSMessage(
            id: id, isResponse: flags & 0x8000 != 0, truncated: flags & 0x0200 != 0,
            responseCode: DNSResponseCode(UInt8(flags & 0x000F)), questions: questions,
            answers: answers, authorities: authorities, additionals: additionals)
    }

    private static func records(_ count: Int, _ reader: inout Reader) throws(DNSWireError) -> [DNSResourceRecord] {
        var records: [DNSResourceRecord] = []
        for _ in 0..<count {
            let name = try reader.name()
            let type = try reader.u16("record")
            let recordClass = try reader.u16("record")
            let ttl = try reader.u32("record")
            let length = Int(try reader.u16("record"))
            let start = reader.offset
            guard start + length <= reader.bytes.count else { throw DNSWireError("record data of \(name) runs past the end of the message") }
            let end = start + length
            let data: DNSRecordData
            switch (recordClass, DNSRecordType(rawValue: type)) {
            case (1, .a):
                guard length == 4 else { throw DNSWireError("A record of \(name) has \(length) octets, not 4") }
                data = .a(reader.bytes[start..<end].map { String($0) }.joined(separator: "."))
                reader.offset = end
            case (1, .aaaa):
                guard length == 16 else { throw DNSWireError("AAAA record of \(name) has \(length) octets, not 16") }
                data = .aaaa(IPv6Text.format(Array(reader.bytes[start..<end])))
                reader.offset = end
            case (1, .cname):
                data = .cname(try reader.name(within: end))
            case (1, .srv):
                let priority = try reader.u16("SRV", within: end)
                let weight = try reader.u16("SRV", within: end)
                let port = try reader.u16("SRV", within: end)
                data = .srv(DNSServiceRecord(priority: priority, weight: weight, port: port, target: try reader.name(within: end)))
            case (1, .naptr):
                let order = try reader.u16("NAPTR", within: end)
                let preference = try reader.u16("NAPTR", within: end)
                let flags = try reader.characterString(within: end)
                let services = try reader.characterString(within: end)
                let regexp = try reader.characterString(within: end)
                let replacement = try reader.name(within: end)
                data = .naptr(DNSNamingAuthorityRecord(order: order, preference: preference, flags: flags, services: services, regexp: regexp, replacement: replacement))
            default:
                data = .other(type: type)
            }
            if case .other = data {} else {
                guard reader.offset == end else { throw DNSWireError("record data of \(name) has \(end - reader.offset) octets left over") }
            }
            reader.offset = end
            records.append(DNSResourceRecord(name: name, ttl: ttl, data: data))
        }
        return records
    }

    /// A cursor over the message.
    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func u16(_ what: String, within end: Int? = nil) throws(DNSWireError) -> UInt16 {
            guard self.offset + 2 <= (end ?? self.bytes.count) else { throw DNSWireError("\(what) cut short at octet \(self.offset)") }
            defer { self.offset += 2 }
            return UInt16(self.bytes[self.offset]) << 8 | UInt16(self.bytes[self.offset + 1])
        }

        mutating func u32(_ what: String) throws(DNSWireError) -> UInt32 {
            let high = try self.u16(what)
            let low = try self.u16(what)
            return UInt32(high) << 16 | UInt32(low)
        }

        /// A <character-string>: one length octet and that many octets (RFC 1035 §3.3).
        mutating func characterString(within end: Int) throws(DNSWireError) -> String {
            guard self.offset < end else { throw DNSWireError("character-string cut short at octet \(self.offset)") }
            let length = Int(self.bytes[self.offset])
            guard self.offset + 1 + length <= end else { throw DNSWireError("character-string runs past its record at octet \(self.offset)") }
            defer { self.offset += 1 + length }
            return String(decoding: self.bytes[(self.offset + 1)..<(self.offset + 1 + length)], as: UTF8.self)
        }

        /// A domain name, lower-cased and without the trailing dot ("" for the root), following
        /// compression pointers (RFC 1035 §4.1.4). A pointer must point before the name that
        /// uses it and at most `maximumPointerJumps` are followed, so a loop is an error.
        mutating func name(within end: Int? = nil) throws(DNSWireError) -> String {
            let limit = end ?? self.bytes.count
            var labels: [String] = []
            var position = self.offset
            var resumeAt: Int?
            var jumps = 0
            var encodedLength = 1
            var lowestStart = self.offset
            while true {
                // Before the first jump the name lies inside the record; after it, anywhere earlier.
                guard position < (resumeAt == nil ? limit : self.bytes.count) else { throw DNSWireError("name cut short at octet \(position)") }
                let length = Int(self.bytes[position])
                switch length & 0xC0 {
                case 0x00:
                    if length == 0 {
                        self.offset = resumeAt ?? position + 1
                        return labels.joined(separator: ".")
                    }
                    let labelEnd = position + 1 + length
                    guard labelEnd <= (resumeAt == nil ? limit : self.bytes.count) else { throw DNSWireError("label runs past the end at octet \(position)") }
                    encodedLength += 1 + length
                    guard encodedLength <= DNSWireLimits.maximumNameLength else { throw DNSWireError("name longer than 255 octets at octet \(position)") }
                    labels.append(String(decoding: self.bytes[(position + 1)..<labelEnd], as: UTF8.self).lowercased())
                    position = labelEnd
                case 0xC0:
                    guard position + 2 <= (resumeAt == nil ? limit : self.bytes.count) else { throw DNSWireError("compression pointer cut short at octet \(position)") }
                    let target = (length & 0x3F) << 8 | Int(self.bytes[position + 1])
                    jumps += 1
                    guard jumps <= DNSWireLimits.maximumPointerJumps else { throw DNSWireError("too many compression pointers (a loop?) at octet \(position)") }
                    guard target < lowestStart else { throw DNSWireError("compression pointer at octet \(position) does not point backwards (a loop?)") }
                    if resumeAt == nil { resumeAt = position + 2 }
                    lowestStart = target
                    position = target
                default:
                    throw DNSWireError("reserved label type 0x\(String(length & 0xC0, radix: 16)) at octet \(position)")
                }
            }
        }
    }
}

/// IPv6 addresses as text (RFC 5952: lower case, no leading zeros, the longest run of two or
/// more zero groups as "::").
public enum IPv6Text {
    public static func format(_ bytes: [UInt8]) -> String {
        guard bytes.count == 16 else { return "" }
        let groups = (0..<8).map { UInt16(bytes[$0 * 2]) << 8 | UInt16(bytes[$0 * 2 + 1]) }
        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8, groups[end] == 0 { end += 1 }
                if end - index > bestLength, end - index >= 2 {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestStart >= 0 else { return hex.joined(separator: ":") }
        let head = hex[0..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }
}
