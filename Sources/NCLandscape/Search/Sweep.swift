import Foundation

/// One configuration of a sweep: the model it runs, and its grid coordinates `n` (samples per
/// minority class) and `imbalance` (majority-to-minority ratio, 1 = balanced) for the maps.
public struct SweepConfiguration: Codable, Sendable {
    public var model: ModelDescription
    public var n: Int
    public var imbalance: Double
    /// Whether the counts were given explicitly (`--counts`) rather than from `n` and `imbalance`.
    public var explicitCounts: Bool

    public var K: Int { model.K }
    public var d: Int { model.d }
    public var tau: Double { model.tau }
    public var labelSmoothing: Double { model.labelSmoothing }
    public var loss: LossFunction { model.loss }
    public var classCounts: [Int] { model.counts }

    /// Class 0 gets `round(ratio · n)` samples (halves round up; never fewer than `n`), the
    /// other classes `n` each; or the explicit `counts`.
    public init(K: Int, d: Int, n: Int, tau: Double, labelSmoothing: Double, imbalance: Double, counts: [Int]?,
                loss: LossFunction = .crossEntropy) throws {
        let c = try counts ?? Self.counts(K: K, n: n, imbalance: imbalance)
        model = try ModelDescription(d: d, counts: c, tau: tau, labelSmoothing: labelSmoothing, loss: loss)
        self.n = n; self.imbalance = imbalance; explicitCounts = counts != nil
    }

    init(model: ModelDescription, n: Int, imbalance: Double, explicitCounts: Bool) {
        self.model = model; self.n = n; self.imbalance = imbalance; self.explicitCounts = explicitCounts
    }

    static func counts(K: Int, n: Int, imbalance: Double) throws -> [Int] {
        guard K >= 2 else { throw InputError("K must be at least 2 (got \(K))") }
        guard n >= 1 else { throw InputError("n must be at least 1 (got \(n))") }
        guard imbalance.isFinite, imbalance >= 1 else { throw InputError("--imbalance must be a finite ratio ≥ 1 (got \(imbalance))") }
        let major = (imbalance * Double(n)).rounded(.toNearestOrAwayFromZero)
        guard major <= Double(1 << 40) else { throw InputError("imbalance \(imbalance) × n \(n) is too many samples") }
        // The counts array has K entries: check the size before allocating it (K = 2^63 − 1 crashed).
        try SizeLimits.checkSampleCount(try SizeLimits.product(K, n, "the number of samples K × n"))
        try MemoryBudget.check(MemoryEstimate.point(K: K, d: 2, N: K * n), for: "a configuration with K = \(K), n = \(n)")
        return [max(n, Int(major))] + [Int](repeating: n, count: K - 1)
    }

    /// Canonical identifier, stable across runs and shards (cross-entropy keys are unchanged
    /// from before losses existed, so old sweep files resume).
    public var key: String {
        let c = explicitCounts ? "counts" + classCounts.map(String.init).joined(separator: "-") : "n\(n)-imb\(imbalance)"
        return "K\(K)-d\(d)-\(c)-tau\(tau)-eps\(labelSmoothing)" + (loss == .crossEntropy ? "" : "-\(loss.name)")
    }

    public func makeModel() throws -> NormalizedFeatureModel { try NormalizedFeatureModel(model) }

    enum CodingKeys: String, CodingKey { case model, n, imbalance, explicitCounts }
    enum LegacyKeys: String, CodingKey { case K, d, n, tau, labelSmoothing, imbalance, counts }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if c.contains(.model) {
            self.init(model: try c.decode(ModelDescription.self, forKey: .model), n: try c.decode(Int.self, forKey: .n),
                      imbalance: try c.decode(Double.self, forKey: .imbalance),
                      explicitCounts: try c.decode(Bool.self, forKey: .explicitCounts))
            return
        }
        // Lines written before the model description existed: flat coordinates.
        let l = try decoder.container(keyedBy: LegacyKeys.self)
        try self.init(K: try l.decode(Int.self, forKey: .K), d: try l.decode(Int.self, forKey: .d), n: try l.decode(Int.self, forKey: .n),
                      tau: try l.decode(Double.self, forKey: .tau), labelSmoothing: try l.decode(Double.self, forKey: .labelSmoothing),
                      imbalance: try l.decode(Double.self, forKey: .imbalance), counts: try l.decodeIfPresent([Int].self, forKey: .counts))
    }
}

/// A grid of configurations (command-line lists or a JSON spec file with the same keys; the
/// loss parameters' keys are the registry's, `LossRegistry.parameterKeys`).
public struct SweepGrid: Decodable, Sendable {
    public var K: [Int] = [3]
    /// Integers or ranges relative to K: `"3"`, `"2..K+2"`, `"K-2..K+2"`, `"K"`.
    public var d: [String] = ["K+1"]
    public var n: [Int] = [1]
    public var tau: [Double] = [2]
    public var labelSmoothing: [Double] = [0]
    public var imbalance: [Double] = [1]
    /// Explicit class counts, added to the grid for every d, τ and ε (K from the counts).
    public var counts: [[Int]] = []
    /// Loss kinds (`LossRegistry.kinds`); each runs every combination of its parameters' values.
    public var loss: [String] = [LossRegistry.defaultLoss.kind]
    /// Values of each loss parameter by key (`gamma`, `margin`, …); a parameter without a list
    /// runs at its loss's default.
    public var parameters: [String: [Double]] = [:]
    /// A fixed number of random starts per configuration; nil (the default) runs the adaptive
    /// coverage mode with `untilMissingMass`, `maxStarts` and `batch`.
    public var starts: Int? = nil
    public var untilMissingMass: Double = CoverageTarget.defaultMissingMass
    public var maxStarts: Int = CoverageTarget.defaultMaxStarts
    public var batch: Int = CoverageTarget.defaultBatch
    public var seed: UInt64 = 0
    public var startMix: StartMix = .descent
    /// Prove each distinct point's label (docs/formulas.md §14).
    public var certify: Bool = true
    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable { case K, d, n, tau, labelSmoothing, imbalance, counts, loss, starts, untilMissingMass, maxStarts, batch, seed, startMix, certify }
    /// Every key a spec may hold: the grid's own, with the loss parameters after `loss`.
    public static var specKeys: [String] {
        let own = CodingKeys.allCases.map(\.stringValue), at = own.firstIndex(of: "loss")! + 1
        return Array(own[..<at]) + LossRegistry.parameterKeys + Array(own[at...])
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let def = SweepGrid()
        // A typo in a spec must not silently fall back to a default.
        let any = try decoder.container(keyedBy: AnyCodingKey.self)
        let unknown = any.allKeys.map(\.stringValue).filter { CodingKeys(stringValue: $0) == nil && !LossRegistry.isParameterKey($0) }
        guard unknown.isEmpty else {
            throw InputError("unknown key(s) \(unknown.sorted().joined(separator: ", ")); the keys are \(Self.specKeys.joined(separator: ", "))")
        }
        // Present keys must hold values: null is an error, not the default.
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { c.contains(key) ? try c.decode(T.self, forKey: key) : fallback }
        K = try value(.K, def.K)
        if c.contains(.d), let ints = try? c.decode([Int].self, forKey: .d) { d = ints.map(String.init) } else { d = try value(.d, def.d) }
        n = try value(.n, def.n)
        tau = try value(.tau, def.tau)
        labelSmoothing = try value(.labelSmoothing, def.labelSmoothing)
        imbalance = try value(.imbalance, def.imbalance)
        counts = try value(.counts, def.counts)
        loss = try value(.loss, def.loss)
        for key in any.allKeys where LossRegistry.isParameterKey(key.stringValue) {
            parameters[key.stringValue] = try any.decode([Double].self, forKey: key)
        }
        starts = try value(.starts, def.starts)
        untilMissingMass = try value(.untilMissingMass, def.untilMissingMass)
        maxStarts = try value(.maxStarts, def.maxStarts)
        batch = try value(.batch, def.batch)
        seed = try value(.seed, def.seed)
        startMix = try value(.startMix, def.startMix)
        certify = try value(.certify, def.certify)
    }

    /// The search settings every configuration of this grid runs with.
    public var signature: String {
        (starts.map { Self.signature(starts: $0, seed: seed, startMix: startMix) }
            ?? Self.adaptiveSignature(missingMass: untilMissingMass, maxStarts: maxStarts, batch: batch, seed: seed, startMix: startMix))
            + (certify ? "" : "-nocertify")
    }
    static func signature(starts: Int, seed: UInt64, startMix: StartMix) -> String { "starts\(starts)-seed\(seed)-\(startMix.rawValue)" }
    static func adaptiveSignature(missingMass: Double, maxStarts: Int, batch: Int, seed: UInt64, startMix: StartMix) -> String {
        "missingmass\(missingMass)-cap\(maxStarts)-batch\(batch)-seed\(seed)-\(startMix.rawValue)"
    }

    /// The search configuration of one configuration of the grid (validated).
    public func searchConfiguration() throws -> SearchConfiguration {
        var config = SearchConfiguration(starts: 0, seed: seed, jobs: 1, ansatz: true, startMix: startMix)
        if !certify { config.certify = false }
        if let starts {
            guard starts >= 0 else { throw InputError("starts must be ≥ 0 (got \(starts))") }
            config.starts = starts
        } else {
            config.coverage = try CoverageTarget(missingMass: untilMissingMass, maxStarts: maxStarts, batch: batch)
        }
        return config
    }

    /// Evaluates one `d` expression for a given `K`.
    public static func dValues(_ expr: String, K: Int) throws -> [Int] {
        func term(_ t: String) throws -> Int {
            let s = t.replacingOccurrences(of: " ", with: "")
            if let v = Int(s) { return v }
            guard s.hasPrefix("K") else { throw InputError("--d: cannot read '\(t)' (use integers, K, K+c, K-c or ranges a..b)") }
            let rest = s.dropFirst()
            if rest.isEmpty { return K }
            guard let off = Int(rest) else { throw InputError("--d: cannot read '\(t)'") }
            let (v, overflow) = K.addingReportingOverflow(off)
            guard !overflow else { throw InputError("--d: \(t) with K = \(K) overflows a 64-bit integer") }
            return v
        }
        if let r = expr.range(of: "..") {
            let lo = try term(String(expr[..<r.lowerBound])), hi = try term(String(expr[r.upperBound...]))
            guard lo <= hi else { return [] }
            // Every value becomes a configuration: refuse a range no sweep could run before
            // materializing it (2..9223372036854775807 crashed).
            let (width, overflow) = hi.subtractingReportingOverflow(lo)
            guard !overflow, width < Self.maximumDValues else {
                throw InputError("--d: the range \(expr) (K = \(K)) has more than \(Self.maximumDValues) values; give a narrower range")
            }
            return Array(lo ... hi)
        }
        return [try term(expr)]
    }

    /// The most values one `d` range may expand to.
    public static let maximumDValues = 100_000

    /// The loss axis: every kind, with every combination of its parameters' values (the last
    /// parameter fastest).
    public func losses() throws -> [LossFunction] {
        var out: [LossFunction] = []
        for kind in loss {
            guard let def = LossRegistry.definition(kind: kind) else {
                throw InputError("unknown loss kind \"\(kind)\"; use one of: \(LossRegistry.kinds.joined(separator: ", "))")
            }
            var combinations: [[String: Double]] = [[:]]
            for p in def.parameters {
                let values = parameters[p.key] ?? [p.defaultValue]
                combinations = combinations.flatMap { c in values.map { v in c.merging([p.key: v]) { $1 } } }
            }
            for c in combinations { out.append(try LossFunction.make(kind: kind, parameters: c)) }
        }
        return out
    }

    /// All configurations in a fixed order (`d < 2` skipped; label smoothing skipped for losses
    /// that take none), validated.
    public func configurations() throws -> [SweepConfiguration] {
        var out: [SweepConfiguration] = []
        var seen = Set<String>()
        func add(_ c: SweepConfiguration) throws {
            guard seen.insert(c.key).inserted else { return }
            _ = try c.makeModel()
            out.append(c)
        }
        let lossAxis = try losses()
        func smoothing(_ l: LossFunction) -> [Double] {
            if !l.acceptsLabelSmoothing { return labelSmoothing.contains(0) ? [0] : [] }
            return labelSmoothing
        }
        for k in K {
            var ds: [Int] = []
            for e in d { for v in try Self.dValues(e, K: k) where v >= 2 && !ds.contains(v) { ds.append(v) } }
            for l in lossAxis { for dv in ds { for nv in n { for t in tau { for e in smoothing(l) { for r in imbalance {
                try add(SweepConfiguration(K: k, d: dv, n: nv, tau: t, labelSmoothing: e, imbalance: r, counts: nil, loss: l))
            } } } } } }
        }
        for c in counts {
            var ds: [Int] = []
            for e in d { for v in try Self.dValues(e, K: c.count) where v >= 2 && !ds.contains(v) { ds.append(v) } }
            for l in lossAxis { for dv in ds { for t in tau { for e in smoothing(l) {
                try add(SweepConfiguration(K: c.count, d: dv, n: c.min() ?? 1, tau: t, labelSmoothing: e,
                                           imbalance: Double(c.max() ?? 1) / Double(max(1, c.min() ?? 1)), counts: c, loss: l))
            } } } }
        }
        return out
    }
}

/// One finished configuration (a line of the sweep's JSONL output).
public struct SweepResult: Codable, Sendable {
    public var key: String
    public var config: SweepConfiguration
    public var counts: [Int]
    public var verdict: VerifySummary.Verdict
    public var classCounts: [String: Int]
    public var distinctCriticalPoints: Int
    @NullEncodable public var lowestLoss: Double?
    @NullEncodable public var fStar: Double?
    /// Smallest `|λ_min|` over the strict saddles found (how close a saddle comes to degenerate).
    @NullEncodable public var smallestSaddleCurvature: Double?
    public var theoremApplies: Bool
    public var spuriousMinima: [PointFile]
    public var degenerateLosses: [Double]
    public var marginal: Int
    /// Random starts drawn (adaptive mode: as many as the coverage target needed).
    public var starts: Int
    /// Adaptive mode: the target (null in lines with a fixed number of starts, and in older lines).
    @NullEncodable public var coverageTarget: CoverageTarget?
    @NullEncodable public var coverageTargetMet: Bool?
    /// Measured coverage of each random-start population (null in older lines).
    @NullEncodable public var populations: [PopulationCoverage]?
    /// Distinct points whose label a certificate proves, and how many were attempted (null in
    /// older lines).
    @NullEncodable public var certifiedPoints: Int?
    /// Distinct points proven saddle regions (no local minimizer within r, existence not proven).
    @NullEncodable public var saddleRegionPoints: Int?
    @NullEncodable public var certificationAttempted: Int?
    /// Whether labels were certified (null in older lines, where none were).
    @NullEncodable public var certify: Bool?
    public var seed: UInt64
    /// How the random starts were drawn (null in lines from before it was recorded: `descent`,
    /// the only mix those sweeps used).
    @NullEncodable public var startMix: StartMix?
    public var seconds: Double
    /// Tasks that converged where the loss is not twice differentiable, and the first refusal
    /// (absent when there are none; `VerifySummary.tasksNotTwiceDifferentiable`).
    public var tasksNotTwiceDifferentiable: Int?
    public var refusal: String?

    /// The search that produced this line: results with different settings are different results
    /// of the same configuration.
    public var searchSignature: String {
        (coverageTarget.map { SweepGrid.adaptiveSignature(missingMass: $0.missingMass, maxStarts: $0.maxStarts, batch: $0.batch, seed: seed, startMix: startMix ?? .descent) }
            ?? SweepGrid.signature(starts: starts, seed: seed, startMix: startMix ?? .descent))
            + (certify == false ? "-nocertify" : "")
    }
    /// The controlling population's `max(f₁/S, 3/S)` (nil in older lines).
    public var missingMassBound: Double? {
        populations?.first { $0.origin == CoverageTarget.controllingOrigin(startMix ?? .descent) }?.missingMassBound
    }
    /// The part that must agree between two runs of the same configuration (not the timing).
    public var resultFingerprint: String {
        let losses = [lowestLoss].compactMap { $0 }.map { String(format: "%.9f", $0) }
        return "\(verdict.rawValue)|\(classCounts.sorted { $0.key < $1.key })|\(distinctCriticalPoints)|\(losses)|\(spuriousMinima.count)"
    }
}

/// Sweeps of the `verify` pipeline over many configurations: resumable, shardable, parallel.
public enum Sweep {
    public static func evaluate(_ c: SweepConfiguration, grid: SweepGrid) throws -> SweepResult {
        let t0 = Stopwatch.now()
        let model = try c.makeModel()
        let config = try grid.searchConfiguration()
        let r = try CriticalPointSearch(model: model, config: config, directory: nil).run(resume: false)
        let s = VerifySummary(model: model, config: config, result: r)
        let saddles = r.points.filter { $0.classValue == .strictSaddle }.map { abs($0.lambdaMin) }
        return SweepResult(key: c.key, config: c, counts: model.counts, verdict: s.verdict, classCounts: s.counts,
                           distinctCriticalPoints: s.distinctCriticalPoints, lowestLoss: s.bestLoss, fStar: s.fStar,
                           smallestSaddleCurvature: saddles.min(), theoremApplies: model.theoremApplies,
                           spuriousMinima: r.points.filter { $0.classValue == .spuriousLocalMinimizer }.map(\.pointFile),
                           degenerateLosses: r.points.filter { $0.classValue == .degenerate }.map(\.loss),
                           marginal: s.marginalIds.count, starts: r.starts, coverageTarget: config.coverage, coverageTargetMet: r.coverageTargetMet,
                           populations: r.coverage, certifiedPoints: s.certifiedPoints, saddleRegionPoints: s.saddleRegionPoints, certificationAttempted: s.certificationAttempted,
                           certify: config.certifies,
                           seed: grid.seed, startMix: grid.startMix,
                           seconds: Stopwatch.now() - t0,
                           tasksNotTwiceDifferentiable: s.tasksNotTwiceDifferentiable, refusal: s.refusal)
    }

    /// The configuration part of a key recomputed from the body: a line whose stored key differs
    /// has been edited or damaged.
    static func checkConsistent(_ r: SweepResult, path: String) throws { try r.checkConsistent(path: path) }

    /// Parses `i/N`.
    public static func parseShard(_ s: String) throws -> (Int, Int) {
        let p = s.split(separator: "/").compactMap { Int($0) }
        guard p.count == 2, p[1] >= 1, p[0] >= 0, p[0] < p[1] else { throw InputError("--shard must be i/N with 0 ≤ i < N (got \(s))") }
        return (p[0], p[1])
    }

    /// Runs the configurations of this shard not yet in `output`, appending one line each.
    public static func run(grid: SweepGrid, output: String, shard: (Int, Int) = (0, 1), jobs: Int = 2,
                           progress: ((Int, Int, Double) -> Void)? = nil) throws -> [SweepResult] {
        let search = try grid.searchConfiguration()
        let all = try grid.configurations()
        let mine = all.enumerated().filter { $0.offset % shard.1 == shard.0 }.map(\.element)
        // Settings that would fail every configuration are refused once, up front.
        try Validate.jobs(jobs)
        for c in mine { try CriticalPointSearch.checkLimits(K: c.K, d: c.d, N: c.model.N, config: search) }
        return try runResumable(mine, key: \.key, signature: grid.signature, output: output, jobs: jobs, progress: progress) { c in
            try evaluate(c, grid: grid)
        }
    }

    /// The resumable, shardable, parallel loop shared by every kind of sweep: under the output's
    /// lock, repairs a torn last line, skips the configurations already finished (or recorded as
    /// failed) with this search `signature`, evaluates the others on `jobs` workers and appends
    /// each line the moment it is done. A configuration whose evaluation throws `InputError` is
    /// recorded in `OUT.failed.jsonl` and reported at the end; returns every line of the file.
    static func runResumable<Configuration, Line: SweepLine>(
        _ mine: [Configuration], key: (Configuration) -> String, signature: String, output: String, jobs: Int,
        progress: ((Int, Int, Double) -> Void)?, evaluate: (Configuration) throws -> Line) throws -> [Line] {
        let outputLock = try RunLock.file(output)
        defer { withExtendedLifetime(outputLock) {} }
        // Before the repair: a last line of the other model's kind does not decode as `Line` and
        // would be dropped as damaged; refused here, the file is left as it was.
        try SweepLineKind.check(path: output, holds: Line.kind)
        try JSONLines.repairTail(Line.self, path: output)
        var results = try JSONLines.read(Line.self, path: output)
        for r in results { try r.checkConsistent(path: output) }
        // Finished means finished with this search (starts, seed, start mix): a rerun with another
        // seed computes its own lines instead of skipping.
        let done = Set(results.filter { $0.searchSignature == signature }.map(\.key))
        let failedBefore = try recordedFailures(output: output, signature: signature)
        let todo = mine.filter { !done.contains(key($0)) && failedBefore[key($0)] == nil }
        let t0 = Stopwatch.now()
        let lock = NSLock()
        var finished = 0
        var firstError: Error?
        // A configuration that cannot be evaluated (its model refused, say) does not stop the
        // others: it is recorded with its reason, and the failures are reported at the end.
        var failures = mine.compactMap { failedBefore[key($0)] }
        // Work-stealing over configurations: each worker appends its line the moment it
        // finishes, so a kill loses at most the configurations in flight.
        var next = 0
        BLASRuntime.singleThreaded(while: jobs > 1) {
            DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, todo.count))) { _ in
                while true {
                    lock.lock()
                    guard next < todo.count, firstError == nil else { lock.unlock(); return }
                    let c = todo[next]; next += 1
                    lock.unlock()
                    do {
                        let r: Line
                        do { r = try evaluate(c) } catch let e as InputError {
                            let f = SweepFailure(key: key(c), searchSignature: signature, reason: e.message)
                            lock.lock(); defer { lock.unlock() }
                            try JSONLines.append(f, to: try failuresPath(output))
                            failures.append(f)
                            continue
                        }
                        lock.lock()
                        defer { lock.unlock() }
                        try JSONLines.append(r, to: output)
                        results.append(r)
                        finished += 1
                        progress?(done.count + finished, mine.count, Stopwatch.now() - t0)
                    } catch {
                        lock.lock(); if firstError == nil { firstError = error }; lock.unlock()
                    }
                }
            }
        }
        if let firstError { throw firstError }
        if !failures.isEmpty { throw InputError(try failureMessage(failures, total: mine.count, output: output)) }
        return results
    }

    /// Combines shard outputs; the same configuration twice must carry the same result. The
    /// inputs must all be one model's sweep lines.
    public static func merge(inputs: [String], output: String) throws -> Int {
        var kinds = Set<FeatureModelKind>()
        for path in inputs {
            guard FileManager.default.fileExists(atPath: path) else { throw InputError("merge: \(path) does not exist") }
            if let k = try SweepLineKind.single(path: path) { kinds.insert(k) }
        }
        guard kinds.count <= 1 else { throw InputError("merge: the inputs mix normalized and regularized sweep lines; merge each model's shards separately") }
        switch kinds.first ?? .normalized {
        case .normalized: return try mergeLines(SweepResult.self, inputs: inputs, output: output)
        case .regularized: return try mergeLines(RegularizedSweepResult.self, inputs: inputs, output: output)
        }
    }

    static func mergeLines<Line: SweepLine>(_ type: Line.Type, inputs: [String], output: String) throws -> Int {
        var byKey: [String: Line] = [:]
        for path in inputs {
            guard FileManager.default.fileExists(atPath: path) else { throw InputError("merge: \(path) does not exist") }
            // A shard whose sweep still runs is incomplete: refuse rather than merge part of it.
            let reading = try RunLock.reading(path)
            defer { withExtendedLifetime(reading) {} }
            let rs = try JSONLines.read(Line.self, path: path)
            guard !rs.isEmpty else { throw InputError("merge: \(path) holds no sweep results") }
            for r in rs {
                try r.checkConsistent(path: path)
                if let old = byKey[r.identity] {
                    guard old.resultFingerprint == r.resultFingerprint else {
                        throw InputError("merge: configuration \(r.key) (\(r.searchSignature)) appears with different results (\(old.verdictName) vs \(r.verdictName)); refusing to merge")
                    }
                } else { byKey[r.identity] = r }
            }
        }
        var text = ""
        for k in byKey.keys.sorted() { text += String(decoding: try JSONOutput.encode(byKey[k]!, pretty: false), as: UTF8.self) }
        try AtomicFile.write(text, to: output)
        return byKey.count
    }
}
