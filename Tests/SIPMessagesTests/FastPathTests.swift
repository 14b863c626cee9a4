import Testing

@testable import SIPMessages

/// The fast paths added for throughput (switch-based header-name lookup, SWAR byte search, bitmap token
/// test, overflow check without division, key index recorded at parse time) must give exactly the
/// answers of the straightforward code they replace.
@Suite("Fast paths agree with the slow paths")
struct FastPathTests {
    // MARK: Header names

    /// The straightforward lookup: compare lower-cased bytes with every canonical name and compact form.
    static func referenceLookup(_ name: String) -> Int {
        let lower = Array(name.utf8).map { ASCII.lowercased($0) }
        for known in SIPHeaderName.known {
            if lower == Array(known.canonicalName.utf8).map({ ASCII.lowercased($0) }) { return known.id }
            if let compact = known.compactForm, lower == Array(compact.utf8).map({ ASCII.lowercased($0) }) {
                return known.id
            }
        }
        return -1
    }

    @Test func everyKnownNameInEveryCaseResolves() {
        #expect(SIPHeaderName.known.count == 71)
        for known in SIPHeaderName.known {
            var spellings = [known.canonicalName, known.canonicalName.lowercased(), known.canonicalName.uppercased()]
            if let compact = known.compactForm { spellings += [compact, compact.uppercased()] }
            for spelling in spellings {
                let bytes = Array(spelling.utf8)
                #expect(SIPHeaderName.lookup(bytes, 0..<bytes.count) == known.id, "\(spelling)")
            }
        }
    }

    @Test func nearMissesAndOddBytesMatchTheReference() {
        var names = ["", "x", "X-Custom", "call\rid", "Call_ID", "Call-I", "Call-IDs", "via ", " via", "Vi@", "`", "@", "{",
                     "\u{0}", "То", "Max-Forwardz", "Content-Lengtj", "Content-Transfer-Encodinh", "sip-etaG", "Min-SE"]
        // Every known name with each byte in turn replaced by a byte 0x20 away (case flip for letters,
        // CR-like control for '-').
        for known in SIPHeaderName.known {
            let bytes = Array(known.canonicalName.utf8)
            for index in bytes.indices {
                var changed = bytes
                changed[index] ^= 0x20
                names.append(String(decoding: changed, as: UTF8.self))
                changed[index] = bytes[index] &+ 1
                names.append(String(decoding: changed, as: UTF8.self))
            }
        }
        for name in names {
            let bytes = Array(name.utf8)
            #expect(SIPHeaderName.lookup(bytes, 0..<bytes.count) == Self.referenceLookup(name), "\(name.debugDescription)")
        }
    }

    // MARK: Byte helpers

    @Test func tokenBitmapMatchesRFC3261() {
        let extras = Set("-.!%*_+`'~".utf8)
        for value in 0...255 {
            let byte = UInt8(value)
            let expected = ASCII.isDigit(byte) || ASCII.isAlpha(byte) && byte < 0x80 || extras.contains(byte)
            #expect(ASCII.isTokenChar(byte) == expected, "byte \(value)")
        }
    }

    @Test func wordAtATimeSearchMatchesNaiveSearch() {
        var generator = SplitMix64(seed: 7)
        let alphabet: [UInt8] = [0x0A, 0x0D, 0x20, 0x3A, 0x2C, 0x22, 0x3C, 0x61, 0x80, 0xFF, 0x00]
        for _ in 0..<500 {
            let count = Int(generator.next() % 40)
            let bytes = (0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let from = count == 0 ? 0 : Int(generator.next() % UInt64(count + 1))
            let to = from + Int(generator.next() % UInt64(count - from + 1))
            bytes.withUnsafeBufferPointer { buffer in
                for target: UInt8 in [0x0A, 0x3A, 0x80, 0x00] {
                    let naive = (from..<to).first { bytes[$0] == target }
                    #expect(ASCII.firstIndex(of: target, in: buffer, from: from, to: to) == naive)
                }
                let naiveAny = (from..<to).first { [0x2C, 0x22, 0x3C].contains(bytes[$0]) }
                #expect(ASCII.firstIndex(ofAny: 0x2C, 0x22, 0x3C, in: buffer, from: from, to: to) == naiveAny)
            }
        }
    }

    @Test(arguments: [
        ("255", UInt64(255), ASCII.Decimal.value(255)),
        ("256", UInt64(255), ASCII.Decimal.overflow),
        ("4294967295", UInt64(UInt32.max), ASCII.Decimal.value(4_294_967_295)),
        ("4294967296", UInt64(UInt32.max), ASCII.Decimal.overflow),
        ("18446744073709551615", UInt64.max, ASCII.Decimal.value(UInt64.max)),
        ("18446744073709551616", UInt64.max, ASCII.Decimal.overflow),
        ("99999999999999999999999", UInt64.max, ASCII.Decimal.overflow),
        ("0007", UInt64(9), ASCII.Decimal.value(7)),
        ("", UInt64(9), ASCII.Decimal.empty),
        ("1x", UInt64(9), ASCII.Decimal.notANumber),
    ])
    func decimalLimits(_ text: String, _ maximum: UInt64, _ expected: ASCII.Decimal) {
        let bytes = Array(text.utf8)
        #expect(ASCII.parseDecimal(bytes, 0..<bytes.count, maximum: maximum) == expected)
    }

    // MARK: Key index

    /// Messages with folded, compact, duplicated and malformed key fields.
    static let messages: [[UInt8]] = [
        SIPSamples.invite,
        SIPSamples.ok200,
        HeaderFieldTests.message,
        Array(("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: \r\n  42\r\n INVITE\r\n"
            + "Call-ID:\r\n folded-id  \r\nFrom: A <sip:a@b>\r\n ;tag=x\r\nTo: sip:b@c;tag=\"q\"\r\nContent-Length: 0\r\n\r\n").utf8),
        Array(("SIP/2.0 200 OK\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1;branch=second, SIP/2.0/TCP x\r\n"
            + "f: \"x;tag=no\" <sip:a@b;tag=uri>;TAG=yes;tag=no\r\nt: sip:b@c;foo;Tag\r\ni: id\r\nCSEQ: 7 INVITE\r\nl: 3\r\n\r\nabcdef").utf8),
        Array(("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;;branch=z9hG4bK1\r\nVia: SIP/2.0/TCP second;branch=z9hG4bK2\r\n"
            + "From: <sip:a@b>;tag=a;;\r\nTo: <sip:a@b;tag=a\r\nCall-ID: one\r\nCall-ID: two\r\nCSeq: 4294967295 BYE\r\n"
            + "CSeq: junk\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n").utf8),
        Array("MESSAGE sip:a@b SIP/2.0\r\nContent-Type: text/plain\r\n\r\nno key fields".utf8),
    ]

    /// Everything the key index speeds up, read with and without it.
    static func keyAccessors(_ headers: SIPHeaders) -> [String] {
        var out = [
            "\(String(describing: headers.callID))", "\(String(describing: headers.cseq))",
            "\(String(describing: headers.topVia))", "\(String(describing: headers.topVia?.branch))",
            "\(String(describing: headers.fromTag))", "\(String(describing: headers.toTag))",
            "\(String(describing: headers.contentLength))", "\(String(describing: headers.maxForwards))",
            "\(String(describing: headers.from))", "\(String(describing: headers.to))",
        ]
        for name in [SIPHeaderName.via, .from, .to, .callID, .cseq, .contentLength, .maxForwards, "X-Custom"] {
            out.append("\(name): \(String(describing: headers.firstIndex(name))) \(headers.values(name)) \(String(describing: headers.first(name)))")
        }
        return out
    }

    @Test(arguments: FastPathTests.messages)
    func keyIndexAgreesWithSearching(_ bytes: [UInt8]) throws {
        let message = try SIPDatagramParser.parse(bytes).message
        let indexed = message.headers
        #expect(indexed.keys != nil)
        var searched = indexed
        searched.keys = nil
        #expect(Self.keyAccessors(indexed) == Self.keyAccessors(searched))
        // The same through the stream parser (storage holds only the head there).
        var stream = SIPStreamParser()
        stream.append(bytes)
        if message.contentLength != nil, let streamed = try stream.nextMessage() {
            #expect(streamed.headers.keys != nil)
            #expect(Self.keyAccessors(streamed.headers) == Self.keyAccessors(searched))
            #expect(streamed == message)
        }
    }

    @Test func keyIndexReadsTheFirstFieldAndHandlesFolding() throws {
        let folded = try SIPDatagramParser.parse(Self.messages[3]).message
        #expect(folded.cseq == SIPCSeq(number: 42, method: .invite))
        #expect(folded.callID == "folded-id")
        #expect(folded.fromTag == "x")
        #expect(folded.toTag == "\"q\"")
        let compact = try SIPDatagramParser.parse(Self.messages[4]).message
        #expect(compact.topVia?.branch == "z9hG4bK1")
        #expect(compact.fromTag == "yes")
        #expect(compact.toTag == "")
        #expect(compact.cseq?.number == 7)
        #expect(compact.contentLength == 3)
        let duplicated = try SIPDatagramParser.parse(Self.messages[5]).message
        #expect(duplicated.topVia == nil)  // ";;" makes the first Via malformed
        #expect(duplicated.fromTag == nil)  // ";;" too
        #expect(duplicated.toTag == nil)  // '<' without '>'
        #expect(duplicated.callID == "one")
        #expect(duplicated.cseq == SIPCSeq(number: UInt32.max, method: .bye))
        let none = try SIPDatagramParser.parse(Self.messages[6]).message
        #expect(none.callID == nil && none.cseq == nil && none.topVia == nil && none.contentLength == nil)
    }

    @Test func anyChangeToTheFieldsDropsTheKeyIndex() throws {
        let message = try SIPDatagramParser.parse(SIPSamples.invite).message
        var headers = message.headers
        headers.insert(.via, "SIP/2.0/TCP proxy;branch=z9hG4bKnew", at: 0)
        #expect(headers.keys == nil)
        #expect(headers.topVia?.branch == "z9hG4bKnew")
        headers = message.headers
        headers.set(.cseq, "1 BYE")
        #expect(headers.cseq == SIPCSeq(number: 1, method: .bye))
        headers = message.headers
        headers.removeAll(.callID)
        #expect(headers.callID == nil)
        headers = message.headers
        headers.remove(at: 0)
        #expect(headers.topVia == nil)
        #expect(headers.cseq == message.cseq)
        // Appending keeps earlier positions, but the index is dropped all the same.
        headers = message.headers
        headers.append(.callID, "second")
        #expect(headers.keys == nil)
        #expect(headers.callID == message.callID)
    }

    // MARK: Stream buffer

    @Test(arguments: [1, 13, 500, 4096, Int.max])
    func manyMessagesThroughTheStreamCompactCorrectly(_ chunkSize: Int) throws {
        var stream: [UInt8] = []
        for index in 0..<60 {
            stream += index % 2 == 0 ? SIPSamples.invite : SIPSamples.ok200
            if index % 7 == 0 { stream += Array("\r\n\r\n".utf8) }
        }
        let messages = try StreamParserTests.feed(stream, chunkSize: chunkSize)
        #expect(messages.count == 60)
        let invite = try SIPDatagramParser.parse(SIPSamples.invite).message
        let ok = try SIPDatagramParser.parse(SIPSamples.ok200).message
        for (index, message) in messages.enumerated() {
            #expect(message == (index % 2 == 0 ? invite : ok))
            #expect(message.serialized() == (index % 2 == 0 ? SIPSamples.invite : SIPSamples.ok200))
        }
    }
}
