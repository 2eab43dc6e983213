import XCTest
@testable import NCLandscape

/// Property test of the readers: valid point JSON, `.npy` files and sweep-log lines are mutated
/// (byte flips, insertions of syntax characters and extreme numbers, deletions, truncations,
/// duplicated spans): a fixed number of mutants from a fixed seed, so every run tries the same
/// ones and a failure reproduces. Every mutant must either load or be refused with the reader's
/// own refusal — an `InputError` whose one-line message names the file — never another error
/// type, and never a crash (a trap or allocation abort fails the whole run).
final class FuzzTests: XCTestCase {

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

    /// Runs `body` on `count` mutants of `seed`; returns how many loaded.
    func fuzz(_ seed: Data, rngSeed: UInt64, count: Int, _ body: (Data) throws -> Void) -> Int {
        var rng = SeededGenerator(seed: rngSeed)
        var accepted = 0
        for i in 0 ..< count {
            let m = mutate(seed, rng: &rng)
            do { try body(m); accepted += 1 } catch let e as InputError {
                XCTAssertTrue(e.message.contains("mutant"), "mutant \(i): the refusal does not name the file: \(e.message)")
                XCTAssertFalse(e.message.contains("\n"), "mutant \(i): the refusal is not one line: \(e.message)")
            } catch {
                XCTFail("mutant \(i) raised \(type(of: error)) instead of the reader's refusal: \(error)")
            }
        }
        return accepted
    }

    func testPointJSONReader() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 3, n: 2, tau: 2, loss: .focal(gamma: 2))
        var rng = SeededGenerator(seed: 3)
        let valid = try JSONOutput.encode(PointFile(model: model, point: model.manifold.randomPoint(using: &rng)), pretty: false)
        let accepted = fuzz(valid, rngSeed: 1, count: 3000) { data in
            let p = try PointFile.decode(from: data, source: "mutant")
            do { _ = try p.load(normalize: true) } catch let e as InputError { throw InputError("mutant: \(e.message)") }
        }
        // Some mutants stay valid (a digit changed), most do not.
        XCTAssertGreaterThan(accepted, 0)
        XCTAssertLessThan(accepted, 3000)
    }

    func testNPYReader() throws {
        var rng = SeededGenerator(seed: 4)
        let valid = NPY.encode(NPYArray(shape: [4, 3], values: rng.normals(12)))
        let accepted = fuzz(valid, rngSeed: 2, count: 3000) { data in _ = try NPY.parse(data, source: "mutant") }
        XCTAssertLessThan(accepted, 3000)
    }

    func testSweepLogReader() throws {
        var g = SweepGrid()
        g.K = [3]; g.d = ["3"]; g.n = [1]; g.tau = [2]; g.starts = 1
        let path = NSTemporaryDirectory() + "/nclandscape-fuzz-\(getpid()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: path + ".lock") }
        let line = try Data(contentsOf: URL(fileURLWithPath: { _ = try Sweep.run(grid: g, output: path, jobs: 1); return path }()))
        let accepted = fuzz(line, rngSeed: 3, count: 1000) { data in
            let r = try StrictJSON.decode(SweepResult.self, from: data, what: "sweep result", source: "mutant")
            try Sweep.checkConsistent(r, path: "mutant")
        }
        XCTAssertLessThan(accepted, 1000)
    }

    /// Inputs found by scripts/fuzz.sh (libFuzzer), kept as regressions.
    func testLibFuzzerFindings() throws {
        // jsonl: a key holding an escaped newline ("seco\nd") in a damaged line that is not the
        // last; the refusal quoted the decoded key and became two lines.
        let path = NSTemporaryDirectory() + "/nclandscape-fuzz-finding-\(getpid()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let good = #"{"schemaVersion":2,"gradientNorm":1e-19,"origin":"etf","outcome":"new","pointId":0,"seconds":0.1,"task":"ansatz:etf"}"#
        let bad = #"{"schemaVersion":2,"gradientNorm":5e-15,"origin":"anti","seco\ndsnsatz:total"772}"#
        try (good + "\n" + bad + "\n" + good + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try JSONLines.read(TaskRecord.self, path: path)) { e in
            let m = (e as? InputError)?.message ?? "not an InputError: \(e)"
            XCTAssertFalse(m.contains("\n"), m)
            XCTAssertTrue(m.contains("line 2") && m.contains(#"seco\nd"#), m)
        }
        // Every InputError is one line, whatever it quotes.
        XCTAssertEqual(InputError("a\nb\u{1}").message, #"a\nb\u{1}"#)
    }
}
