import Foundation

/// Budget and reproducibility settings of an enumeration.
public struct SearchConfiguration: Codable, Sendable, Equatable {
    /// Random starts (half go to Newton directly, half descend first).
    public var starts: Int = 20
    public var seed: UInt64 = 0
    /// Worker threads for independent tasks (each runs single-threaded BLAS).
    public var jobs: Int = 2
    /// Include the symmetric ansatz families.
    public var ansatz: Bool = true
    public var newtonIterations: Int = 60
    /// Trust-region iterations of the descent phase (descending starts).
    public var descentIterations: Int = 1000
    /// Which random starts: alternating Newton / descent-then-Newton, or only one kind.
    public var startMix: StartMix = .alternate
    /// How each point's spectrum is computed (`auto`: reduced at collapsed points, dense up to
    /// m = 8000, else Lanczos + structured inertia).
    public var method: HessianMethod = .auto
    /// Adaptive mode: draw random starts in batches until the measured missing mass meets the
    /// target (`starts` is then only the count drawn so far); nil: exactly `starts` starts.
    public var coverage: CoverageTarget? = nil
    /// Prove each distinct point's label (docs/formulas.md §14) and let the proof decide where the
    /// threshold cannot; nil means yes (runs from before certificates existed read as nil).
    public var certify: Bool? = nil
    public var certifies: Bool { certify ?? true }
    public init(starts: Int = 20, seed: UInt64 = 0, jobs: Int = 2, ansatz: Bool = true, startMix: StartMix = .alternate) {
        self.starts = starts; self.seed = seed; self.jobs = jobs; self.ansatz = ansatz; self.startMix = startMix
    }
}

/// What a run folder holds about the problem, so `--resume` can refuse a mismatched folder.
public struct RunManifest: Codable, Sendable, Equatable {
    public var model: ModelDescription
    public var search: SearchConfiguration
}

/// The result of enumerating critical points.
public struct EnumerationResult: Sendable {
    public var points: [CriticalPointRecord]
    public var tasks: [TaskRecord]
    public var seconds: Double
    /// Random starts drawn (in adaptive mode: as many as the coverage target needed).
    public var starts: Int
    /// Coverage of each random-start population (docs/formulas.md §13).
    public var coverage: [PopulationCoverage]
    /// Adaptive mode: whether the target was met (false: stopped at the cap); nil otherwise.
    public var coverageTargetMet: Bool?
}

/// Finds distinct critical points (docs/formulas.md §5): ansatz families and random starts, each polished
/// with Riemannian Newton, analyzed, and deduplicated modulo symmetry. Every distinct point is
/// appended to `critical_points.jsonl` as found and every finished task to `tasks.jsonl`, so
/// an interrupted run resumes without losing finished work.
public struct CriticalPointSearch {
    public let model: NormalizedFeatureModel
    public let config: SearchConfiguration
    /// Where the resumable logs go; nil keeps everything in memory (sweeps).
    public let directory: String?

    public init(model: NormalizedFeatureModel, config: SearchConfiguration, directory: String?) {
        self.model = model; self.config = config; self.directory = directory
    }

    /// The `run.json` of a run folder, with a message naming the file when it is missing or damaged.
    public static func readManifest(directory: String) throws -> RunManifest {
        let path = directory + "/run.json"
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError("--resume: \(directory) holds no run (no run.json); start it without --resume")
        }
        do { return try StrictJSON.decode(RunManifest.self, from: PointFile.readData(path), what: "run manifest", source: path) }
        catch let e as InputError { throw InputError("\(e.message) (the folder's run.json is damaged or from an older version)") }
    }

    var pointsPath: String { (directory ?? "") + "/critical_points.jsonl" }
    var tasksPath: String { (directory ?? "") + "/tasks.jsonl" }
    var manifestPath: String { (directory ?? "") + "/run.json" }

    /// A task before its start point is drawn, in the fixed order ansatz families, then random
    /// starts `0..<starts`: random points are made one batch at a time, so a long adaptive run
    /// holds at most a batch of them.
    enum PendingTask {
        case ansatz(SearchStart)
        case random(Int)
        var name: String {
            switch self { case .ansatz(let s): return s.task; case .random(let i): return AnsatzFamilies.randomTaskName(i) }
        }
    }

    func pendingTasks(starts: Int, ansatz: Bool) -> [PendingTask] {
        (ansatz && config.ansatz ? AnsatzFamilies.starts(for: model).map(PendingTask.ansatz) : []) + (0 ..< starts).map(PendingTask.random)
    }

    func materialize(_ t: PendingTask) -> SearchStart {
        switch t {
        case .ansatz(let s): return s
        case .random(let i): return AnsatzFamilies.randomStart(i, model: model, seed: config.seed, mix: config.startMix)
        }
    }

    struct Candidate {
        let start: SearchStart
        let point: Matrix?
        let analysis: PointAnalysis?
        let metrics: NCMetrics?
        let invariants: CriticalPointInvariants?
        let gradientNorm: Double
        let iterations: Int
        let seconds: Double
        let polish: PolishStop
        let descentSteps: Int?
        /// A known class this point was recognized as before any spectrum was computed.
        var knownClass: Int? = nil
        /// Why the point was not analyzed: the loss is not twice differentiable there.
        var refusal: String? = nil
    }

    /// Saddle seeking from a random point: Newton from the point itself rarely converges (it
    /// stalls at a non-critical local minimum of ‖grad‖), but gradient descent passes close to
    /// saddles, and Newton from its early iterates lands on them. Measured at K=10, d=10, n=5,
    /// τ=4: from the random points 0 of 5 converged; from iterates 1, 2, 4, 8 of the same runs,
    /// 15 of 20 reached strict saddles (losses 0.11–0.69) and later iterates the minimizer.
    public static let saddleSeekingSteps = [1, 2, 4, 8, 16, 32]

    /// Newton from the gradient-descent iterates `saddleSeekingSteps` of one run from `start`, in
    /// that order: the first polish that converges and the iterate it started from, or nil.
    static func polishFromEarlyIterates<P: FeatureObjective>(_ problem: P, from start: Matrix,
                                                             maxIterations: Int) throws -> (result: PolishResult, step: Int)? {
        var iterates: [Int: Matrix] = [:]
        let wanted = Set(saddleSeekingSteps)
        _ = RiemannianGradientDescent(rule: .armijo(initial: 1)).minimize(
            problem, from: start, criteria: StoppingCriteria(maxIterations: saddleSeekingSteps.last!, gradientTolerance: 0, recordEvery: 0)
        ) { it, point, _, _ in
            if wanted.contains(it) { iterates[it] = point }
            return true
        }
        for t in saddleSeekingSteps {
            guard let x = iterates[t] else { break }
            let r = try NewtonPolisher.polish(problem, from: x, maxIterations: maxIterations)
            if r.converged { return (r, t) }
        }
        return nil
    }

    func evaluate(_ s: SearchStart, known: [(id: Int, invariants: CriticalPointInvariants)] = []) throws -> Candidate {
        let t0 = Stopwatch.now()
        var x = s.point
        if s.descendFirst {
            // Riemannian trust region (second order, follows negative curvature off saddles):
            // it reaches minimizers where first-order descent crawls — the continuum of
            // label-smoothing minima, saturated landscapes at large τ (measured at τ = 64, ε = 0.1:
            // 45–82 iterations against 4000 Armijo steps stopping 1e-2 short). It stops in
            // Newton's basin, ‖grad‖ ≤ 1e-6 γ, and Newton finishes.
            x = RiemannianTrustRegion().minimize(
                model, from: x, criteria: StoppingCriteria(maxIterations: config.descentIterations, gradientTolerance: 0,
                                                           relativeGradientTolerance: 1e-6, recordEvery: 0),
                observer: nil).point
        }
        var polished = try NewtonPolisher.polish(model, from: x, maxIterations: config.newtonIterations)
        if s.descendFirst && !polished.converged {
            // Degenerate minima (label smoothing with d < K at large τ: K=4, d=3, ε=0.1, τ=32)
            // leave Newton no quadratic basin, and it stalls at ‖grad‖ ≈ 1e-6 γ; the trust region
            // still converges there (linearly, hundreds of iterations), so it runs on to the
            // rounding level and Newton only confirms.
            let deeper = RiemannianTrustRegion().minimize(
                model, from: x, criteria: StoppingCriteria(maxIterations: config.descentIterations, gradientTolerance: 0,
                                                           relativeGradientTolerance: ClassificationRule.roundingFactor, recordEvery: 0),
                observer: nil).point
            let again = try NewtonPolisher.polish(model, from: deeper, maxIterations: config.newtonIterations)
            if again.converged || again.gradientNorm < polished.gradientNorm { polished = again }
        }
        var descentSteps: Int? = s.seekSaddle && polished.converged ? 0 : nil
        if s.seekSaddle && !polished.converged {
            if let found = try Self.polishFromEarlyIterates(model, from: s.point, maxIterations: config.newtonIterations) {
                polished = found.result; descentSteps = found.step
            }
        }
        // Converged means ‖grad‖ ≤ κγ, which passes the criticality test at any scale; a start
        // whose polishing stalled above it is recorded as not converged, without a spectrum.
        guard polished.converged else {
            return Candidate(start: s, point: nil, analysis: nil, metrics: nil, invariants: nil, gradientNorm: polished.gradientNorm,
                             iterations: polished.iterations, seconds: Stopwatch.now() - t0, polish: polished.stop, descentSteps: nil)
        }
        // Classify each class once: a point whose loss and three Gram spectra match a known class
        // is that class (distinct critical points that agree in all four to 1e-10 and 1e-6 but
        // differ in index have not been seen), so its spectrum, metrics and certificate are not
        // recomputed. Most descent starts end at an already-known minimizer.
        let fo = model.firstOrder(at: polished.point)
        // A point on the loss's non-smooth set has no Hessian: the task records the refusal and
        // the search goes on (the label of such a point is not a second-order question).
        if let why = fo.notTwiceDifferentiable {
            var c = Candidate(start: s, point: nil, analysis: nil, metrics: nil, invariants: nil, gradientNorm: polished.gradientNorm,
                              iterations: polished.iterations, seconds: Stopwatch.now() - t0, polish: polished.stop, descentSteps: descentSteps)
            c.refusal = InputError.notTwiceDifferentiable(loss: model.loss.name, reason: why).message
            return c
        }
        let loss = fo.loss
        let pre = try CriticalPointInvariants(model: model, point: polished.point, loss: loss, index: -1)
        if let k = known.first(where: { $0.invariants.matchesIgnoringIndex(pre) }) {
            var c = Candidate(start: s, point: polished.point, analysis: nil, metrics: nil, invariants: nil, gradientNorm: polished.gradientNorm,
                              iterations: polished.iterations, seconds: Stopwatch.now() - t0, polish: polished.stop, descentSteps: descentSteps)
            c.knownClass = k.id
            return c
        }
        let a = try LandscapeAnalyzer.analyze(model, at: polished.point, options: AnalysisOptions(method: config.method))
        var inv = pre
        inv.index = a.index
        inv.loss = a.loss
        let nc = try NCMetrics.compute(model: model, point: polished.point)
        return Candidate(start: s, point: polished.point, analysis: a, metrics: nc, invariants: inv,
                         gradientNorm: polished.gradientNorm, iterations: polished.iterations, seconds: Stopwatch.now() - t0,
                         polish: polished.stop, descentSteps: descentSteps)
    }

    /// Runs (or with `resume`, continues) the search. `progress(done, total, distinct)` is
    /// called after every batch.
    public func run(resume: Bool, force: Bool = false, progress: ((Int, Int, Int) -> Void)? = nil) throws -> EnumerationResult {
        try Self.checkLimits(K: model.K, d: model.d, N: model.N, config: config)
        let lock = try directory.map { dir -> RunLock in
            try AtomicFile.makeFolder(dir)
            return try RunLock.folder(dir)
        }
        defer { withExtendedLifetime(lock) {} }
        // Every task runs on single-threaded BLAS whatever `jobs` is: OpenBLAS rounds differently
        // at different thread counts, and from a random start Newton can follow that rounding to a
        // different critical point (measured: 85 vs 86 distinct points at K=6, d=7, n=3 with 200
        // starts for --jobs 2 vs 1). With one BLAS thread per task, --jobs only changes speed.
        return try BLASRuntime.singleThreaded(while: true) { try runTasks(resume: resume, force: force, progress: progress) }
    }

    func runTasks(resume: Bool, force: Bool, progress: ((Int, Int, Int) -> Void)?) throws -> EnumerationResult {
        let t0 = Stopwatch.now()
        let persist = directory != nil
        if let directory { try AtomicFile.makeFolder(directory) }
        let manifest = RunManifest(model: model.spec, search: config)
        var points: [CriticalPointRecord] = []
        var tasks: [TaskRecord] = []
        let fm = FileManager.default
        let hasLogs = persist && (fm.fileExists(atPath: pointsPath) || fm.fileExists(atPath: tasksPath))
        let hasManifest = persist && fm.fileExists(atPath: manifestPath)
        if persist, !resume, !force, hasLogs || hasManifest {
            throw InputError("\(directory!) already holds a run; use --resume to continue it, --force to start it over, or another --out")
        }
        if persist, resume, hasLogs, !hasManifest {
            throw InputError("\(directory!) holds search logs but no run.json, so what produced them is unknown; use --force to start over, or another --out")
        }
        if persist, resume, hasManifest {
            let old = try Self.readManifest(directory: directory!)
            var a = old, b = manifest
            a.search.jobs = 0; b.search.jobs = 0; a.search.starts = 0; b.search.starts = 0
            // A larger cap continues the same adaptive run.
            a.search.coverage?.maxStarts = 0; b.search.coverage?.maxStarts = 0
            guard a == b else { throw InputError("--resume: \(directory!) holds a run with different parameters; use another --out or drop --resume") }
            try JSONLines.repairTail(CriticalPointRecord.self, path: pointsPath)
            try JSONLines.repairTail(TaskRecord.self, path: tasksPath)
            points = try JSONLines.read(CriticalPointRecord.self, path: pointsPath)
            tasks = try JSONLines.read(TaskRecord.self, path: tasksPath)
            // Fewer starts than already finished would not be the fresh run with those starts:
            // the extra starts' points are in the logs. Refuse rather than report a mixture.
            let wanted = Set(pendingTasks(starts: config.starts, ansatz: true).map(\.name))
            let extra = tasks.filter { !wanted.contains($0.task) }
            guard config.coverage != nil || extra.isEmpty else {
                throw InputError("\(directory!) already holds \(extra.count) finished start(s) beyond --starts \(config.starts) (e.g. \(extra[0].task)); resume with --starts ≥ \(config.starts + extra.count) or use another --out")
            }
            // A point line written just before a crash, whose task line was not: keep the point
            // (its task is redone, finds it again and is logged as finding it new).
        } else if persist {
            if force { try Self.clearRun(in: directory!) }
            for p in [pointsPath, tasksPath] { try? FileManager.default.removeItem(atPath: p) }
        }
        if persist { try AtomicFile.write(JSONOutput.encode(manifest), to: manifestPath) }

        let done = Set(tasks.map(\.task))
        // Adaptive mode resumes at the batch boundary past the last finished start, so the batches
        // (and the stopping decision after each) are those of an uninterrupted run.
        var starts = config.starts
        if let c = config.coverage {
            let finished = tasks.compactMap { AnsatzFamilies.randomIndex(taskName: $0.task) }.max().map { $0 + 1 } ?? 0
            starts = max(c.batch, (finished + c.batch - 1) / c.batch * c.batch)
        }
        var scheduled = Set<String>(done)
        var todo = pendingTasks(starts: starts, ansatz: true).filter { !done.contains($0.name) }
        let batch = try SizeLimits.product(max(1, min(config.jobs, 1 << 20)), 2, "the batch size 2 × --jobs")
        var finished = done.count
        var met: Bool? = nil
        while true {
            for t in todo { scheduled.insert(t.name) }
            var i = 0
            while i < todo.count {
                let chunk = todo[i ..< min(todo.count, i + batch)].map(materialize)
                let known = points.map { (id: $0.id, invariants: $0.invariants) }
                let results = try ParallelMap.run(chunk, jobs: config.jobs) { try evaluate($0, known: known) }
                // Merge in task order so the set of representatives does not depend on timing.
                for c in results { try merge(c, into: &points, tasks: &tasks, persist: persist) }
                i += chunk.count
                finished += chunk.count
                progress?(finished, scheduled.count, points.count)
            }
            guard let c = config.coverage else { break }
            let populations = PopulationCoverage.populations(tasks)
            if c.isMet(populations, mix: config.startMix) { met = true; break }
            if starts >= c.maxStarts || c.isUnmeasurable(populations, mix: config.startMix) { met = false; break }
            let next = min(c.maxStarts, starts + c.batch)
            todo = (starts ..< next).map(PendingTask.random)
            starts = next
        }
        let randomTasks = tasks.filter { $0.task.hasPrefix("start:") }
        return EnumerationResult(points: Self.summarize(points, tasks: tasks, model: model), tasks: tasks, seconds: Stopwatch.now() - t0,
                                 starts: config.coverage == nil ? config.starts : randomTasks.count,
                                 coverage: PopulationCoverage.populations(tasks), coverageTargetMet: met)
    }

    /// Records one finished task: a new distinct point, a duplicate of a known one, or no point.
    func merge(_ c: Candidate, into points: inout [CriticalPointRecord], tasks: inout [TaskRecord], persist: Bool) throws {
        var rec = TaskRecord(task: c.start.task, origin: c.start.origin, outcome: .notCritical, pointId: nil,
                             gradientNorm: c.gradientNorm, seconds: c.seconds, polish: c.polish, descentSteps: c.descentSteps)
        if let why = c.refusal {
            rec.outcome = .notTwiceDifferentiable; rec.refusal = why
        } else if let id = c.knownClass, let match = points.first(where: { $0.id == id }) {
            rec.outcome = match.task == c.start.task ? .new : .duplicate; rec.pointId = id
        } else if var inv = c.invariants, var a = c.analysis, var x = c.point, var nc = c.metrics {
            if let match = points.first(where: { $0.invariants.matches(inv) }) ?? Self.criticalSetMember(a, in: points) {
                // A point whose line was written just before a crash, before its task's line, is
                // re-found by that same task on resume: it is that task's new point, as in the
                // uninterrupted run, not a duplicate.
                rec.outcome = match.task == c.start.task ? .new : .duplicate; rec.pointId = match.id
            } else {
                var decision: CertifiedDecision? = nil
                if config.certifies, Self.certifiable(model, method: a.method), a.classification != .notCritical {
                    // Extended precision where the threshold did not decide comfortably; a saddle whose
                    // λ_min is far below −δ keeps its threshold label when the double proof fails
                    // (typically an extra near-zero eigenvalue, which no precision settles).
                    let comfortable = a.classification == .strictSaddle && (a.classificationMargin ?? 0) >= ClassificationRule.marginalFactor
                    decision = try CertifiedDecision.decide(model, at: x, reference: model.optimalLoss, escalate: !comfortable)
                    // Extended precision moved the point (a double "critical point" in a flat valley
                    // can be far from the true one): analyze it there, where it may be a known point.
                    if let p = decision?.polishedPoint, (decision?.distanceMoved ?? 0) > Self.movedTolerance {
                        let a2 = try LandscapeAnalyzer.analyze(model, at: p, options: AnalysisOptions(method: config.method))
                        let inv2 = try CriticalPointInvariants(model: model, point: p, loss: a2.loss, index: a2.index)
                        x = p; a = a2; inv = inv2; nc = try NCMetrics.compute(model: model, point: p)
                        if let match = points.first(where: { $0.invariants.matches(inv) }) {
                            rec.outcome = match.task == c.start.task ? .new : .duplicate; rec.pointId = match.id
                            if persist { try JSONLines.append(rec, to: tasksPath) }
                            tasks.append(rec)
                            return
                        }
                    }
                }
                let stats = CriticalPointStats(
                    id: points.count, task: c.start.task, origin: c.start.origin, origins: [:], hits: 0, loss: a.loss,
                    riemannianGradientNorm: a.riemannianGradientNorm, index: a.index, lambdaMin: a.lambdaMin,
                    lambdaMax: a.lambdaMax, quotientLambdaMin: a.quotientLambdaMin, zeroThreshold: a.delta,
                    zeroEigenvalues: a.inertiaExact ? a.inertia.zero : nil, classificationMargin: a.classificationMargin, nonIsolated: a.nonIsolated,
                    extraZeroEigenvalues: a.extraZeroEigenvalues, symmetryNullity: a.symmetryNullity, rank: a.rank,
                    classification: decision?.provenClass ?? a.classification, method: a.method, nc: nc, invariants: inv, eigenvalues: a.eigenvalues,
                    polishIterations: c.iterations, certification: decision,
                    thresholdClassification: decision == nil ? nil : a.classification)
                let p = CriticalPointRecord(stats: stats, pointFile: PointFile(model: model, point: x))
                if persist { try JSONLines.append(p, to: pointsPath) }
                points.append(p)
                rec.outcome = .new; rec.pointId = p.id
            }
        }
        if persist { try JSONLines.append(rec, to: tasksPath) }
        tasks.append(rec)
    }

    /// Members of one non-isolated critical set count as one class for coverage (docs/formulas.md
    /// §13). Their invariants differ from member to member, so each would be a new class and the
    /// search's missing mass would never fall. `f` is real-analytic, hence constant on each
    /// connected component of its critical set; two points are taken to share a set when:
    /// - both meet a proven lower bound with flat directions beyond the symmetry (the continuum
    ///   of global minimizers of label smoothing at d ≥ K, §10); or
    /// - both are `degenerate` at the threshold (a zero eigenvalue beyond the symmetry and none
    ///   negative) with the same index and agreeing losses (the minimizer-like continua at d < K),
    ///   and the first one stayed undecided (a certificate that decided it speaks for that point
    ///   alone, so a member of a decided set is certified on its own); or
    /// - both are strict saddles on a non-isolated critical set (a zero eigenvalue beyond the
    ///   symmetry) with the same index and agreeing losses: at K = 10, d = 11 the saddles at loss
    ///   log K form such a set, and Newton from different starts lands on different members of it.
    /// The set is represented by its first member found. Two distinct sets at one loss level
    /// would be merged: the class count is then a lower bound, and the missing mass that of
    /// reaching a new loss level among degenerate points.
    static func criticalSetMember(_ a: PointAnalysis, in points: [CriticalPointRecord]) -> CriticalPointRecord? {
        if a.classification == .globalMinimizer, a.nonIsolated, a.decidedByValue {
            return points.first { $0.classValue == .globalMinimizer && $0.nonIsolated && ClassificationRule.lossesAgree($0.loss, a.loss) }
        }
        if a.classification == .strictSaddle, (a.extraZeroEigenvalues ?? 0) > 0 {
            return points.first {
                $0.classValue == .strictSaddle && ($0.stats.extraZeroEigenvalues ?? 0) > 0 && $0.index == a.index
                    && ClassificationRule.lossesAgree($0.loss, a.loss)
            }
        }
        guard a.classification == .degenerate else { return nil }
        return points.first {
            $0.classValue == .degenerate && $0.index == a.index && ClassificationRule.lossesAgree($0.loss, a.loss)
        }
    }

    /// Whether a proven class says more than the threshold did at second order: saddle against
    /// minimizer, or any decision where the threshold said degenerate or undetermined. (A
    /// threshold `local_minimizer` that the proof calls global or spurious only had no loss to
    /// compare with yet; the search settles that anyway.)
    static func decidesOtherwise(_ proven: CriticalPointClass, threshold: CriticalPointClass) -> Bool {
        if threshold == .degenerate || threshold == .undetermined { return true }
        return proven.isMinimizer != threshold.isMinimizer
    }

    /// Extended-precision polishing that moves a point further than this (Frobenius, radians)
    /// re-analyzes it where it landed.
    static let movedTolerance = 1e-8

    /// Whether a certificate is attempted: dense or reduced spectra, and `Certifier.applies`.
    public static func certifiable(_ model: NormalizedFeatureModel, method: HessianMethod) -> Bool {
        method != .lanczos && Certifier.applies(to: model)
    }

    /// Fills hits and origins from the task log and settles every nondegenerate minimizer as
    /// global or spurious against `f*` or, where no closed form applies, the lowest loss found.
    /// Only the loss comparison is redone: the second-order verdict stays the analysis's (Lanczos
    /// proves nondegeneracy by exact counts and has no λ_min(M_⊥) to re-test).
    public static func summarize(_ points: [CriticalPointRecord], tasks: [TaskRecord], model: NormalizedFeatureModel) -> [CriticalPointRecord] {
        var out = points
        for t in tasks { if let id = t.pointId, id < out.count { out[id].hits += 1; out[id].origins[t.origin, default: 0] += 1 } }
        let reference = model.optimalLoss ?? bestLoss(out)
        for i in out.indices where out[i].classValue.isMinimizer {
            out[i].classification = ClassificationRule.minimizerClass(loss: out[i].loss, reference: reference)
        }
        return out
    }

    /// Lowest loss among minimizers (nondegenerate or degenerate), else among all points.
    public static func bestLoss(_ points: [CriticalPointRecord]) -> Double? {
        let mins = points.filter { $0.classValue.isMinimizer || $0.classValue == .degenerate }.map(\.loss)
        return (mins.isEmpty ? points.map(\.loss) : mins).min()
    }
}

/// Runs independent work items on `jobs` threads, results in input order, with OpenBLAS on one
/// thread meanwhile.
public enum ParallelMap {
    public static func run<T, R>(_ items: [T], jobs: Int, _ body: (T) throws -> R) throws -> [R] {
        if jobs <= 1 || items.count <= 1 { return try items.map(body) }
        let lock = NSLock()
        var results = [Result<R, Error>?](repeating: nil, count: items.count)
        BLASRuntime.singleThreaded(while: true) {
            withoutActuallyEscaping(body) { body in
                DispatchQueue.concurrentPerform(iterations: items.count) { i in
                    let r = Result { try body(items[i]) }
                    lock.lock(); results[i] = r; lock.unlock()
                }
            }
        }
        return try results.map { try $0!.get() }
    }
}
