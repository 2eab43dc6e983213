/// The geometry NC2 measures, of `K` vectors `v_k` (centred class means, or classifiers):
/// how far they are from the vertices of a simplex equiangular tight frame (Papyan, Han &
/// Donoho, PNAS 2020; docs/metrics.md).
public struct SimplexGeometry: Codable, Sendable, Equatable {
    /// Equinorm: `std_k ‖v_k‖ / mean_k ‖v_k‖` (coefficient of variation; sample std, divisor
    /// `K − 1`, as `torch.std` computes by default). 0 when every vector has the same length.
    public var equinorm: Double
    /// Equiangularity: `std_{k<l} cos(v_k, v_l)` over the `K(K−1)/2` pairs (sample std, divisor
    /// pairs − 1; 0 for `K = 2`, which has one pair). 0 when all pairs meet at one angle.
    public var equiangularity: Double
    /// Maximal-angle equiangularity: `mean_{k≠l} |cos(v_k, v_l) + 1/(K−1)|`; 0 exactly at the
    /// simplex angle `arccos(−1/(K−1))`.
    public var maxAngle: Double
    /// `‖G/‖G‖_F − E‖_F` with `G = VᵀV` the Gram matrix and `E = (I − 11ᵀ/K)/√(K−1)` the
    /// simplex-ETF Gram of unit Frobenius norm (the form of docs/formulas.md §7); 0 exactly
    /// when the `v_k` form a simplex ETF up to one common scale and a rotation.
    public var etfDistance: Double

    public init(equinorm: Double, equiangularity: Double, maxAngle: Double, etfDistance: Double) {
        self.equinorm = equinorm; self.equiangularity = equiangularity; self.maxAngle = maxAngle; self.etfDistance = etfDistance
    }

    /// The four measures of the columns of `v` (`d × K`). A zero column has no angle: its
    /// cosines, and the measures built from them, are NaN (honestly undefined, not 0).
    public static func of(_ v: Matrix) -> SimplexGeometry {
        let K = v.cols
        let norms = (0 ..< K).map { Vector.norm(v.column($0)) }
        let gram = BLAS.product(.t, v, .n, v)
        var cosines: [Double] = []
        for k in 0 ..< K { for l in k + 1 ..< K { cosines.append(gram[k, l] / (norms[k] * norms[l])) } }
        let target = -1 / Double(K - 1)
        let maxAngle = cosines.isEmpty ? Double.nan : cosines.map { abs($0 - target) }.reduce(0, +) / Double(cosines.count)
        return SimplexGeometry(equinorm: sampleStd(norms) / (norms.reduce(0, +) / Double(K)),
                               equiangularity: cosines.count < 2 ? 0 : sampleStd(cosines),
                               maxAngle: maxAngle,
                               etfDistance: NCMetrics.normalizedDistance(gram, NCMetrics.simplexTarget(K)))
    }

    /// Standard deviation with divisor `n − 1`.
    static func sampleStd(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let mean = x.reduce(0, +) / Double(x.count)
        return (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count - 1)).squareRoot()
    }
}

/// Neural-collapse metrics under their literature names (docs/metrics.md): Papyan, Han & Donoho
/// (PNAS 2020) NC1–NC4, plus the forms of the paper's code (docs/formulas.md §7).
///
/// `h̄_k` are class means, `h_G` the global mean of the features, `M = [h̄_k − h_G]` (`d × K`)
/// the CENTRED class means, `H̄ = [h̄_k]` the uncentred ones, `W` the classifiers (`d × K`).
public struct NCMetrics: Codable, Sendable, Equatable {
    /// NC1 (Papyan): `tr(Σ_W Σ_B^†)/K`: within-class variability relative to between-class spread.
    public var nc1: Double
    /// NC2 of the centred class means `M` (needs no classifiers).
    public var nc2ClassMeans: SimplexGeometry
    /// NC2 of the classifiers `W` (nil without `W`). `etfDistance` is the paper's code's NC2,
    /// `‖WᵀW/‖WᵀW‖_F − E‖_F`.
    public var nc2Classifiers: SimplexGeometry?
    /// NC3 (Papyan's self-duality): `‖W/‖W‖_F − M/‖M‖_F‖_F` with `M` the centred class means
    /// (nil without `W`). 0 when the classifiers are the centred means up to one scale.
    public var nc3SelfDualityCentred: Double?
    /// The paper's code's NC3: `‖WᵀH̄/‖WᵀH̄‖_F − E‖_F` with the UNCENTRED means `H̄` (nil without `W`).
    public var nc3GramUncentred: Double?
    /// Fraction of samples with `argmax_k w_kᵀ h_j = y_j` (the linear classifier as given; nil without `W`).
    public var accuracy: Double?
    /// Fraction with `argmax_k cos(w_k, h_j) = y_j`: the cosine classifier, i.e. the argmax of
    /// normalized logits (nil without `W`). Equals `accuracy` when every `w_k` has unit norm.
    public var cosineAccuracy: Double?
    /// NC4 (Papyan): fraction of samples where the classifier's prediction `argmax_k w_kᵀ h_j`
    /// equals the nearest class mean's `argmin_k ‖h_j − h̄_k‖` (1 at collapse; Papyan plots the
    /// mismatch, 1 minus this; nil without `W`).
    public var nc4NCCAgreement: Double?

    /// The paper's code's NC2 (classifiers against a simplex ETF), NaN without `W`; the
    /// `nc2` column of training and escape tables.
    public var nc2: Double { nc2Classifiers?.etfDistance ?? .nan }
    /// The paper's code's NC3 (uncentred means), NaN without `W`; the `nc3` column of tables.
    public var nc3: Double { nc3GramUncentred ?? .nan }

    public init(nc1: Double, nc2ClassMeans: SimplexGeometry, nc2Classifiers: SimplexGeometry?, nc3SelfDualityCentred: Double?,
                nc3GramUncentred: Double?, accuracy: Double?, cosineAccuracy: Double?, nc4NCCAgreement: Double?) {
        self.nc1 = nc1; self.nc2ClassMeans = nc2ClassMeans; self.nc2Classifiers = nc2Classifiers
        self.nc3SelfDualityCentred = nc3SelfDualityCentred; self.nc3GramUncentred = nc3GramUncentred
        self.accuracy = accuracy; self.cosineAccuracy = cosineAccuracy; self.nc4NCCAgreement = nc4NCCAgreement
    }

    /// Every metric NaN (a failed computation in a training log).
    public static let unavailable = NCMetrics(nc1: .nan, nc2ClassMeans: SimplexGeometry(equinorm: .nan, equiangularity: .nan, maxAngle: .nan, etfDistance: .nan),
                                              nc2Classifiers: nil, nc3SelfDualityCentred: nil, nc3GramUncentred: nil,
                                              accuracy: nil, cosineAccuracy: nil, nc4NCCAgreement: nil)

    enum CodingKeys: String, CodingKey {
        case nc1, nc2ClassMeans, nc2Classifiers, nc3SelfDualityCentred, nc3GramUncentred, accuracy, cosineAccuracy, nc4NCCAgreement
        // Earlier files (critical_points.json written before these names) had nc2, nc3, nccAgreement.
        case nc2, nc3, nccAgreement
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(nc1, forKey: .nc1)
        try c.encode(nc2ClassMeans, forKey: .nc2ClassMeans)
        // Absent quantities are null (not computable without W), never NaN.
        try c.encode(nc2Classifiers, forKey: .nc2Classifiers)
        try c.encode(nc3SelfDualityCentred, forKey: .nc3SelfDualityCentred)
        try c.encode(nc3GramUncentred, forKey: .nc3GramUncentred)
        try c.encode(accuracy, forKey: .accuracy)
        try c.encode(cosineAccuracy, forKey: .cosineAccuracy)
        try c.encode(nc4NCCAgreement, forKey: .nc4NCCAgreement)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nc1 = try c.decode(Double.self, forKey: .nc1)
        if let means = try c.decodeIfPresent(SimplexGeometry.self, forKey: .nc2ClassMeans) {
            nc2ClassMeans = means
            nc2Classifiers = try c.decodeIfPresent(SimplexGeometry.self, forKey: .nc2Classifiers)
            nc3SelfDualityCentred = try c.decodeIfPresent(Double.self, forKey: .nc3SelfDualityCentred)
            nc3GramUncentred = try c.decodeIfPresent(Double.self, forKey: .nc3GramUncentred)
            nc4NCCAgreement = try c.decodeIfPresent(Double.self, forKey: .nc4NCCAgreement)
        } else {
            // Legacy record: only the paper's code's forms were stored; the rest is unknown (NaN).
            let nan = SimplexGeometry(equinorm: .nan, equiangularity: .nan, maxAngle: .nan, etfDistance: .nan)
            nc2ClassMeans = nan
            var classifiers = nan
            classifiers.etfDistance = try c.decode(Double.self, forKey: .nc2)
            nc2Classifiers = classifiers
            nc3SelfDualityCentred = nil
            nc3GramUncentred = try c.decode(Double.self, forKey: .nc3)
            nc4NCCAgreement = try c.decodeIfPresent(Double.self, forKey: .nccAgreement)
        }
        accuracy = try c.decodeIfPresent(Double.self, forKey: .accuracy)
        cosineAccuracy = try c.decodeIfPresent(Double.self, forKey: .cosineAccuracy)
    }

    /// Relative cut-off for `Σ_B^†`: singular values below `1e−10 σ_max` are treated as zero, so a
    /// rank-deficient `Σ_B` (e.g. `d > K−1`) is inverted only on its range; since `Σ_W` and the
    /// pseudo-inverse are both positive semidefinite, NC1 can never be negative.
    public static let pseudoInverseCutoff = 1e-10

    /// Metrics of features `H` (`d × N`, columns), labels, `K` classes and optional classifiers
    /// `W` (`d × K`); without `W`, the quantities that need it are nil.
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

        var out = NCMetrics(nc1: nc1, nc2ClassMeans: SimplexGeometry.of(cen), nc2Classifiers: nil, nc3SelfDualityCentred: nil,
                            nc3GramUncentred: nil, accuracy: nil, cosineAccuracy: nil, nc4NCCAgreement: nil)
        guard let w else { return out }
        out.nc2Classifiers = SimplexGeometry.of(w)
        out.nc3GramUncentred = normalizedDistance(BLAS.product(.t, w, .n, means), simplexTarget(K))
        let wn = w.frobeniusNorm, mn = cen.frobeniusNorm
        out.nc3SelfDualityCentred = wn > 0 && mn > 0 ? ((1 / wn) * w - (1 / mn) * cen).frobeniusNorm : .nan
        let scores = BLAS.product(.t, w, .n, h)        // K × N
        let rowNorms = (0 ..< K).map { Vector.norm(w.column($0)) }
        var correct = 0, cosineCorrect = 0, same = 0
        for j in 0 ..< n {
            var best = 0, bestCos = 0
            for k in 1 ..< K {
                if scores[k, j] > scores[best, j] { best = k }
                // cos(w_k, h_j) ∝ w_kᵀh_j/‖w_k‖ (‖h_j‖ is common to all k).
                if scores[k, j] / rowNorms[k] > scores[bestCos, j] / rowNorms[bestCos] { bestCos = k }
            }
            if best == labels[j] { correct += 1 }
            if bestCos == labels[j] { cosineCorrect += 1 }
            var nearest = 0, bestDist = Double.infinity
            for k in 0 ..< K where counts[k] > 0 {
                var dist = 0.0
                for i in 0 ..< d { let t = h[i, j] - means[i, k]; dist += t * t }
                if dist < bestDist { bestDist = dist; nearest = k }
            }
            if nearest == best { same += 1 }
        }
        out.accuracy = Double(correct) / Double(n)
        out.cosineAccuracy = Double(cosineCorrect) / Double(n)
        out.nc4NCCAgreement = Double(same) / Double(n)
        return out
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
