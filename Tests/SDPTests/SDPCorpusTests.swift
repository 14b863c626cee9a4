import Foundation
import SDP
import Testing

/// Reads the SDP bodies of the RFC 4475 / RFC 5118 torture messages in the shared corpus.
@Suite("Shared corpus: SDP bodies of SIP torture messages")
struct SDPCorpusTests {
    /// The corpus folder: $SIPTOOL_CORPUS, else `<package root>/../shared/corpus`, where the package
    /// root is the first folder above this file holding Package.swift.
    static func corpusDirectory(filePath: String = #filePath) -> URL {
        if let override = ProcessInfo.processInfo.environment["SIPTOOL_CORPUS"] {
            return URL(fileURLWithPath: override)
        }
        // Resolve symlinks so a development package that links this folder still finds the real checkout.
        var directory = URL(fileURLWithPath: filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                break
            }
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("../shared/corpus").standardizedFileURL
    }

    /// The SDP body of a SIP message: everything after the first empty line, when it starts with "v=".
    static func sdpBody(of message: [UInt8]) -> [UInt8]? {
        let separator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        guard message.count >= 4 else { return nil }
        for index in 0...(message.count - 4) where Array(message[index..<index + 4]) == separator {
            let body = Array(message[(index + 4)...])
            return body.starts(with: Array("v=".utf8)) ? body : nil
        }
        return nil
    }

    @Test func tortureMessageBodiesParse() throws {
        let corpus = Self.corpusDirectory()
        let folders = ["torture/rfc4475", "torture/rfc5118"].map { corpus.appendingPathComponent($0) }
        guard FileManager.default.fileExists(atPath: folders[0].path) else {
            print("SKIPPED: shared corpus not found at \(corpus.path)")
            return
        }
        var parsed: [String] = []
        var failures: [String: SDPParseError.Code] = [:]
        for folder in folders {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            for name in names {
                let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
                guard let body = Self.sdpBody(of: bytes) else { continue }
                let result: SDPParseResult
                do {
                    result = try SessionDescription.parseWithWarnings(body)
                } catch {
                    failures[name] = error.code
                    continue
                }
                let sdp = result.sessionDescription
                #expect(!sdp.media.isEmpty, "\(name)")
                // Every body must survive a round trip through the serializer.
                #expect(try SessionDescription.parse(sdp.serialized()) == sdp, "\(name)")
                parsed.append(name)
            }
        }
        // test.dat (in the RFC 4475 archive, not described in the RFC text) has a body that is not SDP:
        // "v=0" then "testing=123", which must be refused as a malformed line.
        #expect(failures == ["test.dat": .malformedLine])
        // RFC 4475 and RFC 5118 carry SDP bodies in most INVITEs; a drop means the extraction broke.
        #expect(parsed.count >= 20, "\(parsed)")
    }
}
