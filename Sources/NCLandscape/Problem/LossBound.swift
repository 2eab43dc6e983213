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
    public func isMet(by loss: Double) -> Bool { Self.lossesAgree(loss, value) }

    /// Losses agree when `|a − b| ≤ 1e−9 max(|a|, |b|)`. Losses are computed to ~1e−14 relative
    /// (saturation-safe forms), and distinct critical points differ far more in practice —
    /// at τ = 1e−6, where every loss is near log K, they still differ by O(τ) = 1e−6.
    public static let lossRelativeTolerance = 1e-9
    public static func lossesAgree(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= lossRelativeTolerance * max(abs(a), abs(b))
    }
}

extension ModelDescription {
    /// The label-smoothing margin `μ_ε = log((1−ε+ε/K)/(ε/K))` at which `softmax = t` (∞ at ε = 0).
    public var smoothingMargin: Double {
        guard labelSmoothing > 0 else { return .infinity }
        let k = Double(K), off = labelSmoothing / k
        return log((1 - labelSmoothing + off) / off)
    }

    /// The target margin (in the loss's shifted logits) every sample has at the simplex ETF with
    /// `h_j = w_{y_j}` (`LossDefinition.collapsedMargin`): `τK/(K−1)`, minus `τm` for CosFace.
    /// For cross-entropy and CosFace it is also the largest margin every sample can have at once
    /// with unit columns.
    public var maximalMargin: Double { loss.definition.collapsedMargin(K: K, tau: tau) }

    /// Entropy of the smoothed target, `H(t) = −Σ_k t_k log t_k` (Gibbs: `lse(z) − tᵀz ≥ H(t)`).
    public var smoothedTargetEntropy: Double {
        guard labelSmoothing > 0 else { return 0 }
        let k = Double(K), off = labelSmoothing / k, top = 1 - labelSmoothing + off
        return -top * log(top) - (k - 1) * off * log(off)
    }

    /// The proven lower bound on the loss (docs/formulas.md §3, §10, §11): each loss states its
    /// own (`LossDefinition.provenBound`, a requirement without a default, so a new loss cannot
    /// fall through to another loss's bound).
    public func provenBound() -> LossBound? { loss.definition.provenBound(for: self).bound }

    /// The bound of cross-entropy and CosFace (a cross-entropy with the target logit shifted by
    /// −τm, `M = maximalMargin`):
    /// - balanced classes (any d): `f ≥ φ(max(−μ_ε, −M))`, `φ(u) = log(1 + (K−1)e^u) − ε(K−1)u/K`,
    ///   i.e. `H(t)` when `μ_ε ≤ M` and `log(1 + (K−1)e^{−M}) + ε(K−1)M/K` otherwise (ε = 0, m = 0:
    ///   the neural-collapse value); attained by the simplex ETF when `μ_ε ≥ M` and `d ≥ K−1`, by a
    ///   continuum of tilted features when `μ_ε < M` and `d ≥ K`;
    /// - any class counts with ε > 0: `f ≥ H(t)`, attained when `μ_ε ≤ M` and `d ≥ K`;
    /// - imbalanced with ε = 0: none (the only general bound, 0, is never attained).
    /// `note` is appended to the argument (the loss's own remark).
    func shiftedSoftmaxBound(note name: String) -> ProvenBound {
        let mu = smoothingMargin, top = maximalMargin
        if isBalanced {
            if mu <= top {
                return .bound(LossBound(value: smoothedTargetEntropy, attained: d >= K,
                                        argument: "balanced, μ_ε ≤ M: H(t) (Jensen over classes and samples), attained for d ≥ K" + name))
            }
            let value = log1p(Double(K - 1) * exp(-top)) + labelSmoothing * Double(K - 1) / Double(K) * top
            return .bound(LossBound(value: value, attained: d >= K - 1,
                                    argument: (labelSmoothing == 0
                                        ? "balanced: log(1+(K−1)exp(−M)) (Jensen; mean margin ≤ M), attained by the simplex ETF for d ≥ K−1"
                                        : "balanced, μ_ε > M: ETF value log(1+(K−1)exp(−M)) + ε(K−1)M/K (Jensen), attained for d ≥ K−1") + name))
        }
        guard labelSmoothing > 0 else { return .none(reason: "imbalanced classes without label smoothing: the only general bound, 0, is never attained") }
        return .bound(LossBound(value: smoothedTargetEntropy, attained: d >= K && mu <= top,
                                argument: "H(t) (Gibbs, per sample), attained for d ≥ K when μ_ε ≤ M" + name))
    }
}

extension NormalizedFeatureModel {
    public var smoothingMargin: Double { spec.smoothingMargin }
    public var maximalMargin: Double { spec.maximalMargin }
    public var smoothedTargetEntropy: Double { spec.smoothedTargetEntropy }
}
