import PacketDecoding
import RTP
import SDP

/// Ties RTP and RTCP to calls through the addresses their SDP announced, keeps per-stream statistics,
/// and finds RTP no SDP announced (heuristically, like tshark's `rtp_udp`).
///
/// Like tshark, an SDP `c=`/`m=` pair registers "media for this call arrives at address:port"; any
/// UDP datagram to or from that endpoint is then RTP (or RTCP on port+1, or RTCP multiplexed by
/// payload type per RFC 5761 §4) of the call.
struct MediaTracker {
    /// What an SDP said about one receive address.
    struct Announcement {
        var callID: String
        var frame: Int
        var payloads: [UInt8: RTPPayloadInfo]
        var isRTCPPort: Bool
        var rtcpMux: Bool
        /// False for non-RTP media (T.38 over UDPTL): such packets are not RTP.
        var isRTP = true
    }

    struct StreamKey: Hashable {
        var source: Endpoint
        var destination: Endpoint
        var ssrc: UInt32
    }

    /// A class so that each packet updates its stream in place with one dictionary lookup.
    final class StreamState {
        let key: StreamKey
        var callID: String?
        var setupMethod: String
        var payloads: [UInt8: RTPPayloadInfo]
        var firstFrame: Int
        var lastFrame: Int
        var firstTime: CaptureTime
        var lastTime: CaptureTime
        var packets = 0
        var eventPackets = 0
        var tshark = TsharkStreamAnalysis()
        var rfc = RFC3550StreamStatistics()
        var payloadTypes: [UInt8] = []
        var level = AudioLevelMeter()
        var dtmf = DTMFTracker()
        var rtcp: [RTPStreamReport.RTCPView] = []
        /// The payload info of the previous packet: streams rarely change payload type.
        var lastPayloadType: UInt8?
        var lastInfo: RTPPayloadInfo?
        /// The SDP generation under which the stream was last classified.
        var generation = 0

        init(key: StreamKey, callID: String?, setupMethod: String, payloads: [UInt8: RTPPayloadInfo], firstFrame: Int, lastFrame: Int, firstTime: CaptureTime, lastTime: CaptureTime) {
            self.key = key
            self.callID = callID
            self.setupMethod = setupMethod
            self.payloads = payloads
            self.firstFrame = firstFrame
            self.lastFrame = lastFrame
            self.firstTime = firstTime
            self.lastTime = lastTime
        }
    }

    private var announced: [Endpoint: Announcement] = [:]
    /// Bumped by every SDP: a stream classified under an older generation is looked up again.
    private var generation = 0
    /// The endpoints each call announced, to forget them when the call is finished.
    private var announcedByCall: [String: [Endpoint]] = [:]
    private var streams: [StreamKey: StreamState] = [:]
    private var streamsByCall: [String: [StreamKey]] = [:]
    private var lastActivity: [String: CaptureTime] = [:]
    private(set) var totalRTPPackets = 0
    private var icmp: [ICMPError] = []
    /// Heuristic streams beyond this many are not tracked (memory bound); they are counted.
    static let maximumUnassociatedStreams = 20_000
    private(set) var untrackedHeuristicPackets = 0

    // MARK: - Signalling

    mutating func announce(_ sdp: SessionDescription, by event: SIPEvent, callID: String) {
        self.generation &+= 1
        for media in sdp.media where !media.isRejected {
            guard let connection = sdp.effectiveConnections(of: media).first,
                let address = NetworkAddress(connection.address), connection.addressClass != .unspecified,
                let port = UInt16(exactly: media.port)
            else { continue }
            var payloads: [UInt8: RTPPayloadInfo] = [:]
            for codec in media.codecs {
                guard let pt = UInt8(exactly: codec.payloadType) else { continue }
                if pt < 96, let known = RTPPayloadInfo.staticType(pt) {
                    payloads[pt] = known
                } else {
                    payloads[pt] = RTPPayloadInfo.dynamic(encodingName: codec.encodingName, clockRate: codec.clockRate)
                }
            }
            guard media.isRTP else {
                // T.38 (m=image udptl) or another non-RTP transport now owns this address: like tshark,
                // packets to and from it are no longer RTP.
                self.announced[Endpoint(address: address, port: port)] = Announcement(callID: callID, frame: event.frame, payloads: [:], isRTCPPort: false, rtcpMux: false, isRTP: false)
                self.announcedByCall[callID, default: []].append(Endpoint(address: address, port: port))
                continue
            }
            let mux = media.isRTCPMultiplexed
            self.announced[Endpoint(address: address, port: port)] = Announcement(callID: callID, frame: event.frame, payloads: payloads, isRTCPPort: false, rtcpMux: mux)
            self.announcedByCall[callID, default: []].append(Endpoint(address: address, port: port))
            // RFC 3605 a=rtcp, else RTP port + 1 (RFC 3550 §11).
            let rtcpPort = media.rtcp.flatMap { UInt16(exactly: $0.port) } ?? (port < 65535 ? port + 1 : port)
            if !mux || rtcpPort != port {
                self.announced[Endpoint(address: address, port: rtcpPort)] = Announcement(callID: callID, frame: event.frame, payloads: payloads, isRTCPPort: true, rtcpMux: mux)
                self.announcedByCall[callID, default: []].append(Endpoint(address: address, port: rtcpPort))
            }
        }
    }

    // MARK: - Packets

    mutating func ingestUDP(_ datagram: UDPDatagram, calls: inout [String: CallRecord], options: AnalyzerOptions) {
        let payload = datagram.payload
        // Fast path: a packet of a stream already known, with no SDP change since it was classified.
        if !RTPHeader.isRTCP(payload), let header = RTPHeader.parse(payload),
            let state = self.streams[StreamKey(source: datagram.source, destination: datagram.destination, ssrc: header.ssrc)],
            state.generation == self.generation
        {
            self.totalRTPPackets += 1
            self.update(state, datagram: datagram, header: header)
            return
        }
        // Like Wireshark's conversation lookup, the source endpoint's announcement wins over the
        // destination's (it decides how a stream is classified when the two sides disagree).
        let announcement = self.announced[datagram.source] ?? self.announced[datagram.destination]
        if let announcement {
            guard announcement.isRTP else { return }
            let isRTCP = announcement.isRTCPPort || RTPHeader.isRTCP(payload)
            if isRTCP {
                self.ingestRTCP(datagram, callID: announcement.callID)
                return
            }
            guard let header = RTPHeader.parse(payload) else { return }
            self.ingestRTP(datagram, header: header, callID: announcement.callID, setup: "SDP", payloads: announcement.payloads)
            return
        }
        guard options.heuristicRTP, RTPHeader.looksLikeRTP(payload), let header = RTPHeader.parse(payload) else { return }
        self.ingestRTP(datagram, header: header, callID: nil, setup: "HEUR RTP", payloads: [:])
    }

    private mutating func ingestRTP(_ datagram: UDPDatagram, header: RTPHeader, callID: String?, setup: String, payloads: [UInt8: RTPPayloadInfo]) {
        let key = StreamKey(source: datagram.source, destination: datagram.destination, ssrc: header.ssrc)
        self.totalRTPPackets += 1
        let state: StreamState
        if let existing = self.streams[key] {
            state = existing
            if existing.callID != callID || existing.setupMethod != setup {
                // An SDP now claims a stream that was found heuristically (or moved it to another call).
                existing.callID = callID
                existing.setupMethod = setup
                existing.payloads = payloads
                existing.lastInfo = nil
                if let callID, !(self.streamsByCall[callID]?.contains(key) ?? false) { self.streamsByCall[callID, default: []].append(key) }
            }
        } else {
            if callID == nil && self.streams.count >= Self.maximumUnassociatedStreams {
                self.untrackedHeuristicPackets += 1
                return
            }
            state = StreamState(
                key: key, callID: callID, setupMethod: setup, payloads: payloads,
                firstFrame: datagram.frameNumber, lastFrame: datagram.frameNumber,
                firstTime: datagram.timestamp, lastTime: datagram.timestamp
            )
            self.streams[key] = state
            if let callID { self.streamsByCall[callID, default: []].append(key) }
        }
        state.generation = self.generation
        self.update(state, datagram: datagram, header: header)
    }

    /// Feeds one packet to its stream's statistics.
    private func update(_ state: StreamState, datagram: UDPDatagram, header: RTPHeader) {
        let pt = header.payloadType
        let info: RTPPayloadInfo
        if pt == state.lastPayloadType, let cached = state.lastInfo {
            info = cached
        } else {
            info = state.payloads[pt] ?? RTPPayloadInfo.staticType(pt) ?? Self.unknownDynamic(pt)
            state.lastPayloadType = pt
            state.lastInfo = info
        }
        let arrivalMs = Double(datagram.timestamp.nanosecondsSinceEpoch) / 1_000_000
        let body = UnsafeRawBufferPointer(rebasing: datagram.payload[header.payloadOffset..<(header.payloadOffset + header.payloadLength)])
        state.packets += 1
        state.lastFrame = datagram.frameNumber
        state.lastTime = datagram.timestamp
        if !state.payloadTypes.contains(pt) { state.payloadTypes.append(pt) }
        state.tshark.add(
            sequence: header.sequenceNumber, timestamp: header.timestamp, payloadType: pt, marker: header.marker,
            arrivalMs: arrivalMs, clockRate: info.isTelephoneEvent ? 0 : info.clockRate
        )
        let audioClock = info.isTelephoneEvent || info.isComfortNoise || info.clockRate == 0 ? nil : info.clockRate
        state.rfc.add(
            sequence: header.sequenceNumber, timestamp: header.timestamp, payloadType: pt, marker: header.marker,
            arrivalMs: arrivalMs, audioClockRate: audioClock
        )
        if info.isTelephoneEvent {
            state.eventPackets += 1
            state.dtmf.add(payload: body, timestamp: header.timestamp, arrivalMs: arrivalMs, clockRate: 8000, frame: datagram.frameNumber)
        } else if pt == 0 || pt == 8 {
            state.level.addG711(body, muLaw: pt == 0)
        }
    }

    private mutating func ingestRTCP(_ datagram: UDPDatagram, callID: String) {
        self.lastActivity[callID] = datagram.timestamp
        let packets = RTCPPacket.parseCompound(datagram.payload)
        // The capture clock stands in for the SR sender's clock: RTT is exact when the capture was
        // taken at that sender, approximate elsewhere.
        let ntpSeconds = UInt64(datagram.timestamp.seconds + 2_208_988_800)
        let fraction = UInt64(datagram.timestamp.nanosecondsPart) * (1 << 32) / 1_000_000_000
        let compact = UInt32(truncatingIfNeeded: (ntpSeconds << 16) | (fraction >> 16))
        for packet in packets {
            let blocks: [RTCPPacket.ReportBlock]
            switch packet {
            case .senderReport(_, _, _, _, _, let reports): blocks = reports
            case .receiverReport(_, let reports): blocks = reports
            default: continue
            }
            for block in blocks {
                guard let key = self.streamsByCall[callID]?.first(where: { $0.ssrc == block.ssrc }) else { continue }
                let clock = self.streams[key].flatMap { state in state.payloadTypes.first.flatMap { state.payloads[$0] ?? RTPPayloadInfo.staticType($0) } }?.clockRate ?? 8000
                let view = RTPStreamReport.RTCPView(
                    reporter: datagram.source,
                    fractionLostPercent: block.fractionLost * 100,
                    cumulativeLost: block.cumulativeLost,
                    jitterMs: clock > 0 ? Double(block.jitter) * 1000 / Double(clock) : nil,
                    roundTripMs: block.roundTripMs(arrivalCompactNTP: compact),
                    frame: datagram.frameNumber
                )
                if let state = self.streams[key], state.rtcp.count < 1000 { state.rtcp.append(view) }
            }
        }
    }

    mutating func ingestICMP(_ error: ICMPError) {
        if self.icmp.count < 10_000 { self.icmp.append(error) }
    }

    static func unknownDynamic(_ pt: UInt8) -> RTPPayloadInfo {
        // tshark names PT 101 "rtpevent" when no SDP maps it (its RFC 2833 preference default).
        pt == 101 ? RTPPayloadInfo(name: "rtpevent", clockRate: 0, isTelephoneEvent: true) : RTPPayloadInfo(name: "RTPType-\(pt)", clockRate: 0)
    }

    // MARK: - Finishing

    func isActive(callID: String, now: CaptureTime, idleSeconds: Int64) -> Bool {
        var last = self.lastActivity[callID]
        for key in self.streamsByCall[callID] ?? [] {
            if let time = self.streams[key]?.lastTime, last.map({ time > $0 }) ?? true { last = time }
        }
        guard let last else { return false }
        return now.nanoseconds(since: last) < idleSeconds * 1_000_000_000
    }

    mutating func takeStreams(callID: String) -> [RTPStreamReport] {
        let keys = self.streamsByCall.removeValue(forKey: callID) ?? []
        self.lastActivity[callID] = nil
        for endpoint in self.announcedByCall.removeValue(forKey: callID) ?? [] where self.announced[endpoint]?.callID == callID {
            self.announced[endpoint] = nil
        }
        var reports: [RTPStreamReport] = []
        for key in keys {
            guard let state = self.streams.removeValue(forKey: key) else { continue }
            reports.append(Self.report(state))
        }
        Self.markSSRCChanges(&reports)
        return reports.sorted { $0.firstFrame < $1.firstFrame }
    }

    mutating func takeUnassociatedStreams(captureStart: CaptureTime) -> [RTPStreamReport] {
        var reports = self.streams.values.map { Self.report($0) }
        self.streams.removeAll()
        Self.markSSRCChanges(&reports)
        return reports.sorted { $0.firstFrame < $1.firstFrame }
    }

    func icmpErrors(for streams: [RTPStreamReport], call: CallRecord) -> [ICMPError] {
        let targets = Set(streams.map(\.destination)).union(call.sessionDescriptions.compactMap { entry -> Endpoint? in
            guard let audio = entry.sdp.media.first(where: { $0.mediaType == .audio }),
                let connection = entry.sdp.effectiveConnections(of: audio).first,
                let address = NetworkAddress(connection.address), let port = UInt16(exactly: audio.port)
            else { return nil }
            return Endpoint(address: address, port: port)
        })
        return self.icmp.filter { $0.originalProtocol == 17 && targets.contains($0.originalDestination) }
    }

    /// A 5-tuple whose SSRC changed shows as several streams; the later ones count the change.
    static func markSSRCChanges(_ reports: inout [RTPStreamReport]) {
        var seen: [String: Int] = [:]
        for index in reports.indices.sorted(by: { reports[$0].firstFrame < reports[$1].firstFrame }) {
            let key = "\(reports[index].source)>\(reports[index].destination)"
            let count = seen[key, default: 0]
            reports[index].ssrcChanges = count
            seen[key] = count + 1
        }
    }

    static func report(_ state: StreamState) -> RTPStreamReport {
        let infos = state.payloadTypes.sorted().map { state.payloads[$0] ?? RTPPayloadInfo.staticType($0) ?? Self.unknownDynamic($0) }
        let name = infos.map(\.name).joined(separator: ", ")
        let tshark = state.tshark
        let rfc = state.rfc
        let mainCodec = infos.first { !$0.isTelephoneEvent && !$0.isComfortNoise }?.name ?? name
        var burstRatio = 1.0
        if rfc.lossBursts > 0 && rfc.expected > 0 {
            let p = Double(rfc.lost) / Double(rfc.expected)
            burstRatio = max(1, Double(rfc.lost) / Double(rfc.lossBursts) * (1 - p))
        }
        let mos = state.packets - state.eventPackets >= 10
            ? EModel.mos(lossPercent: rfc.lostPercent, burstRatio: burstRatio, payload: mainCodec) : nil
        return RTPStreamReport(
            callID: state.callID,
            source: state.key.source,
            destination: state.key.destination,
            ssrc: state.key.ssrc,
            payloadTypes: state.payloadTypes.map(Int.init),
            payloadName: name,
            packets: state.packets,
            firstFrame: state.firstFrame,
            lastFrame: state.lastFrame,
            firstTime: state.firstTime,
            lastTime: state.lastTime,
            tshark: RTPStreamReport.TsharkCompatible(
                packets: tshark.total, lost: tshark.lost, lostPercent: tshark.lostPercent,
                minDeltaMs: tshark.minDelta, meanDeltaMs: tshark.meanDelta, maxDeltaMs: tshark.maxDelta,
                minJitterMs: tshark.minJitter, meanJitterMs: tshark.meanJitter, maxJitterMs: tshark.maxJitter,
                problems: tshark.hasProblems
            ),
            rfcExpected: rfc.expected,
            rfcLost: rfc.lost,
            duplicates: rfc.duplicates,
            reordered: rfc.reordered,
            meanJitterMs: rfc.meanJitterMs,
            maxJitterMs: rfc.maxJitterMs,
            lossBursts: rfc.lossBursts,
            longestBurst: rfc.longestBurst,
            longestGapMs: rfc.longestGapMs,
            ssrcChanges: 0,
            payloadChanges: rfc.payloadChanges,
            mos: mos,
            levelDBov: state.level.levelDBov,
            isSilent: state.level.isSilent,
            isOnlyEvents: state.eventPackets == state.packets,
            dtmf: state.dtmf.digits.map {
                RTPStreamReport.DTMFDigit(digit: $0.digit, time: CaptureTime(nanosecondsSinceEpoch: Int64($0.startMs * 1_000_000)), durationMs: $0.durationMs, frame: $0.frame)
            },
            rtcp: state.rtcp,
            setupMethod: state.setupMethod
        )
    }
}
