import Foundation

/// Which tangent direction a loss slice follows.
public enum SliceDirection: String, Codable, CaseIterable, Sendable {
    /// The unit eigenvector of the lowest Hessian eigenvalue (the descent direction at a strict saddle).
    case lambdaMin = "lambda-min"
    /// A seeded uniformly random unit tangent vector.
    case random
    /// The normalized negative Riemannian gradient (at a non-critical point).
    case gradient
}

/// The loss along geodesics from a point (docs/formulas.md §2): 1-D curves
/// `t ↦ f(Exp_x(t u))` for each unit tangent direction `u`, and, for two directions, the 2-D map
/// `(s, t) ↦ f(Exp_x(s u + t v))` with `v` orthonormalized against `u`. Geodesics (not the
/// retraction) so that `t` is arc length: the curve's second derivative at 0 is `uᵀ Hess f(x) u`
/// exactly, at critical and non-critical points alike plus the gradient term `⟨grad f, ·⟩` of first order.
public struct LossSlice: Codable, Sendable {
    /// JSON keys: the loss value is `lossValue` (the key `loss` names the loss function in every
    /// file, as in the point files). A new stored property must be listed here too, or it is not
    /// written (docs/schemas/ then needs it as well).
    enum CodingKeys: String, CodingKey {
        case model, regularizedModel, loss = "lossValue", coordinates, curves, surface, lambdaMin, seed, software
    }

    public struct Curve: Codable, Sendable {
        public var direction: SliceDirection
        /// `uᵀ Hess f(x) u` from one Hessian-vector product.
        public var rayleighQuotient: Double
        /// `⟨grad f(x), u⟩`.
        public var slope: Double
        /// `(f(t₁) + f(−t₁) − 2 f(0)) / t₁²` at the smallest grid step `t₁`: the curvature the
        /// picture shows, a second way to the Rayleigh quotient.
        public var secondDifference: Double
        public var losses: [Double]

        enum CodingKeys: String, CodingKey {
            case direction, rayleighQuotient, slope, secondDifference, losses = "lossValues"
        }
    }
    /// The normalized model (omitted for a regularized one, which has `regularizedModel`).
    public var model: ModelDescription?
    public var regularizedModel: RegularizedDescription?
    public var loss: Double
    /// Grid `−span … span` with `grid` points (odd, so 0 is on it).
    public var coordinates: [Double]
    public var curves: [Curve]
    /// Row `i` (first direction at `coordinates[i]`), column `j` (second direction), when two
    /// directions were given; `f` at every grid node.
    @NullEncodable public var surface: [[Double]]?
    /// `λ_min` when the λ_min direction was used.
    @NullEncodable public var lambdaMin: Double?
    public var seed: UInt64
    public var software: String

    /// The model's one-line description, whichever model it is.
    public var modelSummary: String { model?.summary ?? regularizedModel?.summary ?? "unknown model" }
    /// Arc length is in radians on the spheres, Euclidean length for the regularized model.
    public var lengthUnit: String { regularizedModel == nil ? "radians" : "Euclidean distance" }

    /// `span` is arc length (total geodesic length `‖(s, t)‖`): radians on the product of spheres,
    /// where it is at most π (beyond, a column's geodesic wraps around its sphere), and Euclidean
    /// length for the regularized model.
    public static func compute<P: FeatureObjective>(model: P, point x: Matrix, directions: [SliceDirection], span: Double, grid: Int,
                                                    seed: UInt64, options: AnalysisOptions = AnalysisOptions(),
                                                    progress: ((Int, Int) -> Void)? = nil) throws -> LossSlice {
        try Validate.positive(span, "--span")
        guard model.structured == nil || span <= Double.pi else {
            throw InputError("--span must be at most π (got \(span)): beyond it a geodesic wraps around the sphere")
        }
        guard grid >= 3, grid % 2 == 1 else { throw InputError("--grid must be an odd number ≥ 3, so that the point itself is on the grid (got \(grid))") }
        guard grid <= 401 else { throw InputError("--grid must be at most 401 (got \(grid)); the 2-D map evaluates grid² losses") }
        guard (1 ... 2).contains(directions.count) else { throw InputError("--directions takes one or two directions (got \(directions.count))") }
        guard Set(directions).count == directions.count else { throw InputError("--directions lists a direction twice") }
        let manifold = model.manifold
        let fo = model.firstOrder(at: x)
        let grad = manifold.euclideanToRiemannianGradient(x, fo.euclideanGradient)
        var lambdaMin: Double? = nil
        var units: [Matrix] = []
        var rng = SeededGenerator(seed: seed)
        for dir in directions {
            var u: Matrix
            switch dir {
            case .lambdaMin:
                var o = options
                o.eigenvectors = max(1, o.eigenvectors)
                let a = try LandscapeAnalyzer.analyze(model, at: x, options: o)
                guard let e = a.lowest.first else { throw InputError("the spectrum method returned no eigenvector for λ_min") }
                lambdaMin = e.value
                u = e.direction
            case .random:
                u = manifold.randomTangent(at: x, using: &rng)
            case .gradient:
                let g = grad.frobeniusNorm
                guard g > 0 else { throw InputError("the gradient is exactly zero here; choose lambda-min or random") }
                u = (-1 / g) * grad
            }
            // Orthonormal to the earlier direction, so (s, t) are Cartesian coordinates.
            if let first = units.first {
                u = u + (-manifold.inner(first, u)) * first
                let n = u.frobeniusNorm
                guard n > 1e-8 else { throw InputError("the two directions are parallel; choose two different ones") }
                u = (1 / n) * u
            }
            units.append(u)
        }
        let coords = (0 ..< grid).map { span * (2 * Double($0) / Double(grid - 1) - 1) }
        let mid = grid / 2
        let total = grid * units.count + (units.count == 2 ? grid * grid : 0)
        var done = 0
        var curves: [Curve] = []
        for (dir, u) in zip(directions, units) {
            var losses = [Double](repeating: 0, count: grid)
            for (i, t) in coords.enumerated() {
                losses[i] = i == mid ? fo.loss : model.loss(at: manifold.exp(x, t * u))
                done += 1; progress?(done, total)
            }
            let h = coords[mid + 1]
            let rq = manifold.inner(u, model.riemannianHessianVectorProduct(at: x, firstOrder: fo, direction: u))
            curves.append(Curve(direction: dir, rayleighQuotient: rq, slope: manifold.inner(grad, u),
                                secondDifference: (losses[mid + 1] + losses[mid - 1] - 2 * fo.loss) / (h * h), losses: losses))
        }
        var surface: [[Double]]? = nil
        if units.count == 2 {
            var rows: [[Double]] = []
            for s in coords {
                var row: [Double] = []
                for t in coords {
                    row.append(s == 0 && t == 0 ? fo.loss : model.loss(at: manifold.exp(x, s * units[0] + t * units[1])))
                    done += 1; progress?(done, total)
                }
                rows.append(row)
            }
            surface = rows
        }
        let problem = model.problemDescription
        return LossSlice(model: problem.normalized, regularizedModel: problem.regularized, loss: fo.loss, coordinates: coords, curves: curves, surface: surface,
                         lambdaMin: lambdaMin, seed: seed, software: SoftwareVersion.summary)
    }
}
