/// The Riemannian Hessian as a dense symmetric matrix `M = Uᵀ Hess f(x) U` in the tangent basis
/// `U = blockdiag(U_c)` (SPEC §2), with the basis used so vectors can be mapped back.
public struct DenseRiemannianHessian: Sendable {
    /// `m × m`, `m = (K+N)(d−1)`; block `(c, c')` is `U_cᵀ ∇²f U_{c'} − δ_{cc'} (x_cᵀ g_c) I`.
    public var matrix: Matrix
    public let basis: TangentBasis
}

/// The blocks of `M` in the tangent basis, computed with level-3 BLAS and never needing the
/// `m × m` matrix: the feature–feature part is block diagonal, so structured methods (inertia
/// by Schur complement) use the blocks directly and the dense assembly just places them.
///
/// With `q = d−1`, `A_a = U_aᵀ H` (`q × N`), `V_j = U_jᵀ W` (`q × K`), `R_j = V_j S_j`, weights
/// `c_j` and normalization `Z` (1 and `N` for the plain model), and using `U_jᵀ h_j = 0`:
/// - classifier block `(a, b)`: `(τ²/Z) Σ_j c_j S_j[a,b] A_a[:,j] A_b[:,j]ᵀ`
///   `= (τ²/Z) [δ_ab A_a diag(c ∘ P[a,:]) A_aᵀ − C_a C_bᵀ]`, `C_a = A_a diag(√c ∘ P[a,:])`;
/// - feature block `j`: `(τ²/Z) c_j V_j S_j V_jᵀ`;
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
    /// `S_j V_jᵀ = R_jᵀ` side by side (`K × Nq`).
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
        let p = fo.probabilities
        var rt = Matrix(rows: K, cols: N * q)
        p.storage.withUnsafeBufferPointer { ps in bw.storage.withUnsafeBufferPointer { bs in
            rt.storage.withUnsafeMutableBufferPointer { out in
                for col in 0 ..< N * q {
                    Softmax.jacobianProduct(ps.baseAddress! + (col / q) * K, bs.baseAddress! + col * K, into: out.baseAddress! + col * K, count: K)
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
        let p = firstOrder.probabilities
        var atw = at
        if let w = model.sampleWeights {
            for col in 0 ..< kK { for j in 0 ..< N { atw.storage[col * N + j] *= w[j].squareRoot() } }
        }
        var ct = atw
        for a in 0 ..< K { for r in 0 ..< q { let col = a * q + r
            for j in 0 ..< N { ct.storage[col * N + j] *= p.storage[j * K + a] } } }
        var ww = BLAS.product(.t, ct, .n, ct, alpha: -t2)
        var diagBlock = Matrix(rows: q, cols: q)
        for a in 0 ..< K {
            let cols = a * q ..< (a + 1) * q
            BLAS.gemm(.t, ColumnSlice(ct, cols), .n, ColumnSlice(atw, cols), alpha: t2, into: &diagBlock)
            for s in 0 ..< q { for r in 0 ..< q { ww[a * q + r, a * q + s] += diagBlock[r, s] } }
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
