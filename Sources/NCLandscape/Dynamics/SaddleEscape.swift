import Foundation

/// How the start `x_0 = R_{x*}(r ξ)` is perturbed.
public enum EscapeDirection: String, Codable, CaseIterable, Sendable {
    /// `ξ` a uniformly random unit tangent vector.
    case random
    /// `ξ` a unit vector of the most negative eigenspace (random within it when it is multiple,
    /// random sign when simple).
    case negativeCurvature = "negative-curvature"
}

/// Which optimizer an escape run uses.
public enum OptimizerChoice: String, Codable, CaseIterable, Sendable {
    case gd, armijo, perturbed, trustRegion = "trust-region"

    public func make(step: Double, seed: UInt64,
                     perturbation: PerturbedGradientDescent.Parameters = .init()) -> any RiemannianOptimizer {
        switch self {
        case .gd: return RiemannianGradientDescent(rule: .fixed(step))
        case .armijo: return RiemannianGradientDescent(rule: .armijo(initial: step))
        case .perturbed: return PerturbedGradientDescent(step: step, seed: seed, parameters: perturbation)
        case .trustRegion: return RiemannianTrustRegion()
        }
    }
}

/// Settings of a saddle-escape study (docs/formulas.md §6).
public struct EscapeConfiguration: Codable, Sendable {
    public var radii: [Double] = [1e-8, 1e-6, 1e-4, 1e-2]
    public var directions: [EscapeDirection] = EscapeDirection.allCases
    public var seeds: Int = 5
    public var seed: UInt64 = 0
    public var step: Double = 0.5
    /// Escape ball radius `ρ` (geodesic distance from `x*`).
    public var rho: Double = 0.1
    /// Required loss drop `δ`; nil means `|λ_min| ρ² / 4` (half the quadratic model's drop at
    /// distance ρ, so the distance criterion is the binding one).
    @NullEncodable public var lossDrop: Double?
    public var maxIterations: Int = 20_000
    /// After escaping, each run continues until `‖grad‖ ≤ tolerance · γ` (relative to the size of
    /// the gradient's terms) and its end point is classified. Escape itself is measured with no
    /// gradient test at all: near the saddle the gradient is ~|λ_min| r, and any fixed tolerance
    /// would stop runs from small radii before they start.
    public var tolerance: Double = 1e-8
    /// The loss a run's end point is compared with to call it global; nil: the proven `f*`, else
    /// the lowest minimizer loss any run reached.
    @NullEncodable public var referenceLoss: Double?
    public var optimizer: OptimizerChoice = .gd
    /// Constants of perturbed GD (used when `optimizer == .perturbed`).
    public var perturbation = PerturbedGradientDescent.Parameters()
    public var jobs: Int = 2
    /// Spectrum method for the saddle and for classifying where runs end.
    public var method: HessianMethod = .auto
    public init() {}

    /// Refuses settings that cannot describe a study, naming the flag.
    public func validate() throws {
        guard !radii.isEmpty else { throw InputError("--radii needs at least one radius") }
        for r in radii { try Validate.radius(r, "--radii") }
        guard !directions.isEmpty else { throw InputError("--directions needs at least one direction") }
        try Validate.atLeast(seeds, 1, "--seeds")
        try Validate.positive(step, "--step")
        try Validate.radius(rho, "--rho")
        if let lossDrop { try Validate.nonNegative(lossDrop, "--loss-drop") }
        try Validate.atLeast(maxIterations, 1, "--max-iterations")
        try Validate.nonNegative(tolerance, "--tolerance")
        if let referenceLoss, !referenceLoss.isFinite { throw InputError("--reference-loss must be finite (got \(referenceLoss))") }
        try Validate.jobs(jobs)
        // Every run keeps a record (its numbers and a CSV row, about 512 bytes measured from the
        // report); 10^8 seeds grew to 11 GB before this check.
        let runs = try SizeLimits.product(try SizeLimits.product(seeds, radii.count, "seeds × radii"), directions.count, "seeds × radii × directions")
        try Validate.countFits(runs, bytesEach: 512, "\(runs) escape runs (--seeds \(seeds) × \(radii.count) radii × \(directions.count) directions)")
        try perturbation.validate()
    }
}

/// The saddle an escape study starts from.
public struct SaddleDescription: Sendable {
    public let point: Matrix
    public let loss: Double
    public let lambdaMin: Double
    public let lambdaMax: Double
    public let index: Int
    /// Orthonormal basis (ambient tangent matrices) of the eigenspace of `λ_min`.
    public let eigenspace: [Matrix]
    public let gradientNorm: Double
    public let method: HessianMethod

    /// Analyzes `x` and extracts the `λ_min` eigenspace; eigenvalues within `1e−6 |λ_min|` of
    /// `λ_min` count as the same (total collapse: exactly multiple).
    public init<P: FeatureObjective>(model: P, point x: Matrix, method: HessianMethod = .auto) throws {
        // One analysis: the complete-spectrum methods return the whole λ_min cluster; Lanczos,
        // which cannot know the multiplicity in advance, returns its six lowest converged pairs.
        let relative = 1e-6
        var opts = AnalysisOptions(method: method)
        // Method selection is the normalized model's (reduced, Lanczos); other objectives are dense.
        opts.method = model.structured.map { LandscapeAnalyzer.resolve(method, model: $0, point: x, options: opts) } ?? .dense
        opts.lowestClusterRelativeTolerance = relative
        if opts.method == .lanczos { opts.eigenvectors = 6 }
        let a = try LandscapeAnalyzer.analyze(model, at: x, options: opts)
        guard a.classification == .strictSaddle else {
            throw InputError("the start point is classified \(a.classification.rawValue) (‖grad‖ = \(String(format: "%.2e", a.riemannianGradientNorm)), λ_min = \(String(format: "%.3g", a.lambdaMin))), not a strict saddle; escape studies start from a strict saddle (try --polish)")
        }
        let tol = LandscapeAnalyzer.clusterTolerance(relative, lambdaMin: a.lambdaMin, spectralNorm: a.spectralNorm)
        eigenspace = a.lowest.filter { $0.value <= a.lambdaMin + tol }.map(\.direction)
        self.method = a.method
        point = x; loss = a.loss; lambdaMin = a.lambdaMin; lambdaMax = a.lambdaMax; index = a.index
        gradientNorm = a.riemannianGradientNorm
    }

    /// `‖P ξ‖`, the norm of the projection of `ξ` on the `λ_min` eigenspace (= `|⟨ξ, v⟩|` when simple).
    public func overlap(_ xi: Matrix) -> Double {
        eigenspace.reduce(0) { acc, v in let c = Vector.dot(xi.storage, v.storage); return acc + c * c }.squareRoot()
    }
}

/// What the measurement of one run gave.
public enum EscapeOutcome: String, Codable, Sendable {
    /// Left the ball and lost δ: the escape time is measured.
    case escaped
    /// Still inside after `maxIterations`: the escape time exceeds the cap.
    case notEscaped = "not_escaped"
    /// The optimizer stopped before escaping (a zero gradient, or no representable loss decrease
    /// at this radius for Armijo, or perturbed GD's second-order stop): not measurable.
    case stopped
}

/// One perturbed run.
public struct EscapeRun: Codable, Sendable {
    public var direction: EscapeDirection
    public var radius: Double
    public var seed: Int
    /// `‖P ξ‖` (`|⟨ξ, v⟩|` for a simple eigenvalue).
    public var overlap: Double
    public var outcome: EscapeOutcome
    public var escaped: Bool { outcome == .escaped }
    @NullEncodable public var escapeIteration: Int?
    /// docs/formulas.md §6: `log(ρ / (r ‖Pξ‖)) / log(1 + η|λ_min|)`.
    public var predictedIteration: Double
    /// Iterations of the measurement and why it stopped (an `observer` stop is the escape).
    public var iterations: Int
    public var stopReason: StopReason
    /// Iterations after the escape until the tolerance.
    public var iterationsAfterEscape: Int
    public var finalLoss: Double
    public var finalGradientNorm: Double
    /// Class of the Newton-polished end point, minimizers settled against the reference loss.
    public var finalClassification: CriticalPointClass
    public var endsAtGlobalMinimizer: Bool { finalClassification == .globalMinimizer }
    public var nc1: Double
    public var nc2: Double
    public var nc3: Double
}

/// Per-direction summary: slopes of escape time against `log(1/r)`.
public struct EscapeDirectionSummary: Codable, Sendable {
    /// Least-squares slope of measured escape iterations against `log(1/r)` (escaped runs).
    @NullEncodable public var slopeMeasured: Double?
    /// `1 / log(1 + η|λ_min|)`.
    public var slopePredicted: Double
    public var fractionGlobal: Double
    public var fractionEscaped: Double
    public var runs: Int
    /// Runs by outcome (`escaped`, `not_escaped`, `stopped`).
    public var outcomes: [String: Int]
    /// Radii with at least one measured escape: the slope is fitted on these runs only.
    public var radiiFitted: [Double]
    /// Where the runs ended, by class (minimizers settled against the reference loss).
    public var endClasses: [String: Int]
}

/// Median measured vs predicted escape time for one radius and direction.
public struct EscapeTableRow: Codable, Sendable {
    public var direction: EscapeDirection
    public var radius: Double
    @NullEncodable public var medianMeasured: Double?
    public var medianPredicted: Double
    public var fractionEscaped: Double
    public var fractionGlobal: Double
    /// Runs not measured at this radius (not escaped within the cap, or stopped).
    public var unmeasured: Int
}

public struct EscapeSummary: Codable, Sendable {
    public var saddleLoss: Double
    public var lambdaMin: Double
    public var lambdaMax: Double
    public var multiplicity: Int
    public var index: Int
    public var rho: Double
    public var lossDrop: Double
    public var step: Double
    public var optimizer: String
    /// Spectrum method used for the saddle.
    public var method: HessianMethod
    public var directions: [String: EscapeDirectionSummary]
    public var table: [EscapeTableRow]
    public var configuration: EscapeConfiguration
    /// What "global" was judged against: the proven f*, `--reference-loss`, or the best run.
    @NullEncodable public var referenceLoss: Double?
    public var referenceSource: String
    /// The normalized problem (absent for the regularized model) …
    public var model: ModelDescription?
    /// … or the regularized one (absent for the normalized model).
    public var regularizedModel: RegularizedDescription?
    public var counts: [Int]
    public var source: String
    public var seconds: Double
    public var software: String
}

/// The saddle-escape study of docs/formulas.md §6.
public enum SaddleEscapeStudy {
    public static func run<P: FeatureObjective>(model: P, saddle: SaddleDescription, config: EscapeConfiguration,
                           source: String, progress: ((Int, Int) -> Void)? = nil) throws -> (EscapeSummary, [EscapeRun]) {
        try config.validate()
        if config.optimizer == .gd && config.step * saddle.lambdaMax >= 2 {
            throw InputError(String(format: "fixed-step gradient descent diverges for η λ_max ≥ 2 (η = %g, λ_max = %.4g); use --step below %.4g",
                                    config.step, saddle.lambdaMax, 2 / saddle.lambdaMax))
        }
        let t0 = Stopwatch.now()
        let lam = abs(saddle.lambdaMin)
        let lossDrop = config.lossDrop ?? lam * config.rho * config.rho / 4
        let growth = log(1 + config.step * lam)
        var jobsList: [(EscapeDirection, Double, Int)] = []
        for dir in config.directions { for r in config.radii { for s in 0 ..< config.seeds { jobsList.append((dir, r, s)) } } }
        let man = model.manifold
        var done = 0
        var runs: [EscapeRun] = []
        guard config.tolerance > 0, config.tolerance.isFinite else { throw InputError("--tolerance must be positive and finite (got \(config.tolerance))") }
        let batch = max(1, config.jobs) * 4
        var i = 0
        while i < jobsList.count {
            let chunk = Array(jobsList[i ..< min(i + batch, jobsList.count)])
            let results = try ParallelMap.run(chunk, jobs: config.jobs) { (dir, r, s) -> EscapeRun in
                // Each (direction, radius, seed) has its own stream: runs reproduce individually.
                let ridx = config.radii.firstIndex(of: r)!
                var rng = SeededGenerator(seed: config.seed).derived((dir == .random ? 0 : 1_000_000) + ridx * 1000 + s)
                var xi: Matrix
                switch dir {
                case .random:
                    xi = man.randomTangent(at: saddle.point, using: &rng)
                case .negativeCurvature:
                    let coef = saddle.eigenspace.count == 1 ? [rng.uniform() < 0.5 ? -1.0 : 1.0] : rng.normals(saddle.eigenspace.count)
                    xi = Matrix(rows: saddle.point.rows, cols: saddle.point.cols)
                    for (c, v) in zip(coef, saddle.eigenspace) { xi = xi + c * v }
                    xi = (1 / xi.frobeniusNorm) * xi
                }
                let overlap = saddle.overlap(xi)
                let predicted = log(config.rho / (r * overlap)) / growth
                let x0 = man.retract(saddle.point, r * xi)
                var escapeAt: Int? = nil
                let opt = config.optimizer.make(step: config.step, seed: config.seed &+ UInt64(ridx * 1000 + s),
                                               perturbation: config.perturbation)
                // The measurement: no gradient test; it stops at the escape (or the cap, or when
                // the optimizer itself gives up).
                let measured = opt.minimize(model, from: x0, criteria: StoppingCriteria(maxIterations: config.maxIterations, gradientTolerance: 0,
                                                                                         recordEvery: 0)) { it, x, loss, _ in
                    if loss < saddle.loss - lossDrop, man.distance(x, saddle.point) > config.rho { escapeAt = it; return false }
                    return true
                }
                let outcome: EscapeOutcome = escapeAt != nil ? .escaped : (measured.stopReason == .maxIterations ? .notEscaped : .stopped)
                // Then on to convergence, for where the run ends.
                let rest = outcome == .escaped
                    ? opt.minimize(model, from: measured.point, criteria: StoppingCriteria(maxIterations: config.maxIterations, gradientTolerance: 0,
                                                                                            relativeGradientTolerance: config.tolerance, recordEvery: 0), observer: nil)
                    : measured
                let end = try LandscapeAnalyzer.settle(model, endPoint: rest.point, method: config.method)
                let nc = try NCMetrics.compute(model: model, point: end.polished.point)
                return EscapeRun(direction: dir, radius: r, seed: s, overlap: overlap, outcome: outcome, escapeIteration: escapeAt,
                                 predictedIteration: predicted, iterations: measured.iterations, stopReason: measured.stopReason,
                                 iterationsAfterEscape: outcome == .escaped ? rest.iterations : 0,
                                 finalLoss: end.loss, finalGradientNorm: end.polished.gradientNorm,
                                 finalClassification: end.classification, nc1: nc.nc1, nc2: nc.nc2, nc3: nc.nc3)
            }
            runs += results
            i += chunk.count
            done += chunk.count
            progress?(done, jobsList.count)
        }
        // Minimizers where no optimum is proven are settled against the best minimizer any run
        // reached (or --reference-loss): "global" means "as low as the lowest found".
        let minimizerLosses = runs.filter { $0.finalClassification.isMinimizer }.map(\.finalLoss)
        let reference = config.referenceLoss ?? model.optimalLoss ?? minimizerLosses.min()
        let referenceSource = config.referenceLoss != nil ? "--reference-loss" : (model.optimalLoss != nil ? "proven optimum f*" : "lowest minimizer loss reached by the runs")
        for i in runs.indices where runs[i].finalClassification.isMinimizer {
            runs[i].finalClassification = ClassificationRule.minimizerClass(loss: runs[i].finalLoss, reference: reference)
        }
        // The software line records the BLAS threads the runs used (one each when in parallel).
        let summary = BLASRuntime.singleThreaded(while: config.jobs > 1) {
            summarize(runs, model: model, saddle: saddle, config: config, lossDrop: lossDrop, growth: growth,
                      reference: reference, referenceSource: referenceSource, source: source, seconds: Stopwatch.now() - t0)
        }
        return (summary, runs)
    }

    static func summarize<P: FeatureObjective>(_ runs: [EscapeRun], model: P, saddle: SaddleDescription, config: EscapeConfiguration,
                          lossDrop: Double, growth: Double, reference: Double?, referenceSource: String,
                          source: String, seconds: Double) -> EscapeSummary {
        var dirs: [String: EscapeDirectionSummary] = [:]
        var table: [EscapeTableRow] = []
        for dir in config.directions {
            let rs = runs.filter { $0.direction == dir }
            let esc = rs.filter(\.escaped)
            let slope = leastSquaresSlope(xs: esc.map { log(1 / $0.radius) }, ys: esc.map { Double($0.escapeIteration!) })
            dirs[dir.rawValue] = EscapeDirectionSummary(
                slopeMeasured: slope, slopePredicted: 1 / growth,
                fractionGlobal: Double(rs.filter(\.endsAtGlobalMinimizer).count) / Double(max(1, rs.count)),
                fractionEscaped: Double(esc.count) / Double(max(1, rs.count)), runs: rs.count,
                outcomes: Dictionary(grouping: rs, by: { $0.outcome.rawValue }).mapValues(\.count),
                radiiFitted: Array(Set(esc.map(\.radius))).sorted(),
                endClasses: Dictionary(grouping: rs, by: { $0.finalClassification.rawValue }).mapValues(\.count))
            for r in config.radii {
                let g = rs.filter { $0.radius == r }
                let e = g.compactMap(\.escapeIteration).map(Double.init)
                table.append(EscapeTableRow(direction: dir, radius: r, medianMeasured: e.isEmpty ? nil : e.median,
                                            medianPredicted: g.map(\.predictedIteration).median,
                                            fractionEscaped: Double(e.count) / Double(max(1, g.count)),
                                            fractionGlobal: Double(g.filter(\.endsAtGlobalMinimizer).count) / Double(max(1, g.count)),
                                            unmeasured: g.count - e.count))
            }
        }
        return EscapeSummary(saddleLoss: saddle.loss, lambdaMin: saddle.lambdaMin, lambdaMax: saddle.lambdaMax,
                             multiplicity: saddle.eigenspace.count, index: saddle.index, rho: config.rho, lossDrop: lossDrop,
                             step: config.step, optimizer: config.optimizer.rawValue, method: saddle.method, directions: dirs, table: table,
                             configuration: config, referenceLoss: reference, referenceSource: referenceSource,
                             model: model.structured?.spec, regularizedModel: (model as? RegularizedObjective)?.description,
                             counts: model.counts, source: source, seconds: seconds,
                             software: SoftwareVersion.summary)
    }

    /// Ordinary least-squares slope; nil with fewer than two distinct x values.
    public static func leastSquaresSlope(xs: [Double], ys: [Double]) -> Double? {
        guard xs.count >= 2 else { return nil }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        var sxy = 0.0, sxx = 0.0
        for (x, y) in zip(xs, ys) { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx) }
        return sxx > 0 ? sxy / sxx : nil
    }
}
