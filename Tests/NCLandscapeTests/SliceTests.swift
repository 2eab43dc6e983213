import XCTest
@testable import NCLandscape

final class SliceTests: XCTestCase {
    /// At a strict saddle the λ_min slice goes down on both sides, with the curvature the
    /// spectrum reports (second difference of the loss = uᵀMu = λ_min); a random direction's
    /// second difference equals its Rayleigh quotient from a Hessian-vector product; the 2-D map
    /// passes through f(x) at its centre and repeats the 1-D curves along its axes.
    func testSliceAtStrictSaddleShowsTheDescentDirection() throws {
        for model in [try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 2), try NormalizedFeatureModel(K: 4, d: 5, n: 2, tau: 32, loss: .focal(gamma: 2))] {
            var rng = SeededGenerator(seed: 0)
            let x = try NewtonPolisher.polish(model, from: SpecialPoints.make(.total, model: model, rng: &rng)).point
            let s = try LossSlice.compute(model: model, point: x, directions: [.lambdaMin, .random], span: 0.2, grid: 21, seed: 1)
            let lambda = try XCTUnwrap(s.lambdaMin)
            XCTAssertLessThan(lambda, 0)
            let down = s.curves[0]
            // Second difference at h = 0.02: error O(h²·f⁗) ~ 1e-3 relative.
            XCTAssertEqual(down.rayleighQuotient / lambda, 1, accuracy: 1e-9)
            XCTAssertEqual(down.secondDifference / lambda, 1, accuracy: 1e-2)
            XCTAssertLessThan(down.losses.first!, s.loss)
            XCTAssertLessThan(down.losses.last!, s.loss)
            let rnd = s.curves[1]
            XCTAssertEqual(rnd.secondDifference, rnd.rayleighQuotient, accuracy: 1e-2 * abs(lambda))
            let surface = try XCTUnwrap(s.surface)
            XCTAssertEqual(surface[10][10], s.loss)
            for i in 0 ..< 21 {
                XCTAssertEqual(surface[i][10], down.losses[i], accuracy: 1e-12 * max(1, abs(s.loss)))
                XCTAssertEqual(surface[10][i], rnd.losses[i], accuracy: 1e-12 * max(1, abs(s.loss)))
            }
        }
    }

    func testSliceRefusesBadGrids() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 4, n: 1, tau: 2)
        var rng = SeededGenerator(seed: 0)
        let x = model.manifold.randomPoint(using: &rng)
        assertThrowsInput(try LossSlice.compute(model: model, point: x, directions: [.random], span: 0.5, grid: 20, seed: 0), contains: "odd")
        assertThrowsInput(try LossSlice.compute(model: model, point: x, directions: [.random], span: 4, grid: 21, seed: 0), contains: "π")
        assertThrowsInput(try LossSlice.compute(model: model, point: x, directions: [.random, .random], span: 0.5, grid: 21, seed: 0), contains: "twice")
        // Geodesics keep unit columns exactly to rounding, even far out.
        let y = model.manifold.exp(x, 3.0 * model.manifold.randomTangent(at: x, using: &rng))
        for c in 0 ..< y.cols { XCTAssertEqual(Vector.norm(y.column(c)), 1, accuracy: 1e-15) }
    }

    /// The regularized model slices along straight lines (its geodesics): at the origin, a strict
    /// saddle with λ_min in closed form, the λ_min curve's second difference is λ_min (up to O(h²)
    /// terms), it goes down on both sides, and a span beyond π is
    /// allowed (Euclidean length, no wrap-around); the JSON names the regularized model and no
    /// normalized one.
    func testRegularizedSliceFollowsStraightLines() throws {
        let p = try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 5e-3, lambdaH: 1e-2)
        var rng = SeededGenerator(seed: 0)
        let x = try p.specialPoint(.origin, rng: &rng)
        let s = try LossSlice.compute(model: p, point: x, directions: [.lambdaMin, .random], span: 4, grid: 41, seed: 1)
        let sigma2 = 1 / (9.0 * 2)
        let expected = (5e-3 + 1e-2) / 2 - ((2.5e-3 * 2.5e-3) + sigma2).squareRoot()
        XCTAssertEqual(try XCTUnwrap(s.lambdaMin), expected, accuracy: 1e-12)
        let down = s.curves[0]
        XCTAssertEqual(down.rayleighQuotient, expected, accuracy: 1e-12)
        // h = 0.2: the loss is smooth with fourth derivatives O(1), so the error is ~h² = 4e-2 of
        // |λ_min| ≈ 0.23 at most; 5e-2 relative still fails a curve that was not a straight line.
        XCTAssertEqual(down.secondDifference / expected, 1, accuracy: 5e-2)
        XCTAssertLessThan(down.losses.first!, s.loss)
        XCTAssertLessThan(down.losses.last!, s.loss)
        XCTAssertNil(s.model)
        XCTAssertEqual(s.regularizedModel?.lambdaW, 5e-3)
        let json = try JSONOutput.string(s, pretty: false)
        XCTAssertFalse(json.contains("\"model\""), json)
        XCTAssertTrue(json.contains("\"regularizedModel\""))
    }
}
