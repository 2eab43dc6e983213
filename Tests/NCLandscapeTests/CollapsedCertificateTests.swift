import XCTest
@testable import NCLandscape

/// The certificate at collapsed points (docs/formulas.md §14): the block proof reaches the dense
/// proof's conclusions at a fraction of its cost, goes where the dense proof cannot (m far above
/// 2000), and still refuses what it must.
final class CollapsedCertificateTests: XCTestCase {
    /// Collapsed critical points: every ansatz family polished, on balanced, imbalanced,
    /// label-smoothed and CosFace models.
    func collapsedPoints(_ model: NormalizedFeatureModel) throws -> [Matrix] {
        var out: [Matrix] = []
        for s in AnsatzFamilies.starts(for: model) {
            let p = try NewtonPolisher.polish(model, from: s.point)
            guard p.converged, ReducedSpectrum.collapseDeviation(model: model, point: p.point) <= ReducedSpectrum.collapseTolerance else { continue }
            out.append(p.point)
        }
        return out
    }

    /// The second way to the same answer: the dense proof over the whole quotient. Both must
    /// certify the same points with the same label and index (index counts the class blocks
    /// n_k − 1 times), and their loss enclosures must overlap.
    func testBlockProofAgreesWithTheDenseProof() throws {
        let models = [
            try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2),
            try NormalizedFeatureModel(d: 4, counts: [5, 1, 1], tau: 8),
            try NormalizedFeatureModel(K: 3, d: 3, n: 2, tau: 2, labelSmoothing: 0.1),
            try NormalizedFeatureModel(K: 4, d: 3, n: 2, tau: 4, loss: try LossFunction.make(kind: "cosface", parameters: ["margin": 0.2])),
        ]
        var compared = 0, saddles = 0, blockIndexed = 0
        for model in models {
            for x in try collapsedPoints(model) {
                let dense = try Certifier.certify(model, at: DoubleDoubleMatrix(x), extended: false, collapsedBlocks: false)
                let block = try Certifier.certify(model, at: DoubleDoubleMatrix(x), extended: false)
                XCTAssertEqual(dense.structure, .dense)
                XCTAssertEqual(block.structure, .collapsedBlocks)
                let what = "\(model.spec.summary): dense \(dense.summary) / blocks \(block.summary)"
                XCTAssertEqual(block.status, dense.status, what)
                XCTAssertEqual(block.label, dense.label, what)
                XCTAssertEqual(block.index, dense.index, what)
                if dense.status == .certified {
                    compared += 1
                    if dense.label == .strictSaddle { saddles += 1 }
                    // The exact critical point is the same one, so the two enclosures of its loss meet.
                    XCTAssertLessThanOrEqual(block.lossLower!, dense.lossUpper!, what)
                    XCTAssertLessThanOrEqual(dense.lossLower!, block.lossUpper!, what)
                    // The smallest |λ̃| is the same number computed from two different matrices.
                    XCTAssertEqual(block.smallestQuotientEigenvalue!, dense.smallestQuotientEigenvalue!,
                                   accuracy: 1e-9 * max(1, dense.smallestQuotientEigenvalue!), what)
                    let rs = try ReducedSpectrum(model: model, point: x)
                    if rs.classBlocks.contains(where: { $0.multiplicity > 0 && $0.eigen.values[0] < 0 }) { blockIndexed += 1 }
                }
            }
        }
        // The comparison covers saddles and minimizers, and saddles whose negative curvature
        // lies in a repeated class block (so the multiplicities are exercised).
        XCTAssertGreaterThanOrEqual(compared, 10)
        XCTAssertGreaterThanOrEqual(saddles, 5)
        XCTAssertGreaterThanOrEqual(blockIndexed, 1)
    }

    /// Far beyond the dense limit (m = 8016 at K = 4, d = 5, n = 500): the ETF is a certified
    /// global minimizer and the anti-aligned ETF a certified strict saddle whose index is the
    /// reduced spectrum's count of negative eigenvalues. The dense proof refuses both.
    func testBlockProofBeyondTheDenseLimit() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 500, tau: 2)
        XCTAssertGreaterThan(model.hessianSize, Certifier.maximumSize)
        XCTAssertTrue(Certifier.applies(to: model))
        let w = try SpecialPoints.simplexETF(K: 4, d: 5)
        let etf = SpecialPoints.aligned(model, classifiers: w, signs: [1, 1, 1, 1])
        let g = try CertifiedDecision.decide(model, at: etf, reference: model.optimalLoss)
        XCTAssertEqual(g.provenClass, .globalMinimizer, g.certificate.reason ?? "")
        XCTAssertEqual(g.certificate.structure, .collapsedBlocks)
        let dense = try Certifier.certify(model, at: DoubleDoubleMatrix(etf), extended: false, collapsedBlocks: false)
        XCTAssertEqual(dense.status, .notCertified)
        XCTAssertTrue(dense.reason?.contains("above the dense certificate's limit") ?? false, dense.reason ?? "")

        let anti = try NewtonPolisher.polish(model, from: SpecialPoints.aligned(model, classifiers: w, signs: [-1, -1, -1, -1])).point
        let s = try CertifiedDecision.decide(model, at: anti, reference: model.optimalLoss)
        XCTAssertEqual(s.certificate.status, .certified, s.certificate.reason ?? "")
        XCTAssertEqual(s.provenClass, .strictSaddle, s.certificate.reason ?? "")
        let rs = try ReducedSpectrum(model: model, point: anti)
        let symmetry = try SymmetryAnalysis(point: anti, basis: TangentBasis(point: anti))
        // The orbit's zero eigenvalues come out as ±1e-16-sized numbers: count below −1e-8‖M‖.
        let scale = rs.eigenvalues.map(abs).max() ?? 0
        XCTAssertEqual(s.certificate.index, rs.eigenvalues.filter { $0 < -1e-8 * scale }.count)
        XCTAssertGreaterThan(symmetry.nullity, 0)
    }

    /// The block route applies only to collapsed points: a feature moved by 1e-8 (above the
    /// 1e-10 collapse tolerance) goes to the dense proof; one moved by 1e-13 is snapped onto
    /// the collapsed point, and the radius says how far that moved it.
    func testOnlyCollapsedPointsTakeTheBlockRoute() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2)
        let w = try SpecialPoints.simplexETF(K: 4, d: 5)
        let x = try NewtonPolisher.polish(model, from: SpecialPoints.aligned(model, classifiers: w, signs: [-1, -1, -1, -1])).point
        func moved(_ t: Double) -> Matrix {
            var y = x
            y[4, model.K + 1] += t
            return ProductOfSpheres.normalizeColumns(y)
        }
        let far = try Certifier.certify(model, at: DoubleDoubleMatrix(moved(1e-8)), extended: false)
        XCTAssertEqual(far.structure, .dense)
        let near = try Certifier.certify(model, at: DoubleDoubleMatrix(moved(1e-13)), extended: false)
        XCTAssertEqual(near.structure, .collapsedBlocks)
        XCTAssertEqual(near.status, .certified, near.reason ?? "")
        XCTAssertGreaterThanOrEqual(near.radius!, 0.9e-13)
    }

    /// Kantorovich still decides on the block route: the saddle moved along a classifier
    /// direction (the point stays collapsed) until h ≈ 0.75 is refused, and accepted with L
    /// halved — so an underestimated L would change the outcome here too.
    func testHalvedLipschitzBoundOnTheBlockRoute() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2)
        let w = try SpecialPoints.simplexETF(K: 4, d: 5)
        let x = try NewtonPolisher.polish(model, from: SpecialPoints.aligned(model, classifiers: w, signs: [-1, -1, -1, -1])).point
        var rng = SeededGenerator(seed: 9)
        var dir = model.manifold.randomTangent(at: x, using: &rng)
        for c in model.featureColumns { for i in 0 ..< model.d { dir[i, c] = 0 } }
        let unit = (1 / dir.frobeniusNorm) * dir
        var t = 1e-9, cert = try Certifier.certify(model, at: DoubleDoubleMatrix(x), extended: false)
        XCTAssertEqual(cert.status, .certified)
        for _ in 0 ..< 12 {
            cert = try Certifier.certify(model, at: DoubleDoubleMatrix(model.manifold.retract(x, t * unit)), extended: false)
            guard let h = cert.kantorovichH else { break }
            if abs(h - 0.75) < 0.05 { break }
            t *= 0.75 / h
        }
        XCTAssertEqual(cert.structure, .collapsedBlocks)
        XCTAssertEqual(try XCTUnwrap(cert.kantorovichH), 0.75, accuracy: 0.05)
        XCTAssertNotEqual(cert.status, .certified)
        let halved = try Certifier.certify(model, at: DoubleDoubleMatrix(model.manifold.retract(x, t * unit)), extended: false, lipschitzScale: 0.5)
        XCTAssertEqual(halved.status, .certified, "h = \(halved.kantorovichH ?? .nan)")
    }
}
