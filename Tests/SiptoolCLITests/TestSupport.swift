import SiptoolCLI
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs siptool in-process with captured output.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String

    init(_ arguments: [String], environment: [String: String] = [:], terminal: Bool = false, commands: [CommandSpec] = CommandTable.all) {
        let out = BufferSink()
        let err = BufferSink()
        let context = CommandContext(stdout: out, stderr: err, environment: environment, stdoutIsTerminal: terminal, stderrIsTerminal: terminal)
        self.status = SiptoolMain.run(arguments: arguments, context: context, commands: commands)
        self.stdout = out.text
        self.stderr = err.text
    }
}

/// Paths in the source tree, found from this file.
enum SourceTree {
    /// The package root (the folder holding Package.swift), resolved through symlinks.
    static var root: String {
        var path = String(#filePath)
        if let resolved = realpath(path, nil) {
            path = String(cString: resolved)
            free(resolved)
        }
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/SiptoolCLITests/TestSupport.swift
        return parts.joined(separator: "/")
    }

    static func read(_ relative: String) -> String? {
        guard let file = fopen(root + "/" + relative, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `text` to a new temporary file and returns its path.
    static func temporaryFile(_ text: String, suffix: String = ".sip") -> String {
        var template = Array("/tmp/siptool-test-XXXXXX\(suffix)".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
        precondition(descriptor >= 0, "mkstemps failed")
        _ = text.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        close(descriptor)
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = self.firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
