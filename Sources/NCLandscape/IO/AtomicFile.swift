import Foundation

/// Writes files so a reader (or a crash) never sees half of one: the bytes go to a temporary
/// file in the same directory, which is then renamed over the target (atomic on POSIX).
public enum AtomicFile {
    /// Creates `path` and its parents (like `mkdir -p`); a failure names the folder and the
    /// POSIX reason in one line (not Foundation's multi-line NSError).
    public static func makeFolder(_ path: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw InputError("cannot create the folder \(path): a file of that name exists") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try makeFolder(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw InputError("cannot create the folder \(path): \(String(cString: strerror(errno)))")
        }
    }

    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        try makeFolder(dir.path)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        do {
            try writeAll(data, to: tmp.path, naming: path)
            if rename(tmp.path, url.path) != 0 {
                throw InputError("cannot rename \(tmp.path) to \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }

    public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

    /// `data` into a new file at `tmp` with POSIX calls, so a failure reports errno (ENOSPC, EACCES).
    private static func writeAll(_ data: Data, to tmp: String, naming path: String) throws {
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                guard n > 0 else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
                offset += n
            }
        }
        guard fsync(fd) == 0 || errno == EINVAL else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    /// Appends one complete line with a single `write(2)` on an `O_APPEND` descriptor, so
    /// concurrent or interrupted appends never interleave inside a line (a torn last line from
    /// a crash is detected by readers, since it lacks its newline).
    public static func appendLine(_ line: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try makeFolder(url.deletingLastPathComponent().path)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { throw InputError("cannot open \(path) for appending: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array((line.hasSuffix("\n") ? line : line + "\n").utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw InputError("cannot append to \(path): \(written < 0 ? String(cString: strerror(errno)) : "short write")") }
        fsync(fd)
    }
}
