import XCTest
@testable import NCLandscape

final class SweepTests: XCTestCase {
    func tempFile(_ name: String) -> String {
        NSTemporaryDirectory() + "/nclandscape-sweep-\(name)-\(getpid())-\(UInt32.random(in: 0 ... .max)).jsonl"
    }

    func grid() -> SweepGrid {
        var g = SweepGrid()
        g.K = [3, 4]; g.d = ["K-1..K+1"]; g.n = [1, 2]; g.tau = [2]; g.imbalance = [1, 3]
        g.starts = 4; g.seed = 1
        return g
    }

    func testGridExpressions() throws {
        XCTAssertEqual(try SweepGrid.dValues("2..K+2", K: 3), [2, 3, 4, 5])
        XCTAssertEqual(try SweepGrid.dValues("K-2..K", K: 4), [2, 3, 4])
        XCTAssertEqual(try SweepGrid.dValues("7", K: 4), [7])
        assertThrowsInput(try SweepGrid.dValues("x+1", K: 4), contains: "--d")
        let configs = try grid().configurations()
        XCTAssertEqual(configs.count, 2 * 3 * 2 * 2)
        XCTAssertEqual(Set(configs.map(\.key)).count, configs.count)
        let imb = configs.first { $0.imbalance == 3 && $0.n == 2 }!
        XCTAssertEqual(imb.classCounts, [6] + [Int](repeating: 2, count: imb.K - 1))
    }

    /// Shards 0/3, 1/3, 2/3 merged equal the unsharded sweep.
    func testShardsMergedEqualUnsharded() throws {
        let g = grid()
        let full = tempFile("full")
        let all = try Sweep.run(grid: g, output: full, jobs: 2)
        var shards: [String] = []
        for i in 0 ..< 3 {
            let p = tempFile("shard\(i)")
            _ = try Sweep.run(grid: g, output: p, shard: (i, 3), jobs: 1)
            shards.append(p)
        }
        let merged = tempFile("merged")
        XCTAssertEqual(try Sweep.merge(inputs: shards, output: merged), all.count)
        let a = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0.resultFingerprint) })
        let b = Dictionary(uniqueKeysWithValues: try JSONLines.read(SweepResult.self, path: merged).map { ($0.key, $0.resultFingerprint) })
        XCTAssertEqual(a, b)
        // A conflicting duplicate is refused.
        var rs = try JSONLines.read(SweepResult.self, path: shards[0])
        rs[0].verdict = rs[0].verdict == .spuriousMinimumFound ? .benign : .spuriousMinimumFound
        let bad = tempFile("bad")
        try JSONLines.append(rs[0], to: bad)
        assertThrowsInput(try Sweep.merge(inputs: [merged, bad], output: tempFile("x")), contains: "different results")
    }

    /// One writer per output: while a lock is held a second sweep on the same file refuses; a
    /// rerun with another seed is a different search and computes its own lines; a line whose
    /// key does not match its body is refused on merge.
    func testOutputOwnershipAndSearchIdentity() throws {
        var g = SweepGrid()
        g.K = [3]; g.d = ["3"]; g.n = [1]; g.tau = [2]; g.starts = 2; g.seed = 1
        let path = tempFile("owned")
        do {
            let held = try RunLock.file(path)
            assertThrowsInput(try Sweep.run(grid: g, output: path, jobs: 1), contains: "another nclandscape process")
            withExtendedLifetime(held) {}
        }
        XCTAssertEqual(try Sweep.run(grid: g, output: path, jobs: 1).count, 1)
        XCTAssertEqual(try JSONLines.read(SweepResult.self, path: path).count, 1)
        _ = try Sweep.run(grid: g, output: path, jobs: 1)                     // same search: skipped
        XCTAssertEqual(try JSONLines.read(SweepResult.self, path: path).count, 1)
        g.seed = 2
        _ = try Sweep.run(grid: g, output: path, jobs: 1)                     // another seed: its own line
        let both = try JSONLines.read(SweepResult.self, path: path)
        XCTAssertEqual(both.map(\.seed).sorted(), [1, 2])
        XCTAssertEqual(try Sweep.merge(inputs: [path], output: tempFile("m")), 2)
        var edited = both[0]
        edited.key = "K3-d4-n1-imb1.0-tau2.0-eps0.0"
        let bad = tempFile("edited")
        try JSONLines.append(edited, to: bad)
        assertThrowsInput(try Sweep.merge(inputs: [bad], output: tempFile("m2")), contains: "edited or is damaged")
        let empty = tempFile("empty")
        FileManager.default.createFile(atPath: empty, contents: Data())
        assertThrowsInput(try Sweep.merge(inputs: [empty], output: tempFile("m3")), contains: "holds no sweep results")
    }

    /// A sweep killed midway (its file cut after some lines, with a torn half line) and
    /// restarted finishes with every configuration exactly once and the same results.
    func testResumeAfterKillLosesNothing() throws {
        let g = grid()
        let full = tempFile("ref")
        let reference = try Sweep.run(grid: g, output: full, jobs: 2)
        let path = tempFile("killed")
        let lines = try String(contentsOfFile: full, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(5).joined(separator: "\n") + "\n" + lines[5].prefix(30)).write(toFile: path, atomically: true, encoding: .utf8)
        let resumed = try Sweep.run(grid: g, output: path, jobs: 2)
        XCTAssertEqual(resumed.count, reference.count)
        let onDisk = try JSONLines.read(SweepResult.self, path: path)
        XCTAssertEqual(onDisk.count, reference.count)
        XCTAssertEqual(Set(onDisk.map(\.key)).count, onDisk.count)
        let a = Dictionary(uniqueKeysWithValues: reference.map { ($0.key, $0.resultFingerprint) })
        let b = Dictionary(uniqueKeysWithValues: onDisk.map { ($0.key, $0.resultFingerprint) })
        XCTAssertEqual(a, b)
    }

    func testPhaseDiagramWritesFiles() throws {
        let out = NSTemporaryDirectory() + "/nclandscape-phase-\(getpid())"
        let rs = try Sweep.run(grid: grid(), output: tempFile("phase"), jobs: 2)
        let files = try PhaseDiagram.write(rs, to: out, source: "test")
        // Regimes are not pooled: the balanced map stands alone, imbalance 3 has its own.
        XCTAssertEqual(Set(files), ["phase_theorem_regime.svg", "phase_cross-entropy-imb3-eps0.svg", "phase_imbalance_vs_tau.svg"])
        for f in files + ["phase.md"] { XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + f), f) }
        let md = try String(contentsOfFile: out + "/phase.md", encoding: .utf8)
        XCTAssertTrue(md.contains("\(rs.count) configurations"))
        let theorem = try String(contentsOfFile: out + "/phase_theorem_regime.svg", encoding: .utf8)
        // 2 balanced configurations per (K, d) cell (n = 1, 2), none of the imbalanced ones.
        XCTAssertTrue(theorem.contains(">2/2<") || theorem.contains(">1/2<") || theorem.contains(">0/2<"))
        XCTAssertFalse(theorem.contains("/4<"), "imbalanced configurations pooled into the theorem's map")
        // Selectors restrict what is drawn.
        let only = try PhaseDiagram.write(rs, to: out + "-sel", source: "test", selectors: [try PhaseDiagram.Selector(parsing: "imbalance=3")])
        XCTAssertEqual(only, ["phase_cross-entropy-imb3-eps0.svg"])
        assertThrowsInput(try PhaseDiagram.Selector(parsing: "colour=red"), contains: "unknown key")
        // A regularized sweep's key on normalized lines is refused, not silently matching nothing.
        assertThrowsInput(try PhaseDiagram.write(rs, to: out + "-reg", source: "test", selectors: [try PhaseDiagram.Selector(parsing: "lambda-w=0.01")]),
                          contains: "a key of regularized sweeps")
        assertThrowsInput(try PhaseDiagram.write(rs, to: out + "-none", source: "test", selectors: [try PhaseDiagram.Selector(parsing: "K=99")]),
                          contains: "no sweep result matches")
    }
}
