import XCTest
@testable import NCLandscape

final class ScaleTests: XCTestCase {
    func collapsedPoints() throws -> [(String, NormalizedFeatureModel, Matrix)] {
        var out: [(String, NormalizedFeatureModel, Matrix)] = []
        for model in [try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2),
                      try NormalizedFeatureModel(d: 4, counts: [4, 1, 2], tau: 3),
                      try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 1.5, labelSmoothing: 0.2),
                      try NormalizedFeatureModel(d: 4, counts: [3, 1, 2], tau: 2, loss: .focal(gamma: 2)),
                      try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 3, labelSmoothing: 0.1, loss: .cosface(margin: 0.35))] {
            for s in AnsatzFamilies.starts(for: model) {
                let x = try NewtonPolisher.polish(model, from: s.point).point
                if ReducedSpectrum.collapseDeviation(model: model, point: x) <= ReducedSpectrum.collapseTolerance { out.append((s.origin, model, x)) }
            }
        }
        return out
    }

    /// The reduced spectrum equals the dense one as multisets (1e-10) at collapsed points,
    /// balanced and imbalanced, critical or not, and gives the same class.
    func testReducedSpectrumEqualsDense() throws {
        let points = try collapsedPoints()
        XCTAssertGreaterThan(points.count, 10)
        for (name, model, x) in points {
            let dense = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense))
            let reduced = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(eigenvectors: 3, method: .reduced))
            XCTAssertEqual(reduced.eigenvalues.count, dense.eigenvalues.count)
            let diff = zip(reduced.eigenvalues, dense.eigenvalues).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(diff, 1e-10, "\(name) counts \(model.counts)")
            XCTAssertEqual(reduced.classification, dense.classification, name)
            XCTAssertEqual(reduced.symmetryNullity, dense.symmetryNullity, name)
            if let qd = dense.quotientLambdaMin { XCTAssertEqual(reduced.quotientLambdaMin!, qd, accuracy: 1e-10, name) }
            // Reduced eigenvectors are true eigenvectors of the full Hessian.
            for e in reduced.lowest { XCTAssertLessThan(e.residual, 1e-10, name) }
            XCTAssertLessThan(reduced.orthogonalityError, 1e-12, name)
            for (e, v) in zip(reduced.lowest, dense.eigenvalues) { XCTAssertEqual(e.value, v, accuracy: 1e-10) }
        }
    }

    func testReducedRefusesNonCollapsedPoints() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 2)
        var rng = SeededGenerator(seed: 1)
        let x = model.manifold.randomPoint(using: &rng)
        assertThrowsInput(try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .reduced)), contains: "not collapsed")
        XCTAssertEqual(LandscapeAnalyzer.resolve(.auto, model: model, point: x, options: AnalysisOptions()), .dense)
    }

    /// Lanczos λ_min matches dense (1e-8) at random points and at strict saddles, collapsed or
    /// not (a sign-pattern saddle perturbed and re-polished is not collapsed), for every loss.
    func testLanczosMatchesDense() throws {
        for model in [try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2),
                      try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2, loss: .focal(gamma: 1)),
                      try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 4, loss: .cosface(margin: 0.2))] {
            try checkLanczosMatchesDense(model)
        }
    }

    func checkLanczosMatchesDense(_ model: NormalizedFeatureModel) throws {
        var rng = SeededGenerator(seed: 3)
        var points = [model.manifold.randomPoint(using: &rng), model.manifold.randomPoint(using: &rng)]
        for s in AnsatzFamilies.starts(for: model).prefix(4) { points.append(try NewtonPolisher.polish(model, from: s.point).point) }
        let noisy = model.manifold.retract(points[3], 0.3 * model.manifold.randomTangent(at: points[3], using: &rng))
        points.append(try NewtonPolisher.polish(model, from: noisy).point)
        for (i, x) in points.enumerated() {
            let dense = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense))
            let lz = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(eigenvectors: 2, method: .lanczos))
            XCTAssertEqual(lz.lambdaMin, dense.lambdaMin, accuracy: 1e-8, "\(model.loss.name) point \(i)")
            XCTAssertEqual(lz.lambdaMax, dense.lambdaMax, accuracy: 1e-6 * max(1, dense.lambdaMax), "point \(i)")
            XCTAssertEqual(lz.classification, dense.classification, "point \(i)")
            XCTAssertTrue(lz.inertiaExact)
            XCTAssertEqual(lz.inertia, dense.inertia, "point \(i)")
            XCTAssertEqual(lz.lambdaMinCertified, true, "point \(i)")
            // The certificate is not a tautology: had Lanczos stopped at the second-smallest
            // distinct eigenvalue, the same count just below it finds the ones underneath.
            if let second = dense.eigenvalues.first(where: { $0 > dense.lambdaMin + 1e-6 }) {
                let below = try StructuredInertia.countBelow(second - 1e-9, blocks: HessianBlocks(model: model, point: x)).below
                XCTAssertEqual(below, dense.eigenvalues.filter { $0 < second - 1e-9 }.count, "point \(i)")
                XCTAssertGreaterThan(below, 0)
            }
            XCTAssertGreaterThan(lz.hessianVectorProducts ?? 0, 0)
            for e in lz.lowest { XCTAssertLessThan(e.residual, 1e-8) }
        }
    }

    /// Where structured inertia is unaffordable, λ_min comes from the unrestarted recurrence
    /// (three vectors, no reorthogonalization). Its value must match the dense λ_min to its
    /// residual target (1e-9‖M‖, checked at 1e-8 absolute with ‖M‖ ≤ 5 here), at random points,
    /// saddles (λ_min multiple at the anti-aligned ansatz) and a weak saddle; at strict saddles
    /// the vector rebuilt by the second pass must be a true eigenvector (residual recomputed by
    /// `certify` with the Riemannian product, not the recurrence's estimate).
    func testUnrestartedLanczosMatchesDense() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2)
        var rng = SeededGenerator(seed: 5)
        var points = [model.manifold.randomPoint(using: &rng)]
        for s in AnsatzFamilies.starts(for: model).prefix(4) { points.append(try NewtonPolisher.polish(model, from: s.point).point) }
        for (i, x) in points.enumerated() {
            let dense = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense))
            var o = AnalysisOptions(method: .lanczos)
            o.structuredInertiaMaxFlops = 0
            let lz = try LandscapeAnalyzer.analyze(model, at: x, options: o)
            XCTAssertFalse(lz.inertiaExact)
            XCTAssertTrue(lz.notes.first?.contains("unrestarted") ?? false, "\(lz.notes)")
            // At critical points the run stops at residual δ/10; at the random (non-critical)
            // point λ_min decides nothing and is reported to residual 1e-6‖M‖ (‖M‖ ≤ 5 here).
            let norm = max(abs(dense.lambdaMin), abs(dense.lambdaMax))
            XCTAssertEqual(lz.lambdaMin, dense.lambdaMin, accuracy: dense.classification == .notCritical ? 1e-6 * norm : 1e-8, "point \(i)")
            XCTAssertGreaterThanOrEqual(lz.lambdaMin, dense.lambdaMin - 1e-12, "point \(i)")
            // The random-start bound holds (at m = 64 it is loose: the theorem ignores that k ≥ m
            // steps would make the Krylov space the whole space).
            let bound = try XCTUnwrap(lz.lambdaMinProbabilisticLowerBound, "point \(i)")
            XCTAssertLessThanOrEqual(bound, dense.lambdaMin + 1e-12, "point \(i)")
            XCTAssertEqual(lz.lambdaMinBoundFailureProbability, AnalysisOptions.probabilisticBoundFailure)
            if dense.classification == .strictSaddle {
                XCTAssertEqual(lz.classification, .strictSaddle, "point \(i)")
                let v = try XCTUnwrap(lz.lowest.first, "point \(i)")
                XCTAssertEqual(v.value, dense.lambdaMin, accuracy: 1e-8)
                XCTAssertLessThan(v.residual, 1e-6, "point \(i)")
            }
        }
    }

    /// The unrestarted recurrence on a diagonal matrix with known spectrum (smallest −1e-6, a
    /// weak direction, next 1e-3, the rest in [0.5, 2]): the value to its target, the residual
    /// bound honest, and the Ritz vector the same whether rebuilt from kept vectors or by the
    /// second pass (which repeats the products).
    func testUnrestartedRecurrenceOnKnownSpectrum() throws {
        let n = 400
        var rng = SeededGenerator(seed: 11)
        var diag = (0 ..< n).map { _ in 0.5 + 1.5 * Double.random(in: 0 ..< 1, using: &rng) }
        diag[17] = -1e-6; diag[230] = 1e-3
        let apply: ([Double], inout [Double]) -> Void = { v, y in for i in 0 ..< n { y[i] = diag[i] * v[i] } }
        let start = rng.normals(n)
        let target = { (_: Double) in 1e-10 }
        var heard: [(steps: Int, theta: Double, residual: Double, goal: Double)] = []
        let kept = try LanczosTridiagonal.smallest(start: start, maxSteps: 2000, target: { t, _ in target(t) }, keepBasis: 2000, apply: apply,
                                                   progress: { heard.append(($0, $1, $2, $3)) })
        // Checked after every step, and stopped at the first step that meets the target.
        XCTAssertEqual(heard.map(\.steps), Array(1 ... kept.products))
        XCTAssertEqual(heard.last?.theta, kept.value)
        XCTAssertEqual(heard.last?.residual, kept.residual)
        XCTAssertTrue(heard.dropLast().allSatisfy { $0.residual > $0.goal })
        let replay = try LanczosTridiagonal.smallest(start: start, maxSteps: 2000, target: { t, _ in target(t) }, keepBasis: 0, apply: apply)
        XCTAssertTrue(kept.converged)
        XCTAssertNil(replay.basis)
        XCTAssertEqual(kept.value, -1e-6, accuracy: 1e-10)
        XCTAssertEqual(kept.value, replay.value)
        let v1 = try LanczosTridiagonal.ritzVector(basis: try XCTUnwrap(kept.basis), coefficients: kept.coefficients)
        let v2 = try LanczosTridiagonal.ritzVector(start: start, coefficients: replay.coefficients, apply: apply)
        XCTAssertEqual(v2.products, replay.coefficients.count - 1)
        XCTAssertLessThan(zip(v1, v2.vector).map { abs($0 - $1) }.max()!, 1e-12)
        // The eigenvector is e₁₇: its true residual ‖Av − θv‖ is within the reported bound
        // (+ rounding), and the vector points along e₁₇.
        var av = [Double](repeating: 0, count: n); apply(v1, &av)
        let res = Vector.norm(zip(av, v1).map { $0 - kept.value * $1 })
        XCTAssertLessThan(res, kept.residual + 1e-12)
        XCTAssertGreaterThan(abs(v1[17]), 1 - 1e-6)
    }

    /// The recurrence's streaming passes against the plain loops they replace: long enough
    /// (2^19 + 3) to split over two threads with a ragged tail, and short (7). The update and the
    /// division do the same operations per entry, so they agree bit for bit; the sums only
    /// change order (rounding, ~1e-16 per entry: 1e-13 relative leaves room for 5·10⁵ terms).
    /// Entries near 1e-200 or 1e200 must fall back to the scaled norm instead of returning 0 or ∞.
    func testStreamingPassesMatchPlainLoops() {
        var rng = SeededGenerator(seed: 5)
        for n in [(1 << 19) + 3, 7] {
            let q = rng.normals(n), p = rng.normals(n), w0 = rng.normals(n)
            XCTAssertEqual(StreamingVector.dot(q, w0), Vector.dot(q, w0), accuracy: 1e-13 * Vector.norm(q) * Vector.norm(w0))
            var w = w0
            let norm = StreamingVector.lanczosUpdate(&w, alpha: 0.3, q: q, beta: -1.7, previous: p)
            var plain = w0
            for i in 0 ..< n { plain[i] -= 0.3 * q[i] + -1.7 * p[i] }
            XCTAssertEqual(w, plain)
            XCTAssertEqual(norm, Vector.norm(plain), accuracy: 1e-13 * Vector.norm(plain))
            var y = [Double](repeating: 0, count: n)
            StreamingVector.divide(w, by: norm, into: &y)
            XCTAssertEqual(y, w.map { $0 / norm })
        }
        for tiny in [1e-200, 1e200] {
            var w = [Double](repeating: tiny, count: 9)
            let zero = [Double](repeating: 0, count: 9)
            let norm = StreamingVector.lanczosUpdate(&w, alpha: 0, q: zero, beta: 0, previous: zero)
            XCTAssertEqual(norm, 3 * tiny, accuracy: 1e-15 * 3 * tiny)
        }
    }

    /// The Kuczyński–Woźniakowski ε: it shrinks like 1/k² and grows with log √n / failure; and at
    /// a fixed step count chosen short (so Lanczos is far from converged), the stated bound holds
    /// for 200 random starts on a spectrum with an isolated bottom eigenvalue, while a bound with a
    /// 10× smaller ε fails for some of them (the statement is not vacuous). Uniform spectrum on
    /// [0, 1]: no gap, the worst case for Krylov convergence at the bottom.
    func testRandomStartBoundHoldsAndIsNotVacuous() throws {
        let e1 = LanczosTridiagonal.randomStartRelativeErrorBound(dimension: 1000, steps: 50, failure: 1e-6)
        let e2 = LanczosTridiagonal.randomStartRelativeErrorBound(dimension: 1000, steps: 100, failure: 1e-6)
        XCTAssertEqual(e1 / e2, pow(199.0 / 99.0, 2), accuracy: 1e-9)
        XCTAssertGreaterThan(LanczosTridiagonal.randomStartRelativeErrorBound(dimension: 1000, steps: 50, failure: 1e-9), e1)
        let n = 1000, k = 12
        var rng = SeededGenerator(seed: 21)
        let diag = (0 ..< n).map { i in Double(i) / Double(n - 1) }
        let apply: ([Double], inout [Double]) -> Void = { v, y in for i in 0 ..< n { y[i] = diag[i] * v[i] } }
        let eps = LanczosTridiagonal.randomStartRelativeErrorBound(dimension: n, steps: k, failure: 0.01)
        let spread = diag.max()! - diag.min()!
        var tighterFailed = 0, worst = 0.0
        for _ in 0 ..< 200 {
            let r = try LanczosTridiagonal.smallest(start: rng.normals(n), maxSteps: k, checkEvery: k, target: { _, _ in 0 }, apply: apply)
            XCTAssertGreaterThanOrEqual(0.0, r.value - eps * spread - 1e-12)
            worst = max(worst, r.value / spread)
            if 0.0 < r.value - 0.1 * eps * spread { tighterFailed += 1 }
        }
        XCTAssertGreaterThan(tighterFailed, 0, "a 10× tighter bound should fail for some start (ε = \(eps), worst relative error \(worst))")
    }

    /// Asking Lanczos for more pairs than the tangent space has (m = 4) at a point whose curvature
    /// is all ≤ 0 must return only Hessian eigenpairs: never one of the K+N normal directions the
    /// ambient operator adds (each returned pair is checked with the Riemannian product).
    func testLanczosNeverReturnsNormalDirections() throws {
        let model = try NormalizedFeatureModel(K: 2, d: 2, n: 1, tau: 2)
        var rng = SeededGenerator(seed: 0)
        let x = try SpecialPoints.make(.anti, model: model, rng: &rng)
        let dense = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(eigenvectors: 4, method: .dense))
        XCTAssertLessThanOrEqual(dense.lambdaMax, 1e-12, "the test needs a spectrum without positive curvature")
        let lz = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(eigenvectors: 6, method: .lanczos))
        XCTAssertLessThanOrEqual(lz.lowest.count, model.hessianSize)
        XCTAssertGreaterThan(lz.lowest.count, 0)
        for (e, d) in zip(lz.lowest, dense.lowest) {
            XCTAssertLessThan(e.residual, 1e-8)
            XCTAssertEqual(e.value, d.value, accuracy: 1e-10)
            let normal = Matrix.maxAbsDifference(model.manifold.project(x, e.direction), e.direction)
            XCTAssertLessThan(normal, 1e-12, "eigenvector must be tangent")
        }
    }

    /// The automatic Lanczos tolerance meets its target, residual ≤ 1e-9·‖M‖ (which bounds the
    /// eigenvalue error), at every scale of the operator. A diagonal operator with a dense
    /// spectrum (−1 … −0.0005, spacing 5e-4) makes ARPACK converge gradually; the same spectrum
    /// times 1e-60 (the size of the Hessian near neural collapse at τ ≈ 100) must give the same
    /// relative answer. Without the rescaling inside the wrapper, ARPACK's absolute floor
    /// `tol·ε^{2/3}` would accept its first Ritz value at once there (residual ~ 1e-63 ≫ 1e-69).
    func testAutomaticLanczosToleranceIsScaleFree() throws {
        let n = 2000
        for scale in [1.0, 1e-60] {
            let spectrum = (0 ..< n).map { scale * (-1 + Double($0) * 5e-4) }
            var rng = SeededGenerator(seed: 4)
            let search = try LandscapeAnalyzer.smallestEigenpairs(fixedTolerance: nil, start: rng.normals(n)) { tol, start in
                try Lanczos.eigenpairs(dimension: n, count: 1, which: .smallestAlgebraic, ncv: 30, tolerance: tol, start: start) { v in
                    zip(spectrum, v).map { $0 * $1 }
                }
            }
            let target = AnalysisOptions.lanczosResidualTarget * scale
            XCTAssertLessThanOrEqual(search.result.residuals[0], target, "scale \(scale)")
            XCTAssertEqual(search.result.values[0] / scale, -1, accuracy: 1e-9, "scale \(scale)")
            XCTAssertGreaterThan(search.products, 100, "ARPACK must iterate, not stop at its floor (scale \(scale))")
        }
    }

    /// The benchmark's configuration in miniature: default options (one Lanczos pair), a size at
    /// which ARPACK restarts many times (ambient 1488 > ncv 30), at a random point and at the
    /// paired non-collapsed saddle, which must be exactly critical with loss log K.
    func testLanczosDefaultsMatchDenseWithRestarts() throws {
        let model = try NormalizedFeatureModel(K: 6, d: 8, n: 30, tau: 2)
        var rng = SeededGenerator(seed: 21)
        let saddle = ScaleBenchmark.pairedSaddle(model, seed: 5)
        for (name, x) in [("random", model.manifold.randomPoint(using: &rng)), ("paired saddle", saddle)] {
            let dense = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense))
            let lz = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .lanczos))
            // ARPACK stops at residual ≤ 1e-9·|λ|; the eigenvalue error is at most the residual.
            XCTAssertEqual(lz.lambdaMin, dense.lambdaMin, accuracy: 1e-8, name)
            XCTAssertEqual(lz.classification, dense.classification, name)
            XCTAssertGreaterThan(lz.hessianVectorProducts ?? 0, 30, "\(name): the run should have restarted")
            XCTAssertEqual(lz.lambdaMinCertified, true, name)
        }
        let a = try LandscapeAnalyzer.analyze(model, at: saddle, options: AnalysisOptions(method: .lanczos))
        XCTAssertEqual(a.loss, log(6), accuracy: 1e-12)
        XCTAssertEqual(a.classification, .strictSaddle)
        XCTAssertEqual(a.lowest.count, 1)
        XCTAssertLessThan(a.lowest[0].residual, 1e-8)
    }

    /// MINRES against LAPACK: on a random symmetric indefinite matrix its solution equals the
    /// eigendecomposition solve; on a singular consistent system (three zero eigenvalues, right-hand
    /// side in the range) it returns the minimum-norm (pseudo-inverse) solution.
    func testMINRESMatchesEigendecompositionSolve() throws {
        let n = 60
        var rng = SeededGenerator(seed: 31)
        let g = Matrix(rows: n, cols: n, columnMajor: rng.normals(n * n))
        var gram = BLAS.product(.n, g, .t, g)
        let q = try LAPACK.eigen(destroying: &gram).vectors!           // a random orthogonal basis
        var lambdas: [Double] = (0 ..< n).map { i in
            let sign: Double = i % 2 == 0 ? 1 : -1
            return sign * (0.5 + Double(i) / 10)
        }
        for singular in [false, true] {
            if singular { lambdas[3] = 0; lambdas[10] = 0; lambdas[40] = 0 }
            var scaled = q
            for j in 0 ..< n { for i in 0 ..< n { scaled[i, j] *= lambdas[j] } }
            let a = BLAS.product(.n, scaled, .t, q)
            var coef = rng.normals(n)
            if singular { for j in [3, 10, 40] { coef[j] = 0 } }
            let b = BLAS.matVec(.n, q, coef)                               // in the range of A
            let expected = BLAS.matVec(.n, q, (0 ..< n).map { lambdas[$0] == 0 ? 0 : coef[$0] / lambdas[$0] })
            let r = MINRES.solve(b, tolerance: 1e-14, maxIterations: 500) { v, y in y = BLAS.matVec(.n, a, v) }
            // κ(A) ≤ 13 on the range: a 1e-14 relative residual leaves errors near 1e-12.
            let err = zip(r.solution, expected).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(err, 1e-10, "singular \(singular), stopped by \(r.stopReason) after \(r.iterations)")
            var res = BLAS.matVec(.n, a, r.solution)
            Vector.axpy(-1, b, &res)
            XCTAssertLessThan(Vector.norm(res), 1e-11 * Vector.norm(b))
        }
    }

    /// Newton–MINRES (the polisher beyond the dense size) lands on the same critical point as the
    /// dense pseudo-inverse Newton from a non-collapsed start near a saddle: same loss, class and
    /// index, ‖grad‖ ≤ 1e-12.
    func testMatrixFreePolishingMatchesDense() throws {
        let model = try NormalizedFeatureModel(d: 5, counts: [3, 2, 4, 3], tau: 2)
        var rng = SeededGenerator(seed: 8)
        let anti = try SpecialPoints.make(.anti, model: model, rng: &rng)
        let start = model.manifold.retract(anti, 1e-3 * model.manifold.randomTangent(at: anti, using: &rng))
        let dense = try NewtonPolisher.polish(model, from: start)
        let free = try NewtonPolisher.polish(model, from: start, denseMaxSize: 0)
        XCTAssertEqual(dense.method, "dense")
        XCTAssertEqual(free.method, "matrix-free")
        XCTAssertGreaterThan(free.hessianVectorProducts ?? 0, 0)
        XCTAssertTrue(free.converged, "‖grad‖ = \(free.gradientNorm) after \(free.iterations)")
        // The polisher's own criterion, ‖grad‖ ≤ κγ (κ ≈ 1e-12, γ the gradient terms' size, ≈ 2 here).
        let gamma = model.firstOrder(at: free.point).gradientScale
        XCTAssertLessThanOrEqual(free.gradientNorm, ClassificationRule.roundingFactor * gamma, "γ = \(gamma)")
        XCTAssertLessThan(gamma, 10)
        XCTAssertEqual(model.loss(at: free.point), model.loss(at: dense.point), accuracy: 1e-12)
        let a = try LandscapeAnalyzer.analyze(model, at: free.point, options: AnalysisOptions(method: .dense))
        let b = try LandscapeAnalyzer.analyze(model, at: dense.point, options: AnalysisOptions(method: .dense))
        XCTAssertEqual(a.classification, b.classification)
        XCTAssertEqual(a.classification, .strictSaddle)
        XCTAssertEqual(a.inertia, b.inertia)
    }

    /// The Kronecker assembly forms the same Schur complement as the per-sample products, entry
    /// by entry, for every loss, label smoothing, imbalanced counts, d < K and d > K, at random
    /// points and at a saddle (where some feature blocks are singular and the shifts are ±δ).
    /// Both are sums of the same terms in a different order, so they agree to rounding:
    /// 1e-12 of the largest entry leaves 10³× room over the ~1e-15 differences seen.
    func testKroneckerSchurEqualsPerSampleSchur() throws {
        var cases: [(NormalizedFeatureModel, Matrix, [Double])] = []
        for (i, model) in (try models() + [try NormalizedFeatureModel(K: 3, d: 7, n: 4, tau: 3)]).enumerated() {
            var rng = SeededGenerator(seed: UInt64(90 + i))
            cases.append((model, model.manifold.randomPoint(using: &rng), [0.0, -0.03]))
        }
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2)
        var rng = SeededGenerator(seed: 0)
        let anti = try SpecialPoints.make(.anti, model: model, rng: &rng)
        cases.append((model, anti, [-1e-8, 1e-8]))
        // Large enough for the per-sample work to run on two threads (c·q³ ≥ 2¹⁸), in chunks of 64.
        let larger = try NormalizedFeatureModel(d: 20, counts: [40, 30, 25, 30, 35, 20], tau: 3)
        cases.append((larger, larger.manifold.randomPoint(using: &rng), [0.0, 0.01]))
        for (i, (model, x, shifts)) in cases.enumerated() {
            let blocks = HessianBlocks(model: model, point: x)
            let chunk = model.N > 100 ? 64 : 2
            let a = try StructuredInertia.schurComplements(shifts, blocks: blocks, assembly: .perSample, chunk: chunk)
            let b = try StructuredInertia.schurComplements(shifts, blocks: blocks, assembly: .kronecker, chunk: chunk)
            XCTAssertEqual(a.negative, b.negative, "case \(i)")
            for si in shifts.indices {
                let scale = a.schur[si].storage.map(abs).max()!
                let diff = zip(a.schur[si].storage, b.schur[si].storage).map { abs($0 - $1) }.max()!
                XCTAssertLessThanOrEqual(diff, 1e-12 * scale, "case \(i) shift \(shifts[si])")
            }
        }
    }

    /// The counts' rounding estimate is honest. Where every feature block is exactly zero (all
    /// classifiers equal, features in ± pairs: the paired saddle) the pivots at ±δ are ±δ and the
    /// elimination amplifies rounding by ‖B‖²/(δ‖M‖); there the counts have missed dense counts
    /// by one or two eigenvalues lying at the shift (measured: K=6 and K=10 below), and the
    /// estimate must then exceed 0.1δ, and cover the miss: every eigenvalue on the wrong side lies
    /// within the estimate of the shift. At random points it must be far below δ (measured
    /// 5e-6δ–1.3e-4δ), so the analysis calls those counts exact.
    func testStructuredInertiaUncertaintyCoversMiscounts() throws {
        for (K, d, n) in [(4, 5, 4), (6, 8, 10), (10, 12, 6)] {
            let model = try NormalizedFeatureModel(K: K, d: d, n: n, tau: 2)
            var rng = SeededGenerator(seed: 5)
            for (name, x) in [("paired", ScaleBenchmark.pairedSaddle(model, seed: 3)), ("random", model.manifold.randomPoint(using: &rng))] {
                let ev = try LAPACK.eigenvalues(model.denseRiemannianHessian(at: x).matrix)
                let delta = ClassificationRule.zeroThreshold(spectralNorm: ev.map(abs).max()!)
                let blocks = HessianBlocks(model: model, point: x)
                for assembly in StructuredInertia.Assembly.allCases {
                    let counts = try StructuredInertia.countBelow([-delta, delta], blocks: blocks, assembly: assembly)
                    for (shift, c) in zip([-delta, delta], counts) {
                        let exact = ev.filter { $0 < shift }.count
                        let atShift = ev.filter { abs($0 - shift) <= c.uncertainty }.count
                        XCTAssertLessThanOrEqual(abs(c.below - exact), atShift, "\(name) K=\(K) \(assembly) shift \(shift): η = \(c.uncertainty)")
                        if name == "paired" { XCTAssertGreaterThan(c.uncertainty, StructuredInertia.resolvedFraction * delta) }
                        else { XCTAssertLessThan(c.uncertainty, 1e-3 * delta); XCTAssertEqual(c.below, exact) }
                    }
                }
            }
        }
        // The analysis does not call unresolved counts exact: at the paired saddle the class
        // (strict saddle, from λ_min) stands, but the index is a lower bound.
        let model = try NormalizedFeatureModel(K: 6, d: 8, n: 10, tau: 2)
        var options = AnalysisOptions(method: .lanczos)
        options.structuredInertiaMaxFlops = 1e12
        let a = try LandscapeAnalyzer.analyze(model, at: ScaleBenchmark.pairedSaddle(model, seed: 3), options: options)
        XCTAssertEqual(a.classification, .strictSaddle)
        XCTAssertFalse(a.inertiaExact)
        XCTAssertTrue(a.notes.contains { $0.contains("not resolved") }, "\(a.notes)")
        // The counts still reach the report, marked unresolved, with an estimate above 0.1δ; the
        // index reported stays Lanczos's lower bound, not the unresolved count.
        let counts = try XCTUnwrap(a.structuredCounts)
        XCTAssertFalse(counts.resolved)
        XCTAssertGreaterThan(counts.roundingEstimate, StructuredInertia.resolvedFraction * a.delta)
        XCTAssertGreaterThan(counts.belowMinusDelta, 0)
        XCTAssertGreaterThanOrEqual(counts.belowPlusDelta, counts.belowMinusDelta)
        XCTAssertEqual(a.inertia.zero, -1, "unknown: the unresolved counts are not the inertia")
    }

    /// Structured counts equal dense counts at random points, for several sizes and imbalanced
    /// counts, by both assemblies, one shift at a time and all shifts in one shared pass. The
    /// shifts sit more than 1e-6 from every eigenvalue, and the test first checks that the
    /// counts' own rounding estimate is below that distance: these are counts the analyzer would
    /// call exact, so they must be exact.
    func testStructuredInertiaMatchesDenseAtRandomPoints() throws {
        for (i, model) in (try models() + [try NormalizedFeatureModel(K: 5, d: 6, n: 7, tau: 4)]).enumerated() {
            var rng = SeededGenerator(seed: UInt64(60 + i))
            let x = model.manifold.randomPoint(using: &rng)
            let h = model.denseRiemannianHessian(at: x).matrix
            let ev = try LAPACK.eigenvalues(h)
            let blocks = HessianBlocks(model: model, point: x)
            let shifts = [0.0, -0.03, 0.02].filter { shift in ev.allSatisfy { abs($0 - shift) > 1e-6 } }
            XCTAssertFalse(shifts.isEmpty, "model \(i): every shift lies within 1e-6 of an eigenvalue")
            for assembly in StructuredInertia.Assembly.allCases {
                for shift in shifts {
                    let c = try StructuredInertia.countBelow(shift, blocks: blocks, assembly: assembly, chunk: 3)   // small chunks exercise the accumulation
                    XCTAssertLessThan(c.uncertainty, 1e-6, "model \(i) shift \(shift) \(assembly): the estimate does not resolve this count")
                    XCTAssertEqual(c.below, ev.filter { $0 < shift }.count, "model \(i) shift \(shift) \(assembly)")
                }
                // All shifts in one shared pass give the same counts.
                let shared = try StructuredInertia.countBelow(shifts, blocks: blocks, assembly: assembly, chunk: 3)
                XCTAssertEqual(shared.map(\.below), shifts.map { shift in ev.filter { $0 < shift }.count }, "model \(i) \(assembly)")
            }
        }
    }

    /// What the analyzer promises about the counts at ±δ (docs/formulas.md §5, "How exact a count
    /// is"), at critical points where feature blocks are singular: counts whose rounding estimate
    /// η is at most 0.1δ (resolved) are the dense counts exactly; counts with a larger η are flagged
    /// (resolved == false, no inertia), and whatever they miscount lies within η of the shift
    /// (Weyl). The counts themselves are not compared where unresolved: at total collapse every
    /// feature block is exactly zero, the pivots are ±δ, and the counts there depend on rounding
    /// (structured (16, 32, 16) against dense (12, 40, 12) at K=4, d=5, n=3, varying with the
    /// BLAS kernel and thread count), which η ≈ 69δ says. The cases are chosen so that both
    /// branches run: η measured ≤ 1.5e-6δ at the ETF and the anti-aligned point, 37–110δ at total
    /// collapse, 0.33–0.5δ at the paired saddle below (K=2, d=3, τ=4) — all far from 0.1δ, so
    /// which branch a case takes does not depend on rounding.
    func testResolvedStructuredCountsAreExactAndUnresolvedAreFlagged() throws {
        var cases: [(String, NormalizedFeatureModel, Matrix, Bool)] = []   // (name, model, point, expected resolved)
        for (K, d, n, tau) in [(4, 5, 3, 2.0), (4, 3, 2, 2.0), (5, 6, 7, 4.0)] {
            let model = try NormalizedFeatureModel(K: K, d: d, n: n, tau: tau)
            for kind in [SpecialPoint.etf, .anti, .total] where !(kind == .anti && K == 5) {   // K=5's anti point: η = 15δ, another unresolved case
                var rng = SeededGenerator(seed: 0)
                cases.append(("\(kind) K=\(K) d=\(d) n=\(n)", model, try SpecialPoints.make(kind, model: model, rng: &rng), kind != .total))
            }
        }
        let small = try NormalizedFeatureModel(K: 2, d: 3, n: 2, tau: 4)
        cases.append(("paired K=2 d=3 n=2", small, ScaleBenchmark.pairedSaddle(small, seed: 3), false))
        for (name, model, x, expectResolved) in cases {
            let dense = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense))
            let delta = dense.delta, ev = dense.eigenvalues
            let blocks = HessianBlocks(model: model, point: x)
            for assembly in StructuredInertia.Assembly.allCases {
                let c = try StructuredInertia.counts(blocks: blocks, delta: delta, assembly: assembly)
                let label = "\(name) \(assembly): counts \(c.belowMinusDelta), \(c.belowPlusDelta), η = \(c.roundingEstimate / delta) δ"
                XCTAssertEqual(c.resolved, c.roundingEstimate <= StructuredInertia.resolvedFraction * delta, label)
                XCTAssertEqual(c.resolved, expectResolved, label)
                if c.resolved {
                    XCTAssertEqual(c.inertia(size: model.hessianSize), dense.inertia, label)
                    XCTAssertEqual(c.belowMinusDelta, ev.filter { $0 < -delta }.count, label)
                    XCTAssertEqual(c.belowPlusDelta, ev.filter { $0 < delta }.count, label)
                } else {
                    XCTAssertNil(c.inertia(size: model.hessianSize), label)
                    for (shift, below) in [(-delta, c.belowMinusDelta), (delta, c.belowPlusDelta)] {
                        let near = ev.filter { abs($0 - shift) <= c.roundingEstimate }.count
                        XCTAssertLessThanOrEqual(abs(below - ev.filter { $0 < shift }.count), near, "\(label), shift \(shift)")
                    }
                }
            }
        }
    }

    /// η on a case small enough to follow by hand: K = 2, d = 2, n = 1, so q = 1 and every block
    /// of M (4 × 4) is a number or a 2-vector: A the 2 × 2 classifier block, b_j its column
    /// against feature j, D_j = M[2+j, 2+j]. Then the feature eigendirection is ±1, f_j = ±b_j,
    /// S(σ) = A − σI − Σ_j b_j b_jᵀ / (D_j − σ), and the documented estimate is
    /// η = 4u (‖S‖_F + Σ_j ‖b_j‖² / |D_j − σ|), u = ε_mach/2. The per-sample assembly computes
    /// exactly this, so it must agree to rounding (1e-10 relative: the inputs are the same
    /// numbers up to the order of a few sums; a wrong factor is off by 2× or more). The Kronecker
    /// assembly bounds ‖f_j‖² from above (KroneckerSchur's coupling), so its η may only be larger.
    func testRoundingEstimateFollowsItsFormula() throws {
        let model = try NormalizedFeatureModel(K: 2, d: 2, n: 1, tau: 1.5)
        var rng = SeededGenerator(seed: 21)
        let x = model.manifold.randomPoint(using: &rng)
        let m = model.denseRiemannianHessian(at: x).matrix
        XCTAssertEqual(m.rows, 4)
        let u = Double.ulpOfOne / 2
        // Shifts away from the eigenvalues (≈ 0, 0.118, 0.418, 1.61) and from D_j (1.03, 0.329).
        for shift in [0.05, 0.25, -0.1] {
            var s = [[m[0, 0] - shift, m[0, 1]], [m[1, 0], m[1, 1] - shift]]
            var terms = 0.0
            for j in 0 ..< 2 {
                let b = [m[0, 2 + j], m[1, 2 + j]], pivot = m[2 + j, 2 + j] - shift
                XCTAssertGreaterThan(abs(pivot), 1e-3, "shift \(shift) too close to D_\(j) = \(m[2 + j, 2 + j])")
                for r in 0 ..< 2 { for c in 0 ..< 2 { s[r][c] -= b[r] * b[c] / pivot } }
                terms += (b[0] * b[0] + b[1] * b[1]) / abs(pivot)
            }
            let frobenius = (s[0][0] * s[0][0] + s[0][1] * s[0][1] + s[1][0] * s[1][0] + s[1][1] * s[1][1]).squareRoot()
            let eta = 4 * u * (frobenius + terms)
            let blocks = HessianBlocks(model: model, point: x)
            let perSample = try StructuredInertia.countBelow(shift, blocks: blocks, assembly: .perSample)
            XCTAssertEqual(perSample.uncertainty, eta, accuracy: 1e-10 * eta, "shift \(shift): ‖S‖_F = \(frobenius), Σ‖f‖²/|λ−σ| = \(terms)")
            let kronecker = try StructuredInertia.countBelow(shift, blocks: blocks, assembly: .kronecker)
            XCTAssertGreaterThanOrEqual(kronecker.uncertainty, eta * (1 - 1e-10), "shift \(shift)")
            // The count itself: eigenvalues of M below the shift (all ≥ 0.04 away from it, η ≈ 4e-16).
            XCTAssertEqual(perSample.below, try LAPACK.eigenvalues(m).filter { $0 < shift }.count, "shift \(shift)")
        }
    }

    /// A point where 0.1δ < η < δ must come out unresolved: the paired saddle at K=2, d=3, n=2,
    /// τ=4 (η = 0.33δ per-sample, 0.50δ Kronecker; the counts there even equal the dense ones).
    /// Counts are exact inertia only when η ≤ 0.1δ, so the analysis keeps Lanczos's index as a
    /// lower bound, says so, and leaves the zero count unknown.
    func testRoundingEstimateBetweenTenthAndOneDeltaIsUnresolved() throws {
        let model = try NormalizedFeatureModel(K: 2, d: 3, n: 2, tau: 4)
        let x = ScaleBenchmark.pairedSaddle(model, seed: 3)
        var options = AnalysisOptions(method: .lanczos)
        options.structuredInertiaMaxFlops = 1e12
        let a = try LandscapeAnalyzer.analyze(model, at: x, options: options)
        let counts = try XCTUnwrap(a.structuredCounts, "the counts were not computed")
        XCTAssertGreaterThan(counts.roundingEstimate, 0.1 * a.delta, "the case left the band (0.1δ, δ)")
        XCTAssertLessThan(counts.roundingEstimate, a.delta, "the case left the band (0.1δ, δ)")
        XCTAssertFalse(counts.resolved, "η = \(counts.roundingEstimate / a.delta) δ")
        XCTAssertFalse(a.inertiaExact)
        XCTAssertEqual(a.inertia.zero, -1, "unknown: unresolved counts are not the inertia")
        XCTAssertTrue(a.notes.contains { $0.contains("not resolved") && $0.contains("lower bound") }, "\(a.notes)")
        XCTAssertEqual(a.classification, .strictSaddle)
        let dense = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense))
        XCTAssertEqual(dense.index, 2)
        XCTAssertLessThanOrEqual(a.index, dense.index, "Lanczos's index is a lower bound")
        XCTAssertGreaterThan(a.index, 0)
    }

    /// The fused Lanczos operator equals Hess(Pv) on the tangent part plus σ on the normal part,
    /// with and without sample weights (the stacked-operand gemms must keep `c_j` in `G` and `Ġ`).
    func testShiftedOperatorMatchesComposition() throws {
        let plain = try NormalizedFeatureModel(d: 4, counts: [2, 3, 1], tau: 2.5, labelSmoothing: 0.1)
        let weighted = try NormalizedFeatureModel(plain.spec, weights: [1, 2, 0.5, 3, 1, 4], normalization: 7)
        for model in [plain, weighted] { try checkShiftedOperator(model) }
    }

    func checkShiftedOperator(_ model: NormalizedFeatureModel, tolerance: Double = 1e-14) throws {
        var rng = SeededGenerator(seed: 12)
        let x = model.manifold.randomPoint(using: &rng)
        let fo = model.firstOrder(at: x)
        let (d, cols) = (model.d, model.K + model.N)
        let op = TangentHessianOperator(model: model, at: x, firstOrder: fo, normalShift: 0.7)
        var got = [Double](repeating: .nan, count: d * cols)
        // The second product goes through the same workspaces and must not see the first one's data.
        for _ in 0 ..< 2 {
            let v = Matrix(rows: d, cols: cols, columnMajor: rng.normals(d * cols))
            let pv = model.manifold.project(x, v)
            let expected = model.riemannianHessianVectorProduct(at: x, firstOrder: fo, direction: pv) + 0.7 * (v - pv)
            op.apply(v.storage, into: &got)
            let scale = expected.storage.map(abs).max()!   // entries scale like 1/N: compare relatively
            XCTAssertLessThan(Matrix.maxAbsDifference(Matrix(rows: d, cols: cols, columnMajor: got), expected), tolerance * scale)
        }
    }

    /// Above 2^18 entries the operator's column passes run on two threads; the result must be
    /// the same as the composition (rounding only: the sums are the same, in the same order).
    func testShiftedOperatorTwoThreadPasses() throws {
        let model = try NormalizedFeatureModel(K: 70, d: 8, n: 500, tau: 2)   // (K+N)d = 280 560, NK = 2.45e6
        let saved = BLASRuntime.threads
        BLASRuntime.setThreads(2)                 // the two-thread path runs only when BLAS may thread
        defer { BLASRuntime.setThreads(saved) }
        try checkShiftedOperator(model, tolerance: 1e-13)
    }

    func testARPACKResidualsAndOrdering() throws {
        // Diagonal test operator with known spectrum 1…n.
        let n = 200
        var rng = SeededGenerator(seed: 1)
        let r = try Lanczos.eigenpairs(dimension: n, count: 3, which: .smallestAlgebraic, start: rng.normals(n)) { v in
            v.enumerated().map { Double($0.offset + 1) * $0.element }
        }
        XCTAssertEqual(r.values.count, 3)
        for (a, b) in zip(r.values, [1.0, 2, 3]) { XCTAssertEqual(a, b, accuracy: 1e-10) }
        for res in r.residuals { XCTAssertLessThan(res, 1e-9) }
    }
}
