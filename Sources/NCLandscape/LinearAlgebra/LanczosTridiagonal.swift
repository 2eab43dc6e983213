import Foundation

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

    /// The three-term recurrence `β_{j+1} q_{j+1} = A q_j − α_j q_j − β_j q_{j−1}`, one step at a time.
    struct Recurrence {
        var q: [Double], qPrev: [Double], w: [Double]
        var alpha: [Double] = [], beta: [Double] = []
        var scale = 0.0, lastBeta = 0.0
        /// `β` fell to rounding level of the operator's scale: an invariant subspace.
        var exhausted = false

        init(start: [Double]) throws {
            let s0 = Vector.norm(start)
            guard s0 > 0, s0.isFinite else { throw InputError("the Lanczos start vector is zero or not finite") }
            q = start.map { $0 / s0 }
            qPrev = [Double](repeating: 0, count: start.count)
            w = qPrev
        }

        /// One product; `q` then holds the next basis vector unless `exhausted`. With a `basis`
        /// (columns `0…j` holding the earlier vectors), classical Gram–Schmidt twice through BLAS.
        mutating func step(apply: ([Double], inout [Double]) -> Void, basis: Matrix?) {
            apply(q, &w)
            let a = StreamingVector.dot(q, w)
            alpha.append(a)
            let b = beta.last ?? 0
            lastBeta = StreamingVector.lanczosUpdate(&w, alpha: a, q: q, beta: b, previous: qPrev)
            if let basis {
                let cols = ColumnSlice(basis, 0 ..< alpha.count)
                for _ in 0 ..< 2 {
                    let c = BLAS.matVec(.t, cols, w)
                    BLAS.gemv(.n, cols, c, alpha: -1, beta: 1, into: &w)
                }
                lastBeta = Vector.norm(w)
            }
            scale = max(scale, abs(a) + b)
            if lastBeta <= 1e-13 * max(scale, .leastNormalMagnitude) { exhausted = true; return }
            beta.append(lastBeta)
            swap(&qPrev, &q)
            StreamingVector.divide(w, by: lastBeta, into: &q)
        }

        var result: Result {
            Result(alpha: alpha, beta: Array(beta.prefix(max(alpha.count - 1, 0))), lastBeta: lastBeta, products: alpha.count)
        }
    }

    /// `k` steps from `start` (its norm divided out), with full reorthogonalization (classical
    /// Gram–Schmidt twice through BLAS against the stored basis, `k + 1` vectors of `start.count`)
    /// when `reorthogonalize`, else the three-term recurrence alone. Stops early at an invariant
    /// subspace (`β` at rounding level of the operator's scale).
    public static func run(start: [Double], steps k: Int, reorthogonalize full: Bool,
                           apply: ([Double], inout [Double]) -> Void) throws -> Result {
        var rec = try Recurrence(start: start)
        var basis: Matrix? = full ? Matrix(rows: start.count, cols: k + 1) : nil
        basis?.setColumn(0, rec.q)
        for j in 0 ..< k {
            rec.step(apply: apply, basis: basis)
            if rec.exhausted || j == k - 1 { break }
            basis?.setColumn(j + 1, rec.q)
        }
        return rec.result
    }

    /// The smallest eigenvalue of a symmetric operator by the unrestarted recurrence, without
    /// reorthogonalization: only three vectors are stored, and `k` steps give the best Rayleigh
    /// quotient over the whole Krylov space `K_k(A, q₁)` (an implicitly restarted method with a
    /// basis of `p` vectors searches a smaller space for the same products). Lost orthogonality
    /// only adds copies of converged Ritz values; it does not move the smallest one, and
    /// `β_k |s_{k,1}|` stays its residual up to O(ε‖A‖) (Paige). Every `checkEvery` steps the
    /// smallest pair of `T_k` is computed (`dstevr`, O(k)); the run stops when its residual is at
    /// most `target(θ)`, or after `maxSteps`. By default that is every step: O(k) against a
    /// product, where checking every tenth step could overshoot the target by up to 9 products.
    ///
    /// `coefficients` are the smallest eigenvector `s` of `T_k`, for `ritzVector`. The first
    /// `keepBasis` Lanczos vectors are kept (for the Ritz vector without a second pass); `basis`
    /// is nil when the run needed more. `progress` hears every check: steps, `θ`, its residual
    /// and the target it must reach.
    public static func smallest(start: [Double], maxSteps: Int, checkEvery: Int = 1, target: (_ theta: Double, _ steps: Int) -> Double,
                                keepBasis: Int = 0, apply: ([Double], inout [Double]) -> Void,
                                progress: ((_ steps: Int, _ theta: Double, _ residual: Double, _ target: Double) -> Void)? = nil) throws
        -> (value: Double, residual: Double, coefficients: [Double], basis: [[Double]]?, products: Int, converged: Bool) {
        var rec = try Recurrence(start: start)
        var basis: [[Double]]? = keepBasis > 0 ? [rec.q] : nil
        var value = Double.nan, residual = Double.infinity, s: [Double] = []
        var converged = false
        while rec.alpha.count < maxSteps {
            rec.step(apply: apply, basis: nil)
            let k = rec.alpha.count
            if basis != nil { if k < keepBasis && !rec.exhausted { basis!.append(rec.q) } else if k >= keepBasis { basis = nil } }
            guard rec.exhausted || k % checkEvery == 0 || k == maxSteps else { continue }
            let r = rec.result
            let pair = try LAPACK.tridiagonalEigen(diagonal: r.alpha, offDiagonal: r.beta, indices: 0 ..< 1)
            guard let v = pair.vectors, let theta = pair.values.first else { break }
            value = theta
            s = (0 ..< k).map { v[$0, 0] }
            residual = rec.exhausted ? 0 : abs(rec.lastBeta * s[k - 1])
            let goal = target(theta, k)
            progress?(k, theta, residual, goal)
            if residual <= goal || rec.exhausted { converged = true; break }
        }
        if let b = basis, b.count < s.count { basis = nil }
        return (value, residual, s, basis, rec.alpha.count, converged)
    }

    /// The Ritz vector `Σ_j s_j q_j` from kept Lanczos vectors (no products). Unit norm.
    public static func ritzVector(basis: [[Double]], coefficients s: [Double]) throws -> [Double] {
        guard let n = basis.first?.count, basis.count >= s.count else { throw InputError("the Lanczos basis is shorter than the Ritz coefficients") }
        var y = [Double](repeating: 0, count: n)
        for (j, c) in s.enumerated() { let q = basis[j]; for i in 0 ..< n { y[i] += c * q[i] } }
        return try unit(y)
    }

    /// The Ritz vector `Σ_j s_j q_j` of a run of `smallest` from the same `start`: the recurrence
    /// is repeated (the same products in the same order, `s.count − 1` of them), so no basis is
    /// stored. Unit norm.
    public static func ritzVector(start: [Double], coefficients s: [Double],
                                  apply: ([Double], inout [Double]) -> Void) throws -> (vector: [Double], products: Int) {
        var rec = try Recurrence(start: start)
        var y = [Double](repeating: 0, count: start.count)
        for j in s.indices {
            let c = s[j]
            for i in 0 ..< y.count { y[i] += c * rec.q[i] }
            if j + 1 < s.count { rec.step(apply: apply, basis: nil) }
        }
        return (try unit(y), max(s.count - 1, 0))
    }

    private static func unit(_ y: [Double]) throws -> [Double] {
        let norm = Vector.norm(y)
        guard norm > 0, norm.isFinite else { throw InputError("the Ritz vector vanished") }
        return y.map { $0 / norm }
    }

    /// Kuczyński–Woźniakowski (1992): for a start vector uniform on the unit sphere of an
    /// `n`-dimensional space, after `k ≥ 2` Lanczos steps the extreme Ritz value `θ` satisfies
    /// `P[(θ − λ_min) > ε (λ_max − λ_min)] ≤ 1.648 √n e^{−√ε (2k − 1)}`. This returns the `ε`
    /// at which that probability equals `failure`: with probability `≥ 1 − failure` over the start
    /// vector, no eigenvalue lies below `θ − ε (λ_max − λ_min)`. (Exact-arithmetic statement;
    /// finite-precision Lanczos behaves as exact Lanczos on a matrix with eigenvalues clustered
    /// within O(ε_mach‖A‖) of the true ones, Greenbaum 1989.)
    public static func randomStartRelativeErrorBound(dimension n: Int, steps k: Int, failure: Double) -> Double {
        guard k >= 2, n >= 1, failure > 0, failure < 1 else { return 1 }
        let root = log(1.648 * Double(n).squareRoot() / failure) / Double(2 * k - 1)
        return min(1, max(0, root) * max(0, root))
    }

    /// The gap `b` of that bound in absolute terms: `λ_min ≥ θ − b` with probability
    /// `≥ 1 − failure`, where `top` is an upper estimate of `λ_max` and the spread is taken as
    /// `top − λ_min ≤ top − θ + b`, so `b = ε (top − θ) / (1 − ε)`. Nil while `ε ≥ 1` (too few steps).
    public static func randomStartGap(theta: Double, top: Double, dimension n: Int, steps k: Int, failure: Double) -> Double? {
        let eps = randomStartRelativeErrorBound(dimension: n, steps: k, failure: failure)
        return eps < 1 ? eps * max(top - theta, 0) / (1 - eps) : nil
    }

    /// Ritz values of `T_k`, ascending, with their residual bounds `β_k |s_{k,i}|`.
    public static func ritz(_ r: Result) throws -> (values: [Double], residuals: [Double], firstComponents: [Double]) {
        let t = try LAPACK.tridiagonalEigen(diagonal: r.alpha, offDiagonal: r.beta)
        let s = t.vectors!
        let k = r.alpha.count
        return (t.values, (0 ..< k).map { abs(r.lastBeta * s[k - 1, $0]) }, (0 ..< k).map { s[0, $0] })
    }
}
