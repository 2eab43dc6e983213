import Foundation

/// The per-sample loss of the regularized model.
public enum RegularizedLoss: String, Codable, CaseIterable, Sendable {
    /// Softmax cross-entropy `lse(z) − z_y` (Zhu et al. 2021).
    case crossEntropy = "cross-entropy"
    /// `½ ‖z − e_y‖²` (Zhou et al. 2022).
    case mse

    var kernel: any SampleLoss {
        switch self { case .crossEntropy: return CrossEntropy(); case .mse: return SquaredLoss() }
    }
}

/// What a regularized problem is, for reports and run manifests.
public struct RegularizedDescription: Codable, Sendable, Equatable {
    public var K: Int
    public var d: Int
    public var counts: [Int]
    public var lambdaW: Double
    public var lambdaH: Double
    public var loss: RegularizedLoss
    /// `λ_b` when the model has a bias `b ∈ R^K`; nil without bias.
    public var lambdaB: Double?
    public init(K: Int, d: Int, counts: [Int], lambdaW: Double, lambdaH: Double, loss: RegularizedLoss, lambdaB: Double? = nil) {
        self.K = K; self.d = d; self.counts = counts; self.lambdaW = lambdaW; self.lambdaH = lambdaH; self.loss = loss
        self.lambdaB = lambdaB
    }

    /// One line for reports, like `ModelDescription.summary`.
    public var summary: String {
        "regularized K=\(K) d=\(d) N=\(counts.reduce(0, +)) counts=\(counts.map(String.init).joined(separator: ",")) λ_W=\(lambdaW) λ_H=\(lambdaH)"
            + (lambdaB.map { " bias λ_b=\($0)" } ?? "") + " loss=\(loss.rawValue)"
    }
}

/// The regularized (Euclidean) unconstrained feature model of Zhu et al. 2021 (cross-entropy) and
/// Zhou et al. 2022 (MSE), docs/formulas.md §8:
///
/// `f(W, H, b) = (1/N) Σ_j ℓ(Wᵀh_j + b, y_j) + (λ_W/2)‖W‖² + (λ_H/2)‖H‖² + (λ_b/2)‖b‖²`
///
/// on `R^{d×(K+N)}` (the point is `X = [W H]`, as for the normalized model, with no sphere
/// constraint and no temperature). With a bias the point has one more row, `[W; bᵀ]` over
/// `[H; 1ᵀ]`, so that `Wᵀh + b = [W; bᵀ]ᵀ[h; 1]`; the feature columns' last entries are pinned
/// at 1 (`EuclideanSpace.pinned`), so every formula below holds with the augmented matrices and
/// the regularizer `λ_b` on the bias row. With `G = [∇_z ℓ(z_j)]_j` (`K × N`):
/// - `∇_W f = (1/N) H Gᵀ + λ_W W`, `∇_H f = (1/N) W G + λ_H H`;
/// - `∇²f[Ẇ, Ḣ] = (1/N)[Ḣ Gᵀ + H Ġᵀ, Ẇ G + W Ġ] + [λ_W Ẇ, λ_H Ḣ]`, `Ż = ẆᵀH + WᵀḢ`, `Ġ_j = ∇²ℓ_j ż_j`.
/// Symmetry: `(W, H) → (QW, QH)`, `Q ∈ O(d)`; the regularizers break every other one.
public struct RegularizedObjective: GenericFeatureObjective, Equatable {
    public let description: RegularizedDescription
    public let labels: [Int]
    public let sampleLoss: any SampleLoss
    public let manifold: EuclideanSpace

    public var K: Int { description.K }
    public var d: Int { description.d }
    public var N: Int { labels.count }
    public var counts: [Int] { description.counts }
    public var lambdaW: Double { description.lambdaW }
    public var lambdaH: Double { description.lambdaH }
    public var loss: RegularizedLoss { description.loss }
    public var hessianSize: Int { manifold.dimension }
    /// Rows of a point: `d`, plus one for the bias.
    public var rows: Int { d + (description.lambdaB == nil ? 0 : 1) }
    public var hasBias: Bool { description.lambdaB != nil }
    public var lambdaB: Double { description.lambdaB ?? 0 }
    public var isBalanced: Bool { Set(counts).count == 1 }

    /// Samples sorted by class, `counts[k]` with label `k`; `λ_W, λ_H > 0` (with a zero
    /// regularizer the infimum is not attained and no minimizer exists).
    /// `lambdaB` nil: no bias. With a bias, cross-entropy needs `λ_b > 0` (its loss is invariant
    /// under `b → b + s1`, so `λ_b = 0` would add a flat direction to every critical point);
    /// MSE takes `λ_b ≥ 0`.
    public init(d: Int, counts: [Int], lambdaW: Double, lambdaH: Double, loss: RegularizedLoss = .crossEntropy, lambdaB: Double? = nil) throws {
        guard counts.count >= 2 else { throw InputError("K must be at least 2 (got \(counts.count))") }
        guard d >= 1 else { throw InputError("d must be at least 1 (got \(d))") }
        guard counts.allSatisfy({ $0 >= 1 }) else { throw InputError("every class needs at least one sample") }
        guard lambdaW.isFinite, lambdaW > 0 else { throw InputError("--lambda-w must be finite and > 0 (got \(lambdaW))") }
        guard lambdaH.isFinite, lambdaH > 0 else { throw InputError("--lambda-h must be finite and > 0 (got \(lambdaH))") }
        let N = try SizeLimits.product(counts.count, counts.max()!, "the number of samples")
        try SizeLimits.checkSampleCount(N)
        _ = try SizeLimits.product(d + 1, counts.count + counts.reduce(0, +), "the Hessian size d(K+N)")
        if let lambdaB {
            guard lambdaB.isFinite, lambdaB > 0 || (loss == .mse && lambdaB == 0) else {
                throw InputError(loss == .mse ? "--lambda-b must be finite and ≥ 0 (got \(lambdaB))"
                    : "--lambda-b must be finite and > 0 with cross-entropy (got \(lambdaB)): the loss is invariant under b → b + s·1, so λ_b = 0 makes every critical point non-isolated")
            }
        }
        description = RegularizedDescription(K: counts.count, d: d, counts: counts, lambdaW: lambdaW, lambdaH: lambdaH, loss: loss, lambdaB: lambdaB)
        labels = counts.enumerated().flatMap { [Int](repeating: $0.offset, count: $0.element) }
        sampleLoss = loss.kernel
        let (classes, samples) = (counts.count, labels.count), height = d + (lambdaB == nil ? 0 : 1)
        manifold = EuclideanSpace(rows: height, cols: classes + samples,
                                  pinned: lambdaB == nil ? [] : (classes ..< classes + samples).map { $0 * height + d })
    }

    public init(K: Int, d: Int, n: Int, lambdaW: Double, lambdaH: Double, loss: RegularizedLoss = .crossEntropy, lambdaB: Double? = nil) throws {
        guard K >= 2 else { throw InputError("K must be at least 2 (got \(K))") }
        guard n >= 1 else { throw InputError("n must be at least 1 (got \(n))") }
        try self.init(d: d, counts: [Int](repeating: n, count: K), lambdaW: lambdaW, lambdaH: lambdaH, loss: loss, lambdaB: lambdaB)
    }

    /// The weight decay of storage entry `i` of a point: `λ_W` on classifier entries, `λ_b` on the
    /// bias row, `λ_H` on features, 0 on the pinned constant row.
    @inline(__always) func decay(_ i: Int) -> Double {
        let r = rows, row = i % r, classifier = i < K * r
        if row == d { return classifier ? lambdaB : 0 }
        return classifier ? lambdaW : lambdaH
    }

    public static func == (a: RegularizedObjective, b: RegularizedObjective) -> Bool { a.description == b.description }

    public func firstOrder(at x: Matrix) -> FeatureFirstOrder {
        precondition(x.rows == rows && x.cols == K + N, "point must be \(rows)×\(K + N)")
        let z = BLAS.product(.t, classifiers(x), .n, features(x))   // K × N
        let loss = sampleLoss, S = loss.stateCount(K: K)
        var state = Matrix(rows: S, cols: N), g = Matrix(rows: K, cols: N), magnitude = Matrix(rows: K, cols: N)
        var total = 0.0, gap = Double.infinity
        z.storage.withUnsafeBufferPointer { zs in state.storage.withUnsafeMutableBufferPointer { ps in
            g.storage.withUnsafeMutableBufferPointer { gs in magnitude.storage.withUnsafeMutableBufferPointer { ms in
                for j in 0 ..< N {
                    let e = loss.evaluate(zs.baseAddress! + j * K, label: labels[j], count: K, state: ps.baseAddress! + j * S,
                                          gradient: gs.baseAddress! + j * K, magnitude: ms.baseAddress! + j * K)
                    total += e.value
                    gap = min(gap, e.logitGap)
                }
            } }
        } }
        let invN = 1 / Double(N)
        var egrad = x
        var reg = 0.0
        for i in 0 ..< egrad.storage.count {
            let c = decay(i)
            reg += 0.5 * c * x.storage[i] * x.storage[i]
            egrad.storage[i] *= c
        }
        BLAS.gemm(.n, features(x), .t, g, alpha: invN, beta: 1, into: &egrad, columns: classifierColumns)
        BLAS.gemm(.n, classifiers(x), .n, g, alpha: invN, beta: 1, into: &egrad, columns: featureColumns)
        // γ: per column, the summed sizes of its terms, (1/N) Σ |G_kj| ‖w_k‖ + λ_H ‖h_j‖ for a
        // feature and (1/N) Σ_j |G_kj| ‖h_j‖ + λ_W ‖w_k‖ for a classifier (columns are not unit here).
        let r = rows
        let norms = (0 ..< K + N).map { c in Vector.norm(Array(x.storage[c * r ..< (c + 1) * r])) }
        var sums = [Double](repeating: 0, count: K + N)
        for k in 0 ..< K { sums[k] = max(lambdaW, lambdaB) * norms[k] }
        for j in 0 ..< N {
            sums[K + j] = lambdaH * norms[K + j]
            for k in 0 ..< K {
                let m = invN * magnitude.storage[j * K + k]
                sums[K + j] += m * norms[k]
                sums[k] += m * norms[K + j]
            }
        }
        return FeatureFirstOrder(loss: total * invN + reg, lossState: state, residual: g, weightedResidual: g, euclideanGradient: egrad,
                                 gradientScale: Vector.norm(sums), smallestLogitGap: gap, curvatureDecayRate: loss.curvatureDecayRate)
    }

    public func euclideanHessianVectorProduct(at x: Matrix, firstOrder fo: FeatureFirstOrder, direction v: Matrix) -> Matrix {
        var zdot = BLAS.product(.t, ColumnSlice(v, classifierColumns), .n, features(x))
        BLAS.gemm(.t, classifiers(x), .n, ColumnSlice(v, featureColumns), alpha: 1, beta: 1, into: &zdot)
        var gdot = Matrix(rows: K, cols: N)
        let loss = sampleLoss, S = fo.lossState.rows
        fo.lossState.storage.withUnsafeBufferPointer { p in zdot.storage.withUnsafeBufferPointer { z in
            gdot.storage.withUnsafeMutableBufferPointer { out in
                for j in 0 ..< N {
                    loss.hessianProduct(p.baseAddress! + j * S, label: labels[j], count: K, z.baseAddress! + j * K,
                                        into: out.baseAddress! + j * K, scale: 1)
                }
            }
        } }
        let invN = 1 / Double(N)
        var out = v
        for i in 0 ..< out.storage.count { out.storage[i] *= decay(i) }
        BLAS.gemm(.n, ColumnSlice(v, featureColumns), .t, fo.residual, alpha: invN, beta: 1, into: &out, columns: classifierColumns)
        BLAS.gemm(.n, features(x), .t, gdot, alpha: invN, beta: 1, into: &out, columns: classifierColumns)
        BLAS.gemm(.n, ColumnSlice(v, classifierColumns), .n, fo.residual, alpha: invN, beta: 1, into: &out, columns: featureColumns)
        BLAS.gemm(.n, classifiers(x), .n, gdot, alpha: invN, beta: 1, into: &out, columns: featureColumns)
        return out
    }

    /// The `O(d)` orbit `{(QW, QH)}`: the same formula as on the spheres (`ν = d(d−1)/2 −
    /// (d−r)(d−r−1)/2`, `r = rank X`), in Euclidean coordinates.
    public func symmetry(at x: Matrix, basis: EuclideanSpace.StandardFrame) throws -> SymmetryAnalysis {
        try SymmetryAnalysis(point: x, basis: basis, actingRows: d)
    }

    public var saturationMarginHint: Double? { nil }
    public var problemDescription: ProblemDescription { .regularized(description) }

    /// The closed-form global minimizers' description (docs/formulas.md §8), nil outside the
    /// range where it is proven: balanced classes, `d ≥ K−1` (cross-entropy) or `d ≥ K` (MSE).
    public var optimum: RegularizedOptimum? { RegularizedOptimum(self) }

    public var lossBound: LossBound? {
        optimum.map { LossBound(value: $0.value, attained: true, argument: $0.argument) }
    }
    public var optimalLoss: Double? { optimum?.value }

    /// Zhu et al. 2021 (cross-entropy) and Zhou et al. 2022 (MSE) prove every critical point
    /// other than a global minimizer a strict saddle for balanced classes with `d > K`.
    public var theoremApplies: Bool { isBalanced && d > K }
}

/// The global minimizers of the regularized model and their value (docs/formulas.md §8),
/// balanced classes with `n` samples each, `c = √(λ_W/(nλ_H))`.
///
/// Cross-entropy (`d ≥ K−1`): `WᵀW = t (K/(K−1))(I − 11ᵀ/K)`, `h_{k,i} = c w_k`; on that family
/// `f = φ(t) = log(1 + (K−1)e^{−a t}) + λ_W K t`, `a = cK/(K−1)`, convex, minimized at
/// `t* = (1/a) log((K−1)(a − λ_W K)/(λ_W K))` when `c > λ_W K`, else `t* = 0` (W = H = 0).
///
/// MSE (`d ≥ K`): `f ≥ (1/2N)‖Z − Y‖² + √(λ_Wλ_H)‖Z‖_*` with `Z = WᵀH`; the singular values of
/// `Y` are all `√n`, so the soft threshold gives `Z* = s Y`, `s = (1 − N√(λ_Wλ_H)/√n)_+`, and
/// `f* = (K/2N) a² + √(λ_Wλ_H) K (√n − a)`, `a = min(N√(λ_Wλ_H), √n)`; attained by `W = α E`,
/// `h_{k,i} = β e_k` (`E` orthonormal columns), `αβ = s`, `α² = s√(λ_H n/λ_W)`.
public struct RegularizedOptimum: Sendable {
    public let value: Double
    /// Cross-entropy: `t* = ‖w_k‖²`; MSE: `α²`.
    public let classifierNormSquared: Double
    /// `‖h_{k,i}‖ / ‖w_k‖` at the minimizer.
    public let featureRatio: Double
    public let argument: String
    let loss: RegularizedLoss

    init?(_ p: RegularizedObjective) {
        guard p.isBalanced else { return nil }
        let K = Double(p.K), n = Double(p.counts[0]), N = Double(p.N)
        loss = p.loss
        switch p.loss {
        case .crossEntropy:
            // With a bias and λ_b > 0 the minimizers have b = 0 (Zhu et al. 2021, Theorem 3.1):
            // for balanced collapse Σ_j ∇_z ℓ_j = 0, so ∇_b f = λ_b b vanishes only at b = 0.
            guard p.d >= p.K - 1 else { return nil }
            let c = (p.lambdaW / (n * p.lambdaH)).squareRoot(), a = c * K / (K - 1)
            let t = c > p.lambdaW * K ? log((K - 1) * (a - p.lambdaW * K) / (p.lambdaW * K)) / a : 0
            value = log1p((K - 1) * exp(-a * t)) + p.lambdaW * K * t
            classifierNormSquared = t
            featureRatio = c
            argument = "regularized cross-entropy (Zhu et al. 2021): min over the simplex-ETF family, φ(t*) with t* = ‖w_k‖², attained for d ≥ K−1"
        case .mse:
            // With a bias the optimum changes (b absorbs the targets' mean); not derived here.
            guard p.d >= p.K, !p.hasBias else { return nil }
            let rho = (p.lambdaW * p.lambdaH).squareRoot(), root = n.squareRoot()
            let shrink = min(N * rho, root)
            value = K / (2 * N) * shrink * shrink + rho * K * (root - shrink)
            let s = max(0, 1 - N * rho / root)
            classifierNormSquared = s * (p.lambdaH * n / p.lambdaW).squareRoot()
            featureRatio = (p.lambdaW / (p.lambdaH * n)).squareRoot()
            argument = "regularized MSE (Zhou et al. 2022): nuclear-norm bound with the singular-value soft threshold of Y, attained for d ≥ K"
        }
    }

    /// A global minimizer: classifiers `√t` times a simplex ETF (cross-entropy) or the first `K`
    /// standard basis vectors (MSE), features `featureRatio · w_{y_j}`.
    public func point(_ p: RegularizedObjective) throws -> Matrix {
        var w: Matrix
        switch loss {
        case .crossEntropy: w = try SpecialPoints.simplexETF(K: p.K, d: p.d)
        case .mse:
            w = Matrix(rows: p.d, cols: p.K)
            for k in 0 ..< p.K { w[k, k] = 1 }
        }
        let r = classifierNormSquared.squareRoot()
        var x = p.emptyPoint()
        for k in 0 ..< p.K { for i in 0 ..< p.d { x[i, k] = r * w[i, k] } }
        for (j, y) in p.labels.enumerated() { for i in 0 ..< p.d { x[i, p.K + j] = featureRatio * r * w[i, y] } }
        return x
    }
}

extension RegularizedObjective {
    /// `W = H = 0`, `b = 0`, with the pinned constant row of the features at 1 when there is a bias.
    public func emptyPoint() -> Matrix {
        var x = Matrix(rows: rows, cols: K + N)
        for i in manifold.pinned { x.storage[i] = 1 }
        return x
    }
}
