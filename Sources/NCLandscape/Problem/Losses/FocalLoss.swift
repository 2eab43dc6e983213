#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Focal loss (Lin et al. 2017) on the logits, `ℓ = −(1 − p_y)^γ log p_y`, `γ ≥ 0` (docs/formulas.md §11).
///
/// With `s = 1 − p_y = Σ_{k≠y} p_k` (a sum, never `1 − p_y`), `L = −log p_y` and `u = p − e_y`
/// (so `u_y = −s`):
/// - `ℓ = s^γ L`;
/// - `∇ℓ = c₁ u`, `c₁ = s^γ (1 + γ p_y L/s)`;
/// - `∇²ℓ = c₁ (diag p − p pᵀ) + β u uᵀ`, `β = γ p_y s^{γ−1} (2 − L + (γ−1) p_y L/s)`.
/// `L/s → 1` as `s → 0`, so every factor stays finite and relatively accurate at saturation;
/// `uᵀv = Σ_{k≠y} p_k (v_k − v_y)` is formed without cancellation. γ = 0 gives cross-entropy.
public struct FocalLoss: SampleLoss, Equatable {
    public let gamma: Double
    public init(gamma: Double) { self.gamma = gamma }

    public var hessianFactorCount: Int { 2 }
    public func stateCount(K: Int) -> Int { K }
    /// `s = Σ_{k≠y} p_k` never reaches 0 at finite logits, so `s^γ` is smooth wherever it is
    /// evaluated, for every γ ≥ 0.
    public func nonSmoothness(_ state: UnsafePointer<Double>, label y: Int, count K: Int) -> String? { nil }

    /// Near saturation `(1 − p_y)^γ (−log p_y) ≈ e^{−(1+γ) g}`, and so is its curvature.
    public var curvatureDecayRate: Double { 1 + gamma }

    /// `s`, `L`, `L/s` and `p_y` of a column of probabilities.
    @inline(__always)
    func pieces(_ p: UnsafePointer<Double>, label y: Int, count K: Int) -> (s: Double, L: Double, ratio: Double, py: Double) {
        var s = 0.0
        for k in 0 ..< K where k != y { s += p[k] }
        let py = p[y]
        // −log p_y: by log1p(−s) where p_y is near 1 (s small, both accurate), directly otherwise.
        let L = py > 0.5 ? -log1p(-s) : -log(py)
        // L/s → 1 + s/2 + … as s → 0; a series avoids 0/0 once s underflows.
        let ratio = s > 1e-8 ? L / s : 1 + s / 2 + s * s / 3
        return (s, L, ratio, py)
    }

    /// `c₁` and `β` (`s^γ` and `s^{γ−1}` taken as 0 and handled in the product when `s = 0`).
    @inline(__always)
    func coefficients(_ s: Double, _ ratio: Double, _ L: Double, _ py: Double) -> (c1: Double, beta: Double) {
        let g = gamma
        if g == 0 { return (1, 0) }
        let sg = pow(s, g)
        let c1 = sg * (1 + g * py * ratio)
        // γ p_y s^{γ−1} (2 − L + (γ−1) p_y L/s) = γ p_y s^γ/s (…): for s → 0 and γ < 1 the
        // factor s^{γ−1} grows, but it multiplies u uᵀ = O(s²).
        let sgm1 = s > 0 ? sg / s : (g >= 1 ? (g == 1 ? 1 : 0) : 0)
        let beta = g * py * sgm1 * (2 - L + (g - 1) * py * ratio)
        return (c1, beta)
    }

    public func evaluate(_ z: UnsafePointer<Double>, label y: Int, count K: Int, state p: UnsafeMutablePointer<Double>,
                         gradient g: UnsafeMutablePointer<Double>, magnitude mag: UnsafeMutablePointer<Double>) -> SampleEvaluation {
        let col = Softmax.probabilities(z, into: p, count: K)
        let (s, L0, ratio, py) = pieces(UnsafePointer(p), label: y, count: K)
        // L = lse − z_y from the logits when y is not the top (then it is ≥ log 2, no cancellation
        // either way, but the logits are the more accurate source when p_y underflows).
        var mx = -Double.infinity
        for k in 0 ..< K { mx = max(mx, z[k]) }
        let L = col.top == y ? L0 : (mx - z[y]) + col.logNormalizer
        let (c1, _) = coefficients(s, ratio, L, py)
        for k in 0 ..< K {
            g[k] = c1 * (k == y ? -s : p[k])
            mag[k] = abs(g[k])
        }
        let value = gamma == 0 ? L : pow(s, gamma) * L
        return SampleEvaluation(value: value, logitGap: col.gap)
    }

    public func hessianProduct(_ p: UnsafePointer<Double>, label y: Int, count K: Int, _ v: UnsafePointer<Double>,
                               into out: UnsafeMutablePointer<Double>, scale c: Double) {
        let (s, L, ratio, py) = pieces(p, label: y, count: K)
        let (c1, beta) = coefficients(s, ratio, L, py)
        var uv = 0.0
        let vy = v[y]
        for k in 0 ..< K where k != y { uv += p[k] * (v[k] - vy) }
        Softmax.jacobianProduct(p, v, into: out, count: K, scale: c * c1)
        let b = c * beta * uv
        for k in 0 ..< K { out[k] += b * (k == y ? -s : p[k]) }
    }

    /// `c₁ p_a (1 − p_a) + β u_a²`.
    public func hessianDiagonal(_ p: UnsafePointer<Double>, label y: Int, count K: Int, into out: UnsafeMutablePointer<Double>) {
        let (s, L, ratio, py) = pieces(p, label: y, count: K)
        let (c1, beta) = coefficients(s, ratio, L, py)
        Softmax.complements(p, into: out, count: K)
        for a in 0 ..< K {
            let u = a == y ? -s : p[a]
            out[a] = c1 * p[a] * out[a] + beta * u * u
        }
    }

    /// Off the diagonal `−c₁ p_a p_b + β u_a u_b`: factors `√c₁ p` (sign −1) and `√|β| u` (sign of β).
    public func hessianFactors(_ p: UnsafePointer<Double>, label y: Int, count K: Int, into factors: UnsafeMutablePointer<Double>,
                               signs: UnsafeMutablePointer<Double>) {
        let (s, L, ratio, py) = pieces(p, label: y, count: K)
        let (c1, beta) = coefficients(s, ratio, L, py)
        let a = c1.squareRoot(), b = abs(beta).squareRoot()
        for k in 0 ..< K {
            factors[k] = a * p[k]
            factors[K + k] = b * (k == y ? -s : p[k])
        }
        signs[0] = -1
        signs[1] = beta < 0 ? -1 : 1
    }

    /// Whether the focal bound's argument holds for this `(K, M, γ)` (docs/formulas.md §11): the
    /// tangent line of `χ(u) = (a/(1+a))^γ log(1+a)`, `a = (K−1)e^u`, at `u₀ = −M` lies below `χ`
    /// on every mean margin a sample can have. `χ` is increasing but not convex for γ > 0, so
    /// Jensen does not apply; a supporting tangent at `u₀` is what the proof needs
    /// (`(1/N)Σχ(ū_j) ≥ χ(u₀) + χ'(u₀)(mean ū − u₀)` and mean `ū ≥ u₀`). With unit columns every
    /// logit difference `τ(w_k − w_y)ᵀh` lies in `[−2τ, 2τ]`, so only `u ∈ [−reach, reach]`,
    /// `reach = 2τ`, matters. Checked on a grid of that interval (4·10⁴ points, tolerance 1e-10
    /// relative to the values compared), together with `χ''(u₀) > 0` (a tangent touching from
    /// below needs it; near `u₀` the gap is `½χ''(u₀)(u−u₀)²`, below the grid's resolution). A
    /// numerical check, not an interval-arithmetic proof.
    public static func tangentSupports(K: Int, margin M: Double, gamma: Double, reach: Double) -> Bool {
        let km1 = Double(K - 1)
        func chi(_ u: Double) -> Double {
            let a = km1 * exp(u)
            return gamma == 0 ? log1p(a) : pow(a / (1 + a), gamma) * log1p(a)
        }
        func slope(_ u: Double) -> Double {
            let a = km1 * exp(u), sigma = a / (1 + a)
            return pow(sigma, gamma) * (gamma * (1 - sigma) * log1p(a) + sigma)
        }
        let u0 = -M, c0 = chi(u0), s0 = slope(u0)
        guard c0.isFinite, s0.isFinite, reach.isFinite, reach > 0, u0 >= -reach else { return false }
        // χ'' at u₀ from χ' (centred difference of the exact slope: error O(h²), rounding ~1e-16/h).
        let h = 1e-4 * max(1, abs(u0))
        guard (slope(u0 + h) - slope(u0 - h)) / (2 * h) > 0 else { return false }
        let steps = 40_000
        for i in 0 ... steps {
            let u = -reach + 2 * reach * Double(i) / Double(steps)
            let c = chi(u), line = c0 + s0 * (u - u0)
            if c - line < -1e-10 * max(c, c0) { return false }
        }
        return true
    }
}

/// The focal loss as a loss of the model: exponent `γ ≥ 0`, no label smoothing.
///
/// Bound (balanced classes): `f ≥ χ(−M)`, `χ(u) = (a/(1+a))^γ log(1+a)`, `a = (K−1)e^u`,
/// `M = τK/(K−1)`, when the tangent of `χ` at `−M` supports `χ` on the reachable mean margins
/// `[−2τ, 2τ]` (checked numerically, `FocalLoss.tangentSupports`); attained by the ETF for
/// `d ≥ K−1`. Otherwise, and for imbalanced classes, none.
public struct FocalDefinition: LossDefinition, Equatable {
    public static let kind = "focal"
    public static let summary = "−(1 − p_y)^γ log p_y (Lin et al. 2017; γ = 0 is cross-entropy)"
    public static let parameters = [LossParameter(key: "gamma", tag: "g", defaultValue: 2, minimum: 0, maximum: nil,
                                                  help: "focal exponent γ ≥ 0")]
    public static let acceptsLabelSmoothing = false

    public let gamma: Double
    public init(gamma: Double) { self.gamma = gamma }
    public init(validating values: [String: Double]) throws {
        let g = values["gamma"] ?? Self.parameters[0].defaultValue
        guard g.isFinite, g >= 0 else { throw InputError("the focal exponent gamma must be finite and ≥ 0 (got \(g))") }
        gamma = g
    }
    public var parameterValues: [Double] { [gamma] }

    public func kernel(tau: Double, labelSmoothing: Double) -> any SampleLoss { FocalLoss(gamma: gamma) }
    public func collapsedMargin(K: Int, tau: Double) -> Double { tau * Double(K) / Double(K - 1) }

    public func provenBound(for model: ModelDescription) -> ProvenBound {
        let M = model.maximalMargin, K = model.K
        guard model.isBalanced else { return .none(reason: "imbalanced classes: no bound derived for the focal loss") }
        guard FocalLoss.tangentSupports(K: K, margin: M, gamma: gamma, reach: 2 * model.tau) else {
            return .none(reason: "the tangent of χ at −M does not support χ on the reachable margins [−2τ, 2τ]")
        }
        let a = Double(K - 1) * exp(-M)
        return .bound(LossBound(value: gamma == 0 ? log1p(a) : pow(a / (1 + a), gamma) * log1p(a), attained: model.d >= K - 1,
                                argument: "balanced focal: χ(−M) with a tangent of χ supporting it on the reachable margins [−2τ, 2τ] (AM–GM, mean margin ≤ M; checked numerically), attained by the simplex ETF for d ≥ K−1"))
    }

    public var extendedPrecision: ExtendedPrecisionSupport { .focal(gamma: gamma) }
    public var derivativeBounds: DerivativeBoundSupport { .bounded(.focal(gamma: gamma)) }
}

extension LossFunction {
    public static func focal(gamma: Double) -> LossFunction { LossFunction(FocalDefinition(gamma: gamma)) }
}
