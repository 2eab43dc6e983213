/// Exact eigenvalue counts of `M` at cost linear in `N`, from its block structure
/// `M = [[A, B], [Bᵀ, D]]` with `D = blockdiag(D_j)` (one `(d−1)×(d−1)` block per sample).
///
/// Haynsworth inertia additivity: for a shift `σ` with every `D_j − σI` nonsingular,
/// `In(M − σI) = Σ_j In(D_j − σI) + In(S)`, `S = A − σI − Σ_j B_j (D_j − σI)^{−1} B_jᵀ`.
/// Each `D_j` is diagonalized (`dsyevr`), `S` is accumulated with one `dgemm` per chunk of
/// samples and its inertia read from `dsytrf`. At critical points some `D_j` are singular; the
/// counts are taken at shifts `±δ`, away from those zeros, so "number below −δ" (the index) and
/// "number below +δ" are both exact, and their difference counts the near-zero eigenvalues.
public enum StructuredInertia {
    public struct Count: Sendable {
        /// Eigenvalues of `M` below the shift.
        public let below: Int
        public let fromFeatureBlocks: Int
        public let fromSchurComplement: Int
        /// `min_j min |λ(D_j) − σ|`: how far the shift sits from a feature-block eigenvalue.
        public let smallestPivotGap: Double
    }

    /// Floating-point operations the Schur complement needs (`2 N (Kq)² q`), to decide feasibility.
    public static func cost(_ model: NormalizedFeatureModel) -> Double {
        let q = Double(model.d - 1), kq = Double(model.K) * q
        return 2 * Double(model.N) * kq * kq * q + kq * kq * kq / 3
    }

    public static func countBelow(_ shift: Double, blocks: HessianBlocks, chunk: Int = 256) throws -> Count {
        let model = blocks.model
        let q = blocks.q, kq = model.K * q, N = model.N
        var s = blocks.classifierBlock()
        for i in 0 ..< kq { s[i, i] -= shift }
        var negD = 0
        var gap = Double.infinity
        var start = 0
        while start < N {
            let range = start ..< min(N, start + chunk)
            let b = blocks.mixedBlocks(range)             // Kq × cq
            var f = Matrix(rows: kq, cols: range.count * q)
            var fs = f
            for (local, j) in range.enumerated() {
                var dj = blocks.featureBlock(j)
                for i in 0 ..< q { dj[i, i] -= shift }
                let e = try LAPACK.eigen(destroying: &dj)
                negD += e.values.filter { $0 < 0 }.count
                gap = min(gap, e.values.map(abs).min() ?? .infinity)
                guard e.values.allSatisfy({ $0 != 0 }) else {
                    throw LinearAlgebraError.computationFailed(routine: "structured inertia", info: 0,
                                                               meaning: "feature block \(j) is exactly singular at shift \(shift)")
                }
                let cols = local * q ..< (local + 1) * q
                BLAS.gemm(.n, ColumnSlice(b, cols), .n, e.vectors!, into: &f, columns: cols)
                for (t, lam) in e.values.enumerated() {
                    let col = local * q + t
                    for i in 0 ..< kq { fs.storage[col * kq + i] = f.storage[col * kq + i] / lam }
                }
            }
            BLAS.gemm(.n, fs, .t, f, alpha: -1, beta: 1, into: &s)
            start = range.upperBound
        }
        // Symmetrize against rounding in the accumulated products before factoring.
        for c in 0 ..< kq { for i in c + 1 ..< kq { let v = 0.5 * (s[i, c] + s[c, i]); s[i, c] = v; s[c, i] = v } }
        let inS = try LAPACK.inertia(shifted: s, by: 0)
        return Count(below: negD + inS.negative, fromFeatureBlocks: negD, fromSchurComplement: inS.negative,
                     smallestPivotGap: gap)
    }

    /// Inertia with `|λ| ≤ δ` counted as zero: two counts, at `−δ` and `+δ`.
    public static func inertia(blocks: HessianBlocks, delta: Double) throws -> Inertia {
        let below = try countBelow(-delta, blocks: blocks).below
        let belowPlus = try countBelow(delta, blocks: blocks).below
        let m = blocks.model.hessianSize
        return Inertia(negative: below, zero: belowPlus - below, positive: m - belowPlus)
    }
}
