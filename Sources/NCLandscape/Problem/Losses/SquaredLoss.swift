/// The squared loss of the logits against the one-hot target, `ℓ(z, y) = ½ ‖z − e_y‖²`
/// (the MSE of Zhou et al. 2022 with their `1/2N` normalization folded into `f = (1/N) Σ ℓ`):
/// `∇_z ℓ = z − e_y`, `∇²_z ℓ = I`. Nothing cancels in a way that loses the answer: the gradient
/// entry's terms are `z_k` and `[k = y]`, whose magnitudes are its rounding scale. The curvature
/// never decays (rate 0), so no point is beyond double range.
public struct SquaredLoss: SampleLoss, Equatable {
    public init() {}

    public var hessianFactorCount: Int { 0 }
    public var curvatureDecayRate: Double { 0 }
    public func stateCount(K: Int) -> Int { K }
    /// A polynomial: smooth everywhere.
    public func nonSmoothness(_ state: UnsafePointer<Double>, label y: Int, count K: Int) -> String? { nil }

    public func evaluate(_ z: UnsafePointer<Double>, label y: Int, count K: Int, state: UnsafeMutablePointer<Double>,
                         gradient g: UnsafeMutablePointer<Double>, magnitude mag: UnsafeMutablePointer<Double>) -> SampleEvaluation {
        var value = 0.0
        var top = -Double.infinity, second = -Double.infinity
        for k in 0 ..< K {
            let r = z[k] - (k == y ? 1 : 0)
            value += 0.5 * r * r
            g[k] = r
            mag[k] = abs(z[k]) + (k == y ? 1 : 0)
            state[k] = 0   // the Hessian is I: nothing to keep
            if z[k] > top { second = top; top = z[k] } else if z[k] > second { second = z[k] }
        }
        return SampleEvaluation(value: value, logitGap: top - second)
    }

    public func hessianProduct(_ state: UnsafePointer<Double>, label y: Int, count K: Int, _ v: UnsafePointer<Double>,
                               into out: UnsafeMutablePointer<Double>, scale c: Double) {
        for k in 0 ..< K { out[k] = c * v[k] }
    }

    public func hessianDiagonal(_ state: UnsafePointer<Double>, label y: Int, count K: Int, into out: UnsafeMutablePointer<Double>) {
        for k in 0 ..< K { out[k] = 1 }
    }

    /// No off-diagonal part.
    public func hessianFactors(_ state: UnsafePointer<Double>, label y: Int, count K: Int, into factors: UnsafeMutablePointer<Double>,
                               signs: UnsafeMutablePointer<Double>) {}
}
