import XCTest
@testable import NCLandscape

/// The coverage estimators of docs/formulas.md §13, on populations whose class probabilities are
/// known, and the adaptive search built on them.
final class CoverageTests: XCTestCase {
    /// Worked by hand: outcomes 0,0,1,2,2,3 and one failure → S = 6 converged, f₁ = 2 (classes 1, 3),
    /// f₂ = 2 (classes 0, 2): Good–Turing 2/6, rule of three 3/6, Chao1 2²/(2·2) = 1.
    func testEstimatorsOnAHandWorkedSample() {
        let c = PopulationCoverage(origin: "random-descent", outcomes: [0, 0, 1, 2, 2, 3, nil])
        XCTAssertEqual(c.draws, 7)
        XCTAssertEqual(c.failures, 1)
        XCTAssertEqual(c.converged, 6)
        XCTAssertEqual(c.classes, 4)
        XCTAssertEqual(c.singletons, 2)
        XCTAssertEqual(c.doubletons, 2)
        XCTAssertEqual(c.missingMass!, 2.0 / 6, accuracy: 1e-15)
        XCTAssertEqual(c.ruleOfThree!, 0.5, accuracy: 1e-15)
        XCTAssertEqual(c.unseenClassesChao1!, 1, accuracy: 1e-15)
        XCTAssertEqual(c.missingMassBound, 0.5, accuracy: 1e-15)
        XCTAssertEqual(c.hits.map(\.hits), [2, 1, 2, 1])
        // No doubleton: the bias-corrected form f₁(f₁−1)/2.
        XCTAssertEqual(PopulationCoverage.chao1Unseen(f1: 5, f2: 0), 10)
        XCTAssertEqual(PopulationCoverage.chao1Unseen(f1: 0, f2: 0), 0)
        // Nothing converged: no estimate, and a bound that never meets a target.
        let none = PopulationCoverage(origin: "random-newton", outcomes: [nil, nil])
        XCTAssertNil(none.missingMass)
        XCTAssertEqual(none.missingMassBound, .infinity)
    }

    /// A population with known class probabilities (a geometric tail: many rare classes). Over
    /// 4000 replicate searches of S = 200 draws, the mean Good–Turing estimate equals its exact
    /// expectation Σ p_i (1−p_i)^{S−1}, which is at least the exact expected missing mass
    /// Σ p_i (1−p_i)^S (the estimator is conservative in expectation), and the realized missing
    /// mass averages to that expectation. Tolerance: 5 standard errors of the replicate mean.
    func testGoodTuringOnAKnownPopulation() {
        let classes = 60
        var p = (0 ..< classes).map { pow(0.85, Double($0)) }
        let total = p.reduce(0, +)
        p = p.map { $0 / total }
        let S = 200, replicates = 4000
        var rng = SeededGenerator(seed: 7)
        var estimates: [Double] = [], realized: [Double] = []
        for _ in 0 ..< replicates {
            var outcomes: [Int?] = []
            for _ in 0 ..< S {
                var u = rng.uniform(), k = 0
                while k < classes - 1 && u > p[k] { u -= p[k]; k += 1 }
                outcomes.append(k)
            }
            let c = PopulationCoverage(origin: "synthetic", outcomes: outcomes)
            estimates.append(c.missingMass!)
            let seen = Set(outcomes.compactMap { $0 })
            realized.append((0 ..< classes).filter { !seen.contains($0) }.map { p[$0] }.reduce(0, +))
        }
        func meanAndSE(_ x: [Double]) -> (Double, Double) {
            let m = x.reduce(0, +) / Double(x.count)
            let v = x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)
            return (m, (v / Double(x.count)).squareRoot())
        }
        let expectedEstimate = p.map { $0 * pow(1 - $0, Double(S - 1)) }.reduce(0, +)
        let expectedMissing = p.map { $0 * pow(1 - $0, Double(S)) }.reduce(0, +)
        let (mEst, seEst) = meanAndSE(estimates), (mReal, seReal) = meanAndSE(realized)
        XCTAssertEqual(mEst, expectedEstimate, accuracy: 5 * seEst)
        XCTAssertEqual(mReal, expectedMissing, accuracy: 5 * seReal)
        XCTAssertGreaterThanOrEqual(expectedEstimate, expectedMissing)
        // The estimate tracks the truth: f₁/S is not, say, twice the missing mass (a factor-2 error
        // in the estimator would move the mean by ~40 standard errors here).
        XCTAssertEqual(mEst / mReal, 1, accuracy: 0.1)
    }

    /// Rule of three: a class of probability 3/S is missed by all S draws in at most e^{−3} ≈ 5%
    /// of searches (measured over 20 000 searches; 5% + 4 binomial standard errors).
    func testRuleOfThreeMissesARareClassAtMostFivePercent() {
        let S = 300, p = 3.0 / Double(S), searches = 20_000
        var rng = SeededGenerator(seed: 11)
        var missed = 0
        for _ in 0 ..< searches {
            var seen = false
            for _ in 0 ..< S where rng.uniform() < p { seen = true; break }
            if !seen { missed += 1 }
        }
        let rate = Double(missed) / Double(searches)
        XCTAssertLessThanOrEqual(rate, exp(-3.0) + 4 * (0.05 * 0.95 / Double(searches)).squareRoot())
        // …and not far below it either: (1 − 3/S)^S → e^{−3} from below.
        XCTAssertGreaterThan(rate, 0.04)
    }

    func testTargetValidationAndControllingPopulation() throws {
        assertThrowsInput(try CoverageTarget(missingMass: 0), contains: "until-missing-mass")
        assertThrowsInput(try CoverageTarget(missingMass: .nan), contains: "until-missing-mass")
        assertThrowsInput(try CoverageTarget(missingMass: 1), contains: "until-missing-mass")
        assertThrowsInput(try CoverageTarget(missingMass: 0.01, maxStarts: 10, batch: 64), contains: "max-starts")
        assertThrowsInput(try CoverageTarget(missingMass: 0.01, maxStarts: 100, batch: 1), contains: "batch")
        let t = try CoverageTarget(missingMass: 0.05)
        let covered = PopulationCoverage(origin: "random-descent", outcomes: [Int?](repeating: 0, count: 60))   // 3/60 = 5%
        let few = PopulationCoverage(origin: "random-descent", outcomes: [Int?](repeating: 0, count: 59))       // 3/59 > 5%
        let saddles = PopulationCoverage(origin: "random-newton", outcomes: Array(0 ..< 60))                   // f₁/S = 1
        XCTAssertTrue(t.isMet([saddles, covered], mix: .alternate))
        XCTAssertFalse(t.isMet([saddles, few], mix: .alternate))
        XCTAssertFalse(t.isMet([saddles, covered], mix: .newton))
        XCTAssertFalse(t.isMet([saddles], mix: .descent))
    }

    func tempDir(_ name: String) -> String {
        NSTemporaryDirectory() + "/nclandscape-cov-\(name)-\(getpid())-\(UInt32.random(in: 0 ... .max))"
    }

    /// The adaptive search draws whole batches until the descent starts' bound meets the target,
    /// reproduces from its seed, resumes to the same result after losing its last batch, and
    /// reports its coverage in the verdict line.
    func testAdaptiveSearchStopsAtTargetAndReproduces() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 4, n: 1, tau: 2)
        var config = SearchConfiguration(starts: 0, seed: 3, jobs: 2, ansatz: false, startMix: .descent)
        config.coverage = try CoverageTarget(missingMass: 0.1, maxStarts: 400, batch: 8)
        let dir = tempDir("adaptive")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try CriticalPointSearch(model: model, config: config, directory: dir).run(resume: false)
        XCTAssertEqual(a.coverageTargetMet, true)
        XCTAssertEqual(a.starts % 8, 0)
        // 3/S ≤ 0.1 needs S ≥ 30 converged descents: at least 4 batches of 8.
        XCTAssertGreaterThanOrEqual(a.starts, 32)
        let descent = try XCTUnwrap(a.coverage.first { $0.origin == "random-descent" })
        XCTAssertLessThanOrEqual(descent.missingMassBound, 0.1)
        // One batch earlier the target was not met (otherwise the search would have stopped there).
        let earlier = PopulationCoverage.populations(Array(a.tasks.prefix(a.starts - 8)))
        XCTAssertFalse(config.coverage!.isMet(earlier, mix: .descent))
        let b = try CriticalPointSearch(model: model, config: config, directory: nil).run(resume: false)
        XCTAssertEqual(b.starts, a.starts)
        XCTAssertEqual(b.coverage, a.coverage)
        // Drop the last 5 task lines (an interrupted run) and resume: same starts, same coverage.
        let tasksPath = dir + "/tasks.jsonl"
        let lines = try String(contentsOfFile: tasksPath, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast(5).joined(separator: "\n") + "\n").write(toFile: tasksPath, atomically: true, encoding: .utf8)
        let c = try CriticalPointSearch(model: model, config: config, directory: dir).run(resume: true)
        XCTAssertEqual(c.starts, a.starts)
        XCTAssertEqual(c.coverage, a.coverage)
        let summary = VerifySummary(model: model, config: config, result: a)
        XCTAssertTrue(summary.message.contains("missing mass ≤"), summary.message)
        XCTAssertEqual(summary.starts, a.starts)
        // A cap below what the target needs: stopped at the cap, and the verdict line says so.
        config.coverage = try CoverageTarget(missingMass: 0.001, maxStarts: 16, batch: 8)
        let capped = try CriticalPointSearch(model: model, config: config, directory: nil).run(resume: false)
        XCTAssertEqual(capped.starts, 16)
        XCTAssertEqual(capped.coverageTargetMet, false)
        XCTAssertTrue(VerifySummary(model: model, config: config, result: capped).message.contains("NOT met"))
    }

    /// A search none of whose descents converges stops after `unmeasurableAfter` of them, not at
    /// the cap, and says why. Descents are made to fail by allowing no Newton iteration after one
    /// trust-region step (a random start is never critical after one step), so this holds for any
    /// model; one converged start, or a rule that kept drawing, fails it.
    func testSearchWithNoConvergedStartStopsEarly() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 4, n: 1, tau: 2)
        var config = SearchConfiguration(starts: 0, seed: 0, jobs: 2, ansatz: false, startMix: .descent)
        config.descentIterations = 1
        config.newtonIterations = 0
        config.coverage = try CoverageTarget(missingMass: 0.01, maxStarts: 4000, batch: 64)
        let r = try CriticalPointSearch(model: model, config: config, directory: nil).run(resume: false)
        XCTAssertEqual(r.starts, CoverageTarget.unmeasurableAfter)
        XCTAssertEqual(r.coverageTargetMet, false)
        let descent = try XCTUnwrap(r.coverage.first { $0.origin == "random-descent" })
        XCTAssertEqual(descent.converged, 0)
        XCTAssertNil(descent.missingMass)
        let message = VerifySummary(model: model, config: config, result: r).message
        XCTAssertTrue(message.contains("none of 256 random-descent starts converged"), message)
        XCTAssertTrue(message.contains("stops there"), message)
        // The rule itself: one converged start among 256, or fewer than 256 draws, keeps it going.
        let t = config.coverage!
        let none = PopulationCoverage(origin: "random-descent", outcomes: [Int?](repeating: nil, count: 256))
        let one = PopulationCoverage(origin: "random-descent", outcomes: [0] + [Int?](repeating: nil, count: 255))
        let early = PopulationCoverage(origin: "random-descent", outcomes: [Int?](repeating: nil, count: 192))
        XCTAssertTrue(t.isUnmeasurable([none], mix: .descent))
        XCTAssertFalse(t.isUnmeasurable([one], mix: .descent))
        XCTAssertFalse(t.isUnmeasurable([early], mix: .descent))
    }
}
