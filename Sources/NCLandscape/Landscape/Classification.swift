/// The labels of docs/formulas.md §4.
public enum CriticalPointClass: String, Codable, CaseIterable, Sendable {
    case globalMinimizer = "global_minimizer"
    case strictSaddle = "strict_saddle"
    case spuriousLocalMinimizer = "spurious_local_minimizer"
    /// A minimizer nondegenerate modulo symmetry where no proven optimum applies and no
    /// better point is known yet; a search decides later.
    case localMinimizer = "local_minimizer"
    /// A zero eigenvalue beyond the symmetry and no value bound met: inconclusive at second order.
    case degenerate
    case notCritical = "not_critical"
    /// Lanczos found no negative curvature but the index could not be certified (structured
    /// inertia too expensive at this size): neither saddle nor minimizer is proven.
    case undetermined

    public var isMinimizer: Bool { self == .globalMinimizer || self == .spuriousLocalMinimizer || self == .localMinimizer }
}

/// Interpolated into text (tables, CSV, messages) a class is spelled as in JSON
/// (`global_minimizer`), never as the Swift case name (`globalMinimizer`).
extension CriticalPointClass: CustomStringConvertible {
    public var description: String { rawValue }
}

/// What the spectrum established about the second-order behaviour of a critical point.
public struct CurvatureEvidence: Sendable {
    /// Proven negative curvature (`λ_min < −δ`, or an exact count below `−δ`).
    public var negativeCurvature: Bool
    /// Whether the Hessian on the complement of the symmetry orbit is `> δ` (nil: not known,
    /// e.g. Lanczos without exact counts).
    public var quotientPositive: Bool?
    public init(negativeCurvature: Bool, quotientPositive: Bool?) {
        self.negativeCurvature = negativeCurvature; self.quotientPositive = quotientPositive
    }
}

/// Every threshold of docs/formulas.md §4, in one place. All are relative to the quantity's own
/// scale, so the same point gets the same label at τ = 1e−6 and τ = 100, where the whole
/// Hessian is 1e−7 or 1e−56 in size.
public enum ClassificationRule {
    /// `δ = 1e−8 ‖M‖₂`: eigenvalues with `|λ| ≤ δ` count as zero. Computed eigenvalues carry an
    /// error of a few `ε_mach ‖M‖₂` (backward-stable `dsyevr` on a matrix whose entries are
    /// accurate to rounding), so genuine zeros land 10⁶–10⁷ times below `δ`.
    public static let zeroRelativeThreshold = 1e-8
    public static func zeroThreshold(spectralNorm: Double) -> Double { zeroRelativeThreshold * spectralNorm }

    /// `ρ`: a point is critical when its gradient is what a displacement of at most `ρ` radians
    /// from a critical point would produce at the largest curvature, `‖grad f‖ ≤ ρ ‖M‖₂`
    /// (first order: `grad f(x) ≈ Hess f(x*)[x − x*]`), …
    public static let criticalRadius = 1e-10
    /// … or when the gradient has cancelled to rounding level of its own terms,
    /// `‖grad f‖ ≤ κ γ` (`γ`: `FirstOrder.gradientScale`; `κ ≈ 4500 ε_mach`).
    public static let roundingFactor = 1e-12

    /// The criticality test: `‖grad f‖ ≤ max(ρ ‖M‖₂, κ γ)`. Both sides scale like the loss, so
    /// the test does not depend on τ or on the size of the loss.
    public static func isCritical(gradientNorm: Double, spectralNorm: Double, gradientScale: Double) -> Bool {
        gradientNorm <= max(criticalRadius * spectralNorm, roundingFactor * gradientScale)
    }

    /// Losses agree when `|a − b| ≤ 1e−9 max(|a|, |b|)` (`LossBound.lossesAgree`, where the
    /// tolerance is argued; it lives with the bound because meeting a bound is the same test).
    public static let lossRelativeTolerance = LossBound.lossRelativeTolerance
    public static func lossesAgree(_ a: Double, _ b: Double) -> Bool { LossBound.lossesAgree(a, b) }

    /// A class decided by an eigenvalue within this factor of `δ` is reported as marginal:
    /// such a label depends on polishing accuracy and deserves a second look.
    public static let marginalFactor = 100.0

    /// `|λ_decisive| / δ` (`λ_min` at a saddle, `λ_min(M_⊥)` otherwise); nil when the label was
    /// decided by the loss value (a bound met), not by an eigenvalue.
    public static func margin(lambdaMin: Double, quotientLambdaMin: Double?, delta: Double) -> Double {
        let decisive = lambdaMin < -delta ? lambdaMin : (quotientLambdaMin ?? lambdaMin)
        return delta > 0 ? abs(decisive) / delta : (decisive == 0 ? 0 : .infinity)
    }

    /// The label of a point (docs/formulas.md §4), one rule for every spectrum method:
    /// not critical → `not_critical`; negative curvature → `strict_saddle`; loss meets a proven
    /// lower bound → `global_minimizer` (even with extra zero eigenvalues: non-isolated minima);
    /// nondegeneracy unknown → `undetermined`; extra zeros → `degenerate`; otherwise the loss
    /// comparison of `minimizerClass`.
    /// - Parameters:
    ///   - bound: the model's proven lower bound, if any.
    ///   - reference: `f*` where proven, else the best loss known, else nil.
    public static func classify(critical: Bool, curvature: CurvatureEvidence, loss: Double, bound: LossBound?,
                                reference: Double?) -> CriticalPointClass {
        guard critical else { return .notCritical }
        if curvature.negativeCurvature { return .strictSaddle }
        if let bound, bound.isMet(by: loss) { return .globalMinimizer }
        guard let positive = curvature.quotientPositive else { return .undetermined }
        guard positive else { return .degenerate }
        return minimizerClass(loss: loss, reference: reference)
    }

    /// Global, spurious or (with no reference) local, for a point already shown to be a
    /// nondegenerate minimizer modulo symmetry: the loss comparison alone.
    public static func minimizerClass(loss: Double, reference: Double?) -> CriticalPointClass {
        guard let ref = reference else { return .localMinimizer }
        if lossesAgree(loss, ref) { return .globalMinimizer }
        if loss > ref { return .spuriousLocalMinimizer }
        // Lower than the reference: the reference was not the optimum (only possible for a
        // best-known value); this point is the new best, so it is not spurious.
        return .localMinimizer
    }
}
