import ArgumentParser
import Foundation
import NCLandscape

struct NCLandscapeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nclandscape",
        abstract: "Optimization landscape of neural collapse with normalized features (Yaras et al., NeurIPS 2022).",
        discussion: """
        Points live on the product of spheres (S^{d-1})^{K+N}: K unit classifiers and N unit features.
        With --model regularized (point, spectrum, optimize, escape, verify, sweep, phase) they are Euclidean, with weight decay λ_W, λ_H and an optional bias (docs/formulas.md §8; docs/architecture.md).
        Start with `nclandscape point etf -o etf.json` and `nclandscape spectrum etf.json`.
        """,
        subcommands: [VerifyCommand.self, EnumerateCommand.self, SweepCommand.self, MergeCommand.self, PhaseCommand.self, TrainCommand.self, MetricsCommand.self, AnalyzeCommand.self, PointCommand.self, SpectrumCommand.self, SliceCommand.self, EscapeCommand.self, OptimizeCommand.self, LossesCommand.self, BenchCommand.self, BLASInfoCommand.self]
    )
}

/// The model configuration flags shared by every command that builds a problem.
struct ModelOptions: ParsableArguments {
    // Optional so that `--resume` can tell "not given" (reuse the stored run) from a default.
    @Option(name: .customLong("K"), help: "Number of classes K (≥ 2). Default: 4.")
    var K: Int?
    @Option(name: .customLong("d"), help: "Feature dimension d (≥ 2). Default: 5.")
    var d: Int?
    @Option(name: .customLong("n"), help: "Samples per class (balanced). Ignored when --counts is given. Default: 3.")
    var n: Int?
    @Option(name: .customLong("counts"), help: "Comma-separated samples per class for imbalanced problems, e.g. 5,1,1 (sets K). Default: none (balanced, --n per class).")
    var counts: String?
    @Option(name: .customLong("tau"), help: "Temperature τ > 0. Default: 2.")
    var tau: Double?
    @Option(name: .customLong("label-smoothing"), help: ArgumentHelp("Label smoothing ε in [0, 1) (\(LossRegistry.smoothingKinds.joined(separator: ", "))). Default: 0."))
    var labelSmoothing: Double?
    @OptionGroup var loss: LossOptions
    @Option(name: .customLong("model"), help: "normalized | regularized: unit classifiers and features on the product of spheres with temperature τ, or Euclidean ones with weight decay λ_W, λ_H and no temperature (docs/formulas.md §8; commands point, spectrum, optimize, escape, verify, sweep). Default: normalized.")
    var kind: FeatureModelKind?
    @Option(name: .customLong("lambda-w"), help: "Regularized model: weight decay λ_W > 0 on the classifiers. Default: 5e-4.")
    var lambdaW: Double?
    @Option(name: .customLong("lambda-h"), help: "Regularized model: weight decay λ_H > 0 on the features. Default: 5e-4.")
    var lambdaH: Double?
    @Flag(name: .customLong("bias"), help: "Regularized model: add a bias b ∈ R^K to the logits, Wᵀh + b (docs/formulas.md §8). Default: no bias.")
    var bias = false
    @Option(name: .customLong("lambda-b"), help: "Weight decay λ_b on the bias: with --bias (> 0 for cross-entropy, ≥ 0 for mse), and train's regularized runs. Default: 5e-4 with --bias, 0 in train.")
    var lambdaB: Double?

    /// No model flag was given.
    var isUnset: Bool {
        K == nil && d == nil && n == nil && counts == nil && tau == nil && labelSmoothing == nil && loss.isUnset
            && kind == nil && lambdaW == nil && lambdaH == nil && !bias && lambdaB == nil
    }

    /// The problem the flags describe, whichever model.
    func problem() throws -> ProblemChoice {
        guard kind == .regularized else { return .normalized(try model()) }
        try ModelFlags.refuse([("--tau", tau != nil), ("--label-smoothing", labelSmoothing != nil)], belongTo: ModelFlags.normalizedOnly)
        let l = try loss.regularizedLoss()
        let (w, h) = (lambdaW ?? 5e-4, lambdaH ?? 5e-4)
        if lambdaB != nil && !bias { throw InputError("--lambda-b needs --bias") }
        let b = bias ? lambdaB ?? 5e-4 : nil
        if let counts {
            if K != nil || n != nil { throw InputError("--counts sets K and the samples per class; drop --K and --n") }
            return .regularized(try RegularizedObjective(d: d ?? 5, counts: parseList(counts, "--counts") { Int($0) }, lambdaW: w, lambdaH: h, loss: l, lambdaB: b))
        }
        return .regularized(try RegularizedObjective(K: K ?? 4, d: d ?? 5, n: n ?? 3, lambdaW: w, lambdaH: h, loss: l, lambdaB: b))
    }

    /// The normalized model; `acceptingWeightDecay` lets `train`, which trains both models, take
    /// --lambda-w and --lambda-h for its regularized runs.
    func model(acceptingWeightDecay: Bool = false) throws -> NormalizedFeatureModel {
        guard kind != .regularized else {
            if acceptingWeightDecay {
                throw InputError("train runs both models side by side (the regularized one with --lambda-w and --lambda-h); --model does not select one")
            }
            throw InputError("--model regularized is not available in this command (it is in point, spectrum, optimize, escape, slice, verify, enumerate, sweep and phase)")
        }
        if bias { throw InputError("--bias belongs to --model regularized") }
        if !acceptingWeightDecay {
            try ModelFlags.refuse([("--lambda-w", lambdaW != nil), ("--lambda-h", lambdaH != nil), ("--lambda-b", lambdaB != nil)], belongTo: ModelFlags.regularizedOnly)
        }
        let l = try loss.function()
        if let counts {
            if K != nil || n != nil { throw InputError("--counts sets K and the samples per class; drop --K and --n") }
            return try NormalizedFeatureModel(d: d ?? 5, counts: parseList(counts, "--counts") { Int($0) }, tau: tau ?? 2,
                                              labelSmoothing: labelSmoothing ?? 0, loss: l)
        }
        return try NormalizedFeatureModel(K: K ?? 4, d: d ?? 5, n: n ?? 3, tau: tau ?? 2, labelSmoothing: labelSmoothing ?? 0, loss: l)
    }
}

/// Refusals of flags given to the other model, shared by `ModelOptions` and `sweep` so that
/// every command words them the same way.
enum ModelFlags {
    static let normalizedOnly = "the normalized model, not to --model regularized"
    static let regularizedOnly = "--model regularized"

    /// Throws one line naming every given flag of `flags` (name, given) and the model it is for.
    static func refuse(_ flags: [(String, Bool)], belongTo owner: String) throws {
        let given = flags.filter(\.1).map(\.0)
        guard given.isEmpty else { throw InputError("\(given.joined(separator: ", ")) belong(s) to \(owner)") }
    }
}

/// The loss function flags (docs/formulas.md §11), shared by every command that builds a problem.
/// The losses, their parameters and the help text come from `LossRegistry`; `--gamma` and
/// `--margin` are shorthands for `--loss-parameter gamma=…` and `margin=…`, which reaches any
/// parameter a loss declares.
struct LossOptions: ParsableArguments {
    @Option(name: .customLong("loss"), help: ArgumentHelp(LossRegistry.lossHelp + " | " + RegularizedLoss.allCases.map(\.rawValue).joined(separator: " | ") + " (regularized model). Default: cross-entropy. `nclandscape losses` lists them with their parameters."))
    var kind: String?
    @Option(name: .customLong("gamma"), help: ArgumentHelp(LossRegistry.parameterHelp("gamma") + "."))
    var gamma: Double?
    @Option(name: .customLong("margin"), help: ArgumentHelp(LossRegistry.parameterHelp("margin") + "."))
    var margin: Double?
    @Option(name: .customLong("loss-parameter"), help: ArgumentHelp("KEY=VALUE: any parameter of the loss by its key (repeatable; keys: \(LossRegistry.parameterKeys.joined(separator: ", "))). Default: none."))
    var extra: [String] = []

    /// The flags that are shorthands for a parameter key.
    static let shorthands = ["gamma", "margin"]

    var isUnset: Bool { kind == nil && gamma == nil && margin == nil && extra.isEmpty }

    /// The parameter values given, by key; a key given twice is an error.
    func parameters() throws -> [String: Double] {
        var out: [String: Double] = [:]
        for (key, value) in [("gamma", gamma), ("margin", margin)] { if let value { out[key] = value } }
        for item in extra {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let v = Double(parts[1]) else { throw InputError("--loss-parameter takes KEY=VALUE with a number (got '\(item)')") }
            guard out[parts[0]] == nil else { throw InputError("the loss parameter \(parts[0]) is given twice") }
            out[parts[0]] = v
        }
        return out
    }

    func function() throws -> LossFunction {
        let k = kind ?? LossRegistry.defaultLoss.kind
        if RegularizedLoss(rawValue: k) != nil, LossRegistry.definition(kind: k) == nil {
            throw InputError("--loss \(k) is a loss of the regularized model (--model regularized)")
        }
        return try LossFunction.make(kind: k, parameters: try parameters())
    }

    /// The regularized model's loss: cross-entropy or mse, no parameters.
    func regularizedLoss() throws -> RegularizedLoss {
        if !(try parameters()).isEmpty { throw InputError("--gamma, --margin and --loss-parameter belong to the normalized model's losses") }
        guard let l = RegularizedLoss(rawValue: kind ?? RegularizedLoss.crossEntropy.rawValue) else {
            throw InputError("--loss \(kind!) is not available for --model regularized (\(RegularizedLoss.allCases.map(\.rawValue).joined(separator: " | ")))")
        }
        return l
    }
}

/// A problem of either model, to open with a generic function.
enum ProblemChoice {
    case normalized(NormalizedFeatureModel)
    case regularized(RegularizedObjective)
}

/// Where a point comes from: a point JSON file, or NumPy arrays.
struct PointInputOptions: ParsableArguments {
    @Argument(help: "Point JSON file (keys K, d, tau, labelSmoothing, labels, classifiers, features). Omit when using --features.")
    var pointFile: String?
    @Option(name: .customLong("classifiers"), help: "NumPy .npy file with the classifiers as rows (K × d). Default: none.")
    var classifiersNPY: String?
    @Option(name: .customLong("features"), help: "NumPy .npy file with the features as rows (N × d). Default: none.")
    var featuresNPY: String?
    @Option(name: .customLong("labels"), help: "NumPy .npy file with N integer labels in 0..<K. Default: none.")
    var labelsNPY: String?
    @Option(name: .customLong("tau"), help: "Temperature τ; REQUIRED for .npy input (a trained network has no natural default: use the logit scale it was trained with). A point JSON carries its own. Default: none.")
    var tau: Double?
    @Option(name: .customLong("label-smoothing"), help: "Label smoothing ε for .npy input (a point JSON carries its own). Default: 0.")
    var labelSmoothing: Double?
    @OptionGroup var loss: LossOptions
    @Flag(name: .customLong("normalize"), help: "Project columns onto the unit sphere instead of refusing columns whose norm is not 1 (tolerance 1e-6).")
    var normalize = false
    @Option(name: .customLong("id"), help: "With a critical_points.json from verify or enumerate: the id of the point to use. A single record (a line of critical_points.jsonl) needs none. Default: none.")
    var id: Int?

    func load() throws -> (model: NormalizedFeatureModel, point: Matrix, source: String) {
        if let pointFile {
            // A point JSON carries its model and vectors: anything that would silently be ignored is refused.
            let given = [("--classifiers", classifiersNPY != nil), ("--features", featuresNPY != nil), ("--labels", labelsNPY != nil),
                         ("--tau", tau != nil), ("--label-smoothing", labelSmoothing != nil), ("--loss/--gamma/--margin/--loss-parameter", !loss.isUnset)]
                .filter(\.1).map(\.0)
            guard given.isEmpty else {
                throw InputError("give either a point JSON file or .npy inputs, not both: \(pointFile) carries its own model and vectors; drop \(given.joined(separator: ", "))")
            }
        }
        if let f = featuresNPY {
            guard let y = labelsNPY else { throw InputError("--features needs --labels y.npy") }
            // τ decides the loss, the index and the class: no silent default for a trained network.
            guard let tau else { throw InputError("--tau is required for .npy input: give the temperature (logit scale) the network was trained with, e.g. --tau 16") }
            let (m, x) = try NPYPoint.load(classifiers: classifiersNPY, features: f, labels: y, K: nil, tau: tau,
                                          labelSmoothing: labelSmoothing ?? 0, loss: try loss.function(), normalize: normalize)
            return (m, x, "\(classifiersNPY ?? "-"), \(f), \(y)")
        }
        guard let p = pointFile else { throw InputError("no point given: pass a point JSON file, or --classifiers W.npy --features H.npy --labels y.npy") }
        let (m, x) = try PointFile.read(path: p, normalize: normalize, id: id)
        return (m, x, id.map { "\(p) (id \($0))" } ?? p)
    }

    /// Like `load`, but also takes a regularized point file.
    func loadProblem() throws -> (problem: LoadedProblem, source: String) {
        if let p = pointFile, featuresNPY == nil, classifiersNPY == nil, labelsNPY == nil, tau == nil, labelSmoothing == nil, loss.isUnset {
            return (try LoadedProblem.read(path: p, normalize: normalize, id: id), id.map { "\(p) (id \($0))" } ?? p)
        }
        let (m, x, s) = try load()
        return (.normalized(m, x), s)
    }
}

/// `--memory-budget`, shared by every command that allocates in proportion to the problem.
struct MemoryOptions: ParsableArguments {
    @Option(name: .customLong("memory-budget"),
            help: ArgumentHelp("Memory this run may use, in GiB: sizes are estimated before every large allocation and a problem over the budget is refused with its size. Default: 80% of the smallest of physical memory, the ulimit -v headroom, ulimit -d and the cgroup memory limit (here \(MemoryBudget.readable(MemoryBudget.defaultBytes)), from \(MemoryBudget.defaultSource))."))
    var memoryBudget: Double?

    /// Installs the budget (NaN, infinite or ≤ 0 refused).
    func apply() throws { if let memoryBudget { try MemoryBudget.set(gibibytes: memoryBudget) } }
}

/// The report folder a command writes: only where the caller said (`--out`), never a default
/// path inside the current folder (a default once silently overwrote results/runs/… there).
/// Checked before any work, so a long run cannot fail at its end for want of a folder.
func requiredOut(_ out: String?, command: String) throws -> String {
    guard let out else { throw InputError("\(command) writes a report folder: give it with --out DIR (nothing is written into the current folder by default)") }
    return out
}

/// Prints to standard error (progress, notices).
func note(_ s: String) {
    StandardError.write(s + "\n")
}

var stderrIsTerminal: Bool { isatty(2) == 1 }

/// How one point's spectrum is computed: shared by `spectrum` and `analyze`.
struct SpectrumMethodOptions: ParsableArguments {
    @Option(name: .customLong("method"), help: "auto | dense | reduced | lanczos | density. auto: reduced at collapsed points, else dense or Lanczos + structured inertia by estimated cost (dense ≈ 6m³ flops, always taken under ≈ 1 s; Lanczos ≈ 500 Hessian-vector products plus the inertia counts), stating its choice and why (where the exact counts are too expensive, λ_min comes from the unrestarted Lanczos recurrence, reported with a probabilistic lower bound, and the index is a lower bound). density (spectrum only): the eigenvalue density by stochastic Lanczos quadrature, with --probes, --steps. Default: auto.")
    var choice: SpectrumMethodChoice = .auto

    /// The exact-spectrum method (`density` is not one; `spectrum` handles it separately).
    var method: HessianMethod {
        get throws {
            guard let m = choice.hessianMethod else {
                throw InputError("--method density estimates the eigenvalue density and gives no class; use `nclandscape spectrum POINT --method density`")
            }
            return m
        }
    }
    @Option(name: .customLong("seed"), help: "Seed of the Lanczos starting vectors.")
    var seed: UInt64 = 0
    @Option(name: .customLong("lanczos-tolerance"), help: "ARPACK relative tolerance for λ_min (residual ≤ tol·|λ|; the residual is reported). Default: automatic, residual ≤ 1e-9·max(1, ‖M‖) = δ/10.")
    var lanczosTolerance: Double?
    @Option(name: .customLong("inertia-max-flops"), help: "Lanczos: compute the exact inertia (index, zero and positive counts, and the λ_min certificate) by structured inertia when its four counts need at most this many floating-point operations (about 5e10 per second on 2 cores; K=100, d=128, n=100 needs about 2e13). Above it the index is a lower bound. Default: 2e11.")
    var inertiaMaxFlops: Double = 2e11
    @Option(name: .customLong("lambda-min-bracket"), help: "Lanczos where no exact count fits, at a point that is not critical: stop the λ_min run once the random-start bound (probability ≥ 1 − 1e-6) brackets λ_min to this fraction of the spectral spread λ_max − λ_min, whatever the residual; there λ_min is reported, not used. 0 = always converge to residual δ/10 (the previous rule; at near-collapse points that can take thousands of products). Default: 1e-3.")
    var lambdaMinBracket: Double = AnalysisOptions.defaultNonCriticalBracket
    @Option(name: .customLong("product-precision"), help: "auto | double | single: precision of Lanczos's Hessian-vector products where no exact count fits. single: sgemm (about 1.7× faster, half the workspace), only at a point proven not critical (its gradient exceeds what any Hessian the loss's derivative bounds allow makes critical: λ_min is then reported, not used), for cross-entropy, CosFace and focal; the measured change of a product (×10) widens λ_min's residual and bound. auto: single there when m ≥ 10⁶, else double. Default: auto.")
    var productPrecision: ProductPrecision = .auto

    /// Analysis options with these settings and, on a terminal, a Lanczos progress line.
    func analysisOptions(eigenvectors: Int = 0) throws -> AnalysisOptions {
        var o = AnalysisOptions(eigenvectors: eigenvectors, method: try method)
        o.seed = seed
        o.lanczosTolerance = lanczosTolerance
        guard inertiaMaxFlops.isFinite, inertiaMaxFlops >= 0 else { throw InputError("--inertia-max-flops must be a finite number ≥ 0 (got \(inertiaMaxFlops))") }
        o.structuredInertiaMaxFlops = inertiaMaxFlops
        guard lambdaMinBracket.isFinite, lambdaMinBracket >= 0, lambdaMinBracket < 1 else { throw InputError("--lambda-min-bracket must be a number in [0, 1) (got \(lambdaMinBracket))") }
        o.nonCriticalBracket = lambdaMinBracket
        o.productPrecision = productPrecision
        o.progress = terminalProgress
        return o
    }

    /// Ends the progress line a Lanczos run (`method`, as the analysis reports it) left on the terminal.
    func finishProgress(method: HessianMethod?) {
        if terminalProgress != nil && method == .lanczos { StandardError.write("\n") }
    }
}

/// Comma-separated values of one option, each converted or refused with the option's name.
func parseList<T>(_ text: String, _ flag: String, _ convert: (String) throws -> T?) throws -> [T] {
    try text.split(separator: ",").map { s in
        let t = s.trimmingCharacters(in: .whitespaces)
        guard let v = try convert(t) else { throw InputError("\(flag): cannot read '\(t)'") }
        return v
    }
}

/// A progress line rewritten in place on stderr, or nil when stderr is not a terminal.
var terminalProgress: (@Sendable (String) -> Void)? {
    guard stderrIsTerminal else { return nil }
    return { (s: String) -> Void in StandardError.write("\r\(s)   ") }
}

extension HessianMethod: ExpressibleByArgument {}

/// `--method` of `spectrum` and `analyze`: an exact method, or the density estimate.
enum SpectrumMethodChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, dense, reduced, lanczos, density
    var hessianMethod: HessianMethod? { HessianMethod(rawValue: rawValue) }
}
extension FeatureModelKind: ExpressibleByArgument {}
extension ProductPrecision: ExpressibleByArgument {}
extension CriticalPointClass: ExpressibleByArgument {}
extension OptimizerChoice: ExpressibleByArgument {}


struct LossesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "losses",
        abstract: "List the normalized model's losses (the registry): formula, parameters with defaults and ranges, label smoothing.")
    @Flag(name: .customLong("json"), help: "Print the registry as JSON (one object per loss), for programs such as the Python wrapper.") var json = false
    func run() throws {
        if json { print(String(decoding: try JSONOutput.encode(LossRegistry.entries), as: UTF8.self), terminator: ""); return }
        for e in LossRegistry.entries {
            print("\(e.kind): \(e.summary)")
            for p in e.parameters { print("  --\(p.key): \(p.help) (default \(LossFunction.format(p.defaultValue)))") }
            print("  label smoothing: \(e.acceptsLabelSmoothing ? "yes" : "no"); default name \(e.defaultName)")
        }
    }
}
