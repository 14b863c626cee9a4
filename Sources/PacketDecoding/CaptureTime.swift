/// A point in capture time: nanoseconds since the Unix epoch, as the capture's timestamps say.
///
/// Every timeout in this module (fragment reassembly, TCP gaps and idle connections) runs on
/// capture time, never on the wall clock, so replaying a capture gives the same result on any
/// machine and at any speed. One `Int64` of nanoseconds covers the years 1678 to 2262.
public struct CaptureTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanosecondsSinceEpoch: Int64

    /// Creates a time from nanoseconds since the epoch.
    public init(nanosecondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    /// Creates a time from whole seconds and a nanosecond part (as pcap and pcapng give them).
    ///
    /// Values outside the representable range saturate instead of trapping, because they come
    /// from capture files.
    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow {
            self.nanosecondsSinceEpoch = seconds < 0 ? Int64.min : Int64.max
            return
        }
        let (sum, overflow2) = scaled.addingReportingOverflow(nanoseconds)
        self.nanosecondsSinceEpoch = overflow2 ? (nanoseconds < 0 ? Int64.min : Int64.max) : sum
    }

    /// The epoch itself; a convenient origin for tests.
    public static let zero = CaptureTime(nanosecondsSinceEpoch: 0)

    /// Whole seconds since the epoch (rounded towards negative infinity).
    public var seconds: Int64 {
        let (quotient, remainder) = self.nanosecondsSinceEpoch.quotientAndRemainder(dividingBy: 1_000_000_000)
        return remainder < 0 ? quotient - 1 : quotient
    }

    /// The nanoseconds within the current second, 0 ... 999 999 999.
    public var nanosecondsPart: Int64 {
        let remainder = self.nanosecondsSinceEpoch % 1_000_000_000
        return remainder < 0 ? remainder + 1_000_000_000 : remainder
    }

    /// Nanoseconds from `earlier` to `self` (negative when `earlier` is later); saturates.
    public func nanoseconds(since earlier: CaptureTime) -> Int64 {
        let (difference, overflow) = self.nanosecondsSinceEpoch.subtractingReportingOverflow(
            earlier.nanosecondsSinceEpoch
        )
        if overflow { return earlier.nanosecondsSinceEpoch > 0 ? Int64.min : Int64.max }
        return difference
    }

    /// Milliseconds from `earlier` to `self`, with fractions.
    public func milliseconds(since earlier: CaptureTime) -> Double {
        Double(self.nanoseconds(since: earlier)) / 1_000_000
    }

    /// This time moved by a number of nanoseconds (saturating).
    public func advanced(byNanoseconds nanoseconds: Int64) -> CaptureTime {
        let (sum, overflow) = self.nanosecondsSinceEpoch.addingReportingOverflow(nanoseconds)
        if overflow { return CaptureTime(nanosecondsSinceEpoch: nanoseconds > 0 ? Int64.max : Int64.min) }
        return CaptureTime(nanosecondsSinceEpoch: sum)
    }

    /// This time moved by a `Duration` (saturating; sub-nanosecond parts are dropped).
    public func advanced(by duration: Duration) -> CaptureTime {
        self.advanced(byNanoseconds: duration.saturatingNanoseconds)
    }

    /// Earlier times first.
    public static func < (lhs: CaptureTime, rhs: CaptureTime) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }

    /// "1700000000.000123456" (seconds since the epoch with nine decimals).
    public var description: String {
        let fraction = String(self.nanosecondsPart)
        return "\(self.seconds)." + String(repeating: "0", count: 9 - fraction.count) + fraction
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to the `Int64` range.
    var saturatingNanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? Int64.min : Int64.max }
        let (sum, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return seconds < 0 ? Int64.min : Int64.max }
        return sum
    }
}
