import PacketDecoding
import SIPMessages

/// Draws a call as a compact ladder (sequence) diagram in plain text, like sngrep's call flow:
/// one column per signalling endpoint, one arrow per SIP message, RTP streams as double arrows.
///
/// ```
///           203.0.113.5:5060          198.51.100.10:5060
///    0.000  |--INVITE (SDP)----------->|   #1
///    0.020  |<-------------100 Trying--|   #2
/// ```
public enum LadderDiagram {
    /// Width of one lane between two columns, in characters.
    static let laneWidth = 30
    /// At most this many columns are drawn; further endpoints share the last one.
    static let maximumColumns = 4
    /// At most this many SIP lines are drawn; the rest is summarised in one line.
    static let maximumRows = 60

    /// The diagram's lines (no trailing newline).
    public static func render(_ report: CallReport, captureStart: CaptureTime) -> [String] {
        var columns: [Endpoint] = []
        func column(_ endpoint: Endpoint) -> Int {
            if let index = columns.firstIndex(of: endpoint) { return index }
            if columns.count < Self.maximumColumns {
                columns.append(endpoint)
                return columns.count - 1
            }
            return columns.count - 1
        }
        for event in report.events {
            _ = column(event.source)
            _ = column(event.destination)
        }
        guard columns.count >= 2 else { return [] }
        let margin = 10
        let width = margin + Self.laneWidth * (columns.count - 1) + 1
        var lines: [String] = []

        // Header: the endpoints, each centred over its column.
        var header = Array(repeating: Character(" "), count: width + 24)
        for (index, endpoint) in columns.enumerated() {
            let text = Array(endpoint.description)
            let center = margin + index * Self.laneWidth
            let start = max(0, min(header.count - text.count, center - text.count / 2))
            for (offset, character) in text.enumerated() { header[start + offset] = character }
        }
        lines.append(String(header).trimmingTrailingSpaces())

        var rows = 0
        for event in report.events {
            if rows == Self.maximumRows {
                lines.append(String(repeating: " ", count: margin) + "... \(report.events.count - rows) more SIP messages")
                break
            }
            rows += 1
            let from = column(event.source)
            let to = column(event.destination)
            var label = event.label
            if event.message.body.isEmpty == false && event.message.contentType?.isSDP == true { label += " (SDP)" }
            if event.isRetransmission { label += " (retr.)" }
            let seconds = event.time.milliseconds(since: captureStart) / 1000
            lines.append(Self.arrow(
                time: seconds, from: from, to: to, label: label, columns: columns.count, margin: margin,
                suffix: "#\(event.frame)", double: false
            ))
        }
        for stream in report.streams {
            guard let from = columns.firstIndex(where: { $0.address == stream.source.address }),
                let to = columns.firstIndex(where: { $0.address == stream.destination.address }), from != to
            else {
                lines.append(String(repeating: " ", count: margin) + "RTP \(stream.source) -> \(stream.destination) \(stream.payloadName), \(stream.packets) pkts")
                continue
            }
            let seconds = stream.firstTime.milliseconds(since: captureStart) / 1000
            lines.append(Self.arrow(
                time: seconds, from: from, to: to, label: "RTP \(stream.payloadName) \(stream.packets) pkts",
                columns: columns.count, margin: margin, suffix: "#\(stream.firstFrame)", double: true
            ))
        }
        return lines
    }

    static func arrow(time: Double, from: Int, to: Int, label: String, columns: Int, margin: Int, suffix: String, double: Bool) -> String {
        let width = margin + Self.laneWidth * (columns - 1) + 1
        var line = Array(repeating: Character(" "), count: width)
        let timeText = Array(Format.fixed(time, 3))
        for (offset, character) in timeText.enumerated() where offset < margin - 2 {
            line[max(0, margin - 2 - timeText.count) + offset] = character
        }
        for index in 0..<columns { line[margin + index * Self.laneWidth] = "|" }
        let dash: Character = double ? "=" : "-"
        if from == to {
            // A message between two endpoints folded into the same column.
            let text = Array(" \(label) (loop)")
            let start = margin + from * Self.laneWidth + 1
            for (offset, character) in text.enumerated() where start + offset < width { line[start + offset] = character }
            return String(line).trimmingTrailingSpaces() + "  " + suffix
        }
        let left = margin + min(from, to) * Self.laneWidth
        let right = margin + max(from, to) * Self.laneWidth
        for index in (left + 1)..<right { line[index] = dash }
        if from < to { line[right - 1] = ">" } else { line[left + 1] = "<" }
        // The label sits on the arrow, near its tail.
        let room = right - left - 4
        var text = Array(label)
        if text.count > room { text = Array(text.prefix(max(0, room - 1))) + ["…"] }
        let start = from < to ? left + 2 : right - 1 - text.count
        for (offset, character) in text.enumerated() { line[start + offset] = character }
        return String(line) + "  " + suffix
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
