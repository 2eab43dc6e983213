import Foundation

/// How completely one population of random starts (one start kind, drawn iid from one
/// distribution) has been explored (docs/formulas.md §13).
///
/// Each start that converges lands on a class (a critical point up to the symmetry orbit). With
/// `S` converged draws and `f_r` classes hit exactly `r` times:
/// - Good–Turing missing mass `M̂ = f₁/S`: the estimated probability that one more converged
///   start of this kind lands on a class not yet seen. In expectation it is never below the true
///   missing mass: `E[f₁]/S = Σ p_i (1−p_i)^{S−1} ≥ Σ p_i (1−p_i)^S = E[M]`.
/// - Rule of three `3/S`: a single class of probability `p ≥ 3/S` is missed by all `S` draws with
///   probability `(1−p)^S ≤ e^{−3} < 5%`. It is what a search with no singleton (`f₁ = 0`) can
///   still say.
/// - Chao1 unseen classes `f₁²/(2f₂)` (bias-corrected `f₁(f₁−1)/2` when `f₂ = 0`), a lower-bound
///   type estimate of how many classes were not seen.
/// Ansatz families are deterministic and form no population.
public struct PopulationCoverage: Codable, Sendable, Equatable {
    /// `random-descent`, `random-newton`.
    public var origin: String
    /// Starts drawn.
    public var draws: Int
    /// Starts that reached no critical point (excluded from `S`: the estimates are conditional on
    /// convergence, which can only make them larger than the unconditional ones).
    public var failures: Int
    /// `S`: draws that reached a critical point.
    public var converged: Int
    /// Distinct classes reached.
    public var classes: Int
    /// Hits per class (point id → hits), ascending by id.
    public var hits: [ClassHits]
    /// `f₁`, `f₂`.
    public var singletons: Int
    public var doubletons: Int
    /// Good–Turing `f₁/S` (nil when `S = 0`).
    @NullEncodable public var missingMass: Double?
    /// `3/S` (nil when `S = 0`).
    @NullEncodable public var ruleOfThree: Double?
    /// Chao1 estimate of the number of classes not seen (nil when `S = 0`).
    @NullEncodable public var unseenClassesChao1: Double?

    public struct ClassHits: Codable, Sendable, Equatable {
        public var pointId: Int
        public var hits: Int
    }

    /// `max(f₁/S, 3/S)`: what the stopping rule compares with its target (∞ when `S = 0`).
    public var missingMassBound: Double { max(missingMass ?? .infinity, ruleOfThree ?? .infinity) }

    /// The estimates from the class reached by each draw (nil: the draw did not converge).
    public init(origin: String, outcomes: [Int?]) {
        self.origin = origin
        draws = outcomes.count
        var counts: [Int: Int] = [:]
        for case let id? in outcomes { counts[id, default: 0] += 1 }
        converged = counts.values.reduce(0, +)
        failures = draws - converged
        classes = counts.count
        hits = counts.sorted { $0.key < $1.key }.map { ClassHits(pointId: $0.key, hits: $0.value) }
        singletons = counts.values.filter { $0 == 1 }.count
        doubletons = counts.values.filter { $0 == 2 }.count
        let s = Double(converged)
        missingMass = converged > 0 ? Double(singletons) / s : nil
        ruleOfThree = converged > 0 ? 3 / s : nil
        unseenClassesChao1 = converged > 0 ? Self.chao1Unseen(f1: singletons, f2: doubletons) : nil
    }

    /// `f₁²/(2f₂)`, or `f₁(f₁−1)/2` when `f₂ = 0`.
    public static func chao1Unseen(f1: Int, f2: Int) -> Double {
        let a = Double(f1), b = Double(f2)
        return f2 > 0 ? a * a / (2 * b) : a * max(a - 1, 0) / 2
    }

    /// The populations of a task log, in the order they first appear (random starts only).
    public static func populations(_ tasks: [TaskRecord]) -> [PopulationCoverage] {
        var order: [String] = []
        var outcomes: [String: [Int?]] = [:]
        for t in tasks where t.task.hasPrefix("start:") {
            if outcomes[t.origin] == nil { order.append(t.origin); outcomes[t.origin] = [] }
            outcomes[t.origin]!.append(t.outcome == .notCritical ? nil : t.pointId)
        }
        return order.map { PopulationCoverage(origin: $0, outcomes: outcomes[$0]!) }
    }

    /// One line for a verdict: "20 classes from 640 starts, missing mass ≤ 0.47% (Good–Turing f₁/S 0.16%, rule of three 0.47%)".
    public var summary: String {
        guard let gt = missingMass, let r3 = ruleOfThree else { return "\(origin): no start converged (\(draws) drawn)" }
        return String(format: "%@: %d classes from %d starts (%d converged), missing mass ≤ %@ (Good–Turing f₁/S %@, rule of three 3/S %@), Chao1 unseen ≈ %.1f",
                      origin, classes, draws, converged, Self.percent(missingMassBound), Self.percent(gt), Self.percent(r3), unseenClassesChao1 ?? 0)
    }

    static func percent(_ x: Double) -> String {
        x == 0 ? "0%" : x >= 0.1 ? String(format: "%.0f%%", 100 * x) : x >= 0.001 ? String(format: "%.2g%%", 100 * x) : String(format: "%.1e", x)
    }
}

/// The adaptive stopping rule of a search: draw random starts in fixed batches until the
/// controlling population's `max(f₁/S, 3/S)` is at most `missingMass`, or `maxStarts` are drawn.
///
/// The decision after each batch depends only on the results of starts `0 ..< k·batch`, each
/// from its own seeded stream, so the number drawn reproduces exactly from the seed. Stopping at
/// the first batch that meets the target biases the estimate slightly low (docs/formulas.md §13);
/// the rule of three term keeps it from stopping on a small sample with no singleton.
public struct CoverageTarget: Codable, Sendable, Equatable {
    public var missingMass: Double
    public var maxStarts: Int
    public var batch: Int

    public static let defaultMissingMass = 0.01
    public static let defaultMaxStarts = 4000
    public static let defaultBatch = 64

    public init(missingMass: Double = defaultMissingMass, maxStarts: Int = defaultMaxStarts, batch: Int = defaultBatch) throws {
        guard missingMass.isFinite, missingMass > 0, missingMass < 1 else {
            throw InputError("--until-missing-mass must be in (0, 1) (got \(missingMass))")
        }
        guard batch >= 2 else { throw InputError("--batch must be ≥ 2 (got \(batch))") }
        guard maxStarts >= batch else { throw InputError("--max-starts must be ≥ the batch size \(batch) (got \(maxStarts))") }
        self.missingMass = missingMass; self.maxStarts = maxStarts; self.batch = batch
    }

    /// The population whose coverage decides when to stop: descent starts where the mix draws
    /// them (they reach the minimizers, which decide the verdict), else Newton starts.
    public static func controllingOrigin(_ mix: StartMix) -> String { mix == .newton ? "random-newton" : "random-descent" }

    /// Starts of the controlling population after which a search where none of them converged
    /// stops: its coverage cannot be measured (no class was hit), and by the rule of three the
    /// chance that one start converges is then below 3/256 ≈ 1.2%, so drawing to `maxStarts`
    /// buys little. Measured on focal γ = 5 at τ = 64 (losses near 1e-249), where every descent
    /// falls short of a critical point: 21 configurations drew 4000 starts each (39–379 s),
    /// none of which converged.
    public static let unmeasurableAfter = 256

    /// Whether the controlling population has drawn `unmeasurableAfter` starts without one
    /// converging, so that the target can never be shown to be met at a sensible cost.
    public func isUnmeasurable(_ populations: [PopulationCoverage], mix: StartMix) -> Bool {
        guard let p = populations.first(where: { $0.origin == Self.controllingOrigin(mix) }) else { return false }
        return p.converged == 0 && p.draws >= Self.unmeasurableAfter
    }

    /// Whether the populations meet the target.
    public func isMet(_ populations: [PopulationCoverage], mix: StartMix) -> Bool {
        guard let p = populations.first(where: { $0.origin == Self.controllingOrigin(mix) }) else { return false }
        return p.missingMassBound <= missingMass
    }
}
