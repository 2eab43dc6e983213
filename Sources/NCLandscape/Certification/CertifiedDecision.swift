import Foundation

/// A label decided by error bounds rather than a fixed threshold (docs/formulas.md §14): the
/// point is certified in double precision; where the bounds straddle zero, it is polished and
/// certified again with its gradient in double-double. The certificate's label, when it has
/// one, replaces the threshold label.
public struct CertifiedDecision: Codable, Sendable {
    public var certificate: LabelCertificate
    /// Whether the double-double escalation ran (the double certificate did not decide).
    public var escalated: Bool
    /// Escalation: how far polishing moved the point (`‖x_end − x_start‖_F`) and the gradient
    /// norm it reached (double-double evaluation).
    @NullEncodable public var distanceMoved: Double?
    @NullEncodable public var extendedGradientNorm: Double?
    /// The class the certificate proves (nil when not certified).
    @NullEncodable public var provenClass: CriticalPointClass?

    /// The point the certificate is about: the escalated point when it moved, rounded to doubles.
    public var polishedPoint: Matrix? { polished }
    var polished: Matrix?

    enum CodingKeys: String, CodingKey { case certificate, escalated, distanceMoved, extendedGradientNorm, provenClass }

    /// Certifies `x`, escalating to double-double when the double certificate does not decide.
    /// - Parameters:
    ///   - reference: the proven optimum `f*`, else the best loss known, else nil (a certified
    ///     minimizer then stays `local_minimizer`).
    ///   - referenceIsProven: whether `reference` is a proven lower bound (else it is only the
    ///     loss of a point, which still proves a higher minimizer is not global).
    public static func decide(_ model: NormalizedFeatureModel, at x: Matrix, reference: Double?,
                              escalate: Bool = true) throws -> CertifiedDecision {
        var out = CertifiedDecision(certificate: try Certifier.certify(model, at: DoubleDoubleMatrix(x), extended: false), escalated: false)
        let doubleResult = out
        if out.certificate.status != .certified, escalate, ExtendedPrecision.unsupportedReason(model) == nil,
           model.hessianSize <= Certifier.maximumSize || out.certificate.structure == .collapsedBlocks {
            // Double-double first; quad-double where the curvature is so small (β ≈ 1/λ_min) that
            // Kantorovich's h = β²L‖grad‖ needs a gradient below what 32 digits resolve.
            let p = try ExtendedPrecision.polish(model, from: DoubleDoubleMatrix(x))
            var c = try Certifier.certify(model, at: p.point, extended: true)
            out = CertifiedDecision(certificate: c, escalated: true, distanceMoved: p.distanceMoved,
                                    extendedGradientNorm: p.evaluation.gradientNorm)
            out.polished = p.point.rounded
            if c.status != .certified, model.hessianSize <= Certifier.extendedHessianMaximumSize {
                let q = try ExtendedPrecision.polish(model, from: ExtendedMatrix<QuadDouble>(converting: p.point), maxIterations: 8)
                c = try Certifier.certify(model, at: q.point, extended: true)
                var moved = 0.0
                let x0 = ExtendedMatrix<QuadDouble>(x).normalizedColumns()
                for i in 0 ..< x0.storage.count { let t = (q.point.storage[i] - x0.storage[i]).double; moved += t * t }
                out = CertifiedDecision(certificate: c, escalated: true, distanceMoved: moved.squareRoot(),
                                        extendedGradientNorm: q.evaluation.gradientNorm)
                out.polished = q.point.rounded
            }
        }
        // An escalation that proves nothing does not discard the double precision saddle region.
        if doubleResult.certificate.status == .saddleRegion, out.certificate.status == .notCertified {
            let why = out.certificate.reason
            out = doubleResult
            if let why { out.certificate.reason = (out.certificate.reason ?? "") + "; escalated: " + why }
        }
        out.provenClass = provenClass(out.certificate, reference: reference)
        return out
    }

    /// The class a certificate proves: a saddle; or a minimizer whose loss enclosure lies above
    /// the reference (spurious: a lower point exists), contains it (global, when the reference
    /// is the optimum or the best loss known), or no reference (local).
    public static func provenClass(_ c: LabelCertificate, reference: Double?) -> CriticalPointClass? {
        guard c.status != .notCertified, let label = c.label else { return nil }
        switch label {
        case .strictSaddle: return .strictSaddle
        case .localMinimizer:
            guard let reference, let lo = c.lossLower, let hi = c.lossUpper else { return .localMinimizer }
            if lo > reference && !ClassificationRule.lossesAgree(lo, reference) { return .spuriousLocalMinimizer }
            if hi < reference && !ClassificationRule.lossesAgree(hi, reference) { return .localMinimizer }
            return .globalMinimizer
        }
    }
}
