/// Exact eigenvalue counts of `M` at cost linear in `N`, from its block structure
/// `M = [[A, B], [Bᵀ, D]]` with `D = blockdiag(D_j)` (one `(d−1)×(d−1)` block per sample).
///
/// Haynsworth inertia additivity: for a shift `σ` with every `D_j − σI` nonsingular,
/// `In(M − σI) = Σ_j In(D_j − σI) + In(S)`, `S = A − σI − Σ_j B_j (D_j − σI)^{−1} B_jᵀ`.
/// Each `D_j` is diagonalized (`dsyevr`), `S` is accumulated with one `dgemm` per chunk of
/// samples and its inertia read from `dsytrf` (or, where cheaper, `S` is assembled from the
/// Kronecker structure of the mixed blocks: `KroneckerSchur`). At critical points some `D_j` are singular; the
/// counts are taken at shifts `±δ`, away from those zeros, so "number below −δ" (the index) and
/// "number below +δ" are exact up to eigenvalues within each count's rounding estimate of the
/// shift (`Count.uncertainty`), and their difference counts the near-zero eigenvalues.
public enum StructuredInertia {
    public struct Count: Sendable {
        /// Eigenvalues of `M` below the shift.
        public let below: Int
        public let fromFeatureBlocks: Int
        public let fromSchurComplement: Int
        /// `min_j min |λ(D_j) − σ|`: how far the shift sits from a feature-block eigenvalue.
        public let smallestPivotGap: Double
        /// Eigenvalues of `M` within this distance of the shift may be miscounted: a first-order
        /// estimate of the rounding error in `S`, `4u (‖S‖_F + Σ_{j,i} ‖f_ji‖² / |λ_ji − σ|)`
        /// (`f_ji` the classifier-side vector of feature eigendirection `i` of sample `j`). The
        /// count is exactly the inertia of `M` with its classifier block perturbed by that error,
        /// so by Weyl's inequality only eigenvalues that close to the shift can change sides.
        /// Tiny pivots with strong coupling make it large (docs/formulas.md §4).
        public let uncertainty: Double
    }

    /// Counts at `±δ` are reported as exact inertia only when their rounding estimate is at most
    /// this fraction of `δ`: then only eigenvalues in `(0.9δ, 1.1δ)` in magnitude could be on the
    /// wrong side, which are zero for every purpose of the classification.
    public static let resolvedFraction = 0.1

    /// How the Schur complement is formed; both give the same matrix up to rounding.
    public enum Assembly: String, Codable, Sendable, CaseIterable {
        /// `S −= F_j (Λ_j − σ)^{−1} F_jᵀ` with `F_j = B_j V_j` (`Kq × q`) per sample: `2 N (Kq)² q` flops per shift.
        case perSample = "per-sample"
        /// Through the `(ψ_j, φ_j)` structure of the mixed blocks: `≈ 2.5 K² d² N` flops per shift.
        case kronecker
    }

    /// Floating-point operations of `shifts` counts in one pass by `assembly`, to decide feasibility.
    public static func cost(_ model: NormalizedFeatureModel, assembly: Assembly, shifts: Int = 1) -> Double {
        let q = Double(model.d - 1), kq = Double(model.K) * q, n = Double(model.N), s = Double(shifts)
        switch assembly {
        case .perSample: return s * (2 * n * kq * kq * q + kq * kq * kq / 3) + 2 * n * kq * kq
        case .kronecker:
            let c = KroneckerSchur.cost(K: model.K, d: model.d, N: model.N)
            return s * c.perShift + c.shared
        }
    }

    /// The cheaper assembly for this model's sizes.
    public static func preferredAssembly(_ model: NormalizedFeatureModel) -> Assembly {
        cost(model, assembly: .kronecker) < cost(model, assembly: .perSample) ? .kronecker : .perSample
    }

    /// Floating-point operations of `shifts` counts by the cheaper assembly.
    public static func cost(_ model: NormalizedFeatureModel, shifts: Int = 1) -> Double {
        cost(model, assembly: preferredAssembly(model), shifts: shifts)
    }

    public static func countBelow(_ shift: Double, blocks: HessianBlocks, assembly: Assembly? = nil, chunk: Int? = nil) throws -> Count {
        try countBelow([shift], blocks: blocks, assembly: assembly, chunk: chunk)[0]
    }

    /// The Schur complements at each shift with what the feature blocks contributed.
    public struct SchurParts {
        /// `S(σ)` per shift (`Kq × Kq`, both triangles).
        public var schur: [Matrix]
        /// Feature-block eigenvalues below each shift.
        public var negative: [Int]
        /// Per shift, `min_j min |λ(D_j) − σ|`.
        public var gap: [Double]
        /// Per shift, `Σ_{j,i} ‖f_ji‖² / |λ_ji − σ|`: the size of the terms summed into `S`.
        public var termSize: [Double]

        init(shifts: Int, schur: [Matrix]) {
            self.schur = schur
            negative = [Int](repeating: 0, count: shifts)
            gap = [Double](repeating: .infinity, count: shifts)
            termSize = [Double](repeating: 0, count: shifts)
        }

        /// Adds another pass's feature-block tallies for shift `si`.
        mutating func merge(_ other: SchurParts, shift si: Int) {
            negative[si] += other.negative[si]
            gap[si] = min(gap[si], other.gap[si])
            termSize[si] += other.termSize[si]
        }

        /// Records a feature-block eigenvalue `λ` of sample `j` against shift number `si`; returns
        /// `1/(λ − σ)`. An exactly singular pivot has no inertia to add, so it is an error.
        /// `coupling` is `‖f‖²` of that eigendirection's column of the Schur term.
        mutating func pivot(_ lambda: Double, shift si: Int, of shifts: [Double], sample j: Int, coupling: Double) throws -> Double {
            let p = lambda - shifts[si]
            guard p != 0 else {
                throw LinearAlgebraError.computationFailed(routine: "structured inertia", info: 0,
                                                           meaning: "feature block \(j) is exactly singular at shift \(shifts[si])")
            }
            if p < 0 { negative[si] += 1 }
            gap[si] = min(gap[si], abs(p))
            termSize[si] += coupling / abs(p)
            return 1 / p
        }
    }

    /// Counts at several shifts in one pass over the samples (what does not depend on the shift —
    /// each `D_j = V_j Λ_j V_jᵀ`, the mixed blocks — is computed once). `assembly` nil: the cheaper.
    /// `chunk`: samples per pass (nil: 256 per-sample, 512 Kronecker; small values exercise the
    /// accumulation in tests). The Kronecker assembly keeps `(Kd)²` numbers per shift while it runs; shifts are taken in
    /// as many passes as the memory budget requires (each pass repeats the feature blocks'
    /// eigendecompositions, a small part of the cost).
    public static func countBelow(_ shifts: [Double], blocks: HessianBlocks, assembly: Assembly? = nil, chunk: Int? = nil,
                                  progress: ((Double) -> Void)? = nil) throws -> [Count] {
        let model = blocks.model
        let chosen = assembly ?? preferredAssembly(model)
        var perPass = shifts.count
        if chosen == .kronecker {
            while perPass > 1 && MemoryEstimate.kroneckerInertia(K: model.K, d: model.d, N: model.N, shifts: perPass) > MemoryBudget.current {
                perPass -= 1
            }
        }
        var counts: [Count] = []
        for first in stride(from: 0, to: shifts.count, by: max(perPass, 1)) {
            let group = Array(shifts[first ..< min(shifts.count, first + perPass)])
            var parts = try schurComplements(group, blocks: blocks, assembly: chosen, chunk: chunk, progress: progress)
            for si in group.indices {
                let size = parts.schur[si].frobeniusNorm
                let inS = try LAPACK.inertia(destroying: &parts.schur[si])
                parts.schur[si] = Matrix(rows: 0, cols: 0)   // release before the next factorization
                counts.append(Count(below: parts.negative[si] + inS.negative, fromFeatureBlocks: parts.negative[si],
                                    fromSchurComplement: inS.negative, smallestPivotGap: parts.gap[si],
                                    uncertainty: 4 * Double.ulpOfOne / 2 * (size + parts.termSize[si])))
            }
        }
        return counts
    }

    /// Bytes `countBelow` needs at least, by the cheaper assembly: the per-sample assembly keeps
    /// four Schur complements; the Kronecker assembly takes one shift per pass where the budget
    /// is tight, so its floor is one shift's.
    public static func memory(_ model: NormalizedFeatureModel) -> Double {
        switch preferredAssembly(model) {
        case .perSample: return MemoryEstimate.structuredInertia(K: model.K, d: model.d, N: model.N)
        case .kronecker: return MemoryEstimate.kroneckerInertia(K: model.K, d: model.d, N: model.N, shifts: 1)
        }
    }

    /// The Schur complements themselves, by `assembly` (nil: the cheaper).
    public static func schurComplements(_ shifts: [Double], blocks: HessianBlocks, assembly: Assembly? = nil, chunk: Int? = nil,
                                        progress: ((Double) -> Void)? = nil) throws -> SchurParts {
        switch assembly ?? preferredAssembly(blocks.model) {
        case .perSample: return try perSampleSchur(shifts, blocks: blocks, chunk: chunk ?? 256, progress: progress)
        case .kronecker: return try KroneckerSchur.assemble(shifts, blocks: blocks, chunk: chunk ?? 512, progress: progress)
        }
    }

    /// Per-sample assembly: the classifier block, the mixed blocks and `F_j = B_j V_j` are
    /// computed once; per shift only `S(σ) −= F_j (Λ_j − σ)^{−1} F_jᵀ` (one `dgemm` per chunk).
    static func perSampleSchur(_ shifts: [Double], blocks: HessianBlocks, chunk: Int, progress: ((Double) -> Void)?) throws -> SchurParts {
        let model = blocks.model
        let q = blocks.q, kq = model.K * q, N = model.N
        let a = blocks.classifierBlock()
        var parts = SchurParts(shifts: shifts.count, schur: shifts.map { shift -> Matrix in
            var s = a
            for i in 0 ..< kq { s[i, i] -= shift }
            return s
        })
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
            let couplings = (0 ..< lambdas.count).map { col in
                f.storage.withUnsafeBufferPointer { fp in (0 ..< kq).reduce(0.0) { $0 + fp[col * kq + $1] * fp[col * kq + $1] } }
            }
            for si in shifts.indices {
                for (col, lam) in lambdas.enumerated() {
                    let inv = try parts.pivot(lam, shift: si, of: shifts, sample: range.lowerBound + col / q, coupling: couplings[col])
                    for i in 0 ..< kq { fs.storage[col * kq + i] = f.storage[col * kq + i] * inv }
                }
                BLAS.gemm(.n, fs, .t, f, alpha: -1, beta: 1, into: &parts.schur[si])
            }
            start = range.upperBound
            progress?(Double(start) / Double(N))
        }
        // Symmetrize against rounding in the accumulated products before factoring.
        for si in shifts.indices {
            parts.schur[si].storage.withUnsafeMutableBufferPointer { s in
                for c in 0 ..< kq { for i in c + 1 ..< kq { let v = 0.5 * (s[i + c * kq] + s[c + i * kq]); s[i + c * kq] = v; s[c + i * kq] = v } }
            }
        }
        return parts
    }

    /// Inertia with `|λ| ≤ δ` counted as zero, from the counts below `−δ` and `+δ`.
    public static func inertia(below minus: Count, belowPlus plus: Count, size m: Int) -> Inertia {
        Inertia(negative: minus.below, zero: plus.below - minus.below, positive: m - plus.below)
    }

    /// The two counts at `−δ` and `+δ` with their rounding estimate and whether it resolves them
    /// (`StructuredCounts.inertia` is the inertia, `|λ| ≤ δ` counted as zero, only then).
    public static func counts(blocks: HessianBlocks, delta: Double, assembly: Assembly? = nil) throws -> StructuredCounts {
        let c = try countBelow([-delta, delta], blocks: blocks, assembly: assembly)
        return StructuredCounts(minus: c[0], plus: c[1], delta: delta)
    }
}
