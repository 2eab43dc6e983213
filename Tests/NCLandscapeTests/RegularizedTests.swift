import XCTest
@testable import NCLandscape

/// The regularized (Euclidean) unconstrained feature model through the generic analysis, and the
/// manifold protocol's Euclidean and product instances.
final class RegularizedTests: XCTestCase {
    /// One model per loss, without and with bias, in the theorem's regime (d > K) and with the
    /// origin a strict saddle.
    func problems() throws -> [RegularizedObjective] {
        [try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 5e-3, lambdaH: 1e-2, loss: .crossEntropy),
         try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 5e-3, lambdaH: 1e-2, loss: .mse),
         try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 5e-3, lambdaH: 1e-2, loss: .crossEntropy, lambdaB: 2e-2),
         try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 5e-3, lambdaH: 1e-2, loss: .mse, lambdaB: 2e-2)]
    }

    /// Gaussian entries (the pinned constant row of a bias model at 1).
    func randomPoint(_ p: RegularizedObjective, seed: UInt64, scale: Double = 0.7) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        var x = Matrix(rows: p.rows, cols: p.K + p.N, columnMajor: rng.normals(p.rows * (p.K + p.N)).map { scale * $0 })
        for i in p.manifold.pinned { x.storage[i] = 1 }
        return x
    }

    /// The Hessian in the manifold's frame by central differences of the Euclidean gradient along
    /// each frame vector (the space is flat: `Hess f = P ∇²f P`), symmetrized.
    func finiteDifferenceHessian(_ p: RegularizedObjective, at x: Matrix, h: Double = 1e-4) -> Matrix {
        let frame = p.manifold.tangentBasis(at: x)
        let n = frame.dimension
        var fd = Matrix(rows: n, cols: n)
        for c in 0 ..< n {
            var e = [Double](repeating: 0, count: n); e[c] = 1
            let v = frame.vector(from: e)
            let dg = (1 / (2 * h)) * (p.firstOrder(at: x + h * v).euclideanGradient - p.firstOrder(at: x - h * v).euclideanGradient)
            fd.setColumn(c, frame.coordinates(of: dg))
        }
        for j in 0 ..< n { for i in 0 ..< j { let s = 0.5 * (fd[i, j] + fd[j, i]); fd[i, j] = s; fd[j, i] = s } }
        return fd
    }

    /// The dense Hessian the generic path assembles from Hessian-vector products against an
    /// independent one: central differences of the gradient along each coordinate. Error
    /// O(h²·f''') ≈ 1e-8 at h = 1e-4 plus rounding ε‖∇f‖/h ≈ 1e-12, so 1e-6 ‖M‖ has room both ways.
    func testHessianMatchesFiniteDifferenceHessian() throws {
        for (i, p) in try problems().enumerated() {
            let x = randomPoint(p, seed: UInt64(3 + i))
            let (m, _) = p.denseHessian(at: x, firstOrder: p.firstOrder(at: x))
            let fd = finiteDifferenceHessian(p, at: x)
            XCTAssertEqual(m.rows, p.hessianSize)
            let scale = try LAPACK.eigenvalues(m).map(abs).max()!
            XCTAssertLessThan(Matrix.maxAbsDifference(m, fd), 1e-6 * scale, "\(p.loss)")
        }
    }

    /// The gradient against central differences of the cost (error O(h²) ≈ 1e-10 at h = 1e-5).
    func testGradientMatchesFiniteDifferences() throws {
        for (i, p) in try problems().enumerated() {
            let x = randomPoint(p, seed: UInt64(30 + i))
            let g = p.firstOrder(at: x).euclideanGradient
            for c in stride(from: 0, to: x.storage.count, by: 5) where !p.manifold.pinned.contains(c) {
                var xp = x, xm = x
                xp.storage[c] += 1e-5; xm.storage[c] -= 1e-5
                let fd = (p.loss(at: xp) - p.loss(at: xm)) / 2e-5
                XCTAssertEqual(g.storage[c], fd, accuracy: 1e-8 * max(1, abs(fd)), "\(p.loss) coordinate \(c)")
            }
        }
    }

    /// The papers' minimizer is critical, a global minimizer by the analyzer with exactly the
    /// O(d) nullity as zeros, and its value is the best any descent from random starts finds:
    /// the descents know nothing of the closed form, so agreement to 1e-9 checks both.
    func testClosedFormOptimumAgainstDescents() throws {
        for p in try problems() {
            // MSE with a bias has no closed form here (the bias absorbs the targets' mean).
            guard !(p.hasBias && p.loss == .mse) else { XCTAssertNil(p.optimum); continue }
            let opt = try XCTUnwrap(p.optimum)
            XCTAssertGreaterThan(opt.classifierNormSquared, 0, "regime with a nonzero minimizer")
            let x = try opt.point(p)
            XCTAssertEqual(p.loss(at: x), opt.value, accuracy: 1e-14 * max(1, opt.value))
            let a = try LandscapeAnalyzer.analyze(p, at: x)
            XCTAssertEqual(a.classification, .globalMinimizer, "\(p.loss)")
            XCTAssertEqual(a.inertia.zero, a.symmetryNullity, "only the O(d) orbit is flat, \(p.loss)")
            XCTAssertGreaterThan(try XCTUnwrap(a.quotientLambdaMin), a.delta)
            var best = Double.infinity
            for s in 0 ..< 4 {
                let r = RiemannianTrustRegion().minimize(p, from: randomPoint(p, seed: 100 + UInt64(s)),
                                                         criteria: StoppingCriteria(maxIterations: 500, gradientTolerance: 1e-12, recordEvery: 0),
                                                         observer: nil)
                // No descent goes below the proven optimum (beyond rounding of f, ~1e-15).
                XCTAssertGreaterThanOrEqual(r.loss, opt.value - 1e-12, "\(p.loss)")
                best = min(best, r.loss)
            }
            XCTAssertEqual(best, opt.value, accuracy: 1e-9 * opt.value, "\(p.loss)")
        }
    }

    /// `W = H = 0` is critical; its Hessian is `[[λ_W I, C], [Cᵀ, λ_H I]]` with `C: Ḣ ↦ Ḣ Gᵀ/N`,
    /// `σ_max(G)/N = 1/(K√n)` for both losses, so `λ_min = (λ_W+λ_H)/2 − √(((λ_W−λ_H)/2)² + 1/(K²n))`.
    /// With a bias the origin's `b` block is decoupled and positive (`λ_b + Λ`), and for MSE its
    /// critical `b = 1/(K(1+λ_b))·1` leaves `σ_max(G) = √n` (the `1` direction has `√n |1 − Kb|`).
    func testOriginIsTheSaddleThePaperPredicts() throws {
        for p in try problems() {
            var rng = SeededGenerator(seed: 0)
            let x = try p.specialPoint(.origin, rng: &rng)
            let a = try LandscapeAnalyzer.analyze(p, at: x)
            let (lw, lh) = (p.lambdaW, p.lambdaH)
            let sigma2 = 1 / (Double(p.K * p.K) * Double(p.counts[0]))
            let expected = (lw + lh) / 2 - (((lw - lh) / 2) * ((lw - lh) / 2) + sigma2).squareRoot()
            XCTAssertEqual(a.classification, .strictSaddle)
            XCTAssertEqual(a.lambdaMin, expected, accuracy: 1e-12 * abs(expected))
            XCTAssertEqual(a.symmetryNullity, 0, "rank 0: the orbit is a point")
        }
        // Strong regularization: t* = 0 and the origin is the global minimizer (c ≤ λ_W K).
        let strong = try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 0.5, lambdaH: 0.5)
        XCTAssertEqual(try XCTUnwrap(strong.optimum).classifierNormSquared, 0)
        XCTAssertEqual(try LandscapeAnalyzer.analyze(strong, at: Matrix(rows: 4, cols: 9)).classification, .globalMinimizer)
    }

    /// Newton polishing is generic: from a perturbed minimizer it returns to the critical set.
    func testNewtonPolishingOnEuclideanSpace() throws {
        let p = try problems()[0]
        let x = try XCTUnwrap(p.optimum).point(p) + 1e-3 * randomPoint(p, seed: 9, scale: 1)
        let r = try NewtonPolisher.polish(p, from: x)
        XCTAssertTrue(r.converged)
        XCTAssertEqual(p.loss(at: r.point), try XCTUnwrap(p.optimalLoss), accuracy: 1e-12)
    }

    func testInvalidRegularizationIsRefused() {
        assertThrowsInput(try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 0, lambdaH: 1e-2), contains: "--lambda-w")
        assertThrowsInput(try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 1e-2, lambdaH: .nan), contains: "--lambda-h")
        assertThrowsInput(try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 1e-2, lambdaH: 1e-2, lambdaB: 0), contains: "b → b + s·1")
        XCTAssertNoThrow(try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 1e-2, lambdaH: 1e-2, loss: .mse, lambdaB: 0))
    }

    /// Euclidean space and a column product (sphere × Euclidean) satisfy the manifold contract:
    /// frames are orthonormal and round-trip tangent vectors, projections are idempotent, and the
    /// product acts factor by factor.
    func testManifoldInstances() throws {
        var rng = SeededGenerator(seed: 4)
        let e = EuclideanSpace(rows: 3, cols: 2)
        let v = Matrix(rows: 3, cols: 2, columnMajor: rng.normals(6))
        XCTAssertEqual(e.tangentBasis(at: v).vector(from: e.tangentBasis(at: v).coordinates(of: v)).storage, v.storage)
        let prod = ProductManifold(ProductOfSpheres.sphere(dimension: 3), e)
        XCTAssertEqual(prod.dimension, 2 + 6)
        let x = Matrix(rows: 3, cols: 3, columnMajor: ProductOfSpheres.normalizeColumns(Matrix(rows: 3, cols: 1, columnMajor: rng.normals(3))).storage + rng.normals(6))
        let g = Matrix(rows: 3, cols: 3, columnMajor: rng.normals(9))
        let pg = prod.project(x, g)
        // Sphere column: orthogonal to x_0; Euclidean columns untouched.
        XCTAssertEqual(Vector.dot(x.column(0), pg.column(0)), 0, accuracy: 1e-15)
        XCTAssertEqual(Array(pg.storage[3...]), Array(g.storage[3...]))
        XCTAssertLessThan(Matrix.maxAbsDifference(prod.project(x, pg), pg), 1e-15)
        let frame = prod.tangentBasis(at: x)
        XCTAssertEqual(frame.dimension, 8)
        let back = frame.vector(from: frame.coordinates(of: pg))
        XCTAssertLessThan(Matrix.maxAbsDifference(back, pg), 1e-14)
        let y = prod.retract(x, 0.1 * pg)
        XCTAssertEqual(Vector.norm(y.column(0)), 1, accuracy: 1e-15)
    }
}

extension RegularizedTests {
    /// Every label of a census agrees with an independent finite-difference Hessian: its index
    /// (eigenvalues below −δ) and its zero count equal the analyzer's. Central differences of
    /// the gradient at h = 1e-4 are accurate to ~1e-8 ‖M‖ (see above), far below δ's neighbours:
    /// the census points' smallest nonzero |λ| are O(λ_W) = 5e-3, so the counts are stable.
    func testCensusLabelsAgreeWithFiniteDifferenceHessian() throws {
        for p in try problems() {
            let r = try LandscapeCensus.run(p, ansatz: p.ansatzStarts(), randomStarts: 6, seed: 1, jobs: 1) { rng in
                (try? p.specialPoint(.random, rng: &rng)) ?? p.emptyPoint()
            }
            XCTAssertEqual(r.verdict, .benign, "\(p.loss)")
            XCTAssertGreaterThanOrEqual(r.points.count, 3, "optimum, a grouping and the origin at least, \(p.loss)")
            for q in r.points {
                let x = Matrix(rows: p.rows, cols: p.K + p.N, columnMajor: (q.classifiers + q.features).flatMap { $0 })
                let ev = try LAPACK.eigenvalues(finiteDifferenceHessian(p, at: x))
                // Zero threshold of the finite-difference spectrum: its error (1e-8 ‖M‖) times 100.
                let tol = 1e-6 * max(abs(ev.first!), abs(ev.last!))
                XCTAssertEqual(ev.filter { $0 < -tol }.count, q.index, "\(p.loss) point \(q.id) \(q.origin)")
                XCTAssertEqual(ev.filter { abs($0) <= tol }.count, q.zeroEigenvalues, "\(p.loss) point \(q.id) \(q.origin)")
            }
        }
    }
}

extension RegularizedTests {
    /// `--jobs` changes only the speed of a census: the same points, bit for bit.
    func testCensusDoesNotDependOnJobs() throws {
        let p = try RegularizedObjective(K: 4, d: 5, n: 2, lambdaW: 5e-3, lambdaH: 1e-2)
        let runs = try [1, 2].map { jobs in
            try LandscapeCensus.run(p, ansatz: p.ansatzStarts(), randomStarts: 8, seed: 3, jobs: jobs) { rng in
                (try? p.specialPoint(.random, rng: &rng)) ?? p.emptyPoint()
            }
        }
        XCTAssertEqual(runs[0].points.map(\.loss), runs[1].points.map(\.loss))
        XCTAssertEqual(runs[0].points.map(\.hits), runs[1].points.map(\.hits))
    }
}
