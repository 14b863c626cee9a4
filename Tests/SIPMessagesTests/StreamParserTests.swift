import SIPMessages
import Testing

@Suite("Stream framing")
struct StreamParserTests {
    /// Two messages separated by a keep-alive ping, preceded by a pong, with a folded header and a body.
    static let stream: [UInt8] = Array("\r\n".utf8) + SIPSamples.invite + Array("\r\n\r\n".utf8) + SIPSamples.ok200
        + Array("OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK9\r\nX-F: a\r\n b\r\nContent-Length: 0\r\n\r\n".utf8)

    static func feed(_ bytes: [UInt8], chunkSize: Int) throws -> [SIPMessage] {
        var parser = SIPStreamParser()
        var messages: [SIPMessage] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunkSize)
            parser.append(Array(bytes[offset..<end]))
            offset = end
            while let message = try parser.nextMessage() {
                messages.append(message)
            }
        }
        #expect(parser.bufferedByteCount == 0)
        return messages
    }

    @Test(arguments: [1, 2, 7, 64, Int.max])
    func anyChunkSize(_ chunkSize: Int) throws {
        let messages = try Self.feed(Self.stream, chunkSize: chunkSize)
        #expect(messages.count == 3)
        let expectedInvite = try SIPDatagramParser.parse(SIPSamples.invite).message
        #expect(messages[0] == expectedInvite)
        #expect(messages[0].sdpBodies().count == 1)
        #expect(messages[1].response?.statusCode == 200)
        #expect(messages[1].body == (try SIPDatagramParser.parse(SIPSamples.ok200).message.body))
        #expect(messages[2].headers.first("X-F") == "a b")
    }

    @Test func severalMessagesInOneChunkThenNeedMore() throws {
        var parser = SIPStreamParser()
        parser.append(SIPSamples.ok200 + SIPSamples.ok200 + Array(SIPSamples.invite.prefix(100)))
        #expect(try parser.nextMessage() != nil)
        #expect(try parser.nextMessage() != nil)
        #expect(try parser.nextMessage() == nil)
        #expect(parser.bufferedByteCount == 100)
        parser.append(Array(SIPSamples.invite.dropFirst(100)))
        #expect(try parser.nextMessage()?.request?.method == .invite)
        #expect(try parser.nextMessage() == nil)
    }

    @Test func keepAlivesAloneProduceNothing() throws {
        var parser = SIPStreamParser()
        parser.append(Array("\r\n\r\n\r\n".utf8))
        #expect(try parser.nextMessage() == nil)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func contentLengthIsMandatory() throws {
        var parser = SIPStreamParser()
        parser.append(Array("OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n".utf8))
        #expect(throws: SIPParseError(.missingContentLength)) { try parser.nextMessage() }
        // The parser stays failed.
        parser.append(SIPSamples.ok200)
        #expect(throws: SIPParseError(.missingContentLength)) { try parser.nextMessage() }
    }

    @Test func headLimitStopsBufferingWithoutBlankLine() throws {
        var parser = SIPStreamParser(limits: SIPParserLimits(maximumHeadLength: 1024))
        parser.append(Array("OPTIONS sip:a@example.com SIP/2.0\r\n".utf8))
        var thrown: SIPParseError?
        for _ in 0..<200 {
            parser.append(Array("X-Filler: 0123456789\r\n".utf8))
            do {
                _ = try parser.nextMessage()
            } catch {
                thrown = error
                break
            }
        }
        #expect(thrown?.code == .headerTooLong)
        #expect(parser.bufferedByteCount < 2048)
    }

    @Test func headerCountLimit() throws {
        var parser = SIPStreamParser(limits: SIPParserLimits(maximumHeaderCount: 10))
        parser.append(Array("OPTIONS sip:a@example.com SIP/2.0\r\n".utf8))
        parser.append(Array(String(repeating: "X: y\r\n", count: 20).utf8))
        #expect(throws: SIPParseError(.tooManyHeaders)) { try parser.nextMessage() }
    }

    @Test func bodyLimit() throws {
        var parser = SIPStreamParser(limits: SIPParserLimits(maximumBodyLength: 100))
        parser.append(Array("MESSAGE sip:a@example.com SIP/2.0\r\nContent-Length: 101\r\n\r\n".utf8))
        #expect(throws: SIPParseError(.bodyTooLarge)) { try parser.nextMessage() }
    }

    @Test func negativeContentLengthOnStreamIsFatal() throws {
        var parser = SIPStreamParser()
        parser.append(Array("MESSAGE sip:a@example.com SIP/2.0\r\nContent-Length: -5\r\n\r\nhello".utf8))
        #expect(throws: SIPParseError(.invalidContentLength)) { try parser.nextMessage() }
    }

    @Test func byteByByteHeadIsNotRescanned() throws {
        // A 60 KiB head fed one byte at a time must finish quickly (linear, not quadratic).
        var head = Array("OPTIONS sip:a@example.com SIP/2.0\r\n".utf8)
        for index in 0..<200 { head += Array("X-Filler-\(index): \(String(repeating: "a", count: 280))\r\n".utf8) }
        head += Array("Content-Length: 0\r\n\r\n".utf8)
        var parser = SIPStreamParser(limits: SIPParserLimits(maximumHeadLength: 64 * 1024, maximumHeaderCount: 256))
        let clock = ContinuousClock()
        var count = 0
        let elapsed = try clock.measure {
            for byte in head {
                parser.append([byte])
                if try parser.nextMessage() != nil { count += 1 }
            }
        }
        #expect(count == 1)
        #expect(elapsed < .seconds(5))
    }
}
