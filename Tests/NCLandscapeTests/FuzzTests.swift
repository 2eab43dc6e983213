import XCTest
@testable import NCLandscape

/// Property test of the readers: valid point JSON, `.npy` files and sweep-log lines are mutated
/// at random (byte flips, insertions of syntax characters and extreme numbers, deletions,
/// truncations, duplicated spans) for a bounded time each. Every mutant must either load or be
/// refused with an `InputError`/`LinearAlgebraError`; a crash (trap, allocation abort) fails the
/// whole test run. Seeded, so a failure reproduces.
final class FuzzTests: XCTestCase {
    /// Seconds per reader: enough for thousands of mutants, small next to the suite.
    let budget = 2.0

    static let tokens: [String] = ["{", "}", "[", "]", ",", ":", "\"", "null", "true", "-", "e", ".", "1e308", "-1e400",
                                   "9223372036854775807", "18446744073709551616", "4294967296", "0", "-1", "NaN", "\\u0000", " "]

    func mutate(_ data: Data, rng: inout SeededGenerator) -> Data {
        var b = [UInt8](data)
        let edits = 1 + Int(rng.next() % 4)
        for _ in 0 ..< edits where !b.isEmpty {
            let at = Int(rng.next() % UInt64(b.count))
            switch rng.next() % 6 {
            case 0: b[at] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8))
            case 1: b.insert(contentsOf: Array(Self.tokens[Int(rng.next() % UInt64(Self.tokens.count))].utf8), at: at)
            case 2: b.remove(at: at)
            case 3: b = Array(b.prefix(at))
            case 4:
                let len = min(b.count - at, 1 + Int(rng.next() % 16))
                b.insert(contentsOf: b[at ..< at + len], at: at)
            default: b[at] = UInt8(truncatingIfNeeded: rng.next())
            }
        }
        return Data(b)
    }

    /// Runs `body` on mutants of `seed` until the time budget is spent; returns (tried, accepted).
    func fuzz(_ seed: Data, rngSeed: UInt64, _ body: (Data) throws -> Void) -> (Int, Int) {
        var rng = SeededGenerator(seed: rngSeed)
        let t0 = Stopwatch.now()
        var tried = 0, accepted = 0
        while Stopwatch.now() - t0 < budget {
            let m = mutate(seed, rng: &rng)
            tried += 1
            do { try body(m); accepted += 1 } catch is InputError {
            } catch is LinearAlgebraError {
            } catch {
                XCTFail("mutant \(tried) raised an unexpected error type: \(error)")
            }
        }
        return (tried, accepted)
    }

    func testPointJSONReader() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 3, n: 2, tau: 2, loss: .focal(gamma: 2))
        var rng = SeededGenerator(seed: 3)
        let valid = try JSONOutput.encode(PointFile(model: model, point: model.manifold.randomPoint(using: &rng)), pretty: false)
        let (tried, accepted) = fuzz(valid, rngSeed: 1) { data in
            let p = try PointFile.decode(from: data, source: "mutant")
            _ = try p.load(normalize: true)
        }
        XCTAssertGreaterThan(tried, 200)
        XCTAssertLessThan(accepted, tried)
    }

    func testNPYReader() throws {
        var rng = SeededGenerator(seed: 4)
        let valid = NPY.encode(NPYArray(shape: [4, 3], values: rng.normals(12)))
        let (tried, _) = fuzz(valid, rngSeed: 2) { data in _ = try NPY.parse(data, source: "mutant") }
        XCTAssertGreaterThan(tried, 200)
    }

    func testSweepLogReader() throws {
        var g = SweepGrid()
        g.K = [3]; g.d = ["3"]; g.n = [1]; g.tau = [2]; g.starts = 1
        let path = NSTemporaryDirectory() + "/nclandscape-fuzz-\(getpid()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: path + ".lock") }
        let line = try Data(contentsOf: URL(fileURLWithPath: { _ = try Sweep.run(grid: g, output: path, jobs: 1); return path }()))
        let (tried, _) = fuzz(line, rngSeed: 3) { data in
            let r = try StrictJSON.decode(SweepResult.self, from: data, what: "sweep result", source: "mutant")
            try Sweep.checkConsistent(r, path: "mutant")
        }
        XCTAssertGreaterThan(tried, 100)
    }
}
