import Foundation
import SiptoolRuntime
import Testing

/// `Descriptors.reserve` sizes the kernel's descriptor table ahead of a load test, so no call's
/// audio waits while the table grows (see Descriptors.swift).
@Suite struct DescriptorsTests {
    /// The allocated descriptor slots of this process (Linux: FDSize in /proc/self/status).
    static func tableSize() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        return status.split(separator: "\n").first { $0.hasPrefix("FDSize:") }
            .flatMap { Int($0.dropFirst("FDSize:".count).trimmingCharacters(in: .whitespaces)) }
    }

    @Test func reserveGrowsTheDescriptorTableAndTheLimit() throws {
        let before = try #require(Self.tableSize(), "no FDSize in /proc/self/status")
        // Beyond the current table, so the test sees the growth happen.
        let wanted = max(4096, before * 2)
        let available = Descriptors.reserve(wanted)
        var limit = rlimit()
        #expect(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0)
        if available >= wanted {
            #expect(limit.rlim_cur >= rlim_t(wanted), "the soft limit was raised")
            #expect((Self.tableSize() ?? 0) >= wanted, "the table holds \(wanted) descriptors without growing again")
        } else {
            // The hard limit is lower than asked: reserve says so and the table covers what is allowed.
            #expect(Int(limit.rlim_cur) == available)
            #expect((Self.tableSize() ?? 0) >= available)
        }
    }
}
