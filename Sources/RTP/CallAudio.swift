/// The audio a live call sends, ready at both sample rates a negotiated codec may need: 8 kHz for
/// G.711 and 16 kHz for G.722. Converted once when the call's options are made, so many calls
/// share it and none resamples while sending.
public struct CallAudio: Sendable {
    /// The audio at 8 kHz.
    public var narrowband: [Int16]
    /// The same audio at 16 kHz.
    public var wideband: [Int16]

    public init(narrowband: [Int16], wideband: [Int16]) {
        self.narrowband = narrowband
        self.wideband = wideband
    }

    /// A recording (any rate), converted to both rates.
    public init(_ audio: WAVAudio) {
        self.narrowband = audio.resampled(to: 8000).samples
        self.wideband = audio.resampled(to: 16000).samples
    }

    /// ``TestAudio/speechLike(seconds:sampleRate:dBov:seed:)`` generated at both rates.
    public static func speechLike(seconds: Double) -> CallAudio {
        CallAudio(
            narrowband: TestAudio.speechLike(seconds: seconds, sampleRate: 8000),
            wideband: TestAudio.speechLike(seconds: seconds, sampleRate: 16000))
    }

    /// The samples to send with the static payload type `payloadType`.
    public func samples(forPayloadType payloadType: UInt8) -> [Int16] {
        RTPSender.sampleRate(forPayloadType: payloadType) == 16000 ? self.wideband : self.narrowband
    }
}
