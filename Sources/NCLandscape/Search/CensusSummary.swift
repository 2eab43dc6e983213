import Foundation

/// The `verify --model regularized` summary, and the body of a regularized sweep line: the
/// census's verdict and its points (the verdict is `LandscapeVerdict`'s and the labels are the
/// analyzer's). It lives beside `VerifySummary` so that sweeps, below the reports, can write it.
public struct CensusSummary: Codable, Sendable {
    public var model: FeatureModelKind
    public var problem: RegularizedDescription
    public var verdict: VerifySummary.Verdict
    public var message: String
    public var theoremApplies: Bool
    @NullEncodable public var fStar: Double?
    @NullEncodable public var fStarArgument: String?
    public var counts: [String: Int]
    public var distinctCriticalPoints: Int
    public var tasks: Int
    public var tasksNotConverged: Int
    public var randomStarts: Int
    public var seed: UInt64
    public var seconds: Double
    public var software: String
    public var points: [CensusPoint]

    public init(problem p: RegularizedObjective, result r: LandscapeCensus.Result, randomStarts: Int, seed: UInt64) {
        model = .regularized
        problem = p.description
        verdict = r.verdict
        theoremApplies = p.theoremApplies
        fStar = p.optimalLoss
        fStarArgument = p.optimum?.argument
        var c: [String: Int] = [:]
        for k in CriticalPointClass.allCases { c[k.rawValue] = 0 }
        for q in r.points { c[q.classification.rawValue, default: 0] += 1 }
        counts = c
        distinctCriticalPoints = r.points.count
        tasks = r.tasks; tasksNotConverged = r.notConverged
        self.randomStarts = randomStarts; self.seed = seed
        seconds = r.seconds
        software = SoftwareVersion.summary
        points = r.points
        let bad = r.points.filter { !($0.classification == .globalMinimizer || $0.classification == .strictSaddle) }
        switch r.verdict {
        case .benign: message = "all \(r.points.count) distinct critical points are global minimizers or strict saddles"
        case .spuriousMinimumFound, .inconclusive:
            message = r.points.contains(where: { $0.classification.isMinimizer })
                ? bad.map { String(format: "#%d %@ (loss %.10g)", $0.id, $0.classification.rawValue, $0.loss) }.joined(separator: ", ")
                : "the search found no minimizer among \(r.points.count) distinct critical points"
        }
    }

    /// Whether the census reached the closed-form global minimizer: a point labelled a global
    /// minimizer, which with a closed form means its loss agrees with `fStar`
    /// (`ClassificationRule.minimizerClass`). Nil where there is no closed form (imbalanced
    /// classes, d below the bound, MSE with a bias): there the label is relative to the best found.
    public var closedFormOptimumFound: Bool? {
        guard let fStar else { return nil }
        return points.contains { $0.classification == .globalMinimizer && ClassificationRule.lossesAgree($0.loss, fStar) }
    }

    /// Distinct points labelled as minimizers of any kind (global, local, spurious).
    public var minimizers: Int { points.filter { $0.classification.isMinimizer }.count }
}
