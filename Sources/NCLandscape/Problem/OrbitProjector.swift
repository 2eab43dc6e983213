/// Orthogonal projection onto the tangent space of the `O(d)` orbit `{(QW, QH)}` at a point
/// `X = [W H]` (docs/formulas.md §4), without an orbit basis: `P V = Ω X` with `Ω` the
/// skew-symmetric matrix that minimizes `‖V − ΩX‖_F`. Its normal equations are the Lyapunov
/// equation `ΩG + GΩ = C`, `G = XXᵀ`, `C = VXᵀ − XVᵀ`, which decouples in `G`'s eigenbasis
/// `G = Q diag(g) Qᵀ`: `(QᵀΩQ)_ij = (QᵀCQ)_ij / (g_i + g_j)`. Where `g_i` and `g_j` both belong
/// to the numerical null space of `Xᵀ` (the rank test of `SymmetryAnalysis`), the rotation in
/// that plane fixes `X`, `(QᵀCQ)_ij` vanishes, and the entry is 0.
///
/// The cost per vector is `O(d²(K+N) + d³)` with `d × d` work space, where an orthonormal orbit
/// basis would take `m × ν` numbers (at K = 100, d = 512, N = 5·10⁴: `ν = 130 816`, far beyond
/// memory). The same projection serves the sphere product (`ΩX` is tangent there) and
/// Euclidean space (rows beyond `actingRows`, e.g. a bias row, are not rotated).
public struct OrbitProjector: Sendable {
    /// `d`: the rows `O(d)` acts on.
    public let actingRows: Int
    /// Numerical rank of the acting rows of `X`.
    public let rank: Int
    /// `ν = d(d−1)/2 − (d−r)(d−r−1)/2`, the orbit's dimension.
    public var nullity: Int { SymmetryAnalysis.nullity(d: actingRows, rank: rank) }
    let x: Matrix
    let q: Matrix
    /// `1/(g_i + g_j)`, 0 on null-space pairs.
    let inverseSums: Matrix

    public init(point: Matrix, actingRows: Int? = nil) throws {
        let d = actingRows ?? point.rows
        precondition(d >= 1 && d <= point.rows, "acting rows out of range")
        self.actingRows = d
        x = d == point.rows ? point : SymmetryAnalysis.firstRows(point, d)
        let eig = try LAPACK.eigen(BLAS.product(.n, x, .t, x))
        q = eig.vectors!
        // Singular values of X are √g, descending for the shared rank test.
        let g = eig.values.map { max($0, 0) }
        rank = SymmetryAnalysis.numericalRank(singularValues: g.reversed().map { $0.squareRoot() })
        let null = d - rank   // the smallest eigenvalues (ascending order)
        var inv = Matrix(rows: d, cols: d)
        for j in 0 ..< d { for i in 0 ..< d where !(i < null && j < null) { inv[i, j] = 1 / (g[i] + g[j]) } }
        inverseSums = inv
    }

    /// `P V` for an ambient `V` shaped like the point (rows beyond `actingRows` come back 0).
    public func project(_ v: Matrix) -> Matrix {
        let d = actingRows
        let va = d == v.rows ? v : SymmetryAnalysis.firstRows(v, d)
        let vx = BLAS.product(.n, va, .t, x)
        var c = Matrix(rows: d, cols: d)
        for j in 0 ..< d { for i in 0 ..< d { c[i, j] = vx[i, j] - vx[j, i] } }
        var omega = BLAS.product(.t, q, .n, BLAS.product(.n, c, .n, q))
        for i in 0 ..< omega.storage.count { omega.storage[i] *= inverseSums.storage[i] }
        omega = BLAS.product(.n, q, .n, BLAS.product(.n, omega, .t, q))
        let px = BLAS.product(.n, omega, .n, x)
        guard v.rows != d else { return px }
        var out = Matrix(rows: v.rows, cols: v.cols)
        for col in 0 ..< v.cols { for i in 0 ..< d { out[i, col] = px[i, col] } }
        return out
    }
}
