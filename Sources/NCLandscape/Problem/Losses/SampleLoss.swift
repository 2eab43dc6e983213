/// One sample's loss as a function of its logits `z ∈ R^K` (docs/formulas.md §11). The model
/// `f = (1/Z) Σ_j c_j ℓ(z_j, y_j)` with `z_j = τ Wᵀh_j` needs from a loss only its value, its
/// logit gradient and products with its logit Hessian; everything else (Riemannian gradient,
/// Hessian-vector products, dense blocks, reduced spectrum, structured inertia) is shared.
/// A loss's kernel is one type conforming to this protocol, made by its `LossDefinition`.
///
/// Every method must be saturation-safe: no O(1) − O(1) difference where the answer is tiny.
public protocol SampleLoss: Sendable {
    /// Evaluates `ℓ(z, y)` and writes:
    /// - `gradient`: `∇_z ℓ`;
    /// - `magnitude`: per entry, the size of the terms that make up that gradient entry (the
    ///   scale its rounding error is relative to; `|gradient|` where nothing cancels);
    /// - `state`: `stateCount(K:)` numbers from which the second-order methods and
    ///   `nonSmoothness` work (softmax losses: `p`).
    func evaluate(_ z: UnsafePointer<Double>, label y: Int, count K: Int, state: UnsafeMutablePointer<Double>,
                  gradient: UnsafeMutablePointer<Double>, magnitude: UnsafeMutablePointer<Double>) -> SampleEvaluation

    /// How many numbers `evaluate` keeps per sample for second order (at least `K`: the first
    /// `K` are the softmax probabilities of the loss's own logits, which saturation checks and
    /// the certificates' magnitude bounds read).
    func stateCount(K: Int) -> Int

    /// Where the loss is not twice differentiable: nil where `ℓ` is `C²` around this sample's
    /// logits, else the reason (completing "not twice differentiable at this point: …"). Second-
    /// order analysis refuses such points instead of computing with undefined derivatives.
    func nonSmoothness(_ state: UnsafePointer<Double>, label y: Int, count K: Int) -> String?

    /// `out = c ∇²_z ℓ v` from the stored `state`. `out` may alias `v`.
    func hessianProduct(_ state: UnsafePointer<Double>, label y: Int, count K: Int, _ v: UnsafePointer<Double>,
                        into out: UnsafeMutablePointer<Double>, scale c: Double)

    /// The diagonal `∇²_z ℓ[a, a]`, each entry computed without cancellation (for softmax
    /// losses `p_a(1 − p_a)` with `1 − p_a` as a sum where `p_a ≈ 1`).
    func hessianDiagonal(_ state: UnsafePointer<Double>, label y: Int, count K: Int, into out: UnsafeMutablePointer<Double>)

    /// Number `R` of signed rank-one factors of the off-diagonal part (cross-entropy: 1).
    var hessianFactorCount: Int { get }

    /// Factors `u_1 … u_R` (written one after another, `R·K` numbers) and signs `σ_r ∈ {±1}` with
    /// `∇²_z ℓ[a, b] = Σ_r σ_r u_r[a] u_r[b]` for every `a ≠ b` (the diagonal comes from
    /// `hessianDiagonal`). The dense classifier block is assembled from these with one `dgemm`
    /// per factor.
    func hessianFactors(_ state: UnsafePointer<Double>, label y: Int, count K: Int, into factors: UnsafeMutablePointer<Double>,
                        signs: UnsafeMutablePointer<Double>)

    /// `r` such that, once a sample's top logit leads by `g`, its curvature is of order
    /// `e^{−r g}` (softmax cross-entropy and CosFace: 1; focal loss `(1 − p)^γ`: `1 + γ`). The
    /// analysis refuses points where `r g` passes `NumericRange.maximumLogitGap` in every sample.
    var curvatureDecayRate: Double { get }
}

extension SampleLoss {
    public var curvatureDecayRate: Double { 1 }
}

/// The value of one sample's loss and how saturated its logits are.
public struct SampleEvaluation: Sendable {
    public var value: Double
    /// Largest logit minus the second largest (after any loss-specific shift). When it exceeds
    /// `NumericRange.maximumLogitGap` for every sample, every non-top probability underflows
    /// and second-order quantities vanish in double precision.
    public var logitGap: Double
    public init(value: Double, logitGap: Double) { self.value = value; self.logitGap = logitGap }
}

/// Where double precision ends for this model (docs/formulas.md §9).
public enum NumericRange {
    /// `exp(−650) ≈ 2·10⁻²⁸³`: the dominant non-top probabilities, and the Hessian entries
    /// `τ² p` built from them, stay normal numbers with full precision (subnormals start at
    /// `exp(−708)`). Beyond this gap in every sample the curvature is below what doubles hold.
    public static let maximumLogitGap = 650.0
}

extension InputError {
    /// The refusal of second-order analysis at a point where `loss` is not twice
    /// differentiable (`SampleLoss.nonSmoothness` gives `reason`).
    public static func notTwiceDifferentiable(loss: String, reason: String) -> InputError {
        InputError("loss \(loss) is not twice differentiable at this point: \(reason); its Hessian is undefined there, so no spectrum or second-order classification is computed")
    }
}
