import Diagnosis
import NIOCore
import PacketDecoding
import SIPMessages
import SiptoolRuntime

/// `siptool call --concurrent N`: N calls started at `--rate` per second, all on one event loop,
/// each with its own SIP socket, RTP ports and verdict; a summary of how many passed, why the
/// others failed, and the timing of the RTP siptool sent (tshark-compatible jitter and delta of
/// each stream, as logged at send time; a wire capture measures the same, see bench/call-load.sh).
enum CallLoad {
    /// Collects outcomes on the event loop.
    final class Collector: @unchecked Sendable {
        // Confined to the event loop.
        var outcomes: [CallOutcome] = []
        var errors: [String] = []
        var pending: Int

        init(count: Int) {
            self.pending = count
        }
    }

    static func run(_ options: CallOptions, count: Int, rate: Double, route: RouteReport?, arguments: ParsedArguments, context: CommandContext) throws -> ExitCode {
        let log = PacketLog(limit: 20_000_000)
        Interrupt.install()
        // Three sockets per call (SIP, RTP, RTCP), opened before the first call starts sending.
        let needed = 3 * count + 64
        let available = Descriptors.reserve(needed)
        if available < needed {
            context.stderr.write("siptool: warning: \(count) calls need about \(needed) file descriptors but the limit is \(available) (ulimit -n); later calls will fail to open their sockets\n")
        }
        let collector = Collector(count: count)
        do {
            _ = try LiveSupport.onEventLoop(realtime: arguments.flag("realtime"), context: context) { loop -> EventLoopFuture<Void> in
                let promise = loop.makePromise(of: Void.self)
                for index in 0..<count {
                    let delay = TimeAmount.nanoseconds(Int64(Double(index) / rate * 1_000_000_000))
                    loop.scheduleTask(in: delay) {
                        if Interrupt.requested {
                            collector.errors.append("not started: interrupted")
                            collector.pending -= 1
                            if collector.pending == 0 { promise.succeed() }
                            return
                        }
                        CallSession.run(options, on: loop, log: log).whenComplete { result in
                            switch result {
                            case .success(let outcome): collector.outcomes.append(outcome)
                            case .failure(let error): collector.errors.append(LiveSupport.cliError(error).message)
                            }
                            collector.pending -= 1
                            if collector.pending == 0 { promise.succeed() }
                        }
                    }
                }
                return promise.futureResult
            }
        } catch {
            throw LiveSupport.cliError(error)
        }
        try LiveSupport.writePcap(log, arguments)
        let analysis = log.analyze()
        let reports = Dictionary(analysis.calls.map { ($0.summary.callID, $0) }, uniquingKeysWith: { first, _ in first })
        var verdicts: [String: Int] = [:]
        var passed = 0
        var sentStreams: [RTPStreamReport] = []
        for outcome in collector.outcomes {
            let report = reports[outcome.callID]
            let verdict = CallCommand.Verdict(outcome: outcome, report: report)
            if verdict.passed { passed += 1 } else { verdicts[verdict.reason, default: 0] += 1 }
            // Streams we sent: their source is our media address, so not the far end's.
            if let report, let observed = outcome.observedMedia ?? outcome.announcedMedia {
                sentStreams += report.streams.filter { $0.destination.description == observed }
            }
        }
        for error in collector.errors { verdicts[error, default: 0] += 1 }
        func median(_ values: [Double]) -> Double? {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            return sorted[sorted.count / 2]
        }
        let meanJitters = sentStreams.map(\.tshark.meanJitterMs)
        let maxJitters = sentStreams.map(\.tshark.maxJitterMs)
        let maxDeltas = sentStreams.map(\.tshark.maxDeltaMs)
        let packets = sentStreams.reduce(0) { $0 + $1.packets }
        if arguments.flag("json") {
            context.stdout.write(JSONValue.object([
                ("schema", .string("siptool.call-load/1")),
                ("target", .string(options.target.raw)),
                ("calls", .int(count)),
                ("rate_per_second", .number(rate, decimals: 2)),
                ("server", .string(Addressing.hostPort(options.serverHost, options.serverPort))),
                ("resolution", LiveRouting.json(route)),
                ("answered", .int(collector.outcomes.filter(\.answered).count)),
                ("passed", .int(passed)),
                ("failures", .array(verdicts.sorted { $0.value > $1.value }.map { .object([("reason", .string($0.key)), ("calls", .int($0.value))]) })),
                ("sent_streams", .int(sentStreams.count)),
                ("sent_packets", .int(packets)),
                ("mean_jitter_ms_median", .number(median(meanJitters))),
                ("mean_jitter_ms_max", .number(meanJitters.max())),
                ("max_jitter_ms_max", .number(maxJitters.max())),
                ("max_delta_ms_median", .number(median(maxDeltas))),
                ("max_delta_ms_max", .number(maxDeltas.max())),
            ]).serialized() + "\n")
        } else {
            var out = LiveRouting.text(route)
            out += context.style.bold("\(count) calls to \(options.target.raw)") + " at \(DiagnoseRendering.fixed(rate, 1))/s\n"
            out += "  answered \(collector.outcomes.filter(\.answered).count), passed (audio both ways) \(passed)\n"
            for (reason, calls) in verdicts.sorted(by: { $0.value > $1.value }) { out += "  \(calls) x \(reason)\n" }
            if !sentStreams.isEmpty {
                out += "  sent RTP: \(sentStreams.count) streams, \(packets) packets; mean jitter median \(DiagnoseRendering.fixed(median(meanJitters) ?? 0, 3)) ms (worst \(DiagnoseRendering.fixed(meanJitters.max() ?? 0, 3))), max jitter \(DiagnoseRendering.fixed(maxJitters.max() ?? 0, 3)) ms, max delta median \(DiagnoseRendering.fixed(median(maxDeltas) ?? 0, 3)) ms (worst \(DiagnoseRendering.fixed(maxDeltas.max() ?? 0, 3)))\n"
            }
            context.stdout.write(out)
        }
        return passed == count ? .success : .failure
    }
}
