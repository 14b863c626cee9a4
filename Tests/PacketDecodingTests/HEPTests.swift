import PacketDecoding
import Testing

/// HEP3 messages built chunk by chunk, as capture agents send them.
enum HEPBuild {
    static func chunk(_ type: UInt16, _ value: [UInt8], vendor: UInt16 = 0) -> [UInt8] {
        var b = FrameBuilder()
        b.u16(vendor)
        b.u16(type)
        b.u16(UInt16(6 + value.count))
        b.append(value)
        return b.bytes
    }

    static func u16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    static func u32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    /// A SIP payload from 192.0.2.10:5060 to 198.51.100.20:5080 (or the IPv6 pair), over UDP.
    static func message(
        _ payload: [UInt8], ipv6: Bool = false, ipProtocol: UInt8 = 17, type: UInt8? = 1, time: (UInt32, UInt32)? = (1_700_000_000, 250_000),
        extra: [[UInt8]] = []
    ) -> [UInt8] {
        var chunks: [[UInt8]] = [chunk(1, [ipv6 ? 10 : 2]), chunk(2, [ipProtocol])]
        if ipv6 {
            chunks += [chunk(5, addressBytes("2001:db8::10")), chunk(6, addressBytes("2001:db8::20"))]
        } else {
            chunks += [chunk(3, addressBytes("192.0.2.10")), chunk(4, addressBytes("198.51.100.20"))]
        }
        chunks += [chunk(7, u16(5060)), chunk(8, u16(5080))]
        if let time { chunks += [chunk(9, u32(time.0)), chunk(10, u32(time.1))] }
        if let type { chunks.append(chunk(11, [type])) }
        chunks.append(chunk(12, u32(2001)))
        chunks += extra
        chunks.append(chunk(15, payload))
        let body = chunks.flatMap { $0 }
        return Array("HEP3".utf8) + u16(UInt16(6 + body.count)) + body
    }
}

@Suite("HEP3")
struct HEPTests {
    let sip = Array("OPTIONS sip:a@198.51.100.20 SIP/2.0\r\n\r\n".utf8)

    @Test func readsAnIPv4SIPCopy() throws {
        let bytes = HEPBuild.message(self.sip, extra: [HEPBuild.chunk(99, [1, 2, 3], vendor: 0x0033)])
        try bytes.withUnsafeBytes { raw in
            #expect(HEPMessage.hasMagic(raw))
            let message = try HEPMessage.parse(raw)
            #expect(message.source == Endpoint("192.0.2.10:5060"))
            #expect(message.destination == Endpoint("198.51.100.20:5080"))
            #expect(message.ipProtocol == 17 && message.payloadProtocol == 1 && message.agentID == 2001)
            #expect(Array(message.payload) == self.sip)
            #expect(message.captureTime == CaptureTime(nanosecondsSinceEpoch: 1_700_000_000_250_000_000))
        }
    }

    @Test func readsAnIPv6TCPCopyWithoutTime() throws {
        let bytes = HEPBuild.message(self.sip, ipv6: true, ipProtocol: 6, type: nil, time: nil)
        try bytes.withUnsafeBytes { raw in
            let message = try HEPMessage.parse(raw)
            #expect(message.source == Endpoint("[2001:db8::10]:5060"))
            #expect(message.destination == Endpoint("[2001:db8::20]:5080"))
            #expect(message.ipProtocol == 6 && message.payloadProtocol == 0 && message.captureTime == nil)
        }
    }

    @Test func refusesDamagedMessages() {
        func error(_ bytes: [UInt8]) -> HEPMessage.ParseError? {
            bytes.withUnsafeBytes { raw -> HEPMessage.ParseError? in
                do {
                    _ = try HEPMessage.parse(raw)
                    return nil
                } catch let error as HEPMessage.ParseError {
                    return error
                } catch {
                    return nil
                }
            }
        }
        let good = HEPBuild.message(self.sip)
        // Cut short (the length field no longer matches), or with bytes after the message.
        #expect(error(Array(good.dropLast(3))) == .badTotalLength(declared: good.count, present: good.count - 3))
        #expect(error(good + [0]) == .badTotalLength(declared: good.count, present: good.count + 1))
        // A chunk whose length is below its own header, or runs past the message.
        var short = good
        short[6 + 5] = 4
        #expect(error(short) == .badChunk(offset: 6))
        var long = good
        long[6 + 4] = 0x10
        #expect(error(long) == .badChunk(offset: 6))
        // A fixed-size chunk of the wrong size.
        let wrongPort = Array("HEP3".utf8) + HEPBuild.u16(6 + 7) + HEPBuild.chunk(7, [1])
        #expect(error(wrongPort) == .badChunk(offset: 6))
        // Missing pieces, a compressed payload, IPv6 addresses under family 2.
        let noPayload = Array(good.prefix(good.count - (6 + self.sip.count)))
        var fixedLength = noPayload
        fixedLength[4] = UInt8(noPayload.count >> 8)
        fixedLength[5] = UInt8(noPayload.count & 0xFF)
        #expect(error(fixedLength) == .missing("a payload"))
        let compressed = HEPBuild.message([], extra: []).dropLast(6) + HEPBuild.chunk(16, [0x78, 0x9C])
        var compressedBytes = Array(compressed)
        compressedBytes[4] = UInt8(compressedBytes.count >> 8)
        compressedBytes[5] = UInt8(compressedBytes.count & 0xFF)
        #expect(error(compressedBytes) == .compressed)
        var mixed = HEPBuild.message(self.sip, ipv6: true)
        mixed[6 + 6] = 2  // family 2 with IPv6 address chunks
        #expect(error(mixed) == .missing("IPv4 addresses for family 2"))
    }

    @Test func junkAfterTheMagicNeverCrashes() {
        var state: UInt64 = 0x4E9
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let good = HEPBuild.message(self.sip)
        var parsed = 0
        for _ in 0..<3000 {
            var bytes = good
            for _ in 0..<Int(next() % 4) { bytes[6 + Int(next() % UInt64(bytes.count - 6))] = UInt8(truncatingIfNeeded: next()) }
            if next() % 3 == 0 { bytes = Array(bytes.prefix(Int(next() % UInt64(bytes.count)))) }
            bytes.withUnsafeBytes { raw in
                if (try? HEPMessage.parse(raw)) != nil { parsed += 1 }
            }
        }
        #expect(parsed > 0)
    }
}
