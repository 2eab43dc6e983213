import XCTest
@testable import NCLandscape

final class SearchTests: XCTestCase {
    /// The same critical point moved by every symmetry at once (K = 4): rotated by a random
    /// Q ∈ O(d), classes permuted (class k becomes π[k] = 2 0 3 1; labels are sorted, so the
    /// columns are rebuilt) and samples shuffled within their class.
    func symmetricCopy(of x: Matrix, model: NormalizedFeatureModel, rng: inout SeededGenerator) throws -> Matrix {
        let q = try SpecialPoints.randomOrthogonal(model.d, using: &rng)
        let rotated = BLAS.product(.n, q, .n, x)
        let perm = [2, 0, 3, 1]
        var y = Matrix(rows: model.d, cols: x.cols)
        for k in 0 ..< 4 { y.setColumn(perm[k], rotated.column(k)) }
        for k in 0 ..< 4 {
            let samples = model.labels.indices.filter { model.labels[$0] == k }.shuffled(using: &rng)
            let targets = model.labels.indices.filter { model.labels[$0] == perm[k] }
            for (s, t) in zip(samples, targets) { y.setColumn(4 + t, rotated.column(4 + s)) }
        }
        return y
    }

    func tempDir(_ name: String) -> String {
        let p = NSTemporaryDirectory() + "/nclandscape-\(name)-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try? FileManager.default.removeItem(atPath: p)
        return p
    }

    /// The default `verify` configuration: the NC minimizer, total collapse and the anti-aligned
    /// saddle are all found, and the verdict is the theorem's (benign).
    func testDefaultVerifyFindsSpecialPointsAndIsBenign() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2)
        let config = SearchConfiguration(starts: 8, seed: 0, jobs: 2)
        let result = try CriticalPointSearch(model: model, config: config, directory: tempDir("verify")).run(resume: false)
        let summary = VerifySummary(model: model, config: config, result: result)
        XCTAssertEqual(summary.verdict, .benign, summary.message)
        let global = result.points.filter { $0.classValue == .globalMinimizer }
        XCTAssertEqual(global.count, 1)
        let nc = try XCTUnwrap(global.first, "no global minimizer found")
        XCTAssertEqual(nc.loss, try XCTUnwrap(model.optimalLoss), accuracy: 1e-12)
        XCTAssertLessThan(nc.nc.nc1, 1e-12)
        let k = 4.0
        let total = result.points.first { abs($0.loss - log(k)) < 1e-9 && $0.origins["total"] != nil }
        XCTAssertEqual(total?.classValue, .strictSaddle)
        let anti = result.points.first { $0.origins["anti"] != nil }
        XCTAssertEqual(anti?.classValue, .strictSaddle)
        // Anti-aligned point: logits z_{y_j} = −τ, others τ/(K−1).
        let expectedAnti = log(exp(-2.0) + 3 * exp(2.0 / 3)) + 2
        XCTAssertEqual(try XCTUnwrap(anti, "anti-aligned saddle not found").loss, expectedAnti, accuracy: 1e-12)
        XCTAssertEqual(result.points.reduce(0) { $0 + $1.hits }, result.tasks.filter { $0.outcome != .notCritical }.count)
    }

    /// A search whose spectra come from Lanczos + exact counts labels every point as the dense
    /// search does: the NC minimizer stays a global minimizer (not degenerate, not marginal)
    /// after the loss comparison in `summarize`, which must not re-test a λ_min(M_⊥) that Lanczos
    /// never computes.
    func testLanczosSearchLabelsLikeDense() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 2)
        var labels: [HessianMethod: [String: CriticalPointClass]] = [:]
        for method in [HessianMethod.dense, .lanczos] {
            var config = SearchConfiguration(starts: 0, seed: 0, jobs: 1)
            config.method = method
            let result = try CriticalPointSearch(model: model, config: config, directory: nil).run(resume: false)
            let summary = VerifySummary(model: model, config: config, result: result)
            XCTAssertEqual(summary.verdict, .benign, "\(method): \(summary.message)")
            let etf = try XCTUnwrap(result.points.first { $0.origins["etf"] != nil })
            XCTAssertEqual(etf.classValue, .globalMinimizer, "\(method)")
            XCTAssertFalse(etf.isMarginal, "\(method): margin \(String(describing: etf.classificationMargin))")
            labels[method] = Dictionary(result.points.map { p -> (String, CriticalPointClass) in (p.task, p.classification) },
                                        uniquingKeysWith: { a, _ in a })
        }
        XCTAssertEqual(labels[.dense], labels[.lanczos])
    }

    /// An `undetermined` point (Lanczos without exact counts) makes the verdict inconclusive:
    /// "benign" must not claim every point is a minimizer or a strict saddle.
    func testUndeterminedPointMakesVerdictInconclusive() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 2)
        let config = SearchConfiguration(starts: 0, seed: 0, jobs: 1)
        var result = try CriticalPointSearch(model: model, config: config, directory: nil).run(resume: false)
        XCTAssertEqual(VerifySummary(model: model, config: config, result: result).verdict, .benign)
        let id = try XCTUnwrap(result.points.firstIndex { $0.classValue == .strictSaddle })
        result.points[id].classification = .undetermined
        let summary = VerifySummary(model: model, config: config, result: result)
        XCTAssertEqual(summary.verdict, .inconclusive)
        XCTAssertEqual(summary.undeterminedIds, [result.points[id].id])
        XCTAssertTrue(summary.message.contains("undetermined"), summary.message)
    }

    /// A run folder belongs to one run: an existing run is refused without --resume or --force,
    /// resuming with fewer starts than finished is refused, and a held lock keeps a second
    /// writer out.
    func testRunFolderOwnership() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 4, n: 1, tau: 2)
        let dir = tempDir("owned")
        var config = SearchConfiguration(starts: 2, seed: 0, jobs: 1, ansatz: false)
        let first = try CriticalPointSearch(model: model, config: config, directory: dir).run(resume: false)
        assertThrowsInput(try CriticalPointSearch(model: model, config: config, directory: dir).run(resume: false), contains: "already holds a run")
        let again = try CriticalPointSearch(model: model, config: config, directory: dir).run(resume: false, force: true)
        XCTAssertEqual(again.points.count, first.points.count)
        config.starts = 1
        assertThrowsInput(try CriticalPointSearch(model: model, config: config, directory: dir).run(resume: true), contains: "beyond --starts")
        config.starts = 2
        do {
            let held = try RunLock.folder(dir)
            assertThrowsInput(try CriticalPointSearch(model: model, config: config, directory: dir).run(resume: true), contains: "another nclandscape process")
            withExtendedLifetime(held) {}
        }
        XCTAssertEqual(try CriticalPointSearch(model: model, config: config, directory: dir).run(resume: true).points.count, first.points.count)
    }

    /// A search that reached no minimizer missed the global minimum (which a compact manifold
    /// always has): its saddles alone must not make the verdict benign. The real failure this
    /// guards: K=4, d=3, ε=0.1, τ=32, where every descent start once stalled and only saddles
    /// were found.
    func testSearchWithoutMinimizerIsInconclusive() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 2)
        let config = SearchConfiguration(starts: 0, seed: 0, jobs: 1)
        var result = try CriticalPointSearch(model: model, config: config, directory: nil).run(resume: false)
        XCTAssertEqual(VerifySummary(model: model, config: config, result: result).verdict, .benign)
        result.points.removeAll { $0.classValue.isMinimizer }
        XCTAssertFalse(result.points.isEmpty)
        let summary = VerifySummary(model: model, config: config, result: result)
        XCTAssertEqual(summary.verdict, .inconclusive)
        XCTAssertTrue(summary.message.contains("no minimizer"), summary.message)
    }

    /// Label smoothing with d < K at large τ has degenerate minimizers where Newton alone stalls;
    /// descent starts must still reach them (they continue the trust region to rounding level).
    func testDescentReachesDegenerateSmoothingMinimizer() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 3, n: 1, tau: 32, labelSmoothing: 0.1)
        var config = SearchConfiguration(starts: 4, seed: 0, jobs: 1, ansatz: false, startMix: .descent)
        config.method = .dense
        let result = try CriticalPointSearch(model: model, config: config, directory: nil).run(resume: false)
        let minimizers = result.points.filter { $0.classValue == .globalMinimizer }
        XCTAssertFalse(minimizers.isEmpty, "no minimizer from \(result.tasks.count) descent starts")
        // The minimizer found lies far below total collapse (log K) where the stalled run ended.
        XCTAssertLessThan(try XCTUnwrap(minimizers.map(\.loss).min()), 0.5 * log(4.0))
    }

    /// The same critical point rotated by a random Q ∈ O(d), with classes permuted (and samples
    /// relabelled) and samples shuffled within classes, has the same invariants; a different
    /// critical point does not.
    func testDeduplicationRecognizesSymmetricCopies() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 2, tau: 2)
        var rng = SeededGenerator(seed: 5)
        // A non-trivial critical point: a sign pattern polished by Newton.
        let w = try SpecialPoints.simplexETF(K: 4, d: 5)
        let x = try NewtonPolisher.polish(model, from: SpecialPoints.aligned(model, classifiers: w, signs: [-1, 1, 1, 1])).point
        let loss = model.loss(at: x)
        let inv = try CriticalPointInvariants(model: model, point: x, loss: loss, index: 3)
        let y = try symmetricCopy(of: x, model: model, rng: &rng)
        XCTAssertEqual(model.loss(at: y), loss, accuracy: 1e-13)
        XCTAssertLessThan(model.riemannianGradient(at: y).frobeniusNorm, 1e-10)
        let inv2 = try CriticalPointInvariants(model: model, point: y, loss: model.loss(at: y), index: 3)
        XCTAssertTrue(inv.matches(inv2))
        let other = try NewtonPolisher.polish(model, from: SpecialPoints.aligned(model, classifiers: w, signs: [-1, -1, 1, 1])).point
        let inv3 = try CriticalPointInvariants(model: model, point: other, loss: model.loss(at: other), index: 3)
        XCTAssertFalse(inv.matches(inv3))
    }

    /// Deduplication at the edge of its tolerances (docs/formulas.md §5): the same critical point
    /// rotated by Q ∈ O(d) and with classes and samples permuted must merge, while a point whose
    /// invariants differ from it by 1e-5 relative in one Gram eigenvalue (10× the 1e-6 spectrum
    /// tolerance), in each of the three spectra, or by 1e-8 in loss (100× the loss tolerance,
    /// 1e-10 · max(1, |f|) = 1e-10 at this loss, 0.74), must stay distinct. The nudges are applied to
    /// the copy's invariants, so the copy is what they are compared against. Differences of 1e-8
    /// relative in an eigenvalue and 1e-12 in loss (what polishing the same point twice leaves,
    /// ~1e-9 and ~1e-14) must still merge.
    func testDeduplicationToleranceEdge() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 2, tau: 2)
        var rng = SeededGenerator(seed: 7)
        let w = try SpecialPoints.simplexETF(K: 4, d: 5)
        let polished = try NewtonPolisher.polish(model, from: SpecialPoints.aligned(model, classifiers: w, signs: [-1, 1, 1, 1]))
        XCTAssertTrue(polished.converged)
        let x = polished.point
        let inv = try CriticalPointInvariants(model: model, point: x, loss: model.loss(at: x), index: 3)
        // The copy: rotated, classes permuted (2 0 3 1), samples shuffled within their class.
        let y = try symmetricCopy(of: x, model: model, rng: &rng)
        let copy = try CriticalPointInvariants(model: model, point: y, loss: model.loss(at: y), index: 3)
        XCTAssertTrue(inv.matches(copy), "a rotated and permuted copy must merge")
        XCTAssertTrue(copy.matches(inv))

        func nudged(_ change: (inout CriticalPointInvariants) -> Void) -> CriticalPointInvariants {
            var c = copy
            change(&c)
            return c
        }
        // The largest eigenvalue of each spectrum (all ≥ 1 here, so the tolerance is relative).
        let spectra: [(String, WritableKeyPath<CriticalPointInvariants, [Double]>)] =
            [("WᵀW", \.classifierGram), ("H̄ᵀH̄", \.classMeanGram), ("XXᵀ", \.pointGram)]
        for (name, path) in spectra {
            let top = try XCTUnwrap(copy[keyPath: path].indices.last, "\(name): empty spectrum")
            XCTAssertGreaterThanOrEqual(copy[keyPath: path][top], 1, name)
            let far = nudged { $0[keyPath: path][top] *= 1 + 1e-5 }
            XCTAssertFalse(inv.matches(far), "\(name): eigenvalue 1e-5 relative apart must stay distinct")
            XCTAssertFalse(far.matches(inv), name)
            let near = nudged { $0[keyPath: path][top] *= 1 + 1e-8 }
            XCTAssertTrue(inv.matches(near), "\(name): eigenvalue 1e-8 relative apart must merge")
        }
        XCTAssertLessThan(abs(inv.loss), 1, "the loss tolerance is absolute (1e-10) only for |f| ≤ 1")
        XCTAssertFalse(inv.matches(nudged { $0.loss += 1e-8 }), "loss 1e-8 apart must stay distinct")
        XCTAssertFalse(inv.matches(nudged { $0.loss -= 1e-8 }), "loss 1e-8 apart must stay distinct")
        XCTAssertTrue(inv.matches(nudged { $0.loss += 1e-12 }), "loss 1e-12 apart must merge")
        XCTAssertFalse(inv.matches(nudged { $0.index += 1 }), "another index must stay distinct")
    }

    /// A run interrupted midway (files cut where a kill could leave them, including a torn last
    /// line) and resumed ends with the same distinct points as an uninterrupted run.
    func testResumeAfterInterruptionGivesTheSameSet() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 2)
        let config = SearchConfiguration(starts: 10, seed: 3, jobs: 2)
        let full = try CriticalPointSearch(model: model, config: config, directory: tempDir("full")).run(resume: false)

        let dir = tempDir("resume")
        _ = try CriticalPointSearch(model: model, config: config, directory: dir).run(resume: false)
        // Simulate the kill: keep the first half of the task log and the points those tasks found,
        // plus half a line of the next record.
        let tasksText = try String(contentsOfFile: dir + "/tasks.jsonl", encoding: .utf8).split(separator: "\n")
        let keep = tasksText.count / 2
        let keptIds = Set(try JSONLines.read(TaskRecord.self, path: dir + "/tasks.jsonl").prefix(keep).compactMap(\.pointId))
        let pointsText = try String(contentsOfFile: dir + "/critical_points.jsonl", encoding: .utf8).split(separator: "\n")
        guard keep < tasksText.count, keptIds.count < pointsText.count else {
            return XCTFail("the run is too small to cut midway: \(tasksText.count) task lines, \(pointsText.count) point lines, \(keptIds.count) kept")
        }
        let keptPoints = pointsText.prefix(keptIds.count)
        try (keptPoints.joined(separator: "\n") + "\n" + pointsText[keptIds.count].prefix(40)).write(toFile: dir + "/critical_points.jsonl", atomically: true, encoding: .utf8)
        try (tasksText.prefix(keep).joined(separator: "\n") + "\n" + tasksText[keep].prefix(20)).write(toFile: dir + "/tasks.jsonl", atomically: true, encoding: .utf8)

        let resumed = try CriticalPointSearch(model: model, config: config, directory: dir).run(resume: true)
        XCTAssertEqual(resumed.tasks.count, full.tasks.count)
        XCTAssertEqual(resumed.points.count, full.points.count)
        for p in full.points { XCTAssertTrue(resumed.points.contains { $0.invariants.matches(p.invariants) }, "point \(p.id) lost") }
        XCTAssertEqual(resumed.points.map(\.hits), full.points.map(\.hits))
        // A mismatched folder is refused.
        let other = SearchConfiguration(starts: 10, seed: 4, jobs: 2)
        XCTAssertThrowsError(try CriticalPointSearch(model: model, config: other, directory: dir).run(resume: true))
    }

    func testPartitions() {
        XCTAssertEqual(AnsatzFamilies.partitions(4, into: 2), [[3, 1], [2, 2]])
        XCTAssertEqual(AnsatzFamilies.partitions(5, into: 3), [[3, 1, 1], [2, 2, 1]])
        XCTAssertEqual((1 ... 6).map { AnsatzFamilies.partitions(6, into: $0).count }.reduce(0, +), 11)
    }

    /// Outside the theorem (imbalanced, no closed form): minimizers are settled against the
    /// best loss found, so none stays `local_minimizer`.
    func testImbalancedVerifySettlesMinimizers() throws {
        let model = try NormalizedFeatureModel(d: 3, counts: [4, 1, 1], tau: 2)
        let config = SearchConfiguration(starts: 6, seed: 1, jobs: 1)
        let result = try CriticalPointSearch(model: model, config: config, directory: tempDir("imb")).run(resume: false)
        XCTAssertFalse(result.points.contains { $0.classValue == .localMinimizer })
        XCTAssertTrue(result.points.contains { $0.classValue == .globalMinimizer })
        let best = try XCTUnwrap(CriticalPointSearch.bestLoss(result.points))
        for p in result.points where p.classValue == .globalMinimizer { XCTAssertEqual(p.loss, best, accuracy: 1e-9) }
        // summary.json always carries fStar (null here: no closed form) and bestLoss.
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: JSONOutput.encode(VerifySummary(model: model, config: config, result: result))) as? [String: Any])
        XCTAssertTrue(json.keys.contains("fStar"))
        XCTAssertTrue(json["fStar"] is NSNull)
        XCTAssertEqual(json["bestLoss"] as? Double ?? .nan, best, accuracy: 1e-15)
        XCTAssertNotNil(json["verdict"] as? String)
    }

    /// Saddle seeking: Newton straight from a random point converges for 3 of 10 starts here;
    /// retried from early gradient-descent iterates, the same starts converge (to strict saddles
    /// and minimizers), and the coverage table says how.
    func testSaddleSeekingStartsConverge() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 8)
        var direct = 0
        for i in stride(from: 0, to: 20, by: 2) {
            let s = AnsatzFamilies.randomStart(i, model: model, seed: 0, mix: .newton)
            if try NewtonPolisher.polish(model, from: s.point, maxIterations: 60).converged { direct += 1 }
        }
        XCTAssertLessThanOrEqual(direct, 5, "the test needs starts where Newton alone fails")
        let config = SearchConfiguration(starts: 20, seed: 0, jobs: 1, ansatz: false, startMix: .newton)
        let result = try CriticalPointSearch(model: model, config: config, directory: nil).run(resume: false)
        let converged = result.tasks.filter { $0.outcome != .notCritical }.count
        XCTAssertGreaterThanOrEqual(converged, 18)
        XCTAssertGreaterThan(result.points.filter { $0.classValue == .strictSaddle }.count, 3)
        let coverage = VerifySummary(model: model, config: config, result: result).coverage
        XCTAssertEqual(coverage.map(\.origin), ["random-newton"])
        let row = try XCTUnwrap(coverage.first, "no coverage row")
        XCTAssertEqual(row.started, 20)
        XCTAssertEqual(row.new + row.duplicate, converged)
        XCTAssertGreaterThan(row.convergedAfterDescentSteps, 5)
    }

    /// The same search with one and two workers gives the same points, bit for bit: each task
    /// runs on single-threaded BLAS whatever the worker count, so rounding does not depend on it.
    func testResultsDoNotDependOnJobs() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 3)
        var results: [[(Double, [Double])]] = []
        for jobs in [1, 2] {
            let r = try CriticalPointSearch(model: model, config: SearchConfiguration(starts: 16, seed: 3, jobs: jobs), directory: nil).run(resume: false)
            results.append(r.points.map { ($0.loss, $0.eigenvalues) })
        }
        guard results.count == 2 else { return XCTFail("expected two runs, got \(results.count)") }
        XCTAssertEqual(results[0].count, results[1].count)
        for (a, b) in zip(results[0], results[1]) { XCTAssertEqual(a.0, b.0); XCTAssertEqual(a.1, b.1) }
    }
}
