/// One row of an optimizer's trajectory.
public struct IterationRecord: Codable, Sendable {
    public var iteration: Int
    public var loss: Double
    public var gradientNorm: Double
    /// Step length used (0 for the starting point).
    public var step: Double
    @NullEncodable public var nc1: Double?
    @NullEncodable public var nc2: Double?
    @NullEncodable public var nc3: Double?
}

/// When to stop and what to record, shared by every optimizer.
public struct StoppingCriteria: Sendable {
    public var maxIterations: Int = 10_000
    /// Stop when `‖grad f‖ ≤ gradientTolerance`.
    public var gradientTolerance: Double = 1e-8
    /// Record every `recordEvery`-th iteration (0: record nothing but the summary).
    public var recordEvery: Int = 1
    /// Compute NC1–NC3 in the records (costs an SVD per recorded iteration).
    public var recordMetrics: Bool = false
    public init(maxIterations: Int = 10_000, gradientTolerance: Double = 1e-8, recordEvery: Int = 1, recordMetrics: Bool = false) {
        self.maxIterations = maxIterations; self.gradientTolerance = gradientTolerance
        self.recordEvery = recordEvery; self.recordMetrics = recordMetrics
    }
}

/// What an optimizer returns.
public struct OptimizationResult: Sendable {
    public var point: Matrix
    public var iterations: Int
    public var loss: Double
    public var gradientNorm: Double
    public var records: [IterationRecord]
    /// `gradient_tolerance`, `max_iterations`, `no_decrease`, `observer`,
    /// `second_order_point` (perturbed gradient descent).
    public var stopReason: String
    public var hessianVectorProducts: Int
    /// Perturbations applied (perturbed gradient descent).
    public var perturbations: Int
}

/// Called after every iteration with `(iteration, point, loss, ‖grad‖)`; return `false` to stop.
public typealias IterationObserver = (Int, Matrix, Double, Double) -> Bool

/// A first- or second-order method on the product of spheres (Manopt-style: it only uses the
/// problem's loss, gradient and Hessian-vector products and the manifold's retraction).
public protocol RiemannianOptimizer: Sendable {
    var name: String { get }
    func minimize(_ model: NormalizedFeatureModel, from x0: Matrix, criteria: StoppingCriteria,
                  observer: IterationObserver?) -> OptimizationResult
}

/// Shared bookkeeping: records and stopping.
struct TrajectoryRecorder {
    let model: NormalizedFeatureModel
    let criteria: StoppingCriteria
    var records: [IterationRecord] = []

    mutating func record(_ it: Int, _ x: Matrix, loss: Double, gradNorm: Double, step: Double, force: Bool = false) {
        guard criteria.recordEvery > 0, force || it % criteria.recordEvery == 0 else { return }
        var r = IterationRecord(iteration: it, loss: loss, gradientNorm: gradNorm, step: step, nc1: nil, nc2: nil, nc3: nil)
        if criteria.recordMetrics, let m = try? NCMetrics.compute(model: model, point: x) {
            r.nc1 = m.nc1; r.nc2 = m.nc2; r.nc3 = m.nc3
        }
        if records.last?.iteration != it { records.append(r) }
    }
}

/// Riemannian gradient descent `x ← R_x(−α grad f(x))`, with a fixed step `α = η` or Armijo
/// backtracking (`α` halved from a growing trial step until
/// `f(R_x(−α g)) ≤ f(x) − 1e−4 α ‖g‖²`).
public struct RiemannianGradientDescent: RiemannianOptimizer {
    public enum StepRule: Sendable, Equatable { case fixed(Double), armijo(initial: Double) }
    public var rule: StepRule
    public var name: String {
        switch rule { case let .fixed(e): return "gd(η=\(e))"; case .armijo: return "gd-armijo" }
    }
    public init(rule: StepRule = .armijo(initial: 1)) { self.rule = rule }

    public func minimize(_ model: NormalizedFeatureModel, from x0: Matrix, criteria: StoppingCriteria,
                         observer: IterationObserver? = nil) -> OptimizationResult {
        let man = model.manifold
        var rec = TrajectoryRecorder(model: model, criteria: criteria)
        var x = x0
        var fo = model.firstOrder(at: x)
        var g = man.euclideanToRiemannianGradient(x, fo.euclideanGradient)
        var gn = g.frobeniusNorm
        rec.record(0, x, loss: fo.loss, gradNorm: gn, step: 0, force: true)
        var lastStep: Double
        switch rule { case let .fixed(e): lastStep = e; case let .armijo(a): lastStep = a }
        var it = 0
        var reason = "max_iterations"
        while it < criteria.maxIterations {
            if gn <= criteria.gradientTolerance { reason = "gradient_tolerance"; break }
            var alpha: Double
            var next: Matrix
            var nfo: NormalizedFeatureModel.FirstOrder
            switch rule {
            case let .fixed(eta):
                alpha = eta
                next = man.retract(x, (-eta) * g)
                nfo = model.firstOrder(at: next)
            case let .armijo(initial):
                alpha = min(2 * lastStep, 64 * initial)
                var found = false
                next = x; nfo = fo
                for _ in 0 ..< 60 {
                    let trial = man.retract(x, (-alpha) * g)
                    let tfo = model.firstOrder(at: trial)
                    if tfo.loss <= fo.loss - 1e-4 * alpha * gn * gn { next = trial; nfo = tfo; found = true; break }
                    alpha *= 0.5
                }
                if !found { reason = "no_decrease"; break }
            }
            it += 1
            x = next; fo = nfo; lastStep = alpha
            g = man.euclideanToRiemannianGradient(x, fo.euclideanGradient)
            gn = g.frobeniusNorm
            rec.record(it, x, loss: fo.loss, gradNorm: gn, step: alpha)
            if let observer, !observer(it, x, fo.loss, gn) { reason = "observer"; break }
        }
        rec.record(it, x, loss: fo.loss, gradNorm: gn, step: lastStep, force: true)
        return OptimizationResult(point: x, iterations: it, loss: fo.loss, gradientNorm: gn, records: rec.records,
                                  stopReason: reason, hessianVectorProducts: 0, perturbations: 0)
    }
}

/// Perturbed Riemannian gradient descent in the style of Criscitiello & Boumal (2019): fixed-step
/// gradient descent while `‖grad‖ > gradientThreshold`; at a point with a small gradient, jump to
/// `R_x(ξ)` with `ξ` uniform in the tangent ball of radius `perturbationRadius`, run
/// `escapeSteps` gradient steps, and if the loss did not drop by `requiredDecrease` below the
/// loss before the jump, return the pre-jump point as an approximate second-order critical point.
public struct PerturbedGradientDescent: RiemannianOptimizer {
    /// The four constants of the method (defaults suit `τ ≈ 2`, `m ≲ 10⁴`).
    public struct Parameters: Codable, Sendable, Equatable {
        /// Perturb when `‖grad‖ ≤` this.
        public var gradientThreshold: Double = 1e-6
        /// Radius of the tangent ball the perturbation is drawn from.
        public var perturbationRadius: Double = 1e-3
        /// Gradient steps after a perturbation before the decrease test.
        public var escapeSteps: Int = 500
        /// Loss decrease that counts as an escape.
        public var requiredDecrease: Double = 1e-7
        public init() {}

        /// Throws `InputError` unless every constant is positive and finite.
        public func validate() throws {
            guard gradientThreshold > 0, gradientThreshold.isFinite, perturbationRadius > 0, perturbationRadius.isFinite,
                  escapeSteps > 0, requiredDecrease > 0, requiredDecrease.isFinite else {
                throw InputError("perturbed GD needs a positive gradient threshold, radius, number of escape steps and required decrease (got \(gradientThreshold), \(perturbationRadius), \(escapeSteps), \(requiredDecrease))")
            }
        }
    }
    public var step: Double
    public var parameters: Parameters
    public var seed: UInt64 = 0
    public var name: String {
        String(format: "perturbed-gd(η=%g, threshold %g, radius %g, %d escape steps, decrease %g)", step,
               parameters.gradientThreshold, parameters.perturbationRadius, parameters.escapeSteps, parameters.requiredDecrease)
    }
    public init(step: Double, seed: UInt64 = 0, parameters: Parameters = Parameters()) {
        self.step = step; self.seed = seed; self.parameters = parameters
    }

    public func minimize(_ model: NormalizedFeatureModel, from x0: Matrix, criteria: StoppingCriteria,
                         observer: IterationObserver? = nil) -> OptimizationResult {
        let man = model.manifold
        let (gradientThreshold, perturbationRadius) = (parameters.gradientThreshold, parameters.perturbationRadius)
        let (escapeSteps, requiredDecrease) = (parameters.escapeSteps, parameters.requiredDecrease)
        var rng = SeededGenerator(seed: seed)
        var rec = TrajectoryRecorder(model: model, criteria: criteria)
        var x = x0
        var fo = model.firstOrder(at: x)
        var g = man.euclideanToRiemannianGradient(x, fo.euclideanGradient)
        var gn = g.frobeniusNorm
        rec.record(0, x, loss: fo.loss, gradNorm: gn, step: 0, force: true)
        var it = 0, perturbations = 0
        var reason = "max_iterations"
        var anchor: (point: Matrix, loss: Double, gradNorm: Double, started: Int)? = nil
        outer: while it < criteria.maxIterations {
            if let a = anchor, it - a.started >= escapeSteps {
                if fo.loss > a.loss - requiredDecrease {
                    x = a.point; fo = model.firstOrder(at: x); gn = a.gradNorm
                    reason = "second_order_point"
                    break outer
                }
                anchor = nil
            }
            if anchor == nil && gn <= gradientThreshold {
                // Uniform in the tangent ball: random direction, radius r·U^{1/dim}.
                let dir = man.randomTangent(at: x, using: &rng)
                let radius = perturbationRadius * pow(rng.uniform(), 1 / Double(model.hessianSize))
                anchor = (x, fo.loss, gn, it)
                x = man.retract(x, radius * dir)
                fo = model.firstOrder(at: x)
                g = man.euclideanToRiemannianGradient(x, fo.euclideanGradient)
                gn = g.frobeniusNorm
                perturbations += 1
            }
            if anchor == nil && gn <= criteria.gradientTolerance && gradientThreshold < criteria.gradientTolerance {
                reason = "gradient_tolerance"; break
            }
            x = man.retract(x, (-step) * g)
            fo = model.firstOrder(at: x)
            it += 1
            g = man.euclideanToRiemannianGradient(x, fo.euclideanGradient)
            gn = g.frobeniusNorm
            rec.record(it, x, loss: fo.loss, gradNorm: gn, step: step)
            if let observer, !observer(it, x, fo.loss, gn) { reason = "observer"; break }
        }
        rec.record(it, x, loss: fo.loss, gradNorm: gn, step: step, force: true)
        return OptimizationResult(point: x, iterations: it, loss: fo.loss, gradientNorm: gn, records: rec.records,
                                  stopReason: reason, hessianVectorProducts: 0, perturbations: perturbations)
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
