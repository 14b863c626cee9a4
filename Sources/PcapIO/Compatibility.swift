// The first version of this module used "Capture" names; SiptoolCLI and its tests still use them.
// They are the same types, so both spellings keep compiling.

/// The earlier name of ``PcapReader``.
public typealias CaptureReader = PcapReader
/// The earlier name of ``PcapWriter``.
public typealias CaptureWriter = PcapWriter
/// The earlier name of ``PcapError``.
public typealias CaptureError = PcapError
/// The earlier name of ``PcapPacket``.
public typealias CapturedPacket = PcapPacket
