import XCTest
@testable import NCLandscape

/// Single-precision Hessian-vector products (docs/formulas.md §12): the same operator to float
/// accuracy, used only where the point is proven not critical, with the error it adds measured
/// and carried into λ_min's residual and bound.
final class SinglePrecisionTests: XCTestCase {
    /// The float operator is the double one to float accuracy, and really is float: the
    /// difference is above double rounding (1e-13) and below 1e-5 relative. Float rounding is
    /// u = 6e-8 per operation; the longest inner dimension is 2N = 1200, whose error grows like
    /// √(2N)·u ≈ 2e-6 for random-signed terms (u·2N = 7e-5 is the worst case, never approached
    /// by blocked gemm sums).
    func testSingleProductsMatchDoubleToFloatAccuracy() throws {
        let model = try NormalizedFeatureModel(d: 12, counts: [100, 200, 150, 150], tau: 3, labelSmoothing: 0.05)
        var rng = SeededGenerator(seed: 21)
        let x = model.manifold.randomPoint(using: &rng)
        let fo = model.firstOrder(at: x)
        let double = TangentHessianProduct<Double>(model: model, at: x, firstOrder: fo, normalShift: 0.3)
        let single = TangentHessianProduct<Float>(model: model, at: x, firstOrder: fo, normalShift: 0.3)
        var yd = [Double](repeating: 0, count: double.dimension), ys = yd
        for _ in 0 ..< 3 {
            let v = rng.normals(double.dimension)
            double.apply(v, into: &yd)
            single.apply(v, into: &ys)
            let scale = StreamingVector.dot(yd, yd).squareRoot()
            var diff = 0.0
            for i in yd.indices { diff += (ys[i] - yd[i]) * (ys[i] - yd[i]) }
            let relative = diff.squareRoot() / scale
            XCTAssertLessThan(relative, 1e-5)
            XCTAssertGreaterThan(relative, 1e-13, "the single operator must not be computing in double")
        }
    }

    /// At a random point (proven not critical: ‖grad‖ far above 1e-10·(C₂ + C₁)) forced to
    /// single products, the recurrence's λ_min agrees with the double run's within the stated
    /// residuals plus the single-precision estimate, the estimate is recorded, and its bound
    /// stays below the double λ_min.
    func testSingleLanczosAgreesWithDoubleAtANonCriticalPoint() throws {
        let model = try NormalizedFeatureModel(K: 10, d: 24, n: 80, tau: 2)
        var rng = SeededGenerator(seed: 5)
        let x = model.manifold.randomPoint(using: &rng)
        var options = AnalysisOptions(method: .lanczos)
        options.structuredInertiaMaxFlops = 0            // the recurrence: no exact count fits
        options.nonCriticalBracket = 0                    // converge λ_min, so the two runs are comparable
        options.productPrecision = .double
        let d = try LandscapeAnalyzer.analyze(model, at: x, options: options)
        options.productPrecision = .single
        let s = try LandscapeAnalyzer.analyze(model, at: x, options: options)
        XCTAssertEqual(d.productPrecision, .double)
        XCTAssertNil(d.singlePrecisionErrorEstimate)
        XCTAssertEqual(s.productPrecision, .single)
        let estimate = try XCTUnwrap(s.singlePrecisionErrorEstimate)
        XCTAssertGreaterThan(estimate, 0)
        XCTAssertLessThan(estimate, 1e-4 * abs(d.lambdaMax), "ten times float accuracy, relative to ‖M‖")
        XCTAssertEqual(s.classification, .notCritical)
        XCTAssertEqual(s.lambdaMin, d.lambdaMin, accuracy: 10 * (s.lambdaMinResidualForTests + d.lambdaMinResidualForTests) + estimate)
        XCTAssertLessThanOrEqual(try XCTUnwrap(s.lambdaMinProbabilisticLowerBound), d.lambdaMin)
        XCTAssertTrue(s.notes.contains { $0.contains("single precision") }, "\(s.notes)")
    }

    /// At a critical point (the simplex ETF) single precision is refused when asked for, and
    /// `auto` stays in double; below m = 10⁶ `auto` stays in double even where it would be safe.
    func testSingleIsRefusedAtACriticalPointAndAutoStaysDoubleThere() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 6, n: 20, tau: 2)
        var rng = SeededGenerator(seed: 1)
        let etf = try SpecialPoints.make(.etf, model: model, rng: &rng)
        var options = AnalysisOptions(method: .lanczos)
        options.structuredInertiaMaxFlops = 0
        options.productPrecision = .single
        XCTAssertThrowsError(try LandscapeAnalyzer.analyze(model, at: etf, options: options)) { error in
            XCTAssertTrue("\(error)".contains("proven not critical"), "\(error)")
        }
        options.productPrecision = .auto
        XCTAssertEqual(try LandscapeAnalyzer.analyze(model, at: etf, options: options).productPrecision, .double)
        let random = model.manifold.randomPoint(using: &rng)
        XCTAssertEqual(try LandscapeAnalyzer.analyze(model, at: random, options: options).productPrecision, .double)
    }
}

extension PointAnalysis {
    /// The λ_min residual as the Lanczos note states it (the first number after "λ_min residual").
    var lambdaMinResidualForTests: Double {
        guard let note = notes.first(where: { $0.hasPrefix("Lanczos (") }),
              let range = note.range(of: "λ_min residual ") else { return .infinity }
        let rest = note[range.upperBound...].prefix { !$0.isWhitespace && $0 != "," }
        return Double(rest) ?? .infinity
    }
}
