import Foundation

/// One configuration of a regularized sweep: balanced classes of `n` samples, weight decay
/// `λ_W`, `λ_H`, a bias with decay `λ_b` when `lambdaB` is given, and the loss (docs/formulas.md §8).
public struct RegularizedSweepConfiguration: Codable, Sendable, Equatable {
    public var K: Int
    public var d: Int
    /// Samples per class (regularized sweeps are balanced: the closed form needs it).
    public var n: Int
    public var lambdaW: Double
    public var lambdaH: Double
    /// `λ_b` with a bias; null without one.
    @NullEncodable public var lambdaB: Double?
    public var loss: RegularizedLoss

    public init(K: Int, d: Int, n: Int, lambdaW: Double, lambdaH: Double, lambdaB: Double?, loss: RegularizedLoss) {
        self.K = K; self.d = d; self.n = n; self.lambdaW = lambdaW; self.lambdaH = lambdaH; self.lambdaB = lambdaB; self.loss = loss
    }

    enum CodingKeys: String, CodingKey { case K, d, n, lambdaW, lambdaH, lambdaB, loss }

    /// Canonical identifier, stable across runs and shards: `reg-` (never the start of a
    /// normalized key, which starts with `K` or `counts`), the coordinates, the loss (`ce`,
    /// `mse`) and `-b<λ_b>` with a bias, e.g. `reg-K4-d5-n3-lw0.0005-lh0.0005-ce`.
    public var key: String {
        "reg-K\(K)-d\(d)-n\(n)-lw\(lambdaW)-lh\(lambdaH)-\(Self.code(loss))" + (lambdaB.map { "-b\($0)" } ?? "")
    }

    static func code(_ l: RegularizedLoss) -> String {
        switch l { case .crossEntropy: return "ce"; case .mse: return "mse" }
    }

    /// The problem's description as `CensusSummary.problem` records it.
    public var problem: RegularizedDescription {
        RegularizedDescription(K: K, d: d, counts: [Int](repeating: n, count: K), lambdaW: lambdaW, lambdaH: lambdaH, loss: loss, lambdaB: lambdaB)
    }

    /// The objective (validated: `λ_W, λ_H > 0`, `λ_b` as the loss allows, sizes).
    public func makeObjective() throws -> RegularizedObjective {
        try RegularizedObjective(K: K, d: d, n: n, lambdaW: lambdaW, lambdaH: lambdaH, loss: loss, lambdaB: lambdaB)
    }
}

/// A grid of regularized configurations (`sweep --model regularized`): every combination of the
/// lists, each run as a census with the ansatz starts and a fixed number of random starts.
public struct RegularizedSweepGrid: Sendable {
    public var K: [Int] = [3]
    /// Integers or ranges relative to K, as in `SweepGrid.d`.
    public var d: [String] = ["K+1"]
    public var n: [Int] = [1]
    public var lambdaW: [Double] = [5e-4]
    public var lambdaH: [Double] = [5e-4]
    /// `λ_b` values with a bias; nil: no bias.
    public var lambdaB: [Double]? = nil
    public var loss: [RegularizedLoss] = [.crossEntropy]
    /// Random starts per configuration (the census has no adaptive mode).
    public var starts: Int = 40
    public var seed: UInt64 = 0
    public init() {}

    /// The search every configuration runs with. The census's start mix (Newton and descent
    /// starts alternating, after the ansatz) is fixed, so the count and the seed identify it.
    public var signature: String { Self.signature(starts: starts, seed: seed) }
    static func signature(starts: Int, seed: UInt64) -> String { "census-starts\(starts)-seed\(seed)" }

    /// All configurations in a fixed order (K, loss, d, n, λ_W, λ_H, λ_b; `d < 2` skipped as in
    /// the normalized sweep), each validated by building its objective.
    public func configurations() throws -> [RegularizedSweepConfiguration] {
        guard starts >= 0 else { throw InputError("--starts must be ≥ 0 (got \(starts))") }
        var out: [RegularizedSweepConfiguration] = []
        var seen = Set<String>()
        let biases: [Double?] = lambdaB.map { $0.map(Optional.some) } ?? [nil]
        for k in K {
            guard k >= 2 else { throw InputError("K must be at least 2 (got \(k))") }
            var ds: [Int] = []
            for e in d { for v in try SweepGrid.dValues(e, K: k) where v >= 2 && !ds.contains(v) { ds.append(v) } }
            for l in loss { for dv in ds { for nv in n { for w in lambdaW { for h in lambdaH { for b in biases {
                let c = RegularizedSweepConfiguration(K: k, d: dv, n: nv, lambdaW: w, lambdaH: h, lambdaB: b, loss: l)
                guard seen.insert(c.key).inserted else { continue }
                _ = try c.makeObjective()
                out.append(c)
            } } } } } }
        }
        return out
    }
}

/// One finished regularized configuration (a line of a regularized sweep's JSONL output): the
/// marker `"model": "regularized"`, the key, the grid coordinates and the census summary (with
/// its seed, random starts, f*, points and verdict).
public struct RegularizedSweepResult: SweepLine {
    public static var kind: FeatureModelKind { .regularized }
    /// Always `regularized`: how `phase` and `merge` tell the line kinds apart.
    public var model: FeatureModelKind
    public var key: String
    public var config: RegularizedSweepConfiguration
    /// Whether the census reached the closed-form global minimizer (null where there is none);
    /// `CensusSummary.closedFormOptimumFound`.
    @NullEncodable public var closedFormOptimumFound: Bool?
    public var census: CensusSummary

    enum CodingKeys: String, CodingKey { case model, key, config, closedFormOptimumFound, census }

    public init(config: RegularizedSweepConfiguration, census: CensusSummary) {
        model = .regularized
        key = config.key
        self.config = config
        closedFormOptimumFound = census.closedFormOptimumFound
        self.census = census
    }

    public var searchSignature: String { RegularizedSweepGrid.signature(starts: census.randomStarts, seed: census.seed) }
    public var verdict: VerifySummary.Verdict { census.verdict }
    /// The lowest loss among the distinct points (nil when none converged).
    public var lowestLoss: Double? { census.points.map(\.loss).min() }

    public var resultFingerprint: String {
        let losses = [lowestLoss].compactMap { $0 }.map { String(format: "%.9f", $0) }
        return "\(verdict.rawValue)|\(census.counts.sorted { $0.key < $1.key })|\(census.distinctCriticalPoints)|\(losses)|\(String(describing: closedFormOptimumFound))"
    }

    public func checkConsistent(path: String) throws {
        guard model == .regularized, key == config.key, census.problem == config.problem else {
            throw InputError("\(path): the line with key \(key) describes configuration \(config.key) (problem K=\(census.problem.K), d=\(census.problem.d)); the file was edited or is damaged")
        }
    }
}

/// Sweeps of the regularized model's census over a grid: resumable, shardable and parallel
/// through the normalized sweep's runner (`Sweep.runResumable`: one lock per output, atomic
/// appends, failures beside it in `OUT.failed.jsonl`).
public enum RegularizedSweep {
    /// One configuration's census (one worker: configurations run in parallel instead).
    public static func evaluate(_ c: RegularizedSweepConfiguration, grid: RegularizedSweepGrid) throws -> RegularizedSweepResult {
        let p = try c.makeObjective()
        let r = try p.census(randomStarts: grid.starts, seed: grid.seed, jobs: 1)
        return RegularizedSweepResult(config: c, census: CensusSummary(problem: p, result: r, randomStarts: grid.starts, seed: grid.seed))
    }

    /// Runs the configurations of this shard not yet in `output` (with this grid's search),
    /// appending one line each; returns every line of the file.
    public static func run(grid: RegularizedSweepGrid, output: String, shard: (Int, Int) = (0, 1), jobs: Int = 2,
                           progress: ((Int, Int, Double) -> Void)? = nil) throws -> [RegularizedSweepResult] {
        let mine = try grid.configurations().enumerated().filter { $0.offset % shard.1 == shard.0 }.map(\.element)
        try Validate.jobs(jobs)
        return try Sweep.runResumable(mine, key: \.key, signature: grid.signature, output: output, jobs: jobs, progress: progress) { c in
            try evaluate(c, grid: grid)
        }
    }
}
