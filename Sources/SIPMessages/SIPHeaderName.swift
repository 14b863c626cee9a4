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
    /// The order fixes the ids of the static members below; append only, and add the name to the switch
    /// in ``lookup(_:count:)``.
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

    /// Resolves a header name written in the message to a well-known id (-1 if unknown); no String is
    /// created and no table is touched.
    ///
    /// A switch on the length, then on the first letter, then a case-insensitive byte comparison with
    /// each remaining candidate (at most two per length and letter). The cases mirror ``table``;
    /// `HeaderNameLookupTests` checks every entry in every case and compact form, so a name added to the
    /// table without a case here fails the tests.
    static func lookup(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        guard let base = bytes.baseAddress, range.lowerBound >= 0, range.upperBound <= bytes.count, !range.isEmpty
        else { return -1 }
        return SIPHeaderName.lookup(base + range.lowerBound, count: range.count)
    }

    /// ``lookup(_:_:)`` over an array.
    static func lookup(_ bytes: [UInt8], _ range: Range<Int>) -> Int {
        bytes.withUnsafeBufferPointer { SIPHeaderName.lookup($0, range) }
    }

    /// Whether the `lowercase.utf8CodeUnitCount` bytes at `name` spell `lowercase` ignoring ASCII case.
    /// Letters compare with the 0x20 bit forced on (only 'X' and 'x' map to 'x'); any other byte must be
    /// equal, so a CR can never pass for a '-'.
    @inline(__always)
    private static func matches(_ name: UnsafePointer<UInt8>, _ lowercase: StaticString) -> Bool {
        let expected = lowercase.utf8Start
        for offset in 0..<lowercase.utf8CodeUnitCount {
            let want = expected[offset]
            let have = ASCII.isAlpha(want) ? name[offset] | 0x20 : name[offset]
            if have != want { return false }
        }
        return true
    }

    /// The id for the `count` bytes at `name`.
    private static func lookup(_ name: UnsafePointer<UInt8>, count: Int) -> Int {
        if count == 1 {
            // Compact forms (see ``table``).
            switch name[0] | 0x20 {
            case UInt8(ascii: "a"): return 37
            case UInt8(ascii: "b"): return 35
            case UInt8(ascii: "c"): return 7
            case UInt8(ascii: "d"): return 39
            case UInt8(ascii: "e"): return 28
            case UInt8(ascii: "f"): return 1
            case UInt8(ascii: "i"): return 3
            case UInt8(ascii: "j"): return 38
            case UInt8(ascii: "k"): return 16
            case UInt8(ascii: "l"): return 6
            case UInt8(ascii: "m"): return 5
            case UInt8(ascii: "n"): return 41
            case UInt8(ascii: "o"): return 32
            case UInt8(ascii: "r"): return 34
            case UInt8(ascii: "s"): return 31
            case UInt8(ascii: "t"): return 2
            case UInt8(ascii: "u"): return 33
            case UInt8(ascii: "v"): return 0
            case UInt8(ascii: "x"): return 36
            case UInt8(ascii: "y"): return 40
            default: return -1
            }
        }
        switch count {
        case 2:
            if SIPHeaderName.matches(name, "to") { return 2 }
        case 3:
            if SIPHeaderName.matches(name, "via") { return 0 }
        case 4:
            switch name[0] | 0x20 {
            case UInt8(ascii: "c"):
                if SIPHeaderName.matches(name, "cseq") { return 4 }
            case UInt8(ascii: "d"):
                if SIPHeaderName.matches(name, "date") { return 42 }
            case UInt8(ascii: "f"):
                if SIPHeaderName.matches(name, "from") { return 1 }
            case UInt8(ascii: "p"):
                if SIPHeaderName.matches(name, "path") { return 61 }
            case UInt8(ascii: "r"):
                if SIPHeaderName.matches(name, "rseq") { return 56 }
                if SIPHeaderName.matches(name, "rack") { return 57 }
            default: break
            }
        case 5:
            switch name[0] | 0x20 {
            case UInt8(ascii: "a"):
                if SIPHeaderName.matches(name, "allow") { return 15 }
            case UInt8(ascii: "e"):
                if SIPHeaderName.matches(name, "event") { return 32 }
            case UInt8(ascii: "r"):
                if SIPHeaderName.matches(name, "route") { return 9 }
            default: break
            }
        case 6:
            switch name[0] | 0x20 {
            case UInt8(ascii: "a"):
                if SIPHeaderName.matches(name, "accept") { return 25 }
            case UInt8(ascii: "m"):
                if SIPHeaderName.matches(name, "min-se") { return 64 }
            case UInt8(ascii: "r"):
                if SIPHeaderName.matches(name, "reason") { return 24 }
            case UInt8(ascii: "s"):
                if SIPHeaderName.matches(name, "server") { return 21 }
            default: break
            }
        case 7:
            switch name[0] | 0x20 {
            case UInt8(ascii: "c"):
                if SIPHeaderName.matches(name, "call-id") { return 3 }
                if SIPHeaderName.matches(name, "contact") { return 5 }
            case UInt8(ascii: "e"):
                if SIPHeaderName.matches(name, "expires") { return 22 }
            case UInt8(ascii: "p"):
                if SIPHeaderName.matches(name, "privacy") { return 63 }
            case UInt8(ascii: "r"):
                if SIPHeaderName.matches(name, "require") { return 17 }
            case UInt8(ascii: "s"):
                if SIPHeaderName.matches(name, "subject") { return 31 }
            case UInt8(ascii: "w"):
                if SIPHeaderName.matches(name, "warning") { return 23 }
            default: break
            }
        case 8:
            switch name[0] | 0x20 {
            case UInt8(ascii: "i"):
                if SIPHeaderName.matches(name, "identity") { return 40 }
            case UInt8(ascii: "p"):
                if SIPHeaderName.matches(name, "priority") { return 47 }
            case UInt8(ascii: "r"):
                if SIPHeaderName.matches(name, "refer-to") { return 34 }
                if SIPHeaderName.matches(name, "reply-to") { return 48 }
                if SIPHeaderName.matches(name, "replaces") { return 65 }
            case UInt8(ascii: "s"):
                if SIPHeaderName.matches(name, "sip-etag") { return 66 }
            default: break
            }
        case 9:
            switch name[0] | 0x20 {
            case UInt8(ascii: "c"):
                if SIPHeaderName.matches(name, "call-info") { return 51 }
            case UInt8(ascii: "d"):
                if SIPHeaderName.matches(name, "diversion") { return 69 }
            case UInt8(ascii: "s"):
                if SIPHeaderName.matches(name, "supported") { return 16 }
            case UInt8(ascii: "t"):
                if SIPHeaderName.matches(name, "timestamp") { return 45 }
            default: break
            }
        case 10:
            switch name[0] | 0x20 {
            case UInt8(ascii: "a"):
                if SIPHeaderName.matches(name, "alert-info") { return 50 }
            case UInt8(ascii: "e"):
                if SIPHeaderName.matches(name, "error-info") { return 52 }
            case UInt8(ascii: "u"):
                if SIPHeaderName.matches(name, "user-agent") { return 20 }
            default: break
            }
        case 11:
            switch name[0] | 0x20 {
            case UInt8(ascii: "i"):
                if SIPHeaderName.matches(name, "in-reply-to") { return 49 }
            case UInt8(ascii: "m"):
                if SIPHeaderName.matches(name, "min-expires") { return 43 }
            case UInt8(ascii: "r"):
                if SIPHeaderName.matches(name, "referred-by") { return 35 }
                if SIPHeaderName.matches(name, "retry-after") { return 44 }
            case UInt8(ascii: "u"):
                if SIPHeaderName.matches(name, "unsupported") { return 19 }
            default: break
            }
        case 12:
            switch name[0] | 0x20 {
            case UInt8(ascii: "a"):
                if SIPHeaderName.matches(name, "allow-events") { return 33 }
            case UInt8(ascii: "c"):
                if SIPHeaderName.matches(name, "content-type") { return 7 }
            case UInt8(ascii: "h"):
                if SIPHeaderName.matches(name, "history-info") { return 68 }
            case UInt8(ascii: "m"):
                if SIPHeaderName.matches(name, "max-forwards") { return 8 }
                if SIPHeaderName.matches(name, "mime-version") { return 53 }
            case UInt8(ascii: "o"):
                if SIPHeaderName.matches(name, "organization") { return 46 }
            case UInt8(ascii: "r"):
                if SIPHeaderName.matches(name, "record-route") { return 10 }
            case UInt8(ascii: "s"):
                if SIPHeaderName.matches(name, "sip-if-match") { return 67 }
            default: break
            }
        case 13:
            switch name[0] | 0x20 {
            case UInt8(ascii: "a"):
                if SIPHeaderName.matches(name, "authorization") { return 11 }
            case UInt8(ascii: "i"):
                if SIPHeaderName.matches(name, "identity-info") { return 41 }
            case UInt8(ascii: "p"):
                if SIPHeaderName.matches(name, "proxy-require") { return 18 }
            case UInt8(ascii: "s"):
                if SIPHeaderName.matches(name, "service-route") { return 62 }
            default: break
            }
        case 14:
            switch name[0] | 0x20 {
            case UInt8(ascii: "a"):
                if SIPHeaderName.matches(name, "accept-contact") { return 37 }
            case UInt8(ascii: "c"):
                if SIPHeaderName.matches(name, "content-length") { return 6 }
            case UInt8(ascii: "r"):
                if SIPHeaderName.matches(name, "reject-contact") { return 38 }
            default: break
            }
        case 15:
            switch name[0] | 0x20 {
            case UInt8(ascii: "a"):
                if SIPHeaderName.matches(name, "accept-encoding") { return 26 }
                if SIPHeaderName.matches(name, "accept-language") { return 27 }
            case UInt8(ascii: "r"):
                if SIPHeaderName.matches(name, "remote-party-id") { return 70 }
            case UInt8(ascii: "s"):
                if SIPHeaderName.matches(name, "session-expires") { return 36 }
            default: break
            }
        case 16:
            switch name[0] | 0x20 {
            case UInt8(ascii: "c"):
                if SIPHeaderName.matches(name, "content-encoding") { return 28 }
                if SIPHeaderName.matches(name, "content-language") { return 29 }
            case UInt8(ascii: "w"):
                if SIPHeaderName.matches(name, "www-authenticate") { return 13 }
            default: break
            }
        case 18:
            switch name[0] | 0x20 {
            case UInt8(ascii: "p"):
                if SIPHeaderName.matches(name, "proxy-authenticate") { return 14 }
            case UInt8(ascii: "s"):
                if SIPHeaderName.matches(name, "subscription-state") { return 58 }
            default: break
            }
        case 19:
            switch name[0] | 0x20 {
            case UInt8(ascii: "a"):
                if SIPHeaderName.matches(name, "authentication-info") { return 55 }
            case UInt8(ascii: "c"):
                if SIPHeaderName.matches(name, "content-disposition") { return 30 }
            case UInt8(ascii: "p"):
                if SIPHeaderName.matches(name, "proxy-authorization") { return 12 }
                if SIPHeaderName.matches(name, "p-asserted-identity") { return 59 }
            case UInt8(ascii: "r"):
                if SIPHeaderName.matches(name, "request-disposition") { return 39 }
            default: break
            }
        case 20:
            if SIPHeaderName.matches(name, "p-preferred-identity") { return 60 }
        case 25:
            if SIPHeaderName.matches(name, "content-transfer-encoding") { return 54 }
        default: break
        }
        return -1
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
