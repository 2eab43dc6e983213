/// The `O(d)` symmetry `f(QW, QH) = f(W, H)` (docs/formulas.md §4). At a critical point the orbit
/// tangents `ΩX` (`Ω` skew-symmetric) lie in the Hessian's kernel, so at least
/// `ν = d(d−1)/2 − (d−r)(d−r−1)/2` eigenvalues vanish, `r = rank [W H]`.
public struct SymmetryAnalysis: Sendable {
    /// Numerical rank of `[W H]` (singular values above `rankTolerance · σ_max`).
    public let rank: Int
    /// `ν` from the formula with the numerical rank.
    public let nullity: Int
    /// Orthonormal basis (`m × ν`) of the orbit tangent space in tangent coordinates.
    public let orbitBasis: Matrix

    /// Relative cut-off for numerical rank. Points come out of Newton polishing with
    /// `‖grad‖ ≤ 1e−12`, so coincident columns agree to ~1e−12 and their spurious singular
    /// values sit far below 1e−8 while genuine ones are O(1).
    public static let rankTolerance = 1e-8

    /// `ν(d, r) = d(d−1)/2 − (d−r)(d−r−1)/2`.
    /// Number of singular values above `rankTolerance · σ_max`.
    public static func numericalRank(singularValues s: [Double]) -> Int {
        s.filter { $0 > rankTolerance * (s.first ?? 0) }.count
    }

    public static func nullity(d: Int, rank r: Int) -> Int { d * (d - 1) / 2 - (d - r) * (d - r - 1) / 2 }

    /// - Parameter columnScale: multiplies the tangent coordinates of column `c` (the reduced
    ///   problem at collapsed points represents a class's `n_k` features by one column scaled √n_k).
    /// - Parameter actingRows: `O(d)` acts on the first `d` rows only (default: all); the rank
    ///   is that of those rows (a bias row, untouched by rotations, stays out).
    public init<F: TangentFrame>(point x: Matrix, basis: F, columnScale: [Double]? = nil, actingRows: Int? = nil) throws {
        let d = actingRows ?? x.rows
        rank = Self.numericalRank(singularValues: try LAPACK.singularValues(d == x.rows ? x : Self.firstRows(x, d)))
        nullity = Self.nullity(d: d, rank: rank)
        // Orbit tangents for the basis Ω = E_ab − E_ba of so(d): (ΩX)_c = e_a x_c[b] − e_b x_c[a].
        let pairs = d * (d - 1) / 2
        var orbit = Matrix(rows: basis.dimension, cols: pairs)
        var col = 0
        for a in 0 ..< d { for b in (a + 1) ..< d {
            var omegaX = Matrix(rows: x.rows, cols: x.cols)
            for c in 0 ..< x.cols {
                let w = columnScale?[c] ?? 1
                omegaX[a, c] = w * x[b, c]; omegaX[b, c] = -w * x[a, c]
            }
            orbit.setColumn(col, basis.coordinates(of: omegaX))
            col += 1
        } }
        // The rank of the orbit map equals ν exactly; the SVD gives an orthonormal basis of it.
        let (u, s, _) = try LAPACK.svd(orbit)
        let keep = min(nullity, s.count)
        orbitBasis = u.columns(0 ..< keep)
        numericOrbitRank = Self.numericalRank(singularValues: s)
        smallestOrbitSingularValue = keep > 0 ? s[keep - 1] : .infinity
    }

    /// The `ν`-th singular value of the orbit map `Ω ↦ ΩX` (in the basis `E_ab − E_ba`): how far
    /// the orbit is from losing a dimension (certificates need it to dominate their radius).
    public let smallestOrbitSingularValue: Double

    /// Rank of the orbit map measured directly (equals `nullity` unless the point is
    /// numerically on the boundary between two ranks).
    public let numericOrbitRank: Int

    /// The quotient Hessian `M_⊥`: `M` restricted to the orthogonal complement of the orbit
    /// tangent space, `(m−ν) × (m−ν)`.
    public func quotientHessian(_ m: Matrix) throws -> Matrix {
        let full = try LAPACK.orthogonalSimilarity(m, complementOf: orbitBasis)
        let nu = orbitBasis.cols
        let size = m.rows - nu
        var q = Matrix(rows: size, cols: size)
        for j in 0 ..< size { for i in 0 ..< size { q[i, j] = full[nu + i, nu + j] } }
        return q
    }

    /// The first `d` rows of `x`.
    static func firstRows(_ x: Matrix, _ d: Int) -> Matrix {
        var out = Matrix(rows: d, cols: x.cols)
        for c in 0 ..< x.cols { for i in 0 ..< d { out[i, c] = x[i, c] } }
        return out
    }
}
