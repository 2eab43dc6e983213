import Foundation

/// How the Hessian spectrum is obtained.
public enum HessianMethod: String, Codable, CaseIterable, Sendable {
    /// `reduced` at collapsed points, else `dense` or `lanczos` by estimated cost
    /// (`LandscapeAnalyzer.choose`, which also says why).
    case auto
    /// Dense `M` and LAPACK `dsyevr`: every eigenvalue, `O(m³)`.
    case dense
    /// Symmetry-reduced exact spectrum at collapsed points, cost independent of `n`.
    case reduced
    /// ARPACK Lanczos on Hessian-vector products (`λ_min`, `λ_max`, a few pairs) plus exact
    /// structured inertia when affordable.
    case lanczos
}

/// Spelled as in JSON wherever it is interpolated into text.
extension HessianMethod: CustomStringConvertible {
    public var description: String { rawValue }
}

/// Options for analyzing one point.
/// The precision of matrix-free Hessian-vector products: `auto` (single where the point is proven
/// not critical and m ≥ 10⁶, else double), `double`, or `single` (refused where not proven safe).
public enum ProductPrecision: String, Codable, Sendable, CaseIterable { case auto, double, single }

public struct AnalysisOptions: Sendable {
    /// Number of lowest eigenpairs to return (mapped back to `(Ẇ, Ḣ)`).
    public var eigenvectors: Int = 0
    /// A loss to compare minimizers against where no closed-form `f*` applies (best found).
    public var bestKnownLoss: Double? = nil
    /// Refuse a dense Hessian needing more bytes than this (default: the process's memory budget).
    public var memoryBudgetBytes: Double = MemoryBudget.current
    public var method: HessianMethod = .auto
    /// `auto` uses dense only up to this size (`m = 8000` takes about a minute on 2 cores).
    public var denseMaxSize: Int = 8000
    /// `lanczos` runs structured inertia (four counts) when it needs at most this many flops
    /// (≈ 5·10¹⁰ per second on the 2-core machines measured: 2e11 is a few seconds).
    public var structuredInertiaMaxFlops: Double = 2e11
    /// Seed of Lanczos starting vectors.
    public var seed: UInt64 = 0
    /// ARPACK relative tolerance for the smallest eigenpairs (residual ≤ tol·|λ|); nil picks it
    /// so that the residual, which bounds the eigenvalue error, is at most
    /// `lanczosResidualTarget · ‖M‖ = δ/10`. Every returned pair's residual is
    /// recomputed and reported.
    public var lanczosTolerance: Double? = nil
    /// Also return every eigenvector whose eigenvalue lies within `r |λ_min|` (`r ‖M‖` if `λ_min = 0`) of
    /// `λ_min` (the whole `λ_min` eigenspace; complete-spectrum methods only, nil: off).
    public var lowestClusterRelativeTolerance: Double? = nil
    /// Residual the automatic Lanczos tolerance aims for, relative to `‖M‖`: a tenth of
    /// `δ`, so a certified saddle needs only `λ_min < −1.1 δ` and `λ_min` is accurate to `δ/10`.
    public static let lanczosResidualTarget = 1e-9
    /// Step limit of the unrestarted λ_min recurrence (about an hour of products at the CIFAR-100
    /// size); a run that stops there reports its residual and says so.
    public static let unrestartedLanczosMaxSteps = 6000
    /// Residual target (relative to ‖M‖) of the unrestarted λ_min run at points that are not
    /// critical under any ‖M‖ the random-start bound allows: there λ_min is reported, not used.
    public static let nonCriticalResidualTarget = 1e-6
    /// … used only once the random-start bound puts λ_min within this fraction of θ.
    public static let nonCriticalRelativeGap = 1e-2
    /// At a point that is not critical, the unrestarted λ_min run also stops once the
    /// random-start bound brackets λ_min to this fraction of the spread `λ_max − θ`: there
    /// λ_min is reported (with its bracket), not used to decide anything.
    public static let defaultNonCriticalBracket = 1e-3
    /// This run's bracket fraction (0: always converge to residual δ/10).
    public var nonCriticalBracket = AnalysisOptions.defaultNonCriticalBracket
    /// Failure probability of the random-start λ_min bound reported where no exact count fits.
    public static let probabilisticBoundFailure = 1e-6
    /// Precision of the Hessian-vector products in the matrix-free λ_min and λ_max runs.
    public var productPrecision: ProductPrecision = .auto
    /// `auto` uses single-precision products from this tangent dimension on (below it a product
    /// takes milliseconds and double costs nothing worth saving).
    public static let singlePrecisionMinimumSize = 1_000_000
    /// Receives a one-line status during long Lanczos runs (every 10 products).
    public var progress: (@Sendable (String) -> Void)? = nil
    public init(eigenvectors: Int = 0, bestKnownLoss: Double? = nil, method: HessianMethod = .auto) {
        self.eigenvectors = eigenvectors
        self.bestKnownLoss = bestKnownLoss
        self.method = method
    }
}

/// An eigenpair of `M` with its eigenvector mapped back to the ambient `(Ẇ, Ḣ)` and the
/// residual `‖M v − λ v‖` that certifies it.
public struct EigenDirection: Sendable {
    public let value: Double
    /// `d × (K+N)` tangent matrix `[Ẇ Ḣ]`, unit Frobenius norm.
    public let direction: Matrix
    public let residual: Double
}

/// Everything docs/formulas.md §4 says about one point: loss, gradient, spectrum, symmetry, class.
public struct PointAnalysis: Sendable {
    public let loss: Double
    public let riemannianGradientNorm: Double
    /// `γ`, the size of the gradient's own terms (`FirstOrder.gradientScale`).
    public let gradientScale: Double
    /// `‖M‖₂ = max(|λ_min|, |λ_max|)`: the scale of `δ` and of the criticality test.
    public var spectralNorm: Double { max(abs(lambdaMin), abs(lambdaMax)) }
    /// The proven lower bound on the loss, when the model has one.
    public let lossBound: LossBound?
    /// Eigenvalues of the Riemannian Hessian, ascending: all of them (`dense`, `reduced`), or the
    /// extreme ones Lanczos computed (`eigenvaluesComplete == false`).
    public let eigenvalues: [Double]
    public let eigenvaluesComplete: Bool
    public let lambdaMin: Double
    public let lambdaMax: Double
    public let delta: Double
    /// Inertia with `|λ| ≤ δ` counted as zero. Exact unless `inertiaExact` is false (Lanczos
    /// without structured inertia: `negative` is then a lower bound, `zero`/`positive` unknown = −1).
    public let inertia: Inertia
    public let inertiaExact: Bool
    public let rank: Int
    public let symmetryNullity: Int
    /// Smallest eigenvalue of the quotient Hessian `M_⊥` (computed only when `λ_min ≥ −δ`).
    public let quotientLambdaMin: Double?
    public let classification: CriticalPointClass
    /// The proven optimum `f*` where there is one (docs/formulas.md §3, §10).
    public let optimalLoss: Double?
    /// Lowest eigenpairs requested, plus the negative-curvature direction at a saddle.
    public let lowest: [EigenDirection]
    /// `max ‖V ᵀV − I‖` over the returned eigenvectors (orthogonality check).
    public let orthogonalityError: Double
    public let method: HessianMethod
    public let hessianSize: Int
    /// Hessian-vector products used (Lanczos), nil for the direct methods.
    public let hessianVectorProducts: Int?
    /// Largest within-class feature spread (reduced method).
    public let collapseDeviation: Double?
    /// What the method could and could not establish.
    public let notes: [String]
    /// Why `--method auto` picked `method` (its cost estimates); nil for a method asked for by name.
    public var methodReason: String? = nil
    /// Lanczos only: whether an exact count found no eigenvalue below `λ_min` (nil: not checked).
    var lanczosLambdaMinCertified: Bool? = nil
    /// Lanczos only, at a minimizer: what exact counts prove about `λ_min(M_⊥)` (`100δ` when
    /// no eigenvalue lies in `(δ, 100δ]`, else `δ`), since the value itself is not computed.
    public var quotientLambdaMinLowerBound: Double? = nil
    /// Unrestarted Lanczos from a random tangent start, where no exact count fits: a lower bound
    /// on λ_min that holds with probability `1 − lambdaMinBoundFailureProbability` over the start
    /// vector (Kuczyński–Woźniakowski; docs/formulas.md §5). Not a proof.
    public var lambdaMinProbabilisticLowerBound: Double? = nil
    public var lambdaMinBoundFailureProbability: Double? = nil
    /// Lanczos with structured inertia: the counts at `±δ`, also when too close to call (nil
    /// for the complete methods, and where the counts were over their flop budget).
    public var structuredCounts: StructuredCounts? = nil
    /// Lanczos: the precision its Hessian-vector products ran in (nil for the complete methods).
    public var productPrecision: ProductPrecision? = nil
    /// Single-precision products: ten times the measured `‖A_single v − A_double v‖/‖v‖`, added to
    /// λ_min's residual and subtracted from its probabilistic lower bound (nil in double).
    public var singlePrecisionErrorEstimate: Double? = nil

    /// Whether `λ_min` is proven to be the smallest eigenvalue: always for the complete spectra
    /// (`dense`, `reduced`); for Lanczos when structured inertia counted none below it.
    public var lambdaMinCertified: Bool? { eigenvaluesComplete ? true : lanczosLambdaMinCertified }

    /// Number of negative eigenvalues (the Morse index where the point is nondegenerate).
    public var index: Int { inertia.negative }
    /// Zero eigenvalues beyond the `ν` the symmetry forces (nil when the inertia is not exact, or
    /// at a non-critical point, where the orbit directions are not zero eigenvalues and the
    /// difference would mean nothing — it came out −10 at a random point).
    public var extraZeroEigenvalues: Int? {
        inertiaExact && classification != .notCritical ? inertia.zero - symmetryNullity : nil
    }
    /// Whether the label came from the loss meeting a proven bound rather than from an eigenvalue.
    public var decidedByValue: Bool {
        classification == .globalMinimizer && (lossBound?.isMet(by: loss) ?? false) && !(quotientLambdaMin.map { $0 > delta } ?? false)
            && (extraZeroEigenvalues ?? 1) > 0
    }
    /// A global minimizer with flat directions beyond the symmetry: part of a continuum of minima.
    public var nonIsolated: Bool { classification == .globalMinimizer && (extraZeroEigenvalues ?? 0) > 0 }
    /// `|λ_decisive| / δ`: how far the eigenvalue that decided the class sits from the zero
    /// threshold (`λ_min` at a saddle, `λ_min(M_⊥)` at a minimizer or degenerate point); nil when
    /// the class was decided by the loss value.
    public var classificationMargin: Double? {
        decidedByValue ? nil
            // A count-based lower bound k·δ is a margin of exactly k (dividing k·δ by δ can round below k).
            : (quotientLambdaMin == nil && lambdaMin >= -delta ? quotientLambdaMinLowerBound.map { ($0 / delta).rounded() } : nil)
                ?? ClassificationRule.margin(lambdaMin: lambdaMin, quotientLambdaMin: quotientLambdaMin, delta: delta)
    }
    public var negativeCurvatureDirection: Matrix? {
        classification == .strictSaddle ? lowest.first?.direction : nil
    }

    /// Eigenvalues within `multiplicityRelativeTolerance · |λ_min|` of `λ_min` count as copies of
    /// it (rounding separates exact copies by ~1e−15 ‖M‖; distinct eigenvalues of the special
    /// points differ far more).
    public static let multiplicityRelativeTolerance = 1e-6

    /// Multiplicity of `λ_min` (nil for Lanczos, which cannot count copies): the size of the
    /// first of `eigenvalueClusters`, so that it always agrees with the "(×n)" the reports print
    /// next to it (a tolerance of `1e−6 |λ_min|` alone said 1 next to "(×99)" when `λ_min` was a
    /// rounding-level zero).
    public var lambdaMinMultiplicity: Int? {
        guard eigenvaluesComplete else { return nil }
        return eigenvalueClusters.first?.multiplicity ?? 0
    }

    /// An orthonormal basis of the `λ_min` eigenspace at a saddle (complete methods return all of
    /// it; Lanczos its first vector), for basis-independent statements about the direction.
    public var negativeCurvatureEigenspace: [Matrix] {
        guard classification == .strictSaddle else { return [] }
        return lowest.prefix(lambdaMinMultiplicity ?? 1).map(\.direction)
    }

    /// Distinct eigenvalues with their multiplicities (complete spectra), ascending: consecutive
    /// eigenvalues within `multiplicityRelativeTolerance · max(|λ|, 1e−8 ‖M‖)` are one cluster.
    public var eigenvalueClusters: [EigenvalueCluster] {
        guard eigenvaluesComplete else { return [] }
        var out: [EigenvalueCluster] = []
        let floor = ClassificationRule.zeroRelativeThreshold * spectralNorm
        for v in eigenvalues {
            if let last = out.last, abs(v - last.value) <= Self.multiplicityRelativeTolerance * max(abs(last.value), floor) {
                out[out.count - 1].multiplicity += 1
            } else {
                out.append(EigenvalueCluster(value: v, multiplicity: 1))
            }
        }
        return out
    }
}

/// The two structured counts at `±δ` (Lanczos with structured inertia), with their rounding
/// estimate: eigenvalues farther than `roundingEstimate` from `±δ` are counted right (Weyl), and
/// the counts are taken as the inertia only when it is at most `0.1δ` (`resolved`).
public struct StructuredCounts: Codable, Sendable, Equatable {
    public var belowMinusDelta: Int
    public var belowPlusDelta: Int
    /// The larger of the two counts' `η`.
    public var roundingEstimate: Double
    public var resolved: Bool

    public init(belowMinusDelta: Int, belowPlusDelta: Int, roundingEstimate: Double, resolved: Bool) {
        self.belowMinusDelta = belowMinusDelta; self.belowPlusDelta = belowPlusDelta
        self.roundingEstimate = roundingEstimate; self.resolved = resolved
    }

    /// The counts at `−δ` and `+δ`, resolved when the larger rounding estimate is at most
    /// `StructuredInertia.resolvedFraction · δ`.
    public init(minus: StructuredInertia.Count, plus: StructuredInertia.Count, delta: Double) {
        let uncertainty = max(minus.uncertainty, plus.uncertainty)
        self.init(belowMinusDelta: minus.below, belowPlusDelta: plus.below, roundingEstimate: uncertainty,
                  resolved: uncertainty <= StructuredInertia.resolvedFraction * delta)
    }

    /// The inertia of `M` (`|λ| ≤ δ` counted as zero) when resolved; nil when the counts are only
    /// what rounding left (eigenvalues within `roundingEstimate` of `±δ` may be on the wrong side).
    public func inertia(size m: Int) -> Inertia? {
        resolved ? Inertia(negative: belowMinusDelta, zero: belowPlusDelta - belowMinusDelta, positive: m - belowPlusDelta) : nil
    }
}

/// A distinct eigenvalue and how many times it occurs.
public struct EigenvalueCluster: Codable, Sendable, Equatable {
    public var value: Double
    public var multiplicity: Int
}

/// The analysis layer: consumes the model's Hessian and produces a `PointAnalysis`.
public enum LandscapeAnalyzer {
    public static func checkDenseFits<P: FeatureObjective>(_ model: P, budget: Double) throws {
        let need = model.denseHessianBytes
        if need > budget {
            throw InputError("the dense Hessian (m = \(model.hessianSize)) needs \(MemoryBudget.readable(need)), over the \(MemoryBudget.readable(budget)) memory budget; use --method lanczos (or reduced at a collapsed point), or raise --memory-budget")
        }
    }

    /// The method `auto` picks for this point.
    public static func resolve(_ method: HessianMethod, model: NormalizedFeatureModel, point x: Matrix, options: AnalysisOptions) -> HessianMethod {
        choose(method, model: model, point: x, options: options).method
    }

    /// Sustained rate the cost estimates are converted to seconds with (dgemm-bound LAPACK and
    /// BLAS on the 2-core machines measured: 5·10¹⁰ flop/s; only the ratio decides).
    public static let flopsPerSecond = 5e10
    /// Dense is always taken below this estimated cost (about a second): it gives every
    /// eigenvalue, multiplicities and the certificate, and Lanczos cannot be much faster there.
    public static let denseAlwaysBelowFlops = 5e10
    /// Hessian-vector products a Lanczos run is priced at (ARPACK to residual δ/10 typically
    /// needs 100–500 at the sizes measured, plus 30 for λ_max).
    public static let assumedLanczosProducts = 500.0

    /// Estimated flops of the dense route, dominated by the symmetric eigensolver and the
    /// quotient Hessian: `≈ 6 m³` (at m = 5428 this predicts 19 s at 5·10¹⁰ flop/s; 19.5 s was
    /// measured).
    public static func denseCostFlops(_ model: NormalizedFeatureModel) -> Double {
        let m = Double(model.hessianSize)
        return 6 * m * m * m
    }

    /// Estimated flops of the Lanczos route: `assumedLanczosProducts` Hessian-vector products
    /// (each `≈ 8 d K (K+N)`: logits, their softmax Jacobian and the two back-products), plus the
    /// four structured-inertia counts when they fit `--inertia-max-flops`.
    public static func lanczosCostFlops(_ model: NormalizedFeatureModel, options: AnalysisOptions) -> (flops: Double, exactInertia: Bool) {
        let product = 8 * Double(model.d) * Double(model.K) * Double(model.K + model.N)
        let counts = StructuredInertia.cost(model, shifts: 4)
        let exact = counts <= options.structuredInertiaMaxFlops && StructuredInertia.memory(model) <= options.memoryBudgetBytes
        return (assumedLanczosProducts * product + (exact ? counts : 0), exact)
    }

    /// The method for this point and, for `auto`, why: `reduced` at collapsed points; `dense`
    /// when it fits the memory budget and `--method dense`'s size cap and either costs under
    /// `denseAlwaysBelowFlops` or is estimated cheaper than Lanczos, or when Lanczos could not
    /// count the inertia exactly; else `lanczos`. At m = 5428 (K = 10, d = 5, N = 1347) dense
    /// took 19.5 s and Lanczos 0.16 s: the estimates are 9.6·10¹¹ against 3·10⁸ flops.
    public static func choose(_ method: HessianMethod, model: NormalizedFeatureModel, point x: Matrix,
                              options: AnalysisOptions) -> (method: HessianMethod, reason: String?) {
        guard method == .auto else { return (method, nil) }
        if ReducedSpectrum.collapseDeviation(model: model, point: x) <= ReducedSpectrum.collapseTolerance {
            return (.reduced, "the point is collapsed: the symmetry-reduced spectrum is exact at a cost independent of N")
        }
        let m = model.hessianSize
        let dense = denseCostFlops(model)
        let (lanczos, exact) = lanczosCostFlops(model, options: options)
        func secs(_ f: Double) -> String { String(format: "%.2g s", f / flopsPerSecond) }
        let estimate = String(format: "estimated cost dense %.1e flops (≈ %@), Lanczos %.1e flops (≈ %@, %@)", dense, secs(dense), lanczos, secs(lanczos),
                              exact ? "with exact structured inertia" : "index only a lower bound: structured inertia over --inertia-max-flops")
        let denseFits = m <= options.denseMaxSize && model.denseHessianBytes <= options.memoryBudgetBytes
        if denseFits && (dense <= denseAlwaysBelowFlops || dense <= lanczos || !exact) {
            let why = dense <= denseAlwaysBelowFlops ? "dense is cheap here and gives every eigenvalue"
                : dense <= lanczos ? "dense is estimated cheaper" : "Lanczos could not count the inertia exactly"
            return (.dense, "auto chose dense at m = \(m): \(why); \(estimate)")
        }
        let why = denseFits ? "Lanczos is estimated cheaper" : (m > options.denseMaxSize ? "m is over the dense size cap \(options.denseMaxSize)" : "the dense Hessian is over the memory budget")
        return (.lanczos, "auto chose lanczos at m = \(m): \(why); \(estimate)")
    }

    /// Analyzes `x` for any objective: the normalized model's structured methods where it offers
    /// them (`FeatureObjective.structured`), the dense Hessian from the objective otherwise.
    public static func analyze<P: FeatureObjective>(_ problem: P, at x: Matrix,
                                                    options: AnalysisOptions = AnalysisOptions()) throws -> PointAnalysis {
        if let t = options.lanczosTolerance { try Validate.positive(t, "--lanczos-tolerance") }
        try Validate.atLeast(options.eigenvectors, 0, "--eigenvectors")
        guard let model = problem.structured else {
            switch options.method {
            case .lanczos: return try analyzeQuotientLanczos(problem, at: x, options: options)
            case .auto, .dense:
                // auto: dense while it fits the memory budget (every eigenvalue, exact inertia),
                // Lanczos on the quotient beyond.
                if options.method == .auto, (try? checkDenseFits(problem, budget: options.memoryBudgetBytes)) == nil {
                    var a = try analyzeQuotientLanczos(problem, at: x, options: options)
                    a.methodReason = String(format: "the dense Hessian (m = %d, %.3g GB) is over the memory budget", problem.hessianSize, problem.denseHessianBytes / 1e9)
                    return a
                }
                return try analyzeDense(problem, at: x, options: options)
            default:
                throw InputError("--method \(options.method.rawValue) uses the normalized model's structure (collapsed-point reduction, structured inertia); this model is analysed with --method dense, lanczos or auto")
            }
        }
        let (method, reason) = choose(options.method, model: model, point: x, options: options)
        var a: PointAnalysis
        switch method {
        case .reduced: a = try analyzeReduced(model, at: x, options: options)
        case .lanczos: a = try analyzeLanczos(model, at: x, options: options)
        default: a = try analyzeDense(model, at: x, options: options)
        }
        a.methodReason = reason
        return a
    }

    /// Where an optimizer run ended, settled: Newton-polished, then classified (`not_critical`
    /// when polishing does not reach a critical point), with the polished point's loss.
    public static func settle<P: FeatureObjective>(_ model: P, endPoint x: Matrix, method: HessianMethod = .auto) throws
        -> (polished: PolishResult, classification: CriticalPointClass, loss: Double) {
        let polished = try NewtonPolisher.polish(model, from: x)
        let a = try analyze(model, at: polished.point, options: AnalysisOptions(method: method))
        return (polished, a.classification, a.loss)
    }

    /// Refuses a point where the loss is not twice differentiable (`SampleLoss.nonSmoothness`):
    /// its Hessian is undefined there, and the numbers a spectrum would compute from the
    /// formulas (infinite or rounding-dominated) must not become a classification.
    static func checkTwiceDifferentiable<P: FeatureObjective>(_ model: P, _ fo: FeatureFirstOrder) throws {
        guard let why = fo.notTwiceDifferentiable else { return }
        throw InputError.notTwiceDifferentiable(loss: model.problemDescription.lossName, reason: why)
    }

    /// Refuses a point whose curvature is below what doubles hold (docs/formulas.md §9).
    static func checkDoubleRange<P: FeatureObjective>(_ model: P, _ fo: FeatureFirstOrder) throws {
        guard fo.beyondDoubleRange else { return }
        let rate = fo.curvatureDecayRate
        let rateText = rate == 1 ? "" : String(format: " × the loss's decay rate %.4g", rate)
        throw InputError(String(format: "every sample's logits are saturated beyond double precision at this point (smallest gap between the top two logits %.4g", fo.smallestLogitGap)
                         + rateText
                         + String(format: " > %.0f, so the loss's curvature, of order e^-%.0f ≈ 2e-283 or less, vanishes in floating point); second-order analysis needs a smaller τ (at the neural-collapse point the gap is τK/(K−1) = %.4g)",
                                  NumericRange.maximumLogitGap, NumericRange.maximumLogitGap, model.saturationMarginHint ?? .nan))
    }

    /// The label from the shared rule, given what a spectrum method established.
    static func classify<P: FeatureObjective>(_ model: P, _ fo: FeatureFirstOrder, gradientNorm: Double,
                         spectralNorm: Double, curvature: CurvatureEvidence, options: AnalysisOptions) -> CriticalPointClass {
        let critical = ClassificationRule.isCritical(gradientNorm: gradientNorm, spectralNorm: spectralNorm, gradientScale: fo.gradientScale)
        return ClassificationRule.classify(critical: critical, curvature: curvature, loss: fo.loss, bound: model.lossBound,
                                           reference: reference(model, options))
    }

    static func reference<P: FeatureObjective>(_ model: P, _ options: AnalysisOptions) -> Double? {
        model.optimalLoss ?? options.bestKnownLoss
    }

    /// Unit directions with their residuals `‖Hess v − λ v‖` from the full model's
    /// Hessian-vector product (an independent check of every method), and orthogonality.
    static func certify<P: FeatureObjective>(_ model: P, at x: Matrix, firstOrder fo: FeatureFirstOrder,
                        pairs: [(value: Double, direction: Matrix)]) -> ([EigenDirection], Double) {
        var out: [EigenDirection] = []
        for (lam, v0) in pairs {
            let v = (1 / v0.frobeniusNorm) * v0
            let hv = model.riemannianHessianVectorProduct(at: x, firstOrder: fo, direction: v)
            out.append(EigenDirection(value: lam, direction: v, residual: (hv - lam * v).frobeniusNorm))
        }
        var orth = 0.0
        for i in out.indices { for j in out.indices {
            orth = max(orth, abs(Vector.dot(out[i].direction.storage, out[j].direction.storage) - (i == j ? 1 : 0)))
        } }
        return (out, orth)
    }

    static func analyzeDense<P: FeatureObjective>(_ model: P, at x: Matrix, options: AnalysisOptions) throws -> PointAnalysis {
        try checkDenseFits(model, budget: options.memoryBudgetBytes)
        let fo = model.firstOrder(at: x)
        try checkTwiceDifferentiable(model, fo)
        try checkDoubleRange(model, fo)
        let gradNorm = model.manifold.euclideanToRiemannianGradient(x, fo.euclideanGradient).frobeniusNorm
        let hess = model.denseHessian(at: x, firstOrder: fo)
        var work = hess.matrix
        let values = try LAPACK.eigenvalues(destroying: &work)
        let spectralNorm = max(abs(values.first ?? 0), abs(values.last ?? 0))
        let delta = ClassificationRule.zeroThreshold(spectralNorm: spectralNorm)
        let inertia = Inertia(eigenvalues: values, tolerance: delta)
        let symmetry = try model.symmetry(at: x, basis: hess.basis)

        let isSaddleCandidate = (values.first ?? 0) < -delta
        var quotientMin: Double? = nil
        if !isSaddleCandidate {
            var q = try symmetry.quotientHessian(hess.matrix)
            quotientMin = q.rows > 0 ? try LAPACK.eigen(destroying: &q, indices: 0 ..< 1).values[0] : .infinity
        }
        let cls = classify(model, fo, gradientNorm: gradNorm, spectralNorm: spectralNorm,
                           curvature: CurvatureEvidence(negativeCurvature: isSaddleCandidate, quotientPositive: quotientMin.map { $0 > delta }),
                           options: options)
        // At a saddle the whole λ_min eigenspace, so that what is said about "the" direction does
        // not depend on the basis LAPACK happens to return.
        let saddleSpace = cls == .strictSaddle ? clusterSize(values, spectralNorm: spectralNorm) : 0
        let wanted = min(max(options.eigenvectors, saddleSpace, lowestCluster(values, options)), model.hessianSize)
        var lowest: [EigenDirection] = []
        var orthErr = 0.0
        if wanted > 0 {
            var w2 = hess.matrix
            let eig = try LAPACK.eigen(destroying: &w2, indices: 0 ..< wanted)
            let vecs = eig.vectors!
            let mv = BLAS.product(.n, hess.matrix, .n, vecs)
            orthErr = Matrix.maxAbsDifference(BLAS.product(.t, vecs, .n, vecs), .identity(wanted))
            for i in 0 ..< wanted {
                var r = mv.column(i)
                Vector.axpy(-eig.values[i], vecs.column(i), &r)
                lowest.append(EigenDirection(value: eig.values[i], direction: hess.basis.vector(from: vecs.column(i)),
                                             residual: Vector.norm(r)))
            }
        }
        return PointAnalysis(loss: fo.loss, riemannianGradientNorm: gradNorm, gradientScale: fo.gradientScale, lossBound: model.lossBound,
                             eigenvalues: values, eigenvaluesComplete: true,
                             lambdaMin: values.first ?? .nan, lambdaMax: values.last ?? .nan, delta: delta,
                             inertia: inertia, inertiaExact: true, rank: symmetry.rank, symmetryNullity: symmetry.nullity,
                             quotientLambdaMin: quotientMin, classification: cls, optimalLoss: model.optimalLoss,
                             lowest: lowest, orthogonalityError: orthErr, method: .dense,
                             hessianSize: model.hessianSize, hessianVectorProducts: nil, collapseDeviation: nil, notes: [])
    }

    /// The smallest Ritz pairs with residual `≤ lanczosResidualTarget · ‖M‖` when no tolerance is
    /// fixed: ARPACK's test is relative to each Ritz value, and the caller shifts the operator by
    /// `2‖M‖` so that relative means relative to `‖M‖` (see `Lanczos.eigenpairs`).
    static func smallestEigenpairs(fixedTolerance: Double?, start: [Double],
                                   run: (Double, [Double]) throws -> Lanczos.Result) throws -> (result: Lanczos.Result, products: Int) {
        let r = try run(fixedTolerance ?? AnalysisOptions.lanczosResidualTarget, start)
        return (r, r.matrixVectorProducts)
    }

    /// The Ritz pairs that belong to the Riemannian Hessian. The ambient operator commutes with
    /// the tangent projection `P`, so `P v` of an eigenvector is a tangent eigenvector with the same
    /// eigenvalue or zero (a normal direction, eigenvalue σ); mostly-normal vectors are dropped and
    /// the rest projected and renormalized.
    static func tangentPairs(_ r: Lanczos.Result, model: NormalizedFeatureModel, at x: Matrix) -> Lanczos.Result {
        var values: [Double] = [], vectors: [[Double]] = [], residuals: [Double] = []
        for i in r.values.indices {
            let pv = model.manifold.project(x, Matrix(rows: model.d, cols: model.K + model.N, columnMajor: r.vectors[i]))
            let norm = pv.frobeniusNorm
            guard norm >= 0.5 else { continue }
            values.append(r.values[i]); vectors.append((1 / norm * pv).storage); residuals.append(r.residuals[i])
        }
        return Lanczos.Result(values: values, vectors: vectors, residuals: residuals,
                              matrixVectorProducts: r.matrixVectorProducts, restarts: r.restarts)
    }

    /// How many eigenvalues (ascending) equal the first up to `PointAnalysis.multiplicityRelativeTolerance`.
    static func clusterSize(_ ascending: [Double], spectralNorm: Double) -> Int {
        guard let first = ascending.first else { return 0 }
        let tol = clusterTolerance(PointAnalysis.multiplicityRelativeTolerance, lambdaMin: first, spectralNorm: spectralNorm)
        return ascending.prefix { $0 <= first + tol }.count
    }

    /// Size of the `λ_min` cluster `options.lowestClusterRelativeTolerance` asks for (0 when off).
    static func lowestCluster(_ ascending: [Double], _ options: AnalysisOptions) -> Int {
        guard let r = options.lowestClusterRelativeTolerance, let first = ascending.first, let last = ascending.last else { return 0 }
        let tol = clusterTolerance(r, lambdaMin: first, spectralNorm: max(abs(first), abs(last)))
        return ascending.prefix { $0 <= first + tol }.count
    }

    /// Eigenvalues within this distance of `λ_min` belong to its cluster: `r |λ_min|`, or
    /// `r ‖M‖` when `λ_min = 0` (scale-free either way).
    public static func clusterTolerance(_ r: Double, lambdaMin: Double, spectralNorm: Double) -> Double {
        r * (lambdaMin != 0 ? abs(lambdaMin) : spectralNorm)
    }

    static func rankOf(_ x: Matrix) throws -> Int {
        SymmetryAnalysis.numericalRank(singularValues: try LAPACK.singularValues(x))
    }

    static func analyzeReduced(_ model: NormalizedFeatureModel, at x: Matrix, options: AnalysisOptions) throws -> PointAnalysis {
        let fo = model.firstOrder(at: x)
        try checkTwiceDifferentiable(model, fo)
        try checkDoubleRange(model, fo)
        let gradNorm = model.manifold.euclideanToRiemannianGradient(x, fo.euclideanGradient).frobeniusNorm
        let rs = try ReducedSpectrum(model: model, point: x)
        let values = rs.eigenvalues
        let spectralNorm = max(abs(values.first ?? 0), abs(values.last ?? 0))
        let delta = ClassificationRule.zeroThreshold(spectralNorm: spectralNorm)
        let rank = try rankOf(x)
        var quotientMin: Double? = nil
        let isSaddleCandidate = (values.first ?? 0) < -delta
        if !isSaddleCandidate { quotientMin = try rs.quotientLambdaMin() }
        let cls = classify(model, fo, gradientNorm: gradNorm, spectralNorm: spectralNorm,
                           curvature: CurvatureEvidence(negativeCurvature: isSaddleCandidate, quotientPositive: quotientMin.map { $0 > delta }),
                           options: options)
        // At a saddle the whole λ_min eigenspace, so that what is said about "the" direction does
        // not depend on the basis LAPACK happens to return.
        let saddleSpace = cls == .strictSaddle ? clusterSize(values, spectralNorm: spectralNorm) : 0
        let wanted = min(max(options.eigenvectors, saddleSpace, lowestCluster(values, options)), model.hessianSize)
        let (lowest, orth) = certify(model, at: x, firstOrder: fo, pairs: wanted > 0 ? rs.lowestEigenpairs(model: model, point: x, count: wanted) : [])
        return PointAnalysis(loss: fo.loss, riemannianGradientNorm: gradNorm, gradientScale: fo.gradientScale, lossBound: model.lossBound,
                             eigenvalues: values, eigenvaluesComplete: true,
                             lambdaMin: values.first ?? .nan, lambdaMax: values.last ?? .nan, delta: delta,
                             inertia: Inertia(eigenvalues: values, tolerance: delta), inertiaExact: true, rank: rank,
                             symmetryNullity: SymmetryAnalysis.nullity(d: model.d, rank: rank), quotientLambdaMin: quotientMin,
                             classification: cls, optimalLoss: model.optimalLoss, lowest: lowest, orthogonalityError: orth,
                             method: .reduced, hessianSize: model.hessianSize, hessianVectorProducts: nil,
                             collapseDeviation: rs.collapseDeviation,
                             notes: ["exact spectrum from a \(rs.r.rows)×\(rs.r.rows) reduced matrix and \(model.K) class blocks of size \(model.d - 1)"])
    }

    /// Whether the matrix-free runs use single-precision products (docs/formulas.md §12): only at
    /// a point proven not critical whatever its spectrum (`‖grad f‖ > max(ρ(C₂ + C₁), κγ)`, with
    /// `C₂ + C₁ ≥ ‖Hess f‖₂` everywhere), where λ_min is reported and decides nothing; and only
    /// on the unrestarted recurrence (no exact count to feed, no eigenvector to return).
    static func usesSinglePrecision(_ model: NormalizedFeatureModel, gradientNorm: Double, gradientScale: Double,
                                    recurrence: Bool, options: AnalysisOptions) throws -> Bool {
        if options.productPrecision == .double { return false }
        let proven: Bool
        if DerivativeBounds.unsupportedReason(model) == nil {
            let bound = DerivativeBounds(model: model).hessianNormBound
            // A factor 2 covers the gradient norm's own rounding with room to spare.
            proven = gradientNorm > 2 * max(ClassificationRule.criticalRadius * bound, ClassificationRule.roundingFactor * gradientScale)
        } else { proven = false }
        if options.productPrecision == .single {
            guard proven, recurrence else {
                throw InputError("--product-precision single: only where the point is proven not critical (‖grad‖ above what any Hessian allowed by the loss's derivative bounds makes critical), for losses with derivative bounds (cross-entropy, CosFace, focal), and with the unrestarted λ_min recurrence (no structured inertia, --eigenvectors ≤ 1, no --lanczos-tolerance)")
            }
            return true
        }
        return proven && recurrence && model.hessianSize >= AnalysisOptions.singlePrecisionMinimumSize
    }

    /// `max ‖A_single v − A_double v‖/‖v‖` over `probes` random tangent vectors: what single
    /// precision changes in a product, measured (an estimate of the operator error, not a bound).
    static func singlePrecisionDiscrepancy(_ model: NormalizedFeatureModel, at x: Matrix, firstOrder fo: NormalizedFeatureModel.FirstOrder,
                                           single: SinglePrecisionHessianOperator, probes: Int, rng: inout SeededGenerator) -> Double {
        let reference = TangentHessianOperator(model: model, at: x, firstOrder: fo, normalShift: single.normalShift)
        let n = reference.dimension
        var worst = 0.0
        var yd = [Double](repeating: 0, count: n), ys = yd
        for _ in 0 ..< probes {
            let v = model.manifold.project(x, Matrix(rows: model.d, cols: model.K + model.N, columnMajor: rng.normals(n))).storage
            reference.apply(v, into: &yd)
            single.apply(v, into: &ys)
            var diff = 0.0
            for i in 0 ..< n { let t = ys[i] - yd[i]; diff += t * t }
            var vv = 0.0
            for i in 0 ..< n { vv += v[i] * v[i] }
            worst = max(worst, diff.squareRoot() / vv.squareRoot())
        }
        return worst
    }

    static func analyzeLanczos(_ model: NormalizedFeatureModel, at x: Matrix, options: AnalysisOptions) throws -> PointAnalysis {
        let man = model.manifold
        // The basis is the largest allocation (at K = 100, d = 512, N = 5·10⁴ each vector is
        // 205 MB): 30 vectors where they fit the budget, fewer (down to 2·nev + 8) where not.
        let minimalBasis = 2 * max(options.eigenvectors, 1) + 8
        try MemoryBudget.check(MemoryEstimate.lanczos(K: model.K, d: model.d, N: model.N, ncv: minimalBasis),
                               for: "Lanczos at K = \(model.K), d = \(model.d), N = \(model.N)")
        let perVector = 8 * Double(model.d) * Double(model.K + model.N)
        let spare = MemoryBudget.current - MemoryEstimate.lanczos(K: model.K, d: model.d, N: model.N, ncv: 0)
        let basisCap = max(minimalBasis, min(Int(spare / perVector) - 4, 1_000_000))
        let fo = model.firstOrder(at: x)
        try checkTwiceDifferentiable(model, fo)
        try checkDoubleRange(model, fo)
        let gradNorm = man.euclideanToRiemannianGradient(x, fo.euclideanGradient).frobeniusNorm
        let n = model.d * (model.K + model.N)
        // Lanczos runs in ambient coordinates: the operator is P Hess P on the tangent space and
        // σ·I on the normal directions, with σ just above λ_max so those K+N extra eigenvalues sit
        // at the top of the spectrum and neither pollute λ_min nor widen the spectral interval.
        // Structured inertia is priced first: where it is affordable the runs feed exact counts,
        // which need double-precision products.
        let countCost = StructuredInertia.cost(model, shifts: 4)
        let affordable = countCost <= options.structuredInertiaMaxFlops
            && StructuredInertia.memory(model) <= MemoryBudget.current
        let recurrence = !affordable && options.eigenvectors <= 1 && options.lanczosTolerance == nil
        let single = try usesSinglePrecision(model, gradientNorm: gradNorm, gradientScale: fo.gradientScale, recurrence: recurrence, options: options)
        let singleOp = single ? SinglePrecisionHessianOperator(model: model, at: x, firstOrder: fo) : nil
        let op: any AmbientHessianOperator = singleOp ?? TangentHessianOperator(model: model, at: x, firstOrder: fo)
        let apply: ([Double], inout [Double]) -> Void = { v, y in op.apply(v, into: &y) }
        var rng = SeededGenerator(seed: options.seed)
        /// `Lanczos <stage>: k Hessian-vector products` and `detail` every tenth product.
        func progressLine(_ stage: String, _ k: Int, detail: () -> String = { "" }) {
            guard let p = options.progress, k % 10 == 0 else { return }
            p("Lanczos \(stage): \(k) Hessian-vector products" + detail())
        }
        func report(_ stage: String) -> ((Int) -> Void)? {
            options.progress.map { _ in { k in progressLine(stage, k) } }
        }
        // λ_max from 30 steps of the plain recurrence (three vectors, no restarts) from a tangent
        // start: the largest Ritz value converges first, and ghosts from lost orthogonality do
        // not move it. 30 products against ~100 for ARPACK at tolerance 1e-3 (measured at
        // K = 100, d = 128, n = 100), and no basis to store at N = 5·10⁴.
        let topStart = man.project(x, Matrix(rows: model.d, cols: model.K + model.N, columnMajor: rng.normals(n))).storage
        let topRun = try LanczosTridiagonal.run(start: topStart, steps: min(30, model.hessianSize), reorthogonalize: false, apply: apply)
        let topRitz = try LanczosTridiagonal.ritz(topRun)
        let lambdaMax = topRitz.values.last ?? 0
        let top = (residuals: [topRitz.residuals.last ?? 0], matrixVectorProducts: topRun.products)
        report("λ_max")?(topRun.products)
        // Normal directions just above the top Ritz value (at most λ_max, and within its residual
        // bound of an eigenvalue): they never sit among the smallest, even when all curvature
        // is ≤ 0.
        // (The last term only separates them from an all-zero spectrum; it is far below any δ.)
        op.normalShift = lambdaMax + 2e-3 * abs(lambdaMax) + 10 * (top.residuals.first ?? 0) + Double.leastNormalMagnitude
        // Only the pairs asked for (at least λ_min with its vector): at saddles λ_min is often
        // multiple, and asking for a second copy of it makes ARPACK wait for rounding errors to
        // reveal it (measured at K=100, d=128, n=100: 781 products for two, 422 for one).
        // At most m pairs exist on the tangent space; the ambient operator has K+N more (σ).
        var nev = min(max(options.eigenvectors, 1), model.hessianSize, n - 1)
        // ARPACK's test is relative to each Ritz value; shifted by 2‖M‖ it becomes the absolute
        // residual ≲ 1e-9‖M‖ we need, also at the (often multiple) zero eigenvalues of minimizers.
        // ‖M‖ ≥ max(|λ_max|, the normal shift's size); the probe inside the wrapper would be a
        // lower bound too, so the larger known value is used.
        let absoluteShift = 2 * max(abs(lambdaMax), abs(op.normalShift))
        // The counts at −δ, +δ, λ_min − ε and 100δ (below), priced before the run.
        let blocks = affordable ? HessianBlocks(model: model, point: x, firstOrder: fo) : nil
        let rank = try rankOf(x)
        let nu = SymmetryAnalysis.nullity(d: model.d, rank: rank)
        var notes: [String] = []
        var low = Lanczos.Result(values: [], vectors: [], residuals: [], matrixVectorProducts: 0, restarts: 0)
        var products = top.matrixVectorProducts
        // Single precision: what it changes in a product, measured on two random tangent vectors
        // against the double operator (its workspaces and three vectors fit in the ten-vector
        // basis the memory check above reserved, which the recurrence does not use). The λ_min
        // numbers are widened by ten times it (an estimate: a random vector sees the operator
        // error's Frobenius average, not its norm).
        var singleError = 0.0
        if let singleOp {
            var probes = SeededGenerator(seed: options.seed &+ 0x5151)
            singleError = 10 * singlePrecisionDiscrepancy(model, at: x, firstOrder: fo, single: singleOp, probes: 2, rng: &probes)
            products += 2
        }
        var lambdaMin = Double.nan, r0 = Double.infinity, delta = 0.0, margin = 0.0
        var counts: [StructuredInertia.Count]? = nil
        var retries = 0
        // Where no exact count can check it (structured inertia unaffordable), λ_min comes from the
        // unrestarted recurrence: three vectors instead of ARPACK's basis (30 × 205 MB at the
        // CIFAR-100 size, read twice per step to reorthogonalize), and the whole Krylov space of
        // its products instead of a restarted one. Its vector is rebuilt from the Lanczos vectors,
        // kept where at least 200 fit the memory budget (at m = 1.3·10⁶: 10 MB each), else by a
        // second pass, paid only when a vector is needed (a strict saddle, or --eigenvectors 1).
        let unrestarted = recurrence
        var ritzCoefficients: [Double] = []
        var keptBasis: [[Double]]? = nil
        var probabilisticBound: Double? = nil
        let lowStart = unrestarted ? man.project(x, Matrix(rows: model.d, cols: model.K + model.N, columnMajor: rng.normals(n))).storage : []
        if unrestarted {
            let upperTop = lambdaMax + (top.residuals.first ?? 0) + singleError
            // What the last check decided: the residual target it set, and whether the bracket held.
            var residualGoal = Double.infinity, bracketed = false
            let plain = try LanczosTridiagonal.smallest(
                start: lowStart, maxSteps: AnalysisOptions.unrestartedLanczosMaxSteps,
                target: { theta, steps in
                    // λ_min decides nothing at a point that is not critical, so there it is only
                    // reported: to residual 1e-6·‖M‖ instead of δ/10, once the random-start bound
                    // (probability ≥ 1 − 1e-6) places λ_min within 1% of θ. A small residual alone
                    // only says θ is near *some* eigenvalue: at a near-collapse point it was met
                    // after 20 steps by a Ritz value the bound could not separate from −0.01.
                    // "Not critical" must hold for any ‖M‖ that bound still allows.
                    let norm = max(abs(theta), abs(lambdaMax))
                    guard let gap = LanczosTridiagonal.randomStartGap(theta: theta, top: upperTop, dimension: model.hessianSize, steps: steps,
                                                                      failure: AnalysisOptions.probabilisticBoundFailure)
                    else { return AnalysisOptions.lanczosResidualTarget * norm }
                    let upperNorm = max(norm, abs(upperTop), abs(theta - gap))
                    let clearlyNotCritical = !ClassificationRule.isCritical(gradientNorm: gradNorm, spectralNorm: upperNorm,
                                                                           gradientScale: fo.gradientScale)
                    // Where it is not critical, λ_min is also located once the bound brackets it
                    // to a fixed fraction of the spectral spread, whatever the residual: at
                    // near-collapse points the bottom of the spectrum is a cluster whose spacing
                    // (1e-8‖M‖ and less) a residual of δ/10 must resolve — at K = 100, d = 128,
                    // n = 100 with 1e-2 feature noise, 660 products left the residual at 5e-9
                    // against a target of 2e-11 while θ had moved by 1e-4 relative since step
                    // 100. The bracket costs a number of steps fixed by m alone (≈ 360 at
                    // m = 2.56·10⁷) and is a guarantee, not a convergence heuristic.
                    let located = gap <= AnalysisOptions.nonCriticalRelativeGap * abs(theta)
                    residualGoal = (clearlyNotCritical && located ? AnalysisOptions.nonCriticalResidualTarget : AnalysisOptions.lanczosResidualTarget) * norm
                    bracketed = clearlyNotCritical && gap <= options.nonCriticalBracket * max(upperTop - theta, 0)
                    return bracketed ? .infinity : residualGoal
                },
                keepBasis: basisCap >= 200 ? min(basisCap, AnalysisOptions.unrestartedLanczosMaxSteps) : 0,
                apply: apply,
                progress: options.progress.map { _ in { k, theta, r, goal in
                    progressLine("λ_min", k) { String(format: ", θ = %.6g, residual %.1e (target %.1e)", theta, r, goal) }
                } })
            products += plain.products
            lambdaMin = plain.value
            r0 = plain.residual + singleError
            ritzCoefficients = plain.coefficients
            keptBasis = plain.basis
            delta = ClassificationRule.zeroThreshold(spectralNorm: max(abs(lambdaMin), abs(lambdaMax)))
            low = Lanczos.Result(values: [lambdaMin], vectors: [], residuals: [r0], matrixVectorProducts: plain.products, restarts: 0)
            // The start is an isotropic Gaussian projected on the tangent space, i.e. uniform on
            // the sphere of the m-dimensional space the Hessian acts on. The spread uses λ_max plus
            // its residual (an upper estimate) and solves b = ε(Λ − θ + b) for the bound's gap b.
            if let gap = LanczosTridiagonal.randomStartGap(theta: lambdaMin, top: upperTop, dimension: model.hessianSize,
                                                           steps: plain.products, failure: AnalysisOptions.probabilisticBoundFailure) {
                probabilisticBound = lambdaMin - gap - singleError
                notes.append(String(format: "no exact count fits: with probability ≥ 1 − %.0e over the random start, no eigenvalue lies below %.6g (λ_min − %.2e; Kuczyński–Woźniakowski, %d steps%@)",
                                    AnalysisOptions.probabilisticBoundFailure, lambdaMin - gap - singleError, gap + singleError, plain.products,
                                    single ? String(format: ", widened by the single-precision estimate %.1e", singleError) : ""))
            }
            if !plain.converged {
                notes.append(String(format: "unrestarted Lanczos stopped after %d steps with λ_min residual %.2e above its target", plain.products, r0))
            } else if bracketed && r0 > residualGoal {
                notes.append(String(format: "not critical: the λ_min run stopped once the random-start bound bracketed λ_min to %.0e of the spectral spread (λ_min residual %.2e; λ_min is reported, not used)",
                                    options.nonCriticalBracket, r0))
            }
        }
        while !unrestarted {
            // Retries get a wider basis (ARPACK needs room for shifts beyond the wanted pairs).
            let ncv = min(n, basisCap, max((retries == 0 ? 2 : 3) * nev + 10, 30))
            let search: (result: Lanczos.Result, products: Int)
            do {
                search = try smallestEigenpairs(fixedTolerance: options.lanczosTolerance, start: rng.normals(n)) { tol, start in
                    try Lanczos.eigenpairs(dimension: n, count: nev, which: .smallestAlgebraic, ncv: ncv, tolerance: tol, start: start,
                                           shift: absoluteShift, progress: report("λ_min"), applyInPlace: apply)
                }
            } catch where retries > 0 {
                notes.append("the rerun failed (\(error)); keeping the first result")
                break
            }
            products += search.products
            low = tangentPairs(search.result, model: model, at: x)
            guard !low.values.isEmpty else {
                throw LinearAlgebraError.computationFailed(routine: "dsaupd", info: 0,
                                                           meaning: "Lanczos returned no converged tangent eigenpair")
            }
            lambdaMin = low.values[0]
            r0 = low.residuals[0]
            delta = ClassificationRule.zeroThreshold(spectralNorm: max(abs(lambdaMin), abs(lambdaMax)))
            guard let blocks else { break }
            // Lanczos cannot tell whether its smallest Ritz value is the smallest eigenvalue (a
            // start vector poor in that eigenvector converges elsewhere); an exact count below
            // λ_min − ε can. ε exceeds the residual bound |λ − θ| ≤ ‖r‖ with room to spare.
            // A fourth count at 100δ bounds λ_min(M_⊥) at a minimizer (nothing new in (δ, 100δ]
            // means the label is not marginal). The four counts share one pass over the blocks.
            margin = max(10 * r0, 1e-10 * max(abs(lambdaMin), abs(lambdaMax)))
            let c = try StructuredInertia.countBelow([-delta, delta, lambdaMin - margin, ClassificationRule.marginalFactor * delta],
                                                     blocks: blocks,
                                                     progress: options.progress.map { p in { f in p(String(format: "structured inertia: %.0f%% of the samples", 100 * f)) } })
            counts = c
            // A highly multiple λ_min (28-fold at a label-smoothing continuum) can be lost with one
            // wanted pair: a ghost copy of it becomes an implicit-restart shift and filters its
            // eigenspace out. The count says how many were missed; ask again for that many more.
            let missed = c[2].below
            let cap = min(model.hessianSize, n - 1, 200)
            guard missed > 0, retries < 2, nev < cap else { break }
            notes.append(String(format: "Lanczos converged to %.6g with %d eigenvalue(s) below it (exact count); rerun asking for %d pairs",
                                lambdaMin, missed, min(nev + missed, cap)))
            nev = min(nev + missed, cap)
            retries += 1
        }
        notes.insert(String(format: "Lanczos (%@): λ_min residual %.2e, λ_max residual %.2e, %d Hessian-vector products",
                            unrestarted ? "unrestarted recurrence" : "ARPACK dsaupd", r0, top.residuals.first ?? .nan, products), at: 0)
        if single {
            notes.insert(String(format: "products in single precision (the point is proven not critical, so λ_min decides nothing): ten times the measured change of a product, %.1e (%.1e of λ_max), is added to λ_min's residual and bound; --product-precision double for double products",
                                singleError, singleError / max(abs(lambdaMax), .leastNormalMagnitude)), at: 1)
        }
        var inertia = Inertia(negative: low.values.filter { $0 < -delta }.count, zero: -1, positive: -1)
        var exact = false
        var certified: Bool? = nil
        var countBelowMarginal: Int? = nil
        var quotientLowerBound: Double? = nil
        var structuredCounts: StructuredCounts? = nil
        if let counts {
            // A count is exact for eigenvalues farther from its shift than its rounding estimate;
            // tiny feature pivots with strong coupling can make that comparable to δ.
            let atDelta = StructuredCounts(minus: counts[0], plus: counts[1], delta: delta)
            let uncertainty = atDelta.roundingEstimate
            structuredCounts = atDelta
            if atDelta.resolved {
                countBelowMarginal = counts[3].below
                inertia = StructuredInertia.inertia(below: counts[0], belowPlus: counts[1], size: model.hessianSize)
                exact = true
                notes.append(String(format: "exact inertia by Schur complement onto the classifier block (Haynsworth), counts at ±δ (rounding estimate %.1e = %.2g δ)",
                                    uncertainty, uncertainty / delta))
            } else {
                notes.append(String(format: "structured inertia not resolved at ±δ: %d eigenvalues counted below −δ and %d below +δ, but eigenvalues within %.1e (%.2g δ) of ±δ may be miscounted (smallest feature pivot %.1e); the index is a lower bound",
                                    counts[0].below, counts[1].below, uncertainty, uncertainty / delta, min(counts[0].smallestPivotGap, counts[1].smallestPivotGap)))
            }
            let missed = counts[2].below
            let reach = margin + counts[2].uncertainty
            certified = missed == 0
            notes.append(missed == 0
                ? String(format: "λ_min certified: no eigenvalue below λ_min − %.1e (structured inertia, rounding estimate included)", reach)
                : String(format: "WARNING: Lanczos missed %d eigenvalue(s) below λ_min − %.1e (structured inertia); λ_min is not the smallest", missed, margin))
        } else {
            notes.append(String(format: "structured inertia skipped (%.1e flops over the %.0e budget, --inertia-max-flops): the index is a lower bound", countCost, options.structuredInertiaMaxFlops))
        }
        // Nondegeneracy modulo symmetry from exact counts: no eigenvalue below −δ and exactly ν
        // in [−δ, δ] means M_⊥ > δ (the orbit directions are the kernel at a critical point).
        let negative = lambdaMin + r0 < -delta || (exact && inertia.negative > 0)
        let cls = classify(model, fo, gradientNorm: gradNorm, spectralNorm: max(abs(lambdaMin), abs(lambdaMax)),
                           curvature: CurvatureEvidence(negativeCurvature: negative, quotientPositive: exact ? inertia.zero == nu : nil),
                           options: options)
        if exact && !negative {
            if inertia.zero == nu {
                let belowPlus = inertia.negative + inertia.zero
                quotientLowerBound = countBelowMarginal == belowPlus ? ClassificationRule.marginalFactor * delta : delta
            }
            notes.append("minimizer test by exact counts: \(inertia.zero) eigenvalues in [−δ, δ], ν = \(nu)"
                         + (quotientLowerBound.map { String(format: "; λ_min(M_⊥) ≥ %.1e", $0) } ?? ""))
        } else if !exact && cls == .undetermined {
            notes.append("no negative curvature found by Lanczos, but without exact inertia the absence of negative eigenvalues is not proven")
        }
        let wanted = min(max(options.eigenvectors, cls == .strictSaddle ? 1 : 0), low.values.count)
        if unrestarted && wanted > 0 {
            // From the kept vectors where they fitted the memory budget, else by a second pass.
            let ritz = try keptBasis.map { (vector: try LanczosTridiagonal.ritzVector(basis: $0, coefficients: ritzCoefficients), products: 0) }
                ?? LanczosTridiagonal.ritzVector(start: lowStart, coefficients: ritzCoefficients, apply: apply)
            products += ritz.products
            low = Lanczos.Result(values: low.values, vectors: [ritz.vector], residuals: low.residuals,
                                 matrixVectorProducts: low.matrixVectorProducts + ritz.products, restarts: 0)
        }
        let pairs = (0 ..< wanted).map { (low.values[$0], Matrix(rows: model.d, cols: model.K + model.N, columnMajor: low.vectors[$0])) }
        let (lowest, orth) = certify(model, at: x, firstOrder: fo, pairs: pairs)
        var result = PointAnalysis(loss: fo.loss, riemannianGradientNorm: gradNorm, gradientScale: fo.gradientScale, lossBound: model.lossBound,
                             eigenvalues: low.values + [lambdaMax], eigenvaluesComplete: false,
                             lambdaMin: lambdaMin, lambdaMax: lambdaMax, delta: delta, inertia: inertia, inertiaExact: exact,
                             rank: rank, symmetryNullity: nu, quotientLambdaMin: nil, classification: cls,
                             optimalLoss: model.optimalLoss, lowest: lowest, orthogonalityError: orth,
                             method: .lanczos, hessianSize: model.hessianSize,
                             hessianVectorProducts: products, collapseDeviation: nil, notes: notes,
                             lanczosLambdaMinCertified: certified, quotientLambdaMinLowerBound: quotientLowerBound,
                             lambdaMinProbabilisticLowerBound: probabilisticBound,
                             lambdaMinBoundFailureProbability: probabilisticBound == nil ? nil : AnalysisOptions.probabilisticBoundFailure,
                             structuredCounts: structuredCounts)
        result.productPrecision = single ? .single : .double
        result.singlePrecisionErrorEstimate = single ? singleError : nil
        return result
    }
}

/// One of the largest eigenvalues of the Riemannian Hessian (`--top k`: `λ_max`, the
/// "sharpness" of PyHessian and hessian-eigenthings, and the next ones).
public struct TopEigenpair: Codable, Sendable, Equatable {
    public var eigenvalue: Double
    /// `‖M v − λ v‖` of its unit eigenvector, recomputed from the Hessian-vector product; null
    /// for the reduced method, whose complete spectrum comes without these eigenvectors.
    @NullEncodable public var residual: Double?
    public init(eigenvalue: Double, residual: Double?) { self.eigenvalue = eigenvalue; self.residual = residual }
}

extension LandscapeAnalyzer {
    /// The `count` largest eigenpairs, descending, by the method the analysis used: the
    /// complete spectrum's top values (reduced), a partial dense eigensolve with residuals
    /// (dense), or ARPACK on the largest algebraic eigenvalues (Lanczos), run on
    /// `P Hess P + σ(I − P)` with `σ` below the spectrum so the `K+N` normal directions, which
    /// the smallest-end operator puts at the top, stay out of the way.
    public static func topEigenpairs(_ model: NormalizedFeatureModel, at x: Matrix, count: Int, analysis a: PointAnalysis,
                                     seed: UInt64 = 0) throws -> [TopEigenpair] {
        let m = model.hessianSize
        let k = min(count, m)
        guard k > 0 else { return [] }
        switch a.method {
        case .reduced:
            return a.eigenvalues.suffix(k).reversed().map { TopEigenpair(eigenvalue: $0, residual: nil) }
        case .lanczos:
            let fo = model.firstOrder(at: x)
            let n = model.d * (model.K + model.N)
            let below = -2 * max(abs(a.lambdaMin), abs(a.lambdaMax), 1e-300)
            let op = TangentHessianOperator(model: model, at: x, firstOrder: fo, normalShift: below)
            var rng = SeededGenerator(seed: seed).derived(1)
            let nev = min(k, n - 1)
            let r = try Lanczos.eigenpairs(dimension: n, count: nev, which: .largestAlgebraic, ncv: min(n, max(2 * nev + 10, 30)),
                                           tolerance: AnalysisOptions.lanczosResidualTarget, start: rng.normals(n)) { v, y in op.apply(v, into: &y) }
            let tangent = tangentPairs(r, model: model, at: x)
            let pairs = tangent.values.indices.map { (tangent.values[$0], Matrix(rows: model.d, cols: model.K + model.N, columnMajor: tangent.vectors[$0])) }
            let (dirs, _) = certify(model, at: x, firstOrder: fo, pairs: pairs)
            return dirs.sorted { $0.value > $1.value }.prefix(k).map { TopEigenpair(eigenvalue: $0.value, residual: $0.residual) }
        default:
            try checkDenseFits(model, budget: MemoryBudget.current)
            let fo = model.firstOrder(at: x)
            let hess = model.denseRiemannianHessian(at: x, firstOrder: fo)
            var work = hess.matrix
            let eig = try LAPACK.eigen(destroying: &work, indices: (m - k) ..< m)
            let vecs = eig.vectors!
            let mv = BLAS.product(.n, hess.matrix, .n, vecs)
            return (0 ..< k).reversed().map { i in
                var r = mv.column(i)
                Vector.axpy(-eig.values[i], vecs.column(i), &r)
                return TopEigenpair(eigenvalue: eig.values[i], residual: Vector.norm(r))
            }
        }
    }
}
