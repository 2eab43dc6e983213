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
        try countBelow([shift], blocks: blocks, chunk: chunk)[0]
    }

    /// Counts at several shifts in one pass: the classifier block, the mixed blocks, each
    /// `D_j = V_j Λ_j V_jᵀ` and `F_j = B_j V_j` do not depend on the shift and are computed once;
    /// per shift only `S(σ) −= F_j (Λ_j − σ)^{−1} F_jᵀ` (one `dgemm` per chunk) and `dsytrf` remain.
    public static func countBelow(_ shifts: [Double], blocks: HessianBlocks, chunk: Int = 256) throws -> [Count] {
        let model = blocks.model
        let q = blocks.q, kq = model.K * q, N = model.N
        let a = blocks.classifierBlock()
        var schur = shifts.map { shift -> Matrix in
            var s = a
            for i in 0 ..< kq { s[i, i] -= shift }
            return s
        }
        var negD = [Int](repeating: 0, count: shifts.count)
        var gap = [Double](repeating: .infinity, count: shifts.count)
        var start = 0
        while start < N {
            let range = start ..< min(N, start + chunk)
            let b = blocks.mixedBlocks(range)             // Kq × cq
            var f = Matrix(rows: kq, cols: range.count * q)
            var lambdas = [Double](repeating: 0, count: range.count * q)
            for (local, j) in range.enumerated() {
                var dj = blocks.featureBlock(j)
                let e = try LAPACK.eigen(destroying: &dj)
                let cols = local * q ..< (local + 1) * q
                BLAS.gemm(.n, ColumnSlice(b, cols), .n, e.vectors!, into: &f, columns: cols)
                for t in 0 ..< q { lambdas[local * q + t] = e.values[t] }
            }
            var fs = f
            for (si, shift) in shifts.enumerated() {
                for (col, lam) in lambdas.enumerated() {
                    let pivot = lam - shift
                    guard pivot != 0 else {
                        throw LinearAlgebraError.computationFailed(routine: "structured inertia", info: 0,
                                                                   meaning: "feature block \(range.lowerBound + col / q) is exactly singular at shift \(shift)")
                    }
                    if pivot < 0 { negD[si] += 1 }
                    gap[si] = min(gap[si], abs(pivot))
                    for i in 0 ..< kq { fs.storage[col * kq + i] = f.storage[col * kq + i] / pivot }
                }
                BLAS.gemm(.n, fs, .t, f, alpha: -1, beta: 1, into: &schur[si])
            }
            start = range.upperBound
        }
        return try shifts.indices.map { si in
            var s = schur[si]
            // Symmetrize against rounding in the accumulated products before factoring.
            for c in 0 ..< kq { for i in c + 1 ..< kq { let v = 0.5 * (s[i, c] + s[c, i]); s[i, c] = v; s[c, i] = v } }
            let inS = try LAPACK.inertia(shifted: s, by: 0)
            return Count(below: negD[si] + inS.negative, fromFeatureBlocks: negD[si], fromSchurComplement: inS.negative,
                         smallestPivotGap: gap[si])
        }
    }

    /// Inertia with `|λ| ≤ δ` counted as zero, from the counts below `−δ` and `+δ`.
    public static func inertia(below minus: Count, belowPlus plus: Count, size m: Int) -> Inertia {
        Inertia(negative: minus.below, zero: plus.below - minus.below, positive: m - plus.below)
    }

    /// Inertia with `|λ| ≤ δ` counted as zero: two counts, at `−δ` and `+δ`.
    public static func inertia(blocks: HessianBlocks, delta: Double) throws -> Inertia {
        let c = try countBelow([-delta, delta], blocks: blocks)
        return inertia(below: c[0], belowPlus: c[1], size: blocks.model.hessianSize)
    }
}
