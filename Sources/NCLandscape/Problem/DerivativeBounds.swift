import Foundation

/// Bounds on the derivatives of `f` over the whole product of spheres (docs/formulas.md §14),
/// for cross-entropy with label smoothing and CosFace. For a unit ambient direction `A`:
/// `|Df[A]| ≤ C₁ = 2τ(1 + √(K/N))`,
/// `|D²f[A,A]| ≤ C₂ = τ²(1 + K/N) + 4τ/√N`,
/// `|D³f[A,A,A]| ≤ C₃ = 4τ³(1 + K^{3/2}/N) + 3τ²(√N + √K)/N`;
/// and, through the retraction `c ↦ (x_c + ξ_c)/‖x_c + ξ_c‖` (`‖D n‖ ≤ 1`, `‖D²n‖ ≤ 6`,
/// `‖D³n‖ ≤ 36` where `‖x_c + ξ_c‖ ≥ 1`), the Hessian of the pulled-back `f̂ = f ∘ R_x` is
/// Lipschitz with `L = C₃ + 18 C₂ + 36 C₁` on the whole tangent space.
public struct DerivativeBounds: Codable, Sendable, Equatable {
    public var c1: Double
    public var c2: Double
    public var c3: Double
    public var lipschitz: Double

    public init(model: NormalizedFeatureModel) {
        let t = model.tau, k = Double(model.K), n = Double(model.N)
        c1 = 2 * t * (1 + (k / n).squareRoot())
        c2 = t * t * (1 + k / n) + 4 * t / n.squareRoot()
        c3 = 4 * t * t * t * (1 + k * k.squareRoot() / n) + 3 * t * t * (n.squareRoot() + k.squareRoot()) / n
        lipschitz = c3 + 18 * c2 + 36 * c1
    }

    /// `‖Hess f(x)‖₂ ≤ C₂ + C₁` at every point: `|⟨ξ, Hess f(x) ξ⟩| ≤ |D²f[ξ, ξ]| + Σ_c |x_cᵀ∇_c f| ‖ξ_c‖²`
    /// for a unit tangent `ξ`, and every gradient column is at most `‖∇f‖ ≤ C₁`.
    public var hessianNormBound: Double { c2 + c1 }

    /// Why no bound is derived for this model (nil: the bounds above hold).
    public static func unsupportedReason(_ model: NormalizedFeatureModel) -> String? {
        if model.sampleWeights != nil { return "a weighted (reduced) model" }
        // Each loss states whether its third-derivative bound is derived (a requirement without
        // a default), instead of being certified with cross-entropy's.
        switch model.loss.definition.extendedPrecision {
        case let .unsupported(reason): return reason
        case .shiftedSoftmax: return nil
        }
    }
}
