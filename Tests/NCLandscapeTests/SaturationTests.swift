#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import XCTest
@testable import NCLandscape

/// Saturated softmax: the quantities that are tiny at large τ must be computed to relative
/// precision, not as differences of O(1) numbers.
final class SaturationTests: XCTestCase {
    /// At logits (0, −g, −g, −g) with g = 133 (the neural-collapse gap at τ = 100, K = 4), the
    /// closed forms are ℓ = log1p(3e^{−g}), ∂ℓ/∂z_y = −3e^{−g}/(1+3e^{−g}), Λ_yy = p_y(1 − p_y).
    /// Each is ~1e-58; formed as 1 − p_y or lse − z_y they would be exactly 0.
    func testCrossEntropyKernelIsExactWhenSaturated() {
        let g = 133.0, e = exp(-g)
        var z = [0.0, -g, -g, -g]
        var state = [Double](repeating: 0, count: 4), grad = state, mag = state, out = state, diag = state
        let ev = CrossEntropy().evaluate(&z, label: 0, count: 4, state: &state, gradient: &grad, magnitude: &mag)
        let expectedLoss = log1p(3 * e)
        XCTAssertEqual(ev.value / expectedLoss, 1, accuracy: 1e-14)
        XCTAssertEqual(ev.logitGap, g)
        XCTAssertEqual(grad[0] / (-3 * e / (1 + 3 * e)), 1, accuracy: 1e-14)
        XCTAssertEqual(grad[1] / (e / (1 + 3 * e)), 1, accuracy: 1e-14)
        CrossEntropy().hessianDiagonal(&state, label: 0, count: 4, into: &diag)
        let py = 1 / (1 + 3 * e)
        XCTAssertEqual(diag[0] / (py * 3 * e * py), 1, accuracy: 1e-14)
        // (diag p − ppᵀ) e_y: entry y is p_y(1 − p_y) ≈ 3e^{−g}, the others −p_y p_k.
        var v = [1.0, 0, 0, 0]
        CrossEntropy().hessianProduct(&state, label: 0, count: 4, &v, into: &out, scale: 1)
        XCTAssertEqual(out[0] / (py * 3 * e * py), 1, accuracy: 1e-14)
        XCTAssertEqual(out[1] / (-py * e * py), 1, accuracy: 1e-14)
        // With label smoothing the target gradient is ε(K−1)/K − Σ_{k≠y} p_k, no cancellation.
        let ls = CrossEntropy(labelSmoothing: 0.1).evaluate(&z, label: 0, count: 4, state: &state, gradient: &grad, magnitude: &mag)
        // 0.075 = ε(K−1)/K is itself rounded (ulp 1.4e-17); the 3e^{−g} correction is far below it,
        // so agreement to two ulps is all that is meaningful, and no O(1) cancellation occurred.
        XCTAssertEqual(grad[0], 0.075 - 3 * e * py, accuracy: 3e-17)
        XCTAssertEqual(ls.value, log1p(3 * e) + 0.025 * 3 * g, accuracy: 1e-12)
    }

    /// Taylor test right at the global minimizer for τ = 64, where f = 2.6e-37 and the whole
    /// Hessian is ~1e-34: the second-order model error must still shrink like t³. Steps keep
    /// τt ≤ 0.2 (where the cubic term dominates the model error) and the errors (≥ 1e-49) far
    /// above the loss's rounding floor, ~τ ε_mach f ≈ 4e-51 (the logits carry absolute error τε).
    func testTaylorSlopesAtSaturatedMinimizer() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 64)
        var rng = SeededGenerator(seed: 3)
        let etf = try SpecialPoints.make(.etf, model: model, rng: &rng)
        let x = model.manifold.retract(etf, 1e-3 * model.manifold.randomTangent(at: etf, using: &rng))
        let xi = model.manifold.randomTangent(at: x, using: &rng)
        let fo = model.firstOrder(at: x)
        let grad = model.manifold.euclideanToRiemannianGradient(x, fo.euclideanGradient)
        let hxi = model.riemannianHessianVectorProduct(at: x, firstOrder: fo, direction: xi)
        let g1 = model.manifold.inner(grad, xi), h2 = model.manifold.inner(xi, hxi)
        let ts = [3e-3, 1e-3, 3e-4, 1e-4, 3e-5]
        var e1: [Double] = [], e2: [Double] = []
        for t in ts {
            let ft = model.loss(at: model.manifold.retract(x, t * xi))
            e1.append(abs(ft - fo.loss - t * g1))
            e2.append(abs(ft - fo.loss - t * g1 - 0.5 * t * t * h2))
        }
        for s in loglogSlopes(ts, e1) { XCTAssertEqual(s, 2, accuracy: 0.15, "gradient slope") }
        for s in loglogSlopes(ts, e2) { XCTAssertEqual(s, 3, accuracy: 0.15, "Hessian slope") }
    }

    /// Beyond double range (every sample's top-two logit gap > 650, so every non-top probability
    /// is below e^{−650}) the analysis refuses with the reason instead of labelling a Hessian
    /// that underflowed to zero.
    func testAnalysisRefusesBeyondDoubleRange() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 600)   // gap τK/(K−1) = 800
        var rng = SeededGenerator(seed: 0)
        let x = try SpecialPoints.make(.etf, model: model, rng: &rng)
        for method in [HessianMethod.dense, .reduced, .lanczos] {
            assertThrowsInput(try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: method)), contains: "beyond double precision")
        }
        // Inside the range (gap 640) it still works, and the ETF is the global minimizer.
        let inside = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 480)
        let y = try SpecialPoints.make(.etf, model: inside, rng: &rng)
        XCTAssertEqual(try LandscapeAnalyzer.analyze(inside, at: y).classification, .globalMinimizer)
    }

    /// The label-smoothing bound (docs/formulas.md §10) equals the entropy of the smoothed target
    /// once the optimal margin fits, and the ETF value otherwise, continuously at the switch.
    func testLabelSmoothingBound() throws {
        let eps = 0.1, K = 4
        let mu = log((1 - eps + eps / Double(K)) / (eps / Double(K)))
        let tauSwitch = mu * Double(K - 1) / Double(K)
        let below = try NormalizedFeatureModel(K: K, d: 5, n: 2, tau: tauSwitch * (1 - 1e-9), labelSmoothing: eps)
        let above = try NormalizedFeatureModel(K: K, d: 5, n: 2, tau: tauSwitch * (1 + 1e-9), labelSmoothing: eps)
        XCTAssertEqual(try XCTUnwrap(below.lossBound).value, try XCTUnwrap(above.lossBound).value, accuracy: 1e-8)
        let h = -(0.925 * log(0.925) + 3 * 0.025 * log(0.025))
        XCTAssertEqual(try XCTUnwrap(above.lossBound).value, h, accuracy: 1e-12)
        XCTAssertEqual(try NormalizedFeatureModel(K: K, d: 5, n: 2, tau: 8, labelSmoothing: eps).optimalLoss!, h, accuracy: 1e-15)
        // d = K − 1 with a fitting margin: the bound holds but is not known to be attained.
        let tight = try NormalizedFeatureModel(K: K, d: 3, n: 2, tau: 8, labelSmoothing: eps)
        XCTAssertNil(tight.optimalLoss)
        XCTAssertFalse(try XCTUnwrap(tight.lossBound).attained)
        // Imbalanced: Gibbs' bound H(t), attained for d ≥ K.
        XCTAssertEqual(try NormalizedFeatureModel(d: 5, counts: [3, 1, 1, 1], tau: 8, labelSmoothing: eps).optimalLoss!, h, accuracy: 1e-15)
        XCTAssertNil(try NormalizedFeatureModel(d: 5, counts: [3, 1, 1, 1], tau: 8).lossBound)
    }
}
