import Foundation

/// How much memory a run may use, and estimates checked against it before anything large is
/// allocated: a problem too big for the machine is a one-line error naming the size and the
/// budget, never an allocation that grows until the process is killed.
public enum MemoryBudget {
    /// Physical memory of this machine in bytes.
    public static var physicalBytes: Double {
        Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The limits this process runs under, each named: physical memory, the address-space
    /// headroom left under `RLIMIT_AS` (`ulimit -v`: what is already mapped — libraries,
    /// OpenBLAS buffers — counts against it), `RLIMIT_DATA`, and the cgroup's memory limit (v2
    /// `memory.max`, v1 `memory.limit_in_bytes`, the smallest along the cgroup's ancestors), as
    /// batch schedulers and containers set. An allocation past any of them kills the process with
    /// "failed to allocate", so the budget must come from the smallest, not from physical memory.
    public static var limits: [(name: String, bytes: Double)] {
        var rl = rlimit()
        var addressSpace: Double? = nil, data: Double? = nil
        if getrlimit(Int32(RLIMIT_AS.rawValue), &rl) == 0, rl.rlim_cur != rlim_t.max {
            addressSpace = max(0, Double(rl.rlim_cur) - mappedBytes)
        }
        if getrlimit(Int32(RLIMIT_DATA.rawValue), &rl) == 0, rl.rlim_cur != rlim_t.max { data = Double(rl.rlim_cur) }
        return limits(physical: physicalBytes, addressSpaceHeadroom: addressSpace, data: data, cgroup: cgroupLimit())
    }

    /// The named limits from their values (nil: not set); separate from reading them so tests
    /// can check which one wins.
    static func limits(physical: Double, addressSpaceHeadroom: Double?, data: Double?,
                       cgroup: (name: String, bytes: Double)?) -> [(name: String, bytes: Double)] {
        var out: [(name: String, bytes: Double)] = [("physical memory", physical)]
        if let addressSpaceHeadroom { out.append(("RLIMIT_AS (ulimit -v)", addressSpaceHeadroom)) }
        if let data { out.append(("RLIMIT_DATA (ulimit -d)", data)) }
        if let cgroup { out.append(cgroup) }
        return out
    }

    /// The default budget: 80% of the smallest limit (the rest for the runtime, the libraries and
    /// what the estimates leave out).
    public static var defaultBytes: Double { defaultBudget(limits).bytes }

    /// The limit the default budget comes from, for messages.
    public static var defaultSource: String { defaultBudget(limits).source }

    /// 80% of the smallest of `limits`, and that limit's name.
    static func defaultBudget(_ limits: [(name: String, bytes: Double)]) -> (bytes: Double, source: String) {
        guard let smallest = limits.min(by: { $0.bytes < $1.bytes }) else { return (0.8 * physicalBytes, "physical memory") }
        return (0.8 * smallest.bytes, smallest.name)
    }

    /// Virtual memory already mapped by this process (`/proc/self/statm`, first field).
    static var mappedBytes: Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").first.flatMap({ Double($0) }) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The smallest memory limit of this process's cgroup and its ancestors, or nil when none is
    /// set (or cgroups are not visible). `membership` is the text of `/proc/self/cgroup` and
    /// `root` the cgroup file system's mount point; both are parameters so that tests can hand
    /// in a fake hierarchy. v2 (`0::/path`) reads `memory.max` under `root` (and under
    /// `root/unified`, the hybrid layout); v1 (`N:memory:/path`) reads `memory.limit_in_bytes`
    /// under `root/memory`. `max` (v2) and v1's page-rounded 2⁶³ mean no limit.
    static func cgroupLimit(membership: String? = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
                            root: String = "/sys/fs/cgroup") -> (name: String, bytes: Double)? {
        guard let text = membership else { return nil }
        var best: (name: String, bytes: Double)? = nil
        func consider(_ file: String, _ name: String) {
            guard let raw = try? String(contentsOfFile: file, encoding: .utf8) else { return }
            let t = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            // "max" (v2) or a page-rounded 2^63 (v1) mean no limit.
            guard let v = Double(t), v >= 0, v < 0x1p62 else { return }
            if best == nil || v < best!.bytes { best = (name, v) }
        }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let (controllers, path) = (parts[1], String(parts[2]))
            let roots: [(String, String, String)]
            if controllers.isEmpty {
                roots = [(root, "memory.max", "cgroup memory.max"), (root + "/unified", "memory.max", "cgroup memory.max")]
            } else if controllers.split(separator: ",").contains("memory") {
                roots = [(root + "/memory", "memory.limit_in_bytes", "cgroup memory.limit_in_bytes")]
            } else { continue }
            for (root, file, name) in roots {
                // The cgroup's folder and each ancestor's (a limit anywhere above applies too); in
                // a container the path may be hidden and the mount's root is the cgroup itself.
                var p = path
                while true {
                    consider(root + (p == "/" ? "" : p) + "/" + file, name)
                    if p == "/" || p.isEmpty { break }
                    p = PathText.parent(p)
                }
            }
        }
        return best
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var _current: Double? = nil

    /// The default, read once (limits do not change during a run; reading /proc at every check
    /// would cost more than the check).
    private static let startupDefault: (bytes: Double, source: String) = defaultBudget(limits)

    /// The budget in force (`--memory-budget`, else the default).
    public static var current: Double {
        lock.lock(); defer { lock.unlock() }
        return _current ?? startupDefault.bytes
    }

    /// Where the budget in force comes from, for messages.
    static var currentSource: String {
        lock.lock(); defer { lock.unlock() }
        return _current == nil ? "80% of \(startupDefault.source)" : "--memory-budget"
    }

    /// Sets the budget from a `--memory-budget` value in GiB; NaN, infinite or ≤ 0 is refused.
    public static func set(gibibytes g: Double) throws {
        guard g.isFinite, g > 0 else { throw InputError("--memory-budget must be a positive finite number of GiB (got \(g))") }
        lock.lock(); defer { lock.unlock() }
        _current = g * 1_073_741_824
    }

    /// `12.3 GiB`, `456 MiB`, `789 KiB`.
    public static func readable(_ bytes: Double) -> String {
        if !bytes.isFinite { return "an unbounded amount" }
        if bytes >= 1024 * 1024 * 1024 * 1024 { return String(format: "%.1f TiB", bytes / 1_099_511_627_776) }
        if bytes >= 1024 * 1024 * 1024 { return String(format: "%.1f GiB", bytes / 1_073_741_824) }
        if bytes >= 1024 * 1024 { return String(format: "%.0f MiB", bytes / 1_048_576) }
        return String(format: "%.0f KiB", bytes / 1024)
    }

    /// Throws when `bytes` exceeds the budget; `what` names the thing and `hint` what to do.
    public static func check(_ bytes: Double, for what: String, hint: String = "raise --memory-budget or use a smaller problem") throws {
        let budget = current
        guard bytes <= budget else {
            throw InputError("\(what) needs \(readable(bytes)), over the \(readable(budget)) memory budget (\(currentSource)); \(hint)")
        }
    }
}

/// Byte estimates of the toolkit's large structures (8-byte doubles; small terms ignored).
public enum MemoryEstimate {
    /// The model and one evaluated point: labels, the point and its gradients (`3 d(K+N)`), and
    /// the first-order pass (logits, loss state, `G`, `G c`, magnitudes: `5 K N`).
    public static func point(K: Int, d: Int, N: Int) -> Double {
        8 * (Double(N) + 3 * Double(d) * Double(K + N) + 5 * Double(K) * Double(N))
    }

    /// A dense analysis: the `m × m` Hessian, a working copy and the quotient Hessian.
    public static func dense(m: Int) -> Double { 3 * 8 * Double(m) * Double(m) }

    /// Lanczos: the basis (`ncv` ambient vectors), ARPACK's work, the operator's workspaces.
    public static func lanczos(K: Int, d: Int, N: Int, ncv: Int = 30) -> Double {
        let n = Double(d) * Double(K + N)
        return 8 * (Double(ncv + 4) * n + 2 * Double(d) * Double(K + N) + 3 * Double(K) * Double(N))
    }

    /// Structured inertia: the blocks `HᵀU_W`, `WᵀU_H`, `ΛV` (`3 K N q`), the Schur complements at
    /// four shifts (`4 (Kq)²`) and one chunk of mixed blocks.
    public static func structuredInertia(K: Int, d: Int, N: Int, chunk: Int = 256) -> Double {
        let q = Double(d - 1), kq = Double(K) * q
        return 8 * (3 * Double(K) * Double(N) * q + 4 * kq * kq + 2 * kq * Double(min(chunk, N)) * q)
    }
}
