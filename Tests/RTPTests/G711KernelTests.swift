import Foundation
import Testing

@testable import RTP

/// The vector (AVX2) G.711 sum-of-squares kernel against the table and against decoding.
@Suite struct G711KernelTests {
    /// The reference: decode every code and square it in 64-bit integers.
    private func decodedSum(_ codes: [UInt8], muLaw: Bool) -> UInt64 {
        codes.reduce(0) { total, code in
            let sample = Int64(muLaw ? G711.decodeMuLaw(code) : G711.decodeALaw(code))
            return total + UInt64(sample * sample)
        }
    }

    @Test(arguments: [true, false])
    func everyCodeAtEveryPosition(muLaw: Bool) {
        // Each code alone, and each code at each of the 32 positions of a vector block and the tail.
        for code in 0...255 {
            let single = [UInt8(code)]
            let expected = self.decodedSum(single, muLaw: muLaw)
            #expect(single.withUnsafeBytes { G711.sumOfSquares($0, muLaw: muLaw) } == expected)
            #expect(single.withUnsafeBytes { G711.tableSumOfSquares($0, muLaw: muLaw) } == expected)
            for position in [0, 7, 8, 31, 32, 35] {
                var block = [UInt8](repeating: muLaw ? 0xFF : 0xD5, count: 36)
                block[position] = UInt8(code)
                #expect(block.withUnsafeBytes { G711.sumOfSquares($0, muLaw: muLaw) } == self.decodedSum(block, muLaw: muLaw))
            }
        }
    }

    @Test(arguments: [true, false])
    func randomPayloadsAtEveryLengthAndAlignment(muLaw: Bool) {
        var state: UInt64 = 0x5EED_0711
        let buffer = (0..<400).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        buffer.withUnsafeBytes { bytes in
            for offset in 0..<8 {
                for length in 0...(bytes.count - offset) where length < 70 || length % 37 == 0 {
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
                    let expected = self.decodedSum(Array(slice), muLaw: muLaw)
                    #expect(G711.sumOfSquares(slice, muLaw: muLaw) == expected)
                    #expect(G711.tableSumOfSquares(slice, muLaw: muLaw) == expected)
                }
            }
        }
        // The loudest codes everywhere: four maximal squares per 32-bit lane must not overflow.
        let loudest: UInt8 = muLaw ? 0x80 : 0xAA
        let loud = [UInt8](repeating: loudest, count: 1500)
        #expect(loud.withUnsafeBytes { G711.sumOfSquares($0, muLaw: muLaw) } == self.decodedSum(loud, muLaw: muLaw))
    }

    /// The run-time detection agrees with the kernel's own CPU flags (Linux x86-64), so the other
    /// tests covered the vector path wherever the CPU has one.
    @Test func detectionMatchesTheCPUFlags() throws {
        #if os(Linux) && arch(x86_64)
            let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            let flags = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
            let hasAVX2 = flags.split(separator: " ").contains("avx2")
            print("G.711 sum of squares: \(G711.hasWideKernel ? "AVX2 kernel" : "table (no AVX2)")")
            #expect(G711.hasWideKernel == hasAVX2)
        #endif
    }
}
