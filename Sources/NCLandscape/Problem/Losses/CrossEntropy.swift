#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Cross-entropy with label smoothing ε and an optional shift of the target logit
/// (docs/formulas.md §1, §9, §11):
/// `ℓ(z, y) = lse(ẑ) − tᵀẑ`, `ẑ = z + s e_y`, `t = (1−ε) e_y + (ε/K) 1`.
/// `s = 0` is plain (smoothed) cross-entropy; `s = −τm` is CosFace's additive margin.
///
/// Saturation-safe forms, with `r = argmax ẑ`, `L = log1p(Σ_{k≠r} e^{ẑ_k − ẑ_r})`:
/// - `ℓ = L + (1−ε)(ẑ_r − ẑ_y) + (ε/K) Σ_k (ẑ_r − ẑ_k)`, a sum of non-negative terms
///   (for ε = 0 and `y = r`, exactly `log1p(Σ_{k≠y} e^{ẑ_k − ẑ_y})`);
/// - `∂ℓ/∂z_k = p_k − ε/K` for `k ≠ y`, and `∂ℓ/∂z_y = ε(K−1)/K − Σ_{k≠y} p_k` (never `p_y − 1`);
/// - `∇²ℓ = diag p − p pᵀ` (the shift is constant), applied by `Softmax.jacobianProduct`.
public struct CrossEntropy: SampleLoss, Equatable {
    public let labelSmoothing: Double
    public let targetShift: Double
    public init(labelSmoothing: Double = 0, targetShift: Double = 0) {
        self.labelSmoothing = labelSmoothing
        self.targetShift = targetShift
    }

    public var hessianFactorCount: Int { 1 }
    public func stateCount(K: Int) -> Int { K }
    /// `lse` of an affine function of the logits: analytic everywhere.
    public func nonSmoothness(_ state: UnsafePointer<Double>, label y: Int, count K: Int) -> String? { nil }

    public func evaluate(_ z: UnsafePointer<Double>, label y: Int, count K: Int, state p: UnsafeMutablePointer<Double>,
                         gradient g: UnsafeMutablePointer<Double>, magnitude mag: UnsafeMutablePointer<Double>) -> SampleEvaluation {
        for k in 0 ..< K { p[k] = z[k] }
        p[y] += targetShift
        // Distances below the top logit, before p overwrites the shifted logits.
        var mx = -Double.infinity
        for k in 0 ..< K { mx = max(mx, p[k]) }
        let belowTopTarget = mx - p[y]
        var belowTopSum = 0.0
        if labelSmoothing > 0 { for k in 0 ..< K { belowTopSum += mx - p[k] } }
        let col = Softmax.probabilities(UnsafePointer(p), into: p, count: K)
        let eps = labelSmoothing, off = eps / Double(K)
        let value = col.logNormalizer + (1 - eps) * belowTopTarget + off * belowTopSum
        // 1 − p_y as a sum: exactly the top's complement when y is the top.
        var notTarget = 0.0
        if col.top == y { notTarget = col.complementOfTop } else { for k in 0 ..< K where k != y { notTarget += p[k] } }
        let targetMass = eps - off   // ε(K−1)/K
        for k in 0 ..< K {
            if k == y {
                g[k] = targetMass - notTarget
                mag[k] = targetMass + notTarget
            } else {
                g[k] = p[k] - off
                mag[k] = p[k] + off
            }
        }
        return SampleEvaluation(value: value, logitGap: col.gap)
    }

    public func hessianProduct(_ p: UnsafePointer<Double>, label y: Int, count K: Int, _ v: UnsafePointer<Double>,
                               into out: UnsafeMutablePointer<Double>, scale c: Double) {
        Softmax.jacobianProduct(p, v, into: out, count: K, scale: c)
    }

    /// `p_a (1 − p_a)`.
    public func hessianDiagonal(_ p: UnsafePointer<Double>, label y: Int, count K: Int, into out: UnsafeMutablePointer<Double>) {
        Softmax.complements(p, into: out, count: K)
        for a in 0 ..< K { out[a] *= p[a] }
    }

    /// Off the diagonal, `−p_a p_b`: one factor `p` with sign −1.
    public func hessianFactors(_ p: UnsafePointer<Double>, label y: Int, count K: Int, into factors: UnsafeMutablePointer<Double>,
                               signs: UnsafeMutablePointer<Double>) {
        for a in 0 ..< K { factors[a] = p[a] }
        signs[0] = -1
    }
}

/// Cross-entropy with label smoothing, `ℓ = lse(z) − tᵀz` (docs/formulas.md §1, §10). Its bound
/// is the shifted-softmax bound with no shift (`ModelDescription.shiftedSoftmaxBound`).
public struct CrossEntropyDefinition: LossDefinition, Equatable {
    public static let kind = "cross-entropy"
    public static let summary = "lse(z) − tᵀz, t = (1−ε) e_y + (ε/K) 1 (label smoothing ε)"
    public static let parameters: [LossParameter] = []
    public static let acceptsLabelSmoothing = true

    public init() {}
    public init(validating values: [String: Double]) throws {}
    public var parameterValues: [Double] { [] }

    public func kernel(tau: Double, labelSmoothing: Double) -> any SampleLoss { CrossEntropy(labelSmoothing: labelSmoothing) }
    public func collapsedMargin(K: Int, tau: Double) -> Double { tau * Double(K) / Double(K - 1) }
    public func provenBound(for model: ModelDescription) -> ProvenBound { model.shiftedSoftmaxBound(note: "") }
    public var extendedPrecision: ExtendedPrecisionSupport { .shiftedSoftmax(margin: 0) }
    public var derivativeBounds: DerivativeBoundSupport { .bounded(.logSumExp) }
}

extension LossFunction {
    /// Cross-entropy (with the model's label smoothing), the default loss.
    public static let crossEntropy = LossFunction(CrossEntropyDefinition())
}
