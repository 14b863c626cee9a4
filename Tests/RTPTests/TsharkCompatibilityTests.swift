import RTP
import Testing

/// The cross-check vectors of shared/ANCHORS.md section d3: tshark 4.0.17's printed numbers, fed as
/// built, serialised and parsed packets through ``RTPStreamStatistics``.
@Suite struct TsharkCompatibilityTests {
    /// One row of the d3 table, as tshark prints it.
    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var packets: Int
        var lost: String
        var delta: String
        var jitter: String
        var problems: Bool
        var testDescription: String { self.name }
    }

    static let rows: [Row] = [
        Row(
            name: "S1", packets: 49, lost: "1 (2.0%)", delta: "10.000/20.417/40.000", jitter: "0.000/0.395/1.211",
            problems: true),
        Row(
            name: "S2", packets: 50, lost: "0 (0.0%)", delta: "20.000/20.000/20.000", jitter: "0.000/0.000/0.000",
            problems: false),
        Row(
            name: "S3", packets: 100, lost: "0 (0.0%)", delta: "20.000/20.000/20.000", jitter: "0.000/0.790/4.692",
            problems: true),
        Row(
            name: "S4", packets: 101, lost: "-1 (-1.0%)", delta: "1.000/19.800/40.000", jitter: "0.000/1.472/10.924",
            problems: true),
        Row(
            name: "S5", packets: 100, lost: "0 (0.0%)", delta: "20.000/20.000/20.000", jitter: "0.000/1.978/12.500",
            problems: false),
        Row(
            name: "S6", packets: 100, lost: "0 (0.0%)", delta: "20.000/20.000/20.000", jitter: "0.000/0.000/0.000",
            problems: false),
        Row(
            name: "S7", packets: 100, lost: "0 (0.0%)", delta: "12.000/20.081/22.000", jitter: "0.125/2.690/3.352",
            problems: false),
        Row(
            name: "S8", packets: 95, lost: "5 (5.0%)", delta: "20.000/21.064/120.000", jitter: "0.000/0.000/0.000",
            problems: true),
    ]

    static func packets(_ name: String) -> [VectorPacket] {
        switch name {
        case "S1": TestVector.s1
        case "S2": TestVector.s2
        case "S3": TestVector.s3
        case "S4": TestVector.s4
        case "S5": TestVector.s5
        case "S6": TestVector.s6
        case "S7": TestVector.s7
        default: TestVector.s8
        }
    }

    @Test(arguments: Self.rows)
    func matchesTshark(_ row: Row) {
        let stats = TestVector.feed(Self.packets(row.name))
        let t = stats.tshark
        #expect(t.total == row.packets)
        #expect(stats.packets == row.packets)
        #expect(t.lostColumn == row.lost)
        #expect("\(printed(t.minDelta))/\(printed(t.meanDelta))/\(printed(t.maxDelta))" == row.delta)
        #expect("\(printed(t.minJitter))/\(printed(t.meanJitter))/\(printed(t.maxJitter))" == row.jitter)
        #expect(t.hasProblems == row.problems)
    }

    @Test func payloadColumnNamesLikeTshark() {
        #expect(TestVector.feed(TestVector.s5).payloadNames == "g711U, telephone-event")
        #expect(TestVector.feed(TestVector.s6).payloadNames == "g711U, CN")
    }

    /// ANCHORS d2 hand check: S1's max jitter = 15·0.625/16 + 10/16.
    @Test func s1HandCheck() {
        let t = TestVector.feed(TestVector.s1).tshark
        #expect(near(t.maxJitter, 15 * 0.625 / 16 + 10.0 / 16, 1e-9))
        #expect(t.sequenceErrors == 1)
        #expect(t.expected == 50)
    }

    /// Unknown dynamic clock: jitter not computed; tshark prints min −1.000, mean and max 0.000.
    @Test func unknownClockReportsJitterAsTsharkDoes() {
        var stats = RTPStreamStatistics()
        for i in 0..<20 {
            let packet = VectorPacket(
                seq: UInt16(i), ts: UInt32(960 * i), pt: 111, arrivalMs: TestVector.G(i) + Double(i % 3))
            stats.add(arrivalNanoseconds: Int64(packet.arrivalMs * 1e6), header: RTPHeader.parse(packet.bytes)!)
        }
        #expect(printed(stats.tshark.minJitter) == "-1.000")
        #expect(stats.tshark.maxJitter == 0 && stats.tshark.meanJitter == 0)
        #expect(stats.payloadNames == "RTPType-111")
        #expect(stats.rfc3550.jitterSampleCount == 0)
        // With the SDP's rtpmap the clock is known and jitter is computed.
        var mapped = RTPStreamStatistics(payloadTypes: [111: .dynamic(encodingName: "opus", clockRate: 48000)])
        for i in 0..<20 {
            let packet = VectorPacket(
                seq: UInt16(i), ts: UInt32(960 * i), pt: 111, arrivalMs: TestVector.G(i) + Double(i % 3))
            mapped.add(arrivalNanoseconds: Int64(packet.arrivalMs * 1e6), header: RTPHeader.parse(packet.bytes)!)
        }
        #expect(mapped.tshark.minJitter >= 0 && mapped.tshark.maxJitter > 0)
        #expect(mapped.payloadNames == "opus")
    }

    /// A single packet: tshark prints min delta −1.000 (never set).
    @Test func singlePacketStream() {
        let stats = TestVector.feed([VectorPacket(seq: 7, ts: 0, arrivalMs: 0)])
        #expect(printed(stats.tshark.minDelta) == "-1.000")
        #expect(stats.tshark.lost == 0 && stats.tshark.total == 1)
        #expect(stats.rfc3550.expected == 1 && stats.rfc3550.lost == 0)
    }

    @Test func timestampBeforeFirstIsWrongTimestamp() {
        let packets = [
            VectorPacket(seq: 1, ts: 16000, arrivalMs: 0), VectorPacket(seq: 2, ts: 160, arrivalMs: 20),
            VectorPacket(seq: 3, ts: 16320, arrivalMs: 40),
        ]
        let t = TestVector.feed(packets).tshark
        #expect(t.wrongTimestamps == 1)
        #expect(t.hasProblems)
    }

    @Test(arguments: [
        (1.0, 1, "1.0"), (-1.0, 1, "-1.0"), (20.41666, 3, "20.417"), (0.0004, 3, "0.000"), (-0.0004, 3, "0.000"),
        (120, 3, "120.000"),
    ])
    func formatting(_ value: Double, _ decimals: Int, _ expected: String) {
        #expect(TsharkFormat.fixed(value, decimals: decimals) == expected)
    }
}
