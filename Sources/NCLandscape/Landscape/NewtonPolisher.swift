import Foundation

/// Why Newton polishing stopped.
public enum PolishStop: String, Codable, Sendable {
    /// `‖grad‖ ≤ tolerance · γ`.
    case converged
    /// No step along Newton's direction lowered `‖grad‖` (30 halvings).
    case noDecrease = "no_decrease"
    /// Ten iterations gained less than a factor 2: a non-critical local minimum of `‖grad‖`.
    case stalled
    case maxIterations = "max_iterations"
}

/// How far polishing moved a point: the geodesic angle each column (a point on its sphere)
/// travelled, `θ_c = 2 asin(‖x_c − x'_c‖/2)` for unit columns (accurate also for tiny angles,
/// where `acos` of the dot product loses half the digits).
public struct PolishDisplacement: Codable, Sendable, Equatable {
    public var meanAngle: Double
    public var maxAngle: Double
    /// Column (0..<K classifiers, then features) that moved most.
    public var maxColumn: Int

    /// A polished point whose columns moved more than this (radians, 5.7°) is reported as far
    /// from the input: Newton converges to the critical point nearest its start only from
    /// close by, and a trained network's last layer moved 0.28–0.77 rad on average to a
    /// different critical point, which then says little about the network.
    public static let farAngle = 0.1

    public var isFar: Bool { maxAngle > Self.farAngle }

    public init(from x0: Matrix, to x1: Matrix) {
        precondition(x0.rows == x1.rows && x0.cols == x1.cols, "points of different shapes")
        var sum = 0.0, worst = 0.0, at = 0
        for c in 0 ..< x0.cols {
            let a = x0.column(c), b = x1.column(c)
            let na = Vector.norm(a), nb = Vector.norm(b)
            var d2 = 0.0
            for i in a.indices { let t = a[i] / na - b[i] / nb; d2 += t * t }
            let angle = 2 * asin(min(1, d2.squareRoot() / 2))
            sum += angle
            if angle > worst { worst = angle; at = c }
        }
        meanAngle = x0.cols > 0 ? sum / Double(x0.cols) : 0
        maxAngle = worst; maxColumn = at
    }
}

/// Outcome of Riemannian Newton polishing.
public struct PolishResult: Sendable {
    public let point: Matrix
    public let iterations: Int
    public let gradientNorm: Double
    public let converged: Bool
    public let stop: PolishStop
    /// `‖grad f‖` before each iteration and at the end.
    public let history: [Double]
    /// `reduced`, `dense` or `matrix-free` (Newton–MINRES).
    public let method: String
    /// Hessian-vector products used (matrix-free only).
    public let hessianVectorProducts: Int?
}

/// Riemannian Newton's method on the gradient field: it converges quadratically to the nearest
/// critical point of any index (minimizers and saddles alike), which is what enumeration needs.
///
/// The Hessian is singular along the symmetry orbit (and at degenerate points elsewhere), so the
/// step is the pseudo-inverse solution `s = −Σ_{|λ_i| > δ} (v_iᵀ g / λ_i) v_i`, the least-squares
/// step of minimum norm, with the cut `1e−12 ‖M‖₂` (`newtonCutoff`). A backtracking line search on `‖grad‖`
/// keeps a step from a poor start from being accepted when it increases the gradient.
///
/// Convergence is judged relative to the gradient's own scale `γ` (`FirstOrder.gradientScale`):
/// `‖grad f‖ ≤ tolerance · γ`, with the default `tolerance` equal to the criticality test's
/// rounding factor, so a converged point is critical by `ClassificationRule.isCritical` at any τ.
///
/// Three ways to compute the step, picked by size: the symmetry-reduced problem at collapsed
/// starts, the dense eigendecomposition up to `denseMaxSize`, and beyond it MINRES on
/// Hessian-vector products (inexact Newton: relative residual `min(0.1, √(‖grad‖/γ))`, so the
/// convergence is superlinear; the right-hand side and the step are projected off the `O(d)`
/// orbit tangents, the pseudo-inverse step's kernel, which rounding would otherwise let grow).
public enum NewtonPolisher {
    /// Within-class spread below which a start is treated as collapsed and polished on the
    /// reduced problem.
    public static let collapseSnapTolerance = 1e-6
    /// Largest Hessian size polished with a dense eigendecomposition. Each dense step builds the
    /// `m × m` matrix and diagonalizes it; matrix-free steps need only Hessian-vector products.
    /// Measured at m = 3410 (K=10, N=300, d=12, a random normalized point): dense 18 steps in
    /// 498 s, Newton–MINRES 23 steps and 3564 products in 0.3 s. At m = 600 (K = 10, d = 11,
    /// n = 5), after the trust region's descent, Newton–MINRES made the whole search (64 starts
    /// plus the ansatz families, same 73 distinct points) 2.2× faster than dense steps; at
    /// m = 144 the two tie. Dense stays below 200, where its exact pseudo-inverse step costs
    /// milliseconds, and takes over where MINRES does not converge (`denseFallbackMaxSize`).
    public static let defaultDenseMaxSize = 200
    /// Largest reduced problem (2K columns) polished with dense steps first. Its starts are
    /// collapsed points the trust region left at ‖grad‖ ≤ 1e-6 γ, or ansatz points, where
    /// Newton–MINRES needs a handful of products: at K = 10, d = 11 (reduced m = 200) a dense step
    /// took 3.7–8 ms and the MINRES steps 0.15–0.2 ms.
    public static let reducedDenseMaxSize = 50
    /// Largest Hessian size at which a matrix-free polish that did not converge is finished
    /// with dense pseudo-inverse steps.
    public static let denseFallbackMaxSize = 1000
    /// MINRES iterations allowed per Newton step. Near a critical point a step needs tens (2 steps
    /// took 17 products at N = 10⁴); a capped solve still returns the best direction in its
    /// Krylov space, and far from critical points Newton fails anyway, so a long solve buys nothing.
    public static let maxKrylovIterations = 500
    /// Eigenvalues below `newtonCutoff · ‖M‖₂` in size are left out of the pseudo-inverse step.
    public static let newtonCutoff = 1e-12

    /// Polishes `x0`. A (nearly) collapsed start — every class's features within
    /// `collapseSnapTolerance` — is polished on the symmetry-reduced problem (one weighted
    /// representative per class, `2K` columns): it has the same loss on collapsed points, and
    /// by symmetry its critical points are critical points of the full problem, at a cost
    /// independent of `N`. The result is accepted only if the full problem's gradient meets
    /// the tolerance; otherwise the full problem is polished from `x0`, densely when
    /// `m ≤ denseMaxSize` and matrix-free beyond. `tolerance` is relative to `γ`.
    public static func polish<P: FeatureObjective>(_ problem: P, from x0: Matrix, tolerance: Double = ClassificationRule.roundingFactor,
                                                   maxIterations: Int = 40, denseMaxSize: Int = defaultDenseMaxSize,
                                                   progress: ((Int, Double) -> Void)? = nil) throws -> PolishResult {
        // The reduced problem is a capability of the normalized model only.
        if let model = problem.structured, model.sampleWeights == nil, model.N > model.K,
           case let deviation = ReducedSpectrum.collapseDeviation(model: model, point: x0), deviation <= collapseSnapTolerance {
            let (rm, xr) = try ReducedSpectrum.reducedProblem(model: model, point: x0)
            // Only the full problem's gradient decides: Newton–MINRES on the reduced problem may
            // stop at its rounding floor (about 1e-12 γ at K = 10, d = 11), just above the tolerance
            // there, where the expanded point can already meet it. The reduced dense steps run only
            // when it does not, then the full problem. At K = 10, d = 11, n = 5 this took a
            // 200-start descent sweep without certificates from 8.0 s to 4.2 s, same 73 points.
            func fullGradient(_ xr: Matrix) -> (Matrix, Double, Bool) {
                let x = ReducedSpectrum.expand(model: model, reducedPoint: xr)
                let fo = model.firstOrder(at: x)
                let gn = model.manifold.euclideanToRiemannianGradient(x, fo.euclideanGradient).frobeniusNorm
                return (x, gn, gn <= tolerance * fo.gradientScale)
            }
            // Each reduced Newton step checks the full gradient (O(N) next to the step's cost):
            // a dense reduced step at K = 10, d = 11 costs 4–8 ms, and the reduced problem's own
            // test can ask for steps the full one no longer needs.
            let satisfied: (Matrix) -> Bool = { fullGradient($0).2 }
            func accept(_ r: PolishResult) -> PolishResult? {
                let (x, gn, ok) = fullGradient(r.point)
                guard ok else { return nil }
                return PolishResult(point: x, iterations: r.iterations, gradientNorm: gn, converged: true, stop: .converged, history: r.history,
                                    method: "reduced", hessianVectorProducts: r.hessianVectorProducts)
            }
            let r = try solve(rm, from: xr, tolerance: tolerance, maxIterations: maxIterations, denseMaxSize: min(denseMaxSize, reducedDenseMaxSize),
                              denseFallback: false, satisfied: satisfied, progress: progress)
            if let done = accept(r) { return done }
            var last = r
            if !r.converged, r.method == "matrix-free", rm.hessianSize <= denseFallbackMaxSize {
                let rule = ReusedPseudoInverse<NormalizedFeatureModel>()
                last = try newton(rm, from: r.point, tolerance: tolerance, maxIterations: maxIterations, method: "dense",
                                  step: rule.step, satisfied: satisfied, review: rule.review, progress: progress)
                if let done = accept(last) { return done }
            }
            // From an exactly collapsed start, the full problem's dense steps would repeat the
            // reduced dense steps that just failed (the gradient is within-class symmetric, and the
            // exact Newton step does not depend on the coordinates, up to orbit directions), at
            // N-fold cost: seven group-ansatz starts took 165 ms each that way at K = 10, d = 11,
            // n = 5. Newton–MINRES on the full problem is not coordinate-free (its inexact steps
            // differ) and is cheap, so it still runs: one of those starts converges with it.
            if deviation == 0, last.method == "dense", !last.converged, problem.hessianSize > denseMaxSize {
                return try solve(problem, from: x0, tolerance: tolerance, maxIterations: maxIterations, denseMaxSize: denseMaxSize,
                                 denseFallback: false, progress: progress)
            }
        }
        return try solve(problem, from: x0, tolerance: tolerance, maxIterations: maxIterations, denseMaxSize: denseMaxSize, progress: progress)
    }

    /// Newton on `problem` as it is: dense pseudo-inverse steps up to `denseMaxSize`, beyond it
    /// Newton–MINRES, finished with dense steps where MINRES does not converge and a dense step
    /// still fits (`denseFallbackMaxSize`).
    static func solve<P: FeatureObjective>(_ problem: P, from x0: Matrix, tolerance: Double, maxIterations: Int, denseMaxSize: Int,
                                           denseFallback: Bool = true, satisfied: ((Matrix) -> Bool)? = nil,
                                           progress: ((Int, Double) -> Void)?) throws -> PolishResult {
        if problem.hessianSize <= denseMaxSize {
            return try newton(problem, from: x0, tolerance: tolerance, maxIterations: maxIterations, method: "dense", step: pseudoInverseStep,
                              satisfied: satisfied, progress: progress)
        }
        let free = try newton(problem, from: x0, tolerance: tolerance, maxIterations: maxIterations, method: "matrix-free", step: minresStep,
                              satisfied: satisfied, progress: progress)
        // Where MINRES's step is not good enough (a nearly singular Hessian off the orbit, whose
        // small eigenvalues the Krylov space resolves poorly) and a dense step still fits, the
        // exact pseudo-inverse step takes over from where MINRES stopped.
        guard denseFallback, !free.converged, problem.hessianSize <= denseFallbackMaxSize else { return free }
        let dense = try newton(problem, from: free.point, tolerance: tolerance, maxIterations: maxIterations, method: "dense",
                               step: pseudoInverseStep, progress: progress)
        return dense.gradientNorm < free.gradientNorm || dense.converged ? dense : free
    }

    /// A Newton direction at `x` (tangent, ambient `d × (K+N)`) and the Hessian-vector products it used.
    typealias StepRule<P> = (P, Matrix, FeatureFirstOrder, Matrix) throws -> (Matrix, Int)

    /// Pseudo-inverse step from the dense eigendecomposition of `M`.
    static func pseudoInverseStep<P: FeatureObjective>(_ model: P, _ x: Matrix, _ fo: FeatureFirstOrder,
                                                       _ grad: Matrix) throws -> (Matrix, Int) {
        let hess = model.denseHessian(at: x, firstOrder: fo)
        var work = hess.matrix
        let eig = try LAPACK.eigen(destroying: &work)
        // The pseudo-inverse cut sits far below the classifier's δ: computed eigenvalues are
        // accurate to a few ε‖M‖, so 1e-12‖M‖ still drops the symmetry zeros (~1e-15‖M‖), but
        // keeps genuine small curvature that Newton needs near nearly degenerate critical points
        // (group collapse at τ = 16: 1e-10‖M‖; cut at δ, Newton stalled at ‖grad‖ = 1e-10).
        return (hess.basis.vector(from: pseudoInverseCoefficients(vectors: eig.vectors!, values: eig.values,
                                                                  gradient: hess.basis.coordinates(of: grad))), 0)
    }

    /// The pseudo-inverse step with the eigendecomposition kept while the point stays within
    /// `reuseDistance` (max-norm) of where it was computed. Near nearly degenerate points Newton
    /// creeps on the rounding floor (gradient cut by ~5% per step, moves of ~1e-8): at K = 10,
    /// d = 11, n = 5 about one descent start in ten took 9–20 dense reduced steps of 5 ms each
    /// there. A Hessian that far off only slows the convergence; where a stale factorization's
    /// step fails or gains clearly less than fresh ones, `review` drops it (and a failed step is
    /// retried with a fresh factorization before the loop gives up).
    final class ReusedPseudoInverse<P: FeatureObjective> {
        let reuseDistance: Double
        private var cached: (point: Matrix, vectors: Matrix, values: [Double], basis: P.Space.Frame)?
        private var reused = false
        /// `‖grad‖` after over before the last step from a fresh factorization.
        private var freshRatio = 1.0
        /// Eigendecompositions computed so far.
        private(set) var factorizations = 0
        init(reuseDistance: Double = 1e-6) { self.reuseDistance = reuseDistance }
        /// Reviews the step just taken (`ratio` = `‖grad‖` after over before; nil when no step
        /// decreased it). A kept factorization is dropped when its step failed or did clearly
        /// worse than fresh ones did (ratio above `max(2 × fresh ratio, 0.01)`): on a rounding
        /// floor fresh steps gain ~5% and kept ones the same, while near a well-conditioned point
        /// a fresh step gains orders of magnitude that a stale one would not. Returns true when
        /// the failed step should be retried with a fresh factorization.
        func review(ratio: Double?) -> Bool {
            guard reused else { freshRatio = ratio ?? 1; return false }
            if ratio == nil || ratio! > max(2 * freshRatio, 0.01) { cached = nil }
            return ratio == nil
        }
        func step(_ model: P, _ x: Matrix, _ fo: FeatureFirstOrder, _ grad: Matrix) throws -> (Matrix, Int) {
            reused = cached != nil && Matrix.maxAbsDifference(cached!.point, x) <= reuseDistance
            if !reused {
                factorizations += 1
                let hess = model.denseHessian(at: x, firstOrder: fo)
                var work = hess.matrix
                let eig = try LAPACK.eigen(destroying: &work)
                cached = (x, eig.vectors!, eig.values, hess.basis)
            }
            let c = cached!
            return (c.basis.vector(from: NewtonPolisher.pseudoInverseCoefficients(vectors: c.vectors, values: c.values,
                                                                                   gradient: c.basis.coordinates(of: grad))), 0)
        }
    }

    /// `−Σ_{|λ_i| > cut} (v_iᵀ g / λ_i) v_i` with the cut `newtonCutoff · ‖M‖₂`.
    static func pseudoInverseCoefficients(vectors: Matrix, values: [Double], gradient g: [Double]) -> [Double] {
        let spectral = max(abs(values.first ?? 0), abs(values.last ?? 0))
        let delta = newtonCutoff * spectral
        var coef = BLAS.matVec(.t, vectors, g)
        for i in 0 ..< coef.count { coef[i] = abs(values[i]) > delta ? -coef[i] / values[i] : 0 }
        return BLAS.matVec(.n, vectors, coef)
    }

    /// Inexact Newton step: MINRES on `Hess s = −grad` through the tangent operator (normal
    /// directions get eigenvalue 1, so they stay decoupled), projected back onto the tangent space.
    static func minresStep<P: FeatureObjective>(_ model: P, _ x: Matrix, _ fo: FeatureFirstOrder,
                                                _ grad: Matrix) throws -> (Matrix, Int) {
        // MINRES runs on (Hess/γ) s = −grad/γ, the same step: deep in saturation the Hessian's
        // entries are ~1e-250 and the recurrence's squared quantities would underflow. The
        // normal directions get eigenvalue γ, i.e. 1 after the scaling, and stay decoupled.
        let scale = fo.gradientScale > 0 && fo.gradientScale.isFinite ? fo.gradientScale : 1
        let op = model.ambientHessianOperator(at: x, firstOrder: fo, normalShift: scale)
        let forcing = min(0.1, (grad.frobeniusNorm / max(fo.gradientScale, .leastNormalMagnitude)).squareRoot())
        // The step lives in the quotient by the O(d) orbit: the gradient is orthogonal to the
        // orbit tangents (f is invariant) up to rounding, and their near-null curvature would
        // let MINRES grow the step along them; both are projected out.
        let orbit = try? OrbitProjector(point: x, actingRows: model.d)
        var rhs = (-1 / scale) * grad
        if let orbit { rhs = rhs - orbit.project(rhs) }
        let r = MINRES.solve(rhs.storage, tolerance: forcing, maxIterations: maxKrylovIterations) { v, y in
            op.apply(v, into: &y)
            for i in 0 ..< y.count { y[i] /= scale }
        }
        var s = model.manifold.project(x, Matrix(rows: x.rows, cols: x.cols, columnMajor: r.solution))
        if let orbit { s = s - orbit.project(s) }
        return (s, r.iterations)
    }

    /// The Newton loop shared by every step rule: backtracking on `‖grad‖`, stop at the tolerance,
    /// at the floating-point floor, when progress stalls, or when `satisfied` accepts the point
    /// (the reduced problem stops as soon as the full problem's gradient is small enough).
    static func newton<P: FeatureObjective>(_ model: P, from x0: Matrix, tolerance: Double, maxIterations: Int,
                                            method: String, step rule: StepRule<P>, satisfied: ((Matrix) -> Bool)? = nil,
                                            review: ((Double?) -> Bool)? = nil, progress: ((Int, Double) -> Void)? = nil) throws -> PolishResult {
        let manifold = model.manifold
        var x = x0
        var fo = model.firstOrder(at: x)
        var grad = manifold.euclideanToRiemannianGradient(x, fo.euclideanGradient)
        var gn = grad.frobeniusNorm
        var history = [gn]
        var it = 0, products = 0
        var stop = PolishStop.maxIterations
        while gn > tolerance * fo.gradientScale && it < maxIterations {
            it += 1
            let (step, used) = try rule(model, x, fo, grad)
            products += used
            var alpha = 1.0
            var accepted = false
            let before = gn
            for _ in 0 ..< 30 {
                let trial = manifold.retract(x, alpha * step)
                let tfo = model.firstOrder(at: trial)
                let tgrad = manifold.euclideanToRiemannianGradient(trial, tfo.euclideanGradient)
                let tgn = tgrad.frobeniusNorm
                if tgn < gn {
                    x = trial; fo = tfo; grad = tgrad; gn = tgn
                    accepted = true
                    break
                }
                alpha *= 0.5
            }
            history.append(gn)
            progress?(it, gn)
            // A step from a kept factorization that fails is retried with a fresh one.
            if let review, review(accepted ? gn / before : nil) { history.removeLast(); it -= 1; continue }
            // No step decreases ‖grad‖: we are at the floating-point floor (or the model's
            // pseudo-inverse direction is useless here); stop rather than loop.
            if !accepted { stop = .noDecrease; break }
            if let satisfied, satisfied(x) { break }
            // Far from any critical point the damped steps only creep (a local minimum of
            // ‖grad‖ that is not critical): give up when ten iterations gained less than 2×.
            // Linear convergence at degenerate points halves ‖grad‖ per step, so it passes.
            if it >= 20, gn > 1e-8 * fo.gradientScale, gn > 0.5 * history[history.count - 11] { stop = .stalled; break }
        }
        let converged = gn <= tolerance * fo.gradientScale
        return PolishResult(point: x, iterations: it, gradientNorm: gn, converged: converged, stop: converged ? .converged : stop, history: history,
                            method: method, hessianVectorProducts: method == "matrix-free" ? products : nil)
    }
}
