import ArgumentParser
import Foundation
import NCLandscape

/// Search settings shared by `enumerate` and `verify`.
struct SearchOptions: ParsableArguments {
    @Option(name: .customLong("starts"), help: "A fixed number of random starts (even ones: Newton from a random point, retried from early gradient-descent iterates, reaching saddles; odd ones: Riemannian trust-region descent then Newton, reaching minima); turns the adaptive coverage mode off. Default: adaptive (see --until-missing-mass); with --model regularized (verify only) always a fixed number, default 40.")
    var starts: Int?
    @Option(name: .customLong("until-missing-mass"), help: "Adaptive mode (the default): draw random starts in seeded batches until the descent starts' measured missing mass, max(Good–Turing f₁/S, rule of three 3/S), is at most this probability, or --max-starts are drawn. In (0, 1). Default: 0.01.")
    var untilMissingMass: Double?
    @Option(name: .customLong("max-starts"), help: "Adaptive mode: most random starts to draw. Default: 4000.")
    var maxStarts: Int?
    @Option(name: .customLong("batch"), help: "Adaptive mode: random starts per batch; coverage is measured after each batch. Default: 64.")
    var batch: Int?
    @Flag(name: .customLong("no-certify"), help: "Skip the computer-assisted proof of each distinct point's label (it costs O(m³) per point; labels then come from the threshold δ alone). Default: certify.")
    var noCertify = false
    @Option(name: .customLong("seed"), help: "Seed; start i uses an independent stream derived from it, so results reproduce exactly. Default: 0.")
    var seed: UInt64?
    @Option(name: .customLong("jobs"), help: "Parallel workers (each uses single-threaded BLAS). Default: 2.")
    var jobs: Int?
    @Flag(name: .customLong("no-ansatz"), help: "Skip the symmetric ansatz families (random starts only).")
    var noAnsatz = false
    @Option(name: .customLong("out"), help: "Output folder. Required: nothing is written into the current folder by default.")
    var out: String?
    @Flag(name: .customLong("resume"), help: "Continue an interrupted run in --out (finished tasks are skipped, found points kept). Without model or search flags, the stored parameters are reused.")
    var resume = false
    @Flag(name: .customLong("force"), help: "Start over in an --out folder that already holds a run (its logs are replaced).")
    var force = false
    @Option(name: .customLong("method"), help: "auto | dense | reduced | lanczos: how each point's spectrum is computed (auto: reduced at collapsed points, else dense or Lanczos + structured inertia by estimated cost (dense ≈ 6m³ flops, always taken under ≈ 1 s; Lanczos ≈ 500 Hessian-vector products plus the inertia counts), stating its choice and why, or the unrestarted recurrence where exact counts are too expensive). Default: auto.")
    var method: HessianMethod?

    var isUnset: Bool { starts == nil && seed == nil && !noAnsatz && method == nil && untilMissingMass == nil && maxStarts == nil && batch == nil && !noCertify }

    func configuration() throws -> SearchConfiguration {
        let jobs = self.jobs ?? 2
        guard jobs >= 1 else { throw InputError("--jobs must be ≥ 1") }
        var c = SearchConfiguration(starts: 0, seed: seed ?? 0, jobs: jobs, ansatz: !noAnsatz)
        if let starts {
            guard untilMissingMass == nil, maxStarts == nil, batch == nil else {
                throw InputError("--starts fixes the number of starts; it cannot be combined with --until-missing-mass, --max-starts or --batch (the adaptive mode)")
            }
            guard starts >= 0 else { throw InputError("--starts must be ≥ 0") }
            c.starts = starts
        } else {
            c.coverage = try CoverageTarget(missingMass: untilMissingMass ?? CoverageTarget.defaultMissingMass,
                                            maxStarts: maxStarts ?? CoverageTarget.defaultMaxStarts,
                                            batch: batch ?? CoverageTarget.defaultBatch)
        }
        c.method = method ?? .auto
        if noCertify { c.certify = false }
        return c
    }

    func directory(command: String, model m: NormalizedFeatureModel) throws -> String {
        try requiredOut(out, command: command)
    }

    /// The model and settings to run: from the flags, or, for `--resume` without model or search
    /// flags, from the folder's `run.json` (so `verify --out DIR --resume` continues that run).
    func plan(command: String, model options: ModelOptions) throws -> (NormalizedFeatureModel, SearchConfiguration, String) {
        if resume, let out, options.isUnset, isUnset {
            let manifest = try CriticalPointSearch.readManifest(directory: out)
            var config = manifest.search
            if let maxStarts, config.coverage != nil { config.coverage = try CoverageTarget(missingMass: config.coverage!.missingMass, maxStarts: maxStarts, batch: config.coverage!.batch) }
            config.jobs = try jobs.map { j in guard j >= 1 else { throw InputError("--jobs must be ≥ 1") }; return j } ?? config.jobs
            return (try NormalizedFeatureModel(manifest.model), config, out)
        }
        let m = try options.model()
        return (m, try configuration(), try directory(command: command, model: m))
    }

    /// The census of the regularized model (`verify` and `enumerate`): the ansatz families and a
    /// fixed number of random starts, dense labels; written as `summary.json` and `report.md`.
    func runCensus(_ p: RegularizedObjective, command: String) throws -> (CensusSummary, LandscapeCensus.Result, String) {
        guard !resume, untilMissingMass == nil, maxStarts == nil, batch == nil, method == nil || method == .dense || method == .auto else {
            throw InputError("--model regularized runs a fixed number of --starts with dense labels: --resume, --until-missing-mass, --max-starts, --batch and --method reduced/lanczos are the normalized model's")
        }
        let starts = self.starts ?? 40
        try Validate.atLeast(starts, 0, "--starts")
        let jobs = self.jobs ?? 2
        try Validate.atLeast(jobs, 1, "--jobs")
        let seed = self.seed ?? 0
        let dir = out ?? "results/runs/\(command)-regularized-\(p.loss.rawValue)-K\(p.K)-d\(p.d)-n\(p.counts[0])-lw\(p.lambdaW)-lh\(p.lambdaH)-seed\(seed)"
        let result = try p.census(randomStarts: starts, seed: seed, jobs: jobs, ansatz: !noAnsatz)
        let summary = CensusSummary(problem: p, result: result, randomStarts: starts, seed: seed)
        try CensusReport.write(summary, to: dir)
        return (summary, result, dir)
    }

    func runSearch(command: String, model options: ModelOptions) throws -> (NormalizedFeatureModel, SearchConfiguration, EnumerationResult, String) {
        let (model, config, dir) = try plan(command: command, model: options)
        let search = CriticalPointSearch(model: model, config: config, directory: dir)
        let t0 = Date()
        let result = try search.run(resume: resume, force: force) { done, total, distinct in
            guard stderrIsTerminal else { return }
            let el = Date().timeIntervalSince(t0)
            let eta = done > 0 ? el / Double(done) * Double(total - done) : 0
            FileHandle.standardError.write(Data(String(format: "\r%@: %d/%d tasks, %d distinct critical points, %.0f s elapsed, ETA %.0f s   ",
                                                        command, done, total, distinct, el, eta).utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        }
        return (model, config, result, dir)
    }
}

struct EnumerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enumerate",
        abstract: "Find distinct critical points (ansatz families + random multistart, Newton-polished, deduplicated modulo symmetry).",
        discussion: """
        Writes critical_points.jsonl (one line per distinct point, appended as found), tasks.jsonl (one line per
        finished start) and critical_points.json (final, with hits and origins). Interrupt at any time and rerun
        with --resume to continue.
        """)
    @OptionGroup var model: ModelOptions
    @OptionGroup var search: SearchOptions

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        if case let .regularized(p) = try model.problem() {
            let (summary, result, dir) = try search.runCensus(p, command: "enumerate")
            print(CensusReport.table(result.points))
            print("\(summary.distinctCriticalPoints) distinct critical points from \(result.tasks) tasks in \(String(format: "%.2f", result.seconds)) s; census written to \(dir)/summary.json and report.md")
            return
        }
        let (_, _, result, dir) = try search.runSearch(command: "enumerate", model: model)
        try AtomicFile.write(JSONOutput.encodeArray(result.points), to: dir + "/critical_points.json")
        print(VerifyReport.table(result.points))
        for c in result.coverage { print(c.summary) }
        print("\(result.points.count) distinct critical points from \(result.tasks.count) tasks in \(String(format: "%.2f", result.seconds)) s; written to \(dir)")
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Main job: enumerate critical points, classify each, and check the strict-saddle theorem.",
        discussion: """
        Verdict: benign (every distinct critical point found is a global minimizer or a strict saddle),
        spurious_minimum_found, or inconclusive (degenerate points). Works outside the theorem's assumptions too
        (d ≤ K, imbalanced --counts, --label-smoothing), comparing minimizers with the best loss found.
        Report folder: report.md, summary.json, critical_points.json/.csv, spectra.csv, SVG plots.
        """)
    @OptionGroup var model: ModelOptions
    @OptionGroup var search: SearchOptions
    @Flag(name: .customLong("json"), help: "Print summary.json instead of the table.")
    var json = false

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        if case let .regularized(p) = try model.problem() { return try runRegularized(p) }
        let (m, config, result, dir) = try search.runSearch(command: "verify", model: model)
        let summary = VerifySummary(model: m, config: config, result: result)
        try VerifyReport.write(summary: summary, points: result.points, to: dir)
        if json { print(try JSONOutput.string(summary), terminator: ""); return }
        print("\(m.spec.summary)  starts=\(result.starts)\(config.coverage != nil ? " (adaptive)" : "") seed=\(config.seed)")
        print(VerifyReport.table(result.points))
        print("")
        print("verdict: \(summary.verdict.rawValue) — \(summary.message)")
        print(String(format: "%d tasks in %.2f s; report: %@/report.md", result.tasks.count, result.seconds, dir))
    }

    /// The census of the regularized model: ansatz and a fixed number of random starts, dense labels.
    func runRegularized(_ p: RegularizedObjective) throws {
        let (summary, result, dir) = try search.runCensus(p, command: "verify")
        if json { print(try JSONOutput.string(summary), terminator: ""); return }
        print("regularized \(p.loss.rawValue): K=\(p.K) d=\(p.d) counts=\(p.counts.map(String.init).joined(separator: ",")) λ_W=\(p.lambdaW) λ_H=\(p.lambdaH)  starts=\(summary.randomStarts) seed=\(summary.seed)")
        print(CensusReport.table(result.points))
        print("")
        print("verdict: \(summary.verdict.rawValue) — \(summary.message)")
        print(String(format: "%d tasks in %.2f s; report: %@/report.md", result.tasks, result.seconds, dir))
    }
}
