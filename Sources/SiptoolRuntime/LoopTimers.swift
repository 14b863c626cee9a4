import NIOCore

/// The timers a sans-IO state machine asked for, on one event loop: starting a timer that is
/// already running replaces it, a fired timer forgets itself before calling back.
final class LoopTimers<Key: Hashable & Sendable>: @unchecked Sendable {
    // Confined to `loop`.
    private let loop: EventLoop
    private var scheduled: [Key: Scheduled<Void>] = [:]

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Runs `fire` after `duration` unless cancelled or restarted first.
    func start(_ key: Key, after duration: Duration, _ fire: @escaping @Sendable () -> Void) {
        self.scheduled[key]?.cancel()
        self.scheduled[key] = self.loop.scheduleTask(in: Self.amount(duration)) { [weak self] in
            self?.scheduled[key] = nil
            fire()
        }
    }

    func cancel(_ key: Key) {
        self.scheduled.removeValue(forKey: key)?.cancel()
    }

    func cancelAll() {
        for timer in self.scheduled.values { timer.cancel() }
        self.scheduled = [:]
    }

    /// A Swift `Duration` as NIO's `TimeAmount`.
    static func amount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
