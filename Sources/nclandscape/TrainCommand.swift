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
    @Option(name: .customLong("out"), help: "Report folder. Required: nothing is written into the current folder by default.") var out: String?

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        let dir = try requiredOut(out, command: "train")
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
        abstract: "Neural-collapse metrics NC1–NC4 (Papyan, Han & Donoho 2020) of features, and of classifiers when given.",
        discussion: """
        h̄_k class means, h_G the global mean, M = [h̄_k − h_G] the CENTRED class means, H̄ = [h̄_k] the
        uncentred ones, W the classifiers, E = (I − 11ᵀ/K)/√(K−1) (simplex-ETF Gram, unit Frobenius norm).
        Every metric is 0 at neural collapse. Definitions and citations: docs/metrics.md.
          nc1                    tr(Σ_W Σ_B^†)/K; Σ_B^† drops singular values below 1e-10·σ_max, so NC1 ≥ 0.
          nc2ClassMeans          NC2 of the centred means M (no W needed):
            .equinorm              std_k ‖h̄_k − h_G‖ / mean_k ‖h̄_k − h_G‖ (sample std, divisor K−1)
            .equiangularity        std over pairs k<l of cos(M_k, M_l) (sample std)
            .maxAngle              mean over k≠l of |cos(M_k, M_l) + 1/(K−1)|
            .etfDistance           ‖MᵀM/‖MᵀM‖_F − E‖_F
          nc2Classifiers         the same four of the classifiers W (null without W); its etfDistance is
                                 the NC2 of the paper's code, ‖WᵀW/‖WᵀW‖_F − E‖_F.
          nc3SelfDualityCentred  ‖W/‖W‖_F − M/‖M‖_F‖_F (Papyan's self-duality, centred means)
          nc3GramUncentred       ‖WᵀH̄/‖WᵀH̄‖_F − E‖_F (the paper's code, uncentred means)
          accuracy               fraction with argmax_k w_kᵀh_j = y_j (linear classifier as given)
          cosineAccuracy         fraction with argmax_k cos(w_k, h_j) = y_j (cosine classifier)
          nc4NCCAgreement        fraction where argmax_k w_kᵀh_j = argmin_k ‖h_j − h̄_k‖ (1 at collapse)
        Quantities that need W are null in JSON (and "—" in text) without --classifiers.
        """)
    @OptionGroup var input: FeatureInputOptions
    @Flag(name: .customLong("json"), help: "Print one JSON object with the keys above (nested objects for nc2ClassMeans, nc2Classifiers). Default: a text table.") var json = false
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
        print(MetricsText.table(m))
    }
}

/// The text form of `NCMetrics`, one metric a line with its definition.
enum MetricsText {
    static func g(_ v: Double?) -> String { v.map { String(format: "%.6g", $0) } ?? "—" }
    static func table(_ m: NCMetrics) -> String {
        let noW = "— (needs --classifiers)"
        func w(_ v: Double?) -> String { v == nil ? noW : g(v) }
        let rows: [(String, String, String)] = [
            ("NC1", g(m.nc1), "tr(Σ_W Σ_B^†)/K"),
            ("NC2 means equinorm", g(m.nc2ClassMeans.equinorm), "std/mean of ‖h̄_k − h_G‖"),
            ("NC2 means equiangularity", g(m.nc2ClassMeans.equiangularity), "std of cos between centred means"),
            ("NC2 means max-angle", g(m.nc2ClassMeans.maxAngle), "mean |cos + 1/(K−1)|, centred means"),
            ("NC2 means ETF distance", g(m.nc2ClassMeans.etfDistance), "‖MᵀM/‖MᵀM‖_F − E‖_F, M centred"),
            ("NC2 W equinorm", w(m.nc2Classifiers?.equinorm), "std/mean of ‖w_k‖"),
            ("NC2 W equiangularity", w(m.nc2Classifiers?.equiangularity), "std of cos between classifiers"),
            ("NC2 W max-angle", w(m.nc2Classifiers?.maxAngle), "mean |cos + 1/(K−1)|, classifiers"),
            ("NC2 W ETF distance", w(m.nc2Classifiers?.etfDistance), "‖WᵀW/‖WᵀW‖_F − E‖_F"),
            ("NC3 self-duality", w(m.nc3SelfDualityCentred), "‖W/‖W‖_F − M/‖M‖_F‖_F, M centred (Papyan)"),
            ("NC3 Gram (uncentred)", w(m.nc3GramUncentred), "‖WᵀH̄/‖WᵀH̄‖_F − E‖_F, H̄ uncentred"),
            ("accuracy", w(m.accuracy), "argmax_k w_kᵀh"),
            ("cosine accuracy", w(m.cosineAccuracy), "argmax_k cos(w_k, h)"),
            ("NC4 NCC agreement", w(m.nc4NCCAgreement), "classifier = nearest class mean"),
        ]
        return rows.map { r in
            r.0.padding(toLength: 26, withPad: " ", startingAt: 0) + r.1.padding(toLength: max(14, r.1.count + 2), withPad: " ", startingAt: 0) + r.2
        }.joined(separator: "\n")
    }
}

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "analyze",
        abstract: "NC metrics of a trained network's last layer, then the landscape check at the normalized point: ‖grad‖, λ_min, index, class, distance to neural collapse.")
    @OptionGroup var input: FeatureInputOptions
    @Option(name: .customLong("tau"), help: "Temperature τ of the normalized model; REQUIRED for .npy input (a trained network has no natural default: use the scale its logits were trained with, e.g. the s of a cosine classifier's s·cos θ). A point JSON carries its own. Default: none.") var tau: Double?
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
        // τ sets the loss, the index and the class; a silent default gave a user loss 0.775 and
        // index 92 instead of 0.0039 and 75. Only needed when there is a landscape to check (W given).
        if fileModel == nil && tau == nil && w != nil {
            throw InputError("--tau is required for .npy input: give the temperature (logit scale) the network was trained with, e.g. --tau 16")
        }
        let a = try CollapseAnalysis.analyze(features: h, labels: labels, K: K, classifiers: w, tau: fileModel?.tau ?? tau ?? 1,
                                             labelSmoothing: fileModel?.labelSmoothing ?? labelSmoothing ?? 0,
                                             loss: try fileModel?.loss ?? loss.function(), options: try spectrumMethod.analysisOptions())
        spectrumMethod.finishProgress(method: a.method)
        if json { print(try JSONOutput.string(a, pretty: false), terminator: ""); return }
        func f(_ v: Double?) -> String { v.map { String(format: "%.6g", $0) } ?? "—" }
        print(a.model.summary)
        // NC2 of the centred class means needs no W; the classifier forms print "—" without it.
        func line(_ m: NCMetrics) -> String {
            "NC1 \(f(m.nc1))  NC2(means→ETF) \(f(m.nc2ClassMeans.etfDistance))  NC2(W→ETF) \(f(m.nc2Classifiers?.etfDistance))  "
                + "NC3(self-duality, centred) \(f(m.nc3SelfDualityCentred))  accuracy \(f(m.accuracy))  cosine accuracy \(f(m.cosineAccuracy))"
        }
        print("raw vectors:        " + line(a.nc))
        print("normalized columns: " + line(a.ncNormalized) + "  (the point analyzed below)")
        print("loss \(f(a.loss)) (optimum \(f(a.optimalLoss)))  ‖grad‖ \(f(a.riemannianGradientNorm))  λ_min \(f(a.lambdaMin))  index \(a.index.map(String.init) ?? "—")  class \(a.classification?.rawValue ?? "—") [\(a.method?.rawValue ?? "—")]")
        if let why = a.distanceToCollapseUnavailable {
            print("distance to the nearest NC configuration: not defined (\(why))")
        } else {
            print("distance to the nearest NC configuration \(f(a.distanceToCollapse)) (per column \(f(a.distanceToCollapsePerColumn)))")
        }
        for n in a.notes { print("note: \(n)") }
    }
}
