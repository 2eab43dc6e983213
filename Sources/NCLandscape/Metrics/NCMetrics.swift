/// Neural-collapse metrics as in the paper's code (docs/formulas.md §7), plus accuracy and agreement with
/// the nearest-class-center rule.
public struct NCMetrics: Codable, Sendable, Equatable {
    /// `tr(Σ_W Σ_B^†)/K`: within-class variability relative to between-class spread.
    public var nc1: Double
    /// `‖WᵀW/‖WᵀW‖_F − E‖_F`, `E = (I − 11ᵀ/K)/√(K−1)`: distance of the classifiers from a simplex ETF.
    public var nc2: Double
    /// `‖WᵀH̄/‖WᵀH̄‖_F − E‖_F`: self-duality of classifiers and class means.
    public var nc3: Double
    /// Fraction of samples with `argmax_k w_kᵀ h_j = y_j`.
    public var accuracy: Double
    /// Fraction of samples where the classifier's prediction equals the nearest class mean's.
    public var nccAgreement: Double

    /// Relative cut-off for `Σ_B^†`: singular values below `1e−10 σ_max` are treated as zero, so a
    /// rank-deficient `Σ_B` (e.g. `d > K−1`) is inverted only on its range; since `Σ_W` and the
    /// pseudo-inverse are both positive semidefinite, NC1 can never be negative.
    public static let pseudoInverseCutoff = 1e-10

    /// Metrics of features `H` (`d × N`, columns), labels, `K` classes and optional classifiers
    /// `W` (`d × K`); without `W`, NC2/NC3/accuracy are NaN.
    public static func compute(features h0: Matrix, labels: [Int], K: Int, classifiers w0: Matrix?) throws -> NCMetrics {
        // Every metric is invariant under scaling H and W by positive constants, but the sums
        // of squares are not: features of 1e308 overflowed to Inf ("dgesdd: input contains NaN
        // or Inf" for an input with neither). Far from 1, scale by a power of two (exact).
        let h = scaledToUnitRange(h0), w = w0.map(scaledToUnitRange)
        let d = h.rows, n = h.cols
        var counts = [Double](repeating: 0, count: K)
        var means = Matrix(rows: d, cols: K)
        for (j, y) in labels.enumerated() {
            counts[y] += 1
            for i in 0 ..< d { means[i, y] += h[i, j] }
        }
        for k in 0 ..< K where counts[k] > 0 { for i in 0 ..< d { means[i, k] /= counts[k] } }
        var global = [Double](repeating: 0, count: d)
        for j in 0 ..< n { for i in 0 ..< d { global[i] += h[i, j] / Double(n) } }
        // Σ_W = (1/N) Σ_j (h_j − h̄_{y_j})(·)ᵀ = (1/N) D Dᵀ; Σ_B = (1/K) Σ_k (h̄_k − h_G)(·)ᵀ.
        var dev = h
        for (j, y) in labels.enumerated() { for i in 0 ..< d { dev[i, j] -= means[i, y] } }
        let sw = BLAS.product(.n, dev, .t, dev, alpha: 1 / Double(n))
        var cen = means
        for k in 0 ..< K { for i in 0 ..< d { cen[i, k] -= global[i] } }
        let sb = BLAS.product(.n, cen, .t, cen, alpha: 1 / Double(K))
        let (u, s, _) = try LAPACK.svd(sb)
        let smax = s.first ?? 0
        var nc1 = 0.0
        for (i, sv) in s.enumerated() where sv > pseudoInverseCutoff * smax {
            let ui = u.column(i)
            nc1 += Vector.dot(ui, BLAS.matVec(.n, sw, ui)) / sv
        }
        nc1 /= Double(K)

        var nc2 = Double.nan, nc3 = Double.nan, acc = Double.nan, agree = Double.nan
        if let w {
            let e = simplexTarget(K)
            nc2 = normalizedDistance(BLAS.product(.t, w, .n, w), e)
            nc3 = normalizedDistance(BLAS.product(.t, w, .n, means), e)
            let scores = BLAS.product(.t, w, .n, h)        // K × N
            var correct = 0, same = 0
            for j in 0 ..< n {
                var best = 0
                for k in 1 ..< K where scores[k, j] > scores[best, j] { best = k }
                if best == labels[j] { correct += 1 }
                var nearest = 0, bestDist = Double.infinity
                for k in 0 ..< K where counts[k] > 0 {
                    var dist = 0.0
                    for i in 0 ..< d { let t = h[i, j] - means[i, k]; dist += t * t }
                    if dist < bestDist { bestDist = dist; nearest = k }
                }
                if nearest == best { same += 1 }
            }
            acc = Double(correct) / Double(n)
            agree = Double(same) / Double(n)
        }
        return NCMetrics(nc1: nc1, nc2: nc2, nc3: nc3, accuracy: acc, nccAgreement: agree)
    }

    /// Metrics at a model point `X = [W H]`.
    public static func compute<P: FeatureObjective>(model: P, point x: Matrix) throws -> NCMetrics {
        try compute(features: x.columns(model.featureColumns), labels: model.labels, K: model.K,
                    classifiers: x.columns(model.classifierColumns))
    }

    /// `a` times the power of two that brings its largest entry near 1, when that entry is
    /// outside [2^-400, 2^400] (products of such entries, summed over N ≤ 2^40 samples, stay
    /// finite and normal); otherwise `a` unchanged, so ordinary inputs give bit-identical results.
    static func scaledToUnitRange(_ a: Matrix) -> Matrix {
        let largest = a.storage.reduce(0) { max($0, abs($1)) }
        guard largest.isFinite, largest > 0, largest > 0x1p400 || largest < 0x1p-400 else { return a }
        // In two factors: 2^1030 (for a largest entry of 1e-310) is itself not a double.
        let e = -Int(largest.exponent), half = e / 2
        return Double(sign: .plus, exponent: e - half, significand: 1) * (Double(sign: .plus, exponent: half, significand: 1) * a)
    }

    /// `E = (I − 11ᵀ/K)/√(K−1)` (unit Frobenius norm).
    static func simplexTarget(_ K: Int) -> Matrix {
        var e = Matrix(rows: K, cols: K)
        let s = 1 / Double(K - 1).squareRoot()
        for j in 0 ..< K { for i in 0 ..< K { e[i, j] = ((i == j ? 1 : 0) - 1 / Double(K)) * s } }
        return e
    }

    static func normalizedDistance(_ a: Matrix, _ e: Matrix) -> Double {
        let nrm = a.frobeniusNorm
        guard nrm > 0 else { return .nan }
        return ((1 / nrm) * a - e).frobeniusNorm
    }
}
