import Foundation

/// The operator matrix-free eigensolvers iterate on at a fixed point `x`, for an ambient
/// `v ∈ R^{d×(K+N)}`:
///
/// `A v = P Hess f(x)[P v] + σ (v − P v)`,
///
/// `P` the tangent projection (column by column `v_c − (x_cᵀv_c) x_c`): the Riemannian Hessian
/// (docs/formulas.md §2, `Hess f(x)[ξ]_c = (I − x_c x_cᵀ)(∇²f(x)[ξ])_c − (x_cᵀ g_c) ξ_c`) on the tangent
/// space and `σ` on the `K+N` normal directions.
///
/// Built for repeated products at one point: every workspace is allocated once (at `N = 10⁴`,
/// `d = 128` each is 10 MB, and fresh allocations per product cost page faults: measured 35% of
/// a Lanczos run in system time), and the six products of the Euclidean Hessian-vector product
/// run as three `dgemm` calls on stacked operands:
/// - `Ż = τ(WᵀḢ + ẆᵀH) = τ [W; Ẇ]ᵀ [Ḣ; H]` (inner dimension `2d`),
/// - `(∇_W f)˙ = (τ/Z)(Ḣ Gᵀ + H Ġᵀ)`: `[Ḣ; H]` read as `d × 2N` times `[G; Ġ]` read as `K × 2N`,
///   transposed (inner dimension `2N`),
/// - `(∇_H f)˙ = (τ/Z)(Ẇ G + W Ġ) = (τ/Z)[Ẇ W][G; Ġ]` (inner dimension `2K`: one pass over the
///   `d × N` result instead of two; 12% faster than two calls at K = 100, d = 512, N = 5·10⁴).
/// The three column passes (projection, logit curvature, Riemannian correction) split their
/// columns over two threads when there are many (they are a quarter of a product at N = 10⁴).
/// The workspaces and the three products are in `T`: `Double`, or `Float` for products at twice
/// the `gemm` speed and half the memory where the eigenvalue they feed is only reported (a point
/// proven not critical, docs/formulas.md §12); the vectors, the projections and the Riemannian
/// correction stay in `Double`.
/// Not thread-safe: one instance per thread.
/// The operator in double precision, behind a non-generic class: calls through
/// `any AmbientHessianOperator` (Newton–MINRES, the trust region, Lanczos) reach the product
/// specialized for `Double`. A generic class's protocol witness runs unspecialized code, one
/// witness-table call per element: measured at CIFAR size, slower than the double product.
public final class TangentHessianOperator: AmbientHessianOperator {
    public let core: TangentHessianProduct<Double>
    public init(model: NormalizedFeatureModel, at x: Matrix, firstOrder fo: NormalizedFeatureModel.FirstOrder, normalShift: Double = 0) {
        core = TangentHessianProduct(model: model, at: x, firstOrder: fo, normalShift: normalShift)
    }
    public var model: NormalizedFeatureModel { core.model }
    public var dimension: Int { core.dimension }
    public var normalShift: Double { get { core.normalShift } set { core.normalShift = newValue } }
    public func apply(_ v: [Double], into y: inout [Double]) { core.apply(v, into: &y) }
}

/// The operator with single-precision products (`sgemm`, half the workspace), for λ_min where it
/// is only reported (docs/formulas.md §12); non-generic for the same reason as above.
public final class SinglePrecisionHessianOperator: AmbientHessianOperator {
    public let core: TangentHessianProduct<Float>
    public init(model: NormalizedFeatureModel, at x: Matrix, firstOrder fo: NormalizedFeatureModel.FirstOrder, normalShift: Double = 0) {
        core = TangentHessianProduct(model: model, at: x, firstOrder: fo, normalShift: normalShift)
    }
    public var dimension: Int { core.dimension }
    public var normalShift: Double { get { core.normalShift } set { core.normalShift = newValue } }
    public func apply(_ v: [Double], into y: inout [Double]) { core.apply(v, into: &y) }
}

/// The precision of the three products of a `TangentHessianProduct`.
public protocol ProductScalar: BinaryFloatingPoint, Sendable {
    init(_ value: Double)
    var asDouble: Double { get }
    /// `C = α op(A) op(B)` (column-major, leading dimensions as given): `dgemm` or `sgemm`.
    static func gemm(_ opA: Op, _ opB: Op, m: Int, n: Int, k: Int, alpha: Double, _ a: UnsafePointer<Self>, lda: Int,
                     _ b: UnsafePointer<Self>, ldb: Int, _ c: UnsafeMutablePointer<Self>, ldc: Int)
    /// `Σ_{i<count} x[i] e[i]`, accumulated in `Double`.
    static func dot(_ x: UnsafePointer<Double>, _ e: UnsafePointer<Self>, count: Int) -> Double
    /// `out = c ∇²_z ℓ z` for one sample (`K` entries) through the loss, which works in `Double`:
    /// in place for `Double`, through `scratch` (`2K` doubles) for `Float`.
    static func logitHessianProduct(_ loss: any SampleLoss, state: UnsafePointer<Double>, label: Int, count K: Int,
                                    _ z: UnsafePointer<Self>, into out: UnsafeMutablePointer<Self>, scale c: Double,
                                    scratch: UnsafeMutablePointer<Double>)
    /// `"double"` or `"single"`.
    static var precisionName: String { get }
}

extension Double: ProductScalar {
    public var asDouble: Double { self }
    public static func gemm(_ opA: Op, _ opB: Op, m: Int, n: Int, k: Int, alpha: Double, _ a: UnsafePointer<Double>, lda: Int,
                            _ b: UnsafePointer<Double>, ldb: Int, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        BLAS.gemm(opA, opB, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb, c, ldc: ldc)
    }
    @inline(__always)
    public static func dot(_ x: UnsafePointer<Double>, _ e: UnsafePointer<Double>, count: Int) -> Double {
        StreamingVector.dot(x, e, count: count)
    }
    @inline(__always)
    public static func logitHessianProduct(_ loss: any SampleLoss, state: UnsafePointer<Double>, label: Int, count K: Int,
                                           _ z: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, scale c: Double,
                                           scratch: UnsafeMutablePointer<Double>) {
        loss.hessianProduct(state, label: label, count: K, z, into: out, scale: c)
    }
    public static var precisionName: String { "double" }
}

extension Float: ProductScalar {
    public var asDouble: Double { Double(self) }
    public static func gemm(_ opA: Op, _ opB: Op, m: Int, n: Int, k: Int, alpha: Double, _ a: UnsafePointer<Float>, lda: Int,
                            _ b: UnsafePointer<Float>, ldb: Int, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        BLAS.gemm(opA, opB, m: m, n: n, k: k, alpha: Float(alpha), a, lda: lda, b, ldb: ldb, c, ldc: ldc)
    }
    @inline(__always)
    public static func dot(_ x: UnsafePointer<Double>, _ e: UnsafePointer<Float>, count: Int) -> Double {
        var acc = SIMD4<Double>(repeating: 0)
        var i = 0
        while i + 4 <= count {
            acc += SIMD4(x[i], x[i + 1], x[i + 2], x[i + 3]) * SIMD4(Double(e[i]), Double(e[i + 1]), Double(e[i + 2]), Double(e[i + 3]))
            i += 4
        }
        var s = acc.sum()
        while i < count { s += x[i] * Double(e[i]); i += 1 }
        return s
    }
    @inline(__always)
    public static func logitHessianProduct(_ loss: any SampleLoss, state: UnsafePointer<Double>, label: Int, count K: Int,
                                           _ z: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, scale c: Double,
                                           scratch: UnsafeMutablePointer<Double>) {
        for k in 0 ..< K { scratch[k] = Double(z[k]) }
        loss.hessianProduct(state, label: label, count: K, scratch, into: scratch + K, scale: c)
        for k in 0 ..< K { out[k] = Float(scratch[K + k]) }
    }
    public static var precisionName: String { "single" }
}

public final class TangentHessianProduct<T: ProductScalar> {
    public let model: NormalizedFeatureModel
    public let point: Matrix
    /// `x_cᵀ g_c` for every column.
    let curvature: [Double]
    /// `σ`, the eigenvalue given to the `K+N` normal directions.
    public var normalShift: Double
    /// `2d × K`, column `k` = `(W_k; Ẇ_k)`.
    private var classifierPair: [T]
    /// `d × 2K`, `[Ẇ W]`: the same classifiers side by side, for `(∇_H f)˙`.
    private var classifierSides: [T]
    /// `2d × N`, column `j` = `(Ḣ_j; H_j)`.
    private var featurePair: [T]
    /// `2K × N`, column `j` = `(G_j; Ġ_j)` with sample weights folded into `G` and `Ġ`.
    private var residualPair: [T]
    private var zdot: [T]
    /// `d × (K+N)`: the Euclidean product.
    private var product: [T]
    private var along: [Double]
    private let lossState: Matrix
    private let sampleLoss: any SampleLoss

    /// Ambient dimension `d(K+N)`.
    public var dimension: Int { model.d * (model.K + model.N) }

    public init(model: NormalizedFeatureModel, at x: Matrix, firstOrder fo: NormalizedFeatureModel.FirstOrder, normalShift: Double = 0) {
        let d = model.d, K = model.K, N = model.N
        self.model = model
        point = x
        curvature = model.curvatureTerms(at: x, firstOrder: fo)
        self.normalShift = normalShift
        lossState = fo.lossState
        sampleLoss = model.sampleLoss
        classifierPair = [T](repeating: 0, count: 2 * d * K)
        classifierSides = [T](repeating: 0, count: 2 * d * K)
        for i in 0 ..< K * d { classifierSides[K * d + i] = T(x.storage[i]) }
        featurePair = [T](repeating: 0, count: 2 * d * N)
        residualPair = [T](repeating: 0, count: 2 * K * N)
        for k in 0 ..< K { for i in 0 ..< d { classifierPair[k * 2 * d + i] = T(x.storage[k * d + i]) } }
        for j in 0 ..< N { for i in 0 ..< d { featurePair[j * 2 * d + d + i] = T(x.storage[(K + j) * d + i]) } }
        for j in 0 ..< N { for k in 0 ..< K { residualPair[j * 2 * K + k] = T(fo.weightedResidual.storage[j * K + k]) } }
        zdot = [T](repeating: 0, count: K * N)
        product = [T](repeating: 0, count: d * (K + N))
        along = [Double](repeating: 0, count: K + N)
    }

    /// `y = A v` for ambient vectors stored column-major (`d(K+N)` entries each).
    public func apply(_ v: [Double], into y: inout [Double]) {
        let d = model.d, K = model.K, N = model.N
        precondition(v.count == dimension && y.count == dimension, "operator dimension")
        project(v)
        let tau = model.tau, scale = model.tau / model.lossNormalization
        classifierPair.withUnsafeBufferPointer { cp in featurePair.withUnsafeBufferPointer { fp in
            zdot.withUnsafeMutableBufferPointer { z in
                T.gemm(.t, .n, m: K, n: N, k: 2 * d, alpha: tau, cp.baseAddress!, lda: 2 * d, fp.baseAddress!, ldb: 2 * d, z.baseAddress!, ldc: K)
            }
        } }
        logitCurvature()
        for k in 0 ..< K { for i in 0 ..< d { classifierSides[k * d + i] = classifierPair[k * 2 * d + d + i] } }
        featurePair.withUnsafeBufferPointer { fp in residualPair.withUnsafeBufferPointer { rp in classifierSides.withUnsafeBufferPointer { cs in
            product.withUnsafeMutableBufferPointer { e in
                // [Ḣ; H] read as d × 2N times ([G; Ġ] read as K × 2N)ᵀ.
                T.gemm(.n, .t, m: d, n: K, k: 2 * N, alpha: scale, fp.baseAddress!, lda: d, rp.baseAddress!, ldb: K, e.baseAddress!, ldc: d)
                T.gemm(.n, .n, m: d, n: N, k: 2 * K, alpha: scale, cs.baseAddress!, lda: d, rp.baseAddress!, ldb: 2 * K,
                       e.baseAddress! + K * d, ldc: d)
            }
        } } }
        finish(into: &y)
    }

    /// Where `(P v)_c` lives: the lower half of `classifierPair`'s column `c` for a classifier,
    /// the upper half of `featurePair`'s column `c − K` for a feature.
    @inline(__always)
    private static func tangentSlot(_ c: Int, K: Int, d: Int, _ classifiers: UnsafeMutablePointer<T>,
                                    _ features: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
        c < K ? classifiers + c * 2 * d + d : features + (c - K) * 2 * d
    }

    /// `P v` into the tangent slots of the stacked operands, and `x_cᵀ v_c` into `along`.
    private func project(_ v: [Double]) {
        let d = model.d, K = model.K, columns = K + model.N
        point.storage.withUnsafeBufferPointer { xs in v.withUnsafeBufferPointer { vs in
            classifierPair.withUnsafeMutableBufferPointer { cp in featurePair.withUnsafeMutableBufferPointer { fp in
                along.withUnsafeMutableBufferPointer { al in
                    TwoThreads.split(columns, work: columns * d) { range in
                        for c in range {
                            let base = c * d
                            let s = StreamingVector.dot(xs.baseAddress! + base, vs.baseAddress! + base, count: d)
                            al[c] = s
                            let dest = Self.tangentSlot(c, K: K, d: d, cp.baseAddress!, fp.baseAddress!)
                            for i in 0 ..< d { dest[i] = T(vs[base + i] - s * xs[base + i]) }
                        }
                    }
                }
            } }
        } }
    }

    /// `Ġ_j = c_j Λ_j ż_j` (`Λ_j` the loss's logit Hessian) into rows `K..<2K` of `residualPair`.
    private func logitCurvature() {
        let K = model.K, N = model.N, weights = model.sampleWeights, labels = model.labels, loss = sampleLoss, stride = lossState.rows
        lossState.storage.withUnsafeBufferPointer { p in zdot.withUnsafeBufferPointer { z in
            residualPair.withUnsafeMutableBufferPointer { r in
                TwoThreads.split(N, work: N * K) { range in
                    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 2 * K)
                    defer { scratch.deallocate() }
                    for j in range {
                        T.logitHessianProduct(loss, state: p.baseAddress! + j * stride, label: labels[j], count: K, z.baseAddress! + j * K,
                                              into: r.baseAddress! + j * 2 * K + K, scale: weights?[j] ?? 1, scratch: scratch)
                    }
                }
            }
        } }
    }

    /// `y_c = e_c − (x_cᵀe_c) x_c + σ (x_cᵀv_c) x_c − (x_cᵀg_c)(P v)_c` with `e` the Euclidean product.
    private func finish(into y: inout [Double]) {
        let d = model.d, K = model.K, columns = K + model.N
        let sigma = normalShift
        point.storage.withUnsafeBufferPointer { xs in product.withUnsafeBufferPointer { e in
            classifierPair.withUnsafeBufferPointer { cp in featurePair.withUnsafeBufferPointer { fp in
                along.withUnsafeBufferPointer { al in curvature.withUnsafeBufferPointer { kc in
                    y.withUnsafeMutableBufferPointer { ys in
                        TwoThreads.split(columns, work: columns * d) { range in
                            for c in range {
                                let base = c * d
                                let t = T.dot(xs.baseAddress! + base, e.baseAddress! + base, count: d)
                                let a = sigma * al[c] - t, k = kc[c]
                                let pv = UnsafePointer(Self.tangentSlot(c, K: K, d: d, UnsafeMutablePointer(mutating: cp.baseAddress!),
                                                                        UnsafeMutablePointer(mutating: fp.baseAddress!)))
                                for i in 0 ..< d { ys[base + i] = e[base + i].asDouble + a * xs[base + i] - k * pv[i].asDouble }
                            }
                        }
                    }
                } }
            } }
        } }
    }
}
