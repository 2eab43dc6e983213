/// The plain Lanczos recurrence on a symmetric operator, returning the tridiagonal matrix:
/// the quadrature of stochastic Lanczos quadrature and a cheap extreme-eigenvalue estimate.
/// (Eigenpairs with certified residuals come from ARPACK, `Lanczos`; this recurrence keeps no
/// restarts, and its tridiagonal matrix is diagonalized by LAPACK `dstev`.)
public enum LanczosTridiagonal {
    public struct Result: Sendable {
        /// Diagonal `α₁ … α_k` of `T_k`.
        public var alpha: [Double]
        /// Off-diagonal `β₁ … β_{k−1}`.
        public var beta: [Double]
        /// `β_k = ‖r_k‖`, the norm of the last residual: Ritz pair `i` of `T_k` has residual
        /// `β_k |s_{k,i}|` as an eigenpair of the operator (exact arithmetic).
        public var lastBeta: Double
        public var products: Int
    }

    /// `k` steps from `start` (its norm divided out), with full reorthogonalization (classical
    /// Gram–Schmidt twice through BLAS against the stored basis, `k + 1` vectors of `start.count`)
    /// when `reorthogonalize`, else the three-term recurrence alone. Stops early at an invariant
    /// subspace (`β` at rounding level of the operator's scale).
    public static func run(start: [Double], steps k: Int, reorthogonalize full: Bool,
                           apply: ([Double], inout [Double]) -> Void) throws -> Result {
        let n = start.count
        let s0 = Vector.norm(start)
        guard s0 > 0, s0.isFinite else { throw InputError("the Lanczos start vector is zero or not finite") }
        var basis = Matrix(rows: full ? n : 1, cols: full ? k + 1 : 1)
        var q = start.map { $0 / s0 }, qPrev = [Double](repeating: 0, count: n)
        var w = [Double](repeating: 0, count: n)
        var alpha: [Double] = [], beta: [Double] = []
        var scale = 0.0, last = 0.0
        if full { basis.setColumn(0, q) }
        for j in 0 ..< k {
            apply(q, &w)
            let a = Vector.dot(q, w)
            alpha.append(a)
            let b = beta.last ?? 0
            for i in 0 ..< n { w[i] -= a * q[i] + b * qPrev[i] }
            if full {
                let cols = ColumnSlice(basis, 0 ..< j + 1)
                for _ in 0 ..< 2 {
                    let c = BLAS.matVec(.t, cols, w)
                    BLAS.gemv(.n, cols, c, alpha: -1, beta: 1, into: &w)
                }
            }
            scale = max(scale, abs(a) + b)
            let nb = Vector.norm(w)
            last = nb
            if j == k - 1 || nb <= 1e-13 * max(scale, .leastNormalMagnitude) { break }
            beta.append(nb)
            qPrev = q
            for i in 0 ..< n { q[i] = w[i] / nb }
            if full { basis.setColumn(j + 1, q) }
        }
        return Result(alpha: alpha, beta: beta, lastBeta: last, products: alpha.count)
    }

    /// Ritz values of `T_k`, ascending, with their residual bounds `β_k |s_{k,i}|`.
    public static func ritz(_ r: Result) throws -> (values: [Double], residuals: [Double], firstComponents: [Double]) {
        let t = try LAPACK.tridiagonalEigen(diagonal: r.alpha, offDiagonal: r.beta)
        let s = t.vectors!
        let k = r.alpha.count
        return (t.values, (0 ..< k).map { abs(r.lastBeta * s[k - 1, $0]) }, (0 ..< k).map { s[0, $0] })
    }
}
