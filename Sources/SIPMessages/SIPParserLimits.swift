/// Bounds that keep a parser facing the network from buffering or working without limit.
///
/// RFC 3261 sets no maximum sizes, so these are ours; each default says why it is big enough for real
/// traffic and small enough to refuse abuse.
public struct SIPParserLimits: Sendable, Hashable {
    /// Most bytes in the start line plus all header lines, including the blank line. 64 KiB: the largest
    /// UDP payload, and more than 10 times the longest head in the RFC 4475 torture set (longreq.dat).
    public var maximumHeadLength: Int
    /// Most header lines (fields and folded continuation lines). 256: real messages carry 10-40, and a
    /// long Via/Record-Route chain on a trunk rarely passes 70.
    public var maximumHeaderCount: Int
    /// Most bytes in one line of the head. 16 KiB: long Identity or Record-Route lines stay under 4 KiB.
    public var maximumLineLength: Int
    /// Most body bytes. 1 MiB: SDP bodies are a few KiB and multipart bodies with certificates tens of
    /// KiB (the largest SIP message in the shared captures is 65 KB); a stream parser buffers at most
    /// head + body, so this bounds memory per connection.
    public var maximumBodyLength: Int

    public init(
        maximumHeadLength: Int = 64 * 1024,
        maximumHeaderCount: Int = 256,
        maximumLineLength: Int = 16 * 1024,
        maximumBodyLength: Int = 1 << 20
    ) {
        self.maximumHeadLength = maximumHeadLength
        self.maximumHeaderCount = maximumHeaderCount
        self.maximumLineLength = maximumLineLength
        self.maximumBodyLength = maximumBodyLength
    }

    /// The defaults above.
    public static let `default` = SIPParserLimits()
}
