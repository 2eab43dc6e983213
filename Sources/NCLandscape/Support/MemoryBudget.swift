import Foundation

/// How much memory a run may use, and estimates checked against it before anything large is
/// allocated: a problem too big for the machine is a one-line error naming the size and the
/// budget, never an allocation that grows until the process is killed.
public enum MemoryBudget {
    /// Physical memory of this machine in bytes.
    public static var physicalBytes: Double {
        Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The default budget: 80% of physical memory (the rest for the system and other processes).
    public static var defaultBytes: Double { 0.8 * physicalBytes }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var _current: Double? = nil

    /// The budget in force (`--memory-budget`, else the default).
    public static var current: Double {
        lock.lock(); defer { lock.unlock() }
        return _current ?? defaultBytes
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
            throw InputError("\(what) needs \(readable(bytes)), over the \(readable(budget)) memory budget; \(hint)")
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

    /// Structured inertia by the Kronecker assembly with `shifts` counts in one pass: the blocks
    /// (`3 K N q`), per shift `T` (`(Kd)²`) and the packed `Φ` sum, one tangent Schur complement
    /// being factored, one chunk's buffers.
    public static func kroneckerInertia(K: Int, d: Int, N: Int, shifts: Int, chunk: Int = 512) -> Double {
        8 * 3 * Double(K) * Double(N) * Double(d - 1) + KroneckerSchur.memory(K: K, d: d, shifts: shifts, chunk: min(chunk, N))
    }
}
