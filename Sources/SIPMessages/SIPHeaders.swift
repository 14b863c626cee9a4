/// One header field as it appears in a message.
public struct SIPHeaderField: Hashable, Sendable, CustomStringConvertible {
    /// The name as written ("v", "TO ", "Via" ... without the colon and surrounding whitespace).
    public var name: String
    /// The raw value: leading and trailing whitespace removed, line folding collapsed to single spaces
    /// (RFC 3261 §7.3.1), otherwise untouched (no unescaping, no comma splitting).
    public var value: String
    /// The 1-based line where the field starts in the parsed message, or 0 for a field built in code.
    public var line: Int

    /// The well-known name this field carries (or an extension-header name).
    public var headerName: SIPHeaderName { SIPHeaderName(self.name) }

    public init(name: String, value: String, line: Int = 0) {
        self.name = name
        self.value = value
        self.line = line
    }

    public var description: String { "\(self.name): \(self.value)" }
}

/// Where one header field lives inside ``SIPHeaders/storage``.
struct SIPHeaderEntry: Sendable {
    var nameStart: Int
    var nameEnd: Int
    var valueStart: Int
    var valueEnd: Int
    var line: Int
    /// Well-known id (see ``SIPHeaderName``), -1 for extension headers.
    var id: Int
    /// The value spans continuation lines and must be unfolded before use.
    var folded: Bool
}

/// Where the fields read from every message are, recorded by the head parser so that the accessors
/// skip the search (and, for CSeq, the parsing). It describes the entries it was recorded with, so any
/// change to ``SIPHeaders/entries`` drops it and the accessors search as before.
struct SIPKeyIndex: Sendable {
    /// Position of the first field of each kind, -1 when there is none.
    var via = -1
    var from = -1
    var to = -1
    var callID = -1
    var cseq = -1
    var contentLength = -1
    /// The number of the first CSeq (the parser has checked that field, so it is valid).
    var cseqNumber: UInt32 = 0
    /// The method of the first CSeq in the storage; nil when that field is folded (the accessor then
    /// parses the unfolded value).
    var cseqMethod: Range<Int>? = nil

    /// The recorded position for well-known id `id` (-1 for none), or nil when `id` is not recorded.
    @inline(__always)
    func recorded(_ id: Int) -> Int? {
        switch id {
        case KnownHeaderID.via: return self.via
        case KnownHeaderID.from: return self.from
        case KnownHeaderID.to: return self.to
        case KnownHeaderID.callID: return self.callID
        case KnownHeaderID.cseq: return self.cseq
        case KnownHeaderID.contentLength: return self.contentLength
        default: return nil
        }
    }
}

/// The header fields of a message, in order.
///
/// A parsed message keeps its bytes once: the fields are indexes (name range, value range, well-known
/// id) into that storage, and Strings are only made when someone asks for a value. Fields added in
/// code are appended to the same storage.
public struct SIPHeaders: RandomAccessCollection, Hashable, Sendable, CustomStringConvertible {
    /// Bytes holding the names and values (for a parsed message: the whole message).
    var storage: [UInt8]
    var entries: [SIPHeaderEntry] {
        didSet { self.keys = nil }
    }
    /// Set for a parsed message until its fields change.
    var keys: SIPKeyIndex?

    /// An empty header section.
    public init() {
        self.storage = []
        self.entries = []
        self.keys = nil
    }

    /// Header fields from (name, value) pairs, in order.
    public init(_ fields: [(String, String)]) {
        self.init()
        for (name, value) in fields {
            self.append(name: name, value: value)
        }
    }

    init(storage: [UInt8], entries: [SIPHeaderEntry], keys: SIPKeyIndex? = nil) {
        self.storage = storage
        self.entries = entries
        self.keys = keys
    }

    // MARK: Collection

    public var startIndex: Int { 0 }
    public var endIndex: Int { self.entries.count }

    public subscript(position: Int) -> SIPHeaderField {
        let entry = self.entries[position]
        return SIPHeaderField(
            name: ASCII.string(self.storage, entry.nameStart..<entry.nameEnd),
            value: self.valueString(at: position),
            line: entry.line
        )
    }

    // MARK: Lookup

    /// Every value of the header `name` (full or compact form, any case), in order. Values of list
    /// headers (``SIPHeaderName/isList``) are split at commas that are not inside quotes or `<...>`;
    /// empty list elements are dropped.
    public func values(_ name: SIPHeaderName) -> [String] {
        var result: [String] = []
        for index in self.entries.indices where self.matches(index, name) {
            if name.isList {
                let (bytes, range) = self.unfoldedValue(at: index)
                for piece in ASCII.splitTopLevel(bytes, range, separator: ASCII.comma) where !piece.isEmpty {
                    result.append(ASCII.string(bytes, piece))
                }
            } else {
                result.append(self.valueString(at: index))
            }
        }
        return result
    }

    /// The first value of `name` (for a list header, the first element of the first field).
    public func first(_ name: SIPHeaderName) -> String? {
        guard let index = self.firstIndex(name) else { return nil }
        if name.isList {
            let (bytes, range) = self.unfoldedValue(at: index)
            for piece in ASCII.splitTopLevel(bytes, range, separator: ASCII.comma) where !piece.isEmpty {
                return ASCII.string(bytes, piece)
            }
            return ""
        }
        return self.valueString(at: index)
    }

    /// The fields carrying `name` (full or compact form, any case), in order.
    public func fields(named name: SIPHeaderName) -> [SIPHeaderField] {
        self.entries.indices.filter { self.matches($0, name) }.map { self[$0] }
    }

    /// Whether at least one field carries `name`.
    public func contains(_ name: SIPHeaderName) -> Bool {
        self.firstIndex(name) != nil
    }

    /// Position of the first field carrying `name`.
    public func firstIndex(_ name: SIPHeaderName) -> Int? {
        if name.id >= 0 { return self.firstIndex(id: name.id) }
        return self.entries.indices.first { self.matches($0, name) }
    }

    // MARK: Mutation

    /// Appends a field written as `name` (kept as given; serialization uses the canonical form).
    public mutating func append(name: String, value: String) {
        self.insert(name: name, value: value, at: self.entries.count)
    }

    /// Appends a field with the canonical spelling of `name`.
    public mutating func append(_ name: SIPHeaderName, _ value: String) {
        self.append(name: name.canonicalName, value: value)
    }

    /// Inserts a field at `position` (e.g. 0 for a proxy's new top Via).
    public mutating func insert(name: String, value: String, at position: Int) {
        let nameStart = self.storage.count
        self.storage.append(contentsOf: name.utf8)
        let nameEnd = self.storage.count
        self.storage.append(contentsOf: value.utf8)
        let valueEnd = self.storage.count
        let id = SIPHeaderName.lookup(self.storage, nameStart..<nameEnd)
        var folded = false
        for index in nameEnd..<valueEnd where self.storage[index] == ASCII.lf || self.storage[index] == ASCII.cr {
            folded = true
            break
        }
        let entry = SIPHeaderEntry(
            nameStart: nameStart,
            nameEnd: nameEnd,
            valueStart: nameEnd,
            valueEnd: valueEnd,
            line: 0,
            id: id,
            folded: folded
        )
        self.entries.insert(entry, at: Swift.max(0, Swift.min(position, self.entries.count)))
    }

    /// Inserts a field with the canonical spelling of `name` at `position`.
    public mutating func insert(_ name: SIPHeaderName, _ value: String, at position: Int) {
        self.insert(name: name.canonicalName, value: value, at: position)
    }

    /// Removes every field carrying `name`.
    public mutating func removeAll(_ name: SIPHeaderName) {
        let storage = self.storage
        self.entries.removeAll { entry in
            if name.id >= 0 { return entry.id == name.id }
            return entry.id < 0
                && ASCII.caseInsensitiveEquals(ASCII.string(storage, entry.nameStart..<entry.nameEnd), name.canonicalName)
        }
    }

    /// Removes the field at `position`.
    public mutating func remove(at position: Int) {
        self.entries.remove(at: position)
    }

    /// Replaces all fields carrying `name` by one field with `value`, at the position of the first one
    /// (or at the end when there was none).
    public mutating func set(_ name: SIPHeaderName, _ value: String) {
        let position = self.firstIndex(name) ?? self.entries.count
        self.removeAll(name)
        self.insert(name, value, at: Swift.min(position, self.entries.count))
    }

    // MARK: Internals

    func matches(_ index: Int, _ name: SIPHeaderName) -> Bool {
        let entry = self.entries[index]
        if name.id >= 0 { return entry.id == name.id }
        if entry.id >= 0 { return false }
        let target = name.canonicalName.utf8
        guard entry.nameEnd - entry.nameStart == target.count else { return false }
        var position = entry.nameStart
        for byte in target {
            if ASCII.lowercased(self.storage[position]) != ASCII.lowercased(byte) { return false }
            position += 1
        }
        return true
    }

    /// Index of the first field with well-known id `id` (from ``keys`` when recorded there).
    func firstIndex(id: Int) -> Int? {
        if let keys = self.keys, let recorded = keys.recorded(id) {
            return recorded >= 0 ? recorded : nil
        }
        for index in self.entries.indices where self.entries[index].id == id {
            return index
        }
        return nil
    }

    /// Number of fields with well-known id `id`.
    func count(id: Int) -> Int {
        var count = 0
        for entry in self.entries where entry.id == id {
            count += 1
        }
        return count
    }

    /// The value bytes of field `index`, unfolded when needed: either `storage` itself with the value
    /// range, or a fresh array.
    func unfoldedValue(at index: Int) -> ([UInt8], Range<Int>) {
        let entry = self.entries[index]
        let range = ASCII.trim(self.storage, entry.valueStart..<entry.valueEnd)
        if !entry.folded { return (self.storage, range) }
        let out = SIPHeaders.unfold(self.storage, range)
        return (out, 0..<out.count)
    }

    func valueString(at index: Int) -> String {
        let (bytes, range) = self.unfoldedValue(at: index)
        return ASCII.string(bytes, range)
    }

    /// Replaces each run of whitespace containing a line break by a single SP (RFC 3261 §7.3.1).
    static func unfold(_ bytes: [UInt8], _ range: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == ASCII.cr || byte == ASCII.lf {
                while let last = out.last, ASCII.isWhitespace(last) { out.removeLast() }
                while index < range.upperBound && ASCII.isLWS(bytes[index]) { index += 1 }
                out.append(ASCII.space)
                continue
            }
            out.append(byte)
            index += 1
        }
        return out
    }

    /// The name used when serializing: the canonical full form for well-known headers.
    func serializedName(at index: Int) -> ArraySlice<UInt8> {
        let entry = self.entries[index]
        if entry.id >= 0 {
            return ArraySlice(SIPHeaderName.known[entry.id].canonicalName.utf8)
        }
        return self.storage[entry.nameStart..<entry.nameEnd]
    }

    // MARK: Equality: names compared case-insensitively (compact = full form), values after unfolding.

    public static func == (lhs: SIPHeaders, rhs: SIPHeaders) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        for index in lhs.entries.indices {
            let left = lhs.entries[index]
            let right = rhs.entries[index]
            guard left.id == right.id else { return false }
            if left.id < 0 {
                let leftName = lhs.storage[left.nameStart..<left.nameEnd].lazy.map { ASCII.lowercased($0) }
                let rightName = rhs.storage[right.nameStart..<right.nameEnd].lazy.map { ASCII.lowercased($0) }
                guard leftName.elementsEqual(rightName) else { return false }
            }
            let (leftBytes, leftRange) = lhs.unfoldedValue(at: index)
            let (rightBytes, rightRange) = rhs.unfoldedValue(at: index)
            guard leftBytes[leftRange].elementsEqual(rightBytes[rightRange]) else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.entries.count)
        for index in self.entries.indices {
            let entry = self.entries[index]
            hasher.combine(entry.id)
            let (bytes, range) = self.unfoldedValue(at: index)
            for byte in bytes[range] { hasher.combine(byte) }
        }
    }

    public var description: String {
        self.map { $0.description }.joined(separator: "\r\n")
    }
}
