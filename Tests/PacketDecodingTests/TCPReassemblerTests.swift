import PacketDecoding
import Testing

/// Drives a ``TCPReassembler`` directly: one frame number per segment, times in seconds.
struct TCPHarness {
    var reassembler: TCPReassembler
    var out = Collected()
    var frame = 0

    init(limits: DecoderLimits = .default) {
        self.reassembler = TCPReassembler(limits: limits)
    }

    @discardableResult
    mutating func send(
        _ flow: TCPFlow,
        _ sequence: UInt32,
        _ text: String = "",
        flags: TCPFlags = [.ack],
        at seconds: Double = 0
    ) -> Int {
        self.send(flow, sequence, Array(text.utf8), flags: flags, at: seconds)
    }

    @discardableResult
    mutating func send(
        _ flow: TCPFlow,
        _ sequence: UInt32,
        _ bytes: [UInt8],
        flags: TCPFlags = [.ack],
        at seconds: Double = 0
    ) -> Int {
        self.frame += 1
        let frameNumber = self.frame
        bytes.withUnsafeBytes { raw in
            let segment = TCPSegment(
                flow: flow,
                sequenceNumber: sequence,
                flags: flags,
                payload: raw,
                timestamp: at(seconds),
                frameNumber: frameNumber
            )
            self.reassembler.process(segment) { self.out.take($0) }
        }
        return frameNumber
    }

    mutating func expire(at seconds: Double) {
        self.reassembler.expire(now: at(seconds)) { self.out.take($0) }
    }

    func text(_ flow: TCPFlow) -> String { String(decoding: self.out.stream(flow), as: UTF8.self) }
}

@Suite("TCP stream reassembly")
struct TCPReassemblerTests {
    static let client = Endpoint("10.0.0.1:40000")!
    static let server = Endpoint("10.0.0.2:5060")!
    static let up = TCPFlow(source: client, destination: server)
    static let down = up.reversed

    @Test func inOrderWithHandshake() {
        var h = TCPHarness()
        h.send(Self.up, 1000, flags: [.syn])
        h.send(Self.down, 5000, flags: [.syn, .ack])
        h.send(Self.up, 1001)
        h.send(Self.up, 1001, "REGISTER sip:a SIP/2.0\r\n")
        h.send(Self.down, 5001, "SIP/2.0 200 OK\r\n")
        h.send(Self.up, 1025, "\r\n")
        #expect(h.text(Self.up) == "REGISTER sip:a SIP/2.0\r\n\r\n")
        #expect(h.text(Self.down) == "SIP/2.0 200 OK\r\n")
        #expect(h.out.chunks.map(\.streamOffset) == [0, 0, 24])
        #expect(h.out.chunks.map(\.frameNumber) == [4, 5, 6])
        #expect(h.reassembler.connectionCount == 1)
        #expect(h.reassembler.statistics.connections == 1)
        #expect(h.out.gaps.isEmpty)
    }

    @Test func outOfOrderWaitsForTheGap() {
        var h = TCPHarness()
        h.send(Self.up, 100, "aaaa")
        let third = h.send(Self.up, 108, "cccc")
        let second = h.send(Self.up, 104, "bbbb")
        let fifth = h.send(Self.up, 116, "eeee")
        let fourth = h.send(Self.up, 112, "dddd")
        #expect(h.text(Self.up) == "aaaabbbbccccddddeeee")
        // Bytes that waited are reported with the frame that completed them and the one that carried them.
        #expect(h.out.chunks.map(\.frameNumber) == [1, second, second, fourth, fourth])
        #expect(h.out.chunks.map(\.carriedBy) == [1, second, third, fourth, fifth])
        #expect(h.out.chunks.map(\.streamOffset) == [0, 4, 8, 12, 16])
    }

    @Test func retransmissionIsDeliveredOnce() {
        var h = TCPHarness()
        h.send(Self.up, 1, "INVITE ")
        h.send(Self.up, 1, "INVITE ")
        h.send(Self.up, 8, "sip:")
        h.send(Self.up, 1, "INVITE ")
        h.send(Self.up, 12, "bob")
        h.send(Self.up, 12, "bob")
        #expect(h.text(Self.up) == "INVITE sip:bob")
        #expect(h.reassembler.statistics.retransmittedBytes == 17)
        #expect(h.reassembler.statistics.deliveredBytes == 14)
    }

    @Test func overlappingSegmentsDeliverEachByteOnce() {
        var h = TCPHarness()
        h.send(Self.up, 0, "0123456789")
        h.send(Self.up, 5, "56789ABCDE")  // in-order overlap
        h.send(Self.up, 20, "KLMNO")  // out of order
        h.send(Self.up, 18, "IJKL")  // overlaps the waiting one
        h.send(Self.up, 14, "EFGHIJ")  // fills the gap, overlapping both sides
        #expect(h.text(Self.up) == "0123456789ABCDEFGHIJKLMNO")
    }

    @Test func outOfOrderRetransmissionIsNotBufferedTwice() {
        var h = TCPHarness()
        h.send(Self.up, 0, "ab")
        h.send(Self.up, 4, "ef")
        h.send(Self.up, 4, "ef")
        h.send(Self.up, 2, "cd")
        #expect(h.text(Self.up) == "abcdef")
        #expect(h.reassembler.statistics.retransmittedBytes == 2)
    }

    @Test func oneMessageOverManySegments() {
        let message = Array("INVITE sip:bob@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n".utf8)
        var h = TCPHarness()
        h.send(Self.up, 7, flags: [.syn])
        for (index, byte) in message.enumerated() {
            h.send(Self.up, 8 + UInt32(index), [byte])
        }
        #expect(h.out.stream(Self.up) == message)
        #expect(h.out.chunks.count == message.count)
    }

    @Test func manyMessagesInOneSegment() {
        let three = "OPTIONS sip:a SIP/2.0\r\n\r\nOPTIONS sip:b SIP/2.0\r\n\r\nOPTIONS sip:c SIP/2.0\r\n\r\n"
        var h = TCPHarness()
        h.send(Self.up, 1, three)
        #expect(h.out.chunks.count == 1)
        #expect(h.text(Self.up) == three)
    }

    @Test func captureStartingMidStream() {
        var h = TCPHarness()
        h.send(Self.down, 3_000_000_000, "ACK ")  // no SYN ever seen
        h.send(Self.down, 3_000_000_004, "sip:x")
        h.send(Self.down, 2_999_999_990, "older bytes")  // before the start: ignored
        #expect(h.text(Self.down) == "ACK sip:x")
        #expect(h.reassembler.statistics.retransmittedBytes == 11)
    }

    @Test func sequenceNumbersWrapAround() {
        var h = TCPHarness()
        h.send(Self.up, 0xFFFF_FFF5, flags: [.syn])  // data starts at 0xFFFFFFF6
        h.send(Self.up, 0xFFFF_FFF6, "0123456789")  // ends exactly at 2^32
        h.send(Self.up, 0x0000_0005, "FGHIJ")  // out of order, after the wrap
        h.send(Self.up, 0x0000_0000, "ABCDE")
        h.send(Self.up, 0xFFFF_FFFB, "56789ABC")  // retransmission across the wrap
        #expect(h.text(Self.up) == "0123456789ABCDEFGHIJ")
        #expect(h.out.gaps.isEmpty)
    }

    @Test func gapThatNeverFillsIsSkippedAtTheBufferLimit() {
        var limits = DecoderLimits()
        limits.maximumTCPBufferedBytesPerDirection = 20
        var h = TCPHarness(limits: limits)
        h.send(Self.up, 0, "head")
        // bytes 4..<14 are never captured
        h.send(Self.up, 14, "INVITE")
        h.send(Self.up, 20, " sip:")
        h.send(Self.up, 25, "bob SIP")  // 18 bytes waiting: still within the limit
        #expect(h.out.gaps.isEmpty)
        h.send(Self.up, 32, "/2.0")  // 22 waiting: give up the gap
        #expect(h.out.gaps.count == 1)
        #expect(h.out.gaps.first?.size == 10)
        #expect(h.out.gaps.first?.streamOffset == 4)
        #expect(h.out.gaps.first?.reason == .bufferLimit)
        #expect(h.text(Self.up) == "headINVITE sip:bob SIP/2.0")
        #expect(h.out.chunks.last?.streamOffset == 32)  // offsets count the gap
        // The stream goes on normally afterwards.
        h.send(Self.up, 36, "\r\n")
        #expect(h.text(Self.up).hasSuffix("SIP/2.0\r\n"))
        #expect(h.reassembler.statistics.gapBytes == 10)
    }

    @Test func gapThatNeverFillsIsSkippedAfterTheTimeout() {
        var h = TCPHarness()
        h.send(Self.up, 0, "a", at: 0)
        h.send(Self.up, 5, "f", at: 1)
        h.send(Self.up, 6, "g", at: 5)
        #expect(h.out.gaps.isEmpty)
        h.expire(at: 10.5)  // the gap has waited 9.5 s: not yet
        #expect(h.out.gaps.isEmpty)
        h.expire(at: 11.5)
        #expect(h.out.gaps.map(\.size) == [4])
        #expect(h.out.gaps.first?.reason == .timeout)
        #expect(h.text(Self.up) == "afg")
        // A segment arriving late also triggers it.
        h.send(Self.up, 10, "k", at: 20)
        h.send(Self.up, 8, "i", at: 31)  // "k" has waited 11 s: both remaining gaps are given up
        #expect(h.out.gaps.map(\.size) == [4, 1, 1])
        #expect(h.text(Self.up) == "afgik")
    }

    @Test func resetClosesBothDirections() {
        var h = TCPHarness()
        h.send(Self.up, 1, "hello")
        h.send(Self.down, 9, "hi")
        h.send(Self.up, 10, "later")  // waits behind a gap
        h.send(Self.down, 11, flags: [.rst])
        #expect(h.out.closed.map(\.reason) == [.reset, .reset])
        #expect(Set(h.out.closed.map(\.flow)) == [Self.up, Self.down])
        #expect(h.text(Self.up) == "hellolater")  // waiting bytes delivered after a gap
        #expect(h.out.gaps.first?.reason == .closed)
        #expect(h.reassembler.connectionCount == 0)
        #expect(h.reassembler.statistics.resets == 1)
    }

    @Test func finInBothDirectionsEndsTheConnection() {
        var h = TCPHarness()
        h.send(Self.up, 100, flags: [.syn])
        h.send(Self.down, 900, flags: [.syn, .ack])
        h.send(Self.up, 101, "BYE", flags: [.ack, .fin])
        #expect(h.out.closed.map(\.flow) == [Self.up])
        #expect(h.out.closed.first?.streamLength == 3)
        h.send(Self.up, 101, "BYE", flags: [.ack, .fin])  // retransmitted FIN: nothing new
        h.send(Self.down, 901, "200", flags: [.ack])
        h.send(Self.down, 904, flags: [.ack, .fin])
        #expect(h.out.closed.map(\.reason) == [.fin, .fin])
        #expect(h.reassembler.connectionCount == 0)
        #expect(h.text(Self.down) == "200")
    }

    @Test func finArrivingBeforeTheLastDataWaitsForIt() {
        var h = TCPHarness()
        h.send(Self.up, 0, "abc")
        h.send(Self.up, 6, flags: [.fin, .ack])
        #expect(h.out.closed.isEmpty)
        h.send(Self.up, 3, "def")
        #expect(h.text(Self.up) == "abcdef")
        #expect(h.out.closed.map(\.reason) == [.fin])
    }

    @Test func leastRecentlyUsedConnectionIsEvicted() {
        var limits = DecoderLimits()
        limits.maximumTCPConnections = 2
        var h = TCPHarness(limits: limits)
        let a = TCPFlow(source: Endpoint("10.0.0.1:1")!, destination: Self.server)
        let b = TCPFlow(source: Endpoint("10.0.0.1:2")!, destination: Self.server)
        let c = TCPFlow(source: Endpoint("10.0.0.1:3")!, destination: Self.server)
        h.send(a, 0, "a")
        h.send(b, 0, "b")
        h.send(a.reversed, 0, "A")  // a is now the most recent
        h.send(c, 0, "c")  // evicts b
        #expect(h.out.closed.map(\.flow) == [b])
        #expect(h.out.closed.map(\.reason) == [.evicted])
        #expect(h.reassembler.connectionCount == 2)
        #expect(h.reassembler.statistics.evictedConnections == 1)
        h.send(a, 1, "a")  // a survived: continues in order
        #expect(h.text(a) == "aa")
    }

    @Test func idleConnectionsAreForgotten() {
        var limits = DecoderLimits()
        limits.tcpIdleTimeout = .seconds(60)
        var h = TCPHarness(limits: limits)
        let other = TCPFlow(source: Endpoint("10.0.0.9:9")!, destination: Self.server)
        h.send(Self.up, 0, "x", at: 0)
        h.send(other, 0, "y", at: 30)
        h.expire(at: 61)
        #expect(h.out.closed.map(\.flow) == [Self.up])
        #expect(h.out.closed.first?.reason == .idle)
        #expect(h.reassembler.connectionCount == 1)
        #expect(h.reassembler.statistics.idleConnections == 1)
    }

    @Test func newSYNOnAUsedFourTupleStartsANewConnection() {
        var h = TCPHarness()
        h.send(Self.up, 10, flags: [.syn])
        h.send(Self.up, 11, "first")
        h.send(Self.up, 10, flags: [.syn])  // retransmitted SYN: same connection
        #expect(h.out.closed.isEmpty)
        h.send(Self.up, 5000, flags: [.syn])
        h.send(Self.up, 5001, "second")
        #expect(h.out.closed.map(\.reason) == [.replaced])
        #expect(h.text(Self.up) == "firstsecond")
        #expect(h.out.chunks.last?.streamOffset == 0)
    }

    @Test func flushDeliversWaitingBytesAndClosesEverything() {
        var h = TCPHarness()
        h.send(Self.up, 0, "ab")
        h.send(Self.up, 5, "fg")
        h.reassembler.flush(now: at(1)) { h.out.take($0) }
        #expect(h.text(Self.up) == "abfg")
        #expect(h.out.gaps.map(\.size) == [3])
        #expect(h.out.closed.map(\.reason) == [.endOfCapture])
        #expect(h.reassembler.connectionCount == 0)
    }

    @Test func totalBufferBudgetIsEnforced() {
        var limits = DecoderLimits()
        limits.maximumTCPBufferedBytes = 8
        var h = TCPHarness(limits: limits)
        let other = TCPFlow(source: Endpoint("10.0.0.9:9")!, destination: Self.server)
        h.send(Self.up, 0, "a")
        h.send(Self.up, 2, "cdef")  // waits (4 bytes)
        h.send(other, 0, "x")
        h.send(other, 2, "zzzzz")  // would make 9 > 8: its own gap is given up
        #expect(h.out.gaps.map(\.flow) == [other])
        #expect(h.text(other) == "xzzzzz")
        h.send(Self.up, 1, "b")
        #expect(h.text(Self.up) == "abcdef")
    }

    @Test func decoderFeedsTCPFromFrames() {
        var decoder = PacketDecoder()
        let frames = [
            Build.tcpFrame(sequence: 1, flags: [.syn]),
            Build.tcpFrame(sequence: 9, Array("world".utf8)),
            Build.tcpFrame(sequence: 2, Array("hello, ".utf8)),
            Build.tcpFrame(sequence: 8, Array("?!".utf8)),  // retransmission: already delivered
            Build.ethernet(
                type: 0x86DD,
                Build.ipv6(
                    "2001:db8::1",
                    "2001:db8::2",
                    nextHeader: 6,
                    Build.tcp(5061, 5060, sequence: 77, flags: [.ack], Array("v6".utf8))
                )
            ),
        ]
        let out = decoder.run(frames)
        let flow = TCPFlow(source: Endpoint("10.0.0.1:40000")!, destination: Endpoint("10.0.0.2:5060")!)
        #expect(String(decoding: out.stream(flow), as: UTF8.self) == "hello, world")
        #expect(out.chunks.last?.flow.source.description == "[2001:db8::1]:5061")
        #expect(decoder.statistics.tcpSegments == 5)
        #expect(decoder.tcpConnectionCount == 2)
        var end = Collected()
        decoder.flush(now: at(10)) { end.take($0) }
        #expect(end.closed.count == 2)
        #expect(end.closed.allSatisfy { $0.reason == .endOfCapture })
    }

    @Test func truncatedTCPSegmentIsReportedNotDelivered() {
        var decoder = PacketDecoder()
        let frame = Build.tcpFrame(sequence: 1, Array("abcdefgh".utf8))
        let out = decoder.run([Array(frame.dropLast(3))])
        #expect(out.chunks.isEmpty)
        #expect(out.reasons == [.truncatedTCPSegment])
    }
}
