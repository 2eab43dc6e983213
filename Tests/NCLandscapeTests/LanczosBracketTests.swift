import XCTest
@testable import NCLandscape

/// The unrestarted λ_min run at a point that is not critical stops on the random-start bracket
/// (λ_min located to a fraction of the spread with probability ≥ 1 − 1e-6) instead of converging
/// the residual to δ/10. Checked against the dense spectrum of the same point.
final class LanczosBracketTests: XCTestCase {
    /// A near-collapse point (simplex ETF classifiers, features = own classifier + `noise`
    /// Gaussian, renormalized): what a trained network's last layer looks like, not critical.
    func nearCollapse(K: Int, d: Int, n: Int, noise: Double) throws -> (NormalizedFeatureModel, Matrix) {
        let model = try NormalizedFeatureModel(K: K, d: d, n: n, tau: 2)
        let w = try SpecialPoints.simplexETF(K: K, d: d)
        var rng = SeededGenerator(seed: 11)
        var x = Matrix(rows: d, cols: K + model.N)
        for k in 0 ..< K { for i in 0 ..< d { x[i, k] = w[i, k] } }
        for j in 0 ..< model.N {
            let y = model.labels[j]
            let e = rng.normals(d)
            var col = (0 ..< d).map { w[$0, y] + noise * e[$0] }
            let norm = col.reduce(0) { $0 + $1 * $1 }.squareRoot()
            col = col.map { $0 / norm }
            for i in 0 ..< d { x[i, K + j] = col[i] }
        }
        return (model, x)
    }

    func testBracketContainsTheDenseLambdaMinAndStopsAtItsStepCount() throws {
        let (model, x) = try nearCollapse(K: 10, d: 16, n: 20, noise: 1e-2)   // m = 3150
        let dense = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense))
        XCTAssertEqual(dense.classification, .notCritical)
        var options = AnalysisOptions(method: .lanczos)
        options.structuredInertiaMaxFlops = 0      // no exact count: the unrestarted recurrence runs
        let bracketed = try LandscapeAnalyzer.analyze(model, at: x, options: options)
        XCTAssertEqual(bracketed.classification, .notCritical)
        let theta = bracketed.lambdaMin
        let lower = try XCTUnwrap(bracketed.lambdaMinProbabilisticLowerBound)
        // The bracket is a statement about the true λ_min: the dense value must lie in it. θ is
        // a Rayleigh quotient, so λ_min ≤ θ up to rounding (1e-12 of the spread covers the
        // recurrence's O(ε‖M‖) loss of orthogonality many times over).
        let spread = dense.lambdaMax - dense.lambdaMin
        XCTAssertLessThanOrEqual(dense.lambdaMin, theta + 1e-12 * spread)
        XCTAssertGreaterThanOrEqual(dense.lambdaMin, lower)
        // Its width is at most the bracket fraction of the spread (the bound's gap formula, with
        // λ_max's Ritz value plus residual standing in for λ_max; 1% slack for that estimate).
        XCTAssertLessThanOrEqual(theta - lower, 1.01e-3 * spread)
        // The step count is the bound's, computed here from its formula: the first k with
        // ε_k/(1 − ε_k) ≤ 1e-3, ε_k = (log(1.648 √m / 1e-6)/(2k − 1))² — unless the residual rule
        // stopped earlier (the residual met δ/10), which the notes then do not attribute to the bracket.
        let m = Double(model.hessianSize)
        let root = log(1.648 * m.squareRoot() / 1e-6)
        var k = 2
        while true { let e = pow(root / Double(2 * k - 1), 2); if e < 1 && e / (1 - e) <= 1e-3 { break }; k += 1 }
        let lambdaProducts = try XCTUnwrap(bracketed.hessianVectorProducts) - 30   // 30 for λ_max
        XCTAssertLessThanOrEqual(lambdaProducts, k)
        let stoppedOnBracket = bracketed.notes.contains { $0.contains("bracketed λ_min") }
        if lambdaProducts < k { XCTAssertFalse(stoppedOnBracket, "the bracket cannot hold before step \(k)") }
        if stoppedOnBracket { XCTAssertEqual(lambdaProducts, k) }
        // With the bracket switched off, the same run converges the residual instead and needs
        // more products here: the bottom of this spectrum is a cluster.
        options.nonCriticalBracket = 0
        let strict = try LandscapeAnalyzer.analyze(model, at: x, options: options)
        XCTAssertGreaterThan(try XCTUnwrap(strict.hessianVectorProducts), try XCTUnwrap(bracketed.hessianVectorProducts))
        XCTAssertEqual(strict.lambdaMin, dense.lambdaMin, accuracy: 1e-6 * spread)
    }
}
