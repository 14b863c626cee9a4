#if canImport(Glibc)
    import Glibc
#endif

/// The process's file descriptors, prepared before many calls open their sockets.
///
/// Every call holds three sockets (SIP, RTP, RTCP). Linux grows a process's descriptor table in
/// powers of two, and in a multithreaded process each growth waits for an RCU grace period
/// (`expand_fdtable`): measured here, a 10-22 ms stall of the thread that opened the socket, in
/// the middle of a load test's RTP (the 256th and 512th descriptors delayed one packet of most
/// running streams). Growing the table once, before any audio flows, moves that wait to where
/// it costs nothing.
public enum Descriptors {
    /// Raises the soft RLIMIT_NOFILE towards `count` (as far as the hard limit allows), then makes
    /// the kernel size the descriptor table for that many. Returns the soft limit now in force.
    @discardableResult
    public static func reserve(_ count: Int) -> Int {
        // RLIM_INFINITY is all ones on Linux (the C macro does not import as an unsigned value).
        let infinity = rlim_t.max
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return count }
        if limit.rlim_cur != infinity && limit.rlim_cur < rlim_t(count) {
            var raised = limit
            raised.rlim_cur = limit.rlim_max == infinity ? rlim_t(count) : min(limit.rlim_max, rlim_t(count))
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let available = limit.rlim_cur == infinity ? count : Int(min(limit.rlim_cur, rlim_t(Int32.max)))
        // A duplicate at the highest descriptor we may need makes the table that large; closing
        // it leaves the table as it is (Linux never shrinks it).
        let highest = min(count, available) - 1
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        if null >= 0 {
            if highest > null {
                let duplicate = fcntl(null, F_DUPFD_CLOEXEC, Int32(highest))
                if duplicate >= 0 { close(duplicate) }
            }
            close(null)
        }
        return available
    }
}
