import Foundation
import SIPMessages
import Testing

/// Applies the accept/reject verdicts of /work/shared/corpus/torture/index.json (RFC 4475, RFC 5118):
/// a `parser_must_accept: true` message must parse (validation may still reject it); a `false` one must
/// either fail to parse or get at least one `.reject` issue from `validate()`, with a reason.
@Suite("Torture conformance (RFC 4475, RFC 5118)")
struct TortureConformanceTests {
    struct Case: CustomStringConvertible, Sendable {
        var file: String
        var mustAccept: Bool?
        var description: String { self.file }
    }

    /// The shared corpus: SIPTOOL_CORPUS, else `<package root>/../shared/corpus` from this file's path.
    static var corpusDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["SIPTOOL_CORPUS"] {
            return URL(fileURLWithPath: override)
        }
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        while url.path != "/" {
            url = url.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.deletingLastPathComponent().appendingPathComponent("shared/corpus")
            }
        }
        return URL(fileURLWithPath: "/nonexistent")
    }

    static func loadCases() -> [Case] {
        let index = Self.corpusDirectory.appendingPathComponent("torture/index.json")
        guard let data = try? Data(contentsOf: index),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [] }
        var cases: [Case] = []
        for key in ["rfc4475", "rfc5118"] {
            for entry in json[key] as? [[String: Any]] ?? [] {
                guard let file = entry["file"] as? String else { continue }
                cases.append(Case(file: file, mustAccept: entry["parser_must_accept"] as? Bool))
            }
        }
        return cases
    }

    @Test("every torture message gets the verdict of index.json")
    func conformance() throws {
        let cases = Self.loadCases()
        if cases.isEmpty {
            print("SKIPPED: shared corpus not found at \(Self.corpusDirectory.path)")
            return
        }
        #expect(cases.count >= 60)
        var report: [String] = []
        for item in cases {
            let url = Self.corpusDirectory.appendingPathComponent(item.file)
            let bytes = try [UInt8](Data(contentsOf: url))
            var verdict: String
            var rejected: Bool
            do {
                let result = try SIPDatagramParser.parse(bytes)
                let rejects = result.message.validate().filter { $0.severity == .reject }
                rejected = !rejects.isEmpty
                verdict = rejected ? "validate rejects: " + rejects.map(\.description).joined(separator: " | ") : "accepted"
                for issue in rejects { #expect(!issue.reason.isEmpty, "\(item.file)") }
                // Accepted messages survive a serialization round trip.
                let again = try SIPDatagramParser.parse(result.message.serialized()).message
                #expect(again == result.message, "round trip of \(item.file)")
                if item.mustAccept == true {
                    verdict += " (parsed)"
                }
            } catch {
                #expect(item.mustAccept != true, "\(item.file) must parse but threw \(error)")
                #expect(!error.reason.isEmpty, "\(item.file)")
                rejected = true
                verdict = "parser throws: \(error)"
            }
            if item.mustAccept == false {
                #expect(rejected, "\(item.file) must be rejected by the parser or by validate()")
            }
            report.append("\(item.file) [must accept: \(item.mustAccept.map(String.init) ?? "-")]: \(verdict)")
        }
        print(report.joined(separator: "\n"))
    }

    @Test("dblreq.dat: the first REGISTER only, the rest reported as trailing bytes")
    func dblreq() throws {
        let url = Self.corpusDirectory.appendingPathComponent("torture/rfc4475/dblreq.dat")
        guard let data = try? Data(contentsOf: url) else {
            print("SKIPPED: shared corpus not found at \(Self.corpusDirectory.path)")
            return
        }
        let result = try SIPDatagramParser.parse([UInt8](data))
        #expect(result.message.request?.method == .register)
        #expect(result.message.body.isEmpty)
        #expect(result.trailingByteCount > 300)
        #expect(result.message.callID == "dblreq.0ha0isndaksdj99sdfafnl3lk233412")
    }

    @Test("wsinv.dat: folding, compact forms, odd whitespace")
    func wsinv() throws {
        let url = Self.corpusDirectory.appendingPathComponent("torture/rfc4475/wsinv.dat")
        guard let data = try? Data(contentsOf: url) else {
            print("SKIPPED: shared corpus not found at \(Self.corpusDirectory.path)")
            return
        }
        let message = try SIPDatagramParser.parse([UInt8](data)).message
        #expect(message.to?.tag == "1918181833n")
        #expect(message.from?.displayName == "J Rosenberg \\\"")
        #expect(message.from?.tag == "98asjd8")
        #expect(message.fromTag == "98asjd8")
        #expect(message.toTag == "1918181833n")
        #expect(message.cseq == SIPCSeq(number: 9, method: .invite))
        #expect(message.maxForwards == 68)
        let vias = try message.headers.vias()
        #expect(vias.map(\.transport) == ["UDP", "TCP", "UDP"])
        #expect(vias.map(\.host) == ["192.0.2.2", "spindle.example.com", "192.168.255.111"])
        #expect(vias[2].branch == "z9hG4bK30239")
        #expect(message.headers.first("NewFangledHeader") == "newfangled value continued newfangled value")
        #expect(message.headers.contacts?.first?.parameter("q") == "0.33")
        #expect(message.sdpBodies().count == 1)
        #expect(message.validate().filter { $0.severity == .reject }.isEmpty)
    }

    @Test("mpart01.dat: multipart with a binary part")
    func mpart01() throws {
        let url = Self.corpusDirectory.appendingPathComponent("torture/rfc4475/mpart01.dat")
        guard let data = try? Data(contentsOf: url) else {
            print("SKIPPED: shared corpus not found at \(Self.corpusDirectory.path)")
            return
        }
        let message = try SIPDatagramParser.parse([UInt8](data)).message
        let parts = try #require(message.bodyParts())
        #expect(parts.count == 2)
        #expect(parts[0].body == Array("Hello".utf8))
        #expect(parts[1].contentType.subtype == "octet-stream")
        #expect(parts[1].body.contains(0))
        #expect(message.sdpBodies().isEmpty)
    }
}
