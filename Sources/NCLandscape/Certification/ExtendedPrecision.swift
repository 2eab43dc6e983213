import Foundation

/// The loss and Riemannian gradient in double-double (docs/formulas.md §14), for the losses
/// whose certificate bounds are derived: cross-entropy with label smoothing, CosFace and focal.
/// The same saturation-safe forms as in double (§9): `1 − p_y` is the sum of the other
/// probabilities, never a difference.
public enum ExtendedPrecision {
    /// Why a model cannot be evaluated here (nil: it can).
    public static func unsupportedReason(_ model: NormalizedFeatureModel) -> String? {
        if let why = DerivativeBounds.unsupportedReason(model) { return why }
        if case let .unsupported(reason) = model.loss.definition.extendedPrecision { return reason }
        return nil
    }

    /// Loss, Riemannian gradient (`d × (K+N)`) and the gradient's term scale `γ` at a point whose
    /// columns are unit vectors in double-double.
    public struct Evaluation<T: ExtendedReal>: Sendable {
        public let loss: T
        public let riemannianGradient: ExtendedMatrix<T>
        /// `K × N` probabilities `p` and `G = ∂ℓ/∂z`, and the Euclidean gradient.
        let probabilities: [T]
        let residual: [T]
        let euclideanGradient: ExtendedMatrix<T>
        /// Focal loss only (empty otherwise), per sample: `c₁`, `β` and `s = 1 − p_y` of
        /// `∇²ℓ = c₁(diag p − ppᵀ) + β uuᵀ`, `u = p − e_y` (the double kernel's factors).
        var focal: [(c1: T, beta: T, s: T)] = []
        public var gradientNorm: Double { riemannianGradient.frobeniusNorm }
    }

    public static func evaluate<T: ExtendedReal>(_ model: NormalizedFeatureModel, at x: ExtendedMatrix<T>) -> Evaluation<T> {
        let K = model.K, N = model.N, d = model.d
        let tau = T(model.tau)
        let eps = model.labelSmoothing
        let off = T(eps / Double(K))
        var shift = T.zero
        // Only a non-zero margin shifts, so that cross-entropy adds nothing (as it always did).
        if case let .shiftedSoftmax(m) = model.loss.definition.extendedPrecision, m != 0 { shift = -(tau * T(m)) }
        var focalGamma: Double? = nil
        if case let .focal(g) = model.loss.definition.extendedPrecision { focalGamma = g }
        var focal: [(c1: T, beta: T, s: T)] = []
        var g = [T](repeating: .zero, count: K * N)   // ∂ℓ/∂z, K × N
        var probabilities = [T](repeating: .zero, count: K * N)
        var total = T.zero
        var z = [T](repeating: .zero, count: K)
        var e = [T](repeating: .zero, count: K)
        for j in 0 ..< N {
            let y = model.labels[j]
            for k in 0 ..< K {
                var s = T.zero
                for i in 0 ..< d { s += x[i, k] * x[i, K + j] }
                z[k] = tau * s
            }
            z[y] += shift
            var r = 0
            for k in 1 ..< K where z[r] < z[k] { r = k }
            // e_k = exp(z_k − z_r) ≤ 1; S = 1 + Σ_{k≠r} e_k.
            var rest = T.zero
            for k in 0 ..< K { e[k] = k == r ? .one : T.exp(z[k] - z[r]); if k != r { rest += e[k] } }
            let sum = T.one + rest
            if let gamma = focalGamma {
                let f = focalSample(e: e, rest: rest, sum: sum, z: z, top: r, label: y, gamma: gamma)
                total += f.value
                focal.append((f.c1, f.beta, f.s))
                for k in 0 ..< K {
                    probabilities[j * K + k] = e[k] / sum
                    g[j * K + k] = f.c1 * (k == y ? -f.s : e[k] / sum)
                }
                continue
            }
            // ℓ = log S + (1−ε)(z_r − z_y) + (ε/K) Σ_k (z_r − z_k): non-negative terms.
            var value = T.log(sum) + T(1 - eps) * (z[r] - z[y])
            if eps > 0 { for k in 0 ..< K { value += off * (z[r] - z[k]) } }
            total += value
            var notTarget = T.zero
            for k in 0 ..< K where k != y { notTarget += e[k] / sum }
            for k in 0 ..< K {
                probabilities[j * K + k] = e[k] / sum
                g[j * K + k] = k == y ? T(eps - eps / Double(K)) - notTarget : e[k] / sum - off
            }
        }
        let scale = tau / T(Double(N))
        var grad = ExtendedMatrix<T>(Matrix(rows: d, cols: K + N))
        // ∇_W f = (τ/N) H Gᵀ, ∇_H f = (τ/N) W G.
        for j in 0 ..< N {
            for k in 0 ..< K {
                let c = scale * g[j * K + k]
                for i in 0 ..< d {
                    grad[i, k] += c * x[i, K + j]
                    grad[i, K + j] += c * x[i, k]
                }
            }
        }
        let euclidean = grad
        // Riemannian: g_c − (x_cᵀ g_c) x_c.
        for c in 0 ..< K + N {
            var dot = T.zero
            for i in 0 ..< d { dot += x[i, c] * grad[i, c] }
            for i in 0 ..< d { grad[i, c] -= dot * x[i, c] }
        }
        return Evaluation(loss: total / T(Double(N)), riemannianGradient: grad, probabilities: probabilities,
                          residual: g, euclideanGradient: euclidean, focal: focal)
    }

    /// One focal sample in extended precision, with the double kernel's saturation-safe forms:
    /// `s = Σ_{k≠y} p_k` (a sum), `L = −log p_y` as `log1p(rest)` when `y` is the top logit (Kahan's
    /// `log(u)·x/(u − 1)`, `u = 1 + x`, exact to the working precision even when `u` rounds to 1),
    /// else `log S + z_r − z_y`; `ℓ = s^γ L`, `c₁ = s^γ(1 + γ p_y L/s)`,
    /// `β = γ p_y s^{γ−1}(2 − L + (γ−1) p_y L/s)`.
    static func focalSample<T: ExtendedReal>(e: [T], rest: T, sum: T, z: [T], top r: Int, label y: Int, gamma: Double)
        -> (value: T, c1: T, beta: T, s: T) {
        let K = e.count
        let py = e[y] / sum
        var s = T.zero
        for k in 0 ..< K where k != y { s += e[k] / sum }
        let L: T
        if r == y {
            let u = T.one + rest, du = u - T.one
            L = du.double == 0 ? rest : T.log(u) * rest / du
        } else {
            L = T.log(sum) + (z[r] - z[y])
        }
        let g = T(gamma)
        guard s.double > 0 else {
            // s underflowed: ℓ, c₁ = 0; β = 2γ only at γ = 1 (s^{γ−1} = 1), else 0 (as in double).
            return (.zero, .zero, gamma == 1 ? T(2 * gamma) * py : .zero, .zero)
        }
        let ratio = L / s
        let sg = T.exp(g * T.log(s))
        let c1 = sg * (T.one + g * py * ratio)
        let beta = g * py * (sg / s) * (T(2) - L + T(gamma - 1) * py * ratio)
        return (sg * L, c1, beta, s)
    }

    /// The Riemannian Hessian-vector product `P_c(∇²f[ξ])_c − (x_cᵀ∇_c f) ξ_c` in double-double,
    /// for a tangent `ξ` (`d × (K+N)`). The softmax Jacobian uses the cancellation-free form
    /// `p_i Σ_k p_k (v_i − v_k)` (docs/formulas.md §9).
    public static func hessianVectorProduct<T: ExtendedReal>(_ model: NormalizedFeatureModel, at x: ExtendedMatrix<T>, evaluation ev: Evaluation<T>,
                                            direction xi: ExtendedMatrix<T>) -> ExtendedMatrix<T> {
        let K = model.K, N = model.N, d = model.d
        let tau = T(model.tau)
        let scale = tau / T(Double(N))
        var out = ExtendedMatrix<T>(Matrix(rows: d, cols: K + N))
        var zdot = [T](repeating: .zero, count: K)
        for j in 0 ..< N {
            for k in 0 ..< K {
                var s = T.zero
                for i in 0 ..< d { s += xi[i, k] * x[i, K + j] + x[i, k] * xi[i, K + j] }
                zdot[k] = tau * s
            }
            // Focal: ∇²ℓ ż = c₁ (diag p − ppᵀ) ż + β u (uᵀż), uᵀż = Σ_{l≠y} p_l (ż_l − ż_y).
            var uz = T.zero
            let y = model.labels[j]
            if !ev.focal.isEmpty { for l in 0 ..< K where l != y { uz += ev.probabilities[j * K + l] * (zdot[l] - zdot[y]) } }
            for k in 0 ..< K {
                // Ġ_kj = p_k Σ_l p_l (ż_k − ż_l)
                var acc = T.zero
                for l in 0 ..< K where l != k { acc += ev.probabilities[j * K + l] * (zdot[k] - zdot[l]) }
                let softmax = ev.probabilities[j * K + k] * acc
                let gdot: T
                if ev.focal.isEmpty {
                    gdot = scale * softmax
                } else {
                    let f = ev.focal[j]
                    gdot = scale * (f.c1 * softmax + f.beta * (k == y ? -f.s : ev.probabilities[j * K + k]) * uz)
                }
                let gk = scale * ev.residual[j * K + k]
                for i in 0 ..< d {
                    // (∇_W f)˙ = (τ/N)(Ḣ Gᵀ + H Ġᵀ), (∇_H f)˙ = (τ/N)(Ẇ G + W Ġ)
                    out[i, k] += gk * xi[i, K + j] + gdot * x[i, K + j]
                    out[i, K + j] += gk * xi[i, k] + gdot * x[i, k]
                }
            }
        }
        for c in 0 ..< K + N {
            var dot = T.zero, xg = T.zero
            for i in 0 ..< d { dot += x[i, c] * out[i, c]; xg += x[i, c] * ev.euclideanGradient[i, c] }
            for i in 0 ..< d { out[i, c] = out[i, c] - dot * x[i, c] - xg * xi[i, c] }
        }
        return out
    }

    /// `BᵀHess f(x) B` in double-double for the exactly tangent basis `B_c = (I − x_c x_cᵀ) U_c`
    /// (`U` the double tangent basis): `m` Hessian-vector products. Also returns `B`.
    public static func hessian<T: ExtendedReal>(_ model: NormalizedFeatureModel, at x: ExtendedMatrix<T>, evaluation ev: Evaluation<T>,
                               basis u: TangentBasis) -> (matrix: [T], basisColumns: [ExtendedMatrix<T>]) {
        let d = model.d, cols = model.K + model.N, q = d - 1, m = cols * q
        var columns: [ExtendedMatrix<T>] = []
        columns.reserveCapacity(m)
        for c in 0 ..< cols {
            for a in 0 ..< q {
                var b = ExtendedMatrix<T>(Matrix(rows: d, cols: cols))
                var dot = T.zero
                for i in 0 ..< d { dot += T(u.matrix[i, c * q + a]) * x[i, c] }
                for i in 0 ..< d { b[i, c] = T(u.matrix[i, c * q + a]) - dot * x[i, c] }
                columns.append(b)
            }
        }
        var h = [T](repeating: .zero, count: m * m)
        for s in 0 ..< m {
            let hv = hessianVectorProduct(model, at: x, evaluation: ev, direction: columns[s])
            for r in 0 ..< m {
                // Columns of B are supported on one point column each.
                let cr = r / q
                var acc = T.zero
                for i in 0 ..< d { acc += columns[r][i, cr] * hv[i, cr] }
                h[s * m + r] = acc
            }
        }
        return (h, columns)
    }

    /// Where extended-precision Newton polishing ended.
    public struct Polish<T: ExtendedReal>: Sendable {
        public let point: ExtendedMatrix<T>
        public let evaluation: Evaluation<T>
        public let iterations: Int
        /// `‖grad f‖` (double-double evaluation) at the start and at the end.
        public let initialGradientNorm: Double
        /// Geodesic-free measure of how far the point moved: `‖x_end − x_start‖_F`.
        public let distanceMoved: Double
    }

    /// Riemannian Newton on the quotient by the symmetry, with the gradient evaluated in
    /// double-double and the step solved in double (the Hessian is only needed to a few digits:
    /// each step cuts the gradient by about `κ(M_⊥) ε_mach`, iterative refinement's rate, as
    /// long as that is below 1). Stops when the gradient stops decreasing.
    public static func polish<T: ExtendedReal>(_ model: NormalizedFeatureModel, from start: ExtendedMatrix<T>, maxIterations: Int = 60) throws -> Polish<T> {
        if let why = unsupportedReason(model) { throw InputError("extended precision does not support \(why)") }
        var x = start.normalizedColumns()
        // A collapsed start stays collapsed: its gradient is within-class symmetric, and the
        // Newton step is solved on the problem with one representative per class (f restricted
        // to the collapsed points), at a cost independent of N.
        var collapsed: CollapsedSnap<T>? = nil
        if model.N > model.K, let snap = CollapsedSnap(model, x) { x = snap.point; collapsed = snap }
        var ev = evaluate(model, at: x)
        let initial = ev.gradientNorm
        var it = 0
        var solver: QuotientNewtonSolver? = nil
        let representative = collapsed == nil ? nil : try ReducedSpectrum.representativeModel(model)
        while it < maxIterations {
            // The factorization is reused while steps converge fast (near the critical point the
            // Hessian barely changes); it is refreshed after a slow or shortened step.
            let xi: Matrix
            if let snap = collapsed, let rm = representative {
                let xr = ReducedSpectrum.representativePoint(x.rounded, model: model, representatives: snap.representatives)
                // f_red(W, h) = f(W, h expanded), so ∇_{h_k} f_red sums class k's feature gradients.
                let gr = ReducedSpectrum.classSums(ev.riemannianGradient.rounded, model: model)
                if solver == nil { solver = try QuotientNewtonSolver(rm, at: xr) }
                xi = ReducedSpectrum.expand(model: model, reducedPoint: solver!.step(for: gr))
            } else {
                if solver == nil { solver = try QuotientNewtonSolver(model, at: x.rounded) }
                xi = solver!.step(for: ev.riemannianGradient.rounded)
            }
            // Backtracking on ‖grad‖: far from the critical point of a flat valley (λ_min(M_⊥) ≈ 1e-11
            // against λ_max ≈ 60) the full step overshoots; halving it reaches the quadratic basin.
            var accepted: (ExtendedMatrix<T>, Evaluation<T>)? = nil
            var t = 1.0
            for _ in 0 ..< 30 {
                var trial = x
                for i in 0 ..< trial.storage.count { trial.storage[i] += T(t * xi.storage[i]) }
                trial = trial.normalizedColumns()
                let next = evaluate(model, at: trial)
                if next.gradientNorm < ev.gradientNorm { accepted = (trial, next); break }
                t /= 2
            }
            it += 1
            guard let (trial, next) = accepted else {
                if solver?.fresh == true { break }
                solver = nil
                continue
            }
            if t < 1 || next.gradientNorm > 0.1 * ev.gradientNorm { solver = nil } else { solver?.fresh = false }
            x = trial; ev = next
        }
        var moved = 0.0
        let s0 = start.normalizedColumns()
        for i in 0 ..< x.storage.count { let t = (x.storage[i] - s0.storage[i]).double; moved += t * t }
        return Polish(point: x, evaluation: ev, iterations: it, initialGradientNorm: initial, distanceMoved: moved.squareRoot())
    }

    /// Newton steps `ξ = −Z (ZᵀMZ)⁻¹ Zᵀ g` on the quotient by the symmetry (`Z` an orthonormal basis
    /// of the complement of the orbit tangents), from one eigen-decomposition of `ZᵀMZ` at a point.
    struct QuotientNewtonSolver {
        let basis: TangentBasis
        let z: Matrix
        let vectors: Matrix
        let values: [Double]
        /// No step has been taken with it yet.
        var fresh = true

        init(_ model: NormalizedFeatureModel, at x: Matrix) throws {
            let hess = model.denseRiemannianHessian(at: x)
            let symmetry = try SymmetryAnalysis(point: x, basis: hess.basis)
            basis = hess.basis
            z = try LAPACK.orthogonalComplement(of: symmetry.orbitBasis, dimension: hess.matrix.rows)
            var q = BLAS.product(.t, z, .n, BLAS.product(.n, hess.matrix, .n, z))
            let eig = try LAPACK.eigen(destroying: &q)
            guard let v = eig.vectors else { throw LinearAlgebraError.dimensionMismatch("eigenvectors missing") }
            vectors = v; values = eig.values
        }

        func step(for gradient: Matrix) -> Matrix {
            let g = basis.coordinates(of: gradient)
            var zg = [Double](repeating: 0, count: z.cols)
            for a in 0 ..< z.cols { zg[a] = Vector.dot(z.column(a), g) }
            var coef = [Double](repeating: 0, count: z.cols)
            for i in 0 ..< vectors.cols where values[i] != 0 {
                let c = Vector.dot(vectors.column(i), zg) / values[i]
                for a in 0 ..< z.cols { coef[a] -= c * vectors[a, i] }
            }
            var s = [Double](repeating: 0, count: z.rows)
            for a in 0 ..< z.cols { Vector.axpy(coef[a], z.column(a), &s) }
            return basis.vector(from: s)
        }
    }
}
