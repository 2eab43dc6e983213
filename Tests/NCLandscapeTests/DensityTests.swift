import XCTest
@testable import NCLandscape

final class DensityTests: XCTestCase {
    /// Validation against the exact dense spectrum at m = 3100 (a random point, K=10, d=11, n=30):
    /// the exact fraction of eigenvalues ≤ t lies inside the stated interval at every grid point
    /// and at every exact eigenvalue; the interval is informative (mean width < 0.35); the
    /// Hutchinson trace is within 4 standard errors of the exact trace.
    func testDensityMatchesDenseSpectrumWithinItsStatedError() throws {
        let model = try NormalizedFeatureModel(K: 10, d: 11, n: 30, tau: 2)
        var rng = SeededGenerator(seed: 1)
        let x = model.manifold.randomPoint(using: &rng)
        let exact = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense)).eigenvalues
        var o = SpectralDensity.Options()
        o.probes = 10; o.steps = 80; o.seed = 0
        let d = try SpectralDensity.estimate(model: model, point: x, options: o)
        XCTAssertTrue(d.fullReorthogonalization)
        XCTAssertEqual(d.dimension, exact.count)
        let m = Double(exact.count)
        func F(_ t: Double) -> Double { Double(exact.filter { $0 <= t }.count) / m }
        var widths: [Double] = []
        for t in d.grid + exact.enumerated().filter({ $0.offset % 31 == 0 }).map(\.element) {
            let c = d.cdfInterval(at: t)
            XCTAssertLessThanOrEqual(c.lower, F(t), "t = \(t)")
            XCTAssertGreaterThanOrEqual(c.upper, F(t), "t = \(t)")
            widths.append(c.upper - c.lower)
        }
        XCTAssertLessThan(widths.reduce(0, +) / Double(widths.count), 0.35)
        let trace = exact.reduce(0, +)
        XCTAssertLessThan(abs(d.traceEstimate - trace), 4 * d.traceStandardError, "trace \(trace) vs \(d.traceEstimate) ± \(d.traceStandardError)")
        // The extreme Ritz values are inner bounds of the spectrum (Cauchy interlacing).
        XCTAssertGreaterThanOrEqual(d.lowestNode, exact.first! - 1e-12)
        XCTAssertLessThanOrEqual(d.highestNode, exact.last! + 1e-12)
        XCTAssertEqual(d.hessianVectorProducts, 10 * 80)
    }

    /// When the Krylov space is the whole tangent space (steps ≥ m), each probe's quadrature is
    /// exact: its nodes are eigenvalues, and its weights sum to ‖z‖² with zᵀMz = Σ w θ.
    func testFullKrylovSpaceGivesExactNodes() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 3, n: 2, tau: 2)
        var rng = SeededGenerator(seed: 2)
        let x = model.manifold.randomPoint(using: &rng)
        let exact = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense)).eigenvalues
        var o = SpectralDensity.Options()
        o.probes = 3; o.steps = 100
        let d = try SpectralDensity.estimate(model: model, point: x, options: o)
        for p in d.probeResults {
            for t in p.nodes { XCTAssertLessThan(exact.map { abs($0 - t) }.min()!, 1e-10, "node \(t)") }
            XCTAssertEqual(zip(p.nodes, p.weights).map { $0 * $1 }.reduce(0, +), p.quadraticForm, accuracy: 1e-10)
        }
    }
}

/// The density on the regularized model (Euclidean space, and with a bias the pinned entries):
/// checked against its exact dense spectrum like the normalized one, at a random point and at
/// the closed-form minimizer (no eigenvalue below the zero cluster: the stated count there must include 0).
final class RegularizedDensityTests: XCTestCase {
    func testRegularizedDensityMatchesDenseSpectrum() throws {
        for p in [try RegularizedObjective(K: 4, d: 6, n: 6, lambdaW: 5e-3, lambdaH: 1e-2, loss: .crossEntropy),
                  try RegularizedObjective(K: 4, d: 6, n: 6, lambdaW: 5e-3, lambdaH: 1e-2, loss: .crossEntropy, lambdaB: 2e-2)] {
            var rng = SeededGenerator(seed: 4)
            var x = Matrix(rows: p.manifold.rows, cols: p.manifold.cols, columnMajor: (0 ..< p.manifold.rows * p.manifold.cols).map { _ in 0.7 * rng.normal() })
            for i in p.manifold.pinned { x.storage[i] = 1 }
            for point in [x, try XCTUnwrap(p.optimum).point(p)] {
                let exact = try LandscapeAnalyzer.analyze(p, at: point, options: AnalysisOptions(method: .dense)).eigenvalues
                var o = SpectralDensity.Options()
                o.probes = 10; o.steps = 60; o.seed = 1
                let d = try SpectralDensity.estimate(model: p, point: point, options: o)
                XCTAssertNil(d.model)
                XCTAssertEqual(d.regularizedModel, p.description)
                XCTAssertEqual(d.dimension, exact.count)
                let m = Double(exact.count)
                func F(_ t: Double) -> Double { Double(exact.filter { $0 <= t }.count) / m }
                for t in d.grid {
                    let c = d.cdfInterval(at: t)
                    XCTAssertLessThanOrEqual(c.lower, F(t) + 1e-12, "t = \(t)")
                    XCTAssertGreaterThanOrEqual(c.upper, F(t) - 1e-12, "t = \(t)")
                }
                let trace = exact.reduce(0, +)
                XCTAssertLessThan(abs(d.traceEstimate - trace), 4 * d.traceStandardError + 1e-9 * abs(trace))
                XCTAssertGreaterThanOrEqual(d.lowestNode, exact.first! - 1e-10)
                XCTAssertLessThanOrEqual(d.highestNode, exact.last! + 1e-10)
                // The count below a level clear of the zero cluster (the orbit's zeros come out as
                // ±1e-16 numbers from both routes, so "below 0" itself is a coin toss there).
                let level = -1e-6 * exact.map(abs).max()!
                let below = d.cdfInterval(at: level)
                XCTAssertLessThanOrEqual(below.lower, F(level) + 1e-12)
                XCTAssertGreaterThanOrEqual(below.upper, F(level) - 1e-12)
            }
        }
    }
}

final class ReportedInertiaTests: XCTestCase {
    /// Zero eigenvalues beyond ν are a statement about critical points: 0 at the ETF, null at a
    /// random (non-critical) point, where the count minus ν was negative.
    func testExtraZeroEigenvaluesOnlyAtCriticalPoints() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2)
        var rng = SeededGenerator(seed: 3)
        let random = try LandscapeAnalyzer.analyze(model, at: model.manifold.randomPoint(using: &rng), options: AnalysisOptions(method: .dense))
        XCTAssertEqual(random.classification, .notCritical)
        XCTAssertNil(random.extraZeroEigenvalues)
        let etf = try LandscapeAnalyzer.analyze(model, at: try SpecialPoints.make(.etf, model: model, rng: &rng), options: AnalysisOptions(method: .dense))
        XCTAssertEqual(etf.classification, .globalMinimizer)
        XCTAssertEqual(etf.extraZeroEigenvalues, 0)
    }

    /// Counts Lanczos could not certify are null in the JSON, never −1.
    func testUnknownCountsAreNull() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2)
        var rng = SeededGenerator(seed: 3)
        let x = model.manifold.randomPoint(using: &rng)
        var o = AnalysisOptions(method: .lanczos)
        o.structuredInertiaMaxFlops = 0
        let a = try LandscapeAnalyzer.analyze(model, at: x, options: o)
        XCTAssertFalse(a.inertiaExact)
        let json = try JSONSerialization.jsonObject(with: JSONOutput.encode(SpectrumSummary(model: model, analysis: a, source: "t", polish: nil))) as! [String: Any]
        let inertia = json["inertia"] as! [String: Any]
        XCTAssertTrue(inertia["zero"] is NSNull, "\(inertia)")
        XCTAssertTrue(inertia["positive"] is NSNull, "\(inertia)")
        XCTAssertGreaterThanOrEqual(inertia["negative"] as! Int, 1)
    }
}
