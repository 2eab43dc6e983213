import Foundation

/// Writes files so a reader (or a crash) never sees half of one: the bytes go to a temporary
/// file in the same directory, which is then renamed over the target (atomic on POSIX).
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        do {
            try data.write(to: tmp)
            if rename(tmp.path, url.path) != 0 {
                throw InputError("cannot rename \(tmp.path) to \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }

    public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

    /// Appends one complete line with a single `write(2)` on an `O_APPEND` descriptor, so
    /// concurrent or interrupted appends never interleave inside a line (a torn last line from
    /// a crash is detected by readers, since it lacks its newline).
    public static func appendLine(_ line: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { throw InputError("cannot open \(path) for appending: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array((line.hasSuffix("\n") ? line : line + "\n").utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw InputError("short write to \(path)") }
        fsync(fd)
    }
}
