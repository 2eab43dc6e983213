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

extension ModelDescription {
    /// The label-smoothing margin `μ_ε = log((1−ε+ε/K)/(ε/K))` at which `softmax = t` (∞ at ε = 0).
    public var smoothingMargin: Double {
        guard labelSmoothing > 0 else { return .infinity }
        let k = Double(K), off = labelSmoothing / k
        return log((1 - labelSmoothing + off) / off)
    }

    /// The largest target margin (in the loss's shifted logits) every sample can have at once
    /// with unit columns: `τK/(K−1)`, minus `τm` for CosFace; reached by the simplex ETF with
    /// `h_j = w_{y_j}`.
    public var maximalMargin: Double {
        let top = tau * Double(K) / Double(K - 1)
        switch loss {
        case let .cosface(m): return top - tau * m
        case .crossEntropy, .focal: return top
        }
    }

    /// Entropy of the smoothed target, `H(t) = −Σ_k t_k log t_k` (Gibbs: `lse(z) − tᵀz ≥ H(t)`).
    public var smoothedTargetEntropy: Double {
        guard labelSmoothing > 0 else { return 0 }
        let k = Double(K), off = labelSmoothing / k, top = 1 - labelSmoothing + off
        return -top * log(top) - (k - 1) * off * log(off)
    }

    /// The proven lower bound on the loss (docs/formulas.md §3, §10, §11).
    ///
    /// Cross-entropy and CosFace (margin `m`, `M = τK/(K−1) − τm`):
    /// - balanced classes (any d): `f ≥ φ(max(−μ_ε, −M))`, `φ(u) = log(1 + (K−1)e^u) − ε(K−1)u/K`,
    ///   i.e. `H(t)` when `μ_ε ≤ M` and `log(1 + (K−1)e^{−M}) + ε(K−1)M/K` otherwise (ε = 0, m = 0:
    ///   the neural-collapse value); attained by the simplex ETF when `μ_ε ≥ M` and `d ≥ K−1`, by a
    ///   continuum of tilted features when `μ_ε < M` and `d ≥ K`;
    /// - any class counts with ε > 0: `f ≥ H(t)`, attained when `μ_ε ≤ M` and `d ≥ K`;
    /// - imbalanced with ε = 0: nil (the only general bound, 0, is never attained).
    ///
    /// Focal (γ), balanced: `f ≥ χ(−M)`, `χ(u) = (a/(1+a))^γ log(1+a)`, `a = (K−1)e^u`, when the
    /// tangent of `χ` at `−M` supports `χ` on the reachable mean margins `[−2τ, 2τ]` (checked
    /// numerically, `FocalLoss.tangentSupports`);
    /// attained by the ETF for `d ≥ K−1`. Otherwise, and for imbalanced classes, nil.
    ///
    /// Every loss states its bound here: the switch is exhaustive, so a new loss does not compile
    /// until it says what its bound is (or that it has none), instead of falling through to
    /// another loss's bound.
    public func provenBound() -> LossBound? {
        switch loss {
        case let .focal(gamma): return focalBound(gamma: gamma)
        case .crossEntropy, .cosface: return shiftedSoftmaxBound()
        }
    }

    /// Focal loss: `χ(−M)` where its tangent supports `χ` on the reachable margins (see above).
    func focalBound(gamma: Double) -> LossBound? {
        guard isBalanced, FocalLoss.tangentSupports(K: K, margin: maximalMargin, gamma: gamma, reach: 2 * tau) else { return nil }
        let a = Double(K - 1) * exp(-maximalMargin)
        return LossBound(value: gamma == 0 ? log1p(a) : pow(a / (1 + a), gamma) * log1p(a), attained: d >= K - 1,
                         argument: "balanced focal: χ(−M) with a tangent of χ supporting it on the reachable margins [−2τ, 2τ] (AM–GM, mean margin ≤ M; checked numerically), attained by the simplex ETF for d ≥ K−1")
    }

    /// Cross-entropy and CosFace (a cross-entropy with the target logit shifted by −τm).
    func shiftedSoftmaxBound() -> LossBound? {
        let mu = smoothingMargin, top = maximalMargin
        let name = loss == .crossEntropy ? "" : " (CosFace margin shifts M by −τm)"
        if isBalanced {
            if mu <= top {
                return LossBound(value: smoothedTargetEntropy, attained: d >= K,
                                 argument: "balanced, μ_ε ≤ M: H(t) (Jensen over classes and samples), attained for d ≥ K" + name)
            }
            let value = log1p(Double(K - 1) * exp(-top)) + labelSmoothing * Double(K - 1) / Double(K) * top
            return LossBound(value: value, attained: d >= K - 1,
                             argument: (labelSmoothing == 0
                                 ? "balanced: log(1+(K−1)exp(−M)) (Jensen; mean margin ≤ M), attained by the simplex ETF for d ≥ K−1"
                                 : "balanced, μ_ε > M: ETF value log(1+(K−1)exp(−M)) + ε(K−1)M/K (Jensen), attained for d ≥ K−1") + name)
        }
        guard labelSmoothing > 0 else { return nil }
        return LossBound(value: smoothedTargetEntropy, attained: d >= K && mu <= top,
                         argument: "H(t) (Gibbs, per sample), attained for d ≥ K when μ_ε ≤ M" + name)
    }
}

extension NormalizedFeatureModel {
    public var smoothingMargin: Double { spec.smoothingMargin }
    public var maximalMargin: Double { spec.maximalMargin }
    public var smoothedTargetEntropy: Double { spec.smoothedTargetEntropy }
}
