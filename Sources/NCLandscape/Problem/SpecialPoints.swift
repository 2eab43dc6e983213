/// Closed-form points of the model (docs/formulas.md §3, §5).
public enum SpecialPoint: String, CaseIterable, Sendable {
    /// Neural collapse: `W` a simplex ETF, `h_j = w_{y_j}`.
    case etf
    /// Features anti-aligned with their classifier: `W` a simplex ETF, `h_j = −w_{y_j}`.
    case anti
    /// Total collapse: every column equals one unit vector `u`.
    case total
    /// Uniformly random on the product of spheres.
    case random
}

public enum SpecialPoints {
    /// The `K` vertices of a simplex ETF as unit columns in `R^d` (needs `d ≥ K−1`):
    /// `w_k = sqrt(K/(K−1)) B[k, :]` with `B` the Helmert basis of `1^⊥ ⊂ R^K`, so
    /// `WᵀW = (K/(K−1)) I − (1/(K−1)) 11ᵀ`.
    public static func simplexETF(K: Int, d: Int) throws -> Matrix {
        guard d >= K - 1 else {
            throw InputError("a simplex ETF of \(K) vectors needs d ≥ K−1 = \(K - 1) (got d = \(d)); use the random point with --polish, or `verify`")
        }
        var w = Matrix(rows: d, cols: K)
        let scale = (Double(K) / Double(K - 1)).squareRoot()
        for i in 1 ..< K {   // Helmert column i: 1/sqrt(i(i+1)) on the first i entries, −i/sqrt(i(i+1)) on entry i
            let c = 1 / (Double(i) * Double(i + 1)).squareRoot()
            for k in 0 ..< i { w[i - 1, k] = scale * c }
            w[i - 1, i] = -scale * Double(i) * c
        }
        return w
    }

    /// A Haar-random orthogonal matrix `Q ∈ O(d)` (`Q = U Vᵀ` from the SVD of a Gaussian matrix).
    public static func randomOrthogonal(_ d: Int, using rng: inout SeededGenerator) throws -> Matrix {
        let g = Matrix(rows: d, cols: d, columnMajor: rng.normals(d * d))
        let (u, _, vt) = try LAPACK.svd(g)
        return BLAS.product(.n, u, .n, vt)
    }

    /// Point with classifiers `W` and features `h_j = sign_{y_j} w_{y_j}`.
    public static func aligned(_ model: NormalizedFeatureModel, classifiers w: Matrix, signs: [Double]) -> Matrix {
        let d = model.d
        var x = Matrix(rows: d, cols: model.K + model.N)
        for k in 0 ..< model.K { for i in 0 ..< d { x[i, k] = w[i, k] } }
        for (j, y) in model.labels.enumerated() { for i in 0 ..< d { x[i, model.K + j] = signs[y] * w[i, y] } }
        return x
    }

    /// The named point. `rotate` applies a random `Q ∈ O(d)` (a symmetry) drawn from `rng`.
    public static func make(_ kind: SpecialPoint, model: NormalizedFeatureModel, rng: inout SeededGenerator,
                            rotate: Bool = false) throws -> Matrix {
        var x: Matrix
        switch kind {
        case .etf, .anti:
            let w = try simplexETF(K: model.K, d: model.d)
            x = aligned(model, classifiers: w, signs: [Double](repeating: kind == .etf ? 1 : -1, count: model.K))
        case .total:
            x = Matrix(rows: model.d, cols: model.K + model.N)
            for c in 0 ..< x.cols { x[0, c] = 1 }
        case .random:
            return model.manifold.randomPoint(using: &rng)
        }
        if rotate { x = BLAS.product(.n, try randomOrthogonal(model.d, using: &rng), .n, x) }
        return x
    }
}
