import XCTest
@testable import NCLandscape

final class MetricsTests: XCTestCase {
    func testNCMetricsVanishAtNeuralCollapse() throws {
        let model = try NormalizedFeatureModel(K: 5, d: 6, n: 3, tau: 2)
        var rng = SeededGenerator(seed: 1)
        let x = try SpecialPoints.make(.etf, model: model, rng: &rng, rotate: true)
        let m = try NCMetrics.compute(model: model, point: x)
        XCTAssertLessThan(abs(m.nc1), 1e-12); XCTAssertLessThan(m.nc2, 1e-12); XCTAssertLessThan(m.nc3, 1e-12)
        XCTAssertEqual(m.accuracy, 1); XCTAssertEqual(m.cosineAccuracy, 1); XCTAssertEqual(m.nc4NCCAgreement, 1)
        // Every literature form vanishes at collapse too (1e-12: rounding of O(1) sums over K+N columns).
        for g in [m.nc2ClassMeans, m.nc2Classifiers!] {
            XCTAssertLessThan(g.equinorm, 1e-12); XCTAssertLessThan(g.equiangularity, 1e-12)
            XCTAssertLessThan(g.maxAngle, 1e-12); XCTAssertLessThan(g.etfDistance, 1e-12)
        }
        XCTAssertLessThan(m.nc3SelfDualityCentred!, 1e-12)
    }

    /// Direct recomputation on a small example with explicit sums (no BLAS, no SVD: Σ_B is
    /// inverted on its range through the explicit 2×2 case, d = 2, K = 3 gives rank 2).
    func testNCMetricsMatchDirectRecomputation() throws {
        let h: [[Double]] = [[1, 0.2], [0.8, -0.1], [-0.5, 1], [-0.3, 0.7], [0.1, -1], [-0.2, -0.9]]
        let labels = [0, 0, 1, 1, 2, 2]
        let w: [[Double]] = [[1, 0], [-0.5, 0.8], [-0.4, -0.9]]
        let m = try NCMetrics.compute(features: Matrix(columns: h, rows: 2), labels: labels, K: 3, classifiers: Matrix(columns: w, rows: 2))
        var means = [[Double]](repeating: [0, 0], count: 3)
        for (j, y) in labels.enumerated() { for i in 0 ..< 2 { means[y][i] += h[j][i] / 2 } }
        let g = (0 ..< 2).map { i in means.map { $0[i] }.reduce(0, +) / 3 }
        var sw = [[0.0, 0], [0, 0]], sb = [[0.0, 0], [0, 0]]
        for (j, y) in labels.enumerated() { for a in 0 ..< 2 { for b in 0 ..< 2 { sw[a][b] += (h[j][a] - means[y][a]) * (h[j][b] - means[y][b]) / 6 } } }
        for k in 0 ..< 3 { for a in 0 ..< 2 { for b in 0 ..< 2 { sb[a][b] += (means[k][a] - g[a]) * (means[k][b] - g[b]) / 3 } } }
        let det = sb[0][0] * sb[1][1] - sb[0][1] * sb[1][0]
        let inv = [[sb[1][1] / det, -sb[0][1] / det], [-sb[1][0] / det, sb[0][0] / det]]
        var tr = 0.0
        for a in 0 ..< 2 { for b in 0 ..< 2 { tr += sw[a][b] * inv[b][a] } }
        XCTAssertEqual(m.nc1, tr / 3, accuracy: 1e-12)
        func dist(_ a: [[Double]]) -> Double {
            let f = a.flatMap { $0 }.map { $0 * $0 }.reduce(0, +).squareRoot()
            var s = 0.0
            for i in 0 ..< 3 { for j in 0 ..< 3 { let e = ((i == j ? 1 : 0) - 1.0 / 3) / 2.0.squareRoot(); s += pow(a[i][j] / f - e, 2) } }
            return s.squareRoot()
        }
        let wtw = (0 ..< 3).map { i in (0 ..< 3).map { j in w[i][0] * w[j][0] + w[i][1] * w[j][1] } }
        let wtm = (0 ..< 3).map { i in (0 ..< 3).map { j in w[i][0] * means[j][0] + w[i][1] * means[j][1] } }
        XCTAssertEqual(m.nc2, dist(wtw), accuracy: 1e-12)
        XCTAssertEqual(m.nc3, dist(wtm), accuracy: 1e-12)
        var correct = 0
        for (j, y) in labels.enumerated() {
            let s = w.map { $0[0] * h[j][0] + $0[1] * h[j][1] }
            if s.firstIndex(of: s.max()!) == y { correct += 1 }
        }
        XCTAssertEqual(m.accuracy, Double(correct) / 6)
    }

    func testRankDeficientBetweenClassScatterNeverGivesNegativeNC1() throws {
        // d = 6 > K − 1 = 2: Σ_B has rank ≤ 2.
        var rng = SeededGenerator(seed: 3)
        let h = ProductOfSpheres.normalizeColumns(Matrix(rows: 6, cols: 9, columnMajor: rng.normals(54)))
        let m = try NCMetrics.compute(features: h, labels: [0, 0, 0, 1, 1, 1, 2, 2, 2], K: 3, classifiers: nil)
        XCTAssertGreaterThanOrEqual(m.nc1, 0)
        XCTAssertTrue(m.nc2.isNaN)
        // Without W the class-mean NC2 is still computed (never NaN), and the W forms are absent.
        XCTAssertTrue(m.nc2ClassMeans.etfDistance.isFinite && m.nc2ClassMeans.equinorm.isFinite)
        XCTAssertNil(m.nc2Classifiers); XCTAssertNil(m.nc3SelfDualityCentred); XCTAssertNil(m.accuracy)
        let json = String(decoding: try JSONOutput.encode(m), as: UTF8.self)
        XCTAssertFalse(json.contains("NaN"), json)
        XCTAssertTrue(json.contains("\"nc2Classifiers\" : null") || json.contains("\"nc2Classifiers\":null"), json)
    }

    /// The literature forms on a small example, each recomputed by its definition with explicit
    /// loops (independent of BLAS and of the implementation's helper): K = 3, d = 2.
    func testLiteratureFormsMatchTheirDefinitions() throws {
        let h: [[Double]] = [[1, 0.2], [0.8, -0.1], [-0.5, 1], [0.3, 1], [0.1, -1], [-0.2, -0.9]]
        let labels = [0, 0, 1, 1, 2, 2]
        let w: [[Double]] = [[3, 0], [-0.5, 0.8], [-0.4, -0.9]]
        let m = try NCMetrics.compute(features: Matrix(columns: h, rows: 2), labels: labels, K: 3, classifiers: Matrix(columns: w, rows: 2))
        var means = [[Double]](repeating: [0, 0], count: 3)
        for (j, y) in labels.enumerated() { for i in 0 ..< 2 { means[y][i] += h[j][i] / 2 } }
        let g = (0 ..< 2).map { i in h.map { $0[i] }.reduce(0, +) / 6 }
        let cen = means.map { [$0[0] - g[0], $0[1] - g[1]] }
        func norm(_ v: [Double]) -> Double { (v[0] * v[0] + v[1] * v[1]).squareRoot() }
        func cosine(_ a: [Double], _ b: [Double]) -> Double { (a[0] * b[0] + a[1] * b[1]) / (norm(a) * norm(b)) }
        func std(_ x: [Double]) -> Double { let mu = x.reduce(0, +) / Double(x.count); return (x.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(x.count - 1)).squareRoot() }
        for (vs, geo) in [(cen, m.nc2ClassMeans), (w, m.nc2Classifiers!)] {
            let norms = vs.map(norm)
            XCTAssertEqual(geo.equinorm, std(norms) / (norms.reduce(0, +) / 3), accuracy: 1e-13)
            let cs = [cosine(vs[0], vs[1]), cosine(vs[0], vs[2]), cosine(vs[1], vs[2])]
            XCTAssertEqual(geo.equiangularity, std(cs), accuracy: 1e-13)
            XCTAssertEqual(geo.maxAngle, cs.map { abs($0 + 0.5) }.reduce(0, +) / 3, accuracy: 1e-13)
        }
        // NC3 (Papyan): ‖W/‖W‖_F − M/‖M‖_F‖_F with the centred means.
        let wf = w.map { $0[0] * $0[0] + $0[1] * $0[1] }.reduce(0, +).squareRoot()
        let mf = cen.map { $0[0] * $0[0] + $0[1] * $0[1] }.reduce(0, +).squareRoot()
        var s3 = 0.0
        for k in 0 ..< 3 { for i in 0 ..< 2 { s3 += pow(w[k][i] / wf - cen[k][i] / mf, 2) } }
        XCTAssertEqual(m.nc3SelfDualityCentred!, s3.squareRoot(), accuracy: 1e-13)
        // Cosine accuracy uses cos(w_k, h), linear accuracy w_kᵀh: w_0 is three times as long, and sample 3 (class 1) has the larger dot product with it but the larger cosine with w_1, so the two differ here.
        var lin = 0, cos = 0
        for (j, y) in labels.enumerated() {
            let dots = w.map { $0[0] * h[j][0] + $0[1] * h[j][1] }, coss = w.map { cosine($0, h[j]) }
            if dots.firstIndex(of: dots.max()!) == y { lin += 1 }
            if coss.firstIndex(of: coss.max()!) == y { cos += 1 }
        }
        XCTAssertEqual(m.accuracy, Double(lin) / 6)
        XCTAssertEqual(m.cosineAccuracy, Double(cos) / 6)
        XCTAssertNotEqual(lin, cos, "the example should separate the two accuracies")
    }

    /// Files written before the literature names (keys nc2, nc3, nccAgreement) still decode.
    func testLegacyMetricsKeysDecode() throws {
        let old = #"{"nc1":0.5,"nc2":0.25,"nc3":0.125,"accuracy":1,"nccAgreement":0.75}"#
        let m = try JSONDecoder().decode(NCMetrics.self, from: Data(old.utf8))
        XCTAssertEqual(m.nc2, 0.25); XCTAssertEqual(m.nc3, 0.125); XCTAssertEqual(m.nc4NCCAgreement, 0.75)
        XCTAssertNil(m.nc3SelfDualityCentred)
    }

    /// A collapsed point whose columns were rescaled (as an unnormalized network exports them):
    /// the raw metrics see the spread of norms, the normalized ones — of the point the landscape
    /// is analyzed at — are those of the collapsed point, ~0.
    func testAnalyzeReportsMetricsOfTheNormalizedPoint() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 4, n: 4, tau: 2)
        var rng = SeededGenerator(seed: 8)
        let x = try SpecialPoints.make(.etf, model: model, rng: &rng)
        var scaled = x
        for c in 0 ..< scaled.cols { let s = 0.2 + 3 * rng.uniform(); for i in 0 ..< scaled.rows { scaled[i, c] *= s } }
        let a = try CollapseAnalysis.analyze(features: scaled.columns(model.featureColumns), labels: model.labels, K: 3,
                                             classifiers: scaled.columns(model.classifierColumns), tau: 2, options: AnalysisOptions())
        XCTAssertGreaterThan(a.nc.nc1, 1e-3)
        XCTAssertLessThan(a.ncNormalized.nc1, 1e-20)
        XCTAssertLessThan(a.ncNormalized.nc2, 1e-10)
        XCTAssertLessThan(a.ncNormalized.nc3, 1e-10)
        XCTAssertEqual(a.classification, .globalMinimizer)
    }
}
