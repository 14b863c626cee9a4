import Foundation
import SiptoolCLI
import Testing

/// `siptool call` across a real firewall: two network namespaces joined by a router namespace
/// whose iptables drops the callee's RTP. The call is answered but no audio comes back: the
/// verdict must be one-way audio, exit status 1, with the shared finding code. The siptool
/// binary built by `swift build --build-tests` runs inside the namespaces.
@Suite(.serialized) struct LiveNamespaceTests {
    static var binary: String? {
        let path = SourceTree.root + "/.build/debug/siptool"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    @Test func rtpDroppedTowardsTheCallerGivesTheOneWayVerdict() throws {
        guard let tools = NamespaceInteropTests.requireTools() else { return }
        guard let siptool = Self.binary else {
            print("SKIPPED: .build/debug/siptool is not built (swift build --build-tests builds it)")
            return
        }
        let directory = try NamespaceInteropTests.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lab = NamespaceInteropTests.Lab(tools: tools, directory: directory, prefix: "stlive\(getpid())")
        defer { #expect(lab.close().isEmpty, "namespaces left behind") }
        try lab.add("a", "fw", "b")
        try lab.link("a", "eth0", "203.0.113.2/24", "fw", "toa", "203.0.113.1/24")
        try lab.link("fw", "tob", "198.51.100.1/24", "b", "eth0", "198.51.100.2/24")
        try lab.ip("a", "route", "add", "default", "via", "203.0.113.1")
        try lab.ip("b", "route", "add", "default", "via", "198.51.100.1")
        try lab.forward("fw")
        // The firewall lets SIP through both ways but drops the callee's RTP.
        try lab.iptables("fw", "-A", "FORWARD", "-p", "udp", "-s", "198.51.100.2", "--sport", "16500:16599", "-j", "DROP")

        let answer = try InteropTests.start(
            lab.exec("b", [siptool, "answer", "--json", "--listen", "198.51.100.2:5060", "--calls", "1", "--rtp-ports", "16500-16599", "--run-for", "20s"]),
            log: directory + "/answer.json")
        defer { answer.stop(SIGINT, seconds: 5) }
        usleep(700_000)
        let output = directory + "/call.json"
        let status = NamespaceInteropTests.run(
            lab.exec("a", [siptool, "call", "--json", "--duration", "2s", "--rtp-ports", "16400-16499", "sip:far@198.51.100.2:5060"]),
            log: output, seconds: 30)
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(status == 1, "exit status \(status): \(text)")
        let start = try #require(text.firstIndex(of: "{"), "no JSON in: \(text)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text[start...].utf8)) as? [String: Any], "\(text)")
        #expect(json["answered"] as? Bool == true)
        #expect(json["verdict"] as? String == "fail")
        #expect((json["verdict_reason"] as? String)?.hasPrefix("one-way audio") == true, "\(json["verdict_reason"] ?? "")")
        let rtp = try #require(json["rtp"] as? [String: Any])
        #expect((rtp["sent"] as? Int ?? 0) > 80)
        #expect(rtp["received"] as? Int == 0)
        let call = try #require(((json["analysis"] as? [String: Any])?["calls"] as? [[String: Any]])?.first)
        let oneWay = try #require(NamespaceInteropTests.findings(call, "media.one-way").first, "\(InteropTests.codes(call))")
        #expect((oneWay["summary"] as? String)?.contains("no audio callee -> caller") == true, "\(oneWay["summary"] ?? "")")
    }
}
