import XCTest
@testable import NCLandscape

/// `--model regularized` through the command line: the papers' minimizer round-trips through a
/// point file and `spectrum`, `verify` is benign in the theorem's regime with the closed-form
/// optimum as its lowest point, and mixed-model flags are refused.
final class RegularizedCLITests: CommandLineTestCase {
    override var folderPrefix: String { "nclandscape-regularized-cli" }

    let flags = ["--model", "regularized", "--K", "3", "--d", "4", "--n", "2", "--lambda-w", "5e-3", "--lambda-h", "1e-2"]

    func testPointSpectrumAndVerify() throws {
        let p = dir + "/opt.json"
        let made = try run(["point", "optimum"] + flags + ["-o", p])
        XCTAssertEqual(made.status, 0, made.stderr)
        // Methods that are the normalized model's say so in one line.
        try assertRefused(["spectrum", p, "--method", "reduced"], contains: "dense, lanczos or auto")
        // The stochastic density runs on it and names the regularized model (RegularizedDensityTests
        // checks its numbers against the dense spectrum).
        let density = try run(["spectrum", p, "--method", "density", "--json", "--probes", "6", "--steps", "40"])
        XCTAssertEqual(density.status, 0, density.stderr)
        let ds = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(density.stdout.utf8)) as? [String: Any])
        XCTAssertNotNil(ds["regularizedModel"] as? [String: Any])
        XCTAssertNil(ds["model"])
        // Lanczos on the quotient: at the optimum the first eigenvalue beyond the symmetry's zeros,
        // the dense quotient's smallest eigenvalue (residual target 1e-9‖M‖).
        let dense = try run(["spectrum", p, "--method", "dense", "--json"])
        let lanczos = try run(["spectrum", p, "--method", "lanczos", "--json"])
        XCTAssertEqual(lanczos.status, 0, lanczos.stderr)
        let d = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(dense.stdout.utf8)) as? [String: Any])
        let l = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lanczos.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(l["method"] as? String, "lanczos")
        XCTAssertEqual(l["classification"] as? String, "global_minimizer")
        XCTAssertEqual(try XCTUnwrap(l["lambdaMin"] as? Double), try XCTUnwrap(d["quotientLambdaMin"] as? Double),
                       accuracy: 1e-8 * (try XCTUnwrap(d["lambdaMax"] as? Double)))
        // Its basis is priced before it is allocated (36 × 18 doubles here, over a 1 KiB budget).
        try assertRefused(["spectrum", p, "--method", "lanczos", "--memory-budget", "0.000001"], contains: "memory budget")
        // slice takes a regularized point file.
        let sliced = try run(["slice", p, "--out", p + "-slice", "--json"])
        XCTAssertEqual(sliced.status, 0, sliced.stderr)
        XCTAssertTrue(sliced.stdout.contains("\"regularizedModel\""))
        let spec = try run(["spectrum", p, "--json"])
        XCTAssertEqual(spec.status, 0, spec.stderr)
        let s = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(spec.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(s["classification"] as? String, "global_minimizer")
        XCTAssertNil(s["model"], "no normalized description for a regularized point")
        XCTAssertEqual((s["regularizedModel"] as? [String: Any])?["lambdaW"] as? Double, 5e-3)
        let fStar = try XCTUnwrap(RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 5e-3, lambdaH: 1e-2).optimalLoss)
        // The file stores the point to 17 digits; the loss is recomputed from it (1e-14 relative).
        XCTAssertEqual(try XCTUnwrap(s["lossValue"] as? Double), fStar, accuracy: 1e-14)

        for loss in ["cross-entropy", "mse"] {
            let out = dir + "/verify-\(loss)"
            let v = try run(["verify"] + flags + ["--loss", loss, "--starts", "8", "--jobs", "1", "--out", out, "--json"])
            XCTAssertEqual(v.status, 0, v.stderr)
            let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(v.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(summary["verdict"] as? String, "benign", loss)
            XCTAssertEqual(summary["theoremApplies"] as? Bool, true)
            let points = try XCTUnwrap(summary["points"] as? [[String: Any]])
            let best = try XCTUnwrap(points.first)
            XCTAssertEqual(best["classification"] as? String, "global_minimizer", loss)
            XCTAssertEqual(try XCTUnwrap(best["lossValue"] as? Double), try XCTUnwrap(summary["fStar"] as? Double), accuracy: 1e-12, loss)
            // The origin is found and is a strict saddle (λ_W λ_H < 1/(K²n) here).
            XCTAssertTrue(points.contains { ($0["origin"] as? String) == "origin" && ($0["classification"] as? String) == "strict_saddle" }, loss)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/report.md"))
        }
    }

    /// With a bias (cross-entropy, λ_b > 0) the optimum keeps b = 0 and the value of the model
    /// without bias; the point file carries b, and verify is benign.
    func testBias() throws {
        let p = dir + "/bias.json"
        let made = try run(["point", "optimum"] + flags + ["--bias", "--lambda-b", "2e-2", "-o", p])
        XCTAssertEqual(made.status, 0, made.stderr)
        let file = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: p))) as? [String: Any])
        XCTAssertEqual(file["b"] as? [Double], [0, 0, 0])
        let v = try run(["verify"] + flags + ["--bias", "--lambda-b", "2e-2", "--starts", "8", "--jobs", "1", "--out", dir + "/vb", "--json"])
        XCTAssertEqual(v.status, 0, v.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(v.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["verdict"] as? String, "benign")
        let fStar = try XCTUnwrap(RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: 5e-3, lambdaH: 1e-2).optimalLoss)
        XCTAssertEqual(try XCTUnwrap(summary["fStar"] as? Double), fStar, accuracy: 1e-15 * fStar)
        try assertRefused(["verify"] + flags + ["--bias", "--lambda-b", "0"], contains: "b → b + s·1")
        try assertRefused(["verify"] + flags + ["--lambda-b", "1e-3"], contains: "--lambda-b needs --bias")
    }

    /// `enumerate --model regularized` runs the census verify runs (same points, same seed), writes
    /// its summary and report, and refuses the normalized model's adaptive flags.
    func testEnumerateRunsTheCensus() throws {
        let flags = ["--model", "regularized", "--K", "3", "--d", "4", "--n", "2", "--lambda-w", "5e-3", "--lambda-h", "1e-2", "--starts", "6", "--jobs", "1"]
        let e = try run(["enumerate"] + flags + ["--out", dir + "/en"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stdout.contains("distinct critical points from"), e.stdout)
        let v = try run(["verify"] + flags + ["--out", dir + "/ve", "--json"])
        XCTAssertEqual(v.status, 0, v.stderr)
        let en = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/en/summary.json"))) as? [String: Any])
        let ve = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(v.stdout.utf8)) as? [String: Any])
        let losses = { (o: [String: Any]) in (o["points"] as? [[String: Any]] ?? []).compactMap { $0["lossValue"] as? Double } }
        XCTAssertFalse(losses(en).isEmpty)
        XCTAssertEqual(losses(en), losses(ve))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/en/report.md"))
        try assertRefused(["enumerate"] + flags + ["--until-missing-mass", "0.01"], contains: "fixed number of --starts")
    }

    func testMixedModelFlagsAreRefused() throws {
        try assertRefused(["verify", "--model", "regularized", "--tau", "2"], contains: "--tau")
        try assertRefused(["verify", "--lambda-w", "1e-3"], contains: "--model regularized")
        try assertRefused(["verify", "--model", "regularized", "--loss", "focal"], contains: "cross-entropy | mse")
        try assertRefused(["verify", "--loss", "mse"], contains: "regularized")
        try assertRefused(["point", "etf", "--model", "regularized"], contains: "optimum")
        try assertRefused(["train", "--model", "regularized", "--out", dir + "/tr"], contains: "runs both models side by side")
        try assertRefused(["verify", "--model", "regularized", "--lambda-h", "0"], contains: "--lambda-h")
    }
}
