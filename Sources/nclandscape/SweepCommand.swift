import ArgumentParser
import Foundation
import NCLandscape

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run the verify pipeline over a grid of configurations; one JSON line per finished configuration.",
        discussion: """
        Lists are comma-separated. --d accepts integers and ranges relative to K: 2..K+2, K-2..K+2, K+1.
        Resumable: rerun with the same --out to skip finished configurations (a torn last line is redone).
        Shardable: --shard i/N runs every N-th configuration starting at i; combine with `nclandscape merge`.
        Example Slurm array:  sbatch --array=0-15 --wrap 'nclandscape sweep --spec grid.json --shard $SLURM_ARRAY_TASK_ID/16 --out shard-$SLURM_ARRAY_TASK_ID.jsonl --jobs 1'
        Example GNU parallel:  parallel nclandscape sweep --spec grid.json --shard {}/8 --out shard-{}.jsonl --jobs 1 ::: 0 1 2 3 4 5 6 7
        --model regularized sweeps the weight-decay model (docs/formulas.md §8) over --K, --d, --n, --lambda-w, --lambda-h (--lambda-b with --bias) and --loss cross-entropy,mse: each configuration is a census (the ansatz starts and --starts random starts, default 40, dense labels); its lines have their own format and their own file.
        Example:  nclandscape sweep --model regularized --K 3,4 --d K..K+2 --n 2 --lambda-w 5e-4,5e-3 --lambda-h 5e-4 --loss cross-entropy,mse --starts 16 --out reg.jsonl
        """)
    @Option(name: .customLong("model"), help: "normalized | regularized: the model every configuration runs (docs/formulas.md §8). Default: normalized.") var model: FeatureModelKind?
    @Option(name: .customLong("K"), help: "Class counts K.") var K: String = "3,4"
    @Option(name: .customLong("d"), help: "Feature dimensions (integers or ranges like 2..K+2).") var d: String = "K-1..K+1"
    @Option(name: .customLong("n"), help: "Samples per (minority) class.") var n: String = "1"
    @Option(name: .customLong("tau"), help: "Temperatures. Default: 2.") var tau: String?
    @Option(name: .customLong("label-smoothing"), help: "Label smoothing values. Default: 0.") var labelSmoothing: String?
    @Option(name: .customLong("imbalance"), help: "Majority/minority ratios (class 0 gets ratio·n samples; 1 = balanced). Default: 1.") var imbalance: String?
    @Option(name: .customLong("loss"), help: ArgumentHelp("Loss kinds: \(LossRegistry.kinds.joined(separator: ", ")) (comma list; each runs every combination of its parameters' lists, a parameter without a list at its default); with --model regularized: \(RegularizedLoss.allCases.map(\.rawValue).joined(separator: ", ")).")) var loss: String = LossRegistry.defaultLoss.kind
    @Option(name: .customLong("lambda-w"), help: "Regularized model: weight decays λ_W > 0 on the classifiers (comma list). Default: 5e-4.") var lambdaW: String?
    @Option(name: .customLong("lambda-h"), help: "Regularized model: weight decays λ_H > 0 on the features (comma list). Default: 5e-4.") var lambdaH: String?
    @Flag(name: .customLong("bias"), help: "Regularized model: add a bias b ∈ R^K to the logits (docs/formulas.md §8). Default: no bias.") var bias = false
    @Option(name: .customLong("lambda-b"), help: "Regularized model with --bias: weight decays λ_b on the bias (comma list; > 0 for cross-entropy, ≥ 0 for mse). Default: 5e-4.") var lambdaB: String?
    @Option(name: .customLong("gamma"), help: ArgumentHelp("Comma list of gamma values. " + LossRegistry.parameterHelp("gamma") + ".")) var gamma: String?
    @Option(name: .customLong("margin"), help: ArgumentHelp("Comma list of margin values. " + LossRegistry.parameterHelp("margin") + ".")) var margin: String?
    @Option(name: .customLong("loss-parameter"), help: ArgumentHelp("KEY=V1,V2,…: a comma list of values for any loss parameter (repeatable; keys: \(LossRegistry.parameterKeys.joined(separator: ", "))). Default: none.")) var extra: [String] = []
    @Option(name: .customLong("counts"), help: "Explicit imbalanced counts, ';'-separated vectors, e.g. '5,1,1;4,2,1'. Default: none.") var counts: String?
    @Option(name: .customLong("spec"), help: ArgumentHelp("JSON spec file with the keys \(SweepGrid.specKeys.joined(separator: ", ")) (overrides the list flags). Default: none.")) var spec: String?
    @Option(name: .customLong("starts"), help: "A fixed number of random starts per configuration (turns the adaptive mode off). Default: adaptive; with --model regularized always a fixed number, default 40.") var starts: Int?
    @Option(name: .customLong("until-missing-mass"), help: "Adaptive mode (the default): per configuration, draw random starts in seeded batches until the descent starts' missing mass, max(Good–Turing f₁/S, 3/S), is at most this. Default: 0.01.") var untilMissingMass: Double?
    @Option(name: .customLong("max-starts"), help: "Adaptive mode: most random starts per configuration. Default: 4000.") var maxStarts: Int?
    @Option(name: .customLong("batch"), help: "Adaptive mode: random starts per batch. Default: 64.") var batch: Int?
    @Flag(name: .customLong("no-certify"), help: "Skip the proof of each distinct point's label (O(m³) per point). Default: certify.") var noCertify = false
    @Option(name: .customLong("seed"), help: "Seed.") var seed: UInt64 = 0
    @Option(name: .customLong("start-mix"), help: "descent (minimizers; default for sweeps) | alternate | newton.") var startMix: StartMix?
    @Option(name: .customLong("shard"), help: "i/N: run the configurations whose index ≡ i mod N.") var shard: String = "0/1"
    @Option(name: .customLong("jobs"), help: "Configurations run in parallel.") var jobs: Int = 2
    @Option(name: .customLong("out"), help: "Output JSONL file (appended; resumable). Required unless --list: nothing is written into the current folder by default.") var out: String?
    @Flag(name: .customLong("list"), help: "Only list this shard's configurations.") var list = false

    func grid() throws -> SweepGrid {
        if let spec {
            return try StrictJSON.decode(SweepGrid.self, from: PointFile.readData(spec), what: "sweep spec", source: spec)
        }
        var g = SweepGrid()
        g.K = try parseList(K, "--K") { Int($0) }
        g.d = try parseList(d, "--d") { $0 }
        g.n = try parseList(n, "--n") { Int($0) }
        g.tau = try parseList(tau ?? "2", "--tau") { Double($0) }
        g.labelSmoothing = try parseList(labelSmoothing ?? "0", "--label-smoothing") { Double($0) }
        g.imbalance = try parseList(imbalance ?? "1", "--imbalance") { Double($0) }
        if let counts { g.counts = try counts.split(separator: ";").map { try parseList(String($0), "--counts") { Int($0) } } }
        g.loss = try parseList(loss, "--loss") { k in
            if RegularizedLoss(rawValue: k) != nil, LossRegistry.definition(kind: k) == nil {
                throw InputError("--loss \(k) is a loss of the regularized model (--model regularized)")
            }
            return LossRegistry.definition(kind: k)?.kind
        }
        if let gamma { g.parameters["gamma"] = try parseList(gamma, "--gamma") { Double($0) } }
        if let margin { g.parameters["margin"] = try parseList(margin, "--margin") { Double($0) } }
        for item in extra {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw InputError("--loss-parameter takes KEY=V1,V2,… (got '\(item)')") }
            guard g.parameters[parts[0]] == nil else { throw InputError("the loss parameter \(parts[0]) is given twice") }
            guard LossRegistry.isParameterKey(parts[0]) else { throw InputError("\(parts[0]) is not a parameter of any loss (keys: \(LossRegistry.parameterKeys.joined(separator: ", ")))") }
            g.parameters[parts[0]] = try parseList(parts[1], "--loss-parameter \(parts[0])") { Double($0) }
        }
        g.starts = starts; g.seed = seed; g.startMix = startMix ?? .descent
        if starts != nil, untilMissingMass != nil || maxStarts != nil || batch != nil {
            throw InputError("--starts fixes the number of starts; it cannot be combined with --until-missing-mass, --max-starts or --batch (the adaptive mode)")
        }
        if let untilMissingMass { g.untilMissingMass = untilMissingMass }
        if let maxStarts { g.maxStarts = maxStarts }
        if let batch { g.batch = batch }
        if noCertify { g.certify = false }
        _ = try g.searchConfiguration()
        return g
    }

    /// The regularized grid; the normalized model's flags are refused (one line naming them).
    func regularizedGrid() throws -> RegularizedSweepGrid {
        try ModelFlags.refuse([("--tau", tau != nil), ("--label-smoothing", labelSmoothing != nil), ("--imbalance", imbalance != nil),
                               ("--counts", counts != nil), ("--gamma", gamma != nil), ("--margin", margin != nil),
                               ("--loss-parameter", !extra.isEmpty), ("--spec", spec != nil), ("--until-missing-mass", untilMissingMass != nil),
                               ("--max-starts", maxStarts != nil), ("--batch", batch != nil), ("--no-certify", noCertify),
                               ("--start-mix", startMix != nil)], belongTo: ModelFlags.normalizedOnly)
        if lambdaB != nil && !bias { throw InputError("--lambda-b needs --bias") }
        var g = RegularizedSweepGrid()
        g.K = try parseList(K, "--K") { Int($0) }
        g.d = try parseList(d, "--d") { $0 }
        g.n = try parseList(n, "--n") { Int($0) }
        g.lambdaW = try parseList(lambdaW ?? "5e-4", "--lambda-w") { Double($0) }
        g.lambdaH = try parseList(lambdaH ?? "5e-4", "--lambda-h") { Double($0) }
        if bias { g.lambdaB = try parseList(lambdaB ?? "5e-4", "--lambda-b") { Double($0) } }
        g.loss = try parseList(loss, "--loss") { k in
            guard let l = RegularizedLoss(rawValue: k) else {
                throw InputError("--loss \(k) is not available for --model regularized (\(RegularizedLoss.allCases.map(\.rawValue).joined(separator: " | ")))")
            }
            return l
        }
        g.starts = starts ?? 40
        g.seed = seed
        _ = try g.configurations()
        return g
    }

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        if model == .regularized { return try runRegularized() }
        try ModelFlags.refuse([("--lambda-w", lambdaW != nil), ("--lambda-h", lambdaH != nil), ("--bias", bias), ("--lambda-b", lambdaB != nil)],
                              belongTo: ModelFlags.regularizedOnly)
        let g = try grid()
        try runSweep(keys: { try g.configurations().map(\.key) }) { out, sh in
            try Sweep.run(grid: g, output: out, shard: sh, jobs: jobs, progress: Self.progress).map(\.verdict)
        }
    }

    func runRegularized() throws {
        let g = try regularizedGrid()
        try runSweep(keys: { try g.configurations().map(\.key) }) { out, sh in
            try RegularizedSweep.run(grid: g, output: out, shard: sh, jobs: jobs, progress: Self.progress).map(\.verdict)
        }
    }

    /// What both models' sweeps share: the shard, `--list`, the output file, the run, the tally.
    func runSweep(keys: () throws -> [String], run: (String, (Int, Int)) throws -> [VerifySummary.Verdict]) throws {
        let sh = try Sweep.parseShard(shard)
        guard jobs >= 1 else { throw InputError("--jobs must be ≥ 1") }
        if list {
            for (i, key) in try keys().enumerated() where i % sh.1 == sh.0 { print(key) }
            return
        }
        let out = try requiredOut(self.out, command: "sweep")
        print(Self.tally(try run(out, sh), out: out))
    }

    /// A progress line rewritten in place on a terminal.
    static func progress(done: Int, total: Int, elapsed: Double) {
        guard stderrIsTerminal else { return }
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        FileHandle.standardError.write(Data(String(format: "\rsweep: %d/%d configurations, %.0f s elapsed, ETA %.0f s   %@", done, total, elapsed, eta, done == total ? "\n" : "").utf8))
    }

    /// "N configurations in OUT: 3 benign, 1 inconclusive".
    static func tally(_ verdicts: [VerifySummary.Verdict], out: String) -> String {
        var by: [String: Int] = [:]
        for v in verdicts { by[v.rawValue, default: 0] += 1 }
        return "\(verdicts.count) configurations in \(out): " + by.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }
}

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge", abstract: "Combine sweep shard outputs (refuses a configuration present twice with different results).")
    @Argument(help: "Shard JSONL files.") var inputs: [String]
    @Option(name: [.customShort("o"), .customLong("output")], help: "Merged JSONL file.") var output: String
    func run() throws {
        let n = try Sweep.merge(inputs: inputs, output: output)
        print("\(n) configurations written to \(output)")
    }
}

struct PhaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "phase",
        abstract: "Render sweep results as SVG heat maps by verdict, with a Markdown summary and the counterexample points.",
        discussion: """
        Regimes are never pooled: each loss × label smoothing × imbalance ratio gets its own file of d-against-K maps, one
        panel per τ (cells pool only n); the theorem's regime (cross-entropy, balanced, ε = 0) is phase_theorem_regime.svg.
        Summary maps: imbalance against τ (cross-entropy, ε = 0), label smoothing against τ (cross-entropy, balanced) and
        loss against τ (balanced, ε = 0), each split by d ≥ K, d = K − 1, d < K − 1.
        A regularized sweep (sweep --model regularized) gets phase.md with one row per configuration (verdict, distinct
        points, minimizers, whether the closed-form optimum was found), phase.json and phase.csv with the same rows, and one
        map per loss and λ_b of the verdict over d against λ_W, one panel per (K, λ_H). A file mixing the two models is refused.
        """)
    @Argument(help: "Sweep JSONL file.") var results: String
    @Option(name: .customLong("out"), help: "Output folder. Required: nothing is written into the current folder by default.") var out: String?
    @Option(name: .customLong("where"), help: "Keep only results with key=value (repeatable; keys K, d, n, loss — a kind like cosface or a name like cosface-m0.35, or cross-entropy/mse in a regularized sweep —, starts, seed; normalized sweeps also tau, labelSmoothing or eps, imbalance; regularized sweeps lambdaW, lambdaH, lambdaB (or lambda-w, lambda-h, lambda-b; lambdaB=none: no bias)). Default: all.")
    var selectors: [String] = []
    func run() throws {
        let out = try requiredOut(self.out, command: "phase")
        if try SweepLineKind.single(path: results) == .regularized {
            let rs = try JSONLines.read(RegularizedSweepResult.self, path: results)
            let files = try RegularizedPhaseDiagram.write(rs, to: out, source: results, selectors: try selectors.map(PhaseDiagram.Selector.init(parsing:)))
            print("wrote \(out)/phase.md, phase.json, phase.csv and \(files.count) diagrams")
            return
        }
        let rs = try JSONLines.read(SweepResult.self, path: results)
        guard !rs.isEmpty else { throw InputError("\(results) holds no sweep results") }
        let files = try PhaseDiagram.write(rs, to: out, source: results, selectors: try selectors.map(PhaseDiagram.Selector.init(parsing:)))
        print("wrote \(out)/phase.md and \(files.count) diagrams")
    }
}

extension StartMix: ExpressibleByArgument {}
