#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The normalized unconstrained feature model (docs/formulas.md §1): classifiers `W ∈ R^{d×K}`
/// and features `H ∈ R^{d×N}` with unit columns, stored side by side as one point
/// `X = [W H] ∈ R^{d×(K+N)}` on the product of spheres. It knows loss, gradients and Hessians,
/// and nothing about analysis.
///
/// `f(W,H) = (1/N) Σ_j ℓ(z_j, y_j)`, `z_j = τ Wᵀ h_j`, with the per-sample loss of `spec.loss`
/// (cross-entropy: `ℓ = lse(z) − tᵀz`, `t_j = (1−ε) e_{y_j} + (ε/K) 1`).
public struct NormalizedFeatureModel: Sendable, Equatable {
    /// What problem this is: sizes, labels, τ, ε and the loss.
    public let spec: ModelDescription
    /// `n_k`, samples per class.
    public let counts: [Int]
    /// Per-sample weights `c_j` (nil: all 1) and the normalization `Z` of the loss
    /// `f = (1/Z) Σ_j c_j ℓ_j` (default `Z = N`). Only the symmetry-reduced problem at collapsed
    /// points uses them: one representative per class with weight `n_k`, `Z` the original `N`.
    public let sampleWeights: [Double]?
    public let lossNormalization: Double
    /// The per-sample loss of the logits (docs/formulas.md §11), built once.
    public let sampleLoss: any SampleLoss
    /// Numbers the loss keeps per sample (`SampleLoss.stateCount`): the rows of `lossState`.
    public let stateCount: Int
    /// The proven lower bound on the loss (docs/formulas.md §3, §10, §11), computed once.
    public let lossBound: LossBound?

    public var K: Int { spec.K }
    public var d: Int { spec.d }
    public var labels: [Int] { spec.labels }
    public var tau: Double { spec.tau }
    public var labelSmoothing: Double { spec.labelSmoothing }
    public var loss: LossFunction { spec.loss }

    @inline(__always) func weight(_ j: Int) -> Double { sampleWeights?[j] ?? 1 }

    public var N: Int { spec.labels.count }
    /// The manifold `(S^{d−1})^{K+N}` the point lives on.
    public var manifold: ProductOfSpheres { ProductOfSpheres(ambientDimension: d, count: K + N) }
    /// Size of the Riemannian Hessian, `m = (K+N)(d−1)` (checked against overflow at construction).
    public var hessianSize: Int { (K + N) * (d - 1) }
    public var classifierColumns: Range<Int> { 0 ..< K }
    public var featureColumns: Range<Int> { K ..< K + N }

    /// Validates every parameter; throws `InputError` with a one-line reason.
    public init(_ spec: ModelDescription) throws {
        try spec.validate()
        self.spec = spec
        counts = spec.counts
        sampleWeights = nil
        lossNormalization = Double(spec.labels.count)
        sampleLoss = spec.loss.kernel(tau: spec.tau, labelSmoothing: spec.labelSmoothing)
        stateCount = sampleLoss.stateCount(K: spec.K)
        lossBound = spec.provenBound()
    }

    public init(K: Int, d: Int, labels: [Int], tau: Double, labelSmoothing: Double = 0, loss: LossFunction = .crossEntropy) throws {
        try self.init(ModelDescription(K: K, d: d, labels: labels, tau: tau, labelSmoothing: labelSmoothing, loss: loss))
    }

    /// The weighted problem `f = (1/Z) Σ_j c_j ℓ_j` (see `sampleWeights`).
    init(_ spec: ModelDescription, weights: [Double], normalization: Double) throws {
        try spec.validate()
        precondition(weights.count == spec.labels.count && weights.allSatisfy { $0 > 0 } && normalization > 0)
        self.spec = spec
        counts = spec.counts
        sampleWeights = weights
        lossNormalization = normalization
        sampleLoss = spec.loss.kernel(tau: spec.tau, labelSmoothing: spec.labelSmoothing)
        stateCount = sampleLoss.stateCount(K: spec.K)
        // A weighted stand-in is never classified against bounds (they are the full problem's).
        lossBound = nil
    }

    /// Samples sorted by class: `counts[k]` samples with label `k`.
    public init(d: Int, counts: [Int], tau: Double, labelSmoothing: Double = 0, loss: LossFunction = .crossEntropy) throws {
        try self.init(ModelDescription(d: d, counts: counts, tau: tau, labelSmoothing: labelSmoothing, loss: loss))
    }

    /// `n` samples in each of `K` classes.
    public init(K: Int, d: Int, n: Int, tau: Double, labelSmoothing: Double = 0, loss: LossFunction = .crossEntropy) throws {
        guard K >= 2 else { throw InputError("K must be at least 2 (got \(K))") }
        guard n >= 1 else { throw InputError("n must be at least 1 (got \(n))") }
        let N = try SizeLimits.product(K, n, "the number of samples K·n")
        try SizeLimits.checkSampleCount(N)
        // Before even the K class counts are allocated (K = 4e9 alone is 32 GB).
        try MemoryBudget.check(MemoryEstimate.point(K: K, d: max(d, 1), N: N), for: "a problem with N = \(N) samples, K = \(K), d = \(d)")
        try self.init(d: d, counts: [Int](repeating: n, count: K), tau: tau, labelSmoothing: labelSmoothing, loss: loss)
    }

    public static func == (a: NormalizedFeatureModel, b: NormalizedFeatureModel) -> Bool {
        a.spec == b.spec && a.sampleWeights == b.sampleWeights && a.lossNormalization == b.lossNormalization
    }

    public var isBalanced: Bool { Set(counts).count == 1 }

    /// The optimal value `f*` where it is proven and attained (docs/formulas.md §3, §10, §11);
    /// nil elsewhere (a search then settles minimizers by the best loss).
    public var optimalLoss: Double? { lossBound.flatMap { $0.attained ? $0.value : nil } }

    /// Whether the paper's benign-landscape theorem covers this configuration (cross-entropy,
    /// balanced, no label smoothing, d > K).
    public var theoremApplies: Bool { loss == .crossEntropy && isBalanced && labelSmoothing == 0 && d > K }

    public func classifiers(_ x: Matrix) -> ColumnSlice { ColumnSlice(x, classifierColumns) }
    public func features(_ x: Matrix) -> ColumnSlice { ColumnSlice(x, featureColumns) }

    /// Everything first-order at a point (shared with every feature objective).
    public typealias FirstOrder = FeatureFirstOrder

    /// Loss and first derivatives through the saturation-safe per-sample loss.
    public func firstOrder(at x: Matrix) -> FirstOrder {
        precondition(x.rows == d && x.cols == K + N, "point must be \(d)×\(K + N)")
        let z = BLAS.product(.t, classifiers(x), .n, features(x), alpha: tau)   // K × N
        let S = stateCount
        var state = Matrix(rows: S, cols: N)
        var g = Matrix(rows: K, cols: N)
        var magnitude = Matrix(rows: K, cols: N)
        var total = 0.0
        var gap = Double.infinity
        var nonSmooth: String? = nil
        let loss = sampleLoss
        z.storage.withUnsafeBufferPointer { zs in state.storage.withUnsafeMutableBufferPointer { ps in
            g.storage.withUnsafeMutableBufferPointer { gs in magnitude.storage.withUnsafeMutableBufferPointer { ms in
                for j in 0 ..< N {
                    let base = j * K
                    let e = loss.evaluate(zs.baseAddress! + base, label: labels[j], count: K, state: ps.baseAddress! + j * S,
                                          gradient: gs.baseAddress! + base, magnitude: ms.baseAddress! + base)
                    total += weight(j) * e.value
                    gap = min(gap, e.logitGap)
                    if nonSmooth == nil, let why = loss.nonSmoothness(ps.baseAddress! + j * S, label: labels[j], count: K) {
                        nonSmooth = "sample \(j): \(why)"
                    }
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
        // The column sums go through the scaled norm: deep in saturation (focal γ = 5 at τ = 64)
        // the magnitudes are ~1e-250 and their squares would underflow to a zero γ.
        var columnSums = [Double](repeating: 0, count: N + K)
        for j in 0 ..< N {
            var s = 0.0
            for k in 0 ..< K { let m = weight(j) * magnitude.storage[j * K + k]; s += m; columnSums[N + k] += m }
            columnSums[j] = s
        }
        return FirstOrder(loss: total / lossNormalization, lossState: state, residual: g, weightedResidual: gc, euclideanGradient: egrad,
                          gradientScale: scale * Vector.norm(columnSums), smallestLogitGap: gap,
                          curvatureDecayRate: loss.curvatureDecayRate, notTwiceDifferentiable: nonSmooth)
    }

    public func loss(at x: Matrix) -> Double { firstOrder(at: x).loss }

    /// Riemannian gradient, column by column `g_c − (x_cᵀ g_c) x_c`.
    public func riemannianGradient(at x: Matrix) -> Matrix {
        manifold.euclideanToRiemannianGradient(x, firstOrder(at: x).euclideanGradient)
    }

    /// Euclidean Hessian-vector product in direction `V = [Ẇ Ḣ]` (docs/formulas.md §2; with sample weights
    /// `G` and `Ġ` carry `diag(c)`):
    /// `Ż = τ(ẆᵀH + WᵀḢ)`, `Ġ_j = Λ_j ż_j` with `Λ_j = ∇²_z ℓ` (cross-entropy: `diag(p_j) − p_j p_jᵀ`),
    /// `[(∇_W f)˙, (∇_H f)˙] = (τ/N)[Ḣ Gᵀ + H Ġᵀ, Ẇ G + W Ġ]`.
    public func euclideanHessianVectorProduct(at x: Matrix, firstOrder fo: FirstOrder, direction v: Matrix) -> Matrix {
        var zdot = BLAS.product(.t, ColumnSlice(v, classifierColumns), .n, features(x), alpha: tau)
        BLAS.gemm(.t, classifiers(x), .n, ColumnSlice(v, featureColumns), alpha: tau, beta: 1, into: &zdot)
        var gdot = Matrix(rows: K, cols: N)
        let loss = sampleLoss, S = fo.lossState.rows
        fo.lossState.storage.withUnsafeBufferPointer { p in zdot.storage.withUnsafeBufferPointer { z in
            gdot.storage.withUnsafeMutableBufferPointer { out in
                for j in 0 ..< N {
                    loss.hessianProduct(p.baseAddress! + j * S, label: labels[j], count: K, z.baseAddress! + j * K,
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

    /// Riemannian Hessian-vector product for a tangent `ξ` (docs/formulas.md §2):
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

    /// Bytes a dense analysis needs (the Hessian, a working copy and the quotient Hessian).
    public var denseHessianBytes: Double { MemoryEstimate.dense(m: hessianSize) }
}

/// Everything first-order at a point of an unconstrained feature model (`X = [W H]`, logits
/// `Z = c WᵀH`): the loss's per-sample state, `G = ∇_Z ℓ`, loss and
/// Euclidean gradient, and the scales the scale-free tests need.
public struct FeatureFirstOrder: Sendable {
    public let loss: Double
    /// `S × N` (`S = SampleLoss.stateCount(K:)`, `K` for the softmax losses): what the loss keeps
    /// for second order; its first `K` rows are the softmax probabilities of the loss's logits.
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
    /// The loss's `SampleLoss.curvatureDecayRate`.
    public let curvatureDecayRate: Double
    /// Why the loss is not twice differentiable at this point (the first sample where it is not,
    /// from `SampleLoss.nonSmoothness`); nil where it is. Second-order analysis refuses the point.
    public var notTwiceDifferentiable: String? = nil

    /// Whether every sample's curvature, of order `e^{−r g}`, is below what doubles
    /// resolve: it then vanishes in floating point (docs/formulas.md §9).
    public var beyondDoubleRange: Bool { curvatureDecayRate * smallestLogitGap > NumericRange.maximumLogitGap }
}
