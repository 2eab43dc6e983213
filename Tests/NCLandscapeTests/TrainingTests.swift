import XCTest
@testable import NCLandscape

final class TrainingTests: XCTestCase {
    /// K = 4, d = 5, n = 3: the normalized run reaches NC1 < 1e-2 for every seed (the robust
    /// part of the paper's claim at this size; the comparison itself is reported, not asserted).
    func testNormalizedTrainingCollapses() throws {
        var c = TrainingConfiguration()
        c.iterations = 600; c.seeds = 3; c.searchIterations = 100; c.recordEvery = 10
        let (s, runs) = try TrainingStudy.run(c)
        let nc1 = s.thresholds.first { $0.model == "normalized" && $0.metric == "nc1" }!
        XCTAssertTrue(nc1.iterations.allSatisfy { $0 != nil }, "\(nc1.iterations)")
        for r in runs where r.model == "normalized" {
            XCTAssertFalse(r.diverged)
            XCTAssertLessThan(r.records.last!.nc1, 1e-2)
            XCTAssertEqual(r.records.last!.accuracy, 1)
        }
    }

    /// The regularized model's gradient matches central differences (O(h²) error ≈ 1e-10).
    func testRegularizedGradient() throws {
        let m = try RegularizedFeatureModel(K: 3, d: 4, labels: [0, 1, 2, 1, 0], lambdaW: 0.01, lambdaH: 0.02, lambdaB: 0.03)
        var rng = SeededGenerator(seed: 4)
        let p = RegularizedFeatureModel.Point(W: Matrix(rows: 4, cols: 3, columnMajor: rng.normals(12)),
                                              H: Matrix(rows: 4, cols: 5, columnMajor: rng.normals(20)), b: rng.normals(3))
        let (_, g) = m.lossAndGradient(at: p)
        let h = 1e-5
        for i in 0 ..< 12 {
            var a = p, b = p
            a.W.storage[i] += h; b.W.storage[i] -= h
            XCTAssertEqual((m.lossAndGradient(at: a).loss - m.lossAndGradient(at: b).loss) / (2 * h), g.W.storage[i], accuracy: 1e-8)
        }
        for i in 0 ..< 20 {
            var a = p, b = p
            a.H.storage[i] += h; b.H.storage[i] -= h
            XCTAssertEqual((m.lossAndGradient(at: a).loss - m.lossAndGradient(at: b).loss) / (2 * h), g.H.storage[i], accuracy: 1e-8)
        }
        for i in 0 ..< 3 {
            var a = p, b = p
            a.b[i] += h; b.b[i] -= h
            XCTAssertEqual((m.lossAndGradient(at: a).loss - m.lossAndGradient(at: b).loss) / (2 * h), g.b[i], accuracy: 1e-8)
        }
    }

    /// `analyze` at the NC point: distance 0, global minimizer; at a rotated copy, also 0.
    func testCollapseAnalysisAtNeuralCollapse() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 5, n: 2, tau: 2)
        var rng = SeededGenerator(seed: 2)
        let x = try SpecialPoints.make(.etf, model: model, rng: &rng, rotate: true)
        let a = try CollapseAnalysis.analyze(features: x.columns(model.featureColumns), labels: model.labels, K: 3,
                                             classifiers: x.columns(model.classifierColumns), tau: 2, options: AnalysisOptions())
        XCTAssertLessThan(a.distanceToCollapse!, 1e-12)
        XCTAssertEqual(a.classification, .globalMinimizer)
        let y = try SpecialPoints.make(.anti, model: model, rng: &rng)
        let b = try CollapseAnalysis.analyze(features: y.columns(model.featureColumns), labels: model.labels, K: 3,
                                             classifiers: y.columns(model.classifierColumns), tau: 2, options: AnalysisOptions())
        XCTAssertGreaterThan(b.distanceToCollapse!, 1)
        XCTAssertEqual(b.classification, .strictSaddle)
    }
}
