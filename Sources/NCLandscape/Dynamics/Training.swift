import Foundation

/// Settings of a normalized-vs-regularized training comparison (docs/formulas.md §7–§8).
public struct TrainingConfiguration: Codable, Sendable {
    /// The normalized model (its loss, τ and ε); the regularized model uses the same labels with
    /// plain cross-entropy (docs/formulas.md §8).
    public var model = ModelDescription(K: 4, d: 5, labels: (0 ..< 4).flatMap { [Int](repeating: $0, count: 3) }, tau: 2)
    public var lambdaW = 5e-4, lambdaH = 5e-4, lambdaB = 0.0
    public var iterations = 2000
    public var seeds = 3
    public var seed: UInt64 = 0
    /// Heavy-ball momentum β for the normalized run (0: plain Riemannian gradient descent).
    public var momentum = 0.0
    /// Candidate step sizes; each model gets the same search: `searchIterations` iterations from
    /// the first seed's start per candidate, keeping the step with the lowest objective.
    public var stepGrid: [Double] = [0.03, 0.1, 0.3, 1, 3, 10, 30, 100]
    public var searchIterations = 300
    public var thresholds: [Double] = [1e-2]
    public var recordEvery = 10
    public init() {}

    /// Refuses settings that cannot describe a study, naming the flag.
    public func validate() throws {
        try model.validate()
        try Validate.nonNegative(lambdaW, "--lambda-w")
        try Validate.nonNegative(lambdaH, "--lambda-h")
        try Validate.nonNegative(lambdaB, "--lambda-b")
        try Validate.atLeast(iterations, 1, "--iterations")
        try Validate.atLeast(seeds, 1, "--seeds")
        try Validate.inRange(momentum, "--momentum", 0, 1, why: "heavy-ball momentum β ≥ 1 does not converge")
        guard !stepGrid.isEmpty else { throw InputError("--steps needs at least one step size") }
        for s in stepGrid { try Validate.positive(s, "--steps") }
        try Validate.atLeast(searchIterations, 1, "--search-iterations")
        guard !thresholds.isEmpty else { throw InputError("--thresholds needs at least one threshold") }
        for t in thresholds { try Validate.positive(t, "--thresholds") }
        try Validate.atLeast(recordEvery, 1, "--record-every")
        // Two runs per seed, each keeping one 7-number record every `recordEvery` iterations
        // (with array overhead, 128 bytes) and a CSV row of about the same size: refuse a seed
        // count whose histories exceed the budget (10^8 seeds grew to 6 GB before this check).
        let records = Double(iterations / recordEvery + 2)
        try Validate.countFits(seeds, bytesEach: 2 * 256 * records + 512,
                               "\(seeds) seeds × 2 runs × \(Int(records)) recorded iterations")
    }
}

public struct TrainingRecord: Codable, Sendable {
    public var iteration: Int
    public var loss: Double
    public var gradientNorm: Double
    public var nc1: Double, nc2: Double, nc3: Double
    public var accuracy: Double
}

public struct TrainingRun: Codable, Sendable {
    public var model: String
    public var seed: Int
    public var step: Double
    public var diverged: Bool
    public var records: [TrainingRecord]

    /// First recorded iteration with the metric below `threshold`, or nil.
    public func firstBelow(_ metric: KeyPath<TrainingRecord, Double>, _ threshold: Double) -> Int? {
        records.first { $0[keyPath: metric] < threshold }?.iteration
    }
}

public struct ThresholdSummary: Codable, Sendable {
    public var model: String
    public var metric: String
    public var threshold: Double
    /// Iterations to reach it per seed (nil: not within the budget).
    public var iterations: [Int?]
    @NullEncodable public var median: Double?
    @NullEncodable public var minimum: Int?
    @NullEncodable public var maximum: Int?
}

public struct TrainingSummary: Codable, Sendable {
    public var configuration: TrainingConfiguration
    public var stepNormalized: Double
    public var stepRegularized: Double
    public var thresholds: [ThresholdSummary]
    /// Per metric and threshold: does the normalized model reach it in fewer iterations (median)?
    public var claimHolds: [String: Bool]
    public var software: String
    /// Runs that diverged or recorded nothing finite (`normalized-seed0`, …). When any did, the
    /// claim is not evaluated (`claimHolds` is empty): a diverged run never reaches a threshold,
    /// so the comparison would credit the other model with a win it did not earn (measured:
    /// `--steps 1e12` left the regularized run with 0–1 rows and the report said "holds").
    public var divergedRuns: [String] = []
}

/// Trains both models from the same seeded random starts (docs/formulas.md §8's claim: normalization
/// reaches collapse in fewer iterations).
public enum TrainingStudy {
    static func start(_ c: TrainingConfiguration, seed: Int) -> (Matrix, Matrix) {
        var rng = SeededGenerator(seed: c.seed).derived(seed)
        let (K, d, N) = (c.model.K, c.model.d, c.model.N)
        let s = 1 / Double(d).squareRoot()
        return (Matrix(rows: d, cols: K, columnMajor: rng.normals(d * K).map { $0 * s }),
                Matrix(rows: d, cols: N, columnMajor: rng.normals(d * N).map { $0 * s }))
    }

    static func record(_ it: Int, loss: Double, grad: Double, w: Matrix, h: Matrix, labels: [Int], K: Int) -> TrainingRecord {
        let m = (try? NCMetrics.compute(features: h, labels: labels, K: K, classifiers: w))
            ?? NCMetrics.unavailable
        return TrainingRecord(iteration: it, loss: loss, gradientNorm: grad, nc1: m.nc1, nc2: m.nc2, nc3: m.nc3, accuracy: m.accuracy ?? .nan)
    }

    /// Riemannian gradient descent (heavy ball with projection as vector transport when β > 0).
    public static func trainNormalized(_ c: TrainingConfiguration, seed: Int, step: Double, iterations: Int, record: Bool) throws -> TrainingRun {
        let model = try NormalizedFeatureModel(c.model)
        let (w0, h0) = start(c, seed: seed)
        var x = ProductOfSpheres.normalizeColumns(Matrix(rows: model.d, cols: model.K + model.N, columnMajor: w0.storage + h0.storage))
        let man = model.manifold
        var mom = Matrix(rows: x.rows, cols: x.cols)
        var recs: [TrainingRecord] = []
        var diverged = false
        for it in 0 ... iterations {
            let fo = model.firstOrder(at: x)
            let g = man.euclideanToRiemannianGradient(x, fo.euclideanGradient)
            if !fo.loss.isFinite { diverged = true; break }
            if record && (it % max(1, c.recordEvery) == 0 || it == iterations) {
                recs.append(Self.record(it, loss: fo.loss, grad: g.frobeniusNorm, w: x.columns(model.classifierColumns),
                                        h: x.columns(model.featureColumns), labels: model.labels, K: model.K))
            }
            if it == iterations { if !record { recs.append(TrainingRecord(iteration: it, loss: fo.loss, gradientNorm: g.frobeniusNorm, nc1: .nan, nc2: .nan, nc3: .nan, accuracy: .nan)) }; break }
            mom = c.momentum > 0 ? c.momentum * man.project(x, mom) + g : g
            x = man.retract(x, (-step) * mom)
        }
        return TrainingRun(model: "normalized", seed: seed, step: step, diverged: diverged, records: recs)
    }

    /// Plain gradient descent on the regularized model.
    public static func trainRegularized(_ c: TrainingConfiguration, seed: Int, step: Double, iterations: Int, record: Bool) throws -> TrainingRun {
        let model = try RegularizedFeatureModel(K: c.model.K, d: c.model.d, labels: c.model.labels, lambdaW: c.lambdaW, lambdaH: c.lambdaH, lambdaB: c.lambdaB)
        let (w0, h0) = start(c, seed: seed)
        var p = RegularizedFeatureModel.Point(W: w0, H: h0, b: [Double](repeating: 0, count: c.model.K))
        var recs: [TrainingRecord] = []
        var diverged = false
        for it in 0 ... iterations {
            let (loss, g) = model.lossAndGradient(at: p)
            if !loss.isFinite || loss > 1e6 { diverged = true; break }
            if record && (it % max(1, c.recordEvery) == 0 || it == iterations) {
                recs.append(Self.record(it, loss: loss, grad: RegularizedFeatureModel.norm(g), w: p.W, h: p.H, labels: model.labels, K: c.model.K))
            }
            if it == iterations { if !record { recs.append(TrainingRecord(iteration: it, loss: loss, gradientNorm: 0, nc1: .nan, nc2: .nan, nc3: .nan, accuracy: .nan)) }; break }
            p.W = p.W - step * g.W
            p.H = p.H - step * g.H
            Vector.axpy(-step, g.b, &p.b)
        }
        return TrainingRun(model: "regularized", seed: seed, step: step, diverged: diverged, records: recs)
    }

    /// The step with the lowest final objective after `searchIterations` (diverged candidates lose).
    static func searchStep(_ c: TrainingConfiguration, train: (Double) throws -> TrainingRun) rethrows -> Double {
        var best = (c.stepGrid.first ?? 0.1, Double.infinity)
        for eta in c.stepGrid {
            let r = try train(eta)
            let final = r.diverged ? .infinity : (r.records.last?.loss ?? .infinity)
            if final < best.1 { best = (eta, final) }
        }
        return best.0
    }

    public static func run(_ c: TrainingConfiguration, progress: ((Int, Int) -> Void)? = nil) throws -> (TrainingSummary, [TrainingRun]) {
        try c.validate()
        let etaN = try searchStep(c) { try trainNormalized(c, seed: 0, step: $0, iterations: c.searchIterations, record: false) }
        let etaR = try searchStep(c) { try trainRegularized(c, seed: 0, step: $0, iterations: c.searchIterations, record: false) }
        let jobs = (0 ..< c.seeds).flatMap { [($0, true), ($0, false)] }
        let runs = try ParallelMap.run(jobs, jobs: 2) { (seed, normalized) -> TrainingRun in
            normalized ? try trainNormalized(c, seed: seed, step: etaN, iterations: c.iterations, record: true)
                       : try trainRegularized(c, seed: seed, step: etaR, iterations: c.iterations, record: true)
        }
        progress?(runs.count, jobs.count)
        var summaries: [ThresholdSummary] = []
        var claim: [String: Bool] = [:]
        let metrics: [(String, KeyPath<TrainingRecord, Double>)] = [("nc1", \.nc1), ("nc2", \.nc2), ("nc3", \.nc3)]
        for t in c.thresholds {
            for (name, kp) in metrics {
                var medians: [String: Double] = [:]
                for m in ["normalized", "regularized"] {
                    let its = runs.filter { $0.model == m }.sorted { $0.seed < $1.seed }.map { $0.firstBelow(kp, t) }
                    let reached = its.compactMap { $0 }
                    // Median over seeds, counting a miss as "more than the budget".
                    let values = its.map { Double($0 ?? (c.iterations + 1)) }
                    let med = values.median
                    medians[m] = med
                    summaries.append(ThresholdSummary(model: m, metric: name, threshold: t, iterations: its,
                                                      median: med > Double(c.iterations) ? nil : med,
                                                      minimum: reached.min(), maximum: reached.count == its.count ? reached.max() : nil))
                }
                claim["\(name)<\(t)"] = medians["normalized"]! < medians["regularized"]!
            }
        }
        let diverged = runs.filter { r in
            r.diverged || r.records.last?.iteration != c.iterations || !r.records.allSatisfy { $0.loss.isFinite }
        }.sorted { ($0.model, $0.seed) < ($1.model, $1.seed) }.map { "\($0.model)-seed\($0.seed)" }
        return (TrainingSummary(configuration: c, stepNormalized: etaN, stepRegularized: etaR, thresholds: summaries,
                                claimHolds: diverged.isEmpty ? claim : [:], software: SoftwareVersion.summary, divergedRuns: diverged), runs)
    }
}
