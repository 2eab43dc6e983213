/// CosFace / AM-softmax (Wang et al. 2018; docs/formulas.md §11): cross-entropy of the logits
/// with the target one lowered by `τm`, `ẑ = z − τm e_y`, cosine margin `m ∈ [0, 2]`. The shift
/// is constant, so the kernel is `CrossEntropy` with `targetShift = −τm` and the logit Hessian
/// is cross-entropy's. Its bound is cross-entropy's with the collapsed margin lowered by `τm`.
public struct CosFaceDefinition: LossDefinition, Equatable {
    public static let kind = "cosface"
    public static let summary = "cross-entropy of z − τm e_y (additive cosine margin m; label smoothing allowed)"
    public static let parameters = [LossParameter(key: "margin", tag: "m", defaultValue: 0.35, minimum: 0, maximum: 2,
                                                  help: "additive cosine margin m ∈ [0, 2]")]
    public static let acceptsLabelSmoothing = true

    public let margin: Double
    public init(margin: Double) { self.margin = margin }
    public init(validating values: [String: Double]) throws {
        let m = values["margin"] ?? Self.parameters[0].defaultValue
        guard m.isFinite, m >= 0, m <= 2 else { throw InputError("the cosface margin m must lie in [0, 2] (a cosine margin; got \(m))") }
        margin = m
    }
    public var parameterValues: [Double] { [margin] }

    public func kernel(tau: Double, labelSmoothing: Double) -> any SampleLoss {
        CrossEntropy(labelSmoothing: labelSmoothing, targetShift: -tau * margin)
    }
    public func collapsedMargin(K: Int, tau: Double) -> Double { tau * Double(K) / Double(K - 1) - tau * margin }
    public func provenBound(for model: ModelDescription) -> ProvenBound {
        model.shiftedSoftmaxBound(note: " (CosFace margin shifts M by −τm)")
    }
    public var extendedPrecision: ExtendedPrecisionSupport { .shiftedSoftmax(margin: margin) }
    public var derivativeBounds: DerivativeBoundSupport { .bounded(.logSumExp) }
}

extension LossFunction {
    public static func cosface(margin: Double) -> LossFunction { LossFunction(CosFaceDefinition(margin: margin)) }
}
