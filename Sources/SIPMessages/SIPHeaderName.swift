/// The name of a SIP header field, matched case-insensitively and through its compact form.
///
/// Well-known names carry their canonical spelling, their compact form (RFC 3261 §7.3.3 and the RFCs
/// that registered more letters) and whether their values are comma-separated lists (RFC 3261 §7.3.1).
/// Any other name is an extension header: compared case-insensitively, never split at commas.
public struct SIPHeaderName: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The canonical spelling, e.g. "Call-ID" (or the name as given, for an extension header).
    public let canonicalName: String
    /// The one-letter compact form, e.g. "i" for Call-ID, if the header has one.
    public let compactForm: String?
    /// Whether the header's grammar is a comma-separated list (`#element`), so several values may share a line.
    public let isList: Bool
    /// Index into ``SIPHeaderName/known``, or -1 for an extension header.
    let id: Int

    /// Looks `name` up among the well-known headers (full or compact form, any case); otherwise makes an
    /// extension-header name.
    public init(_ name: String) {
        let bytes = Array(name.utf8)
        let id = SIPHeaderName.lookup(bytes, 0..<bytes.count)
        if id >= 0 {
            self = SIPHeaderName.known[id]
        } else {
            self.init(canonical: name, compact: nil, isList: false, id: -1)
        }
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    init(canonical: String, compact: String?, isList: Bool, id: Int) {
        self.canonicalName = canonical
        self.compactForm = compact
        self.isList = isList
        self.id = id
    }

    public var description: String { self.canonicalName }

    public static func == (lhs: SIPHeaderName, rhs: SIPHeaderName) -> Bool {
        if lhs.id >= 0 || rhs.id >= 0 { return lhs.id == rhs.id }
        return ASCII.caseInsensitiveEquals(lhs.canonicalName, rhs.canonicalName)
    }

    public func hash(into hasher: inout Hasher) {
        if self.id >= 0 {
            hasher.combine(self.id)
        } else {
            hasher.combine(ASCII.lowercased(self.canonicalName))
        }
    }

    // MARK: - The table

    /// (canonical name, compact form, is a list). Compact forms: RFC 3261 §7.3.3 (i m e l c f s k t v),
    /// RFC 6665 (o u), RFC 3515 (r), RFC 3892 (b), RFC 4028 (x), RFC 3841 (a j d), RFC 4474 (y n).
    /// The order fixes the ids of the static members below; append only.
    private static let table: [(String, String?, Bool)] = [
        ("Via", "v", true),  // 0
        ("From", "f", false),  // 1
        ("To", "t", false),  // 2
        ("Call-ID", "i", false),  // 3
        ("CSeq", nil, false),  // 4
        ("Contact", "m", true),  // 5
        ("Content-Length", "l", false),  // 6
        ("Content-Type", "c", false),  // 7
        ("Max-Forwards", nil, false),  // 8
        ("Route", nil, true),  // 9
        ("Record-Route", nil, true),  // 10
        ("Authorization", nil, false),  // 11
        ("Proxy-Authorization", nil, false),  // 12
        ("WWW-Authenticate", nil, false),  // 13
        ("Proxy-Authenticate", nil, false),  // 14
        ("Allow", nil, true),  // 15
        ("Supported", "k", true),  // 16
        ("Require", nil, true),  // 17
        ("Proxy-Require", nil, true),  // 18
        ("Unsupported", nil, true),  // 19
        ("User-Agent", nil, false),  // 20
        ("Server", nil, false),  // 21
        ("Expires", nil, false),  // 22
        ("Warning", nil, true),  // 23
        ("Reason", nil, true),  // 24
        ("Accept", nil, true),  // 25
        ("Accept-Encoding", nil, true),  // 26
        ("Accept-Language", nil, true),  // 27
        ("Content-Encoding", "e", true),  // 28
        ("Content-Language", nil, true),  // 29
        ("Content-Disposition", nil, false),  // 30
        ("Subject", "s", false),  // 31
        ("Event", "o", false),  // 32
        ("Allow-Events", "u", true),  // 33
        ("Refer-To", "r", false),  // 34
        ("Referred-By", "b", false),  // 35
        ("Session-Expires", "x", false),  // 36
        ("Accept-Contact", "a", true),  // 37
        ("Reject-Contact", "j", true),  // 38
        ("Request-Disposition", "d", true),  // 39
        ("Identity", "y", false),  // 40
        ("Identity-Info", "n", false),  // 41
        ("Date", nil, false),  // 42
        ("Min-Expires", nil, false),  // 43
        ("Retry-After", nil, false),  // 44
        ("Timestamp", nil, false),  // 45
        ("Organization", nil, false),  // 46
        ("Priority", nil, false),  // 47
        ("Reply-To", nil, false),  // 48
        ("In-Reply-To", nil, true),  // 49
        ("Alert-Info", nil, true),  // 50
        ("Call-Info", nil, true),  // 51
        ("Error-Info", nil, true),  // 52
        ("MIME-Version", nil, false),  // 53
        ("Content-Transfer-Encoding", nil, false),  // 54
        ("Authentication-Info", nil, false),  // 55
        ("RSeq", nil, false),  // 56
        ("RAck", nil, false),  // 57
        ("Subscription-State", nil, false),  // 58
        ("P-Asserted-Identity", nil, true),  // 59
        ("P-Preferred-Identity", nil, true),  // 60
        ("Path", nil, true),  // 61
        ("Service-Route", nil, true),  // 62
        ("Privacy", nil, false),  // 63
        ("Min-SE", nil, false),  // 64
        ("Replaces", nil, false),  // 65
        ("SIP-ETag", nil, false),  // 66
        ("SIP-If-Match", nil, false),  // 67
        ("History-Info", nil, true),  // 68
        ("Diversion", nil, true),  // 69
        ("Remote-Party-ID", nil, true),  // 70
    ]

    /// All well-known names, indexed by id.
    static let known: [SIPHeaderName] = SIPHeaderName.table.enumerated().map { index, entry in
        SIPHeaderName(canonical: entry.0, compact: entry.1, isList: entry.2, id: index)
    }

    /// Canonical names as lower-case bytes, indexed by id.
    private static let lowercasedNames: [[UInt8]] = SIPHeaderName.table.map { entry in
        entry.0.utf8.map { ASCII.lowercased($0) }
    }

    /// Ids of well-known names grouped by name length, so a lookup compares against few candidates.
    private static let idsByLength: [[Int]] = {
        var buckets = [[Int]](repeating: [], count: 32)
        for (id, name) in SIPHeaderName.lowercasedNames.enumerated() where name.count < 32 {
            buckets[name.count].append(id)
        }
        return buckets
    }()

    /// Id for each compact letter a...z, or -1.
    private static let compactIDs: [Int] = {
        var ids = [Int](repeating: -1, count: 26)
        for (id, entry) in SIPHeaderName.table.enumerated() {
            if let compact = entry.1, let byte = compact.utf8.first {
                ids[Int(byte &- UInt8(ascii: "a"))] = id
            }
        }
        return ids
    }()

    /// Resolves a header name written in the message to a well-known id (-1 if unknown), by length and a
    /// case-insensitive byte comparison; no String is created.
    static func lookup(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        let length = range.count
        if length == 1 {
            let letter = ASCII.lowercased(bytes[range.lowerBound])
            let index = Int(letter &- UInt8(ascii: "a"))
            return index >= 0 && index < 26 ? SIPHeaderName.compactIDs[index] : -1
        }
        guard length < 32 else { return -1 }
        for id in SIPHeaderName.idsByLength[length] {
            let candidate = SIPHeaderName.lowercasedNames[id]
            var matches = true
            var offset = 0
            for index in range {
                if ASCII.lowercased(bytes[index]) != candidate[offset] {
                    matches = false
                    break
                }
                offset += 1
            }
            if matches { return id }
        }
        return -1
    }

    /// ``lookup(_:_:)`` over an array.
    static func lookup(_ bytes: [UInt8], _ range: Range<Int>) -> Int {
        bytes.withUnsafeBufferPointer { SIPHeaderName.lookup($0, range) }
    }

    // MARK: - Well-known names

    public static let via = known[0]
    public static let from = known[1]
    public static let to = known[2]
    public static let callID = known[3]
    public static let cseq = known[4]
    public static let contact = known[5]
    public static let contentLength = known[6]
    public static let contentType = known[7]
    public static let maxForwards = known[8]
    public static let route = known[9]
    public static let recordRoute = known[10]
    public static let authorization = known[11]
    public static let proxyAuthorization = known[12]
    public static let wwwAuthenticate = known[13]
    public static let proxyAuthenticate = known[14]
    public static let allow = known[15]
    public static let supported = known[16]
    public static let require = known[17]
    public static let proxyRequire = known[18]
    public static let unsupported = known[19]
    public static let userAgent = known[20]
    public static let server = known[21]
    public static let expires = known[22]
    public static let warning = known[23]
    public static let reason = known[24]
    public static let accept = known[25]
    public static let acceptEncoding = known[26]
    public static let acceptLanguage = known[27]
    public static let contentEncoding = known[28]
    public static let contentLanguage = known[29]
    public static let contentDisposition = known[30]
    public static let subject = known[31]
    public static let event = known[32]
    public static let allowEvents = known[33]
    public static let referTo = known[34]
    public static let referredBy = known[35]
    public static let sessionExpires = known[36]
    public static let acceptContact = known[37]
    public static let rejectContact = known[38]
    public static let requestDisposition = known[39]
    public static let identity = known[40]
    public static let identityInfo = known[41]
    public static let date = known[42]
    public static let minExpires = known[43]
    public static let retryAfter = known[44]
    public static let timestamp = known[45]
    public static let organization = known[46]
    public static let priority = known[47]
    public static let replyTo = known[48]
    public static let inReplyTo = known[49]
    public static let alertInfo = known[50]
    public static let callInfo = known[51]
    public static let errorInfo = known[52]
    public static let mimeVersion = known[53]
    public static let contentTransferEncoding = known[54]
    public static let authenticationInfo = known[55]
    public static let rseq = known[56]
    public static let rack = known[57]
    public static let subscriptionState = known[58]
    public static let pAssertedIdentity = known[59]
    public static let pPreferredIdentity = known[60]
    public static let path = known[61]
    public static let serviceRoute = known[62]
    public static let privacy = known[63]
    public static let minSE = known[64]
    public static let replaces = known[65]
    public static let sipETag = known[66]
    public static let sipIfMatch = known[67]
    public static let historyInfo = known[68]
    public static let diversion = known[69]
    public static let remotePartyID = known[70]
}

/// Ids of the headers the parser and accessors look at on every message.
enum KnownHeaderID {
    static let via = 0
    static let from = 1
    static let to = 2
    static let callID = 3
    static let cseq = 4
    static let contact = 5
    static let contentLength = 6
    static let contentType = 7
    static let maxForwards = 8
    static let route = 9
    static let recordRoute = 10
    static let expires = 22
    static let date = 42
}
