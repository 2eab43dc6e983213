/// MINRES (Paige & Saunders 1975) for a symmetric, possibly indefinite or singular operator:
/// the iterate `x_k` minimizes `‖b − A x‖` over the Krylov space `K_k(A, b)`. Started from 0 it
/// stays in the range of `A`, so on a singular but consistent system it tends to the
/// minimum-norm solution, the pseudo-inverse step Newton needs on the symmetry orbit's kernel.
///
/// Matrix-free: `apply` writes `A v` into a buffer reused across products. The recurrence
/// follows SciPy's `minres` (unpreconditioned). It stops at `‖r‖ ≤ tol ‖b‖` (the relative
/// residual inexact Newton needs; SciPy's `tol (‖A‖‖x‖ + ‖b‖)` is far laxer once `‖x‖` grows),
/// or at `‖A r‖ ≤ lsTol ‖A‖ ‖r‖` (a least-squares solution of a singular system that is not
/// consistent; `‖A‖` is the Lanczos estimate).
public enum MINRES {
    public struct Result: Sendable {
        public let solution: [Double]
        /// `‖b − A x‖` from the recurrence.
        public let residualNorm: Double
        public let iterations: Int
        public let stopReason: Stop
    }

    /// Which test stopped it.
    public enum Stop: String, Sendable {
        /// `‖r‖ ≤ tol ‖b‖`.
        case residual
        /// `‖A r‖ ≤ lsTol ‖A‖ ‖r‖`: a least-squares solution of an inconsistent singular system.
        case leastSquares = "least_squares"
        case maxIterations = "max_iterations"
        /// `b = 0`, or the Krylov space became invariant.
        case exact
    }

    public static func solve(_ b: [Double], tolerance: Double, leastSquaresTolerance: Double = 1e-12, maxIterations: Int,
                             apply: ([Double], inout [Double]) -> Void) -> Result {
        let n = b.count
        var x = [Double](repeating: 0, count: n)
        let beta1 = Vector.norm(b)
        if beta1 == 0 { return Result(solution: x, residualNorm: 0, iterations: 0, stopReason: .exact) }
        var r1 = b, r2 = b
        var y = b
        var v = [Double](repeating: 0, count: n)
        var w = [Double](repeating: 0, count: n), w1 = w, w2 = w
        var oldb = 0.0, beta = beta1, dbar = 0.0, epsln = 0.0, phibar = beta1
        var tnorm2 = 0.0, cs = -1.0, sn = 0.0
        var iterations = 0
        var reason = Stop.maxIterations
        while iterations < maxIterations {
            iterations += 1
            let s = 1 / beta
            for i in 0 ..< n { v[i] = s * y[i] }
            apply(v, &y)
            if iterations >= 2 { Vector.axpy(-beta / oldb, r1, &y) }
            let alpha = Vector.dot(v, y)
            Vector.axpy(-alpha / beta, r2, &y)
            swap(&r1, &r2)
            for i in 0 ..< n { r2[i] = y[i] }
            oldb = beta
            beta = Vector.norm(r2)
            tnorm2 += alpha * alpha + oldb * oldb + beta * beta
            // Apply the previous rotation, then compute the one that annihilates β_{k+1}.
            let oldeps = epsln
            let delta = cs * dbar + sn * alpha
            let gbar = sn * dbar - cs * alpha
            epsln = sn * beta
            dbar = -cs * beta
            let root = (gbar * gbar + dbar * dbar).squareRoot()
            let gamma = max((gbar * gbar + beta * beta).squareRoot(), Double.ulpOfOne)
            cs = gbar / gamma
            sn = beta / gamma
            let phi = cs * phibar
            phibar *= sn
            swap(&w1, &w2)   // w1 ← old w2
            swap(&w2, &w)    // w2 ← old w; w now holds the oldest, overwritten below
            let inv = 1 / gamma
            for i in 0 ..< n { w[i] = (v[i] - oldeps * w1[i] - delta * w2[i]) * inv }
            Vector.axpy(phi, w, &x)
            let aNorm = tnorm2.squareRoot()
            if beta == 0 { reason = .exact; break }
            if phibar <= tolerance * beta1 { reason = .residual; break }
            if root <= leastSquaresTolerance * aNorm { reason = .leastSquares; break }
        }
        return Result(solution: x, residualNorm: phibar, iterations: iterations, stopReason: reason)
    }
}
