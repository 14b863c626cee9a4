import Foundation
import SiptoolCLI
import Testing

/// `siptool register` against a SIPp registrar that checks the digest with SIPp's own code
/// (scenarios/sipp/registrar-auth.xml). Ports 5120-5129.
@Suite(.serialized) struct LiveRegisterInteropTests {
    func register(password: String, port: Int) throws -> (Run, [String: Any])? {
        guard let sipp = InteropTests.tool("sipp") else {
            print("SKIPPED: needs sipp")
            return nil
        }
        let scenario = SourceTree.root + "/scenarios/sipp/registrar-auth.xml"
        let registrar = try InteropTests.start([sipp, "-sf", scenario, "-i", "127.0.0.1", "-p", String(port), "-m", "1", "-nostdin"], log: "/tmp/siptool-registrar-\(port).log")
        defer { registrar.stop(SIGTERM, seconds: 5) }
        InteropTests.waitUntilListening(port)
        let run = Run(["register", "--json", "--registrar", "127.0.0.1:\(port)", "1001@siptool.test"], environment: ["SIPTOOL_PASSWORD": password])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)\n\(run.stderr)")
        return (run, json)
    }

    @Test func rightPasswordRegistersForTheGrantedExpiry() throws {
        guard let (run, json) = try self.register(password: "s3cret", port: 5121) else { return }
        #expect(run.status == 0)
        #expect(json["registered"] as? Bool == true)
        #expect(json["granted_expires"] as? Int == 120, "the per-contact expires wins over the requested 3600")
        #expect((json["steps"] as? [[String: Any]])?.contains { ($0["label"] as? String)?.contains("401 challenge") == true } == true)
        #expect(!run.stdout.contains("s3cret"))
    }

    @Test func wrongPasswordIsRefused() throws {
        guard let (run, json) = try self.register(password: "not-it", port: 5122) else { return }
        #expect(run.status == 1)
        #expect(json["registered"] as? Bool == false)
        #expect(json["failure"] as? String == "rejected")
        #expect((json["reason"] as? String)?.contains("403 Wrong password") == true)
        #expect(!run.stdout.contains("not-it"))
    }

    @Test func badArguments() {
        #expect(Run(["register"]).status == 64)
        #expect(Run(["register", "@nouser"]).status == 64)
        #expect(Run(["register", "--expires", "0", "a@b"]).status == 64)
    }
}
