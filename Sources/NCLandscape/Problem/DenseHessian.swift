/// The Riemannian Hessian as a dense symmetric matrix `M = Uᵀ Hess f(x) U` in the tangent basis
/// `U = blockdiag(U_c)` (docs/formulas.md §2), with the basis used so vectors can be mapped back.
public struct DenseRiemannianHessian: Sendable {
    /// `m × m`, `m = (K+N)(d−1)`; block `(c, c')` is `U_cᵀ ∇²f U_{c'} − δ_{cc'} (x_cᵀ g_c) I`.
    public var matrix: Matrix
    public let basis: TangentBasis
}

/// The blocks of `M` in the tangent basis, computed with level-3 BLAS and never needing the
/// `m × m` matrix: the feature–feature part is block diagonal, so structured methods (inertia
/// by Schur complement) use the blocks directly and the dense assembly just places them.
///
/// With `q = d−1`, `A_a = U_aᵀ H` (`q × N`), `V_j = U_jᵀ W` (`q × K`), `Λ_j = ∇²_z ℓ_j` the
/// per-sample logit Hessian, `R_j = V_j Λ_j`, weights `c_j` and normalization `Z` (1 and `N` for
/// the plain model), and using `U_jᵀ h_j = 0` (docs/formulas.md §2):
/// - classifier block `(a, b)`: `(τ²/Z) Σ_j c_j Λ_j[a,b] A_a[:,j] A_b[:,j]ᵀ`. Off the diagonal
///   `Λ_j[a,b] = Σ_r σ_rj u_rj[a] u_rj[b]` (the loss's signed factors; cross-entropy: `−p_a p_b`),
///   so all off-diagonal blocks come from one `dgemm` per factor, `C_rᵀ (σ_r C_r)` with
///   `C_r[j, (a,·)] = √c_j u_rj[a] A_a[:,j]`; the diagonal blocks are then recomputed from the
///   loss's cancellation-free `Λ_j[a,a]` (cross-entropy: `p_a(1 − p_a)`, never `p_a − p_a²`);
/// - feature block `j`: `(τ²/Z) c_j V_j Λ_j V_jᵀ`;
/// - mixed block `(a, j)`: `(τ/Z) c_j [G[a,j] U_aᵀU_j + τ A_a[:,j] R_j[:,a]ᵀ]`;
/// - `−(x_cᵀ g_c) I` on every diagonal block (the Riemannian curvature term).
public struct HessianBlocks {
    public let model: NormalizedFeatureModel
    public let point: Matrix
    public let firstOrder: NormalizedFeatureModel.FirstOrder
    public let basis: TangentBasis
    /// `q = d − 1`.
    public let q: Int
    /// `Hᵀ U_W` (`N × Kq`): column block `a` is `A_aᵀ`.
    let at: Matrix
    /// `Wᵀ U_H` (`K × Nq`): column block `j` is `V_jᵀ`.
    let bw: Matrix
    /// `Λ_j V_jᵀ = R_jᵀ` side by side (`K × Nq`).
    let rt: Matrix
    /// `x_cᵀ g_c` per column.
    let curvature: [Double]

    public init(model: NormalizedFeatureModel, point x: Matrix, firstOrder fo: NormalizedFeatureModel.FirstOrder? = nil,
                basis: TangentBasis? = nil) {
        self.model = model
        point = x
        let fo = fo ?? model.firstOrder(at: x)
        firstOrder = fo
        let basis = basis ?? TangentBasis(point: x)
        self.basis = basis
        let K = model.K, N = model.N, q = model.d - 1
        self.q = q
        at = BLAS.product(.t, model.features(x), .n, basis.blocks(model.classifierColumns))
        let bw = BLAS.product(.t, model.classifiers(x), .n, basis.blocks(model.featureColumns))
        self.bw = bw
        var rt = Matrix(rows: K, cols: N * q)
        let loss = model.sampleLoss, labels = model.labels, S = fo.lossState.rows
        fo.lossState.storage.withUnsafeBufferPointer { ps in bw.storage.withUnsafeBufferPointer { bs in
            rt.storage.withUnsafeMutableBufferPointer { out in
                for col in 0 ..< N * q {
                    let j = col / q
                    loss.hessianProduct(ps.baseAddress! + j * S, label: labels[j], count: K, bs.baseAddress! + col * K,
                                        into: out.baseAddress! + col * K, scale: 1)
                }
            }
        } }
        self.rt = rt
        curvature = model.curvatureTerms(at: x, firstOrder: fo)
    }

    var t2: Double { model.tau * model.tau / model.lossNormalization }

    /// The classifier–classifier block (`Kq × Kq`), curvature term included.
    public func classifierBlock() -> Matrix {
        let K = model.K, N = model.N, kK = K * q
        let loss = model.sampleLoss, labels = model.labels
        let rank = loss.hessianFactorCount
        // Per sample: the loss's diagonal Λ_j[a,a] (K × N) and factors u_rj with signs σ_rj.
        var diagonal = Matrix(rows: K, cols: N)
        var factors = Matrix(rows: K * rank, cols: N)
        var signs = Matrix(rows: rank, cols: N)
        firstOrder.lossState.storage.withUnsafeBufferPointer { ps in
            diagonal.storage.withUnsafeMutableBufferPointer { dg in factors.storage.withUnsafeMutableBufferPointer { fs in
                signs.storage.withUnsafeMutableBufferPointer { ss in
                    for j in 0 ..< N {
                        let p = ps.baseAddress! + j * firstOrder.lossState.rows
                        loss.hessianDiagonal(p, label: labels[j], count: K, into: dg.baseAddress! + j * K)
                        loss.hessianFactors(p, label: labels[j], count: K, into: fs.baseAddress! + j * K * rank,
                                            signs: ss.baseAddress! + j * rank)
                    }
                }
            } }
        }
        var ww = Matrix(rows: kK, cols: kK)
        for r in 0 ..< rank {
            var c = at
            for a in 0 ..< K { for t in 0 ..< q { let col = a * q + t
                for j in 0 ..< N { c.storage[col * N + j] *= model.weight(j).squareRoot() * factors.storage[j * K * rank + r * K + a] }
            } }
            // One sign for every sample (cross-entropy: −1): a symmetric rank update, no signed copy.
            let first = signs.storage[r]
            if (0 ..< N).allSatisfy({ signs.storage[$0 * rank + r] == first }) {
                BLAS.gemm(.t, c, .n, c, alpha: first * t2, beta: 1, into: &ww)
            } else {
                var sc = c
                for col in 0 ..< kK { for j in 0 ..< N { sc.storage[col * N + j] *= signs.storage[j * rank + r] } }
                BLAS.gemm(.t, c, .n, sc, alpha: t2, beta: 1, into: &ww)
            }
        }
        // Diagonal blocks from the cancellation-free Λ_j[a,a], replacing what the factors gave.
        var scaled = Matrix(rows: N, cols: q)
        var diagBlock = Matrix(rows: q, cols: q)
        for a in 0 ..< K {
            let cols = a * q ..< (a + 1) * q
            for t in 0 ..< q { for j in 0 ..< N {
                scaled.storage[t * N + j] = model.weight(j) * diagonal.storage[j * K + a] * at.storage[(a * q + t) * N + j]
            } }
            BLAS.gemm(.t, scaled, .n, ColumnSlice(at, cols), alpha: t2, into: &diagBlock)
            for s in 0 ..< q { for r in 0 ..< q { ww[a * q + r, a * q + s] = diagBlock[r, s] } }
            for r in 0 ..< q { ww[a * q + r, a * q + r] -= curvature[a] }
        }
        return ww
    }

    /// The feature block of sample `j` (`q × q`), curvature term included.
    public func featureBlock(_ j: Int) -> Matrix {
        var hh = Matrix(rows: q, cols: q)
        let cols = j * q ..< (j + 1) * q
        BLAS.gemm(.t, ColumnSlice(bw, cols), .n, ColumnSlice(rt, cols), alpha: t2 * model.weight(j), into: &hh)
        for r in 0 ..< q { hh[r, r] -= curvature[model.K + j] }
        return hh
    }

    /// The mixed blocks of samples `range` side by side (`Kq × |range|q`; block `j` is `B_j`).
    public func mixedBlocks(_ range: Range<Int>) -> Matrix {
        let K = model.K, N = model.N, kK = K * q
        let g = firstOrder.residual
        let tau = model.tau
        var out = BLAS.product(.t, basis.blocks(model.classifierColumns), .n,
                               basis.blocks(model.featureColumns.lowerBound + range.lowerBound ..< model.featureColumns.lowerBound + range.upperBound))
        for (local, j) in range.enumerated() {
            let s1 = tau / model.lossNormalization * model.weight(j)
            for s in 0 ..< q {
                let colOut = local * q + s
                let colJ = j * q + s
                for a in 0 ..< K {
                    let gaj = g.storage[j * K + a]
                    let raj = tau * rt.storage[colJ * K + a]
                    for r in 0 ..< q {
                        let row = a * q + r
                        out.storage[colOut * kK + row] = s1 * (gaj * out.storage[colOut * kK + row] + at.storage[row * N + j] * raj)
                    }
                }
            }
        }
        return out
    }
}

extension NormalizedFeatureModel {
    /// Assembles the dense `M` from its blocks (`HessianBlocks`): one level-3 product per block
    /// family, not `m` Hessian-vector products.
    public func denseRiemannianHessian(at x: Matrix, firstOrder fo: FirstOrder? = nil) -> DenseRiemannianHessian {
        let blocks = HessianBlocks(model: self, point: x, firstOrder: fo)
        let q = d - 1, m = hessianSize, kK = K * q
        var mat = Matrix(rows: m, cols: m)
        let ww = blocks.classifierBlock()
        for s in 0 ..< kK { for r in 0 ..< kK { mat.storage[s * m + r] = ww.storage[s * kK + r] } }
        for j in 0 ..< N {
            let hh = blocks.featureBlock(j)
            let off = kK + j * q
            for s in 0 ..< q { for r in 0 ..< q { mat.storage[(off + s) * m + off + r] = hh.storage[s * q + r] } }
        }
        let mixed = blocks.mixedBlocks(0 ..< N)
        for col in 0 ..< N * q {
            for row in 0 ..< kK {
                let v = mixed.storage[col * kK + row]
                mat.storage[(kK + col) * m + row] = v
                mat.storage[row * m + kK + col] = v
            }
        }
        return DenseRiemannianHessian(matrix: mat, basis: blocks.basis)
    }
}
