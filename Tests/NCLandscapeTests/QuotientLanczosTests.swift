import XCTest
@testable import NCLandscape

/// The orbit projection without an orbit basis, and Lanczos on the quotient for objectives
/// without structured methods (the regularized model), each against a second computation: the
/// orbit basis of `SymmetryAnalysis`, and the complete dense spectrum.
final class QuotientLanczosTests: XCTestCase {
    func gaussian(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        return Matrix(rows: rows, cols: cols, columnMajor: rng.normals(rows * cols))
    }

    /// `P V` equals the projection onto the orbit basis that `SymmetryAnalysis` builds by SVD, on a
    /// full-rank point, a rank-deficient one (rank 2 in d = 4, where rotations of the null plane
    /// fix X and must not count) and with a bias row that rotations leave alone. Both are
    /// orthogonal projections computed in double, so they agree to ~1e-14 relative; 1e-10 leaves
    /// room for conditioning at the rank-2 point and fails on any wrong entry of Ω.
    func testProjectionMatchesTheOrbitBasis() throws {
        var rank2 = gaussian(4, 9, seed: 2)
        for c in 0 ..< 9 { rank2[2, c] = 0.3 * rank2[0, c] - rank2[1, c]; rank2[3, c] = rank2[0, c] }
        var biased = gaussian(5, 9, seed: 3)
        for c in 3 ..< 9 { biased[4, c] = 1 }
        for (x, d, expectedRank) in [(gaussian(4, 9, seed: 1), 4, 4), (rank2, 4, 2), (biased, 4, 4)] {
            let p = try OrbitProjector(point: x, actingRows: d)
            XCTAssertEqual(p.rank, expectedRank)
            let frame = EuclideanSpace(rows: x.rows, cols: x.cols).tangentBasis(at: x)
            let sym = try SymmetryAnalysis(point: x, basis: frame, actingRows: d)
            XCTAssertEqual(p.nullity, sym.nullity)
            for seed in UInt64(10) ..< 13 {
                let v = gaussian(x.rows, x.cols, seed: seed)
                let coords = frame.coordinates(of: v)
                let viaBasis = frame.vector(from: BLAS.matVec(.n, sym.orbitBasis, BLAS.matVec(.t, sym.orbitBasis, coords)))
                let mine = p.project(v)
                XCTAssertLessThan((mine - viaBasis).frobeniusNorm, 1e-10 * v.frobeniusNorm)
                // Idempotent, and a rotation's tangent ΩX is left as it is.
                XCTAssertLessThan((p.project(mine) - mine).frobeniusNorm, 1e-10 * v.frobeniusNorm)
            }
            var omega = Matrix(rows: x.rows, cols: x.rows)
            omega[0, 1] = 0.7; omega[1, 0] = -0.7; omega[1, 3] = -0.2; omega[3, 1] = 0.2
            let tangent = BLAS.product(.n, omega, .n, x)
            XCTAssertLessThan((p.project(tangent) - tangent).frobeniusNorm, 1e-10 * tangent.frobeniusNorm)
        }
    }

    /// Lanczos on the quotient against the dense spectrum of the regularized model: the origin's
    /// λ_min in closed form, a saddle with λ_min = −1e-6 (a threshold 10⁴× too coarse would call
    /// it degenerate), and at the optimum the first eigenvalue beyond the ν symmetry zeros, which
    /// Lanczos on the full Hessian would not reach (the zeros fill the bottom of the spectrum).
    /// Residual target 1e-9‖M‖, so 1e-8‖M‖ is the agreement to ask for.
    func testQuotientLanczosAgreesWithDense() throws {
        let lanczos = AnalysisOptions(method: .lanczos)
        // λ_W = λ_H = λ just below σ = 1/(K√n): the origin's λ_min = λ − σ = −1e-6.
        let sigma = 1 / (3 * Double(2).squareRoot())
        let shallow = try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: sigma - 1e-6, lambdaH: sigma - 1e-6)
        let problems = [try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 5e-3, lambdaH: 1e-2, loss: .crossEntropy),
                        try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 5e-3, lambdaH: 1e-2, loss: .mse, lambdaB: 2e-2),
                        shallow]
        for p in problems {
            var rng = SeededGenerator(seed: 0)
            let origin = try p.specialPoint(.origin, rng: &rng)
            let dense = try LandscapeAnalyzer.analyze(p, at: origin, options: AnalysisOptions(method: .dense))
            let lz = try LandscapeAnalyzer.analyze(p, at: origin, options: lanczos)
            XCTAssertEqual(lz.method, .lanczos)
            XCTAssertEqual(dense.classification, .strictSaddle)
            XCTAssertEqual(lz.classification, .strictSaddle)
            XCTAssertEqual(lz.lambdaMin, dense.lambdaMin, accuracy: 1e-8 * max(abs(dense.lambdaMax), abs(dense.lambdaMin)))
            XCTAssertEqual(lz.lambdaMax, dense.lambdaMax, accuracy: 1e-6 * abs(dense.lambdaMax))
            XCTAssertGreaterThanOrEqual(lz.index, 1)
            XCTAssertLessThanOrEqual(lz.index, dense.index)
            XCTAssertLessThan(try XCTUnwrap(lz.lowest.first).residual, 1e-8 * abs(dense.lambdaMax))
        }
        XCTAssertEqual(try LandscapeAnalyzer.analyze(shallow, at: shallow.emptyPoint(), options: lanczos).lambdaMin, -1e-6, accuracy: 1e-9)
        for p in [problems[0], try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 5e-3, lambdaH: 1e-2, loss: .mse)] {
            var rng = SeededGenerator(seed: 0)
            let x = try p.specialPoint(.optimum, rng: &rng)
            let dense = try LandscapeAnalyzer.analyze(p, at: x, options: AnalysisOptions(method: .dense))
            let lz = try LandscapeAnalyzer.analyze(p, at: x, options: lanczos)
            XCTAssertEqual(dense.classification, .globalMinimizer)
            XCTAssertEqual(lz.classification, .globalMinimizer)
            XCTAssertEqual(lz.symmetryNullity, dense.symmetryNullity)
            XCTAssertGreaterThan(lz.symmetryNullity, 0)
            let q = try XCTUnwrap(dense.quotientLambdaMin)
            XCTAssertGreaterThan(q, dense.delta)
            XCTAssertEqual(lz.lambdaMin, q, accuracy: 1e-8 * dense.lambdaMax)
        }
    }

    /// `auto` takes the dense path while it fits the memory budget and Lanczos beyond, and says why.
    func testAutoFallsBackToLanczosOverTheBudget() throws {
        let p = try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 5e-3, lambdaH: 1e-2)
        var rng = SeededGenerator(seed: 0)
        let x = try p.specialPoint(.origin, rng: &rng)
        XCTAssertEqual(try LandscapeAnalyzer.analyze(p, at: x).method, .dense)
        var small = AnalysisOptions()
        small.memoryBudgetBytes = 1000
        let a = try LandscapeAnalyzer.analyze(p, at: x, options: small)
        XCTAssertEqual(a.method, .lanczos)
        XCTAssertTrue(a.methodReason?.contains("memory budget") ?? false, a.methodReason ?? "nil")
        XCTAssertThrowsError(try LandscapeAnalyzer.analyze(p, at: x, options: AnalysisOptions(method: .reduced)))
    }
}
