import Foundation

/// The verdict of `verify` (docs/formulas.md §3–§4): is every critical point found a global minimizer or a
/// strict saddle?
public struct VerifySummary: Codable, Sendable {
    public enum Verdict: String, Codable, Sendable {
        /// Every distinct critical point found is a global minimizer or a strict saddle.
        case benign
        /// At least one nondegenerate local minimizer with a loss above the optimum.
        case spuriousMinimumFound = "spurious_minimum_found"
        /// No spurious minimum, but some point is degenerate (inconclusive at second order) or
        /// undetermined (Lanczos without exact counts), or the search found no minimizer at all.
        case inconclusive
    }
    /// Everything that defines the run: the model and the search settings (seed included).
    public struct Parameters: Codable, Sendable {
        public var model: ModelDescription
        public var counts: [Int]
        public var search: SearchConfiguration
    }
    /// How each kind of start fared (search coverage).
    public struct Coverage: Codable, Sendable {
        /// Origin family: `etf`, `anti`, `signs`, `groups`, `total`, `random-newton`, `random-descent`.
        public var origin: String
        public var started: Int
        /// Reached a critical point: a new distinct one, or one found before.
        public var new: Int
        public var duplicate: Int
        /// Did not converge, by the reason Newton stopped (`stalled`, `no_decrease`, `max_iterations`),
        /// or converged where the loss is not twice differentiable (`not_twice_differentiable`).
        public var failed: [String: Int]
        /// Saddle-seeking random starts that converged only from a gradient-descent iterate.
        public var convergedAfterDescentSteps: Int
    }
    public var verdict: Verdict
    public var message: String
    public var counts: [String: Int]
    public var distinctCriticalPoints: Int
    @NullEncodable public var bestLoss: Double?
    @NullEncodable public var fStar: Double?
    public var theoremApplies: Bool
    public var spuriousMinimizerIds: [Int]
    public var degenerateIds: [Int]
    /// Points where Lanczos found no negative curvature but exact counts were too expensive.
    public var undeterminedIds: [Int]
    /// Points whose label was decided by an eigenvalue within 100δ of zero (see README).
    public var marginalIds: [Int]
    public var tasks: Int
    public var tasksNotConverged: Int
    /// Tasks whose polished point lies where the loss is not twice differentiable, so that no
    /// second-order label exists (absent when there are none).
    public var tasksNotTwiceDifferentiable: Int?
    /// The first such refusal, "loss X is not twice differentiable at this point: …".
    public var refusal: String?
    public var coverage: [Coverage]
    /// Random starts drawn (adaptive mode: as many as the coverage target needed).
    public var starts: Int
    /// Measured coverage of each random-start population (docs/formulas.md §13).
    public var populations: [PopulationCoverage]
    /// Adaptive mode: the target, and whether it was met before the cap (nil with a fixed --starts).
    @NullEncodable public var coverageTarget: CoverageTarget?
    @NullEncodable public var coverageTargetMet: Bool?
    /// The coverage clause of the verdict line, e.g. "20 classes from 640 random-descent starts,
    /// missing mass ≤ 0.47% (Good–Turing f₁/S 0.16%, rule of three 3/S 0.47%)".
    public var coverageStatement: String
    /// Distinct points whose label a certificate proves, of those where one was attempted.
    public var certifiedPoints: Int
    /// Distinct points proven to have no local minimizer within a radius (saddle regions: the
    /// critical point's existence not proven, docs/formulas.md §14). Null in older summaries.
    @NullEncodable public var saddleRegionPoints: Int?
    public var certificationAttempted: Int
    /// Points where the certificate decided a label the threshold δ did not (e.g. degenerate → spurious).
    public var decidedByCertificateIds: [Int]
    public var seconds: Double
    public var method: String
    public var parameters: Parameters
    public var software: String

    public init(model: NormalizedFeatureModel, config: SearchConfiguration, result r: EnumerationResult) {
        let pts = r.points
        var counts: [String: Int] = [:]
        for c in CriticalPointClass.allCases { counts[c.rawValue] = 0 }
        for p in pts { counts[p.classification.rawValue, default: 0] += 1 }
        spuriousMinimizerIds = pts.filter { $0.classValue == .spuriousLocalMinimizer }.map(\.id)
        degenerateIds = pts.filter { $0.classValue == .degenerate }.map(\.id)
        undeterminedIds = pts.filter { $0.classValue == .undetermined }.map(\.id)
        let refused = r.tasks.filter { $0.outcome == .notTwiceDifferentiable }
        // The verdict is decided below the reports (`LandscapeVerdict`); this only words it. A
        // point without a second-order label may be anything, so "benign" cannot be claimed.
        verdict = LandscapeVerdict.decide(pts.map(\.classValue))
        if verdict == .benign && !refused.isEmpty { verdict = .inconclusive }
        switch verdict {
        case .spuriousMinimumFound:
            message = "found \(spuriousMinimizerIds.count) spurious local minimizer(s) among \(pts.count) distinct critical points: "
                + spuriousMinimizerIds.map { id in String(format: "#%d (loss %.10g)", id, pts[id].loss) }.joined(separator: ", ")
        case .inconclusive:
            var parts: [String] = []
            // A compact manifold has a global minimizer: a search that found none missed part of
            // the landscape, and "every point found is benign" would claim more than it checked.
            if !pts.contains(where: { $0.classValue.isMinimizer }) {
                parts.append("the search found no minimizer among \(pts.count) distinct critical points"
                    + (pts.isEmpty ? "" : String(format: " (lowest loss %.10g)", pts.map(\.loss).min()!))
                    + ", so it did not reach the global minimum and the landscape is not covered; more starts (--starts) or another --start-mix may find it")
            }
            if !degenerateIds.isEmpty {
                parts.append("\(degenerateIds.count) of \(pts.count) distinct critical points are degenerate (zero eigenvalues beyond the symmetry; inconclusive at second order): "
                    + degenerateIds.map { id in String(format: "#%d (loss %.10g, λ_min(M_⊥) %.3g)", id, pts[id].loss, pts[id].quotientLambdaMin ?? .nan) }.joined(separator: ", "))
            }
            if !undeterminedIds.isEmpty {
                parts.append("\(undeterminedIds.count) of \(pts.count) distinct critical points are undetermined (no negative curvature found by Lanczos, index not certified): "
                    + undeterminedIds.map { "#\($0)" }.joined(separator: ", "))
            }
            if let first = refused.first?.refusal {
                parts.append("\(refused.count) of \(r.tasks.count) tasks converged where the loss is not twice differentiable, so those points have no second-order label (first: \(first))")
            }
            message = parts.joined(separator: "; ")
        case .benign:
            message = "all \(pts.count) distinct critical points are global minimizers or strict saddles"
        }
        marginalIds = pts.filter(\.isMarginal).map(\.id)
        if !marginalIds.isEmpty {
            message += "; \(marginalIds.count) label(s) marginal (decided by an eigenvalue within 100δ of zero): "
                + marginalIds.map { "#\($0)" }.joined(separator: ", ")
        }
        self.counts = counts
        distinctCriticalPoints = pts.count
        bestLoss = CriticalPointSearch.bestLoss(pts)
        fStar = model.optimalLoss
        theoremApplies = model.theoremApplies
        tasks = r.tasks.count
        tasksNotConverged = r.tasks.filter { $0.outcome == .notCritical }.count
        tasksNotTwiceDifferentiable = refused.isEmpty ? nil : refused.count
        refusal = refused.first?.refusal
        coverage = Self.coverage(r.tasks)
        certifiedPoints = pts.filter { $0.stats.isCertified }.count
        let regions = pts.filter { $0.stats.isSaddleRegion }.count
        saddleRegionPoints = regions
        certificationAttempted = pts.filter { $0.certification != nil }.count
        decidedByCertificateIds = pts.filter { p in
            p.thresholdClassification.map { t in t != p.classification && CriticalPointSearch.decidesOtherwise(p.classification, threshold: t) } ?? false
        }.map(\.id)
        if certificationAttempted > 0 {
            message += "; \(certifiedPoints) of \(pts.count) labels certified (computer-assisted proofs: an exact critical point within r, its inertia proven)"
            if regions > 0 {
                message += ", \(regions) more proven saddle regions (no local minimizer within r; the critical point's existence not proven)"
            }
            if !decidedByCertificateIds.isEmpty {
                message += ", \(decidedByCertificateIds.count) of them decided where the threshold δ could not"
            }
        }
        starts = r.starts
        populations = r.coverage
        coverageTarget = config.coverage
        coverageTargetMet = r.coverageTargetMet
        coverageStatement = Self.coverageStatement(populations: r.coverage, mix: config.startMix, target: config.coverage, met: r.coverageTargetMet)
        if verdict == .spuriousMinimumFound {
            message += " (a counterexample whatever the coverage)"
        } else if verdict == .benign {
            message += "; \(coverageStatement). A benign verdict covers the classes the start distributions reach with non-negligible probability, not more"
        } else {
            message += "; \(coverageStatement)"
        }
        seconds = r.seconds
        let methods = Dictionary(grouping: pts, by: { $0.method.rawValue }).mapValues(\.count)
        method = "\(config.method.rawValue): " + methods.sorted { $0.key < $1.key }.map { "\($0.key) for \($0.value) point(s)" }.joined(separator: ", ")
        parameters = Parameters(model: model.spec, counts: model.counts, search: config)
        software = SoftwareVersion.summary
    }
}

extension VerifySummary {
    /// "N classes from S random-descent starts, missing mass ≤ x% (…)", for the population that
    /// decides (descent starts reach the minimizers), plus whether an adaptive target was met.
    static func coverageStatement(populations: [PopulationCoverage], mix: StartMix, target: CoverageTarget?, met: Bool?) -> String {
        let origin = CoverageTarget.controllingOrigin(mix)
        guard let p = populations.first(where: { $0.origin == origin }) else { return "no \(origin) starts, so no measured coverage" }
        guard let gt = p.missingMass, let r3 = p.ruleOfThree else {
            let stopped = target != nil && p.draws >= CoverageTarget.unmeasurableAfter && p.draws < (target?.maxStarts ?? 0)
            return "none of \(p.draws) \(origin) starts converged, so no measured coverage" + (stopped ? "; the adaptive search stops there" : "")
        }
        var text = String(format: "%d classes from %d %@ starts, missing mass ≤ %@ (Good–Turing f₁/S %@, rule of three 3/S %@)",
                          p.classes, p.draws, origin, PopulationCoverage.percent(p.missingMassBound),
                          PopulationCoverage.percent(gt), PopulationCoverage.percent(r3))
        if let target, let met {
            text += met ? "; target \(PopulationCoverage.percent(target.missingMass)) met"
                : "; target \(PopulationCoverage.percent(target.missingMass)) NOT met within --max-starts \(target.maxStarts)"
        }
        return text
    }

    /// Per origin family, in the order families first appear.
    static func coverage(_ tasks: [TaskRecord]) -> [Coverage] {
        var order: [String] = []
        var by: [String: Coverage] = [:]
        for t in tasks {
            let family = String(t.origin.split(separator: ":").first ?? "")
            if by[family] == nil {
                order.append(family)
                by[family] = Coverage(origin: family, started: 0, new: 0, duplicate: 0, failed: [:], convergedAfterDescentSteps: 0)
            }
            by[family]!.started += 1
            switch t.outcome {
            case .new: by[family]!.new += 1
            case .duplicate: by[family]!.duplicate += 1
            case .notCritical: by[family]!.failed[t.polish?.rawValue ?? "unknown", default: 0] += 1
            case .notTwiceDifferentiable: by[family]!.failed[TaskRecord.Outcome.notTwiceDifferentiable.rawValue, default: 0] += 1
            }
            if let s = t.descentSteps, s > 0 { by[family]!.convergedAfterDescentSteps += 1 }
        }
        return order.map { by[$0]! }
    }
}
