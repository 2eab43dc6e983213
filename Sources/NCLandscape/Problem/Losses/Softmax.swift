#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Softmax kernels on one column of `K` logits that never subtract two O(1) numbers whose
/// difference is the answer (docs/formulas.md §9). At the neural-collapse point with τ = 32,
/// `1 − p_y ≈ 3·10⁻¹⁹`, far below the spacing of doubles near 1: any form that computes it as
/// `1 − p_y`, or `p_y(1 − p_y)` as `p_y − p_y²`, or `lse(z) − z_y` as a difference, loses every
/// digit, and the Hessian at the global minimizer turns into rounding noise.
/// Internal: callers pass buffers, the public API stays pointer-free.
enum Softmax {
    /// What one softmax evaluation leaves behind.
    struct Column {
        /// `log Σ_k exp(z_k − z_max) = log1p(Σ_{k≠r} exp(z_k − z_max))` (≥ 0).
        var logNormalizer: Double
        /// `r = argmax z`.
        var top: Int
        /// `Σ_{k≠r} p_k = 1 − p_r`, computed as a sum (never as `1 − p_r`).
        var complementOfTop: Double
        /// `z_max − (second largest z)`: how saturated the column is (∞ for K = 1).
        var gap: Double
    }

    /// Writes `p = softmax(z)` and returns the pieces the loss needs. `p` may alias `z`.
    /// Every `p_k` is accurate to a few ulps relative to itself, including the tiny ones.
    @inline(__always)
    static func probabilities(_ z: UnsafePointer<Double>, into p: UnsafeMutablePointer<Double>, count k: Int) -> Column {
        var mx = -Double.infinity, r = 0, second = -Double.infinity
        for i in 0 ..< k {
            let v = z[i]
            if v > mx { second = mx; mx = v; r = i } else if v > second { second = v }
        }
        var rest = 0.0
        for i in 0 ..< k where i != r { let e = exp(z[i] - mx); p[i] = e; rest += e }
        p[r] = 1
        let inv = 1 / (1 + rest)
        for i in 0 ..< k { p[i] *= inv }
        return Column(logNormalizer: log1p(rest), top: r, complementOfTop: rest * inv, gap: mx - second)
    }

    /// `r = argmax p` (the pivot of `jacobianProduct`).
    @inline(__always)
    static func top(_ p: UnsafePointer<Double>, count k: Int) -> Int {
        var r = 0
        for i in 1 ..< k where p[i] > p[r] { r = i }
        return r
    }

    /// `out = c (diag p − p pᵀ) v` without cancellation: pivoting on `r = argmax p`,
    /// `pᵀv = v_r + a` with `a = Σ_{k≠r} p_k (v_k − v_r)`, so `(v_i − pᵀv) = (v_i − v_r) − a`,
    /// which is exact to relative precision even when `p_r = 1 − 10⁻¹⁹` (where `v_r − pᵀv`
    /// formed directly is pure rounding). `out` may alias `v`.
    @inline(__always)
    static func jacobianProduct(_ p: UnsafePointer<Double>, _ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
                                count k: Int, scale c: Double = 1) {
        let r = top(p, count: k)
        let vr = v[r]
        var a = 0.0
        for i in 0 ..< k where i != r { a += p[i] * (v[i] - vr) }
        for i in 0 ..< k { out[i] = c * p[i] * ((v[i] - vr) - a) }
    }

    /// `out_a = 1 − p_a` for every `a`: the top entry as the sum of the others (the only one
    /// that can be close to 1), the rest directly (they are ≤ 1/2, so `1 − p_a ≥ 1/2`).
    @inline(__always)
    static func complements(_ p: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count k: Int) {
        let r = top(p, count: k)
        var s = 0.0
        for i in 0 ..< k where i != r { s += p[i]; out[i] = 1 - p[i] }
        out[r] = s
    }
}
