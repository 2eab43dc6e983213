extension LandscapeAnalyzer {
    /// Lanczos for an objective without the normalized model's structured methods (the
    /// regularized model; docs/formulas.md §5): ARPACK on the Hessian in tangent coordinates,
    /// restricted to the complement of the symmetry orbit. The operator is
    /// `A = P_⊥ Hess P_⊥ + σ P_orbit` (`OrbitProjector`, no orbit basis), with `σ` just above
    /// `λ_max`, so the ν orbit directions — zero eigenvalues at every critical point — sit at the
    /// top of the spectrum, and the smallest Ritz value is the quotient's `λ_min`: at a minimizer
    /// the first eigenvalue beyond the symmetry, not one of the ν zeros that would otherwise fill
    /// the bottom of the spectrum.
    ///
    /// What it proves: a Ritz pair `(θ, v)` with residual `r` has an eigenvalue in `[θ − r, θ + r]`,
    /// so `θ + r < −δ` is negative curvature (a strict saddle at a critical point), and the number
    /// of such pairs is a lower bound on the index. What it cannot: that no eigenvalue lies below
    /// the smallest Ritz value (Lanczos can miss one), so a minimizer is labelled only where the
    /// loss meets a proven optimum; otherwise the label stays `undetermined`, and the note says so.
    static func analyzeQuotientLanczos<P: FeatureObjective>(_ problem: P, at x: Matrix, options: AnalysisOptions) throws -> PointAnalysis {
        let fo = problem.firstOrder(at: x)
        try checkTwiceDifferentiable(problem, fo)
        try checkDoubleRange(problem, fo)
        let man = problem.manifold
        let gradNorm = man.euclideanToRiemannianGradient(x, fo.euclideanGradient).frobeniusNorm
        let basis = man.tangentBasis(at: x)
        let m = basis.dimension
        let orbit = try OrbitProjector(point: x, actingRows: problem.d)
        let nu = orbit.nullity
        let nev = min(max(options.eigenvectors, 1), m - nu - 1)
        guard nev >= 1, m >= 3 else {
            throw InputError("--method lanczos needs a Hessian larger than its symmetry orbit plus two (m = \(m), ν = \(nu)); use --method dense")
        }
        // ARPACK keeps `ncv` basis vectors of length m; about ten more hold products, projections
        // and the operator's temporaries. The smallest basis that works is checked before any
        // allocation, and the basis is trimmed to what the budget holds.
        let perVector = 8 * Double(m)
        let minimalBasis = min(m, 2 * nev + 8)
        try MemoryBudget.check(perVector * Double(minimalBasis + 10), for: "Lanczos on the quotient at m = \(m)")
        let ncv = min(m, max(minimalBasis, min(max(2 * nev + 20, 60), Int(MemoryBudget.current / perVector) - 10)))
        var sigma = 0.0
        var products = 0
        let apply: ([Double], inout [Double]) -> Void = { c, y in
            products += 1
            let v = basis.vector(from: c)
            let along = orbit.project(v)
            let across = v - along
            let hv = problem.riemannianHessianVectorProduct(at: x, firstOrder: fo, direction: across)
            let out = hv - orbit.project(hv) + sigma * along
            y = basis.coordinates(of: out)
        }
        var rng = SeededGenerator(seed: options.seed)
        // λ_max from 30 plain steps (σ = 0): the largest Ritz value converges first.
        let topRun = try LanczosTridiagonal.run(start: rng.normals(m), steps: min(30, m), reorthogonalize: false, apply: apply)
        let topRitz = try LanczosTridiagonal.ritz(topRun)
        let lambdaMax = topRitz.values.last ?? 0
        let topResidual = topRitz.residuals.last ?? 0
        sigma = lambdaMax + 2e-3 * abs(lambdaMax) + 10 * topResidual + Double.leastNormalMagnitude
        // Shifted by 2‖A‖, ARPACK's relative test is an absolute one, ≲ tolerance · ‖A‖ (as in
        // the normalized model's Lanczos).
        let shift = 2 * max(abs(lambdaMax), abs(sigma))
        let low = try smallestEigenpairs(fixedTolerance: options.lanczosTolerance, start: rng.normals(m)) { tol, start in
            try Lanczos.eigenpairs(dimension: m, count: nev, which: .smallestAlgebraic, ncv: ncv, tolerance: tol, start: start, shift: shift,
                                   applyInPlace: apply)
        }.result
        guard let theta = low.values.first, let r0 = low.residuals.first else {
            throw LinearAlgebraError.computationFailed(routine: "dsaupd", info: 0, meaning: "Lanczos returned no converged eigenpair")
        }
        let spectralNorm = max(abs(theta), abs(lambdaMax))
        let delta = ClassificationRule.zeroThreshold(spectralNorm: spectralNorm)
        let negativeCount = zip(low.values, low.residuals).filter { $0 + $1 < -delta }.count
        let negative = negativeCount > 0
        let cls = classify(problem, fo, gradientNorm: gradNorm, spectralNorm: spectralNorm,
                           curvature: CurvatureEvidence(negativeCurvature: negative, quotientPositive: nil), options: options)
        var notes = [String(format: "Lanczos on the quotient: the %d orbit directions moved to σ = %.3g above λ_max; λ_min here is the smallest Ritz value on their complement (residual %.1e)",
                            nu, sigma, r0)]
        if !negative {
            notes.append("no negative curvature found by Lanczos; without an exact count the absence of negative eigenvalues is not proven"
                         + (cls == .globalMinimizer ? " (the label comes from the loss meeting the proven optimum)" : ""))
        }
        let wanted = min(max(options.eigenvectors, cls == .strictSaddle ? 1 : 0), low.values.count)
        let pairs = (0 ..< wanted).map { (low.values[$0], basis.vector(from: low.vectors[$0])) }
        let (lowest, orth) = certify(problem, at: x, firstOrder: fo, pairs: pairs)
        return PointAnalysis(loss: fo.loss, riemannianGradientNorm: gradNorm, gradientScale: fo.gradientScale, lossBound: problem.lossBound,
                             eigenvalues: low.values + [lambdaMax], eigenvaluesComplete: false,
                             lambdaMin: theta, lambdaMax: lambdaMax, delta: delta,
                             inertia: Inertia(negative: negativeCount, zero: -1, positive: -1), inertiaExact: false,
                             rank: orbit.rank, symmetryNullity: nu, quotientLambdaMin: nil, classification: cls,
                             optimalLoss: problem.optimalLoss, lowest: lowest, orthogonalityError: orth, method: .lanczos,
                             hessianSize: m, hessianVectorProducts: products, collapseDeviation: nil, notes: notes)
    }
}
