import Testing

@testable import SiptoolCLI

/// The JSON writer's digit-by-digit path for fractional numbers must print what the String-based
/// `JSONValue.format` prints (the report's numbers must not change by a character).
@Suite struct JSONNumberTests {
    @Test func fastDecimalsMatchFormat() {
        var state: UInt64 = 0xDEC1_3A15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        var values: [Double] = [0.5, -0.5, 0.05, -0.0004, 0.0001, 0.00005, 12.5, 99.995, 1234.0625, 0.1 + 0.2,
                                999_999_999.5, -999_999_999.25, 1e9 + 0.5, 123_456_789.987_6, 7.0001, 2.675, 1.005,
                                0.000012, -0.000099, 0.00001, 0.0000049, 0.0001004, 1_700_000_000.123456, 15.553001]
        for _ in 0..<20000 {
            let magnitude = pow10(Int(next() % 13) - 5)
            let value = (Double(next() % 1_000_000) / 1_000_000) * magnitude * (next() % 2 == 0 ? 1 : -1)
            values.append(value)
        }
        var checked = 0
        for value in values {
            for decimals in 0...6 {
                let written = JSONValue.double(value, decimals: decimals).serialized(pretty: false)
                #expect(written == JSONValue.format(value, decimals: decimals), "\(value) with \(decimals) decimals")
                checked += 1
            }
        }
        #expect(checked == values.count * 7)
    }

    private func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(exponent) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }
}
