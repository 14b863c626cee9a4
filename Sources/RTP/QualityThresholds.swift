/// Thresholds that diagnosis and test calls judge media by, with where each comes from
/// (shared/ANCHORS.md section e). Values are defaults; callers may expose them as options.
public enum QualityThresholds {
    /// Twilio Voice Insights `high_packet_loss`: loss above 5 % (twilio.com/docs/voice/insights/api/voice-insights-call-tags).
    public static let packetLossErrorPercent = 5.0
    /// sipnab `--problems`: loss above 2 % (sipnab docs/filter-dsl.md); siptool warns from here.
    public static let packetLossWarningPercent = 2.0
    /// Twilio `high_jitter`: average jitter ≥ 5 ms ...
    public static let jitterMeanWarningMs = 5.0
    /// ... and maximum jitter ≥ 30 ms (both together).
    public static let jitterMaxWarningMs = 30.0
    /// sipnab `--problems`: jitter above 50 ms.
    public static let jitterErrorMs = 50.0
    /// Twilio `high_jitter` alternative: more than 1 % of packets delayed ≥ 200 ms.
    public static let delayedPacketMs = 200.0
    public static let delayedPacketPercent = 1.0
    /// Twilio `low_mos`: MOS below 3.5.
    public static let lowMOS = 3.5
    /// Twilio `high_latency`: more than 150 ms internal RTP traversal (ITU-T G.114's one-way
    /// comfort limit is the same 150 ms).
    public static let latencyWarningMs = 150.0
    /// Twilio `high_latency` on the SDK edge: RTT above 400 ms.
    public static let roundTripErrorMs = 400.0
    /// sipnab `late_media`: first RTP more than 500 ms after the 200 OK.
    public static let lateMediaMs = 500.0
    /// A gap between consecutive packets of this length is an audible dropout: beyond any jitter
    /// buffer (voipmonitor's adaptive buffer tops out at 500 ms, ANCHORS e). siptool's choice.
    public static let longGapMs = 1000.0
    /// Below this RMS level (dBov) audio is silence: digital silence and a muted microphone sit far
    /// below, speech around −20 to −30 dBov. siptool's choice (Twilio's `silence` tag names no level).
    public static let silenceDBov = -55.0
    /// A silent stretch this long inside a stream is reported (conversational pauses are shorter).
    public static let longSilenceMs = 10_000.0
    /// sipnab duration asymmetry: the two directions' durations differ by more than 5 % and 2 s.
    public static let durationAsymmetryPercent = 5.0
    public static let durationAsymmetryMs = 2000.0
    /// sipnab `--slow-setup`: post-dial delay above 3 s.
    public static let slowSetupMs = 3000.0
}
