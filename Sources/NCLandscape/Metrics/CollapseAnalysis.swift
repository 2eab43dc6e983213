/// How close a network's (normalized) last layer is to the model's global minimizer, and
/// whether it sits near a saddle (`nclandscape analyze`).
public struct CollapseAnalysis: Codable, Sendable {
    /// JSON keys: the loss value is `lossValue` (the key `loss` names the loss function in every
    /// file, as in the point files). A new stored property must be listed here too, or it is not
    /// written (docs/schemas/ then needs it as well).
    enum CodingKeys: String, CodingKey {
        case model, nc, ncNormalized, loss = "lossValue", optimalLoss, riemannianGradientNorm, lambdaMin, index, classification, method, distanceToCollapse, distanceToCollapsePerColumn, distanceToCollapseUnavailable, notes
    }

    /// The problem the landscape part uses (labels, τ, ε, loss).
    public var model: ModelDescription
    /// NC metrics of the vectors as given (unnormalized).
    public var nc: NCMetrics
    /// NC metrics of the point the landscape part analyzes: every column scaled to unit norm.
    public var ncNormalized: NCMetrics
    @NullEncodable public var loss: Double?
    @NullEncodable public var optimalLoss: Double?
    @NullEncodable public var riemannianGradientNorm: Double?
    @NullEncodable public var lambdaMin: Double?
    @NullEncodable public var index: Int?
    @NullEncodable public var classification: CriticalPointClass?
    @NullEncodable public var method: HessianMethod?
    /// `min_Q ‖X − Q X*‖_F` over rotations, `X*` the NC configuration with the same labels
    /// (`W*` a simplex ETF, `h_j = w*_{y_j}`); nil when `d < K−1` or no classifiers are given.
    @NullEncodable public var distanceToCollapse: Double?
    /// The same per column (`distance/√(K+N)`), comparable across sizes.
    @NullEncodable public var distanceToCollapsePerColumn: Double?
    /// Why `distanceToCollapse` is nil (no classifiers, or `d < K−1`: no simplex ETF exists).
    @NullEncodable public var distanceToCollapseUnavailable: String?
    public var notes: [String]

    /// Orthogonal Procrustes: `Q = U Vᵀ` from the SVD of `X X*ᵀ` minimizes `‖X − Q X*‖_F`.
    public static func distanceToCollapse(model: NormalizedFeatureModel, point x: Matrix) throws -> Double? {
        guard let w = try? SpecialPoints.simplexETF(K: model.K, d: model.d) else { return nil }
        let star = SpecialPoints.aligned(model, classifiers: w, signs: [Double](repeating: 1, count: model.K))
        let (u, _, vt) = try LAPACK.svd(BLAS.product(.n, x, .t, star))
        let q = BLAS.product(.n, u, .n, vt)
        return (x - BLAS.product(.n, q, .n, star)).frobeniusNorm
    }

    /// Features `H` (`d × N`), labels, optional classifiers `W` (`d × K`); columns are
    /// normalized for the landscape part (the model lives on the spheres).
    public static func analyze(features h: Matrix, labels: [Int], K: Int, classifiers w: Matrix?, tau: Double,
                               labelSmoothing: Double = 0, loss: LossFunction = .crossEntropy,
                               options: AnalysisOptions) throws -> CollapseAnalysis {
        let spec = ModelDescription(K: K, d: h.rows, labels: labels, tau: tau, labelSmoothing: labelSmoothing, loss: loss)
        try spec.validate()
        let nc = try NCMetrics.compute(features: h, labels: labels, K: K, classifiers: w)
        let ncUnit = try NCMetrics.compute(features: ProductOfSpheres.normalizeColumns(h), labels: labels, K: K,
                                           classifiers: w.map(ProductOfSpheres.normalizeColumns))
        var out = CollapseAnalysis(model: spec, nc: nc, ncNormalized: ncUnit, notes: [])
        guard let w else {
            out.notes.append("no classifiers given: NC metrics of the features only (the landscape check needs W)")
            out.distanceToCollapseUnavailable = "no classifiers given"
            return out
        }
        let model = try NormalizedFeatureModel(spec)
        var all = w.storage; all += h.storage
        let x = ProductOfSpheres.normalizeColumns(Matrix(rows: h.rows, cols: K + h.cols, columnMajor: all))
        let a = try LandscapeAnalyzer.analyze(model, at: x, options: options)
        out.loss = a.loss; out.optimalLoss = model.optimalLoss
        out.riemannianGradientNorm = a.riemannianGradientNorm; out.lambdaMin = a.lambdaMin
        out.index = a.inertiaExact ? a.index : nil
        out.classification = a.classification; out.method = a.method
        if let dist = try distanceToCollapse(model: model, point: x) {
            out.distanceToCollapse = dist
            out.distanceToCollapsePerColumn = dist / Double(K + h.cols).squareRoot()
        } else {
            out.distanceToCollapseUnavailable = "d = \(h.rows) < K − 1 = \(K - 1): no simplex ETF of \(K) vectors exists in dimension \(h.rows), so there is no neural-collapse configuration to measure the distance to"
        }
        // Which method `auto` chose and why (its cost estimates) comes first: a user who waits needs to know.
        if let why = a.methodReason { out.notes.append(why) }
        out.notes += a.notes
        out.notes.append("landscape evaluated at the point with every column normalized, temperature τ = \(tau), loss \(loss.name)")
        return out
    }
}
