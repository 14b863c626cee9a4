/// Why a capture could not be read or written, or why reading stopped early.
///
/// Follows the `NIOSSHError` / `CertificateError` shape: an extensible ``Code`` to switch on, the
/// path, and a one-line ``message`` for a person. ``description`` puts the two together:
///
///     capture.pcap: the file ends in the middle of frame 1234 (truncated capture); the 1233 frames before it were read
///
/// Equality compares ``code`` only, so tests can write `#expect(error == PcapError(code: .emptyFile, path: ""))`
/// or simply compare codes.
///
/// Exit codes for the CLI (sysexits): ``isInputUnavailable`` errors (`.fileNotFound`,
/// `.permissionDenied`, `.unreadable`, `.readError`) → 66 `EX_NOINPUT`; the rest → 65 `EX_DATAERR`.
/// ``suggestedExitCode`` returns exactly that.
public struct PcapError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as an extensible set of named values.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A stable kebab-case name, usable in JSON output.
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { self.rawValue }

        /// The path (or one of its folders) does not exist.
        public static let fileNotFound = Code("file-not-found")
        /// The file exists but this user may not read it (`EACCES`).
        public static let permissionDenied = Code("permission-denied")
        /// The path is not something a capture can be read from: a directory, or an open failure
        /// other than a missing file or a permission problem.
        public static let unreadable = Code("unreadable")
        /// The file (or standard input) holds zero bytes.
        public static let emptyFile = Code("empty-file")
        /// Not a pcap or pcapng file: unknown magic number, a compressed file (gzip, bzip2, xz,
        /// zstd), text, an unsupported savefile version.
        public static let notACapture = Code("not-a-capture")
        /// The file ends inside its own header (the pcap global header or the first pcapng blocks).
        public static let truncatedHeader = Code("truncated-header")
        /// The file ends in the middle of a record. Reported as a warning: the frames before it
        /// are delivered.
        public static let truncatedRecord = Code("truncated-record")
        /// A record is damaged: a captured length beyond the snaplen or libpcap's limit, a bad
        /// pcapng block length.
        public static let corrupt = Code("corrupt")
        /// A pcapng file whose interfaces have different link types. libpcap 1.10 refuses such a
        /// file at the first interface block that differs from the first one.
        public static let mixedLinkTypes = Code("mixed-link-types")
        /// The operating system reported an I/O error while reading.
        public static let readError = Code("read-error")
        /// A capture could not be written (create, write, fsync or rename failed, or a record
        /// was out of range).
        public static let writeFailed = Code("write-failed")
    }

    /// What went wrong.
    public var code: Code
    /// The file concerned, as the user named it ("-" for standard input).
    public var path: String
    /// One line for a person, without the path.
    public var message: String
    /// For errors met while reading records: the 1-based number of the frame that could not be
    /// read (one more than the frames delivered).
    public var frameNumber: Int?
    /// For errors met while reading records: the byte offset of the damaged record (classic pcap),
    /// or where the data stopped (pcapng), when known.
    public var byteOffset: Int?

    /// Creates an error; ``message`` defaults to the code's name.
    public init(code: Code, path: String, message: String? = nil, frameNumber: Int? = nil, byteOffset: Int? = nil) {
        self.code = code
        self.path = path
        self.message = message ?? code.rawValue
        self.frameNumber = frameNumber
        self.byteOffset = byteOffset
    }

    /// "path: message", ready to print.
    public var description: String { "\(self.path == "-" ? "<stdin>" : self.path): \(self.message)" }

    /// True when the input could not be opened at all (missing, no permission, a directory, an
    /// I/O error), as opposed to input that was opened and found bad.
    public var isInputUnavailable: Bool {
        self.code == .fileNotFound || self.code == .permissionDenied || self.code == .unreadable
            || self.code == .readError
    }

    /// The sysexits code a command-line front end should exit with: 66 (`EX_NOINPUT`) when the
    /// input is unavailable, 73 (`EX_CANTCREAT`) when a capture could not be written, else 65
    /// (`EX_DATAERR`).
    public var suggestedExitCode: Int32 {
        if self.isInputUnavailable { return 66 }
        if self.code == .writeFailed { return 73 }
        return 65
    }

    public static func == (lhs: PcapError, rhs: PcapError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(self.code) }
}

/// "1 frame" / "3 frames".
func framesPhrase(_ count: Int) -> String {
    count == 1 ? "1 frame" : "\(count) frames"
}
