import Foundation

/// One writer per output: an advisory `flock` on a lock file next to (or inside) the output,
/// held for the life of this object. A second process on the same output gets a clear error
/// instead of interleaving its lines with the first's.
public final class RunLock {
    private let fd: Int32
    public let path: String

    /// Locks `path` (created if missing), or throws naming `output`.
    public init(path: String, output: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
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

    /// The lock of a run folder (`DIR/.nclandscape.lock`).
    public static func folder(_ dir: String) throws -> RunLock { try RunLock(path: dir + "/.nclandscape.lock", output: dir) }

    /// The lock of an output file (`FILE.lock`).
    public static func file(_ path: String) throws -> RunLock { try RunLock(path: path + ".lock", output: path) }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
