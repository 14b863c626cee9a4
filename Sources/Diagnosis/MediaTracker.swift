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

        /// A cheap multiplicative hash of the key, for the slot cache (not for Dictionary).
        @inline(__always)
        var cacheHash: UInt64 {
            var h = self.source.address.low &* 0x9E37_79B9_7F4A_7C15
            h ^= self.destination.address.low &+ (self.source.address.high ^ self.destination.address.high) &* 0xC2B2_AE3D_27D4_EB4F
            h ^= UInt64(self.source.port) << 48 | UInt64(self.destination.port) << 32 | UInt64(self.ssrc)
            h &*= 0xBF58_476D_1CE4_E5B9
            return h ^ (h >> 31)
        }
    }

    /// What the per-packet statistics need of a payload type (no name: nothing to retain).
    struct PayloadTraits {
        var clockRate: Int
        var isTelephoneEvent: Bool
        var isComfortNoise: Bool

        init(_ info: RTPPayloadInfo) {
            self.clockRate = info.clockRate
            self.isTelephoneEvent = info.isTelephoneEvent
            self.isComfortNoise = info.isComfortNoise
        }
    }

    /// A slot-cache entry: the upper half of the key's ``StreamKey/cacheHash`` and the slot
    /// (-1 when empty). Eight bytes, so the whole cache stays in the CPU's near caches; a hit is
    /// confirmed against the key stored in the slot.
    struct CacheEntry {
        var tag: UInt32 = 0
        var slot: Int32 = -1
    }

    /// One stream's state, kept in ``MediaTracker/slots`` so a packet updates it in place without
    /// reference counting.
    struct StreamState {
        // A capture holds up to thousands of live streams, more than a core's L2 cache, so a
        // packet's cost is mostly the cache lines of its stream's state that it touches. The
        // fields every packet reads or writes come first, then the two statistics (each with
        // its own per-packet fields first), then what only the report or rare packets need.
        let key: StreamKey
        /// The payload info of the previous packet: streams rarely change payload type.
        var lastPayloadType: UInt8?
        /// Set when an SDP announced the stream's source or destination after it was classified.
        var isStale = false
        var lastInfo: PayloadTraits?
        /// The SDP generation under which the stream was last classified.
        var generation = 0
        var callID: String?
        var lastFrame: Int
        var lastTime: CaptureTime
        var level = G711StreamLevel()
        var tshark = TsharkStreamAnalysis()
        var rfc = RFC3550StreamStatistics()
        var setupMethod: String
        var payloads: [UInt8: RTPPayloadInfo]
        var firstFrame: Int
        var firstTime: CaptureTime
        var eventPackets = 0
        var payloadTypes: [UInt8] = []
        /// The decoder of a G.722 stream's audio, for its level (nil for other codecs).
        var g722: G722LevelDecoder?
        var dtmf = DTMFTracker()
        var rtcp: [RTPStreamReport.RTCPView] = []

        /// What a free slot holds.
        static let vacant = StreamState(
            key: StreamKey(source: Endpoint(address: NetworkAddress(ipv4: 0), port: 0), destination: Endpoint(address: NetworkAddress(ipv4: 0), port: 0), ssrc: 0),
            callID: nil, setupMethod: "", payloads: [:], firstFrame: 0, lastFrame: 0,
            firstTime: CaptureTime(nanosecondsSinceEpoch: 0), lastTime: CaptureTime(nanosecondsSinceEpoch: 0))

        /// Every packet of the stream (each one feeds the tshark statistics).
        var packets: Int { self.tshark.total }

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

        /// Feeds the packet to the statistics when the stream was classified under `generation`
        /// (no SDP came since); false, changing nothing, otherwise.
        ///
        /// A stream an SDP claimed is classified by the announcements of its two endpoints, which
        /// only an SDP for one of them changes (``isStale``); a stream found heuristically is
        /// classified again after every SDP, because that also checks the packet itself.
        mutating func updateIfCurrent(generation: Int, datagram: UDPDatagram, header: RTPFixedHeader) -> Bool {
            guard !self.isStale, self.callID != nil || self.generation == generation else { return false }
            self.update(datagram: datagram, header: header)
            return true
        }

        /// Feeds one packet to the stream's statistics.
        mutating func update(datagram: UDPDatagram, header: RTPFixedHeader) {
            let pt = header.payloadType
            let info: PayloadTraits
            // The previous packet's type is already in `payloadTypes` (it was added with it).
            let knownType = pt == self.lastPayloadType
            if knownType, let cached = self.lastInfo {
                info = cached
            } else {
                info = PayloadTraits(self.payloads[pt] ?? RTPPayloadInfo.staticType(pt) ?? MediaTracker.unknownDynamic(pt))
                self.lastPayloadType = pt
                self.lastInfo = info
            }
            let arrivalMs = Double(datagram.timestamp.nanosecondsSinceEpoch) / 1_000_000
            let body = UnsafeRawBufferPointer(rebasing: datagram.payload[header.payloadOffset..<(header.payloadOffset + header.payloadLength)])
            self.lastFrame = datagram.frameNumber
            self.lastTime = datagram.timestamp
            if !knownType && !self.payloadTypes.contains(pt) { self.payloadTypes.append(pt) }
            self.tshark.add(
                sequence: header.sequenceNumber, timestamp: header.timestamp, payloadType: pt, marker: header.marker,
                arrivalMs: arrivalMs, clockRate: info.isTelephoneEvent ? 0 : info.clockRate
            )
            let audioClock = info.isTelephoneEvent || info.isComfortNoise || info.clockRate == 0 ? nil : info.clockRate
            self.rfc.add(
                arrivalNanoseconds: datagram.timestamp.nanosecondsSinceEpoch, sequence: header.sequenceNumber,
                timestamp: header.timestamp, payloadType: pt, marker: header.marker, audioClockRate: audioClock
            )
            if info.isTelephoneEvent {
                self.eventPackets += 1
                self.dtmf.add(payload: body, timestamp: header.timestamp, arrivalMs: arrivalMs, clockRate: 8000, frame: datagram.frameNumber)
            } else if pt == 0 || pt == 8 {
                self.level.addG711(body, muLaw: pt == 0)
            } else if pt == G722.payloadType {
                if self.g722 == nil { self.g722 = G722LevelDecoder() }
                self.level.addWideband(self.g722!.decoder.decode(body))
            }
        }
    }

    private var announced: [Endpoint: Announcement] = [:]
    /// Bumped by every SDP: a stream classified under an older generation is looked up again.
    private var generation = 0
    /// The endpoints each call announced, to forget them when the call is finished.
    private var announcedByCall: [String: [Endpoint]] = [:]
    /// Stream states by slot; a finished stream leaves a vacant state, reused by the next new
    /// stream. Not optional: the optional's tag would live in a field no packet otherwise touches.
    private var slots: [StreamState] = []
    private var freeSlots: [Int] = []
    /// The slot of every live stream.
    private var slotByKey: [StreamKey: Int] = [:]
    /// The slots of the live streams to or from each endpoint, to mark them stale when an SDP
    /// announces the endpoint.
    private var slotsByEndpoint: [Endpoint: [Int]] = [:]
    /// A direct-mapped cache in front of ``slotByKey``, indexed by a cheap hash of the key: the
    /// packets of a known stream find their slot without SipHash. An entry is cleared when its
    /// stream is removed, so a hit is always current.
    private var cache = [CacheEntry](repeating: CacheEntry(), count: MediaTracker.cacheSize)
    static let cacheSize = 1 << 14
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
                self.markStale(Endpoint(address: address, port: port))
                self.announcedByCall[callID, default: []].append(Endpoint(address: address, port: port))
                continue
            }
            let mux = media.isRTCPMultiplexed
            self.announced[Endpoint(address: address, port: port)] = Announcement(callID: callID, frame: event.frame, payloads: payloads, isRTCPPort: false, rtcpMux: mux)
            self.markStale(Endpoint(address: address, port: port))
            self.announcedByCall[callID, default: []].append(Endpoint(address: address, port: port))
            // RFC 3605 a=rtcp, else RTP port + 1 (RFC 3550 §11).
            let rtcpPort = media.rtcp.flatMap { UInt16(exactly: $0.port) } ?? (port < 65535 ? port + 1 : port)
            if !mux || rtcpPort != port {
                self.announced[Endpoint(address: address, port: rtcpPort)] = Announcement(callID: callID, frame: event.frame, payloads: payloads, isRTCPPort: true, rtcpMux: mux)
                self.markStale(Endpoint(address: address, port: rtcpPort))
                self.announcedByCall[callID, default: []].append(Endpoint(address: address, port: rtcpPort))
            }
        }
    }

    // MARK: - Packets

    mutating func ingestUDP(_ datagram: UDPDatagram, calls: inout [String: CallRecord], options: AnalyzerOptions) {
        let payload = datagram.payload
        // Fast path: a packet of a stream already known, with no SDP change since it was classified.
        if !RTPHeader.isRTCP(payload), let header = RTPFixedHeader.parse(payload),
            let slot = self.slot(of: StreamKey(source: datagram.source, destination: datagram.destination, ssrc: header.ssrc)),
            self.slots[slot].updateIfCurrent(generation: self.generation, datagram: datagram, header: header)
        {
            self.totalRTPPackets += 1
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
            guard let header = RTPFixedHeader.parse(payload) else { return }
            self.ingestRTP(datagram, header: header, callID: announcement.callID, setup: "SDP", payloads: announcement.payloads)
            return
        }
        guard options.heuristicRTP, RTPHeader.looksLikeRTP(payload), let header = RTPFixedHeader.parse(payload) else { return }
        self.ingestRTP(datagram, header: header, callID: nil, setup: "HEUR RTP", payloads: [:])
    }

    private mutating func ingestRTP(_ datagram: UDPDatagram, header: RTPFixedHeader, callID: String?, setup: String, payloads: [UInt8: RTPPayloadInfo]) {
        let key = StreamKey(source: datagram.source, destination: datagram.destination, ssrc: header.ssrc)
        self.totalRTPPackets += 1
        let slot: Int
        if let existing = self.slot(of: key) {
            slot = existing
            if self.slots[slot].callID != callID || self.slots[slot].setupMethod != setup {
                // An SDP now claims a stream that was found heuristically (or moved it to another call).
                self.slots[slot].callID = callID
                self.slots[slot].setupMethod = setup
                self.slots[slot].payloads = payloads
                self.slots[slot].lastInfo = nil
                if let callID, !(self.streamsByCall[callID]?.contains(key) ?? false) { self.streamsByCall[callID, default: []].append(key) }
            }
        } else {
            if callID == nil && self.slotByKey.count >= Self.maximumUnassociatedStreams {
                self.untrackedHeuristicPackets += 1
                return
            }
            let state = StreamState(
                key: key, callID: callID, setupMethod: setup, payloads: payloads,
                firstFrame: datagram.frameNumber, lastFrame: datagram.frameNumber,
                firstTime: datagram.timestamp, lastTime: datagram.timestamp
            )
            slot = self.insert(state)
            if let callID { self.streamsByCall[callID, default: []].append(key) }
        }
        self.slots[slot].generation = self.generation
        self.slots[slot].isStale = false
        self.slots[slot].update(datagram: datagram, header: header)
    }

    // MARK: - Stream storage

    /// The slot of a live stream: the cache first, then the dictionary (which refills the cache).
    @inline(__always)
    private mutating func slot(of key: StreamKey) -> Int? {
        let hash = key.cacheHash
        let index = Int(truncatingIfNeeded: hash & UInt64(Self.cacheSize - 1))
        let tag = UInt32(truncatingIfNeeded: hash >> 32)
        // Two places per key (index and its neighbour), so two streams that hash alike do not
        // evict each other on every packet. An entry never names a free slot (``remove(_:)``
        // clears it), so the slot it names holds a stream.
        let first = self.cache[index]
        if first.slot >= 0 && first.tag == tag && self.slots[Int(first.slot)].key == key { return Int(first.slot) }
        let second = self.cache[index ^ 1]
        if second.slot >= 0 && second.tag == tag && self.slots[Int(second.slot)].key == key { return Int(second.slot) }
        guard let slot = self.slotByKey[key] else { return nil }
        // The newest key goes first; what was first moves to the second place.
        if first.slot >= 0 && second.slot < 0 { self.cache[index ^ 1] = first }
        self.cache[index] = CacheEntry(tag: tag, slot: Int32(truncatingIfNeeded: slot))
        return slot
    }

    private mutating func insert(_ state: StreamState) -> Int {
        let slot: Int
        if let free = self.freeSlots.popLast() {
            slot = free
            self.slots[slot] = state
        } else {
            slot = self.slots.count
            self.slots.append(state)
        }
        self.slotByKey[state.key] = slot
        self.slotsByEndpoint[state.key.source, default: []].append(slot)
        if state.key.destination != state.key.source {
            self.slotsByEndpoint[state.key.destination, default: []].append(slot)
        }
        return slot
    }

    /// Marks the streams to or from `endpoint` for classification again (an SDP announced it).
    private mutating func markStale(_ endpoint: Endpoint) {
        for slot in self.slotsByEndpoint[endpoint] ?? [] { self.slots[slot].isStale = true }
    }

    private mutating func forget(slot: Int, of endpoint: Endpoint) {
        guard var list = self.slotsByEndpoint.removeValue(forKey: endpoint) else { return }
        list.removeAll { $0 == slot }
        if !list.isEmpty { self.slotsByEndpoint[endpoint] = list }
    }

    /// Removes a stream and returns its state.
    private mutating func remove(_ key: StreamKey) -> StreamState? {
        guard let slot = self.slotByKey.removeValue(forKey: key) else { return nil }
        let index = Int(truncatingIfNeeded: key.cacheHash & UInt64(Self.cacheSize - 1))
        for place in [index, index ^ 1] where self.cache[place].slot == Int32(truncatingIfNeeded: slot) {
            self.cache[place].slot = -1
        }
        var state = StreamState.vacant
        swap(&state, &self.slots[slot])
        self.freeSlots.append(slot)
        self.forget(slot: slot, of: key.source)
        self.forget(slot: slot, of: key.destination)
        return state
    }

    /// The state of a live stream (read only).
    private func state(_ key: StreamKey) -> StreamState? {
        self.slotByKey[key].map { self.slots[$0] }
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
                let clock = self.state(key).flatMap { state in state.payloadTypes.first.flatMap { state.payloads[$0] ?? RTPPayloadInfo.staticType($0) } }?.clockRate ?? 8000
                let view = RTPStreamReport.RTCPView(
                    reporter: datagram.source,
                    fractionLostPercent: block.fractionLost * 100,
                    cumulativeLost: block.cumulativeLost,
                    jitterMs: clock > 0 ? Double(block.jitter) * 1000 / Double(clock) : nil,
                    roundTripMs: block.roundTripMs(arrivalCompactNTP: compact),
                    frame: datagram.frameNumber
                )
                if let slot = self.slotByKey[key], self.slots[slot].rtcp.count < 1000 { self.slots[slot].rtcp.append(view) }
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
            if let time = self.state(key)?.lastTime, last.map({ time > $0 }) ?? true { last = time }
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
            guard let state = self.remove(key) else { continue }
            reports.append(Self.report(state))
        }
        Self.markSSRCChanges(&reports)
        return reports.sorted { $0.firstFrame < $1.firstFrame }
    }

    mutating func takeUnassociatedStreams(captureStart: CaptureTime) -> [RTPStreamReport] {
        var reports = self.slotByKey.values.map { Self.report(self.slots[$0]) }
        self.slots.removeAll()
        self.freeSlots.removeAll()
        self.slotByKey.removeAll()
        self.slotsByEndpoint.removeAll()
        self.cache = [CacheEntry](repeating: CacheEntry(), count: Self.cacheSize)
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
        struct Direction: Hashable {
            var source: Endpoint
            var destination: Endpoint
        }
        var seen: [Direction: Int] = [:]
        for index in reports.indices.sorted(by: { reports[$0].firstFrame < reports[$1].firstFrame }) {
            let key = Direction(source: reports[index].source, destination: reports[index].destination)
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

/// A G.722 stream's decoder state, boxed so that streams of other codecs carry one pointer
/// rather than the decoder's state. Confined to the tracker that owns the stream.
final class G722LevelDecoder: @unchecked Sendable {
    var decoder = G722.Decoder()
}
