import XCTest
@testable import NCLandscape

/// Regularized sweeps (`sweep --model regularized`) through the library: in the theorems' regime
/// every configuration is benign and reaches the closed-form optimum (its loss, norms and ratio
/// checked against docs/formulas.md §8), a rerun evaluates nothing again, a killed run finishes
/// each configuration once, shards merge to the unsharded result, and the two models' lines
/// never share a file.
final class RegularizedSweepTests: XCTestCase {
    func tempFile(_ name: String) -> String {
        NSTemporaryDirectory() + "/nclandscape-regsweep-\(name)-\(getpid())-\(UInt32.random(in: 0 ... .max)).jsonl"
    }

    /// K = 3, d = 4 > K, n = 2, two λ_W, both losses: 4 configurations.
    func grid() -> RegularizedSweepGrid {
        var g = RegularizedSweepGrid()
        g.K = [3]; g.d = ["K+1"]; g.n = [2]; g.lambdaW = [5e-3, 1e-3]; g.lambdaH = [1e-2]; g.loss = [.crossEntropy, .mse]
        g.starts = 6; g.seed = 1
        return g
    }

    func testGridKeysAndValidation() throws {
        let configs = try grid().configurations()
        XCTAssertEqual(configs.map(\.key), ["reg-K3-d4-n2-lw0.005-lh0.01-ce", "reg-K3-d4-n2-lw0.001-lh0.01-ce",
                                            "reg-K3-d4-n2-lw0.005-lh0.01-mse", "reg-K3-d4-n2-lw0.001-lh0.01-mse"])
        var g = grid()
        g.lambdaB = [2e-2]
        XCTAssertTrue(try g.configurations().allSatisfy { $0.key.hasSuffix("-b0.02") && $0.lambdaB == 2e-2 })
        g.lambdaW = [0]
        assertThrowsInput(try g.configurations(), contains: "--lambda-w")
        g = grid(); g.d = ["2..K"]
        XCTAssertEqual(try g.configurations().map(\.d), [2, 2, 3, 3, 2, 2, 3, 3])
    }

    func testTheoremRegimeIsBenignAtTheClosedFormOptimum() throws {
        var calls = 0
        let path = tempFile("benign")
        let results = try RegularizedSweep.run(grid: grid(), output: path, jobs: 2) { _, _, _ in calls += 1 }
        XCTAssertEqual(results.count, 4)
        XCTAssertEqual(calls, 4)
        for r in results {
            let c = r.config
            let p = try RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: c.lambdaW, lambdaH: c.lambdaH, loss: c.loss)
            let optimum = try XCTUnwrap(p.optimum, r.key)
            XCTAssertEqual(r.verdict, .benign, r.key)
            XCTAssertEqual(r.closedFormOptimumFound, true, r.key)
            XCTAssertTrue(r.census.theoremApplies, r.key)
            XCTAssertEqual(r.census.seed, 1)
            XCTAssertEqual(r.census.randomStarts, 6)
            XCTAssertEqual(try XCTUnwrap(r.census.fStar), optimum.value, accuracy: 1e-15 * optimum.value, r.key)
            // The lowest point is the closed form's minimizer: its loss, ‖w_k‖ = √t* (CE) or α
            // (MSE), and ‖h‖/‖w‖ = c.
            let best = try XCTUnwrap(r.census.points.first, r.key)
            XCTAssertEqual(best.classification, .globalMinimizer, r.key)
            XCTAssertEqual(best.loss, optimum.value, accuracy: 1e-10, r.key)
            XCTAssertGreaterThan(optimum.classifierNormSquared, 0, r.key)
            XCTAssertEqual(best.classifierNorm, optimum.classifierNormSquared.squareRoot(), accuracy: 1e-6, r.key)
            XCTAssertEqual(best.featureNorm / best.classifierNorm, optimum.featureRatio, accuracy: 1e-6, r.key)
            // Every other point is a strict saddle (the origin among them), none a minimizer.
            XCTAssertEqual(r.census.minimizers, 1, r.key)
            XCTAssertTrue(r.census.points.dropFirst().allSatisfy { $0.classification == .strictSaddle }, r.key)
        }
        // The file holds the lines, readable back with the same content.
        let onDisk = try JSONLines.read(RegularizedSweepResult.self, path: path)
        XCTAssertEqual(Set(onDisk.map(\.resultFingerprint)), Set(results.map(\.resultFingerprint)))
    }

    /// A rerun evaluates nothing; a run killed after one line (and a torn half line) evaluates
    /// only the three missing configurations and keeps the finished line as it was.
    func testResumeEvaluatesEachConfigurationOnce() throws {
        let g = grid()
        let path = tempFile("resume")
        let reference = try RegularizedSweep.run(grid: g, output: path, jobs: 2)
        let before = try String(contentsOfFile: path, encoding: .utf8)
        var calls = 0
        let again = try RegularizedSweep.run(grid: g, output: path, jobs: 2) { _, _, _ in calls += 1 }
        XCTAssertEqual(calls, 0, "a finished configuration was evaluated again")
        XCTAssertEqual(again.count, 4)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), before)

        let killed = tempFile("killed")
        let lines = before.split(separator: "\n")
        try (lines[0] + "\n" + lines[1].prefix(40)).write(toFile: killed, atomically: true, encoding: .utf8)
        let resumed = try RegularizedSweep.run(grid: g, output: killed, jobs: 2) { _, _, _ in calls += 1 }
        XCTAssertEqual(calls, 3)
        XCTAssertEqual(resumed.count, 4)
        let text = try String(contentsOfFile: killed, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix(lines[0] + "\n"), "the finished line was rewritten")
        let onDisk = try JSONLines.read(RegularizedSweepResult.self, path: killed)
        XCTAssertEqual(onDisk.count, 4)
        XCTAssertEqual(Set(onDisk.map(\.key)).count, 4)
        let a = Dictionary(uniqueKeysWithValues: reference.map { ($0.key, $0.resultFingerprint) })
        let b = Dictionary(uniqueKeysWithValues: onDisk.map { ($0.key, $0.resultFingerprint) })
        XCTAssertEqual(a, b)
        // Another seed is another search: its own lines, not skipped.
        var other = g
        other.seed = 2
        XCTAssertEqual(try RegularizedSweep.run(grid: other, output: killed, jobs: 2).count, 8)
    }

    func testShardsMergeAndModelsDoNotMix() throws {
        var g = grid()
        g.loss = [.crossEntropy]
        let full = tempFile("full")
        let all = try RegularizedSweep.run(grid: g, output: full, jobs: 1)
        let shards = try (0 ..< 2).map { i -> String in
            let p = tempFile("shard\(i)")
            XCTAssertEqual(try RegularizedSweep.run(grid: g, output: p, shard: (i, 2), jobs: 1).count, 1)
            return p
        }
        let merged = tempFile("merged")
        XCTAssertEqual(try Sweep.merge(inputs: shards, output: merged), all.count)
        XCTAssertEqual(Set(try JSONLines.read(RegularizedSweepResult.self, path: merged).map(\.resultFingerprint)), Set(all.map(\.resultFingerprint)))

        // A normalized sweep file is neither appended to nor merged with regularized lines.
        var n = SweepGrid()
        n.K = [3]; n.d = ["2"]; n.starts = 1
        let normalized = tempFile("normalized")
        _ = try Sweep.run(grid: n, output: normalized, jobs: 1)
        let text = try String(contentsOfFile: normalized, encoding: .utf8)
        assertThrowsInput(try RegularizedSweep.run(grid: g, output: normalized, jobs: 1), contains: "holds normalized-model sweep lines")
        XCTAssertEqual(try String(contentsOfFile: normalized, encoding: .utf8), text, "the normalized file was changed")
        assertThrowsInput(try Sweep.run(grid: n, output: full, jobs: 1), contains: "holds regularized-model sweep lines")
        assertThrowsInput(try Sweep.merge(inputs: [full, normalized], output: tempFile("x")), contains: "mix normalized and regularized")
        let mixed = tempFile("mixed")
        try (text + (try String(contentsOfFile: full, encoding: .utf8))).write(toFile: mixed, atomically: true, encoding: .utf8)
        assertThrowsInput(try SweepLineKind.single(path: mixed), contains: "mixes normalized and regularized")
    }
}
