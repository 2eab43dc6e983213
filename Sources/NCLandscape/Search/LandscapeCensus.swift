import Foundation

/// Special points of the regularized model (docs/formulas.md §8), by name.
public enum RegularizedSpecialPoint: String, CaseIterable, Sendable {
    /// The papers' global minimizer: collapse at the optimal scale (needs the closed form).
    case optimum
    /// `W = H = 0`, critical for every loss; with a bias, `b` at its critical value there: MSE
    /// `b_k = (n_k/N)/(1 + λ_b)`, cross-entropy `b = 0` (exact for balanced classes; otherwise
    /// Newton polishing moves `b`).
    case origin
    /// The optimum's classifiers with anti-aligned features `h_j = −c w_{y_j}`.
    case anti
    /// Every classifier `√t* e_1`, every feature `c√t* e_1` (one direction for all classes).
    case total
    /// Gaussian entries of variance `1/d` (columns of norm about 1).
    case random
}

extension RegularizedObjective {
    /// The scale `√t*` and ratio `c` of the closed-form optimum, or `(1, 1)` where there is none
    /// or it is the origin (starts then still have a scale to polish from).
    var ansatzScale: (classifier: Double, ratio: Double) {
        guard let o = optimum, o.classifierNormSquared > 0 else { return (1, 1) }
        return (o.classifierNormSquared.squareRoot(), o.featureRatio)
    }

    /// Classifiers `s · w_k` and features `sign · c s · w_{y_j}` from unit directions `w`.
    func aligned(_ w: Matrix, sign: Double) -> Matrix {
        let (s, c) = ansatzScale
        var x = emptyPoint()
        for k in 0 ..< K { for i in 0 ..< d { x[i, k] = s * w[i, k] } }
        for (j, y) in labels.enumerated() { for i in 0 ..< d { x[i, K + j] = sign * c * s * w[i, y] } }
        return x
    }

    public func specialPoint(_ kind: RegularizedSpecialPoint, rng: inout SeededGenerator) throws -> Matrix {
        switch kind {
        case .optimum:
            guard let o = optimum else {
                throw InputError("no closed-form optimum here (it needs balanced classes and d ≥ K−1 for cross-entropy, d ≥ K for MSE)")
            }
            return try o.point(self)
        case .origin:
            var x = emptyPoint()
            if hasBias && loss == .mse {
                for k in 0 ..< K { x[d, k] = Double(counts[k]) / Double(N) / (1 + lambdaB) }
            }
            return x
        case .anti:
            let w = loss == .mse ? try RegularizedOptimum.orthonormal(K: K, d: d) : try SpecialPoints.simplexETF(K: K, d: d)
            return aligned(w, sign: -1)
        case .total:
            var w = Matrix(rows: d, cols: K)
            for k in 0 ..< K { w[0, k] = 1 }
            return aligned(w, sign: 1)
        case .random:
            let s = 1 / Double(d).squareRoot()
            var x = Matrix(rows: rows, cols: K + N, columnMajor: rng.normals(rows * (K + N)).map { s * $0 })
            for i in manifold.pinned { x.storage[i] = 1 }
            return x
        }
    }

    /// Ansatz starts (docs/formulas.md §8): the optimum, the origin, anti-aligned features, and
    /// every grouping of the classes into `g < K` groups at the vertices of a `g`-simplex (total
    /// collapse at `g = 1`), with features aligned or anti-aligned, at the optimum's scale; each
    /// is Newton-polished to the critical point it is near, if any.
    public func ansatzStarts() -> [SearchStart] {
        var rng = SeededGenerator(seed: 0)
        var out: [SearchStart] = []
        for kind in [RegularizedSpecialPoint.optimum, .origin, .anti] {
            if let x = try? specialPoint(kind, rng: &rng) {
                out.append(SearchStart(task: "ansatz:\(kind.rawValue)", origin: kind.rawValue, point: x, descendFirst: false))
            }
        }
        for g in 1 ..< K {
            var vertices = Matrix(rows: d, cols: 1)
            if g == 1 { vertices[0, 0] = 1 } else {
                guard let v = try? SpecialPoints.simplexETF(K: g, d: d) else { continue }
                vertices = v
            }
            for parts in AnsatzFamilies.partitions(K, into: g) {
                var groupOf: [Int] = []
                for (i, s) in parts.enumerated() { groupOf += [Int](repeating: i, count: s) }
                var w = Matrix(rows: d, cols: K)
                for k in 0 ..< K { w.setColumn(k, vertices.column(groupOf[k])) }
                let name = parts.map(String.init).joined(separator: "+")
                for sign in [1.0, -1.0] {
                    let origin = (g == 1 ? "total" : "groups:\(name)") + (sign < 0 ? ":anti" : "")
                    out.append(SearchStart(task: "ansatz:\(origin)", origin: origin, point: aligned(w, sign: sign), descendFirst: false))
                }
            }
        }
        return out
    }
}

extension RegularizedObjective {
    /// The regularized model's census (`verify --model regularized`, each configuration of a
    /// regularized sweep): the ansatz starts (unless `ansatz` is false) and `randomStarts`
    /// Gaussian starts of variance `1/d` drawn from `seed`, Newton-polished and labelled.
    public func census(randomStarts: Int, seed: UInt64, jobs: Int, ansatz: Bool = true) throws -> LandscapeCensus.Result {
        try LandscapeCensus.run(self, ansatz: ansatz ? ansatzStarts() : [], randomStarts: randomStarts, seed: seed, jobs: jobs) { rng in
            (try? self.specialPoint(.random, rng: &rng)) ?? self.emptyPoint()
        }
    }
}

extension RegularizedOptimum {
    /// The first `K` standard basis vectors of `R^d` (needs `d ≥ K`).
    static func orthonormal(K: Int, d: Int) throws -> Matrix {
        guard d >= K else { throw InputError("orthogonal classifiers need d ≥ K (got d = \(d), K = \(K))") }
        var w = Matrix(rows: d, cols: K)
        for k in 0 ..< K { w[k, k] = 1 }
        return w
    }
}

/// The verdict of a critical-point search from its labels (docs/formulas.md §4): spurious when a
/// nondegenerate minimizer lies above the optimum, inconclusive when a label is degenerate or
/// undetermined or no minimizer was found, benign otherwise.
public enum LandscapeVerdict {
    public static func decide(_ classes: [CriticalPointClass]) -> VerifySummary.Verdict {
        if classes.contains(.spuriousLocalMinimizer) { return .spuriousMinimumFound }
        if classes.contains(.degenerate) || classes.contains(.undetermined) || !classes.contains(where: \.isMinimizer) { return .inconclusive }
        return .benign
    }
}

/// One distinct critical point of a census.
public struct CensusPoint: Codable, Sendable {
    public var id: Int
    /// The first start that reached it, and how many did.
    public var origin: String
    public var hits: Int
    /// Every start family that reached it, with counts.
    public var origins: [String: Int]
    public var loss: Double
    public var gradientNorm: Double
    public var index: Int
    public var lambdaMin: Double
    public var lambdaMax: Double
    @NullEncodable public var quotientLambdaMin: Double?
    public var zeroEigenvalues: Int
    public var symmetryNullity: Int
    public var rank: Int
    public var classification: CriticalPointClass
    @NullEncodable public var classificationMargin: Double?
    /// Mean `‖w_k‖` and mean `‖h_j‖` (without the bias row).
    public var classifierNorm: Double
    public var featureNorm: Double
    @NullEncodable public var nc1: Double?
    public var classifiers: [[Double]]
    /// With a bias, each classifier vector ends with `b_k` and each feature with the constant 1.
    public var features: [[Double]]

    /// A loss value is `lossValue` in every JSON output (`loss` names a loss function).
    enum CodingKeys: String, CodingKey {
        case id, origin, hits, origins, loss = "lossValue", gradientNorm, index, lambdaMin, lambdaMax, quotientLambdaMin,
             zeroEigenvalues, symmetryNullity, rank, classification, classificationMargin, classifierNorm, featureNorm, nc1,
             classifiers, features
    }
}

/// A critical-point census for any feature objective: ansatz starts and random starts (even:
/// Newton from the point, retried from early gradient-descent iterates; odd: trust-region descent
/// then Newton), Newton-polished, analysed by
/// the objective's analyzer, deduplicated modulo symmetry by `CriticalPointInvariants`.
/// Unlike `CriticalPointSearch` (the normalized model's `verify`) it keeps no resumable logs,
/// draws a fixed number of starts and attempts no certificates.
public enum LandscapeCensus {
    public struct Result: Sendable {
        public var points: [CensusPoint]
        public var tasks: Int
        public var notConverged: Int
        public var verdict: VerifySummary.Verdict
        public var seconds: Double
    }

    public static func run<P: FeatureObjective>(_ p: P, ansatz: [SearchStart], randomStarts: Int, seed: UInt64, jobs: Int,
                                                randomPoint: @escaping (inout SeededGenerator) -> Matrix) throws -> Result {
        // Single-threaded BLAS whatever `jobs` is (as in `CriticalPointSearch`): OpenBLAS rounds
        // differently at different thread counts, so --jobs then changes only the speed.
        try BLASRuntime.singleThreaded(while: true) {
            try census(p, ansatz: ansatz, randomStarts: randomStarts, seed: seed, jobs: jobs, randomPoint: randomPoint)
        }
    }

    static func census<P: FeatureObjective>(_ p: P, ansatz: [SearchStart], randomStarts: Int, seed: UInt64, jobs: Int,
                                            randomPoint: @escaping (inout SeededGenerator) -> Matrix) throws -> Result {
        let t0 = Stopwatch.now()
        var starts = ansatz
        for i in 0 ..< randomStarts {
            var rng = SeededGenerator(seed: seed).derived(i)
            let gd = i % 2 == 1
            var s = SearchStart(task: AnsatzFamilies.randomTaskName(i), origin: gd ? "random-descent" : "random-newton",
                                point: randomPoint(&rng), descendFirst: gd)
            s.seekSaddle = !gd
            starts.append(s)
        }
        typealias Found = (start: SearchStart, point: Matrix, analysis: PointAnalysis, invariants: CriticalPointInvariants)?
        let found: [Found] = try ParallelMap.run(starts, jobs: jobs) { s in
            var x = s.point
            if s.descendFirst {
                x = RiemannianTrustRegion().minimize(p, from: x, criteria: StoppingCriteria(maxIterations: 1000, gradientTolerance: 0,
                                                                                           relativeGradientTolerance: 1e-6, recordEvery: 0),
                                                     observer: nil).point
            }
            var r = try NewtonPolisher.polish(p, from: x, maxIterations: 60)
            if !r.converged && s.seekSaddle {
                // As in `CriticalPointSearch`: Newton from early gradient-descent iterates, which
                // pass close to saddles, when Newton from the random point itself stalls.
                if let found = try CriticalPointSearch.polishFromEarlyIterates(p, from: s.point, maxIterations: 60) { r = found.result }
            }
            guard r.converged else { return nil }
            let a = try LandscapeAnalyzer.analyze(p, at: r.point)
            guard a.classification != .notCritical else { return nil }
            return (s, r.point, a, try CriticalPointInvariants(model: p, point: r.point, loss: a.loss, index: a.index))
        }
        var points: [CensusPoint] = []
        var invariants: [CriticalPointInvariants] = []
        for f in found {
            guard let f else { continue }
            if let i = invariants.firstIndex(where: { $0.matches(f.invariants) }) {
                points[i].hits += 1
                points[i].origins[f.start.origin, default: 0] += 1
                continue
            }
            let a = f.analysis, x = f.point
            // Over the first d rows: a bias row (b_k, or the features' constant 1) is not part of w_k, h_j.
            func meanNorm(_ r: Range<Int>) -> Double { r.map { Vector.norm(Array(x.column($0)[0 ..< p.d])) }.reduce(0, +) / Double(r.count) }
            let nc = try? NCMetrics.compute(model: p, point: x)
            points.append(CensusPoint(
                id: points.count, origin: f.start.origin, hits: 1, origins: [f.start.origin: 1], loss: a.loss, gradientNorm: a.riemannianGradientNorm, index: a.index,
                lambdaMin: a.lambdaMin, lambdaMax: a.lambdaMax, quotientLambdaMin: a.quotientLambdaMin, zeroEigenvalues: a.inertia.zero,
                symmetryNullity: a.symmetryNullity, rank: a.rank, classification: a.classification, classificationMargin: a.classificationMargin,
                classifierNorm: meanNorm(p.classifierColumns), featureNorm: meanNorm(p.featureColumns), nc1: nc.map(\.nc1).flatMap { $0.isFinite ? $0 : nil },
                classifiers: p.classifierColumns.map { x.column($0) }, features: p.featureColumns.map { x.column($0) }))
            invariants.append(f.invariants)
        }
        // Minimizers without a proven optimum are settled against the lowest loss found.
        if p.optimalLoss == nil, let best = points.filter({ $0.classification.isMinimizer }).map(\.loss).min() {
            for i in points.indices where points[i].classification.isMinimizer {
                points[i].classification = ClassificationRule.minimizerClass(loss: points[i].loss, reference: best)
            }
        }
        points.sort { $0.loss < $1.loss }
        for i in points.indices { points[i].id = i }
        return Result(points: points, tasks: starts.count, notConverged: found.filter { $0 == nil }.count,
                      verdict: LandscapeVerdict.decide(points.map(\.classification)), seconds: Stopwatch.now() - t0)
    }
}
