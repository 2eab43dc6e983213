/// Riemannian gradient descent with Armijo backtracking on the product of spheres:
/// `x ← R_x(−α grad f(x))`, `α` halved from `initialStep` until
/// `f(R_x(−α g)) ≤ f(x) − c α ‖g‖²` (c = 1e−4). Reaches minimizers from generic starts.
public struct RiemannianGradientDescent: Sendable {
    public var initialStep: Double = 1
    public var maxIterations: Int = 5000
    public var gradientTolerance: Double = 1e-8
    public var armijo = 1e-4
    public init(initialStep: Double = 1, maxIterations: Int = 5000, gradientTolerance: Double = 1e-8) {
        self.initialStep = initialStep; self.maxIterations = maxIterations; self.gradientTolerance = gradientTolerance
    }

    public struct Result: Sendable {
        public let point: Matrix
        public let iterations: Int
        public let loss: Double
        public let gradientNorm: Double
    }

    public func run(_ model: NormalizedFeatureModel, from x0: Matrix) -> Result {
        let man = model.manifold
        var x = x0
        var fo = model.firstOrder(at: x)
        var g = man.euclideanToRiemannianGradient(x, fo.euclideanGradient)
        var gn = g.frobeniusNorm
        var step = initialStep
        var it = 0
        while gn > gradientTolerance && it < maxIterations {
            it += 1
            var alpha = min(step * 2, initialStep * 64)
            var moved = false
            for _ in 0 ..< 60 {
                let trial = man.retract(x, (-alpha) * g)
                let tfo = model.firstOrder(at: trial)
                if tfo.loss <= fo.loss - armijo * alpha * gn * gn {
                    x = trial; fo = tfo; moved = true
                    break
                }
                alpha *= 0.5
            }
            if !moved { break }   // no decrease possible at floating-point resolution
            step = alpha
            g = man.euclideanToRiemannianGradient(x, fo.euclideanGradient)
            gn = g.frobeniusNorm
        }
        return Result(point: x, iterations: it, loss: fo.loss, gradientNorm: gn)
    }
}
