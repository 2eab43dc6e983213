import Foundation

/// Bounds on the derivatives of `f` over the whole product of spheres (docs/formulas.md §14),
/// from the loss's logit bounds `a₁ ≥ ‖∇ℓ‖`, `a₂ ≥ ‖∇²ℓ‖`, `a₃ ≥ |∇³ℓ[u,u,u]|/‖u‖³`
/// (`LogitDerivativeBounds`; 2, 1/2, 1 for cross-entropy). For a unit ambient direction `A`:
/// `|Df[A]| ≤ C₁ = a₁τ(1 + √(K/N))`,
/// `|D²f[A,A]| ≤ C₂ = 2a₂τ²(1 + K/N) + 2a₁τ/√N`,
/// `|D³f[A,A,A]| ≤ C₃ = 4a₃τ³(1 + K^{3/2}/N) + 6a₂τ²(√N + √K)/N`;
/// and, through the retraction `c ↦ (x_c + ξ_c)/‖x_c + ξ_c‖` (`‖D n‖ ≤ 1`, `‖D²n‖ ≤ 6`,
/// `‖D³n‖ ≤ 36` where `‖x_c + ξ_c‖ ≥ 1`), the Hessian of the pulled-back `f̂ = f ∘ R_x` is
/// Lipschitz with `L = C₃ + 18 C₂ + 36 C₁` on the whole tangent space.
public struct DerivativeBounds: Codable, Sendable, Equatable {
    public var c1: Double
    public var c2: Double
    public var c3: Double
    public var lipschitz: Double

    /// Uses cross-entropy's logit bounds when the loss has none (callers check
    /// `unsupportedReason` first).
    public init(model: NormalizedFeatureModel) {
        let a = Self.logitBounds(model)
        let t = model.tau, k = Double(model.K), n = Double(model.N)
        c1 = a.a1 * t * (1 + (k / n).squareRoot())
        c2 = 2 * a.a2 * t * t * (1 + k / n) + 2 * a.a1 * t / n.squareRoot()
        c3 = 4 * a.a3 * t * t * t * (1 + k * k.squareRoot() / n) + 6 * a.a2 * t * t * (n.squareRoot() + k.squareRoot()) / n
        lipschitz = c3 + 18 * c2 + 36 * c1
    }

    /// The loss's logit bounds (cross-entropy's where it has none).
    public static func logitBounds(_ model: NormalizedFeatureModel) -> LogitDerivativeBounds {
        if case let .bounded(b) = model.loss.definition.derivativeBounds { return b }
        return .logSumExp
    }

    /// `‖Hess f(x)‖₂ ≤ C₂ + C₁` at every point: `|⟨ξ, Hess f(x) ξ⟩| ≤ |D²f[ξ, ξ]| + Σ_c |x_cᵀ∇_c f| ‖ξ_c‖²`
    /// for a unit tangent `ξ`, and every gradient column is at most `‖∇f‖ ≤ C₁`.
    public var hessianNormBound: Double { c2 + c1 }

    /// Why no bound is derived for this model (nil: the bounds above hold).
    public static func unsupportedReason(_ model: NormalizedFeatureModel) -> String? {
        if model.sampleWeights != nil { return "a weighted (reduced) model" }
        // Each loss states whether its derivative bounds are derived (a requirement without a
        // default), instead of being certified with cross-entropy's.
        switch model.loss.definition.derivativeBounds {
        case let .unsupported(reason): return reason
        case .bounded: return nil
        }
    }
}
