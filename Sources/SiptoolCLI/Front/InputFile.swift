#if canImport(Glibc)
import Glibc
#endif

/// Reading the files commands take, with errors a person can act on (and the exit codes of sysexits).
public enum InputFile {
    /// Reads a whole file, or standard input for "-". At most `limit` bytes: a larger input is refused
    /// with exit code 65 rather than read into memory.
    public static func readAll(path: String, limit: Int) throws(CLIError) -> [UInt8] {
        let descriptor: Int32
        if path == "-" {
            descriptor = 0
        } else {
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw CLIError(.noInput, "cannot open '\(path)': \(Self.errorText(errno))")
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                throw CLIError(.noInput, "'\(path)' is a directory, not a file")
            }
            if Int(info.st_size) > limit && (info.st_mode & S_IFMT) == S_IFREG {
                throw CLIError(.dataError, "'\(path)' is \(info.st_size) bytes, more than the \(limit) bytes this command reads")
            }
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw CLIError(.noInput, "cannot open '\(path)': \(Self.errorText(errno))")
            }
        }
        defer { if descriptor != 0 { close(descriptor) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIError(.noInput, "cannot read '\(path == "-" ? "standard input" : path)': \(Self.errorText(errno))")
            }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit {
                throw CLIError(.dataError, "'\(path == "-" ? "standard input" : path)' is larger than the \(limit) bytes this command reads")
            }
        }
        return bytes
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

/// Writing reports and captures the user asked to keep: never half-written.
public enum OutputFile {
    /// Writes `bytes` to a temporary file in the same directory, flushes it to disk, then renames it
    /// over `path`, so a crash or a full disk leaves either the old file or the new one.
    public static func writeAtomically(path: String, bytes: [UInt8]) throws(CLIError) {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CLIError(.cannotCreate, "cannot create '\(path)': \(InputFile.errorText(errno))")
        }
        var offset = 0
        var failure: Int32 = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            offset += written
        }
        if failure == 0 && fsync(descriptor) != 0 { failure = errno }
        close(descriptor)
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw CLIError(.cannotCreate, "cannot write '\(path)': \(InputFile.errorText(failure))")
        }
    }
}
