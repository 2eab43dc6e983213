import Foundation

/// A computer-assisted proof of a point's label (docs/formulas.md §14): an exact critical point
/// lies within `radius` of the computed one (Newton–Kantorovich on the slice transversal to the
/// symmetry orbit), and every eigenvalue of its quotient Hessian lies within
/// `eigenvalueErrorBound + L·radius` of a computed one, so that none can be zero (Weyl). Every
/// rounding error is bounded: a-posteriori for the eigen-decomposition (residual and
/// orthogonality, Higham's product bounds), a-priori for the Hessian's assembly.
public struct LabelCertificate: Codable, Sendable, Equatable {
    /// `certified`: an exact critical point within `radius`, its label proven.
    /// `saddleRegion`: no local minimizer within `radius` (every critical point there, if any, has
    /// at least `index` negative Hessian eigenvalues); the existence of a critical point is not
    /// proven (`reason` says why), typically because flat directions beyond the symmetry make the
    /// quotient Hessian singular. It proves that the point is not a spurious minimizer.
    /// `notCertified`: neither.
    public enum Status: String, Codable, Sendable { case certified, saddleRegion = "saddle_region", notCertified = "not_certified" }
    public enum Label: String, Codable, Sendable {
        case strictSaddle = "strict_saddle"
        /// Nondegenerate modulo the symmetry: a strict local minimizer of the quotient.
        case localMinimizer = "local_minimizer"
    }
    public var status: Status
    /// The proven label (nil when not certified).
    @NullEncodable public var label: Label?
    /// Number of negative eigenvalues of the quotient Hessian at the exact critical point.
    @NullEncodable public var index: Int?
    /// `r`: the exact critical point is within this distance (tangent-space chart) of the point.
    @NullEncodable public var radius: Double?
    /// Kantorovich `h = βLη` (certified needs `h ≤ 1/2`).
    @NullEncodable public var kantorovichH: Double?
    /// `β ≥ ‖M_⊥⁻¹‖`, `η ≥ ‖M_⊥⁻¹ F(0)‖`, `L`.
    @NullEncodable public var beta: Double?
    @NullEncodable public var eta: Double?
    public var lipschitz: Double
    /// Bound on `|λ_i(exact M_⊥ at the point) − λ̃_i|` (eigensolver, products, assembly, basis).
    @NullEncodable public var eigenvalueErrorBound: Double?
    /// `min |λ̃_i(M_⊥)|`.
    @NullEncodable public var smallestQuotientEigenvalue: Double?
    /// The loss of the exact critical point lies in `[lossLower, lossUpper]`.
    @NullEncodable public var lossLower: Double?
    @NullEncodable public var lossUpper: Double?
    /// `double` or `double-double` (the gradient's precision).
    public var precision: String
    /// Why it is not certified, with what it would take.
    @NullEncodable public var reason: String?
    /// How the Hessian was split for the proof.
    public enum Structure: String, Codable, Sendable {
        /// The whole quotient Hessian, one dense matrix.
        case dense
        /// At a collapsed point: the within-class-symmetric block and one block per class
        /// (repeated `n_k − 1` times), exact by the within-class permutation symmetry.
        case collapsedBlocks = "collapsed_blocks"
    }
    /// nil in records written before the block route existed (they are all dense).
    @NullEncodable public var structure: Structure? = .dense

    /// `certified strict saddle (index 4, r = 3e-13)`, `certified local minimizer (r = …)`, or
    /// `not certified: …`.
    public var summary: String {
        if status == .saddleRegion, let radius {
            return String(format: "certified saddle region: no local minimizer within r = %.2g (index ≥ %d there, %@); existence not proven: %@",
                          radius, index ?? 1, precision, reason ?? "unknown")
        }
        guard status == .certified, let label, let radius else { return "not certified: \(reason ?? "unknown")" }
        switch label {
        case .strictSaddle: return String(format: "certified strict saddle (index %d, r = %.2g, %@)", index ?? 0, radius, precision)
        case .localMinimizer: return String(format: "certified local minimizer (r = %.2g, %@)", radius, precision)
        }
    }
}

/// Builds `LabelCertificate`s.
public enum Certifier {
    /// Dense certificates up to this Hessian size (the proof needs the whole quotient spectrum).
    public static let maximumSize = 2000
    /// Up to this size the escalated certificate assembles the Hessian itself in double-double
    /// (`m` Hessian-vector products and an `m × m` congruence: seconds at m = 300).
    public static let extendedHessianMaximumSize = 300
    static let u = Double.ulpOfOne / 2

    /// Whether a certificate can be attempted for this model: a loss with derived bounds (the
    /// escalation to extended precision also needs the loss's extended kernel; ArcFace has
    /// neither), and a dense proof within `maximumSize` — the whole Hessian, or at collapsed
    /// points the within-class-symmetric block (`blockProofFits`).
    public static func applies(to model: NormalizedFeatureModel) -> Bool {
        guard DerivativeBounds.unsupportedReason(model) == nil else { return false }
        return model.hessianSize <= maximumSize || blockProofFits(model)
    }

    /// Whether the block proof of collapsed points can apply: more samples than classes (else
    /// there are no class blocks to split off) and the within-class-symmetric block of size
    /// `2K(d−1)` within `maximumSize`.
    static func blockProofFits(_ model: NormalizedFeatureModel) -> Bool {
        model.N > model.K && 2 * model.K * (model.d - 1) <= maximumSize
    }
    /// `γ_n = n u / (1 − n u)` (Higham, Accuracy and Stability, §3.1).
    static func gamma(_ n: Int) -> Double { let nu = Double(n) * u; return nu / (1 - nu) }

    /// Certifies the label of the critical point near `x` (double-double coordinates; a double
    /// point converts exactly). `lipschitzScale` only exists so tests can show a smaller `L`
    /// changes the outcome; `collapsedBlocks: false` forces the dense proof at collapsed points
    /// (tests compare the two).
    public static func certify<T: ExtendedReal>(_ model: NormalizedFeatureModel, at x0: ExtendedMatrix<T>, extended: Bool,
                                                lipschitzScale: Double = 1, collapsedBlocks: Bool = true) throws -> LabelCertificate {
        let bounds = DerivativeBounds(model: model)
        let L0 = bounds.lipschitz * lipschitzScale
        var cert = LabelCertificate(status: .notCertified, lipschitz: L0, precision: extended ? T.name : "double")
        if let why = DerivativeBounds.unsupportedReason(model) { cert.reason = "no certificate for \(why)"; return cert }
        if extended, let why = ExtendedPrecision.unsupportedReason(model) { cert.reason = "no extended-precision certificate for \(why)"; return cert }
        let x = x0.normalizedColumns()
        // At a collapsed point the proof splits into the within-class-symmetric block and one
        // small block per class (docs/formulas.md §14): its cost no longer grows with N. The
        // double-double Hessian (small m, escalated) keeps the dense route: it is the sharper one.
        if collapsedBlocks, blockProofFits(model), !(extended && model.hessianSize <= extendedHessianMaximumSize),
           let snap = CollapsedSnap(model, x) {
            return try certifyCollapsed(model, snap: snap, extended: extended, bounds: bounds, L0: L0, cert: cert)
        }
        guard model.hessianSize <= maximumSize else {
            cert.reason = "m = \(model.hessianSize) is above the dense certificate's limit \(maximumSize)"; return cert
        }
        let K = model.K, N = model.N, d = model.d, m = model.hessianSize
        let ev = evaluate(model, at: x, extended: extended, bounds: bounds)
        let xd = ev.xd, fo = ev.firstOrder

        let hess = model.denseRiemannianHessian(at: xd, firstOrder: fo)
        var ms = hess.matrix
        for j in 0 ..< m { for i in (j + 1) ..< m { ms.storage[i * m + j] = ms.storage[j * m + i] } }   // the lower triangle, mirrored
        // A-priori assembly bound: every entry is a sum of terms bounded by Ĉ₂ + Ĉ₁ (point-local
        // magnitudes), formed in at most N + K + 4d + 50 operations on quantities that the
        // saturation-safe forms compute to a few ulps.
        let local = localMagnitudes(model, fo)
        let assembly = Double(m) * gamma(N + K + 4 * d + 50) * (local.c2 + local.c1)
        // Tangent basis: orthonormality defect and distance from the exact tangent space at x.
        let basis = hess.basis
        let (omegaU, deltaU) = basisDefects(basis.matrix, d: d, point: x, columns: Array(0 ..< K + N))
        // Quotient by the symmetry.
        let symmetry = try SymmetryAnalysis(point: xd, basis: basis)
        guard symmetry.numericOrbitRank == symmetry.nullity else {
            cert.reason = "the rank of [W H] is numerically ambiguous (orbit rank \(symmetry.numericOrbitRank) vs ν = \(symmetry.nullity))"
            return cert
        }
        let z = try LAPACK.orthogonalComplement(of: symmetry.orbitBasis, dimension: m)
        let n = z.cols
        guard n > 0 else { cert.reason = "the quotient is empty"; return cert }
        let omegaZ = orthonormalityDefect(z)
        let zNorm = (1 + omegaZ).squareRoot()
        // Each route gives the computed quotient spectrum λ̃, bounds ρ ≥ ‖AV − VΛ‖ and
        // ω_V ≥ ‖VᵀV − I‖, ‖B‖, the error terms that do not depend on L, and the factor of L
        // (the Hessian assembled away from the exact point).
        let enclosure: Enclosure, bNorm: Double, otherErrors: Double, lipschitzFactor: Double
        if extended && m <= extendedHessianMaximumSize {
            // The quotient Hessian in extended precision at the exact point, in the exactly tangent
            // basis B = P_x U: no assembly, basis or displacement error beyond its rounding.
            let evx = ExtendedPrecision.evaluate(model, at: x)
            let hd = ExtendedPrecision.hessian(model, at: x, evaluation: evx, basis: basis).matrix
            var aExt = [T](repeating: .zero, count: n * n)
            var hz = [T](repeating: .zero, count: m * n)
            for b in 0 ..< n { for i in 0 ..< m {
                var acc = T.zero
                for k in 0 ..< m where z.storage[b * m + k] != 0 { acc += hd[min(i, k) * m + max(i, k)] * T(z.storage[b * m + k]) }
                hz[b * m + i] = acc
            } }
            for b in 0 ..< n { for a in 0 ... b {
                var acc = T.zero
                for i in 0 ..< m { acc += T(z.storage[a * m + i]) * hz[b * m + i] }
                aExt[b * n + a] = acc; aExt[a * n + b] = acc
            } }
            var ad = Matrix(rows: n, cols: n, columnMajor: aExt.map(\.double))
            let eig = try LAPACK.eigen(destroying: &ad)
            guard let v = eig.vectors else { cert.reason = "eigenvectors unavailable"; return cert }
            var r2 = T.zero, e2 = T.zero
            for j in 0 ..< n {
                for i in 0 ..< n {
                    var acc = -(T(v[i, j]) * T(eig.values[j]))
                    for k in 0 ..< n { acc += aExt[k * n + i] * T(v[k, j]) }
                    r2 += acc * acc
                    var o = T(i == j ? -1 : 0)
                    for k in 0 ..< n { o += T(v[k, i]) * T(v[k, j]) }
                    e2 += o * o
                }
            }
            let slack = 1 + 1e-20
            let absScale = Double(n * m) * 8 * T.unitRoundoff * (ms.frobeniusNorm + local.c2 + local.c1)
            enclosure = Enclosure(values: eig.values, rho: T.sqrt(r2).double * slack + absScale,
                                  omegaV: T.sqrt(e2).double * slack + Double(n) * 8 * T.unitRoundoff)
            bNorm = (1 + omegaU).squareRoot() + 4 * T.unitRoundoff
            let assemblyExtended = Double(m) * 4 * Double(N + K + 4 * d + 50) * T.unitRoundoff * (local.c2 + local.c1)
            otherErrors = zNorm * zNorm * assemblyExtended
            lipschitzFactor = 0
        } else {
            let (a, productBound) = congruence(ms, z)
            guard let e = try enclose(a) else { cert.reason = "eigenvectors unavailable"; return cert }
            enclosure = e
            // ‖B‖ ≤ √(1+ω_U) + δ_U.
            bNorm = (1 + omegaU).squareRoot() + deltaU
            let operatorNorm = (ms.frobeniusNorm + assembly) / (1 - omegaU - deltaU)
            let basisError = zNorm * zNorm * (2 * deltaU * bNorm + deltaU * deltaU) * operatorNorm
            otherErrors = productBound + zNorm * zNorm * assembly + basisError
            lipschitzFactor = zNorm * zNorm * bNorm * bNorm * ev.displacement
        }
        guard enclosure.omegaV < 0.5, omegaZ < 0.5, omegaU < 0.5 else {
            cert.reason = String(format: "bases far from orthonormal (ω_V %.2g, ω_Z %.2g, ω_U %.2g)", enclosure.omegaV, omegaZ, omegaU); return cert
        }
        let L = L0 * pow(bNorm * zNorm, 3)
        let block = SpectralBlock(values: enclosure.values, error: enclosure.eigenvalueError + otherErrors + lipschitzFactor * L, multiplicity: 1)
        return conclude(cert, blocks: [block], L: L, evaluation: ev, chartFactor: zNorm * bNorm, bNorm: bNorm,
                        symmetry: symmetry, d: d, extended: extended, bounds: bounds, snapDistance: 0)
    }

    /// The gradient, loss and rounding bounds at the certified point.
    struct Evaluation {
        var xd: Matrix
        var firstOrder: NormalizedFeatureModel.FirstOrder
        var gradNorm: Double
        /// Bound on the rounding error of `gradNorm`.
        var gradError: Double
        var loss: Double
        /// Distance from the exact point to the double point the Hessian is assembled at.
        var displacement: Double
        /// Operations per gradient entry (for the loss enclosure's rounding term).
        var ops: Int
        var unitRoundoff: Double
    }

    static func evaluate<T: ExtendedReal>(_ model: NormalizedFeatureModel, at x: ExtendedMatrix<T>, extended: Bool,
                                          bounds: DerivativeBounds) -> Evaluation {
        let K = model.K, N = model.N, d = model.d
        let xd = x.rounded
        // Gradient, and a bound on its rounding error: each entry sums K + d + N terms bounded
        // by the gradient's term scale γ; in double-double each operation errs by ≤ 2⁻¹⁰⁴ relative.
        let fo = model.firstOrder(at: xd)
        let ops = K + N + d + 20
        let gradNorm: Double, gradError: Double, loss: Double
        if extended {
            let ev = ExtendedPrecision.evaluate(model, at: x)
            gradNorm = ev.gradientNorm
            gradError = 4 * Double(ops) * T.unitRoundoff * (fo.gradientScale + bounds.c2 * Double(K + N).squareRoot())
            loss = ev.loss.double
        } else {
            gradNorm = model.manifold.euclideanToRiemannianGradient(xd, fo.euclideanGradient).frobeniusNorm
            gradError = 2 * gamma(ops) * fo.gradientScale
            loss = fo.loss
        }
        var displacement = 0.0
        for i in 0 ..< x.storage.count { let t = (x.storage[i] - T(xd.storage[i])).double; displacement += t * t }
        displacement = displacement.squareRoot() + 4 * u * Double(K + N).squareRoot() * (extended ? 0 : 1)
        return Evaluation(xd: xd, firstOrder: fo, gradNorm: gradNorm, gradError: gradError, loss: loss, displacement: displacement,
                          ops: ops, unitRoundoff: extended ? T.unitRoundoff : u)
    }

    /// `ω_U ≥ ‖UᵀU − I‖_F` and `δ_U ≥ ‖(x_c x_cᵀ U_c)_c‖_F` (distance of the computed tangent
    /// basis from the exact tangent spaces) over the basis blocks `b`, which belong to the
    /// columns `columns[b]` of `x`.
    static func basisDefects<T: ExtendedReal>(_ basis: Matrix, d: Int, point x: ExtendedMatrix<T>, columns: [Int]) -> (omega: Double, delta: Double) {
        var orthU = 0.0, tangency = T.zero
        for (b, c) in columns.enumerated() {
            let block = basis.columns(b * (d - 1) ..< (b + 1) * (d - 1))
            for a in 0 ..< d - 1 {
                for e in 0 ..< d - 1 {
                    var s = 0.0
                    for i in 0 ..< d { s += block[i, a] * block[i, e] }
                    let err = abs(s - (a == e ? 1 : 0)) + gamma(d) * 1.0
                    orthU += err * err
                }
                var t = T.zero
                for i in 0 ..< d { t += T(block[i, a]) * x[i, c] }
                tangency += t * t
            }
        }
        return (orthU.squareRoot(), T.sqrt(tangency).double * (1 + 1e-10))
    }

    /// `ω_Z ≥ ‖ZᵀZ − I‖_F` with the rounding of the product (so `‖Z‖ ≤ √(1+ω_Z)`).
    static func orthonormalityDefect(_ z: Matrix) -> Double {
        var ez = BLAS.product(.t, z, .n, z)
        for i in 0 ..< z.cols { ez[i, i] -= 1 }
        let absZ = z.map(abs)
        return ez.frobeniusNorm * (1 + 2 * u) + gamma(z.rows + 1) * (1 + gamma(z.rows)) * BLAS.product(.t, absZ, .n, absZ).frobeniusNorm
    }

    /// `A = Zᵀ M Z` in double, and a bound on its rounding error (Higham's product bounds).
    static func congruence(_ ms: Matrix, _ z: Matrix) -> (Matrix, Double) {
        let m = ms.rows, n = z.cols
        let mz = BLAS.product(.n, ms, .n, z)
        var a = BLAS.product(.t, z, .n, mz)
        for j in 0 ..< n { for i in (j + 1) ..< n { a.storage[i * n + j] = a.storage[j * n + i] } }
        let absZ = z.map(abs)
        let bound = (2 * gamma(m) + gamma(m) * gamma(m)) * (1 + gamma(m)) * (1 + gamma(m))
            * BLAS.product(.t, absZ, .n, BLAS.product(.n, ms.map(abs), .n, absZ)).frobeniusNorm
        return (a, bound)
    }

    /// A computed symmetric eigen-decomposition with `ρ ≥ ‖AV − VΛ‖_F` and `ω_V ≥ ‖VᵀV − I‖_F`,
    /// rounding of both products included.
    struct Enclosure {
        var values: [Double]
        var rho: Double
        var omegaV: Double
        /// Every eigenvalue of `A` lies within this of a computed one:
        /// `(ρ + 2 ω_V max|λ̃|)/√(1 − ω_V)`.
        var eigenvalueError: Double {
            (rho + 2 * omegaV * (values.map(abs).max() ?? 0)) / (1 - omegaV).squareRoot()
        }
    }

    /// nil when LAPACK returned no eigenvectors.
    static func enclose(_ a: Matrix) throws -> Enclosure? {
        let n = a.rows
        var work = a
        let eig = try LAPACK.eigen(destroying: &work)
        guard let v = eig.vectors else { return nil }
        let lam = eig.values
        // Residual R = A V − V Λ and orthogonality VᵀV − I, with their rounding bounds.
        var r = BLAS.product(.n, a, .n, v)
        for j in 0 ..< n { for i in 0 ..< n { r.storage[j * n + i] -= v.storage[j * n + i] * lam[j] } }
        let absV = v.map(abs)
        var residualTerms = BLAS.product(.n, a.map(abs), .n, absV)
        for j in 0 ..< n { for i in 0 ..< n { residualTerms.storage[j * n + i] += absV.storage[j * n + i] * abs(lam[j]) } }
        let rho = r.frobeniusNorm * (1 + 2 * u) + gamma(n + 2) * (1 + gamma(n)) * residualTerms.frobeniusNorm
        var e = BLAS.product(.t, v, .n, v)
        for i in 0 ..< n { e[i, i] -= 1 }
        let omegaV = e.frobeniusNorm * (1 + 2 * u) + gamma(n + 1) * (1 + gamma(n)) * BLAS.product(.t, absV, .n, absV).frobeniusNorm
        return Enclosure(values: lam, rho: rho, omegaV: omegaV)
    }

    /// One invariant block of the quotient Hessian: computed eigenvalues, a bound on the distance
    /// of each exact eigenvalue at the point to a computed one, and how often the block repeats.
    struct SpectralBlock {
        var values: [Double]
        var error: Double
        var multiplicity: Int
    }

    /// The proof's second half, shared by the dense and the block routes: Newton–Kantorovich on
    /// the first block (the one that holds the slice: the whole quotient, or the
    /// within-class-symmetric block), then Weyl on every block over the ball. `chartFactor` is
    /// `‖Z‖‖B‖` (the gradient's norm in the slice chart); `snapDistance` is how far the point was
    /// moved to make it exactly collapsed (added to the radius).
    static func conclude(_ start: LabelCertificate, blocks: [SpectralBlock], L: Double, evaluation ev: Evaluation, chartFactor: Double,
                         bNorm: Double, symmetry: SymmetryAnalysis, d: Int, extended: Bool, bounds: DerivativeBounds,
                         snapDistance: Double) -> LabelCertificate {
        var cert = start
        let errorBound = blocks.map(\.error).max() ?? 0
        let smallest = blocks.flatMap(\.values).map(abs).min() ?? 0
        cert.eigenvalueErrorBound = errorBound
        cert.smallestQuotientEigenvalue = smallest
        var all: [Double] = []
        for b in blocks { for v in b.values { all.append(contentsOf: repeatElement(v, count: b.multiplicity)) } }
        // ‖F(0)‖: the gradient in the quotient chart, with its rounding error.
        let f0 = chartFactor * (ev.gradNorm + ev.gradError)
        // Where existence cannot be proven, a negative eigenvalue whose enclosure excludes 0 still
        // proves that no local minimizer lies near (docs/formulas.md §14, saddle regions).
        func saddleRegionOrNot(_ reason: String) -> LabelCertificate {
            cert.reason = reason
            var region = saddleRegion(cert, eigenvalues: all, errorBound: errorBound, lipschitz: L, gradient: f0)
            if region.status == .saddleRegion, snapDistance > 0 {
                // The ball is about the collapsed point; about the given point it is smaller.
                let r = (region.radius ?? 0) - snapDistance
                guard r > 0 else { return cert }
                region.radius = r
            }
            return region
        }
        for b in blocks where b.multiplicity > 0 {
            let small = b.values.map(abs).min() ?? .infinity
            guard small > b.error else {
                let digits = Int((16 + log10(max(b.error / max(small, .leastNormalMagnitude), 1))).rounded(.up))
                return saddleRegionOrNot(String(format: "an eigenvalue enclosure of M_⊥ contains 0 (min |λ̃| = %.3g ≤ error bound %.3g); deciding needs about %d significant digits in the Hessian",
                                                small, b.error, digits))
            }
        }
        let slice = blocks[0]
        let beta = 1 / ((slice.values.map(abs).min() ?? .infinity) - slice.error)
        let eta = beta * f0
        let h = beta * L * eta
        cert.beta = beta; cert.eta = eta; cert.kantorovichH = h; cert.lipschitz = L
        guard h <= 0.5 else {
            return saddleRegionOrNot(String(format: "Kantorovich h = βLη = %.3g > 1/2 (‖grad‖ = %.3g, β = %.3g, L = %.3g): the point is not close enough to a critical point for this curvature%@",
                                            h, ev.gradNorm, beta, L, extended ? "" : "; polishing in double-double may help"))
        }
        // r = (1 − √(1−2h))/(βL) = 2η/(1 + √(1−2h)) (the second form has no cancellation).
        let radius = 2 * eta / (1 + (1 - 2 * h).squareRoot()) * (1 + 4 * u)
        // Transversality: the slice meets the orbit of the exact critical point transversally
        // when the orbit map's smallest singular value exceeds its change over the ball.
        let orbitMargin = symmetry.smallestOrbitSingularValue
        if symmetry.nullity > 0, !(2 * radius * Double(d).squareRoot() * bNorm < orbitMargin / 2) {
            return saddleRegionOrNot(String(format: "the ball r = %.3g is not small next to the orbit map's smallest singular value %.3g", radius, orbitMargin))
        }
        for b in blocks where b.multiplicity > 0 {
            let small = b.values.map(abs).min() ?? .infinity
            guard small > b.error + L * radius else {
                return saddleRegionOrNot(String(format: "over the ball r = %.3g an eigenvalue enclosure contains 0 (min |λ̃| = %.3g ≤ %.3g)",
                                                radius, small, b.error + L * radius))
            }
        }
        let negative = all.filter { $0 < 0 }.count
        cert.status = .certified
        cert.label = negative > 0 ? .strictSaddle : .localMinimizer
        cert.index = negative
        cert.radius = radius + snapDistance
        let lossSlack = (ev.gradNorm + ev.gradError) * radius * bNorm + (bounds.c2 + 6 * bounds.c1) * radius * radius * bNorm * bNorm / 2
            + 8 * Double(ev.ops) * ev.unitRoundoff * max(abs(ev.loss), ev.firstOrder.gradientScale)
        cert.lossLower = ev.loss - lossSlack
        cert.lossUpper = ev.loss + lossSlack
        return cert
    }

    /// The saddle-region certificate (docs/formulas.md §14): with `λ̃_1 + e < 0`, where `e` bounds
    /// `|λ_i(M_⊥ at x) − λ̃_i|`, every critical point `v*` of the pulled-back `f̂ = f ∘ R_x` with
    /// `‖v*‖ ≤ ρ = −(λ̃_1 + e)/(2L)` has `λ_i(∇²f̂(v*)|_{BZ}) ≤ λ̃_i + e + Lρ` (Weyl, and the
    /// Lipschitz bound of `∇²f̂`), so at least `#{i : λ̃_i + e + Lρ < 0}` negative eigenvalues on
    /// that subspace and hence on the whole tangent space (Cauchy interlacing): it is no local
    /// minimizer of `f̂`, nor its image of `f` (`R_x` is a local diffeomorphism on the ball).
    /// `ρ` is half the largest radius, so the bound on the ball keeps half of `λ̃_1 + e`.
    ///
    /// The ball is only worth stating when it plausibly contains the critical point the search
    /// converged to. That is not proven (it is why the full certificate failed), so it is
    /// required in the form a Morse–Bott critical set would satisfy: `ρ ≥ 100 ‖F(0)‖/σ`, where
    /// `σ` is the smallest `|λ̃_i|` above the zero cluster (`max(e, 1e-8 max|λ̃|)`, the curvature
    /// across the set), i.e. the
    /// ball is 100 times the Newton distance to the set. A tiny negative eigenvalue at a nearly
    /// critical point gives a ball too small for that, and no certificate.
    static func saddleRegion(_ failed: LabelCertificate, eigenvalues lam: [Double], errorBound e: Double, lipschitz L: Double,
                             gradient g: Double) -> LabelCertificate {
        guard let lowest = lam.min(), lowest + e < 0, L > 0, L.isFinite, e.isFinite, g.isFinite else { return failed }
        let rho = -(lowest + e) / (2 * L) * (1 - 4 * u)
        // The set's own flat directions come out of the eigensolver as O(‖grad‖) numbers, not
        // exact zeros: the zero cluster is what the classification threshold δ = 1e-8‖M‖ calls zero.
        let zeroCluster = max(e, ClassificationRule.zeroRelativeThreshold * (lam.map(abs).max() ?? 0))
        guard let sigma = lam.map(abs).filter({ $0 > zeroCluster }).min() else { return failed }
        let newtonDistance = g / (sigma - e)
        guard rho >= saddleRegionFactor * newtonDistance else { return failed }
        var cert = failed
        let ceiling = e + L * rho
        cert.status = .saddleRegion
        cert.label = .strictSaddle
        cert.index = lam.filter { $0 + ceiling < 0 }.count
        cert.radius = rho
        cert.eigenvalueErrorBound = e
        cert.lipschitz = L
        cert.lossLower = nil; cert.lossUpper = nil
        return cert
    }

    /// How many Newton distances the saddle region's ball must span.
    public static let saddleRegionFactor = 100.0

    /// Point-local bounds on the magnitude of the Hessian's terms: `Ĉ₂ = 2τ²(1 + K/N) max_j σ_j +
    /// 2τ max_j ‖G_j‖/√N` with `σ_j ≥ ‖∇²ℓ_j‖` from `LogitDerivativeBounds.localHessianBound`
    /// (`min(1/2, 2 s_j)` for cross-entropy, `s_j` the probability mass off the top logit, which
    /// bounds `‖diag p − ppᵀ‖`; focal adds its `1 − p_y` factors), and `Ĉ₁ = max_c ‖∇_c f‖`
    /// (the Riemannian term).
    static func localMagnitudes(_ model: NormalizedFeatureModel, _ fo: NormalizedFeatureModel.FirstOrder) -> (c1: Double, c2: Double) {
        let K = model.K, N = model.N, t = model.tau
        let logit = DerivativeBounds.logitBounds(model)
        var sigma = 0.0, gmax = 0.0
        for j in 0 ..< N {
            var top = 0
            for k in 1 ..< K where fo.lossState[k, j] > fo.lossState[top, j] { top = k }
            var off = 0.0, offLabel = 0.0, g2 = 0.0
            let y = model.labels[j]
            for k in 0 ..< K {
                if k != top { off += fo.lossState[k, j] }
                if k != y { offLabel += fo.lossState[k, j] }
                g2 += fo.residual[k, j] * fo.residual[k, j]
            }
            // Rounded sums of a few ulps' relative error: the 1e-12 slack below covers them.
            sigma = max(sigma, logit.localHessianBound(offTop: off, offLabel: min(1, offLabel)))
            gmax = max(gmax, g2.squareRoot())
        }
        let c2 = 2 * t * t * (1 + Double(K) / Double(N)) * sigma + 2 * t * gmax / Double(N).squareRoot()
        var c1 = 0.0
        for c in 0 ..< K + N { c1 = max(c1, Vector.norm(fo.euclideanGradient.column(c))) }
        return (c1 * (1 + 1e-12), c2 * (1 + 1e-12))
    }
}
