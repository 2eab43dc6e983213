import Foundation

/// ArcFace (Deng et al. 2019; docs/formulas.md §11): cross-entropy of the logits with the target
/// one replaced by `τ cos(θ_y + m)`, `cos θ_y = w_yᵀh = z_y/τ`, additive angular margin
/// `m ∈ [0, π/2]`. As a function of the target logit, with `c = z_y/τ` and `s = sin θ_y = √(1−c²)`:
/// - `ẑ_y = ψ(z_y) = τ(c cos m − s sin m)`, `ẑ_k = z_k` (k ≠ y), `ℓ = lse(ẑ) − ẑ_y`;
/// - `∇ℓ = J(p − e_y)` with `J = diag(1, …, ψ', …, 1)`, `ψ' = cos m + sin m · c/s`, so
///   `∂ℓ/∂z_y = −ψ' Σ_{k≠y} p_k` (never `p_y − 1`);
/// - `∇²ℓ = J(diag p − p pᵀ)J − (Σ_{k≠y} p_k) ψ'' e_y e_yᵀ`, `ψ'' = sin m/(τ s³)`.
/// `p = softmax(ẑ)`. The loss is not differentiable where `s = 0` (θ_y = 0, the collapsed point
/// `h = w_y`, and θ_y = π): `ψ'` and `ψ''` blow up, and on the sphere `cos(θ + m)` has a cone
/// there. Within `sineResolution` of it the kernel evaluates its derivatives at
/// `s = sineResolution` (finite stand-ins for the optimizers) and `nonSmoothness` reports the
/// sample, so second-order analysis refuses the point.
///
/// State per sample (`K + 3` numbers): `p`, then `ψ'`, `ψ''` and `c`.
public struct ArcFace: SampleLoss, Equatable {
    public let tau: Double
    public let margin: Double
    let cosM: Double, sinM: Double

    public init(tau: Double, margin: Double) {
        self.tau = tau; self.margin = margin
        cosM = cos(margin); sinM = sin(margin)
    }

    /// `sin θ_y` below which the sample counts as on the kink. The cosine `z_y/τ` carries an
    /// absolute rounding error `δ ≈ (d+2)·1.1e-16`; `s = √((1−c)(1+c))` then has relative error
    /// `≈ δ/s²` and `ψ'' ∝ s⁻³` three times that: `3.3e-4 (d+2)` at `s = 1e-6`, so below it even
    /// the curvature's first digit is in doubt and the point is not distinguishable from θ_y = 0.
    public static let sineResolution = 1e-6

    /// `|c|` within this of 1 is ±1 up to the rounding of the dot product `w_yᵀh` (a few ulps in
    /// the dimensions analysed here), so its sine, `√(2(1−|c|))` up to 8e-8, is rounding noise
    /// and is taken as 0: the collapsed point's target logit is then exactly `τ cos m`, and its
    /// loss meets the bound instead of missing it by `τ sin m · 1.5e-8`.
    static let cosineRoundoff = 16 * Double.ulpOfOne

    /// `sin θ_y` from `cos θ_y = c`.
    @inline(__always) static func sine(_ c: Double) -> Double {
        1 - abs(c) <= cosineRoundoff ? 0 : ((1 - c) * (1 + c)).squareRoot()
    }

    public var hessianFactorCount: Int { 1 }
    public func stateCount(K: Int) -> Int { K + 3 }

    public func evaluate(_ z: UnsafePointer<Double>, label y: Int, count K: Int, state p: UnsafeMutablePointer<Double>,
                         gradient g: UnsafeMutablePointer<Double>, magnitude mag: UnsafeMutablePointer<Double>) -> SampleEvaluation {
        // |c| ≤ 1 for unit vectors; rounding can step past it by an ulp.
        let c = min(1, max(-1, z[y] / tau))
        let s = Self.sine(c)
        let sf = max(s, Self.sineResolution)
        let d1 = cosM + sinM * c / sf, d2 = sinM / (tau * sf * sf * sf)
        for k in 0 ..< K { p[k] = z[k] }
        p[y] = tau * (c * cosM - s * sinM)
        var mx = -Double.infinity
        for k in 0 ..< K { mx = max(mx, p[k]) }
        let belowTopTarget = mx - p[y]
        let col = Softmax.probabilities(UnsafePointer(p), into: p, count: K)
        // lse(ẑ) − ẑ_y as non-negative terms, as for cross-entropy.
        let value = col.logNormalizer + belowTopTarget
        var notTarget = 0.0
        if col.top == y { notTarget = col.complementOfTop } else { for k in 0 ..< K where k != y { notTarget += p[k] } }
        for k in 0 ..< K where k != y { g[k] = p[k]; mag[k] = p[k] }
        g[y] = -d1 * notTarget
        mag[y] = (cosM + sinM * abs(c) / sf) * notTarget
        p[K] = d1; p[K + 1] = d2; p[K + 2] = c
        return SampleEvaluation(value: value, logitGap: col.gap)
    }

    /// `c [J S J v − (Σ_{k≠y} p_k) ψ'' v_y e_y]`, `S = diag p − p pᵀ`, through cross-entropy's
    /// cancellation-free product on `Jv`. `out` may alias `v`.
    public func hessianProduct(_ p: UnsafePointer<Double>, label y: Int, count K: Int, _ v: UnsafePointer<Double>,
                               into out: UnsafeMutablePointer<Double>, scale c: Double) {
        let d1 = p[K], d2 = p[K + 1], vy = v[y]
        var notTarget = 0.0
        for k in 0 ..< K where k != y { notTarget += p[k] }
        for k in 0 ..< K { out[k] = v[k] }
        out[y] = d1 * vy
        Softmax.jacobianProduct(p, UnsafePointer(out), into: out, count: K, scale: c)
        out[y] = d1 * out[y] - c * notTarget * d2 * vy
    }

    /// `J_a² p_a (1 − p_a)`, and `− (Σ_{k≠y} p_k) ψ''` added at `a = y`.
    public func hessianDiagonal(_ p: UnsafePointer<Double>, label y: Int, count K: Int, into out: UnsafeMutablePointer<Double>) {
        let d1 = p[K], d2 = p[K + 1]
        var notTarget = 0.0
        for k in 0 ..< K where k != y { notTarget += p[k] }
        Softmax.complements(p, into: out, count: K)
        for a in 0 ..< K { out[a] *= p[a] }
        out[y] = d1 * d1 * out[y] - notTarget * d2
    }

    /// Off the diagonal `−(Jp)_a (Jp)_b`: one factor `Jp` with sign −1.
    public func hessianFactors(_ p: UnsafePointer<Double>, label y: Int, count K: Int, into factors: UnsafeMutablePointer<Double>,
                               signs: UnsafeMutablePointer<Double>) {
        for a in 0 ..< K { factors[a] = p[a] }
        factors[y] = p[K] * p[y]
        signs[0] = -1
    }

    public func nonSmoothness(_ state: UnsafePointer<Double>, label y: Int, count K: Int) -> String? {
        let c = state[K + 2], s = Self.sine(c)
        guard s <= Self.sineResolution else { return nil }
        return "θ_y = \(c > 0 ? "0 (h = w_y)" : "π (h = −w_y)") to working precision (sin θ_y = \(String(format: "%.2g", s)) ≤ \(Self.sineResolution), from cos θ_y = z_y/τ), where cos(θ_y + m) has a kink"
    }
}

/// ArcFace as a loss of the model: angular margin `m ∈ [0, π/2]`, no label smoothing.
///
/// Bound (docs/formulas.md §11): for balanced classes with `cos m ≥ (K−2)/(2(K−1))`,
/// `f ≥ log(1 + (K−1) e^{−M})`, `M = τ(cos m + 1/(K−1))`, attained by the simplex ETF with
/// `h_j = w_{y_j}` for `d ≥ K−1` (`cos(θ+m) ≤ cos θ cos m`, Cauchy–Schwarz over the classes,
/// Jensen). Otherwise none.
public struct ArcFaceDefinition: LossDefinition, Equatable {
    public static let kind = "arcface"
    public static let summary = "cross-entropy with the target logit τ cos(θ_y + m), cos θ_y = w_yᵀh (additive angular margin m; Deng et al. 2019)"
    public static let parameters = [LossParameter(key: "margin", tag: "m", defaultValue: 0.5, minimum: 0, maximum: Double.pi / 2,
                                                  help: "additive angular margin m ∈ [0, π/2] in radians")]
    public static let acceptsLabelSmoothing = false

    public let margin: Double
    public init(margin: Double) { self.margin = margin }
    public init(validating values: [String: Double]) throws {
        let m = values["margin"] ?? Self.parameters[0].defaultValue
        guard m.isFinite, m >= 0, m <= Double.pi / 2 else {
            throw InputError("the arcface margin m must lie in [0, π/2] (an angle in radians; got \(m))")
        }
        margin = m
    }
    public var parameterValues: [Double] { [margin] }

    public func kernel(tau: Double, labelSmoothing: Double) -> any SampleLoss { ArcFace(tau: tau, margin: margin) }
    public func collapsedMargin(K: Int, tau: Double) -> Double { tau * (cos(margin) + 1 / Double(K - 1)) }

    public func provenBound(for model: ModelDescription) -> ProvenBound {
        let K = model.K
        guard model.isBalanced else { return .none(reason: "imbalanced classes: no bound derived for ArcFace") }
        guard cos(margin) >= Double(K - 2) / Double(2 * (K - 1)) else {
            return .none(reason: "cos m < (K−2)/(2(K−1)): the mean-margin argument does not bound it")
        }
        return .bound(LossBound(value: log1p(Double(K - 1) * exp(-collapsedMargin(K: K, tau: model.tau))), attained: model.d >= K - 1,
                                argument: "balanced ArcFace with cos m ≥ (K−2)/(2(K−1)): log(1+(K−1)exp(−M)), M = τ(cos m + 1/(K−1)) (cos(θ+m) ≤ cos θ cos m, Cauchy–Schwarz over classes, Jensen), attained by the simplex ETF with h = w_y for d ≥ K−1"))
    }

    public var extendedPrecision: ExtendedPrecisionSupport {
        .unsupported(reason: "the ArcFace loss (no third-derivative bound derived for it)")
    }
    /// Not twice differentiable at θ_y = 0, so no global bound.
    public var derivativeBounds: DerivativeBoundSupport {
        .unsupported(reason: "the ArcFace loss (no third-derivative bound derived for it)")
    }
}

extension LossFunction {
    public static func arcface(margin: Double) -> LossFunction { LossFunction(ArcFaceDefinition(margin: margin)) }
}
