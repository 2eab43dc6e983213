import XCTest
@testable import NCLandscape

/// `sweep --model regularized` and `phase` through the command line: the sweep in the theorems'
/// regime is benign at the closed-form optimum, a rerun adds no line, `phase` writes its table,
/// JSON, CSV and maps, and flags of the other model are refused in one line.
final class RegularizedSweepCLITests: CommandLineTestCase {
    override var folderPrefix: String { "nclandscape-regularized-sweep-cli" }

    let sweep = ["sweep", "--model", "regularized", "--K", "3", "--d", "4", "--n", "2", "--lambda-w", "5e-3,1e-3", "--lambda-h", "1e-2",
                 "--loss", "cross-entropy,mse", "--starts", "4", "--seed", "5", "--jobs", "2"]

    func testSweepResumeAndPhase() throws {
        let out = dir + "/reg.jsonl"
        let first = try run(sweep + ["--out", out])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("4 configurations in \(out): 4 benign"), first.stdout)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 4)
        let again = try run(sweep + ["--out", out])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), text, "a rerun changed the file")
        let listed = try run(sweep + ["--list", "--shard", "1/2"])
        XCTAssertEqual(listed.stdout.split(separator: "\n"), ["reg-K3-d4-n2-lw0.001-lh0.01-ce", "reg-K3-d4-n2-lw0.001-lh0.01-mse"])

        // Each line records the parameters, the seed and the census.
        for line in text.split(separator: "\n") {
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(o["model"] as? String, "regularized")
            let config = try XCTUnwrap(o["config"] as? [String: Any])
            XCTAssertEqual(config["K"] as? Int, 3)
            XCTAssertEqual(config["lambdaH"] as? Double, 1e-2)
            XCTAssertTrue(config.keys.contains("lambdaB"), "lambdaB is written (null without a bias)")
            let census = try XCTUnwrap(o["census"] as? [String: Any])
            XCTAssertEqual(census["seed"] as? Int, 5)
            XCTAssertEqual(census["randomStarts"] as? Int, 4)
        }

        let phase = dir + "/phase"
        let p = try run(["phase", out, "--out", phase])
        XCTAssertEqual(p.status, 0, p.stderr)
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: phase + "/phase.json"))) as? [[String: Any]])
        XCTAssertEqual(rows.count, 4)
        for r in rows {
            let loss = try XCTUnwrap(RegularizedLoss(rawValue: try XCTUnwrap(r["loss"] as? String)))
            let lambdaW = try XCTUnwrap(r["lambdaW"] as? Double)
            let fStar = try XCTUnwrap(RegularizedObjective(K: 3, d: 4, n: 2, lambdaW: lambdaW, lambdaH: 1e-2, loss: loss).optimalLoss)
            XCTAssertEqual(r["verdict"] as? String, "benign")
            XCTAssertEqual(r["closedFormOptimumFound"] as? Bool, true)
            XCTAssertEqual(try XCTUnwrap(r["fStar"] as? Double), fStar, accuracy: 1e-15 * fStar)
            XCTAssertEqual(try XCTUnwrap(r["lowestLoss"] as? Double), fStar, accuracy: 1e-10)
            XCTAssertEqual(r["minimizers"] as? Int, 1)
        }
        let csv = try String(contentsOfFile: phase + "/phase.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 5)
        XCTAssertTrue(csv[0].hasPrefix("key,K,d,n,lambdaW,lambdaH,lambdaB,loss,randomStarts,seed,distinctCriticalPoints,minimizers,verdict"))
        let md = try String(contentsOfFile: phase + "/phase.md", encoding: .utf8)
        XCTAssertTrue(md.contains("| reg-K3-d4-n2-lw0.005-lh0.01-ce | 3 | 4 | 2 | 0.005 | 0.01 | no bias | cross-entropy | 4 |"), md)
        XCTAssertTrue(md.contains("was found in 4"), md)
        // One map per loss; each (λ_W, d = 4) cell holds one benign configuration.
        for name in ["phase_regularized_ce.svg", "phase_regularized_mse.svg"] {
            let svg = try String(contentsOfFile: phase + "/" + name, encoding: .utf8)
            XCTAssertEqual(svg.components(separatedBy: ">1/1<").count - 1, 2, name)
        }
        // --where selects regularized lines by their own keys: one loss and one λ_W leave one row.
        let sel = try run(["phase", out, "--out", dir + "/p2", "--where", "loss=mse", "--where", "lambda-w=0.005", "--where", "lambdaB=none"])
        XCTAssertEqual(sel.status, 0, sel.stderr)
        let selected = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/p2/phase.json"))) as? [[String: Any]])
        XCTAssertEqual(selected.map { $0["key"] as? String }, ["reg-K3-d4-n2-lw0.005-lh0.01-mse"])
        XCTAssertTrue(try String(contentsOfFile: dir + "/p2/phase.md", encoding: .utf8).contains("where `loss=mse`, `lambdaW=0.005`, `lambdaB=none`"))
        // The other model's keys, and a selection that matches nothing, are refused in one line.
        try assertRefused(["phase", out, "--out", dir + "/p3", "--where", "tau=2"], contains: "a key of normalized sweeps")
        try assertRefused(["phase", out, "--out", dir + "/p3", "--where", "K=4"], contains: "no sweep result matches K=4")
    }

    func testOtherModelsFlagsAreRefused() throws {
        let reg = ["sweep", "--model", "regularized", "--out", "x.jsonl"]
        for flag in [["--tau", "2"], ["--label-smoothing", "0.1"], ["--imbalance", "2"], ["--until-missing-mass", "0.05"],
                     ["--margin", "0.2"], ["--gamma", "1"], ["--no-certify"], ["--start-mix", "newton"], ["--counts", "2,1,1"]] {
            try assertRefused(reg + flag, contains: "\(flag[0]) belong(s) to the normalized model")
        }
        try assertRefused(reg + ["--loss", "focal"], contains: "cross-entropy | mse")
        try assertRefused(reg + ["--lambda-b", "1e-3"], contains: "--lambda-b needs --bias")
        try assertRefused(reg + ["--lambda-w", "0"], contains: "--lambda-w")
        for flag in [["--lambda-w", "1e-3"], ["--lambda-h", "1e-3"], ["--bias"]] {
            try assertRefused(["sweep", "--out", "x.jsonl"] + flag, contains: "\(flag[0]) belong(s) to --model regularized")
        }
        try assertRefused(["sweep", "--loss", "mse", "--out", "x.jsonl"], contains: "--model regularized")
    }

    /// `phase` refuses a file holding both models' lines, and a regularized sweep refuses a
    /// normalized file, leaving it as it was.
    func testMixedFilesAreRefused() throws {
        let normalized = dir + "/n.jsonl", regularized = dir + "/r.jsonl"
        XCTAssertEqual(try run(["sweep", "--K", "3", "--d", "2", "--starts", "1", "--jobs", "1", "--out", normalized]).status, 0)
        XCTAssertEqual(try run(["sweep", "--model", "regularized", "--K", "2", "--d", "2", "--n", "1", "--starts", "1", "--jobs", "1", "--out", regularized]).status, 0)
        let n = try String(contentsOfFile: normalized, encoding: .utf8), r = try String(contentsOfFile: regularized, encoding: .utf8)
        try (n + r).write(toFile: dir + "/mixed.jsonl", atomically: true, encoding: .utf8)
        try assertRefused(["phase", "mixed.jsonl", "--out", "ph"], contains: "mixes normalized and regularized")
        try assertRefused(["sweep", "--model", "regularized", "--K", "2", "--d", "2", "--starts", "1", "--out", "n.jsonl"], contains: "holds normalized-model sweep lines")
        XCTAssertEqual(try String(contentsOfFile: normalized, encoding: .utf8), n)
    }
}
