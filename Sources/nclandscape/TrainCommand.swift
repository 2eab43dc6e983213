import ArgumentParser
import Foundation
import NCLandscape

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the normalized model (Riemannian GD) and the regularized model (GD) from the same seeded starts; compare NC1–NC3 over iterations.")
    @OptionGroup var model: ModelOptions
    @Option(name: .customLong("iterations"), help: "Iterations per run.") var iterations: Int = 2000
    @Option(name: .customLong("seeds"), help: "Random starts (seeds 0…S−1 derived from --seed).") var seeds: Int = 3
    @Option(name: .customLong("seed"), help: "Base seed.") var seed: UInt64 = 0
    @Option(name: .customLong("momentum"), help: "Heavy-ball momentum for the normalized run.") var momentum: Double = 0
    @Option(name: .customLong("steps"), help: "Step sizes searched (same budget for both models).") var steps: String = "0.03,0.1,0.3,1,3,10,30,100"
    @Option(name: .customLong("search-iterations"), help: "Iterations per candidate step.") var searchIterations: Int = 300
    @Option(name: .customLong("thresholds"), help: "NC thresholds to time.") var thresholds: String = "1e-2"
    @Option(name: .customLong("record-every"), help: "Record metrics every k iterations.") var recordEvery: Int = 10
    @Option(name: .customLong("out"), help: "Report folder. Default: results/runs/train-K<K>-d<d>-n<n>-tau<τ>.") var out: String?

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        var c = TrainingConfiguration()
        // Both models are trained: the model flags build the normalized one, --lambda-w/--lambda-h
        // (shared with --model regularized, same defaults) the regularized one.
        let m = try model.model(acceptingWeightDecay: true)
        c.model = m.spec
        c.lambdaW = model.lambdaW ?? 5e-4; c.lambdaH = model.lambdaH ?? 5e-4; c.lambdaB = model.lambdaB ?? 0
        c.iterations = iterations; c.seeds = seeds; c.seed = seed; c.momentum = momentum
        c.stepGrid = try parseList(steps, "--steps") { Double($0) }
        c.searchIterations = searchIterations
        c.thresholds = try parseList(thresholds, "--thresholds") { Double($0) }
        c.recordEvery = recordEvery
        let (s, runs) = try TrainingStudy.run(c)
        let dir = out ?? "results/runs/train-K\(m.K)-d\(m.d)-N\(m.N)-tau\(m.tau)-\(m.loss.name)"
        try TrainingReport.write(s, runs: runs, to: dir)
        print("steps: normalized η = \(s.stepNormalized), regularized η = \(s.stepRegularized)")
        for t in s.thresholds {
            print(String(format: "%@ < %g  %-12@ median %@  per seed %@", t.metric.uppercased(), t.threshold, t.model,
                         t.median.map { String(format: "%.0f", $0) } ?? "not reached", t.iterations.map { $0.map(String.init) ?? "—" }.joined(separator: ",")))
        }
        for (k, v) in s.claimHolds.sorted(by: { $0.key < $1.key }) { print("\(k): normalization faster? \(v ? "yes" : "no")") }
        if !s.divergedRuns.isEmpty {
            print("normalization faster? not evaluated: \(s.divergedRuns.count) run(s) diverged (\(s.divergedRuns.joined(separator: ", "))); use smaller --steps")
            StandardError.write("warning: \(s.divergedRuns.count) training run(s) diverged (\(s.divergedRuns.joined(separator: ", "))); no conclusion drawn\n")
        }
        print("report: \(dir)/report.md")
    }
}

/// Features and labels from .npy (rows are vectors) or a point JSON.
struct FeatureInputOptions: ParsableArguments {
    @Argument(help: "Point JSON file (alternative to --features).") var pointFile: String?
    @Option(name: .customLong("features"), help: "N × d features (.npy, float32/float64). Default: none.") var features: String?
    @Option(name: .customLong("labels"), help: "N integer labels (.npy). Default: none.") var labels: String?
    @Option(name: .customLong("classifiers"), help: "K × d classifier (.npy). Default: none.") var classifiers: String?
    @Option(name: .customLong("K"), help: "Number of classes (default: max label + 1, or rows of --classifiers).") var K: Int?

    func load() throws -> (h: Matrix, labels: [Int], K: Int, w: Matrix?, model: ModelDescription?) {
        if let pointFile {
            let extra = [("--features", features), ("--labels", labels), ("--classifiers", classifiers), ("--K", K.map(String.init))]
                .filter { $0.1 != nil }.map(\.0)
            guard extra.isEmpty else {
                throw InputError("give either a point JSON file or .npy inputs, not both (\(pointFile) with \(extra.joined(separator: ", ")))")
            }
            let (m, x) = try PointFile.read(path: pointFile, normalize: true)
            return (x.columns(m.featureColumns), m.labels, m.K, x.columns(m.classifierColumns), m.spec)
        }
        guard let features, let labels else { throw InputError("give a point JSON, or --features H.npy --labels y.npy [--classifiers W.npy]") }
        let f = try NPYFeatures.load(features: features, labels: labels, classifiers: classifiers, K: K)
        return (f.features, f.labels, f.K, f.classifiers, nil)
    }
}

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metrics",
        abstract: "NC1, NC2, NC3, accuracy and nearest-class-center agreement of features (and classifiers).",
        discussion: "NC1 uses Σ_B^† from an SVD that drops singular values below 1e-10·σ_max, so it is never negative.")
    @OptionGroup var input: FeatureInputOptions
    @Flag(name: .customLong("json"), help: "Print JSON (keys nc1, nc2, nc3, accuracy, nccAgreement).") var json = false
    @Flag(name: .customLong("normalize"), help: "Scale every feature and classifier to unit norm first (the point the landscape tools analyze). Default: the raw vectors.")
    var normalize = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        let (h0, labels, K, w0, _) = try input.load()
        let h = normalize ? ProductOfSpheres.normalizeColumns(h0) : h0
        let w = normalize ? w0.map(ProductOfSpheres.normalizeColumns) : w0
        let m = try NCMetrics.compute(features: h, labels: labels, K: K, classifiers: w)
        if json { print(try JSONOutput.string(m, pretty: false), terminator: ""); return }
        print(String(format: "NC1 %.6g\nNC2 %.6g\nNC3 %.6g\naccuracy %.4f\nNCC agreement %.4f", m.nc1, m.nc2, m.nc3, m.accuracy, m.nccAgreement))
    }
}

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "analyze",
        abstract: "NC metrics of a trained network's last layer, then the landscape check at the normalized point: ‖grad‖, λ_min, index, class, distance to neural collapse.")
    @OptionGroup var input: FeatureInputOptions
    @Option(name: .customLong("tau"), help: "Temperature of the normalized model for .npy input (a point JSON carries its own). Default: 2.") var tau: Double?
    @Option(name: .customLong("label-smoothing"), help: "Label smoothing ε of the model for .npy input (a point JSON carries its own). Default: 0.") var labelSmoothing: Double?
    @OptionGroup var loss: LossOptions
    @OptionGroup var spectrumMethod: SpectrumMethodOptions
    @Flag(name: .customLong("json"), help: "Print JSON.") var json = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        let (h, labels, K, w, fileModel) = try input.load()
        if let fileModel {
            // A point JSON carries its model: a flag that would silently be ignored is refused.
            let given = [("--tau", tau != nil), ("--label-smoothing", labelSmoothing != nil), ("--loss/--gamma/--margin", !loss.isUnset)]
                .filter(\.1).map(\.0)
            guard given.isEmpty else {
                throw InputError("the point JSON carries its own model (τ = \(fileModel.tau), ε = \(fileModel.labelSmoothing), \(fileModel.loss.name)); drop \(given.joined(separator: ", "))")
            }
        }
        let a = try CollapseAnalysis.analyze(features: h, labels: labels, K: K, classifiers: w, tau: fileModel?.tau ?? tau ?? 2,
                                             labelSmoothing: fileModel?.labelSmoothing ?? labelSmoothing ?? 0,
                                             loss: try fileModel?.loss ?? loss.function(), options: try spectrumMethod.analysisOptions())
        spectrumMethod.finishProgress(method: a.method)
        if json { print(try JSONOutput.string(a, pretty: false), terminator: ""); return }
        func f(_ v: Double?) -> String { v.map { String(format: "%.6g", $0) } ?? "—" }
        print(a.model.summary)
        print("raw vectors:        NC1 \(f(a.nc.nc1))  NC2 \(f(a.nc.nc2))  NC3 \(f(a.nc.nc3))  accuracy \(f(a.nc.accuracy))")
        print("normalized columns: NC1 \(f(a.ncNormalized.nc1))  NC2 \(f(a.ncNormalized.nc2))  NC3 \(f(a.ncNormalized.nc3))  (the point analyzed below)")
        print("loss \(f(a.loss)) (optimum \(f(a.optimalLoss)))  ‖grad‖ \(f(a.riemannianGradientNorm))  λ_min \(f(a.lambdaMin))  index \(a.index.map(String.init) ?? "—")  class \(a.classification?.rawValue ?? "—") [\(a.method?.rawValue ?? "—")]")
        print("distance to the nearest NC configuration \(f(a.distanceToCollapse)) (per column \(f(a.distanceToCollapsePerColumn)))")
        for n in a.notes { print("note: \(n)") }
    }
}
