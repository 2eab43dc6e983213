#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Riemannian trust-region method (Absil, Baker & Gallivan 2007) with the truncated conjugate
/// gradient (Steihaug–Toint) inner solver on Hessian-vector products (`TangentHessianOperator`),
/// never forming the Hessian. Directions of negative curvature met by tCG are followed to the trust-region
/// boundary, which is how the method leaves strict saddles.
public struct RiemannianTrustRegion: RiemannianOptimizer {
    /// Largest radius: each sphere factor has diameter π, so `π √(K+N)` bounds any useful step.
    public var maxRadiusFactor: Double = Double.pi
    public var acceptRatio: Double = 0.1
    public var maxInnerIterations: Int = 1000
    public var name: String { "trust-region" }
    public init() {}

    public func minimize<P: FeatureObjective>(_ model: P, from x0: Matrix, criteria: StoppingCriteria,
                                              observer: IterationObserver? = nil) -> OptimizationResult {
        let man = model.manifold
        var rec = TrajectoryRecorder(model: model, criteria: criteria, observer: observer)
        let maxRadius = maxRadiusFactor * Double(model.K + model.N).squareRoot()
        var radius = maxRadius / 8
        var cur = Iterate(model, at: x0)
        rec.record(0, cur, step: 0, force: true)
        var it = 0, hvps = 0
        var reason = StopReason.maxIterations
        while it < criteria.maxIterations {
            if criteria.converged(cur) { reason = .gradientTolerance; break }
            // The tangent Hessian operator (σ = 0 on normal directions, which tangent inputs do not have).
            let op = model.ambientHessianOperator(at: cur.point, firstOrder: cur.firstOrder, normalShift: 0)
            var product = [Double](repeating: 0, count: op.dimension)
            let hess: (Matrix) -> Matrix = { v in
                hvps += 1
                op.apply(v.storage, into: &product)
                return Matrix(rows: v.rows, cols: v.cols, columnMajor: product)
            }
            let (eta, heta) = truncatedCG(g: cur.gradient, radius: radius, hess: hess, inner: man.inner)
            let candidate = man.retract(cur.point, eta)
            let cfo = model.firstOrder(at: candidate)
            let predicted = -man.inner(cur.gradient, eta) - 0.5 * man.inner(eta, heta)
            let actual = cur.loss - cfo.loss
            // Both at the loss's rounding level: the model is exact to rounding; accept when the
            // loss did not go up.
            let rho = predicted > 1e-15 * abs(cur.loss) ? actual / predicted : (actual >= 0 ? 1 : 0)
            let stepNorm = eta.frobeniusNorm
            if rho < 0.25 { radius *= 0.25 } else if rho > 0.75 && stepNorm >= 0.99 * radius { radius = min(2 * radius, maxRadius) }
            it += 1
            if rho > acceptRatio { cur = Iterate(model, at: candidate, firstOrder: cfo) }
            if !rec.step(it, cur, step: stepNorm) { reason = .observer; break }
            if radius < 1e-14 { reason = .noDecrease; break }
        }
        return rec.finish(it, cur, step: 0, reason: reason, hessianVectorProducts: hvps)
    }

    /// Steihaug–Toint tCG for `min ⟨g,η⟩ + ½⟨η,Hη⟩, ‖η‖ ≤ Δ`; returns `η` and `Hη`.
    func truncatedCG(g: Matrix, radius: Double, hess: (Matrix) -> Matrix, inner: (Matrix, Matrix) -> Double) -> (Matrix, Matrix) {
        var eta = Matrix(rows: g.rows, cols: g.cols)
        var heta = eta
        var r = g
        var rr = inner(r, r)
        let r0 = rr.squareRoot()
        var delta = -1 * r
        let theta = 1.0, kappa = 0.1
        for _ in 0 ..< maxInnerIterations {
            let hd = hess(delta)
            let dhd = inner(delta, hd)
            let alpha = rr / dhd
            let ee = inner(eta, eta), ed = inner(eta, delta), dd = inner(delta, delta)
            let newNormSq = ee + 2 * alpha * ed + alpha * alpha * dd
            if dhd <= 0 || newNormSq >= radius * radius {
                // Step to the boundary: ‖η + t δ‖ = Δ, t ≥ 0.
                let t = (-ed + (ed * ed + dd * (radius * radius - ee)).squareRoot()) / dd
                return (eta + t * delta, heta + t * hd)
            }
            eta = eta + alpha * delta
            heta = heta + alpha * hd
            r = r + alpha * hd
            let rrNew = inner(r, r)
            if rrNew.squareRoot() <= r0 * min(pow(r0, theta), kappa) { break }
            delta = -1 * r + (rrNew / rr) * delta
            rr = rrNew
        }
        return (eta, heta)
    }
}
