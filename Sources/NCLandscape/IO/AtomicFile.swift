import Foundation

/// Writes files so a reader (or a crash) never sees half of one: the bytes go to a temporary
/// file in the same directory, which is then renamed over the target (atomic on POSIX).
///
/// Output paths behave as for `cat > path`: a symbolic link is followed and its target written
/// (replaced atomically when it is a regular file), and a path that is not a regular file — a
/// character device such as `/dev/null`, a FIFO, a socket — is opened and written in place. A
/// rename over such a node would replace it with a regular file (run as root, `-o /dev/null`
/// replaced the system's device node for every process on the machine).
public enum AtomicFile {
    /// Creates `path` and its parents (like `mkdir -p`); a failure names the folder and the
    /// POSIX reason in one line (not Foundation's multi-line NSError).
    public static func makeFolder(_ path: String) throws {
        guard !path.isEmpty else { throw InputError("the output folder name is empty") }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw InputError("cannot create the folder \(path): a file of that name exists") }
            return
        }
        // `fileExists` follows links: a link whose target is missing must be named as such (mkdir
        // would fail with a bare "File exists").
        if let target = danglingLinkTarget(path) {
            throw InputError("cannot use \(path) as a folder: it is a symbolic link to \(target), which does not exist")
        }
        let parent = PathText.parent(path)
        if !parent.isEmpty && parent != path { try makeFolder(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw InputError("cannot create the folder \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The target text of `path` when it is a symbolic link whose final target does not exist.
    static func danglingLinkTarget(_ path: String) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK, stat(path, &st) != 0, errno == ENOENT else { return nil }
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "a missing file"
    }

    /// The file a write to `path` lands on: `path` itself, or the end of its chain of symbolic
    /// links (relative targets are taken relative to the link's folder). The result may not exist.
    public static func resolvedOutput(_ path: String) throws -> String {
        guard !path.isEmpty else { throw InputError("the output path is empty; name a file") }
        // An existing target: the kernel resolves the links (including /proc's magic links,
        // whose text such as "pipe:[123]" names no path).
        if let real = realpath(path, nil) { defer { free(real) }; return String(cString: real) }
        var current = path
        for _ in 0 ..< 40 {   // Linux's MAXSYMLINKS
            var st = stat()
            guard lstat(current, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { return current }
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else {
                throw InputError("cannot read the symbolic link \(current)")
            }
            current = target.hasPrefix("/") ? target : (PathText.parent(current) as NSString).appendingPathComponent(target)
            // A dangling link is written through (`cat > link` creates the target) when the
            // target's folder exists; otherwise say so rather than fail on a lock or temp file.
            var next = stat()
            if lstat(current, &next) != 0 {
                let dir = PathText.parent(current)
                var isDir: ObjCBool = false
                guard dir.isEmpty || (FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue) else {
                    throw InputError("cannot write \(path): it is a symbolic link to \(current), whose folder does not exist")
                }
                return current
            }
        }
        throw InputError("cannot write \(path): too many levels of symbolic links")
    }

    /// The identity of an output for locking: the real path of its resolved target (links and
    /// `..` removed), so two spellings of one file share one lock.
    public static func canonicalOutput(_ path: String) throws -> String {
        let target = try resolvedOutput(path)
        // The file does not exist yet: canonicalize its folder.
        let dir = PathText.parent(target), name = (target as NSString).lastPathComponent
        if let real = realpath(dir.isEmpty ? "." : dir, nil) { defer { free(real) }; return String(cString: real) + "/" + name }
        return target
    }

    public static func write(_ data: Data, to path: String) throws {
        guard !path.isEmpty else { throw InputError("the output path is empty; name a file") }
        var st = stat()
        if stat(path, &st) == 0 {
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                // A descriptor's name (/dev/stdout, /dev/fd/N, /proc/…/fd/N) is written through
                // the descriptor, as `cat > /dev/stdout` does: replacing the file behind it by
                // name would leave the descriptor's holder (a shell's `>>` redirection) on the
                // old file.
                if namesDescriptor(path) { try writeInPlace(data, to: path, naming: path, truncate: true); return }
            case S_IFDIR: throw InputError("cannot write \(path): it is a folder")
            default:
                // A device, FIFO or socket: write into it as `cat > path` would (the kernel
                // follows the links).
                try writeInPlace(data, to: path, naming: path, truncate: false)
                return
            }
        }
        let target = try resolvedOutput(path)
        let url = URL(fileURLWithPath: target)
        let dir = url.deletingLastPathComponent()
        try makeFolder(dir.path)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        do {
            // A replaced file keeps its permission bits, as it would with `cat > path`.
            let mode = (st.st_mode & S_IFMT) == S_IFREG ? mode_t(st.st_mode & 0o7777) : 0o644
            try writeAll(data, to: tmp.path, naming: path, mode: mode)
            if rename(tmp.path, url.path) != 0 {
                throw InputError("cannot rename \(tmp.path) to \(target): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }

    public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

    /// Whether `path` or a link on its way is a file descriptor's name under /proc or /dev/fd.
    static func namesDescriptor(_ path: String) -> Bool {
        var current = path
        for _ in 0 ..< 40 {
            if current.hasPrefix("/proc/") || current.hasPrefix("/dev/fd/") { return true }
            var st = stat()
            guard lstat(current, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK,
                  let target = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { return false }
            current = target.hasPrefix("/") ? target : (PathText.parent(current) as NSString).appendingPathComponent(target)
        }
        return false
    }

    /// A non-regular file (device, FIFO) or a descriptor's name: opened without creating or
    /// renaming, written whole.
    private static func writeInPlace(_ data: Data, to target: String, naming path: String, truncate: Bool) throws {
        let fd = open(target, O_WRONLY | O_CLOEXEC | (truncate ? O_TRUNC : 0))
        guard fd >= 0 else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try writeBytes(data, fd: fd, naming: path)
    }

    /// `data` into a new file at `tmp` with POSIX calls, so a failure reports errno (ENOSPC, EACCES).
    private static func writeAll(_ data: Data, to tmp: String, naming path: String, mode: mode_t) throws {
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        fchmod(fd, mode)   // open's mode is filtered by the umask; the old file's bits are kept exactly
        try writeBytes(data, fd: fd, naming: path)
        guard fsync(fd) == 0 || errno == EINVAL else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    private static func writeBytes(_ data: Data, fd: Int32, naming path: String) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                // write(2) returning 0 for a non-empty buffer means no space (it sets no errno).
                guard n > 0 else { throw InputError("cannot write \(path): \(String(cString: strerror(n == 0 ? ENOSPC : errno)))") }
                offset += n
            }
        }
    }

    /// Appends one complete line with a single `write(2)` on an `O_APPEND` descriptor, so
    /// concurrent or interrupted appends never interleave inside a line (a torn last line from
    /// a crash is detected by readers, since it lacks its newline).
    public static func appendLine(_ line: String, to path: String) throws {
        let target = try resolvedOutput(path)
        try makeFolder(URL(fileURLWithPath: target).deletingLastPathComponent().path)
        // Opened by the name given: the kernel follows the links (and creates a dangling
        // link's target, as `>>` does).
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw InputError("cannot open \(path) for appending: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array((line.hasSuffix("\n") ? line : line + "\n").utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            // A short write on a regular file means the disk filled up mid-line; name ENOSPC (the
            // torn line is dropped by the next resume).
            let reason = written < 0 ? String(cString: strerror(errno)) : "short write (\(written) of \(bytes.count) bytes): \(String(cString: strerror(ENOSPC)))"
            throw InputError("cannot append to \(path): \(reason)")
        }
        guard fsync(fd) == 0 || errno == EINVAL else { throw InputError("cannot append to \(path): \(String(cString: strerror(errno)))") }
    }
}
