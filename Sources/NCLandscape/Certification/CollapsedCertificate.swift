import Foundation

/// A point made exactly collapsed: every feature replaced by its class's first feature.
struct CollapsedSnap<T: ExtendedReal> {
    var point: ExtendedMatrix<T>
    /// `‖x − x̂‖_F`, rounded up.
    var distance: Double
    /// First sample of each class.
    var representatives: [Int]

    /// nil unless every class has a sample and every feature is within
    /// `ReducedSpectrum.collapseTolerance` of its class's first one.
    init?(_ model: NormalizedFeatureModel, _ x: ExtendedMatrix<T>) {
        let K = model.K, d = model.d
        let reps = ReducedSpectrum.representatives(model)
        guard !reps.contains(-1) else { return nil }
        var p = x, total = 0.0
        for (j, y) in model.labels.enumerated() where j != reps[y] {
            var s = 0.0
            for i in 0 ..< d {
                let t = (x[i, K + j] - x[i, K + reps[y]]).double
                s += t * t
                p[i, K + j] = x[i, K + reps[y]]
            }
            guard s.squareRoot() <= ReducedSpectrum.collapseTolerance else { return nil }
            total += s
        }
        point = p
        distance = total.squareRoot() * (1 + 1e-10)
        representatives = reps
    }
}

extension Certifier {
    /// The certificate at an exactly collapsed point `x̂` (docs/formulas.md §14, collapsed points).
    ///
    /// Permuting the samples of a class fixes `x̂` and leaves `f` unchanged, so the Hessian splits
    /// exactly, with orthonormal changes of basis, into the within-class-symmetric block `R`
    /// (`2K(d−1)`, which holds the symmetry orbit and the slice) and, per class, the feature block
    /// `D_k` repeated `n_k − 1` times (`ReducedSpectrum`). Existence is proven on the fixed set of
    /// the permutations (the collapsed points): Newton–Kantorovich needs only `R`'s quotient, and
    /// a critical point of `f` restricted to that set is a critical point of `f` (its gradient is
    /// permutation-invariant, hence tangent to the set). The exact critical point is collapsed
    /// too, so its Hessian splits the same way, and Weyl's bound holds block by block. Every
    /// error term is one of the dense proof's, taken over the blocks: the blocks of the assembly
    /// error and of the basis defects are sub-blocks of `R`'s, so `R`'s bounds cover them.
    static func certifyCollapsed<T: ExtendedReal>(_ model: NormalizedFeatureModel, snap: CollapsedSnap<T>, extended: Bool,
                                                  bounds: DerivativeBounds, L0: Double, cert start: LabelCertificate) throws -> LabelCertificate {
        var cert = start
        cert.structure = .collapsedBlocks
        let K = model.K, N = model.N, d = model.d, q = d - 1, size = 2 * K * q
        let x = snap.point
        let ev = evaluate(model, at: x, extended: extended, bounds: bounds)
        let columns = Array(0 ..< K) + snap.representatives.map { K + $0 }
        let xr = ReducedSpectrum.representativePoint(ev.xd, model: model, representatives: snap.representatives)
        // R: the representative problem's Hessian (weight n_k, loss divided by N), scaled by
        // n_k^{-1/2} on both sides of class k's feature coordinates.
        let rm = try ReducedSpectrum.representativeModel(model)
        let hess = rm.denseRiemannianHessian(at: xr)
        var r = hess.matrix
        for j in 0 ..< size { for i in (j + 1) ..< size { r.storage[i * size + j] = r.storage[j * size + i] } }
        let scale = (0 ..< size).map { i in i < K * q ? 1 : 1 / Double(model.counts[(i - K * q) / q]).squareRoot() }
        for c in 0 ..< size { for i in 0 ..< size { r.storage[c * size + i] *= scale[i] * scale[c] } }
        // Assembly: an entry of R is the full Hessian's entry (a weighted sum over K instead of N
        // terms, the same sum of magnitudes) up to the weight and the two scales (eight more
        // operations), and √n_k times one for the mixed block; ‖E_R‖₂ ≤ size · max |entry error|.
        let local = localMagnitudes(model, ev.firstOrder)
        let largest = Double(model.counts.max() ?? 1)
        let assembly = Double(size) * gamma(N + K + 4 * d + 58) * (local.c2 + local.c1) * largest.squareRoot()
        // The adapted basis (U on the classifiers, u/√n_k spread over a class, Helmert vectors
        // times U_k within it) has the Gram and tangency defects of the representative columns.
        let (omegaU, deltaU) = basisDefects(hess.basis.matrix, d: d, point: x, columns: columns)
        let symScale = (0 ..< 2 * K).map { $0 < K ? 1 : Double(model.counts[$0 - K]).squareRoot() }
        let symmetry = try SymmetryAnalysis(point: xr, basis: hess.basis, columnScale: symScale)
        guard symmetry.numericOrbitRank == symmetry.nullity else {
            cert.reason = "the rank of [W H] is numerically ambiguous (orbit rank \(symmetry.numericOrbitRank) vs ν = \(symmetry.nullity))"
            return cert
        }
        let z = try LAPACK.orthogonalComplement(of: symmetry.orbitBasis, dimension: size)
        guard z.cols > 0 else { cert.reason = "the quotient is empty"; return cert }
        let omegaZ = orthonormalityDefect(z)
        let zNorm = (1 + omegaZ).squareRoot()
        let (a, productBound) = congruence(r, z)
        guard let sym = try enclose(a) else { cert.reason = "eigenvectors unavailable"; return cert }
        var classBlocks: [(Enclosure, Int)] = []
        for k in 0 ..< K where model.counts[k] > 1 {
            var dk = Matrix(rows: q, cols: q)
            let off = K * q + k * q
            for c in 0 ..< q { for i in 0 ..< q { dk[i, c] = r[off + i, off + c] } }
            guard let e = try enclose(dk) else { cert.reason = "eigenvectors unavailable"; return cert }
            classBlocks.append((e, model.counts[k] - 1))
        }
        let worstV = max(sym.omegaV, classBlocks.map(\.0.omegaV).max() ?? 0)
        guard worstV < 0.5, omegaZ < 0.5, omegaU < 0.5 else {
            cert.reason = String(format: "bases far from orthonormal (ω_V %.2g, ω_Z %.2g, ω_U %.2g)", worstV, omegaZ, omegaU); return cert
        }
        let bNorm = (1 + omegaU).squareRoot() + deltaU
        let operatorNorm = (r.frobeniusNorm + assembly) / (1 - omegaU - deltaU)
        let basisError = zNorm * zNorm * (2 * deltaU * bNorm + deltaU * deltaU) * operatorNorm
        let L = L0 * pow(bNorm * zNorm, 3)
        let common = zNorm * zNorm * assembly + basisError + zNorm * zNorm * bNorm * bNorm * ev.displacement * L
        var blocks = [SpectralBlock(values: sym.values, error: sym.eigenvalueError + productBound + common, multiplicity: 1)]
        for (e, mult) in classBlocks { blocks.append(SpectralBlock(values: e.values, error: e.eigenvalueError + common, multiplicity: mult)) }
        return conclude(cert, blocks: blocks, L: L, evaluation: ev, chartFactor: zNorm * bNorm, bNorm: bNorm,
                        symmetry: symmetry, d: d, extended: extended, bounds: bounds, snapDistance: snap.distance)
    }
}
