#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The per-sample softmax kernels every model and Hessian form shares, on one column of `K`
/// logits. Internal: callers pass buffers, the public API stays pointer-free.
enum Softmax {
    /// Writes `p = softmax(z)` and returns `logsumexp(z)`, subtracting the maximum first so
    /// `τ = 1e4` cannot overflow. `p` may alias `z`.
    @inline(__always)
    static func probabilities(_ z: UnsafePointer<Double>, into p: UnsafeMutablePointer<Double>, count k: Int) -> Double {
        var mx = -Double.infinity
        for i in 0 ..< k { mx = max(mx, z[i]) }
        var s = 0.0
        for i in 0 ..< k { let e = exp(z[i] - mx); p[i] = e; s += e }
        for i in 0 ..< k { p[i] /= s }
        return mx + log(s)
    }

    /// `out = c (diag p − p pᵀ) v`, the softmax Jacobian `S = diag p − p pᵀ` applied to `v`.
    /// `out` may alias `v`.
    @inline(__always)
    static func jacobianProduct(_ p: UnsafePointer<Double>, _ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>,
                                count k: Int, scale c: Double = 1) {
        var pv = 0.0
        for i in 0 ..< k { pv += p[i] * v[i] }
        for i in 0 ..< k { out[i] = c * p[i] * (v[i] - pv) }
    }
}
