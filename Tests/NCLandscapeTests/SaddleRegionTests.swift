import XCTest
@testable import NCLandscape

/// Saddle regions (docs/formulas.md §14): where flat directions beyond the symmetry keep the full
/// certificate from proving that a critical point exists, a negative eigenvalue enclosed away
/// from zero still proves that no local minimizer lies within the stated radius. And the members
/// of one degenerate critical set count as one class for the coverage estimate (§13).
final class SaddleRegionTests: XCTestCase {
    /// K = 4, d = 4, n = 2, τ = 2 has dozens of saddles on critical sets with extra flat
    /// directions: searched with certificates, most of those the full proof refuses become
    /// saddle regions. Each is checked against the dense analysis, a second route to the same
    /// spectrum: the region's radius encodes `λ̃_1 = −2Lρ/(1 − 4u) − e`, which must be the
    /// Hessian's λ_min (the negative direction is orthogonal to the symmetry orbit) to within the
    /// classification's zero threshold δ = 1e-8‖M‖ (polished copies agree far closer); its index
    /// bound cannot exceed the analysis's index; and the Hessian at points on the ball's boundary
    /// still has a negative eigenvalue.
    func testSaddlesOnCriticalSetsBecomeSaddleRegionsThatTheDenseSpectrumConfirms() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 4, n: 2, tau: 2)
        let config = SearchConfiguration(starts: 24, seed: 1, jobs: 2, ansatz: true, startMix: .alternate)
        let r = try CriticalPointSearch(model: model, config: config, directory: nil).run(resume: false)
        let regions = r.points.filter(\.stats.isSaddleRegion)
        // Members of one saddle set count once (§13), so the same search holds fewer records.
        XCTAssertGreaterThanOrEqual(regions.count, 3, "saddle regions among \(r.points.count) points")
        var rng = SeededGenerator(seed: 11)
        for p in regions {
            let c = try XCTUnwrap(p.certification?.certificate)
            XCTAssertEqual(c.label, .strictSaddle)
            XCTAssertEqual(p.classValue, .strictSaddle)
            XCTAssertNil(c.lossLower, "a region proves no loss enclosure")
            let rho = try XCTUnwrap(c.radius), e = try XCTUnwrap(c.eigenvalueErrorBound)
            let x = p.point
            let a = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense))
            let lowest = -2 * c.lipschitz * rho / (1 - 4 * Double.ulpOfOne / 2) - e
            XCTAssertEqual(lowest, a.lambdaMin, accuracy: a.delta, "#\(p.id)")
            XCTAssertLessThanOrEqual(try XCTUnwrap(c.index), a.index)
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(c.index), 1)
            let v = model.manifold.randomTangent(at: x, using: &rng)
            let edge = model.manifold.retract(x, (rho / v.frobeniusNorm) * v)
            let b = try LandscapeAnalyzer.analyze(model, at: edge, options: AnalysisOptions(method: .dense))
            XCTAssertLessThan(b.lambdaMin, 0.5 * a.lambdaMin, "#\(p.id): λ_min on the ball's boundary")
        }
    }

    /// At K = 3, d = 2, n = 1, τ = 2 the classifiers all at e₁ and the features at angles
    /// (θ, θ, π − θ) form a curve of exact critical points at loss log 3 with one flat direction
    /// beyond the symmetry, whose negative curvature vanishes like (π/2 − θ)²: members with
    /// λ_min ≈ −1e-4 and −1e-6. The first is a saddle region. The second is not: its ball
    /// (ρ = 1e-6/2L ≈ 8e-10) is not 100 Newton distances wide once the gradient's rounding bound
    /// (~1e-14) is divided by its curvature (5e-7); nor is the first moved 1e-9 off the curve
    /// (gradient 1e-9), nor the first with its Lipschitz bound taken 10⁴ times larger. A
    /// minimizer moved off its point until Kantorovich fails has no negative eigenvalue to enclose.
    func testRegionsNeedNegativeCurvatureWideEnoughForTheGradient() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 2, n: 1, tau: 2)
        func member(_ gap: Double) -> Matrix {
            let t = Double.pi / 2 - gap
            return Matrix(rows: 2, cols: 6, columnMajor: [1, 0, 1, 0, 1, 0, cos(t), sin(t), cos(t), sin(t), -cos(t), sin(t)])
        }
        let strong = member(0.0126), weak = member(0.00126)
        let a = try LandscapeAnalyzer.analyze(model, at: strong, options: AnalysisOptions(method: .dense))
        let b = try LandscapeAnalyzer.analyze(model, at: weak, options: AnalysisOptions(method: .dense))
        XCTAssertEqual(a.lambdaMin, -1.0e-4, accuracy: 0.01e-4)
        XCTAssertEqual(b.lambdaMin, -1.0e-6, accuracy: 0.01e-6)
        let region = try Certifier.certify(model, at: DoubleDoubleMatrix(strong), extended: false)
        XCTAssertEqual(region.status, .saddleRegion, region.summary)
        XCTAssertEqual(region.index, 2)
        XCTAssertEqual(try Certifier.certify(model, at: DoubleDoubleMatrix(weak), extended: false).status, .notCertified)
        XCTAssertEqual(try Certifier.certify(model, at: DoubleDoubleMatrix(strong), extended: false, lipschitzScale: 1e4).status, .notCertified)
        var rng = SeededGenerator(seed: 3)
        let v = model.manifold.randomTangent(at: strong, using: &rng)
        let off = model.manifold.retract(strong, (1e-9 / v.frobeniusNorm) * v)
        XCTAssertEqual(try Certifier.certify(model, at: DoubleDoubleMatrix(off), extended: false).status, .notCertified)

        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/certificate/spurious-K3-d2-n3-tau8.json").path
        let (spurious, xs) = try PointFile.read(path: path)
        let dir = spurious.manifold.randomTangent(at: xs, using: &rng)
        let moved = try Certifier.certify(spurious, at: DoubleDoubleMatrix(spurious.manifold.retract(xs, (1e-6 / dir.frobeniusNorm) * dir)), extended: false)
        XCTAssertEqual(moved.status, .notCertified, moved.summary)
        XCTAssertTrue(moved.reason?.contains("Kantorovich") ?? false, moved.reason ?? "")
    }

    /// K = 10, d = 11, n = 5: the saddles at loss log K (every logit equal) form a critical set
    /// with ~400 zero eigenvalues beyond the symmetry, and Newton from the total collapse and from
    /// five group ansätze lands on different members of it. They are one class (one record with
    /// six hits), not six: strict saddles with extra zero eigenvalues, the same index and agreeing
    /// losses share their set, as degenerate points do.
    func testMembersOfOneSaddleSetAreOneClass() throws {
        let model = try NormalizedFeatureModel(K: 10, d: 11, n: 5, tau: 2)
        var c = SearchConfiguration()
        c.starts = 0; c.jobs = 2
        let r = try CriticalPointSearch(model: model, config: c, directory: nil).run(resume: false)
        let flat = r.points.filter { $0.classValue == .strictSaddle && ($0.stats.extraZeroEigenvalues ?? 0) > 0 }
        let atLogK = flat.filter { abs($0.loss - log(10.0)) < 1e-9 }
        XCTAssertEqual(atLogK.count, 1)
        XCTAssertGreaterThanOrEqual(atLogK.first?.hits ?? 0, 3, "\(atLogK.first?.origins ?? [:])")
        for (i, a) in flat.enumerated() {
            for b in flat[(i + 1)...] {
                XCTAssertFalse(a.index == b.index && ClassificationRule.lossesAgree(a.loss, b.loss), "points \(a.id) and \(b.id) share a set")
            }
        }
    }

    /// K = 3, d = 2, n = 1, τ = 2: the critical set at loss log 3 (classifiers and features
    /// aligned so that every logit is equal) is reached from many starts at many of its members,
    /// each degenerate at second order. It is one class: one record, hit by every start that
    /// reached any member (before, each member was its own class and the search could not reach
    /// its coverage target).
    func testMembersOfOneDegenerateSetAreOneClass() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 2, n: 1, tau: 2)
        let config = SearchConfiguration(starts: 64, seed: 0, jobs: 2, ansatz: true, startMix: .alternate)
        let r = try CriticalPointSearch(model: model, config: config, directory: nil).run(resume: false)
        let level = log(3.0)
        let degenerate = r.points.filter { $0.classValue == .degenerate && abs($0.loss - level) < 1e-9 }
        XCTAssertEqual(degenerate.count, 1, "degenerate records at log 3: \(degenerate.map(\.id))")
        let hits = try XCTUnwrap(degenerate.first).hits
        XCTAssertGreaterThan(hits, 2, "the set is reached from several starts")
    }
}
