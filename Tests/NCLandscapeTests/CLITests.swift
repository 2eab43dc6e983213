import XCTest
@testable import NCLandscape

/// The command line as a user meets it: every class of bad input is one line on stderr starting
/// with "Error:", exit code 1, no signal, and no output files left behind.
final class CLITests: CommandLineTestCase {
    func write(_ name: String, _ text: String) throws -> String {
        let p = dir + "/" + name
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    /// A `.npy` file with a hand-written header.
    func npy(_ name: String, header: String, payload: [UInt8] = []) throws -> String {
        var h = header
        h += String(repeating: " ", count: (64 - (10 + h.utf8.count + 1) % 64) % 64) + "\n"
        let data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.utf8.count & 0xff), UInt8(h.utf8.count >> 8)] + Array(h.utf8) + payload)
        let p = dir + "/" + name
        try data.write(to: URL(fileURLWithPath: p))
        return p
    }

    func validPoint() throws -> String {
        let model = try NormalizedFeatureModel(K: 3, d: 3, n: 2, tau: 2)
        var rng = SeededGenerator(seed: 1)
        let p = dir + "/point.json"
        try PointFile(model: model, point: model.manifold.randomPoint(using: &rng)).write(to: p)
        return p
    }

    /// `--inertia-max-flops` decides whether Lanczos gets exact counts: 0 leaves the index a lower
    /// bound (and says why), the default gives the exact inertia at this small size.
    func testInertiaFlopsBudget() throws {
        let p = try validPoint()
        let skipped = try run(["spectrum", p, "--method", "lanczos", "--inertia-max-flops", "0", "--json"])
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        XCTAssertTrue(skipped.stdout.contains("\"inertiaExact\":false"), skipped.stdout)
        XCTAssertTrue(skipped.stdout.contains("--inertia-max-flops"), skipped.stdout)
        XCTAssertTrue(skipped.stdout.contains("\"structuredCounts\":null"), skipped.stdout)
        let counted = try run(["spectrum", p, "--method", "lanczos", "--json"])
        XCTAssertEqual(counted.status, 0, counted.stderr)
        XCTAssertTrue(counted.stdout.contains("\"inertiaExact\":true"), counted.stdout)
        // The counts behind the exact inertia are in the report with their rounding estimate.
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(counted.stdout.utf8)) as? [String: Any])
        let counts = try XCTUnwrap(report["structuredCounts"] as? [String: Any])
        let inertia = try XCTUnwrap(report["inertia"] as? [String: Any])
        XCTAssertEqual(counts["resolved"] as? Bool, true)
        XCTAssertEqual(counts["belowMinusDelta"] as? Int, inertia["negative"] as? Int)
        XCTAssertEqual(counts["belowPlusDelta"] as? Int, (inertia["negative"] as? Int ?? -1) + (inertia["zero"] as? Int ?? -1))
    }

    func testOversizedShapesAndProblemsAreRefused() throws {
        let y = try npy("y.npy", header: "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", payload: [UInt8](repeating: 0, count: 16))
        let w = try npy("W.npy", header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", payload: [UInt8](repeating: 0, count: 32))
        for shape in ["(4294967296, 4294967296)", "(2305843009213693952, 1)"] {
            let h = try npy("H.npy", header: "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }")
            try assertRefused(["spectrum", "--tau", "2", "--classifiers", w, "--features", h, "--labels", y], contains: "H.npy")
            try assertRefused(["metrics", "--features", h, "--labels", y], contains: "H.npy")
            try assertRefused(["analyze", "--features", h, "--labels", y, "--classifiers", w], contains: "H.npy")
        }
        try assertRefused(["point", "random", "--counts", "9223372036854775807,1", "--d", "3"], contains: "add up to more than")
        try assertRefused(["point", "random", "--K", "1000000000", "--d", "5", "--n", "1"], contains: "memory budget")
        try assertRefused(["point", "random", "--d", "1000000000"], contains: "memory budget")
        try assertRefused(["point", "etf", "--K", "4000000000", "--d", "4000000000"], contains: "memory budget")
        try assertRefused(["verify", "--K", "1000000000", "--out", dir + "/v"], contains: "memory budget")
        try assertRefused(["escape", "--from", "total", "--K", "1000000", "--d", "3", "--out", dir + "/e"], contains: "memory budget")
        try assertRefused(["train", "--K", "100000", "--d", "100000", "--out", dir + "/t"], contains: "memory budget")
        try assertRefused(["verify", "--K", "100000", "--d", "100001", "--method", "dense", "--out", dir + "/v"], contains: "memory budget")
        // A dense Hessian over the budget names both sizes in readable units.
        try assertRefused(["spectrum", try validPoint(), "--method", "dense", "--memory-budget", "0.0000001"], contains: "KiB")
        for bad in ["nan", "inf", "0", "-1"] {
            try assertRefused(["point", "etf", "--memory-budget", bad], contains: "--memory-budget must be a positive finite")
        }
    }

    func testStrictInputsAreRefusedWithTheirReason() throws {
        let good = try String(contentsOfFile: try validPoint(), encoding: .utf8)
        func variant(_ name: String, _ edit: (String) -> String) throws -> String { try write(name, edit(good)) }
        let dup = try variant("dup.json") { "{\"tau\":3," + $0.dropFirst() }
        try assertRefused(["spectrum", dup], contains: "key \"tau\" appears twice")
        let trailing = try variant("trailing.json") { t in
            let close = t.lastIndex(of: "}")!
            return String(t[..<close]) + ",}"
        }
        try assertRefused(["spectrum", trailing], contains: "trailing comma")
        let nullEps = try variant("null.json") { $0.replacingOccurrences(of: "\"labelSmoothing\":0", with: "\"labelSmoothing\":null") }
        try assertRefused(["spectrum", nullEps], contains: "labelSmoothing")
        let typo = try variant("typo.json") { "{\"labelSmothing\":0.1," + $0.dropFirst() }
        try assertRefused(["spectrum", typo], contains: "unknown key(s) \"labelSmothing\"")
        let halfK = try variant("k45.json") { $0.replacingOccurrences(of: "\"K\":3", with: "\"K\":4.5") }
        try assertRefused(["spectrum", halfK], contains: "K must be an integer, got 4.5")
        let halfLabel = try variant("label.json") { $0.replacingOccurrences(of: "\"labels\":[0", with: "\"labels\":[0.5") }
        try assertRefused(["spectrum", halfLabel], contains: "integer")
        let hugeK = try variant("hugek.json") { $0.replacingOccurrences(of: "\"K\":3", with: "\"K\":9223372036854775808") }
        try assertRefused(["spectrum", hugeK], contains: "K")
        let y = try npy("y.npy", header: "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", payload: [UInt8](repeating: 0, count: 16))
        let fortran = try npy("H1.npy", header: "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2, 2), }", payload: [UInt8](repeating: 0, count: 32))
        try assertRefused(["metrics", "--features", fortran, "--labels", y], contains: "fortran_order")
        let brace = try npy("H2.npy", header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), ", payload: [UInt8](repeating: 0, count: 32))
        try assertRefused(["metrics", "--features", brace, "--labels", y], contains: "H2.npy")
        let point = try validPoint()
        try assertRefused(["metrics", point, "--features", brace, "--labels", y], contains: "not both")
        try assertRefused(["analyze", point, "--features", brace, "--labels", y], contains: "not both")
        try assertRefused(["spectrum", point, "--tau", "3"], contains: "carries its own model")
        try assertRefused(["merge", point, "--output", dir + "/merged.jsonl"], contains: "point.json")
        // The unit-norm refusal names the file the vector came from.
        let model = try NormalizedFeatureModel(K: 2, d: 2, n: 1, tau: 2)
        let w2 = try npy("classifiers-run7.npy", header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                         payload: [2.0, 0, 0, 1].flatMap { v -> [UInt8] in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) })
        let h2 = try npy("feats.npy", header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                         payload: [1.0, 0, 0, 1].flatMap { v -> [UInt8] in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) })
        let y2 = try npy("labels.npy", header: "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                         payload: [0, 1].flatMap { v -> [UInt8] in withUnsafeBytes(of: Int64(v).littleEndian, Array.init) })
        _ = model
        try assertRefused(["spectrum", "--tau", "2", "--classifiers", w2, "--features", h2, "--labels", y2], contains: "classifiers-run7.npy")
    }

    func testNumericFlagsAreValidated() throws {
        let esc = ["escape", "--from", "total", "--K", "3", "--d", "3", "--out", dir + "/e"]
        for r in ["inf", "4", "-1", "0"] { try assertRefused(esc + ["--radii", r], contains: "--radii") }
        try assertRefused(esc + ["--rho", "nan"], contains: "--rho")
        try assertRefused(esc + ["--loss-drop", "-1"], contains: "--loss-drop")
        try assertRefused(esc + ["--step", "inf"], contains: "--step")
        try assertRefused(esc + ["--seeds", "0"], contains: "--seeds")
        let opt = ["optimize", "--K", "3", "--d", "3", "--out", dir + "/o"]
        try assertRefused(opt + ["--step", "inf"], contains: "--step")
        try assertRefused(opt + ["--record-every", "0"], contains: "--record-every")
        try assertRefused(opt + ["--optimizer", "perturbed", "--pgd-radius", "5"], contains: "--pgd-radius")
        let train = ["train", "--K", "3", "--d", "3", "--out", dir + "/t"]
        try assertRefused(train + ["--momentum", "1"], contains: "--momentum")
        try assertRefused(train + ["--thresholds", "0"], contains: "--thresholds")
        try assertRefused(train + ["--record-every", "0"], contains: "--record-every")
        try assertRefused(train + ["--steps", "0.1,inf"], contains: "--steps")
        try assertRefused(train + ["--lambda-w", "-1"], contains: "--lambda-w")
        try assertRefused(["sweep", "--imbalance", "0.5", "--out", dir + "/s.jsonl"], contains: "--imbalance")
        try assertRefused(["spectrum", try validPoint(), "--method", "lanczos", "--lanczos-tolerance", "0"], contains: "--lanczos-tolerance")
        try assertRefused(["spectrum", try validPoint(), "--method", "lanczos", "--inertia-max-flops", "nan"], contains: "--inertia-max-flops")
        try assertRefused(["spectrum", try validPoint(), "--method", "lanczos", "--inertia-max-flops", "-1"], contains: "--inertia-max-flops")
        try assertRefused(["point", "etf", "--tau", "1e300"], contains: "too large")
        // A negative value after a space is the option's value, refused for what it is.
        try assertRefused(["point", "etf", "--tau", "-2"], contains: "tau must be a positive finite number (got -2.0)")
        try assertRefused(["point", "etf", "--tau=-2"], contains: "tau must be a positive finite number (got -2.0)")
        try assertRefused(["point", "etf", "--K", "x"], contains: "'x' is invalid for '--K")
    }

    func testRunFoldersHaveOneWriter() throws {
        let out = dir + "/run"
        let args = ["verify", "--K", "3", "--d", "4", "--n", "1", "--starts", "1", "--jobs", "1", "--out", out]
        XCTAssertEqual(try run(args).status, 0)
        try assertRefused(args, contains: "already holds a run")
        try assertRefused(args + ["--resume", "--starts", "0"], contains: "beyond --starts")
        do {
            let held = try RunLock.folder(out)
            try assertRefused(args + ["--resume"], contains: "another nclandscape process")
            withExtendedLifetime(held) {}
        }
        XCTAssertEqual(try run(args + ["--force"]).status, 0)
        try FileManager.default.removeItem(atPath: out + "/run.json")
        try assertRefused(args + ["--resume"], contains: "no run.json")
        try "{\"model\":".write(toFile: out + "/run.json", atomically: true, encoding: .utf8)
        try assertRefused(args + ["--resume"], contains: out + "/run.json")
        // Output paths that cannot be created are one line naming the path and the reason.
        try assertRefused(["verify", "--K", "3", "--d", "4", "--out", try validPoint() + "/sub"], contains: "a file of that name exists")
        let sweepOut = dir + "/s.jsonl"
        do {
            let held = try RunLock.file(sweepOut)
            try assertRefused(["sweep", "--K", "3", "--d", "3", "--starts", "1", "--out", sweepOut], contains: "another nclandscape process")
            withExtendedLifetime(held) {}
        }
    }

    /// `slice` from `.npy` files: the report folder holds every file it promises.
    func testSliceFromNPY() throws {
        let o = try run(["point", "total", "--K", "3", "--d", "4", "--n", "2", "--npy-dir", dir + "/npy", "-o", dir + "/total.json"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let r = try run(["slice", "--tau", "2", "--classifiers", dir + "/npy/W.npy", "--features", dir + "/npy/H.npy", "--labels", dir + "/npy/y.npy",
                         "--grid", "11", "--span", "0.3", "--out", dir + "/slice", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for f in ["slice.csv", "slice_1d.svg", "slice_2d.svg", "summary.json", "report.md"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/slice/" + f), f)
        }
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertLessThan(obj["lambdaMin"] as! Double, 0)
        try assertRefused(["slice", dir + "/total.json", "--grid", "10", "--out", dir + "/s2"], contains: "odd")
    }

    /// A failed write to standard output is an error, not a silent success.
    func testStandardOutputFailureIsAnError() throws {
        guard let full = FileHandle(forWritingAtPath: "/dev/full") else { throw XCTSkip("/dev/full not available") }
        let o = try run(["spectrum", try validPoint(), "--json"], stdout: full)
        XCTAssertEqual(o.status, 1)
        XCTAssertTrue(o.stderr.contains("cannot write to standard output"), o.stderr)
    }

    /// verify's outputs are inputs: a whole critical_points.json with --id, or one line of
    /// critical_points.jsonl, goes straight into spectrum (which proves the same label) and
    /// escape; the adaptive default reports its coverage and certificates in summary.json;
    /// --starts cannot be combined with the adaptive flags.
    func testVerifyOutputsAreInputsAndCarryCoverageAndCertificates() throws {
        let out = dir + "/v"
        let v = try run(["verify", "--K", "3", "--d", "4", "--n", "1", "--tau", "2", "--batch", "16", "--until-missing-mass", "0.1", "--out", out, "--json"])
        XCTAssertEqual(v.status, 0, v.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(v.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["coverageTargetMet"] as? Bool, true)
        let pops = try XCTUnwrap(summary["populations"] as? [[String: Any]])
        let descent = try XCTUnwrap(pops.first { $0["origin"] as? String == "random-descent" })
        XCTAssertLessThanOrEqual(try XCTUnwrap(descent["ruleOfThree"] as? Double), 0.1)
        XCTAssertEqual((summary["starts"] as? Int).map { $0 % 16 }, 0)
        XCTAssertGreaterThan(try XCTUnwrap(summary["certifiedPoints"] as? Int), 0)
        XCTAssertTrue((summary["message"] as? String)?.contains("missing mass ≤") ?? false)
        let points = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/critical_points.json"))) as? [[String: Any]])
        // A saddle with a full certificate (saddle regions have the same proven class).
        let saddle = try XCTUnwrap(points.first { ($0["classification"] as? String) == "strict_saddle"
            && ((($0["certification"] as? [String: Any])?["certificate"] as? [String: Any])?["status"] as? String) == "certified" })
        let id = try XCTUnwrap(saddle["id"] as? Int)
        let s = try run(["spectrum", out + "/critical_points.json", "--id", "\(id)", "--json"])
        XCTAssertEqual(s.status, 0, s.stderr)
        let spec = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(s.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(spec["classification"] as? String, "strict_saddle")
        XCTAssertEqual(((spec["certification"] as? [String: Any])?["certificate"] as? [String: Any])?["status"] as? String, "certified")
        XCTAssertEqual(spec["index"] as? Int, saddle["index"] as? Int)
        let line = try XCTUnwrap(String(contentsOfFile: out + "/critical_points.jsonl", encoding: .utf8).split(separator: "\n").first)
        let rec = try write("record.json", String(line))
        XCTAssertEqual(try run(["spectrum", rec]).status, 0)
        let e = try run(["escape", "--point", out + "/critical_points.json", "--id", "\(id)", "--seeds", "1", "--radii", "1e-3", "--out", dir + "/e"])
        XCTAssertEqual(e.status, 0, e.stderr)
        try assertRefused(["spectrum", out + "/critical_points.json"], contains: "--id")
        try assertRefused(["spectrum", out + "/critical_points.json", "--id", "100000"], contains: "no critical point with id")
        try assertRefused(["verify", "--starts", "10", "--until-missing-mass", "0.01"], contains: "cannot be combined")
        try assertRefused(["verify", "--until-missing-mass", "1.5"], contains: "--until-missing-mass")
    }
}
