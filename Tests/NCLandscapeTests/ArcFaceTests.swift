#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import XCTest
@testable import NCLandscape

/// ArcFace (docs/formulas.md §11): derivatives, its larger per-sample state, its bound, and the
/// refusal at the collapsed point, where it is not twice differentiable.
final class ArcFaceTests: CommandLineTestCase {
    override var folderPrefix: String { "nclandscape-arcface" }

    /// Balanced and imbalanced, small and large margins (m = 1.5 puts θ_y + m past π/2, where
    /// cos(θ+m) is negative), moderate and larger τ.
    func arcModels() throws -> [NormalizedFeatureModel] {
        [try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 2, loss: .arcface(margin: 0.5)),
         try NormalizedFeatureModel(d: 3, counts: [3, 1, 2], tau: 5, loss: .arcface(margin: 0.2)),
         try NormalizedFeatureModel(K: 4, d: 3, n: 2, tau: 1.5, loss: .arcface(margin: 1.5))]
    }

    /// Taylor test along `R_x(tξ)` at random points (where no θ_y is near 0 or π): first-order
    /// error slope 2 (the gradient), second-order slope 3 (the Hessian-vector product).
    func testTaylorSlopes() throws {
        for (i, model) in try arcModels().enumerated() {
            var rng = SeededGenerator(seed: UInt64(40 + i))
            let x = model.manifold.randomPoint(using: &rng)
            XCTAssertNil(model.firstOrder(at: x).notTwiceDifferentiable, "model \(i): a random point is off the kink")
            let xi = model.manifold.randomTangent(at: x, using: &rng)
            // One decade below DerivativeTests' steps: the third derivative grows like sin⁻⁵θ_y, so
            // with a sample at θ_y ≈ 0.3 the cubic regime only starts near t = 0.03 (from t = 0.1
            // the second-order slope was 2.84, then 2.95, 2.99, 3.00). Errors at t = 3e-4
            // (≥ ~1e-12) stay far above f's ~1e-15 roundoff.
            assertTaylorSlopes(model, at: x, direction: xi, steps: [3e-2, 1e-2, 3e-3, 1e-3, 3e-4], "model \(i)")
        }
    }

    /// The Euclidean Hessian-vector product against central differences of the gradient (error
    /// O(h²): ψ''' ∝ s⁻⁵ is O(10) at random points, so ≈ 1e-9 at h = 1e-5, below the 1e-6
    /// tolerance and far above roundoff), and the dense Hessian (diagonal + the factor Jp) against
    /// the matrix of Hessian-vector products.
    func testHessianProductAndDenseAssembly() throws {
        for (i, model) in try arcModels().enumerated() {
            var rng = SeededGenerator(seed: UInt64(50 + i))
            let x = model.manifold.randomPoint(using: &rng)
            let v = Matrix(rows: model.d, cols: model.K + model.N, columnMajor: rng.normals(model.d * (model.K + model.N)))
            let h = 1e-5
            let fd = (1 / (2 * h)) * (model.firstOrder(at: x + h * v).euclideanGradient - model.firstOrder(at: x - h * v).euclideanGradient)
            let hv = model.euclideanHessianVectorProduct(at: x, firstOrder: model.firstOrder(at: x), direction: v)
            XCTAssertLessThan(Matrix.maxAbsDifference(fd, hv), 1e-6, "model \(i)")
            let dense = model.denseRiemannianHessian(at: x).matrix, byProducts = hessianFromProducts(model, x)
            let scale = max(1, byProducts.storage.map(abs).max()!)
            // Sums of O(K+N) rounded terms either way: 1e-12 relative is roundoff level.
            XCTAssertLessThan(Matrix.maxAbsDifference(dense, byProducts) / scale, 1e-12, "model \(i)")
        }
    }

    /// The loss keeps K + 3 numbers per sample (p, ψ', ψ'', cos θ_y), not K: the model's state
    /// has that many rows, and the kernel reads its extras back.
    func testStateHasTheLossesOwnSize() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 2, loss: .arcface(margin: 0.5))
        XCTAssertEqual(model.sampleLoss.stateCount(K: 3), 6)
        var rng = SeededGenerator(seed: 3)
        let x = model.manifold.randomPoint(using: &rng)
        let fo = model.firstOrder(at: x)
        XCTAssertEqual(fo.lossState.rows, 6)
        // The stored cosine is the target logit over τ.
        let z = BLAS.product(.t, model.classifiers(x), .n, model.features(x), alpha: 2)
        for j in 0 ..< model.N { XCTAssertEqual(fo.lossState[5, j], z[model.labels[j], j] / 2, accuracy: 1e-15) }
    }

    /// The bound holds only where its argument does: balanced, cos m ≥ (K−2)/(2(K−1)); at m = 0
    /// it is cross-entropy's f*; the ETF meets it and random points stay above it.
    func testBound() throws {
        let m0 = try NormalizedFeatureModel(K: 4, d: 5, n: 2, tau: 3, loss: .arcface(margin: 0))
        let ce = try NormalizedFeatureModel(K: 4, d: 5, n: 2, tau: 3)
        // Same formula, evaluated in two orders (τ(1 + 1/3) vs τ·4/3): a few ulps apart.
        XCTAssertEqual(m0.optimalLoss!, ce.optimalLoss!, accuracy: 1e-15)
        // K = 10: (K−2)/(2(K−1)) = 4/9, so m = 1.2 (cos 0.36) has no bound, m = 1.0 (cos 0.54) has.
        XCTAssertNil(try NormalizedFeatureModel(K: 10, d: 11, n: 1, tau: 2, loss: .arcface(margin: 1.2)).lossBound)
        XCTAssertNotNil(try NormalizedFeatureModel(K: 10, d: 11, n: 1, tau: 2, loss: .arcface(margin: 1.0)).optimalLoss)
        XCTAssertNil(try NormalizedFeatureModel(d: 4, counts: [3, 1, 1], tau: 2, loss: .arcface(margin: 0.5)).lossBound)
        for (K, m, tau) in [(3, 0.5, 2.0), (5, 0.8, 8.0), (2, 1.5, 4.0)] {
            let model = try NormalizedFeatureModel(K: K, d: K + 1, n: 2, tau: tau, loss: .arcface(margin: m))
            let expected = log1p(Double(K - 1) * exp(-tau * (cos(m) + 1 / Double(K - 1))))
            // Recomputed here independently of the loss's code; both are one log1p of one exp.
            XCTAssertEqual(model.optimalLoss!, expected, accuracy: 1e-14 * max(1, expected))
            var rng = SeededGenerator(seed: 9)
            let etf = try SpecialPoints.make(.etf, model: model, rng: &rng)
            XCTAssertTrue(model.lossBound!.isMet(by: model.loss(at: etf)), "K=\(K) m=\(m) τ=\(tau)")
            for _ in 0 ..< 50 {
                XCTAssertGreaterThanOrEqual(model.loss(at: model.manifold.randomPoint(using: &rng)), expected, "K=\(K) m=\(m) τ=\(tau)")
            }
        }
        assertThrowsInput(try LossFunction.make(kind: "arcface", parameters: ["margin": 2]), contains: "must lie in [0, π/2]")
        assertThrowsInput(try NormalizedFeatureModel(K: 3, d: 4, n: 1, tau: 2, labelSmoothing: 0.1, loss: .arcface(margin: 0.5)),
                          contains: "takes no label smoothing")
    }

    /// At the ETF every h_j = w_{y_j}: θ_y = 0, where ArcFace is not twice differentiable. The
    /// analysis refuses the point in one line; a sweep records the refusal per configuration and
    /// runs to the end (no LAPACK error on infinite derivatives, no aborted sweep).
    func testRefusalAtTheCollapsedPointThroughTheBinary() throws {
        XCTAssertEqual(try run(["point", "etf", "--K", "3", "--d", "4", "--n", "2", "--tau", "2", "--loss", "arcface", "-o", "etf.json"]).status, 0)
        let spectrum = try run(["spectrum", "etf.json", "--json"])
        XCTAssertEqual(spectrum.status, 1)
        XCTAssertFalse(spectrum.signaled)
        XCTAssertTrue(spectrum.stderr.contains("loss arcface-m0.5 is not twice differentiable at this point: sample 0: θ_y = 0"), spectrum.stderr)
        XCTAssertFalse(spectrum.stderr.contains("NaN"), spectrum.stderr)

        let sweep = try run(["sweep", "--K", "2,3", "--d", "3", "--loss", "cross-entropy,arcface", "--starts", "2", "--jobs", "1", "--out", "sw.jsonl"])
        XCTAssertEqual(sweep.status, 0, sweep.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/sw.jsonl.failed.jsonl"))
        let lines = try String(contentsOfFile: dir + "/sw.jsonl", encoding: .utf8).split(separator: "\n")
        let results = try lines.map { try JSONDecoder().decode(SweepResult.self, from: Data($0.utf8)) }
        XCTAssertEqual(results.count, 4)
        for r in results where r.config.loss.kind == "arcface" {
            XCTAssertGreaterThan(r.tasksNotTwiceDifferentiable ?? 0, 0, r.key)
            XCTAssertTrue(r.refusal?.contains("not twice differentiable at this point") ?? false, r.key)
            XCTAssertNotEqual(r.verdict, .benign, "a refused point may be anything: \(r.key)")
        }
        for r in results where r.config.loss.kind == "cross-entropy" { XCTAssertNil(r.tasksNotTwiceDifferentiable) }
    }
}
