#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import XCTest
@testable import NCLandscape

/// The loss family: file compatibility, parameter validation, proven optimal values, sweeps.
final class LossTests: XCTestCase {
    func pointJSON(loss: String?) -> Data {
        let lossKey = loss.map { ",\"loss\":\($0)" } ?? ""
        return Data("""
        {"K":3,"d":4,"tau":2.5,"labelSmoothing":0.1,"labels":[0,1,2,0],
         "classifiers":[[1,0,0,0],[0,1,0,0],[0,0,1,0]],
         "features":[[0.6,0.8,0,0],[0,0.6,0.8,0],[0.8,0,0.6,0],[0,0,0,1]]\(lossKey)}
        """.utf8)
    }

    /// A point file written before losses existed (no `loss` key) is cross-entropy and gives the
    /// same numbers, bit for bit, as the same file with the loss named explicitly.
    func testOldPointFilesAreCrossEntropy() throws {
        let (old, x) = try PointFile.decode(from: pointJSON(loss: nil), source: "old.json").load()
        let (named, y) = try PointFile.decode(from: pointJSON(loss: "{\"kind\":\"cross-entropy\"}"), source: "new.json").load()
        XCTAssertEqual(old.loss, .crossEntropy)
        XCTAssertEqual(old, named)
        let a = try LandscapeAnalyzer.analyze(old, at: x), b = try LandscapeAnalyzer.analyze(named, at: y)
        XCTAssertEqual(a.loss, b.loss)
        XCTAssertEqual(a.eigenvalues, b.eigenvalues)
        XCTAssertEqual(old.firstOrder(at: x).euclideanGradient, named.firstOrder(at: y).euclideanGradient)
        // And the file round-trips with its loss.
        let focal = try PointFile.decode(from: pointJSON(loss: "{\"kind\":\"focal\",\"gamma\":1.5}").replacingLabelSmoothing(), source: "f")
        XCTAssertEqual(focal.model.loss, .focal(gamma: 1.5))
        let again = try PointFile.decode(from: JSONOutput.encode(focal), source: "again")
        XCTAssertEqual(again.model, focal.model)
    }

    /// Parameters that do not belong to the kind, or are out of range, are refused with a reason.
    func testLossParametersAreValidated() {
        func decode(_ loss: String) throws -> PointFile { try PointFile.decode(from: pointJSON(loss: loss), source: "p.json") }
        assertThrowsInput(try decode("{\"kind\":\"focal\",\"margin\":0.2}"), contains: "margin belongs to the cosface")
        assertThrowsInput(try decode("{\"kind\":\"cosface\",\"gamma\":2}"), contains: "gamma belongs to the focal loss")
        assertThrowsInput(try decode("{\"kind\":\"cross-entropy\",\"gamma\":2}"), contains: "gamma belongs to the focal loss")
        assertThrowsInput(try decode("{\"kind\":\"focal\",\"gamma\":-1}"), contains: "must be finite and ≥ 0")
        assertThrowsInput(try decode("{\"kind\":\"cosface\",\"margin\":3}"), contains: "margin m must lie in [0, 2]")
        assertThrowsInput(try decode("{\"kind\":\"no-such-loss\"}"), contains: "unknown loss kind")
        // Focal takes no label smoothing (this file has ε = 0.1).
        assertThrowsInput(try decode("{\"kind\":\"focal\",\"gamma\":2}").load(), contains: "takes no label smoothing")
        XCTAssertEqual(try LossFunction.make(kind: "focal", parameters: [:]), .focal(gamma: 2))
        XCTAssertEqual(try LossFunction.make(kind: "cosface", parameters: [:]), .cosface(margin: 0.35))
    }

    /// CosFace: the ETF is the global minimizer with f* = log(1 + (K−1) exp(−τ(K/(K−1) − m)))
    /// (docs/formulas.md §11), at moderate and saturated τ; a margin larger than the ETF's
    /// cosine gap K/(K−1) still has the same minimizer.
    func testCosFaceOptimum() throws {
        for (tau, m) in [(2.0, 0.35), (8, 0.2), (64, 0.5), (4, 1.5)] {
            let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: tau, loss: .cosface(margin: m))
            let expected = log1p(3 * exp(-tau * (4.0 / 3 - m)))
            XCTAssertEqual(try XCTUnwrap(model.optimalLoss) / expected, 1, accuracy: 1e-14, "τ=\(tau) m=\(m)")
            var rng = SeededGenerator(seed: 0)
            let x = try SpecialPoints.make(.etf, model: model, rng: &rng)
            let a = try LandscapeAnalyzer.analyze(model, at: x)
            XCTAssertEqual(a.classification, .globalMinimizer, "τ=\(tau) m=\(m)")
            XCTAssertEqual(a.loss / expected, 1, accuracy: 1e-12)
        }
        // m = 0 is plain cross-entropy.
        let plain = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 3), zero = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 3, loss: .cosface(margin: 0))
        var rng = SeededGenerator(seed: 1)
        let x = plain.manifold.randomPoint(using: &rng)
        XCTAssertEqual(plain.loss(at: x), zero.loss(at: x), accuracy: 1e-15)
    }

    /// Focal: γ = 0 is cross-entropy; the ETF value is proven (and the ETF labelled a global
    /// minimizer) where the supporting-tangent condition holds, and not claimed where it fails.
    func testFocalOptimumAndItsCondition() throws {
        var rng = SeededGenerator(seed: 2)
        let ce = try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 2), f0 = try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 2, loss: .focal(gamma: 0))
        let x = ce.manifold.randomPoint(using: &rng)
        XCTAssertEqual(ce.loss(at: x), f0.loss(at: x), accuracy: 1e-14)
        for gamma in [0.5, 1, 2, 5] {
            for tau in [2.0, 8, 64] {
                let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: tau, loss: .focal(gamma: gamma))
                let a3 = 3 * exp(-tau * 4 / 3)
                let expected = pow(a3 / (1 + a3), gamma) * log1p(a3)
                XCTAssertEqual(try XCTUnwrap(model.optimalLoss, "γ=\(gamma) τ=\(tau)") / expected, 1, accuracy: 1e-12)
                let e = try SpecialPoints.make(.etf, model: model, rng: &rng)
                XCTAssertEqual(try LandscapeAnalyzer.analyze(model, at: e).classification, .globalMinimizer, "γ=\(gamma) τ=\(tau)")
            }
        }
        // Only the reachable mean margins [−2τ, 2τ] matter. At K = 10, γ = 2, τ = 0.01 the tangent
        // supports χ there (40-digit check: smallest gap 4.2e-12 ≥ 0, χ''(u₀) = 0.106) although it
        // crosses χ further right (χ'(u₀) = 1.10 > 1): the ETF value is proven. On the whole line
        // it is not, and a range that reaches far enough must say so.
        XCTAssertTrue(FocalLoss.tangentSupports(K: 10, margin: 0.01 * 10 / 9, gamma: 2, reach: 0.02))
        XCTAssertFalse(FocalLoss.tangentSupports(K: 10, margin: 0.01 * 10 / 9, gamma: 2, reach: 400))
        XCTAssertNotNil(try NormalizedFeatureModel(K: 10, d: 11, n: 1, tau: 0.01, loss: .focal(gamma: 2)).optimalLoss)
        // K = 10, γ = 2, τ = 0.5: χ'(u₀) = 1.00215 > 1, supported on [−1, 1] (smallest gap 2.6e-8).
        XCTAssertNotNil(try NormalizedFeatureModel(K: 10, d: 11, n: 1, tau: 0.5, loss: .focal(gamma: 2)).optimalLoss)
        XCTAssertTrue(FocalLoss.tangentSupports(K: 4, margin: 2 * 4 / 3, gamma: 2, reach: 4))
        // No bound for imbalanced classes (the mean-margin argument needs balance).
        XCTAssertNil(try NormalizedFeatureModel(d: 5, counts: [3, 1, 1, 1], tau: 2, loss: .focal(gamma: 2)).lossBound)
    }

    /// Focal γ = 5 at τ = 64: gradient magnitudes near the ETF are ~1e-250, whose squares
    /// underflow. γ (the rounding scale of the gradient) must stay positive, Newton must converge
    /// back to the ETF from a nearby point (it never did while γ underflowed to 0), and the
    /// double-range refusal must count the focal decay rate 1 + γ.
    func testFocalDeepSaturation() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 3, n: 2, tau: 64, loss: .focal(gamma: 5))
        var rng = SeededGenerator(seed: 4)
        let e = try SpecialPoints.make(.etf, model: model, rng: &rng)
        let fo = model.firstOrder(at: e)
        XCTAssertGreaterThan(fo.gradientScale, 0)
        XCTAssertLessThan(fo.gradientScale, 1e-200)
        var xi = model.manifold.project(e, Matrix(rows: 3, cols: 3 + 6, columnMajor: rng.normals(27)))
        xi = (1e-3 / xi.frobeniusNorm) * xi
        for dense in [true, false] {
            let p = try NewtonPolisher.polish(model, from: model.manifold.retract(e, xi), denseMaxSize: dense ? 1000 : 0)
            XCTAssertTrue(p.converged, "dense \(dense): \(p.stop) at ‖grad‖ \(p.gradientNorm)")
            XCTAssertEqual(model.loss(at: p.point) / model.optimalLoss!, 1, accuracy: 1e-9)
        }
        // Gap τK/(K−1) = 96 alone is far inside double range; times 1 + γ = 6 it is 576 < 650
        // (analyzed), and at τ = 120 (gap 180, 1080 > 650) it is refused.
        XCTAssertEqual(try LandscapeAnalyzer.analyze(model, at: e).classification, .globalMinimizer)
        let far = try NormalizedFeatureModel(K: 3, d: 3, n: 2, tau: 120, loss: .focal(gamma: 5))
        XCTAssertThrowsError(try LandscapeAnalyzer.analyze(far, at: e)) { error in
            XCTAssertTrue("\(error)".contains("decay rate 6"), "\(error)")
        }
    }

    /// The sweep's loss axis: cross-entropy once, focal per γ, cosface per m; focal skips ε > 0.
    func testSweepLossAxis() throws {
        var g = SweepGrid()
        g.K = [3]; g.d = ["4"]; g.n = [1]; g.tau = [2]; g.labelSmoothing = [0, 0.1]
        g.loss = ["cross-entropy", "focal", "cosface"]; g.parameters = ["gamma": [1, 2], "margin": [0, 0.2, 0.35]]
        let configs = try g.configurations()
        // cross-entropy: 2 ε; focal: 2 γ × ε = 0 only; cosface: 3 m × 2 ε.
        XCTAssertEqual(configs.count, 2 + 2 + 6)
        XCTAssertEqual(Set(configs.map(\.key)).count, configs.count)
        XCTAssertEqual(configs.filter { $0.loss == .crossEntropy }.map(\.key), ["K3-d4-n1-imb1.0-tau2.0-eps0.0", "K3-d4-n1-imb1.0-tau2.0-eps0.1"])
        XCTAssertTrue(configs.contains { $0.key == "K3-d4-n1-imb1.0-tau2.0-eps0.1-cosface-m0.35" })
        // A sweep line written before the model description (flat coordinates) still reads.
        let legacy = Data("{\"K\":3,\"d\":4,\"n\":1,\"tau\":2,\"labelSmoothing\":0,\"imbalance\":1}".utf8)
        let c = try JSONDecoder().decode(SweepConfiguration.self, from: legacy)
        XCTAssertEqual(c.key, "K3-d4-n1-imb1.0-tau2.0-eps0.0")
        XCTAssertEqual(c.loss, .crossEntropy)
    }
}

extension Data {
    /// The test point with ε = 0 (for losses that take no label smoothing).
    func replacingLabelSmoothing() -> Data {
        Data(String(decoding: self, as: UTF8.self).replacingOccurrences(of: "\"labelSmoothing\":0.1", with: "\"labelSmoothing\":0").utf8)
    }
}
