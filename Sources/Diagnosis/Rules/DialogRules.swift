import SIPMessages

/// Forking (RFC 3261 §13.2.2.4, §16.7): the INVITE reached several devices, each creating its
/// own dialog. Worth saying because early media, ringing and the answer may come from
/// different places, and because two answers leave a second call up unless the caller ends it.
enum DialogRules {
    static func evaluate(_ call: CallRecord, dialogs: [DialogSummary], context: RuleContext) -> [Finding] {
        guard dialogs.count > 1 else { return [] }
        var findings: [Finding] = []
        func name(_ dialog: DialogSummary) -> String {
            let contact = dialog.contact.map { " (Contact \($0))" } ?? ""
            return "tag \(dialog.toTag) from \(dialog.remote)\(contact)"
        }
        let evidence = dialogs.map {
            Evidence(frame: $0.frame, time: context.seconds($0.time), "dialog \($0.toTag)", "\($0.firstStatus)..\($0.bestStatus) from \($0.remote)")
        }
        let answered = dialogs.filter(\.isConfirmed)
        var summary = "the INVITE forked into \(dialogs.count) dialogs (\(dialogs.map(name).joined(separator: "; ")))"
        if let winner = answered.first {
            summary += "; the call was answered on \(name(winner))"
        } else {
            summary += "; none of them answered"
        }
        findings.append(Finding(
            .callForked, .info, summary + ": ringing or early media may come from a device other than the one that answers",
            evidence: evidence
        ))
        if answered.count > 1 {
            let extra = answered.dropFirst()
            let ended = extra.filter { dialog in
                call.events.contains { $0.method == .bye && $0.message.toTag == dialog.toTag }
            }
            let severity: FindingSeverity = ended.count == extra.count ? .info : .warning
            findings.append(Finding(
                .callMultipleAnswers, severity,
                "\(answered.count) branches answered the forked INVITE (\(answered.map(name).joined(separator: "; "))): "
                    + "the caller must ACK each 2xx and end the extra calls with BYE (RFC 3261 §13.2.2.4)"
                    + (ended.count == extra.count ? "; it did" : "; \(extra.count - ended.count) extra call(s) were never ended"),
                fix: ended.count == extra.count ? nil : "have the caller send BYE on every dialog it does not keep",
                evidence: answered.map { Evidence(frame: $0.frame, time: context.seconds($0.time), "2xx", name($0)) }
            ))
        }
        return findings
    }
}
