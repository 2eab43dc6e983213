import CLinearAlgebra
import Foundation

/// Matrix-free symmetric eigensolver: implicitly restarted Lanczos from ARPACK (`dsaupd`/
/// `dseupd` through its C interface), driven by a matrix-vector product closure.
///
/// ARPACK keeps internal state in globals and is not thread-safe (measured: concurrent
/// loops return wrong eigenvalues without crashing), so every call holds one process-wide lock.
public enum Lanczos {
    public enum Which: String, Sendable { case smallestAlgebraic = "SA", largestAlgebraic = "LA" }

    public struct Result: Sendable {
        /// Converged eigenvalues, ascending.
        public let values: [Double]
        /// Matching unit eigenvectors.
        public let vectors: [[Double]]
        /// `‖A v − λ v‖` for each returned pair, recomputed with one extra product each.
        public let residuals: [Double]
        public let matrixVectorProducts: Int
        public let restarts: Int
    }

    private static let lock = NSLock()

    /// `nev` extreme eigenpairs of the symmetric operator `apply` on `R^n`.
    /// - Parameters:
    ///   - ncv: Lanczos basis size (default `min(n, max(2 nev + 20, 60))`; larger cuts restarts).
    ///   - tolerance: ARPACK's relative accuracy (Ritz estimate `≤ tol · max(ε^{2/3}, |θ|)` on the
    ///     operator scaled to size ~1, see below).
    ///   - start: starting vector (a seeded random one keeps runs reproducible).
    public static func eigenpairs(dimension n: Int, count nev: Int, which: Which, ncv: Int? = nil, tolerance: Double = 1e-12,
                                  maxRestarts: Int = 3000, start: [Double], apply: ([Double]) -> [Double]) throws -> Result {
        try eigenpairs(dimension: n, count: nev, which: which, ncv: ncv, tolerance: tolerance, maxRestarts: maxRestarts,
                       start: start) { x, y in y = apply(x) }
    }

    /// The same, with an operator that writes `A x` into a buffer it is handed (reused across
    /// products, so large operators allocate nothing per product). `progress` is called with the
    /// number of products after each one (for a progress line).
    ///
    /// ARPACK's convergence test, `‖r‖ ≤ tol · max(ε^{2/3}, |θ|)`, has an absolute floor: on an
    /// operator of size 1e−55 (the Hessian at the neural-collapse point for τ = 100) every Ritz
    /// value would pass it at once. So ARPACK iterates on `A/s`, `s = ‖A x₀‖/‖x₀‖` from the start
    /// vector (one extra product), and the results are scaled back: the test is then relative to
    /// the operator's own size at every scale.
    ///
    /// `shift` (default 0): ARPACK iterates on `A + shift·I` (same Krylov spaces, same
    /// convergence), and the eigenvalues are shifted back. A shift of `2‖A‖` puts every
    /// eigenvalue in `[‖A‖, 3‖A‖]`, which turns the relative test into an absolute one,
    /// `‖r‖ ≲ tol ‖A‖`, also for eigenvalues at 0, where the relative test asks for
    /// `tol · ε^{2/3}` and may never be met.
    public static func eigenpairs(dimension n: Int, count nev: Int, which: Which, ncv: Int? = nil, tolerance: Double = 1e-12,
                                  maxRestarts: Int = 3000, start: [Double], shift: Double = 0, progress: ((Int) -> Void)? = nil,
                                  applyInPlace rawApply: ([Double], inout [Double]) -> Void) throws -> Result {
        guard nev >= 1, nev < n, start.count == n else {
            throw LinearAlgebraError.dimensionMismatch("Lanczos needs 1 ≤ nev < n = \(n) and a start vector of length n")
        }
        var probe = [Double](repeating: 0, count: n)
        rawApply(start, &probe)
        if shift != 0 { for i in 0 ..< n { probe[i] += shift * start[i] } }
        let startNorm = Vector.norm(start), imageNorm = Vector.norm(probe)
        guard startNorm > 0, startNorm.isFinite, imageNorm.isFinite else {
            throw LinearAlgebraError.nonFiniteInput(routine: "dsaupd")
        }
        // A zero image (A = 0 along x₀) leaves the operator as it is.
        let scale = imageNorm > 0 ? imageNorm / startNorm : 1
        let inverseScale = 1 / scale
        let ncv = min(n, ncv ?? max(2 * nev + 20, 60))
        lock.lock(); defer { lock.unlock() }
        var ido: nc_arpack_int = 0
        var info: nc_arpack_int = 1   // use the given start vector
        var resid = start
        var v = [Double](repeating: 0, count: n * ncv)
        var iparam = [nc_arpack_int](repeating: 0, count: 11)
        iparam[0] = 1; iparam[2] = nc_arpack_int(maxRestarts); iparam[6] = 1
        var ipntr = [nc_arpack_int](repeating: 0, count: 14)
        var workd = [Double](repeating: 0, count: 3 * n)
        let lworkl = ncv * ncv + 8 * ncv
        var workl = [Double](repeating: 0, count: lworkl)
        var products = 1
        var x = [Double](repeating: 0, count: n), y = [Double](repeating: 0, count: n)
        let bmat = "I", whichCode = which.rawValue
        while true {
            bmat.withCString { b in whichCode.withCString { w in
                dsaupd_c(&ido, b, nc_arpack_int(n), w, nc_arpack_int(nev), tolerance, &resid, nc_arpack_int(ncv), &v, nc_arpack_int(n),
                         &iparam, &ipntr, &workd, &workl, nc_arpack_int(lworkl), &info)
            } }
            guard ido == 1 || ido == -1 else { break }
            let xo = Int(ipntr[0]) - 1, yo = Int(ipntr[1]) - 1
            workd.withUnsafeBufferPointer { w in x.withUnsafeMutableBufferPointer { xb in
                _ = xb.update(fromContentsOf: w[xo ..< xo + n])
            } }
            rawApply(x, &y)
            for i in 0 ..< n { y[i] = (y[i] + shift * x[i]) * inverseScale }
            workd.withUnsafeMutableBufferPointer { w in y.withUnsafeBufferPointer { yb in
                _ = UnsafeMutableBufferPointer(rebasing: w[yo ..< yo + n]).update(fromContentsOf: yb)
            } }
            products += 1
            progress?(products)
        }
        if info != 0 {
            let meaning: String
            switch info {
            case 1: meaning = "no convergence within \(maxRestarts) restarts (\(iparam[4]) of \(nev) Ritz values converged)"
            case 3: meaning = "no shifts could be applied; increase ncv"
            case -9999: meaning = "could not build a Lanczos factorization"
            default: meaning = "dsaupd error"
            }
            throw LinearAlgebraError.computationFailed(routine: "dsaupd", info: Int(info), meaning: meaning)
        }
        var d = [Double](repeating: 0, count: nev)
        var z = [Double](repeating: 0, count: n * nev)
        var select = [nc_arpack_int](repeating: 0, count: ncv)
        var einfo: nc_arpack_int = 0
        bmat.withCString { b in whichCode.withCString { w in "A".withCString { howmny in
            dseupd_c(1, howmny, &select, &d, &z, nc_arpack_int(n), 0, b, nc_arpack_int(n), w, nc_arpack_int(nev), tolerance, &resid,
                     nc_arpack_int(ncv), &v, nc_arpack_int(n), &iparam, &ipntr, &workd, &workl, nc_arpack_int(lworkl), &einfo)
        } } }
        try LinearAlgebraError.check(einfo, "dseupd") { _ in "could not compute the Ritz vectors" }
        let converged = Int(iparam[4])
        var pairs: [(Double, [Double])] = (0 ..< min(converged, nev)).map { (scale * d[$0] - shift, Array(z[$0 * n ..< ($0 + 1) * n])) }
        pairs.sort { $0.0 < $1.0 }   // dseupd's order depends on rvec; sort explicitly
        var residuals: [Double] = []
        for (lam, vec) in pairs {
            var r = y
            rawApply(vec, &r)
            products += 1
            Vector.axpy(-lam, vec, &r)
            residuals.append(Vector.norm(r))
        }
        return Result(values: pairs.map(\.0), vectors: pairs.map(\.1), residuals: residuals,
                      matrixVectorProducts: products, restarts: Int(iparam[2]))
    }
}
