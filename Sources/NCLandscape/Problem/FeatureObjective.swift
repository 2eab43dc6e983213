/// An objective of the unconstrained-feature-model family on a manifold — "problem = manifold +
/// objective", as in Manopt's `problem.M` / `problem.cost`. Points are `X = [W H]` with `K`
/// classifier columns and `N` feature columns side by side; the manifold says which points are
/// admissible (the product of spheres for the normalized model, Euclidean space for the
/// regularized one), the objective gives the cost and its Euclidean derivatives, its symmetry
/// group and its known optimum.
///
/// Everything the generic analysis needs (optimizers, Newton polishing, the dense analyzer, the
/// classification, escape) is here. Models with structure the generic path cannot see offer it
/// as a capability: `structured` returns the normalized model, whose reduced spectrum, structured
/// inertia, Lanczos operator and certificates then take over exactly as before.
public protocol FeatureObjective: Sendable {
    associatedtype Space: RiemannianManifold
    /// The manifold the points live on.
    var manifold: Space { get }
    /// Sizes: classes, feature dimension, samples; labels and per-class counts.
    var K: Int { get }
    var d: Int { get }
    var N: Int { get }
    var labels: [Int] { get }
    var counts: [Int] { get }
    /// `dim M`, the size of the Riemannian Hessian.
    var hessianSize: Int { get }

    /// Cost, per-sample loss state and Euclidean gradient at `x`.
    func firstOrder(at x: Matrix) -> FeatureFirstOrder
    /// `∇²f(x)[v]` (Euclidean), from the first-order data at the same point.
    func euclideanHessianVectorProduct(at x: Matrix, firstOrder fo: FeatureFirstOrder, direction v: Matrix) -> Matrix

    /// A proven lower bound on the cost (nil: none is known; each model states its own — there is
    /// no default).
    var lossBound: LossBound? { get }
    /// The optimal value `f*` where it is proven and attained.
    var optimalLoss: Double? { get }
    /// Whether a benign-landscape theorem covers this configuration.
    var theoremApplies: Bool { get }
    /// The largest logit margin every sample can have at once (for the saturation message), nil
    /// when the cost has none.
    var saturationMarginHint: Double? { get }

    /// The symmetry group's orbit through `x` in the coordinates of `basis`: its dimension is the
    /// nullity every critical point's Hessian carries, its complement the quotient.
    func symmetry(at x: Matrix, basis: Space.Frame) throws -> SymmetryAnalysis

    /// The dense Riemannian Hessian in a tangent frame (a default assembles it from `hessianSize`
    /// Hessian-vector products).
    func denseHessian(at x: Matrix, firstOrder fo: FeatureFirstOrder) -> (matrix: Matrix, basis: Space.Frame)
    /// `v ↦ P Hess f(x)[P v] + σ(v − P v)` on ambient vectors (a default goes through
    /// `riemannianHessianVectorProduct`).
    func ambientHessianOperator(at x: Matrix, firstOrder fo: FeatureFirstOrder, normalShift: Double) -> any AmbientHessianOperator

    /// Capability: the normalized model with its structured fast paths, nil for other objectives.
    var structured: NormalizedFeatureModel? { get }

    /// Which model this is, with its parameters (for reports, point files and manifests).
    var problemDescription: ProblemDescription { get }
}

/// The models of the unconstrained-feature family the toolkit analyses.
public enum FeatureModelKind: String, Codable, CaseIterable, Sendable {
    /// Unit classifiers and features on the product of spheres, temperature τ (docs/formulas.md §1).
    case normalized
    /// Euclidean classifiers and features with weight decay (docs/formulas.md §8).
    case regularized
}

/// A problem's description, by model.
public enum ProblemDescription: Sendable, Equatable {
    case normalized(ModelDescription)
    case regularized(RegularizedDescription)

    public var kind: FeatureModelKind {
        switch self { case .normalized: return .normalized; case .regularized: return .regularized }
    }

    /// The normalized model's description (nil for the regularized model).
    public var normalized: ModelDescription? { if case let .normalized(m) = self { return m }; return nil }
    /// The regularized model's description (nil for the normalized model).
    public var regularized: RegularizedDescription? { if case let .regularized(r) = self { return r }; return nil }

    /// The loss's name (`focal-g2`, `mse`).
    public var lossName: String {
        switch self { case let .normalized(m): return m.loss.name; case let .regularized(r): return r.loss.rawValue }
    }
}

/// A linear operator on ambient vectors (column-major `rows × cols` entries) that matrix-free
/// solvers iterate on.
public protocol AmbientHessianOperator: AnyObject {
    var dimension: Int { get }
    /// `σ`, the eigenvalue given to the normal directions (none on Euclidean space).
    var normalShift: Double { get set }
    func apply(_ v: [Double], into y: inout [Double])
}


extension FeatureObjective {
    public var classifierColumns: Range<Int> { 0 ..< K }
    public var featureColumns: Range<Int> { K ..< K + N }
    public func classifiers(_ x: Matrix) -> ColumnSlice { ColumnSlice(x, classifierColumns) }
    public func features(_ x: Matrix) -> ColumnSlice { ColumnSlice(x, featureColumns) }

    public func loss(at x: Matrix) -> Double { firstOrder(at: x).loss }

    public func riemannianGradient(at x: Matrix) -> Matrix {
        manifold.euclideanToRiemannianGradient(x, firstOrder(at: x).euclideanGradient)
    }

    /// `Hess f(x)[ξ] = ehess2rhess(x, ∇f, ∇²f[ξ], ξ)` for a tangent `ξ`.
    public func riemannianHessianVectorProduct(at x: Matrix, firstOrder fo: FeatureFirstOrder, direction xi: Matrix) -> Matrix {
        let ehess = euclideanHessianVectorProduct(at: x, firstOrder: fo, direction: xi)
        return manifold.euclideanToRiemannianHessian(x, egrad: fo.euclideanGradient, ehess: ehess, direction: xi)
    }

    /// Bytes a dense analysis needs (the Hessian, a working copy and the quotient Hessian).
    public var denseHessianBytes: Double { MemoryEstimate.dense(m: hessianSize) }
}

extension FeatureObjective where Self: GenericFeatureObjective {
    /// Column `i` is `Uᵀ Hess f(x)[U e_i]`; the result is symmetrized, `(M + Mᵀ)/2`, which
    /// changes it only by rounding (the Hessian is symmetric) and gives LAPACK an exactly
    /// symmetric input.
    public func denseHessian(at x: Matrix, firstOrder fo: FeatureFirstOrder) -> (matrix: Matrix, basis: Space.Frame) {
        let basis = manifold.tangentBasis(at: x)
        let m = basis.dimension
        var mat = Matrix(rows: m, cols: m)
        var e = [Double](repeating: 0, count: m)
        for i in 0 ..< m {
            e[i] = 1
            let col = basis.coordinates(of: riemannianHessianVectorProduct(at: x, firstOrder: fo, direction: basis.vector(from: e)))
            e[i] = 0
            for r in 0 ..< m { mat[r, i] = col[r] }
        }
        for j in 0 ..< m { for i in 0 ..< j {
            let s = 0.5 * (mat[i, j] + mat[j, i])
            mat[i, j] = s; mat[j, i] = s
        } }
        return (mat, basis)
    }

    public func ambientHessianOperator(at x: Matrix, firstOrder fo: FeatureFirstOrder, normalShift: Double) -> any AmbientHessianOperator {
        ProjectedHessianOperator(objective: self, point: x, firstOrder: fo, normalShift: normalShift)
    }

    public var structured: NormalizedFeatureModel? { nil }
}

/// Marker for objectives that use the generic (Hessian-vector product) implementations of the
/// dense Hessian and the ambient operator.
public protocol GenericFeatureObjective: FeatureObjective {}

/// `A v = P Hess f(x)[P v] + σ (v − P v)` through the objective's Hessian-vector product.
public final class ProjectedHessianOperator<O: FeatureObjective>: AmbientHessianOperator {
    let objective: O
    let point: Matrix
    let firstOrder: FeatureFirstOrder
    public var normalShift: Double
    public init(objective: O, point: Matrix, firstOrder: FeatureFirstOrder, normalShift: Double) {
        self.objective = objective; self.point = point; self.firstOrder = firstOrder; self.normalShift = normalShift
    }
    public var dimension: Int { point.rows * point.cols }
    public func apply(_ v: [Double], into y: inout [Double]) {
        let vm = Matrix(rows: point.rows, cols: point.cols, columnMajor: v)
        let pv = objective.manifold.project(point, vm)
        let hv = objective.manifold.project(point, objective.riemannianHessianVectorProduct(at: point, firstOrder: firstOrder, direction: pv))
        for i in 0 ..< y.count { y[i] = hv.storage[i] + normalShift * (v[i] - pv.storage[i]) }
    }
}

extension NormalizedFeatureModel: FeatureObjective {
    public var saturationMarginHint: Double? { maximalMargin }

    /// The `O(d)` orbit `{(QW, QH)}` (docs/formulas.md §4).
    public func symmetry(at x: Matrix, basis: TangentBasis) throws -> SymmetryAnalysis {
        try SymmetryAnalysis(point: x, basis: basis)
    }

    /// The structured assembly from `HessianBlocks` (level-3 BLAS).
    public func denseHessian(at x: Matrix, firstOrder fo: FeatureFirstOrder) -> (matrix: Matrix, basis: TangentBasis) {
        let h = denseRiemannianHessian(at: x, firstOrder: fo)
        return (h.matrix, h.basis)
    }

    public func ambientHessianOperator(at x: Matrix, firstOrder fo: FeatureFirstOrder, normalShift: Double) -> any AmbientHessianOperator {
        TangentHessianOperator(model: self, at: x, firstOrder: fo, normalShift: normalShift)
    }

    public var structured: NormalizedFeatureModel? { self }
    public var problemDescription: ProblemDescription { .normalized(spec) }
}
