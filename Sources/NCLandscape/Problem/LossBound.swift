#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A proven lower bound on the loss over the whole product of spheres (docs/formulas.md §3,
/// §10). A point whose loss meets it is a global minimizer whatever its Hessian says (the
/// minimizers may form a continuum); when the bound is also proven to be attained, it is the
/// optimal value `f*` every other minimizer is compared with.
public struct LossBound: Codable, Sendable, Equatable {
    public var value: Double
    /// Proven attained (then `value = f*`).
    public var attained: Bool
    /// The argument, in one line (reports print it).
    public var argument: String

    /// `|f − bound| ≤ lossRelativeTolerance · bound`: the point attains the bound.
    public func isMet(by loss: Double) -> Bool { ClassificationRule.lossesAgree(loss, value) }
}

extension NormalizedFeatureModel {
    /// The label-smoothing margin `μ_ε = log((1−ε+ε/K)/(ε/K))` at which `softmax = t` (∞ at ε = 0).
    public var smoothingMargin: Double {
        guard labelSmoothing > 0 else { return .infinity }
        let k = Double(K), off = labelSmoothing / k
        return log((1 - labelSmoothing + off) / off)
    }

    /// The largest target margin every sample can have at once with unit columns, `τK/(K−1)`
    /// (reached by the simplex ETF with `h_j = w_{y_j}`).
    public var maximalMargin: Double { tau * Double(K) / Double(K - 1) }

    /// Entropy of the smoothed target, `H(t) = −Σ_k t_k log t_k` (Gibbs: `lse(z) − tᵀz ≥ H(t)`).
    public var smoothedTargetEntropy: Double {
        guard labelSmoothing > 0 else { return 0 }
        let k = Double(K), off = labelSmoothing / k, top = 1 - labelSmoothing + off
        return -top * log(top) - (k - 1) * off * log(off)
    }

    /// The proven lower bound for cross-entropy with label smoothing ε (docs/formulas.md §10):
    /// - balanced classes (any d): `f ≥ φ(max(−μ_ε, −τK/(K−1)))`,
    ///   `φ(u) = log(1 + (K−1)e^u) − ε(K−1)u/K`, i.e. `H(t)` when `μ_ε ≤ τK/(K−1)` and
    ///   `log(1 + (K−1)e^{−τK/(K−1)}) + ετ` otherwise (ε = 0: the neural-collapse value);
    ///   attained by the simplex ETF when `μ_ε ≥ τK/(K−1)` and `d ≥ K−1`, by a continuum of
    ///   tilted features when `μ_ε < τK/(K−1)` and `d ≥ K`;
    /// - any class counts with ε > 0: `f ≥ H(t)`, attained when `μ_ε ≤ τK/(K−1)` and `d ≥ K`;
    /// - imbalanced with ε = 0: nil (the only general bound, 0, is never attained).
    public var lossBound: LossBound? {
        let mu = smoothingMargin, top = maximalMargin
        if isBalanced {
            if mu <= top {
                return LossBound(value: smoothedTargetEntropy, attained: d >= K,
                                 argument: "balanced, μ_ε ≤ τK/(K−1): H(t) (Jensen over classes and samples), attained for d ≥ K")
            }
            let value = log1p(Double(K - 1) * exp(-top)) + labelSmoothing * tau
            return LossBound(value: value, attained: d >= K - 1,
                             argument: labelSmoothing == 0
                                 ? "balanced: log(1+(K−1)exp(−τK/(K−1))) (Jensen; mean margin ≤ τK/(K−1)), attained by the simplex ETF for d ≥ K−1"
                                 : "balanced, μ_ε > τK/(K−1): ETF value log(1+(K−1)exp(−τK/(K−1))) + ετ (Jensen), attained for d ≥ K−1")
        }
        guard labelSmoothing > 0 else { return nil }
        return LossBound(value: smoothedTargetEntropy, attained: d >= K && mu <= top,
                         argument: "H(t) (Gibbs, per sample), attained for d ≥ K when μ_ε ≤ τK/(K−1)")
    }
}
