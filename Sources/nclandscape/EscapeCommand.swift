import ArgumentParser
import Foundation
import NCLandscape

/// A start point: a point file, or a named family built from the model flags and polished.
struct StartPointOptions: ParsableArguments {
    @Option(name: .customLong("point"), help: "Start from this point JSON. Default: none (use --from).")
    var pointFile: String?
    @Option(name: .customLong("from"), help: "Named start: total | anti | etf | random (built from --K --d --n/--counts --tau --label-smoothing and --seed); with --model regularized: optimum | origin | anti | total | random. Default: total (escape), random (optimize); origin for escape --model regularized.")
    var from: String?
    @Flag(name: .customLong("polish"), help: "Polish the start with Riemannian Newton first (always done for --from total/anti/etf).")
    var polish = false
    @Flag(name: .customLong("normalize"), help: "Project a point file's columns onto the sphere instead of refusing non-unit columns.")
    var normalize = false
    @Option(name: .customLong("id"), help: "With --point critical_points.json (from verify or enumerate): the id of the point to start from. Default: none.")
    var id: Int?

    /// Whether `--point` names a regularized point file.
    var pointIsRegularized: Bool {
        guard let pointFile, let data = try? PointFile.readData(pointFile),
              case let .object(fields)? = try? StrictJSON.parse(data, what: "point JSON", source: pointFile) else { return false }
        return fields.contains { $0.key == "model" }
    }

    /// The regularized start: `--point` (a regularized point file) or a named point
    /// (`optimum | origin | anti | total | random`), Newton-polished for the named critical
    /// configurations and with `--polish`.
    func loadRegularized(model options: ModelOptions, seed: UInt64, defaultKind: RegularizedSpecialPoint) throws -> (RegularizedObjective, Matrix, String) {
        if let pointFile {
            if from != nil { throw InputError("give either --point or --from, not both") }
            guard case let .regularized(p, x0) = try LoadedProblem.read(path: pointFile, normalize: normalize, id: id) else {
                throw InputError("\(pointFile) is a normalized point; drop --model regularized")
            }
            return (p, polish ? try NewtonPolisher.polish(p, from: x0).point : x0, pointFile)
        }
        if id != nil { throw InputError("--id picks a point of --point critical_points.json") }
        guard case let .regularized(p) = try options.problem() else { throw InputError("--model regularized expected") }
        let name = from ?? defaultKind.rawValue
        guard let kind = RegularizedSpecialPoint(rawValue: name) else {
            throw InputError("unknown start '\(name)' for --model regularized; use one of: \(RegularizedSpecialPoint.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var rng = SeededGenerator(seed: seed)
        var x = try p.specialPoint(kind, rng: &rng)
        if kind != .random || polish { x = try NewtonPolisher.polish(p, from: x).point }
        return (p, x, name)
    }

    func load(model options: ModelOptions, seed: UInt64, defaultKind: String) throws -> (NormalizedFeatureModel, Matrix, String) {
        if let pointFile {
            if from != nil { throw InputError("give either --point or --from, not both") }
            var (m, x) = try PointFile.read(path: pointFile, normalize: normalize, id: id)
            if polish { x = try NewtonPolisher.polish(m, from: x).point }
            return (m, x, id.map { "\(pointFile) (id \($0))" } ?? pointFile)
        }
        if id != nil { throw InputError("--id picks a point of --point critical_points.json") }
        let name = from ?? defaultKind
        guard let kind = SpecialPoint(rawValue: name) else {
            throw InputError("unknown start '\(name)'; use one of: \(SpecialPoint.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let m = try options.model()
        var rng = SeededGenerator(seed: seed)
        var x = try SpecialPoints.make(kind, model: m, rng: &rng)
        if kind != .random || polish { x = try NewtonPolisher.polish(m, from: x).point }
        return (m, x, name)
    }
}

/// The constants of perturbed gradient descent (`--optimizer perturbed`).
struct PerturbationOptions: ParsableArguments {
    @Option(name: .customLong("pgd-threshold"), help: "Perturbed GD: perturb when ‖grad‖ ≤ this.")
    var threshold: Double = 1e-6
    @Option(name: .customLong("pgd-radius"), help: "Perturbed GD: radius of the tangent ball perturbations are drawn from.")
    var radius: Double = 1e-3
    @Option(name: .customLong("pgd-escape-steps"), help: "Perturbed GD: gradient steps after a perturbation before the decrease test.")
    var escapeSteps: Int = 500
    @Option(name: .customLong("pgd-decrease"), help: "Perturbed GD: loss decrease that counts as an escape; otherwise stop at the pre-jump point.")
    var decrease: Double = 1e-7

    func parameters() throws -> PerturbedGradientDescent.Parameters {
        var p = PerturbedGradientDescent.Parameters()
        p.gradientThreshold = threshold; p.perturbationRadius = radius; p.escapeSteps = escapeSteps; p.requiredDecrease = decrease
        try p.validate()
        return p
    }
}


struct EscapeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escape",
        abstract: "Saddle-escape study: perturb a strict saddle over radii, directions and seeds; measured vs predicted escape time.",
        discussion: """
        x_0 = R_{x*}(r ξ) for each radius r, direction (random unit tangent, or the most negative eigenspace) and seed.
        Escape time: first iteration with distance > ρ from x* and loss < f(x*) − δ. Prediction (docs/formulas.md §6):
        log(ρ/(r‖Pξ‖))/log(1+η|λ_min|). Each run continues to convergence, is Newton-polished and classified.
        Output (--out): runs.csv, summary.csv, summary.json, report.md, escape_time.svg.
        """)
    @OptionGroup var model: ModelOptions
    @OptionGroup var start: StartPointOptions
    @Option(name: .customLong("radii"), help: "Comma-separated perturbation radii.")
    var radii: String = "1e-8,1e-6,1e-4,1e-2"
    @Option(name: .customLong("directions"), help: "Comma-separated: random, negative-curvature.")
    var directions: String = "random,negative-curvature"
    @Option(name: .customLong("seeds"), help: "Runs per radius and direction.")
    var seeds: Int = 5
    @Option(name: .customLong("seed"), help: "Base seed (each run derives its own stream).")
    var seed: UInt64 = 0
    @Option(name: .customLong("step"), help: "Step size η.")
    var step: Double = 0.5
    @Option(name: .customLong("optimizer"), help: "gd (fixed step; the prediction's setting) | armijo | perturbed | trust-region.")
    var optimizer: OptimizerChoice = .gd
    @Option(name: .customLong("rho"), help: "Escape radius ρ (geodesic distance from the saddle).")
    var rho: Double = 0.1
    @Option(name: .customLong("loss-drop"), help: "Required loss drop δ. Default: |λ_min| ρ²/4.")
    var lossDrop: Double?
    @Option(name: .customLong("max-iterations"), help: "Iteration cap per run (for the escape, and again for the run to convergence after it).")
    var maxIterations: Int = 20_000
    @Option(name: .customLong("tolerance"), help: "After escaping, runs continue until ‖grad‖ ≤ tolerance·γ (γ the size of the gradient's terms), then are polished and classified. Escape itself is measured with no gradient test.")
    var tolerance: Double = 1e-8
    @Option(name: .customLong("reference-loss"), help: "Loss against which end points count as global minimizers. Default: the proven f*, else the lowest minimizer loss any run reached.")
    var referenceLoss: Double?
    @Option(name: .customLong("jobs"), help: "Parallel runs.")
    var jobs: Int = 2
    @Option(name: .customLong("out"), help: "Report folder. Required: nothing is written into the current folder by default.")
    var out: String?
    @Flag(name: .customLong("json"), help: "Print summary.json instead of the table.")
    var json = false
    @Option(name: .customLong("method"), help: "auto | dense | reduced | lanczos (saddle spectrum and end-point classification).")
    var method: HessianMethod = .auto
    @OptionGroup var perturbation: PerturbationOptions

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        _ = try requiredOut(out, command: "escape")   // refused before any work
        if model.kind == .regularized || start.pointIsRegularized {
            let (p, x, source) = try start.loadRegularized(model: model, seed: seed, defaultKind: .origin)
            return try study(p, saddle: x, source: source)
        }
        let (m, x, source) = try start.load(model: model, seed: seed, defaultKind: "total")
        try study(m, saddle: x, source: source)
    }

    func study<P: FeatureObjective>(_ m: P, saddle x: Matrix, source: String) throws {
        let dir = try requiredOut(out, command: "escape")
        var config = EscapeConfiguration()
        config.radii = try parseList(radii, "--radii") { Double($0) }
        config.directions = try parseList(directions, "--directions") { EscapeDirection(rawValue: $0) }
        config.optimizer = optimizer
        config.perturbation = try perturbation.parameters()
        config.seeds = seeds; config.seed = seed; config.step = step; config.rho = rho; config.lossDrop = lossDrop
        config.maxIterations = maxIterations; config.jobs = jobs; config.method = method
        config.tolerance = tolerance; config.referenceLoss = referenceLoss
        let saddle = try SaddleDescription(model: m, point: x, method: method)
        let (summary, runs) = try SaddleEscapeStudy.run(model: m, saddle: saddle, config: config, source: source) { done, total in
            if stderrIsTerminal { StandardError.write("\rescape: \(done)/\(total) runs   \(done == total ? "\n" : "")") }
        }
        try EscapeReport.write(summary, runs: runs, to: dir)
        if json { print(try JSONOutput.string(summary), terminator: ""); return }
        print(String(format: "saddle %@: loss %.10g, λ_min %.6g (multiplicity %d), index %d [%@]; %@, η = %g", source, summary.saddleLoss,
                     summary.lambdaMin, summary.multiplicity, summary.index, summary.method.rawValue, summary.optimizer, step))
        print(EscapeReport.table(summary), terminator: "")
        print("report: \(dir)/report.md")
    }
}

struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Run an optimizer from a random or given point; write the trajectory (CSV) and the final point (JSON), classified.")
    @OptionGroup var model: ModelOptions
    @OptionGroup var start: StartPointOptions
    @Option(name: .customLong("optimizer"), help: "gd | armijo | perturbed | trust-region.")
    var optimizer: OptimizerChoice = .armijo
    @Option(name: .customLong("step"), help: "Step size η (initial step for armijo).")
    var step: Double = 0.5
    @Option(name: .customLong("seed"), help: "Seed for the random start and perturbations.")
    var seed: UInt64 = 0
    @Option(name: .customLong("max-iterations"), help: "Iteration cap.")
    var maxIterations: Int = 10_000
    @Option(name: .customLong("tolerance"), help: "Stop at ‖grad‖ ≤ tolerance.")
    var tolerance: Double = 1e-8
    @Flag(name: .customLong("metrics"), help: "Record NC1–NC3 at every recorded iteration.")
    var metrics = false
    @Option(name: .customLong("record-every"), help: "Record every k-th iteration.")
    var recordEvery: Int = 1
    @Option(name: .customLong("out"), help: "Output folder (trajectory.csv, final.json, summary.json). Required: nothing is written into the current folder by default.")
    var out: String?
    @OptionGroup var perturbation: PerturbationOptions

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        _ = try requiredOut(out, command: "optimize")   // refused before any work
        if model.kind == .regularized || start.pointIsRegularized {
            let (p, x0, source) = try start.loadRegularized(model: model, seed: seed, defaultKind: .random)
            return try optimize(p, from: x0, source: source)
        }
        let (m, x0, source) = try start.load(model: model, seed: seed, defaultKind: "random")
        try optimize(m, from: x0, source: source)
    }

    func optimize<P: FeatureObjective>(_ m: P, from x0: Matrix, source: String) throws {
        let dir = try requiredOut(out, command: "optimize")
        let choice = optimizer
        try Validate.positive(step, "--step")
        try Validate.atLeast(maxIterations, 0, "--max-iterations")
        try Validate.nonNegative(tolerance, "--tolerance")
        try Validate.atLeast(recordEvery, 1, "--record-every")
        let opt = choice.make(step: step, seed: seed, perturbation: try perturbation.parameters())
        let r = opt.minimize(m, from: x0, criteria: StoppingCriteria(maxIterations: maxIterations, gradientTolerance: tolerance,
                                                                     recordEvery: recordEvery, recordMetrics: metrics), observer: nil)
        let report = OptimizationReport(try OptimizationOutcome.settle(m, result: r), optimizer: opt.name, source: source, seed: seed)
        try OptimizationReport.write(report, result: r, model: m, to: dir)
        print(String(format: "%@ from %@: %d iterations (%@), loss %.12g, ‖grad‖ %.3e; final point after Newton polishing: %@ (loss %.12g)",
                     opt.name, source, r.iterations, r.stopReason.rawValue, r.loss, r.gradientNorm, report.finalClassification.rawValue, report.polishedLoss))
        print("written to \(dir)/")
    }
}
