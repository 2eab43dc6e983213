/// The labels of SPEC §4.
public enum CriticalPointClass: String, Codable, CaseIterable, Sendable {
    case globalMinimizer = "global_minimizer"
    case strictSaddle = "strict_saddle"
    case spuriousLocalMinimizer = "spurious_local_minimizer"
    /// A minimizer nondegenerate modulo symmetry where no closed-form optimum applies and no
    /// better point is known yet; a search decides later.
    case localMinimizer = "local_minimizer"
    /// A zero eigenvalue beyond the symmetry: inconclusive at second order.
    case degenerate
    case notCritical = "not_critical"
    /// Lanczos found no negative curvature but the index could not be certified (structured
    /// inertia too expensive at this size): neither saddle nor minimizer is proven.
    case undetermined

    public var isMinimizer: Bool { self == .globalMinimizer || self == .spuriousLocalMinimizer || self == .localMinimizer }
}

/// The thresholds of SPEC §4, in one place.
public enum ClassificationRule {
    /// A point is critical when `‖grad f‖ ≤ 1e−10`.
    public static let criticalGradientNorm = 1e-10
    /// Loss equality with the optimum, `|f − f*| ≤ 1e−9`.
    public static let lossTolerance = 1e-9
    /// Eigenvalue zero threshold `δ = 1e−8 · max(1, ‖M‖₂)`.
    public static func zeroThreshold(spectralNorm: Double) -> Double { 1e-8 * max(1, spectralNorm) }

    /// A class decided by an eigenvalue within this factor of `δ` is reported as marginal:
    /// at degenerate critical sets Newton converges only linearly and eigenvalues carry errors of
    /// ~1e−8, so such a label depends on polishing accuracy and deserves a second look.
    public static let marginalFactor = 100.0

    public static func margin(lambdaMin: Double, quotientLambdaMin: Double?, delta: Double) -> Double {
        let decisive = lambdaMin < -delta ? lambdaMin : (quotientLambdaMin ?? lambdaMin)
        return abs(decisive) / delta
    }

    /// The label of a critical point from its curvature and loss.
    /// - Parameters:
    ///   - lambdaMin: smallest eigenvalue of `M`.
    ///   - quotientLambdaMin: smallest eigenvalue of `M_⊥` (needed only when `lambdaMin ≥ −δ`).
    ///   - reference: `f*` where SPEC §3 applies, else the best loss known, else nil.
    ///   - referenceIsClosedForm: whether `reference` is the closed-form `f*`.
    public static func classify(gradientNorm: Double, loss: Double, lambdaMin: Double, quotientLambdaMin: Double?,
                                delta: Double, reference: Double?) -> CriticalPointClass {
        if !(gradientNorm <= criticalGradientNorm) { return .notCritical }
        if lambdaMin < -delta { return .strictSaddle }
        guard let q = quotientLambdaMin, q > delta else { return .degenerate }
        return minimizerClass(loss: loss, reference: reference)
    }

    /// Global, spurious or (with no reference) local, for a point already shown to be a
    /// nondegenerate minimizer modulo symmetry: the loss comparison alone.
    public static func minimizerClass(loss: Double, reference: Double?) -> CriticalPointClass {
        guard let ref = reference else { return .localMinimizer }
        if abs(loss - ref) <= lossTolerance { return .globalMinimizer }
        if loss > ref + lossTolerance { return .spuriousLocalMinimizer }
        // Lower than the reference: the reference was not the optimum (only possible for a
        // best-known value); this point is the new best, so it is not spurious.
        return .localMinimizer
    }
}
