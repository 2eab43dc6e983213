#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The normalized unconstrained feature model (SPEC §1): classifiers `W ∈ R^{d×K}` and features
/// `H ∈ R^{d×N}` with unit columns, stored side by side as one point `X = [W H] ∈ R^{d×(K+N)}`
/// on the product of spheres. It knows loss, gradients and Hessians, and nothing about analysis.
///
/// `f(W,H) = (1/N) Σ_j [logsumexp(z_j) − t_jᵀ z_j]`, `z_j = τ Wᵀ h_j`,
/// `t_j = (1−ε) e_{y_j} + (ε/K) 1`.
public struct NormalizedFeatureModel: Sendable, Equatable {
    public let K: Int
    public let d: Int
    public let labels: [Int]
    public let tau: Double
    public let labelSmoothing: Double
    /// `n_k`, samples per class.
    public let counts: [Int]
    /// Per-sample weights `c_j` (nil: all 1) and the normalization `Z` of the loss
    /// `f = (1/Z) Σ_j c_j ℓ_j` (default `Z = N`). Only the symmetry-reduced problem at collapsed
    /// points uses them: one representative per class with weight `n_k`, `Z` the original `N`.
    public let sampleWeights: [Double]?
    public let lossNormalization: Double

    @inline(__always) func weight(_ j: Int) -> Double { sampleWeights?[j] ?? 1 }

    public var N: Int { labels.count }
    /// The manifold `(S^{d−1})^{K+N}` the point lives on.
    public var manifold: ProductOfSpheres { ProductOfSpheres(ambientDimension: d, count: K + N) }
    /// Size of the Riemannian Hessian, `m = (K+N)(d−1)`.
    public var hessianSize: Int { (K + N) * (d - 1) }
    public var classifierColumns: Range<Int> { 0 ..< K }
    public var featureColumns: Range<Int> { K ..< K + N }

    /// Validates every parameter; throws `InputError` with a one-line reason.
    public init(K: Int, d: Int, labels: [Int], tau: Double, labelSmoothing: Double = 0) throws {
        guard K >= 2 else { throw InputError("K must be at least 2 (got \(K))") }
        guard d >= 2 else { throw InputError("d must be at least 2 (got \(d)): S^{d-1} needs d ≥ 2") }
        guard tau.isFinite, tau > 0 else { throw InputError("tau must be a positive finite number (got \(tau))") }
        guard labelSmoothing.isFinite, labelSmoothing >= 0, labelSmoothing < 1 else {
            throw InputError("label smoothing must lie in [0, 1) (got \(labelSmoothing))")
        }
        guard !labels.isEmpty else { throw InputError("there are no samples (N = 0)") }
        var counts = [Int](repeating: 0, count: K)
        for (j, y) in labels.enumerated() {
            guard y >= 0, y < K else { throw InputError("label \(y) of sample \(j) is out of range 0..<\(K)") }
            counts[y] += 1
        }
        if let empty = counts.firstIndex(of: 0) {
            throw InputError("class \(empty) has no samples (every class needs at least one)")
        }
        self.K = K
        self.d = d
        self.labels = labels
        self.tau = tau
        self.labelSmoothing = labelSmoothing
        self.counts = counts
        self.sampleWeights = nil
        self.lossNormalization = Double(labels.count)
    }

    /// The weighted problem `f = (1/Z) Σ_j c_j ℓ_j` (see `sampleWeights`).
    init(K: Int, d: Int, labels: [Int], tau: Double, labelSmoothing: Double, weights: [Double], normalization: Double) throws {
        try self.init(K: K, d: d, labels: labels, tau: tau, labelSmoothing: labelSmoothing)
        precondition(weights.count == labels.count && weights.allSatisfy { $0 > 0 } && normalization > 0)
        self = NormalizedFeatureModel(copying: self, weights: weights, normalization: normalization)
    }

    private init(copying m: NormalizedFeatureModel, weights: [Double], normalization: Double) {
        K = m.K; d = m.d; labels = m.labels; tau = m.tau; labelSmoothing = m.labelSmoothing; counts = m.counts
        sampleWeights = weights; lossNormalization = normalization
    }

    /// Samples sorted by class: `counts[k]` samples with label `k`.
    public init(d: Int, counts: [Int], tau: Double, labelSmoothing: Double = 0) throws {
        guard counts.allSatisfy({ $0 >= 0 }) else { throw InputError("class counts must be non-negative (got \(counts))") }
        let labels = counts.enumerated().flatMap { k, n in [Int](repeating: k, count: n) }
        try self.init(K: counts.count, d: d, labels: labels, tau: tau, labelSmoothing: labelSmoothing)
    }

    /// `n` samples in each of `K` classes.
    public init(K: Int, d: Int, n: Int, tau: Double, labelSmoothing: Double = 0) throws {
        guard K >= 2 else { throw InputError("K must be at least 2 (got \(K))") }
        guard n >= 1 else { throw InputError("n must be at least 1 (got \(n))") }
        try self.init(d: d, counts: [Int](repeating: n, count: K), tau: tau, labelSmoothing: labelSmoothing)
    }

    public var isBalanced: Bool { Set(counts).count == 1 }

    /// The optimal value `f*` where it is proven and attained (docs/formulas.md §3, §10):
    /// `log1p((K−1) exp(−τK/(K−1)))` for balanced classes, ε = 0, d ≥ K−1; the label-smoothing
    /// values of `lossBound`; nil elsewhere (a search then settles minimizers by the best loss).
    public var optimalLoss: Double? { lossBound.flatMap { $0.attained ? $0.value : nil } }

    /// Whether the paper's benign-landscape theorem covers this configuration.
    public var theoremApplies: Bool { isBalanced && labelSmoothing == 0 && d > K }

    public func classifiers(_ x: Matrix) -> ColumnSlice { ColumnSlice(x, classifierColumns) }
    public func features(_ x: Matrix) -> ColumnSlice { ColumnSlice(x, featureColumns) }

    /// The per-sample loss of the logits (docs/formulas.md §11).
    public var sampleLoss: any SampleLoss { CrossEntropy(labelSmoothing: labelSmoothing) }

    /// Everything first-order at a point: the loss's per-sample state, `G = ∇_Z ℓ`, loss and
    /// Euclidean gradient, and the scales the scale-free tests need.
    public struct FirstOrder: Sendable {
        public let loss: Double
        /// `K × N`: what the loss keeps for second order (softmax losses: the probabilities).
        public let lossState: Matrix
        /// `K × N`, `G = ∇_Z ℓ` per sample (cross-entropy: `P − T`).
        public let residual: Matrix
        /// `G diag(c)` (equal to `residual` without sample weights).
        public let weightedResidual: Matrix
        /// `d × (K+N)`: `[∇_W f, ∇_H f] = (τ/Z)[H Gᵀ, W G]`.
        public let euclideanGradient: Matrix
        /// `γ`: the 2-norm over columns of the summed magnitudes of the terms that make up each
        /// column of the Euclidean gradient, `(τ/Z) Σ_k |G_kj|` for feature `j` and
        /// `(τ/Z) Σ_j c_j |G_kj|` for classifier `k` (with the loss's cancellation-free
        /// magnitudes). Rounding error in the gradient is a small multiple of `ε_mach γ`, so
        /// `‖grad f‖/γ` says how far the gradient is from cancelling to rounding level, at any
        /// temperature (docs/formulas.md §4).
        public let gradientScale: Double
        /// Smallest gap between a sample's largest and second-largest logit (saturation).
        public let smallestLogitGap: Double

        /// Whether every sample's non-top probabilities are below what doubles resolve: the
        /// curvature then vanishes in floating point (docs/formulas.md §9).
        public var beyondDoubleRange: Bool { smallestLogitGap > NumericRange.maximumLogitGap }
    }

    /// Loss and first derivatives through the saturation-safe per-sample loss.
    public func firstOrder(at x: Matrix) -> FirstOrder {
        precondition(x.rows == d && x.cols == K + N, "point must be \(d)×\(K + N)")
        let z = BLAS.product(.t, classifiers(x), .n, features(x), alpha: tau)   // K × N
        var state = Matrix(rows: K, cols: N)
        var g = Matrix(rows: K, cols: N)
        var magnitude = Matrix(rows: K, cols: N)
        var total = 0.0
        var gap = Double.infinity
        let loss = sampleLoss
        z.storage.withUnsafeBufferPointer { zs in state.storage.withUnsafeMutableBufferPointer { ps in
            g.storage.withUnsafeMutableBufferPointer { gs in magnitude.storage.withUnsafeMutableBufferPointer { ms in
                for j in 0 ..< N {
                    let base = j * K
                    let e = loss.evaluate(zs.baseAddress! + base, label: labels[j], count: K, state: ps.baseAddress! + base,
                                          gradient: gs.baseAddress! + base, magnitude: ms.baseAddress! + base)
                    total += weight(j) * e.value
                    gap = min(gap, e.logitGap)
                }
            } }
        } }
        var gc = g
        if let w = sampleWeights { for j in 0 ..< N { for k in 0 ..< K { gc.storage[j * K + k] *= w[j] } } }
        var egrad = Matrix(rows: d, cols: K + N)
        let scale = tau / lossNormalization
        BLAS.gemm(.n, features(x), .t, gc, alpha: scale, into: &egrad, columns: classifierColumns)
        BLAS.gemm(.n, classifiers(x), .n, gc, alpha: scale, into: &egrad, columns: featureColumns)
        // γ from the magnitudes: unit columns, so |term| = |coefficient|.
        var perClassifier = [Double](repeating: 0, count: K)
        var sumSquares = 0.0
        for j in 0 ..< N {
            var s = 0.0
            for k in 0 ..< K { let m = weight(j) * magnitude.storage[j * K + k]; s += m; perClassifier[k] += m }
            sumSquares += s * s
        }
        for k in 0 ..< K { sumSquares += perClassifier[k] * perClassifier[k] }
        return FirstOrder(loss: total / lossNormalization, lossState: state, residual: g, weightedResidual: gc, euclideanGradient: egrad,
                          gradientScale: scale * sumSquares.squareRoot(), smallestLogitGap: gap)
    }

    public func loss(at x: Matrix) -> Double { firstOrder(at: x).loss }

    /// Riemannian gradient, column by column `g_c − (x_cᵀ g_c) x_c`.
    public func riemannianGradient(at x: Matrix) -> Matrix {
        manifold.euclideanToRiemannianGradient(x, firstOrder(at: x).euclideanGradient)
    }

    /// Euclidean Hessian-vector product in direction `V = [Ẇ Ḣ]` (SPEC §2; with sample weights
    /// `G` and `Ġ` carry `diag(c)`):
    /// `Ż = τ(ẆᵀH + WᵀḢ)`, `Ġ_j = Λ_j ż_j` with `Λ_j = ∇²_z ℓ` (cross-entropy: `diag(p_j) − p_j p_jᵀ`),
    /// `[(∇_W f)˙, (∇_H f)˙] = (τ/N)[Ḣ Gᵀ + H Ġᵀ, Ẇ G + W Ġ]`.
    public func euclideanHessianVectorProduct(at x: Matrix, firstOrder fo: FirstOrder, direction v: Matrix) -> Matrix {
        var zdot = BLAS.product(.t, ColumnSlice(v, classifierColumns), .n, features(x), alpha: tau)
        BLAS.gemm(.t, classifiers(x), .n, ColumnSlice(v, featureColumns), alpha: tau, beta: 1, into: &zdot)
        var gdot = Matrix(rows: K, cols: N)
        let loss = sampleLoss
        fo.lossState.storage.withUnsafeBufferPointer { p in zdot.storage.withUnsafeBufferPointer { z in
            gdot.storage.withUnsafeMutableBufferPointer { out in
                for j in 0 ..< N {
                    loss.hessianProduct(p.baseAddress! + j * K, label: labels[j], count: K, z.baseAddress! + j * K,
                                        into: out.baseAddress! + j * K, scale: weight(j))
                }
            }
        } }
        let scale = tau / lossNormalization
        var out = Matrix(rows: d, cols: K + N)
        BLAS.gemm(.n, ColumnSlice(v, featureColumns), .t, fo.weightedResidual, alpha: scale, into: &out, columns: classifierColumns)
        BLAS.gemm(.n, features(x), .t, gdot, alpha: scale, beta: 1, into: &out, columns: classifierColumns)
        BLAS.gemm(.n, ColumnSlice(v, classifierColumns), .n, fo.weightedResidual, alpha: scale, into: &out, columns: featureColumns)
        BLAS.gemm(.n, classifiers(x), .n, gdot, alpha: scale, beta: 1, into: &out, columns: featureColumns)
        return out
    }

    /// Riemannian Hessian-vector product for a tangent `ξ` (SPEC §2):
    /// `Hess f(x)[ξ]_c = (I − x_c x_cᵀ)(∇²f(x)[ξ])_c − (x_cᵀ g_c) ξ_c`.
    public func riemannianHessianVectorProduct(at x: Matrix, firstOrder fo: FirstOrder, direction xi: Matrix) -> Matrix {
        let ehess = euclideanHessianVectorProduct(at: x, firstOrder: fo, direction: xi)
        return manifold.euclideanToRiemannianHessian(x, egrad: fo.euclideanGradient, ehess: ehess, direction: xi)
    }

    public func riemannianHessianVectorProduct(at x: Matrix, direction xi: Matrix) -> Matrix {
        riemannianHessianVectorProduct(at: x, firstOrder: firstOrder(at: x), direction: xi)
    }

    /// `x_cᵀ g_c` for every column (the Riemannian curvature term of the Hessian).
    public func curvatureTerms(at x: Matrix, firstOrder fo: FirstOrder) -> [Double] {
        (0 ..< K + N).map { c in
            var s = 0.0
            for i in 0 ..< d { s += x.storage[c * d + i] * fo.euclideanGradient.storage[c * d + i] }
            return s
        }
    }

    /// Bytes the dense Riemannian Hessian needs (`m²` doubles plus one working copy).
    public var denseHessianBytes: Double { 2 * 8 * Double(hessianSize) * Double(hessianSize) }
}
