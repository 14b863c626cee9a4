// siptool-bench: throughput of the sans-IO core (SIP parsing, digest computation) in release mode.
// Run through bench/run.sh, which also times tshark on the same messages and records the ratio.
//
// Each benchmark runs `--runs` times for about `--seconds` each and prints the median, minimum and
// maximum rate: the machine is shared and noisy, so the median is the figure to quote.

#if canImport(Glibc)
import Glibc
#endif
import SIPAuth
import SIPMessages

/// Keeps a value alive so the optimiser cannot delete the work that produced it.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

struct Options {
    var runs = 7
    var seconds = 0.5
    var writeSamples: String?
    var only: String?
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst()
    func fail(_ message: String) -> Never {
        print("siptool-bench: \(message)\nusage: siptool-bench [--runs N] [--seconds S] [--only NAME] [--write-samples DIR]")
        exit(64)
    }
    while let argument = arguments.popFirst() {
        switch argument {
        case "--runs":
            guard let value = arguments.popFirst().flatMap({ Int($0) }), (1...100).contains(value) else {
                fail("--runs takes a whole number from 1 to 100")
            }
            options.runs = value
        case "--seconds":
            guard let value = arguments.popFirst().flatMap({ Double($0) }), value > 0, value <= 60 else {
                fail("--seconds takes a number of seconds above 0 and at most 60")
            }
            options.seconds = value
        case "--only":
            guard let value = arguments.popFirst() else { fail("--only takes a benchmark name") }
            options.only = value
        case "--write-samples":
            guard let value = arguments.popFirst() else { fail("--write-samples takes a folder") }
            options.writeSamples = value
        default:
            fail("unknown argument '\(argument)'")
        }
    }
    return options
}

/// Writes `bytes` to `path`, or exits with a one-line error.
func write(_ bytes: [UInt8], to path: String) {
    guard let file = fopen(path, "wb") else {
        print("siptool-bench: cannot write \(path)")
        exit(73)
    }
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
}

/// Runs `body` (which performs `batch` operations per call) repeatedly for about `seconds`,
/// `runs` times, and prints the median, minimum and maximum operations per second.
func measure(_ name: String, unit: String, batch: Int, options: Options, _ body: () -> Void) {
    if let only = options.only, !name.hasPrefix(only) { return }
    let clock = ContinuousClock()
    var rates: [Double] = []
    body()  // warm-up
    for _ in 0..<options.runs {
        var operations = 0
        let start = clock.now
        let deadline = start.advanced(by: .milliseconds(Int64(options.seconds * 1000)))
        while clock.now < deadline {
            body()
            operations += batch
        }
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        rates.append(Double(operations) / seconds)
    }
    rates.sort()
    let median = rates[rates.count / 2]
    func format(_ value: Double) -> String { String(Int(value.rounded())) }
    let padded = name + String(repeating: " ", count: max(1, 34 - name.count))
    print("\(padded)median \(format(median)) \(unit)  (min \(format(rates.first!)), max \(format(rates.last!)), \(rates.count) runs)")
}

let options = parseOptions()

if let folder = options.writeSamples {
    write(SIPSamples.invite, to: folder + "/invite.sip")
    write(SIPSamples.ok200, to: folder + "/ok200.sip")
    exit(0)
}

print("siptool-bench: INVITE with SDP \(SIPSamples.invite.count) bytes, 200 OK \(SIPSamples.ok200.count) bytes")

// MARK: - SIP parsing

let messages = [SIPSamples.invite, SIPSamples.ok200]

measure("sip.parse-datagram", unit: "msg/s", batch: 2, options: options) {
    for message in messages {
        blackHole(try? SIPDatagramParser.parse(message))
    }
}

measure("sip.parse-and-read-keys", unit: "msg/s", batch: 2, options: options) {
    // What a transaction layer reads from every message: Call-ID, CSeq, top Via branch, tags.
    for bytes in messages {
        guard let message = try? SIPDatagramParser.parse(bytes).message else { continue }
        blackHole(message.callID)
        blackHole(message.cseq)
        blackHole(message.topVia?.branch)
        blackHole(message.fromTag)
        blackHole(message.toTag)
        blackHole(message.contentLength)
    }
}

let streamChunk: [UInt8] = Array((0..<500).map { _ in messages }.joined().joined())
measure("sip.parse-stream-1000", unit: "msg/s", batch: 1000, options: options) {
    var parser = SIPStreamParser()
    parser.append(streamChunk)
    var count = 0
    while let message = try? parser.nextMessage() {
        blackHole(message)
        count += 1
    }
    precondition(count == 1000, "stream parser lost messages")
}

// MARK: - Digest authentication

let realm = "sip.example.com"
let uri = "sip:+15550011234@sip.example.com"
let nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
let md5HA1 = DigestComputation.ha1Hex(algorithm: .md5, username: "1001", realm: realm, password: "s3cret")!
let sha256HA1 = DigestComputation.ha1Hex(algorithm: .sha256, username: "1001", realm: realm, password: "s3cret")!

var nonceCount: UInt32 = 0
measure("digest.md5-response", unit: "responses/s", batch: 1, options: options) {
    // Per request a client knows HA1 (cached per account) and computes HA2 and the response: 2 hashes.
    nonceCount &+= 1
    blackHole(DigestComputation.responseHex(
        algorithm: .md5, ha1Hex: md5HA1, nonce: nonce, nonceCount: nonceCount, cnonce: cnonce,
        qop: .auth, method: "INVITE", uri: uri
    ))
}

let challenge = try! DigestChallenge.parse(#"Digest realm="sip.example.com", nonce="\#(nonce)", qop="auth", algorithm=MD5"#)
var client = DigestClient(username: "1001", password: "s3cret")
measure("digest.md5-client-authorization", unit: "responses/s", batch: 1, options: options) {
    // What `siptool call` does per challenged request: HA1 cached per account, HA2 per method and
    // URI, a new nonce count each time, the Authorization value built.
    blackHole(try? client.authorization(for: challenge, method: "INVITE", uri: uri, cnonce: cnonce))
}

measure("digest.md5-response-from-password", unit: "responses/s", batch: 1, options: options) {
    // The checker's case: HA1 from a candidate password, then HA2 and the response: 3 hashes.
    nonceCount &+= 1
    blackHole(DigestComputation.responseHex(
        algorithm: .md5, username: "1001", realm: realm, password: "s3cret", nonce: nonce,
        nonceCount: nonceCount, cnonce: cnonce, qop: .auth, method: "INVITE", uri: uri
    ))
}

measure("digest.sha256-response", unit: "responses/s", batch: 1, options: options) {
    nonceCount &+= 1
    blackHole(DigestComputation.responseHex(
        algorithm: .sha256, ha1Hex: sha256HA1, nonce: nonce, nonceCount: nonceCount, cnonce: cnonce,
        qop: .auth, method: "INVITE", uri: uri
    ))
}
