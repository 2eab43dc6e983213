import XCTest
@testable import NCLandscape

/// One naming scheme and outputs that are inputs, checked on the built binary: a loss value is
/// `lossValue` in every JSON object and CSV header (`loss` is always the loss function), classes
/// are spelled `global_minimizer` in JSON, CSV and tables alike, a verify point (a line of
/// critical_points.jsonl, or critical_points.json with --id) goes into spectrum, slice, escape
/// and optimize, and files committed under results/ before the rename still load.
final class InteropTests: CommandLineTestCase {
    override var folderPrefix: String { "nclandscape-interop" }
    override var refusalsLeaveNoFiles: Bool { false }

    var repo: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    @discardableResult
    func ok(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        let o = try run(args)
        XCTAssertEqual(o.status, 0, "\(args.joined(separator: " ")): \(o.stderr)", file: file, line: line)
        XCTAssertFalse(o.signaled, file: file, line: line)
        return o
    }

    func object(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func objectFile(_ path: String) throws -> [String: Any] { try object(String(contentsOfFile: path, encoding: .utf8)) }

    /// Every key named `loss` anywhere in a JSON value holds the loss function (an object with
    /// `kind`), never a number; returns how many `lossValue` numbers were seen.
    func checkLossKeys(_ v: Any, _ where_: String) -> Int {
        var values = 0
        if let o = v as? [String: Any] {
            for (k, x) in o {
                if k == "loss" { XCTAssertNotNil((x as? [String: Any])?["kind"], "\(where_): \"loss\" is \(x), not a loss function") }
                if k == "lossValue" { XCTAssertTrue(x is NSNumber, "\(where_): lossValue is \(x)"); values += 1 }
                values += checkLossKeys(x, where_)
            }
        } else if let a = v as? [Any] {
            for x in a { values += checkLossKeys(x, where_) }
        }
        return values
    }

    func testOneNameForTheLossValueAndTheClasses() throws {
        _ = try ok(["point", "anti", "--K", "3", "--d", "3", "--n", "2", "-o", dir + "/anti.json", "--npy-dir", dir + "/npy"])
        let v = dir + "/v"
        _ = try ok(["verify", "--K", "3", "--d", "2", "--n", "1", "--tau", "8", "--starts", "4", "--jobs", "1", "--out", v])
        _ = try ok(["slice", dir + "/anti.json", "--out", dir + "/sl"])
        _ = try ok(["optimize", "--from", "random", "--K", "3", "--d", "3", "--max-iterations", "30", "--out", dir + "/opt"])
        let n = dir + "/npy/"
        var outputs: [(String, Any)] = [
            ("spectrum --json", try object(try ok(["spectrum", dir + "/anti.json", "--json"]).stdout)),
            ("analyze --json", try object(try ok(["analyze", "--features", n + "H.npy", "--labels", n + "y.npy", "--classifiers", n + "W.npy", "--tau", "2", "--json"]).stdout)),
            ("slice summary.json", try objectFile(dir + "/sl/summary.json")),
            ("optimize summary.json", try objectFile(dir + "/opt/summary.json")),
            ("verify summary.json", try objectFile(v + "/summary.json")),
        ]
        let points = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: v + "/critical_points.json"))) as? [Any])
        outputs.append(("critical_points.json", points))
        // Every entry of the array carries the version, as each line of the .jsonl does.
        for p in points { XCTAssertEqual((p as? [String: Any])?["schemaVersion"] as? Int, JSONOutput.schemaVersion) }
        let expectValues = ["spectrum --json", "analyze --json", "slice summary.json", "optimize summary.json", "critical_points.json"]
        for (name, value) in outputs {
            let count = checkLossKeys(value, name)
            if expectValues.contains(name) { XCTAssertGreaterThan(count, 0, "\(name) has no lossValue") }
        }
        // CSV headers are the JSON keys; classes are the JSON spelling, never Swift case names.
        let csv = try String(contentsOfFile: v + "/critical_points.csv", encoding: .utf8)
        let header = csv.split(separator: "\n")[0].split(separator: ",").map(String.init)
        let record = try XCTUnwrap(points.first as? [String: Any])
        for key in header where !["nc1", "nc2", "nc3", "accuracy"].contains(key) {
            XCTAssertNotNil(record[key], "critical_points.csv column \(key) is not a key of critical_points.json")
        }
        let classes = Set(CriticalPointClass.allCases.map(\.rawValue))
        for row in csv.split(separator: "\n").dropFirst() {
            let cls = String(row.split(separator: ",", omittingEmptySubsequences: false)[1])
            XCTAssertTrue(classes.contains(cls), "critical_points.csv class \(cls)")
        }
        XCTAssertFalse(try String(contentsOfFile: v + "/report.md", encoding: .utf8).contains("globalMinimizer"))
        for (f, column) in [("/sl/slice.csv", "lossValue"), ("/opt/trajectory.csv", "lossValue")] {
            let h = try String(contentsOfFile: dir + f, encoding: .utf8).split(separator: "\n")[0]
            XCTAssertTrue(h.split(separator: ",").contains(Substring(column)), "\(f): \(h)")
            XCTAssertFalse(h.contains("_"), "\(f): snake_case header \(h)")
        }
        XCTAssertEqual("\(CriticalPointClass.globalMinimizer)", "global_minimizer")
        XCTAssertEqual("\(HessianMethod.dense)", "dense")
    }

    /// A verify point goes straight into spectrum, slice, escape and optimize, as a single
    /// record (a line of critical_points.jsonl) or as critical_points.json with --id.
    func testVerifyPointsAreInputsOfEveryPointCommand() throws {
        let v = dir + "/v"
        _ = try ok(["verify", "--K", "3", "--d", "2", "--n", "1", "--tau", "8", "--starts", "6", "--jobs", "1", "--out", v])
        let points = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: v + "/critical_points.json"))) as? [[String: Any]])
        let saddle = try XCTUnwrap(points.first { $0["classification"] as? String == "strict_saddle" }, "no saddle found")
        let id = try XCTUnwrap(saddle["id"] as? Int)
        let lines = try String(contentsOfFile: v + "/critical_points.jsonl", encoding: .utf8).split(separator: "\n")
        let line = try XCTUnwrap(lines.first { (try? object(String($0)))?["id"] as? Int == id })
        let record = dir + "/record.json"
        try String(line).write(toFile: record, atomically: true, encoding: .utf8)
        let all = v + "/critical_points.json"
        for input in [[record], [all, "--id", "\(id)"]] {
            let s = try object(try ok(["spectrum"] + input + ["--json"]).stdout)
            XCTAssertEqual(s["classification"] as? String, "strict_saddle")
            // The point read back is the point written: same loss value to rounding (the
            // record's value was computed from the same doubles; 1e-13 relative allows a
            // different summation order between the search and the analysis).
            let a = try XCTUnwrap(s["lossValue"] as? Double), b = try XCTUnwrap(saddle["lossValue"] as? Double)
            XCTAssertEqual(a, b, accuracy: 1e-13 * abs(b))
            let tag = input.count == 1 ? "rec" : "all"
            _ = try ok(["slice"] + input + ["--out", dir + "/slice-" + tag])
            let e = try ok(["escape", "--point"] + input + ["--seeds", "1", "--radii", "1e-3", "--step", "0.05",
                                "--out", dir + "/esc-" + tag, "--json"])
            XCTAssertNotNil(try object(e.stdout)["saddleLoss"])
            let o = try ok(["optimize", "--point"] + input + ["--max-iterations", "200", "--out", dir + "/opt-" + tag])
            XCTAssertTrue(o.stdout.contains(input.count == 1 ? record : "(id \(id))"), o.stdout)
            // The optimizer's final point is itself a point file.
            _ = try ok(["spectrum", dir + "/opt-\(tag)/final.json", "--json"])
        }
        try assertRefused(["optimize", "--point", all, "--max-iterations", "1", "--out", dir + "/x"], contains: "--id")
        try assertRefused(["optimize", "--from", "random", "--id", "0", "--out", dir + "/x"], contains: "--id")
    }

    /// Files committed before the names were unified (schemaVersion 1: `invariants.loss`) load:
    /// a verify study's critical_points.json into spectrum and optimize, its records into the
    /// library's reader, and a committed sweep log into phase.
    func testCommittedResultsStillLoad() throws {
        // A verify output and 30 sweep lines as committed before the names were unified (schema
        // version 1), kept as fixtures since the committed studies were re-run.
        let legacy = repo + "/Tests/NCLandscapeTests/Fixtures/legacy"
        let gz = legacy + "/critical_points-v1.json.gz"
        let plain = dir + "/cp.json"
        XCTAssertEqual(try run([], shell: "gzip -dc '\(gz)' > '\(plain)'").status, 0)
        let text = try String(contentsOfFile: plain, encoding: .utf8)
        XCTAssertTrue(text.contains("\"invariants\":{\"classMeanGram\""), "the fixture is no longer an old-format file")
        XCTAssertFalse(text.contains("schemaVersion"))
        let records = try StrictJSON.decode([CriticalPointRecord].self, from: Data(text.utf8), what: "critical points", source: plain)
        XCTAssertGreaterThan(records.count, 0)
        let first = try XCTUnwrap(records.first)
        XCTAssertEqual(first.invariants.loss, first.loss, "invariants.loss (old name) was read")
        _ = try ok(["spectrum", plain, "--id", "\(first.id)", "--json"])
        _ = try ok(["optimize", "--point", plain, "--id", "\(first.id)", "--max-iterations", "5", "--out", dir + "/o"])
        // Re-encoded, the record uses the new name only, and reads back identically.
        let again = try JSONOutput.encode(first, pretty: false)
        let inv = try XCTUnwrap(try object(String(decoding: again, as: UTF8.self))["invariants"] as? [String: Any])
        XCTAssertNotNil(inv["lossValue"]); XCTAssertNil(inv["loss"])
        let back = try StrictJSON.decode(CriticalPointRecord.self, from: again, what: "record", source: "again")
        XCTAssertEqual(back.invariants, first.invariants)
        let sweep = legacy + "/sweep-v1.jsonl.gz"
        let g = try run([], shell: "gzip -dc '\(sweep)' > '\(dir!)/sweep.jsonl'")
        XCTAssertEqual(g.status, 0, g.stderr)
        XCTAssertTrue(try String(contentsOfFile: dir + "/sweep.jsonl", encoding: .utf8).hasPrefix("{\"schemaVersion\":1"))
        _ = try ok(["phase", dir + "/sweep.jsonl", "--out", dir + "/phase"])
    }

    /// Foundation's deletingLastPathComponent traps on one-character strings; every path
    /// helper now avoids it, so one-letter output names work.
    func testOneCharacterOutputNames() throws {
        _ = try ok(["point", "etf", "--K", "3", "--d", "3", "-o", "p"])
        _ = try ok(["verify", "--K", "3", "--d", "3", "--n", "1", "--starts", "1", "--jobs", "1", "--out", "v"])
        _ = try ok(["sweep", "--K", "3", "--d", "3", "--starts", "1", "--out", "s"])
        _ = try ok(["spectrum", "p", "--out", "x"])
        for (path, parent) in [("v", ""), ("é", ""), (".", ""), ("/", "/"), ("/a", "/"), ("a/b", "a"), ("a/b/", "a"), ("a//b", "a"), ("", "")] {
            XCTAssertEqual(PathText.parent(path), parent, path)
        }
    }
}
