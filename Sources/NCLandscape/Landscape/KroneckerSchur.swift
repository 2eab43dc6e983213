import Foundation

/// The Schur complement of structured inertia, assembled from the Kronecker structure of the
/// mixed blocks instead of from one dense `Kq × q` product per sample (docs/formulas.md §12).
///
/// The mixed block of sample `j` reads a classifier perturbation `X̃` (`d × K`, columns in the
/// tangent spaces of the `w_a`) only through `ψ_j = X̃ g_j` (`d` numbers) and `φ_j = X̃ᵀ h_j`
/// (`K` numbers): `B_jᵀ x = U_jᵀ (a_j ψ_j + s_j W Λ_j φ_j)` with `a_j = τ c_j / Z`,
/// `s_j = τ² c_j / Z`. With `D_j = V_j diag(λ_j) V_jᵀ`, `Ṽ_j = U_j V_j`, `Δ_j = (λ_j − σ)^{−1}` and
/// `Z_j = Λ_j Wᵀ Ṽ_j` (`K × q`), the sample's share of `Σ_j B_j (D_j − σ)^{−1} B_jᵀ` is the
/// quadratic form in `(ψ, φ)` with blocks
/// `Ω^{ψψ} = a² Ṽ Δ Ṽᵀ`, `Ω^{ψφ} = a s Ṽ Δ Z_jᵀ`, `Ω^{φφ} = s² Z_j Δ Z_jᵀ`.
/// In ambient classifier coordinates, indexed `(a, r) ↦ a d + r` (entry `r` of `x_a`), the Schur
/// complement is `S(σ) = U_Cᵀ T U_C − diag(x_aᵀ g_a + σ)` with
/// `T[(a,r),(b,s)] = Σ_j Φ_j[a,b] h_j[r] h_j[s] − N[(a,r),(b,s)] − N[(b,s),(a,r)]`,
/// `Φ_j = s_j Λ_j − Ω_j^{φφ}` (the Gauss–Newton classifier block enters here too), and
/// `N[(a,r),(b,s)] = Σ_j g_aj (½ g_bj Ω_j^{ψψ}[r,s] + Ω_j^{ψφ}[r,b] h_j[s])`.
/// The first sum is one product of an `N × d(d+1)/2` by a `K(K+1)/2 × N` matrix (both pairs
/// symmetric, so packed); for each `r`, `N` is one product of an `N × Kd` matrix by `G`:
/// `≈ 2.5 K²d²N` flops per shift against `2 K² q³ N` for the per-sample products, `≈ d/1.25` fewer.
enum KroneckerSchur {
    /// Flops per shift, and once for all shifts (the feature blocks' eigendecompositions).
    static func cost(K: Int, d: Int, N: Int) -> (perShift: Double, shared: Double) {
        let k = Double(K), dd = Double(d), q = Double(d - 1), n = Double(N)
        let pairsK = k * (k + 1) / 2, pairsD = dd * (dd + 1) / 2
        let perShift = 2 * k * k * dd * dd * n + 2 * pairsK * pairsD * n + 2 * n * (dd + k) * (dd + k) * q
            + 2 * k * k * (q * dd * dd + q * q * dd) + pow(k * q, 3) / 3
        let shared = n * (12 * q * q * q + 2 * q * q * k + 2 * dd * q * q + 2 * k * q * q)
        return (perShift, shared)
    }

    /// Bytes: per shift `T`, the packed `Φ` sum and the tangent Schur complement; the projection's
    /// `Kd × Kq` intermediate; one chunk's buffers.
    static func memory(K: Int, d: Int, shifts: Int, chunk: Int) -> Double {
        let k = Double(K), dd = Double(d), q = Double(d - 1), c = Double(chunk)
        let perShift = k * dd * k * dd + k * (k + 1) / 2 * dd * (dd + 1) / 2 + k * q * k * q
        let chunkBuffers = c * (dd * dd + 2 * dd * k + (dd + k) * q + dd * (dd + 1) / 2 + k * (k + 1) / 2 + k * dd)
        return 8 * (Double(shifts) * perShift + k * dd * k * q + chunkBuffers)
    }

    @inline(__always) static func pair(_ i: Int, _ j: Int) -> Int { i <= j ? j * (j + 1) / 2 + i : i * (i + 1) / 2 + j }

    /// The tangent Schur complements `S(σ)` (`Kq × Kq`, both triangles), the number of feature-block
    /// eigenvalues below each shift and each shift's smallest pivot gap.
    static func assemble(_ shifts: [Double], blocks: HessianBlocks, chunk: Int, progress: ((Double) -> Void)? = nil) throws
        -> StructuredInertia.SchurParts {
        let model = blocks.model
        let K = model.K, N = model.N, d = model.d, q = d - 1, kd = K * d, kq = K * q
        let pairsK = K * (K + 1) / 2, pairsD = d * (d + 1) / 2, e = d + K
        let x = blocks.point, g = blocks.firstOrder.residual
        let loss = model.sampleLoss, labels = model.labels, rank = loss.hessianFactorCount
        // a_j = τ c_j / Z and s_j = τ² c_j / Z, the mixed block's two scales.
        let scales = { (j: Int) -> (a: Double, s: Double) in
            let tau = model.tau, z = model.lossNormalization, w = model.weight(j)
            return (tau / z * w, tau * tau / z * w)
        }
        var t = shifts.map { _ in Matrix(rows: kd, cols: kd) }
        var phi = shifts.map { _ in Matrix(rows: pairsD, cols: pairsK) }   // Σ_j h_j h_jᵀ (packed) × Φ_j (packed)
        var parts = StructuredInertia.SchurParts(shifts: shifts.count, schur: [])
        let c0 = min(chunk, N)
        // Chunk buffers, raw so that the two halves of a chunk's samples fill them from two threads.
        let stack = Buffer(e * c0 * q)          // [Ṽ_j; Z_j] side by side, leading dimension e
        let lambdas = Buffer(c0 * q)
        let coupling = Buffer(c0 * q)           // ‖f_ji‖² ≤ Σ_a (a_j² g_aj² + s_j² Z_j[a,i]²)
        let lam = Buffer(pairsK * c0)           // s_j Λ_j packed, one column per sample
        let hpairs = Buffer(c0 * pairsD)        // h_j[r] h_j[s] (r ≤ s) at pair·c0 + j
        let hch = Buffer(c0 * d)                // h_j[s] at s·c + j
        let gch = Buffer(c0 * K)                // g_bj at b·c + j
        let psi = Buffer(c0 * d * d)            // Ω^{ψψ}_j[r,s] at (r d + s) c + j
        let cross = Buffer(c0 * d * K)          // Ω^{ψφ}_j[r,b] at (r K + b) c + j
        let p1 = Buffer(pairsK * c0)            // Φ_j packed, one column per sample
        let op = Buffer(c0 * kd)
        defer { for b in [stack, lambdas, coupling, lam, hpairs, hch, gch, psi, cross, p1, op] { b.free() } }
        var start = 0
        while start < N {
            let range = start ..< min(N, start + c0)
            let c = range.count
            // Shift-independent: eigenpairs of each feature block, [Ṽ_j; Z_j], s_j Λ_j, h_j h_jᵀ.
            try TwoThreads.splitSamples(c, work: c * q * q * q) { locals in
                var diag = [Double](repeating: 0, count: K), factors = [Double](repeating: 0, count: K * rank)
                var signs = [Double](repeating: 0, count: rank)
                for local in locals {
                    let j = range.lowerBound + local
                    var dj = blocks.featureBlock(j)
                    let eig = try LAPACK.eigen(destroying: &dj)
                    BLAS.gemm(.n, blocks.basis.block(K + j), .n, eig.vectors!, into: stack.p + local * q * e, ldc: e)
                    BLAS.gemm(.n, ColumnSlice(blocks.rt, j * q ..< (j + 1) * q), .n, eig.vectors!, into: stack.p + local * q * e + d, ldc: e)
                    for i in 0 ..< q { lambdas.p[local * q + i] = eig.values[i] }
                    let (aj, sj) = scales(j)
                    // ṽ ⟂ h_j and both are unit vectors, so the classifier-a part of f_ji,
                    // U_aᵀ(a g_aj ṽ + s Z_j[a,i] h_j), has norm² at most a² g_aj² + s² Z_j[a,i]².
                    var gg = 0.0
                    for a in 0 ..< K { gg += g.storage[j * K + a] * g.storage[j * K + a] }
                    for i in 0 ..< q {
                        let zc = stack.p + (local * q + i) * e + d
                        var zz = 0.0
                        for a in 0 ..< K { zz += zc[a] * zc[a] }
                        coupling.p[local * q + i] = aj * aj * gg + sj * sj * zz
                    }
                    blocks.firstOrder.lossState.storage.withUnsafeBufferPointer { ps in
                        let p = ps.baseAddress! + j * blocks.firstOrder.lossState.rows
                        diag.withUnsafeMutableBufferPointer { loss.hessianDiagonal(p, label: labels[j], count: K, into: $0.baseAddress!) }
                        factors.withUnsafeMutableBufferPointer { f in signs.withUnsafeMutableBufferPointer { s in
                            loss.hessianFactors(p, label: labels[j], count: K, into: f.baseAddress!, signs: s.baseAddress!)
                        } }
                    }
                    for b in 0 ..< K {
                        for a in 0 ..< b {
                            var v = 0.0
                            for r in 0 ..< rank { v += signs[r] * factors[r * K + a] * factors[r * K + b] }
                            lam.p[local * pairsK + pair(a, b)] = sj * v
                        }
                        lam.p[local * pairsK + pair(b, b)] = sj * diag[b]
                        gch.p[b * c + local] = g.storage[j * K + b]
                    }
                    let h = (K + j) * d
                    for s in 0 ..< d {
                        let hs = x.storage[h + s]
                        hch.p[s * c + local] = hs
                        for r in 0 ... s { hpairs.p[pair(r, s) * c0 + local] = x.storage[h + r] * hs }
                    }
                }
            }
            for si in shifts.indices {
                // Per sample: Ω_j = [Ṽ; Z] Δ [Ṽ; Z]ᵀ, scattered with the sample index fastest.
                var halves = [StructuredInertia.SchurParts](repeating: StructuredInertia.SchurParts(shifts: shifts.count, schur: []), count: 2)
                try halves.withUnsafeMutableBufferPointer { hv in
                    try TwoThreads.splitSamples(c, work: c * e * e * q) { locals in
                        var scaled = Matrix(rows: e, cols: q), omega = Matrix(rows: e, cols: e)
                        let mine = locals.lowerBound == 0 ? 0 : 1
                        for local in locals {
                            let j = range.lowerBound + local
                            for i in 0 ..< q {
                                let inv = try hv[mine].pivot(lambdas.p[local * q + i], shift: si, of: shifts, sample: j, coupling: coupling.p[local * q + i]), src = stack.p + (local * q + i) * e
                                for r in 0 ..< e { scaled.storage[i * e + r] = src[r] * inv }
                            }
                            BLAS.gemm(.n, scaled, .t, PointerOperand(stack.p + local * q * e, rows: e, cols: q, ld: e), into: &omega)
                            let (aj, sj) = scales(j)
                            for s in 0 ..< d { for r in 0 ..< d { psi.p[(r * d + s) * c + local] = aj * aj * omega.storage[s * e + r] } }
                            for b in 0 ..< K { for r in 0 ..< d { cross.p[(r * K + b) * c + local] = aj * sj * omega.storage[(d + b) * e + r] } }
                            for b in 0 ..< K { for a in 0 ... b {
                                let pr = pair(a, b)
                                p1.p[local * pairsK + pr] = lam.p[local * pairsK + pr] - sj * sj * omega.storage[(d + b) * e + d + a]
                            } }
                        }
                    }
                }
                for h in halves { parts.merge(h, shift: si) }
                BLAS.gemm(.t, PointerOperand(hpairs.p, rows: c, cols: pairsD, ld: c0), .t, PointerOperand(p1.p, rows: pairsK, cols: c, ld: pairsK),
                          beta: 1, into: &phi[si])
                // N, for each r: op_rᵀ (Kd × c) times G_chunkᵀ (c × K), with
                // op_r[j, b d + s] = ½ g_bj Ω^{ψψ}_j[r,s] + Ω^{ψφ}_j[r,b] h_j[s].
                let gSlice = ColumnSlice(g, range)
                for r in 0 ..< d {
                    TwoThreads.split(d, work: d * K * c) { sRange in
                        for s in sRange {
                            let psRow = psi.p + (r * d + s) * c, hRow = hch.p + s * c
                            for b in 0 ..< K {
                                let out = op.p + (b * d + s) * c0, gRow = gch.p + b * c, cRow = cross.p + (r * K + b) * c
                                for jj in 0 ..< c { out[jj] = 0.5 * gRow[jj] * psRow[jj] + cRow[jj] * hRow[jj] }
                            }
                        }
                    }
                    // Stored transposed, T[(b,s),(a,r)] at row b d + s, column a d + r: the K columns
                    // a d + r are evenly spaced, so one product writes them (ldc = d·Kd).
                    t[si].storage.withUnsafeMutableBufferPointer { tp in
                        BLAS.gemm(.t, PointerOperand(op.p, rows: c, cols: kd, ld: c0), .t, gSlice, beta: 1,
                                  into: tp.baseAddress! + r * kd, ldc: d * kd)
                    }
                }
            }
            start = range.upperBound
            progress?(Double(start) / Double(N))
        }
        // S(σ) = −U_Cᵀ (T' + T'ᵀ) U_C − diag(x_aᵀ g_a + σ) with T' = T − ½Φ (Φ symmetric), the
        // projections as K products of Kd × d by d × q on each side.
        for (si, shift) in shifts.enumerated() {
            var unpacked = [Double](repeating: 0, count: d * d)
            t[si].storage.withUnsafeMutableBufferPointer { tp in phi[si].storage.withUnsafeBufferPointer { ph in
                let tp = tp.baseAddress!
                for b in 0 ..< K { for a in 0 ... b {
                    let col = ph.baseAddress! + pair(a, b) * pairsD
                    for sIdx in 0 ..< d { for r in 0 ... sIdx {
                        let v = 0.5 * col[pair(r, sIdx)]
                        unpacked[sIdx * d + r] = v; unpacked[r * d + sIdx] = v
                    } }
                    for sIdx in 0 ..< d {          // T'[(a,r),(b,s)], column b d + s
                        let dst = tp + (b * d + sIdx) * kd + a * d
                        for r in 0 ..< d { dst[r] -= unpacked[sIdx * d + r] }
                    }
                    if a != b {                    // T'[(b,s),(a,r)], column a d + r
                        for r in 0 ..< d {
                            let dst = tp + (a * d + r) * kd + b * d
                            for sIdx in 0 ..< d { dst[sIdx] -= unpacked[r * d + sIdx] }
                        }
                    }
                } }
            } }
            phi[si] = Matrix(rows: 0, cols: 0)
            var w1 = Matrix(rows: kd, cols: kq)
            for b in 0 ..< K {
                BLAS.gemm(.n, ColumnSlice(t[si], b * d ..< (b + 1) * d), .n, blocks.basis.block(b), into: &w1, columns: b * q ..< (b + 1) * q)
            }
            t[si] = Matrix(rows: 0, cols: 0)
            var s1 = Matrix(rows: kq, cols: kq)
            for a in 0 ..< K {
                BLAS.gemm(.t, blocks.basis.block(a), .n, MatrixView(w1, rows: a * d ..< (a + 1) * d), into: &s1, rows: a * q ..< (a + 1) * q)
            }
            w1 = Matrix(rows: 0, cols: 0)
            s1.storage.withUnsafeMutableBufferPointer { sp in
                for col in 0 ..< kq {
                    sp[col * kq + col] = -2 * sp[col * kq + col] - (blocks.curvature[col / q] + shift)
                    for row in col + 1 ..< kq {
                        let v = -(sp[col * kq + row] + sp[row * kq + col])
                        sp[col * kq + row] = v; sp[row * kq + col] = v
                    }
                }
            }
            parts.schur.append(s1)
        }
        return parts
    }
}

/// A raw buffer of doubles, allocated zeroed and freed explicitly.
struct Buffer {
    let p: UnsafeMutablePointer<Double>
    init(_ count: Int) {
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
    }
    func free() { p.deallocate() }
}

/// A column-major operand read from raw storage.
struct PointerOperand: BLASOperand {
    let base: UnsafeMutablePointer<Double>
    let rows: Int, cols: Int, ld: Int
    init(_ base: UnsafeMutablePointer<Double>, rows: Int, cols: Int, ld: Int) { self.base = base; self.rows = rows; self.cols = cols; self.ld = ld }
    func withOperand<R>(_ body: (UnsafePointer<Double>, Int32) throws -> R) rethrows -> R { try body(UnsafePointer(base), Int32(max(ld, 1))) }
}

// The estimate needs the assembly's own sizes, so it sits with the assembly rather than with
// the other estimates in Support (which the assembly's layer is above).
extension MemoryEstimate {
    /// Structured inertia by the Kronecker assembly with `shifts` counts in one pass: the blocks
    /// (`3 K N q`), per shift `T` (`(Kd)²`) and the packed `Φ` sum, one tangent Schur complement
    /// being factored, one chunk's buffers.
    public static func kroneckerInertia(K: Int, d: Int, N: Int, shifts: Int, chunk: Int = 512) -> Double {
        8 * 3 * Double(K) * Double(N) * Double(d - 1) + KroneckerSchur.memory(K: K, d: d, shifts: shifts, chunk: min(chunk, N))
    }
}
