import Crypto
import Testing

@testable import SIPAuth

/// The in-house MD5 must agree with swift-crypto's on every length that exercises the padding,
/// and on inputs longer than several blocks: swift-crypto is the reference the issue names.
@Suite struct MD5CrossCheckTests {
    @Test func agreesWithSwiftCryptoOnEveryLengthUpTo300() {
        var generator = SplitMix64(seed: 0x5151_7001)
        for length in 0...300 {
            let input = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let ours = input.withUnsafeBytes { DigestHashFunction.md5.hexDigest(of: $0) }
            let reference = Insecure.MD5.hash(data: input).map { byte in
                let hex = String(byte, radix: 16)
                return hex.count == 1 ? "0" + hex : hex
            }.joined()
            #expect(ours == reference, "length \(length)")
        }
    }
}

/// A tiny deterministic generator so the cross-check uses the same inputs on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
