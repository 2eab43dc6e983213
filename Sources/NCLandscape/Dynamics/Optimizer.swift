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
    /// Stop when `‖grad f‖ ≤ gradientTolerance` (absolute) …
    public var gradientTolerance: Double = 1e-8
    /// … or when `‖grad f‖ ≤ relativeGradientTolerance · γ` (`γ` the size of the gradient's
    /// terms, `FirstOrder.gradientScale`): the scale-free rule, right at any temperature.
    public var relativeGradientTolerance: Double = 0
    /// Record every `recordEvery`-th iteration (0: record nothing but the summary).
    public var recordEvery: Int = 1
    /// Compute NC1–NC3 in the records (costs an SVD per recorded iteration).
    public var recordMetrics: Bool = false
    public init(maxIterations: Int = 10_000, gradientTolerance: Double = 1e-8, relativeGradientTolerance: Double = 0,
                recordEvery: Int = 1, recordMetrics: Bool = false) {
        self.maxIterations = maxIterations; self.gradientTolerance = gradientTolerance
        self.relativeGradientTolerance = relativeGradientTolerance
        self.recordEvery = recordEvery; self.recordMetrics = recordMetrics
    }
}

/// Why an optimizer stopped.
public enum StopReason: String, Codable, Sendable {
    /// `‖grad‖` met a tolerance.
    case gradientTolerance = "gradient_tolerance"
    case maxIterations = "max_iterations"
    /// No step decreased the loss (its rounding floor), or the trust region collapsed.
    case noDecrease = "no_decrease"
    /// The caller's observer asked to stop (escape studies: the run escaped).
    case observer
    /// Perturbed gradient descent: no escape after a perturbation, an approximate second-order point.
    case secondOrderPoint = "second_order_point"
}

/// What an optimizer returns.
public struct OptimizationResult: Sendable {
    public var point: Matrix
    public var iterations: Int
    public var loss: Double
    public var gradientNorm: Double
    public var records: [IterationRecord]
    public var stopReason: StopReason
    public var hessianVectorProducts: Int
    /// Perturbations applied (perturbed gradient descent).
    public var perturbations: Int
}

extension StoppingCriteria {
    /// Whether the iterate's gradient meets either tolerance.
    func converged(_ cur: Iterate) -> Bool {
        cur.gradientNorm <= max(gradientTolerance, relativeGradientTolerance * cur.firstOrder.gradientScale)
    }
}

/// Called after every iteration with `(iteration, point, loss, ‖grad‖)`; return `false` to stop.
public typealias IterationObserver = (Int, Matrix, Double, Double) -> Bool

/// A first- or second-order method on a manifold (Manopt-style: it only uses the problem's
/// loss, gradient and Hessian-vector products and the manifold's retraction), generic over the
/// objective.
public protocol RiemannianOptimizer: Sendable {
    var name: String { get }
    func minimize<P: FeatureObjective>(_ model: P, from x0: Matrix, criteria: StoppingCriteria,
                                       observer: IterationObserver?) -> OptimizationResult
}

/// The current iterate with the first-order data every method uses, computed together once.
struct Iterate {
    let point: Matrix
    let firstOrder: FeatureFirstOrder
    /// Riemannian gradient.
    let gradient: Matrix
    let gradientNorm: Double
    var loss: Double { firstOrder.loss }

    init<P: FeatureObjective>(_ model: P, at x: Matrix, firstOrder fo: FeatureFirstOrder? = nil) {
        point = x
        firstOrder = fo ?? model.firstOrder(at: x)
        gradient = model.manifold.euclideanToRiemannianGradient(x, firstOrder.euclideanGradient)
        gradientNorm = gradient.frobeniusNorm
    }
}

/// Shared bookkeeping: records, the observer, and the result.
struct TrajectoryRecorder<P: FeatureObjective> {
    let model: P
    let criteria: StoppingCriteria
    let observer: IterationObserver?
    var records: [IterationRecord] = []

    mutating func record(_ it: Int, _ cur: Iterate, step: Double, force: Bool = false) {
        guard criteria.recordEvery > 0, force || it % criteria.recordEvery == 0 else { return }
        var r = IterationRecord(iteration: it, loss: cur.loss, gradientNorm: cur.gradientNorm, step: step, nc1: nil, nc2: nil, nc3: nil)
        if criteria.recordMetrics, let m = try? NCMetrics.compute(model: model, point: cur.point) {
            r.nc1 = m.nc1; r.nc2 = m.nc2; r.nc3 = m.nc3
        }
        if records.last?.iteration != it { records.append(r) }
    }

    /// Records iteration `it` and asks the observer whether to go on.
    mutating func step(_ it: Int, _ cur: Iterate, step: Double) -> Bool {
        record(it, cur, step: step)
        return observer.map { $0(it, cur.point, cur.loss, cur.gradientNorm) } ?? true
    }

    /// Records the final iterate and packs the result.
    mutating func finish(_ it: Int, _ cur: Iterate, step: Double, reason: StopReason, hessianVectorProducts: Int = 0,
                         perturbations: Int = 0) -> OptimizationResult {
        record(it, cur, step: step, force: true)
        return OptimizationResult(point: cur.point, iterations: it, loss: cur.loss, gradientNorm: cur.gradientNorm, records: records,
                                  stopReason: reason, hessianVectorProducts: hessianVectorProducts, perturbations: perturbations)
    }
}

/// Riemannian gradient descent `x ← R_x(−α grad f(x))`, with a fixed step `α = η` or Armijo
/// backtracking (`α` halved from a growing trial step, twice the last accepted one but at most
/// length π, until `f(R_x(−α g)) ≤ f(x) − 1e−4 α ‖g‖²`).
public struct RiemannianGradientDescent: RiemannianOptimizer {
    public enum StepRule: Sendable, Equatable { case fixed(Double), armijo(initial: Double) }
    public var rule: StepRule
    public var name: String {
        switch rule { case let .fixed(e): return "gd(η=\(e))"; case .armijo: return "gd-armijo" }
    }
    public init(rule: StepRule = .armijo(initial: 1)) { self.rule = rule }

    public func minimize<P: FeatureObjective>(_ model: P, from x0: Matrix, criteria: StoppingCriteria,
                                              observer: IterationObserver? = nil) -> OptimizationResult {
        let man = model.manifold
        var rec = TrajectoryRecorder(model: model, criteria: criteria, observer: observer)
        var cur = Iterate(model, at: x0)
        rec.record(0, cur, step: 0, force: true)
        var lastStep: Double
        switch rule { case let .fixed(e): lastStep = e; case let .armijo(a): lastStep = a }
        var it = 0
        var reason = StopReason.maxIterations
        iterations: while it < criteria.maxIterations {
            if criteria.converged(cur) { reason = .gradientTolerance; break }
            var alpha: Double
            var next: Iterate
            switch rule {
            case let .fixed(eta):
                alpha = eta
                next = Iterate(model, at: man.retract(cur.point, (-eta) * cur.gradient))
            case .armijo:
                // Growing trial steps, capped by the step's length (π: every sphere factor has
                // diameter π), not by α itself: in the saturated regime (large τ) the gradient
                // shrinks exponentially and a fixed cap on α makes descent crawl.
                alpha = min(2 * lastStep, Double.pi / max(cur.gradientNorm, .leastNormalMagnitude))
                var accepted: Iterate? = nil
                for _ in 0 ..< 60 {
                    let trial = man.retract(cur.point, (-alpha) * cur.gradient)
                    let tfo = model.firstOrder(at: trial)
                    // Strictly lower as well: at the rounding floor `cur.loss − 1e-4 α‖g‖²` rounds to
                    // `cur.loss`, and an equal loss would be "accepted" forever.
                    if tfo.loss < cur.loss, tfo.loss <= cur.loss - 1e-4 * alpha * cur.gradientNorm * cur.gradientNorm {
                        accepted = Iterate(model, at: trial, firstOrder: tfo); break
                    }
                    alpha *= 0.5
                }
                // No step decreases the loss (its rounding floor): stop. (A bare `break` here
                // would leave only the switch and repeat the same failed search until the cap.)
                guard let accepted else { reason = .noDecrease; break iterations }
                next = accepted
            }
            it += 1
            cur = next; lastStep = alpha
            if !rec.step(it, cur, step: alpha) { reason = .observer; break }
        }
        return rec.finish(it, cur, step: lastStep, reason: reason)
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
            try Validate.positive(gradientThreshold, "--pgd-threshold")
            try Validate.radius(perturbationRadius, "--pgd-radius")
            try Validate.atLeast(escapeSteps, 1, "--pgd-escape-steps")
            try Validate.positive(requiredDecrease, "--pgd-decrease")
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

    public func minimize<P: FeatureObjective>(_ model: P, from x0: Matrix, criteria: StoppingCriteria,
                                              observer: IterationObserver? = nil) -> OptimizationResult {
        let man = model.manifold
        let (gradientThreshold, perturbationRadius) = (parameters.gradientThreshold, parameters.perturbationRadius)
        let (escapeSteps, requiredDecrease) = (parameters.escapeSteps, parameters.requiredDecrease)
        var rng = SeededGenerator(seed: seed)
        var rec = TrajectoryRecorder(model: model, criteria: criteria, observer: observer)
        var cur = Iterate(model, at: x0)
        rec.record(0, cur, step: 0, force: true)
        var it = 0, perturbations = 0
        var reason = StopReason.maxIterations
        // The point before the last perturbation, and the iteration it was made at.
        var anchor: (iterate: Iterate, started: Int)? = nil
        while it < criteria.maxIterations {
            if let a = anchor, it - a.started >= escapeSteps {
                if cur.loss > a.iterate.loss - requiredDecrease {
                    cur = a.iterate
                    reason = .secondOrderPoint
                    break
                }
                anchor = nil
            }
            if anchor == nil && cur.gradientNorm <= gradientThreshold {
                // Uniform in the tangent ball: random direction, radius r·U^{1/dim}.
                let dir = man.randomTangent(at: cur.point, using: &rng)
                let radius = perturbationRadius * pow(rng.uniform(), 1 / Double(model.hessianSize))
                anchor = (cur, it)
                cur = Iterate(model, at: man.retract(cur.point, radius * dir))
                perturbations += 1
            }
            if anchor == nil && cur.gradientNorm <= criteria.gradientTolerance && gradientThreshold < criteria.gradientTolerance {
                reason = .gradientTolerance; break
            }
            cur = Iterate(model, at: man.retract(cur.point, (-step) * cur.gradient))
            it += 1
            if !rec.step(it, cur, step: step) { reason = .observer; break }
        }
        return rec.finish(it, cur, step: step, reason: reason, perturbations: perturbations)
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Where an optimizer run ended, settled: the end point Newton-polished and classified
/// (`LandscapeAnalyzer.settle`), and the NC metrics of the optimizer's own last point.
public struct OptimizationOutcome: Sendable {
    public let result: OptimizationResult
    public let polished: PolishResult
    /// `not_critical` when polishing does not reach a critical point.
    public let classification: CriticalPointClass
    public let polishedLoss: Double
    public let nc: NCMetrics

    public static func settle<P: FeatureObjective>(_ model: P, result r: OptimizationResult) throws -> OptimizationOutcome {
        let end = try LandscapeAnalyzer.settle(model, endPoint: r.point)
        return OptimizationOutcome(result: r, polished: end.polished, classification: end.classification, polishedLoss: end.loss,
                                   nc: try NCMetrics.compute(model: model, point: r.point))
    }
}
