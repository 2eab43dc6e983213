import CLinearAlgebra
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What OpenBLAS is doing in this process: which compute kernel it selected and how many
/// threads it uses. Reports record both, because timings (and the last ~1e-14 of results)
/// depend on them.
public enum BLASRuntime {
    /// The kernel OpenBLAS selected at load time (`openblas_get_corename`).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// Sets the OpenBLAS thread count at run time (takes effect for the next call).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// Runs `body` with OpenBLAS on one thread when `parallel` (independent work items already
    /// use every core: BLAS threads on top would oversubscribe), restoring the count afterwards.
    public static func singleThreaded<R>(while parallel: Bool, _ body: () throws -> R) rethrows -> R {
        guard parallel else { return try body() }
        let saved = threads
        setThreads(1)
        defer { setThreads(saved) }
        return try body()
    }

    /// The user's explicit choice, if any (`OPENBLAS_CORETYPE` is read when the library loads).
    public static var userCoreType: String? {
        guard let v = getenv("OPENBLAS_CORETYPE") else { return nil }
        let s = String(cString: v)
        return s.isEmpty ? nil : s
    }

    /// One-line description for reports.
    public static var summary: String {
        "OpenBLAS kernel \(coreName), \(threads) thread(s)"
            + (userCoreType.map { " (OPENBLAS_CORETYPE=\($0))" } ?? "")
    }

    /// CPU feature flags from `/proc/cpuinfo` (empty where that file does not exist).
    public static func cpuFlags(cpuinfo: String? = nil) -> Set<String> {
        let text = cpuinfo ?? (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    /// The kernel to request when OpenBLAS fell back to its generic kernel on a CPU it does not
    /// recognize, or nil to keep OpenBLAS's own choice.
    ///
    /// OpenBLAS 0.3.21 falls back to `Prescott` on AVX-512 CPUs newer than it knows, running
    /// `dgemm` 3–5× slower. Forcing a kernel the CPU cannot execute kills the process with
    /// SIGILL (measured: `SkylakeX` on an AVX2-only EPYC), so a kernel is only requested when
    /// every instruction-set extension it uses is present.
    public static func recommendedCoreType(selected: String, flags: Set<String>) -> String? {
        let generic: Set<String> = ["Prescott", "Core2", "Nehalem", "Penryn", "Dunnington", "Atom",
                                    "Barcelona", "Opteron", "Opteron(SSE3)", "Katmai", "Coppermine",
                                    "Northwood", "Banias", "Unknown", "generic"]
        guard generic.contains(selected) else { return nil }
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) {
            return "SkylakeX"
        }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        if flags.contains("avx") { return "Sandybridge" }
        return nil
    }

    /// Instruction-set extensions an OpenBLAS kernel executes, by `OPENBLAS_CORETYPE` name
    /// (case-insensitive); kernels not listed are not checked.
    static let requiredExtensions: [String: [String]] = [
        "skylakex": ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"],
        "cooperlake": ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd", "avx512_bf16"],
        "sapphirerapids": ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd", "avx512_bf16"],
        "haswell": ["avx2", "fma"], "zen": ["avx2", "fma"],
        "sandybridge": ["avx"],
    ]

    /// The extensions `coreType` needs that `flags` lacks (empty: runnable, unknown kernel, or
    /// no flags known on this system). A kernel the CPU cannot execute kills the process with
    /// SIGILL at the first BLAS call.
    public static func missingExtensions(coreType: String, flags: Set<String>) -> [String] {
        guard !flags.isEmpty, let needed = requiredExtensions[coreType.lowercased()] else { return [] }
        return needed.filter { !flags.contains($0) }
    }

    /// The recommendation for this process and machine (nil: keep what OpenBLAS chose, or the
    /// user already chose through `OPENBLAS_CORETYPE`).
    public static func recommendedCoreTypeHere() -> String? {
        if userCoreType != nil { return nil }
        return recommendedCoreType(selected: coreName, flags: cpuFlags())
    }
}
