import Foundation

/// One writer per output: an advisory `flock` on a lock file next to (or inside) the output,
/// held for the life of this object. A second process on the same output gets a clear error
/// instead of interleaving its lines with the first's.
public final class RunLock {
    private let fd: Int32
    public let path: String

    /// Locks `path` (created if missing), or throws naming `output`.
    public init(path: String, output: String) throws {
        let dir = PathText.parent(path)
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw InputError("cannot create the lock file \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            close(fd)
            throw InputError(busy ? "another nclandscape process is writing to \(output) (it holds \(path)); wait for it to finish or use another output"
                                  : "cannot lock \(path): \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        self.path = path
    }

    private init(fd: Int32, path: String) { self.fd = fd; self.path = path }

    /// The lock of a run folder (`DIR/.nclandscape.lock`).
    public static func folder(_ dir: String) throws -> RunLock { try RunLock(path: dir + "/.nclandscape.lock", output: dir) }

    /// The lock of an output file (`FILE.lock`), keyed on the file's real path: two spellings of
    /// one file (a symbolic link and its target, `a/../b`) must share one lock, or two writers
    /// append to one file (measured: 48 lines, 24 duplicates). A file that is read back to resume
    /// cannot be a device or FIFO.
    public static func file(_ path: String) throws -> RunLock {
        let real = try AtomicFile.canonicalOutput(path)
        var st = stat()
        if stat(real, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG {
            throw InputError("\(path) is not a regular file; this output is read back to resume, so it must be a file")
        }
        return try RunLock(path: real + ".lock", output: path)
    }

    /// A shared lock on the output file `path` for reading it whole, or an error when a writer
    /// holds it (a sweep still running: its file is incomplete). Nil when no lock file exists
    /// (no writer ever ran there, or the file was copied); no lock file is created.
    public static func reading(_ path: String) throws -> RunLock? {
        let lockPath = try AtomicFile.canonicalOutput(path) + ".lock"
        let fd = open(lockPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            close(fd)
            throw InputError(busy ? "\(path) is still being written by another nclandscape process (it holds \(lockPath)); wait for it to finish"
                                  : "cannot lock \(lockPath): \(String(cString: strerror(errno)))")
        }
        return RunLock(fd: fd, path: lockPath)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
