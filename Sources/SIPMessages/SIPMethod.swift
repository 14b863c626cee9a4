/// A SIP method token (RFC 3261 §7.1, §27.4). Methods are case-sensitive: "invite" is not INVITE.
public struct SIPMethod: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The token as written.
    public var rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    public var description: String { self.rawValue }

    public static let invite = SIPMethod("INVITE")
    public static let ack = SIPMethod("ACK")
    public static let bye = SIPMethod("BYE")
    public static let cancel = SIPMethod("CANCEL")
    public static let register = SIPMethod("REGISTER")
    public static let options = SIPMethod("OPTIONS")
    public static let info = SIPMethod("INFO")
    public static let update = SIPMethod("UPDATE")
    public static let prack = SIPMethod("PRACK")
    public static let refer = SIPMethod("REFER")
    public static let subscribe = SIPMethod("SUBSCRIBE")
    public static let notify = SIPMethod("NOTIFY")
    public static let message = SIPMethod("MESSAGE")
    public static let publish = SIPMethod("PUBLISH")
}

/// The CSeq header value (RFC 3261 §20.16): a sequence number and a method.
public struct SIPCSeq: Hashable, Sendable, CustomStringConvertible {
    /// The sequence number. The parser refuses values that do not fit 32 bits; RFC 3261 §8.1.1.5 further
    /// requires it to be below 2**31, which ``SIPMessage/validate()`` checks.
    public var number: UInt32
    /// The method.
    public var method: SIPMethod

    public init(number: UInt32, method: SIPMethod) {
        self.number = number
        self.method = method
    }

    public var description: String { "\(self.number) \(self.method)" }

    /// Parses `1*DIGIT LWS Method`.
    public static func parse(_ string: String) throws(SIPParseError) -> SIPCSeq {
        let bytes = Array(string.utf8)
        return try SIPCSeq.parse(bytes, 0..<bytes.count)
    }

    static func parse(_ bytes: [UInt8], _ fullRange: Range<Int>) throws(SIPParseError) -> SIPCSeq {
        let (number, method) = try SIPCSeq.scan(bytes, fullRange)
        return SIPCSeq(number: number, method: SIPMethod(ASCII.string(bytes, method)))
    }

    /// Checks `1*DIGIT LWS Method` and returns the number and the method's range, without making a String
    /// (the head parser checks the first CSeq of every message).
    static func scan(_ bytes: [UInt8], _ fullRange: Range<Int>) throws(SIPParseError) -> (number: UInt32, method: Range<Int>) {
        let range = ASCII.trim(bytes, fullRange)
        var index = range.lowerBound
        while index < range.upperBound && !ASCII.isLWS(bytes[index]) { index += 1 }
        let numberRange = range.lowerBound..<index
        func fail(_ reason: String) -> SIPParseError {
            SIPParseError(
                .invalidCSeq,
                offset: range.lowerBound,
                excerpt: SIPParseError.printableExcerpt(ASCII.string(bytes, range)),
                reason: reason
            )
        }
        let number: UInt32
        switch ASCII.parseDecimal(bytes, numberRange, maximum: UInt64(UInt32.max)) {
        case .value(let value): number = UInt32(value)
        case .overflow: throw fail("CSeq number \(ASCII.string(bytes, numberRange)) does not fit 32 bits (RFC 3261 §8.1.1.5)")
        case .empty, .notANumber: throw fail("CSeq must be a non-negative number followed by a method")
        }
        while index < range.upperBound && ASCII.isLWS(bytes[index]) { index += 1 }
        let methodRange = index..<range.upperBound
        guard ASCII.isToken(bytes, methodRange) else { throw fail("CSeq method is missing or not a token") }
        return (number, methodRange)
    }
}
