/// The Riemannian Hessian as a dense symmetric matrix `M = Uᵀ Hess f(x) U` in the tangent basis
/// `U = blockdiag(U_c)` (SPEC §2), with the basis used so vectors can be mapped back.
public struct DenseRiemannianHessian: Sendable {
    /// `m × m`, `m = (K+N)(d−1)`; block `(c, c')` is `U_cᵀ ∇²f U_{c'} − δ_{cc'} (x_cᵀ g_c) I`.
    public var matrix: Matrix
    public let basis: TangentBasis
}

extension NormalizedFeatureModel {
    /// Assembles `M` blockwise with level-3 BLAS instead of `m` Hessian-vector products.
    ///
    /// With `k = d−1`, `A_a = U_aᵀ H` (`k × N`), `V_j = U_jᵀ W` (`k × K`), `R_j = V_j S_j`, and
    /// using `U_jᵀ h_j = 0`:
    /// - classifier block `(a, b)`: `(τ²/N) Σ_j S_j[a,b] A_a[:,j] A_b[:,j]ᵀ`, i.e.
    ///   `(τ²/N) [δ_ab A_a diag(P[a,:]) A_aᵀ − C_a C_bᵀ]` with `C_a = A_a diag(P[a,:])`;
    /// - feature block `(j, j)`: `(τ²/N) V_j S_j V_jᵀ` (feature–feature is block diagonal);
    /// - mixed block `(a, j)`: `(τ/N) [G[a,j] U_aᵀU_j + τ A_a[:,j] R_j[:,a]ᵀ]`;
    /// and `−(x_cᵀ g_c) I` on every diagonal block.
    public func denseRiemannianHessian(at x: Matrix, firstOrder fo: FirstOrder? = nil) -> DenseRiemannianHessian {
        let fo = fo ?? firstOrder(at: x)
        let k = d - 1
        let m = hessianSize
        let kK = K * k
        let basis = TangentBasis(point: x)
        let p = fo.probabilities
        let g = fo.residual
        let invN = 1 / Double(N)
        let t2 = tau * tau * invN

        // At = Hᵀ U_W (N × Kk): column block a is A_aᵀ.
        let at = BLAS.product(.t, features(x), .n, basis.blocks(classifierColumns))
        // Ct: At with block a, row j scaled by P[a, j].
        var ct = at
        for a in 0 ..< K { for r in 0 ..< k { let col = a * k + r
            for j in 0 ..< N { ct.storage[col * N + j] *= p.storage[j * K + a] } } }
        // Classifier block: −(τ²/N) CtᵀCt, then + (τ²/N) Ct_aᵀ At_a on the diagonal blocks.
        var ww = BLAS.product(.t, ct, .n, ct, alpha: -t2)
        var diagBlock = Matrix(rows: k, cols: k)
        for a in 0 ..< K {
            let cols = a * k ..< (a + 1) * k
            BLAS.gemm(.t, ColumnSlice(ct, cols), .n, ColumnSlice(at, cols), alpha: t2, into: &diagBlock)
            for s in 0 ..< k { for r in 0 ..< k { ww[a * k + r, a * k + s] += diagBlock[r, s] } }
        }

        // BW = Wᵀ U_H (K × Nk): column block j is V_jᵀ. Rt_j = S_j V_jᵀ = R_jᵀ (K × k).
        let bw = BLAS.product(.t, classifiers(x), .n, basis.blocks(featureColumns))
        var rt = Matrix(rows: K, cols: N * k)
        for j in 0 ..< N {
            for s in 0 ..< k {
                let col = j * k + s
                var pv = 0.0
                for a in 0 ..< K { pv += p.storage[j * K + a] * bw.storage[col * K + a] }
                for a in 0 ..< K { rt.storage[col * K + a] = p.storage[j * K + a] * (bw.storage[col * K + a] - pv) }
            }
        }
        // Mixed block, first term: U_Wᵀ U_H (Kk × Nk) in one product.
        let uwuh = BLAS.product(.t, basis.blocks(classifierColumns), .n, basis.blocks(featureColumns))

        var mat = Matrix(rows: m, cols: m)
        // Classifier–classifier.
        for s in 0 ..< kK { for r in 0 ..< kK { mat.storage[s * m + r] = ww.storage[s * kK + r] } }
        // Feature–feature: (τ²/N) V_j S_j V_jᵀ = (τ²/N) BW_jᵀ Rt_j.
        var hh = Matrix(rows: k, cols: k)
        for j in 0 ..< N {
            let cols = j * k ..< (j + 1) * k
            BLAS.gemm(.t, ColumnSlice(bw, cols), .n, ColumnSlice(rt, cols), alpha: t2, into: &hh)
            let off = kK + j * k
            for s in 0 ..< k { for r in 0 ..< k { mat.storage[(off + s) * m + off + r] = hh.storage[s * k + r] } }
        }
        // Classifier–feature and its mirror.
        let s1 = tau * invN
        for j in 0 ..< N {
            for s in 0 ..< k {
                let colM = kK + j * k + s
                let colUH = j * k + s
                for a in 0 ..< K {
                    let gaj = g.storage[j * K + a]
                    let raj = tau * rt.storage[colUH * K + a]
                    for r in 0 ..< k {
                        let row = a * k + r
                        let v = s1 * (gaj * uwuh.storage[colUH * kK + row] + at.storage[row * N + j] * raj)
                        mat.storage[colM * m + row] = v
                        mat.storage[row * m + colM] = v
                    }
                }
            }
        }
        // Riemannian curvature term −(x_cᵀ g_c) on the diagonal.
        for c in 0 ..< K + N {
            var xg = 0.0
            for i in 0 ..< d { xg += x.storage[c * d + i] * fo.euclideanGradient.storage[c * d + i] }
            for r in 0 ..< k { mat.storage[(c * k + r) * m + c * k + r] -= xg }
        }
        return DenseRiemannianHessian(matrix: mat, basis: basis)
    }
}
