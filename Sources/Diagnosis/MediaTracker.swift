import PacketDecoding
import SDP

/// Ties RTP and RTCP to calls through the addresses their SDP announced.
struct MediaTracker {
    private(set) var totalRTPPackets = 0
    private var icmp: [ICMPError] = []

    mutating func announce(_ sdp: SessionDescription, by event: SIPEvent, callID: String) {}

    mutating func ingestUDP(_ datagram: UDPDatagram, calls: inout [String: CallRecord], options: AnalyzerOptions) {}

    mutating func ingestICMP(_ error: ICMPError) {
        if self.icmp.count < 10_000 { self.icmp.append(error) }
    }

    func isActive(callID: String, now: CaptureTime, idleSeconds: Int64) -> Bool { false }

    mutating func takeStreams(callID: String) -> [RTPStreamReport] { [] }

    mutating func takeUnassociatedStreams(captureStart: CaptureTime) -> [RTPStreamReport] { [] }

    func icmpErrors(for streams: [RTPStreamReport], call: CallRecord) -> [ICMPError] { [] }
}
