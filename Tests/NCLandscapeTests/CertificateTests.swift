import XCTest
@testable import NCLandscape

/// Certified labels (docs/formulas.md §14): the derivative bounds hold, the certificate proves
/// what it should and refuses what it must, and extended precision decides where doubles cannot.
final class CertificateTests: XCTestCase {
    func fixture(_ name: String) throws -> (NormalizedFeatureModel, Matrix) {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/certificate/\(name)").path
        return try PointFile.read(path: path)
    }

    /// QD arithmetic carries ~32 (double-double) and ~64 (quad-double) digits: e and log 2 to
    /// their known digits, far past what a double holds.
    func testExtendedArithmeticDigits() {
        let e = DoubleDouble.exp(.one)
        // e minus the double nearest to it, 1.4456468917292501365542…e-16 (mpmath, 50 digits): the
        // low part carries the digits a double drops.
        XCTAssertEqual(e.hi, 2.718281828459045, accuracy: 4e-16)
        XCTAssertEqual((e - DoubleDouble(2.718281828459045)).double, 1.4456468917292501365542e-16, accuracy: 1e-30)
        let l2 = QuadDouble.log(QuadDouble(2))
        let back = QuadDouble.exp(l2) - QuadDouble(2)
        XCTAssertLessThan(abs(back.double), 1e-60)
        let dd = DoubleDouble.exp(DoubleDouble.log(DoubleDouble(3))) - DoubleDouble(3)
        XCTAssertLessThan(abs(dd.double), 1e-30)
        XCTAssertGreaterThan(abs(dd.double), 0, "a double-double round trip is not exact to 64 digits")
    }

    /// The double-double gradient and Hessian-vector product agree with the double ones (an
    /// independent implementation of the same formulas) to double precision, on every
    /// certifiable loss.
    func testExtendedGradientAndHessianMatchDouble() throws {
        var rng = SeededGenerator(seed: 5)
        for model in try models() where ExtendedPrecision.unsupportedReason(model) == nil {
            let x = model.manifold.randomPoint(using: &rng)
            let xi = model.manifold.randomTangent(at: x, using: &rng)
            let ev = ExtendedPrecision.evaluate(model, at: DoubleDoubleMatrix(x))
            let g = model.riemannianGradient(at: x)
            XCTAssertEqual(ev.loss.double, model.loss(at: x), accuracy: 1e-14 * max(1, model.loss(at: x)))
            XCTAssertLessThan(Matrix.maxAbsDifference(ev.riemannianGradient.rounded, g), 1e-13 * max(1, g.frobeniusNorm), "\(model.spec.summary)")
            let hv = ExtendedPrecision.hessianVectorProduct(model, at: DoubleDoubleMatrix(x), evaluation: ev, direction: DoubleDoubleMatrix(xi)).rounded
            let hd = model.riemannianHessianVectorProduct(at: x, firstOrder: model.firstOrder(at: x), direction: xi)
            XCTAssertLessThan(Matrix.maxAbsDifference(hv, hd), 1e-12 * max(1, hd.frobeniusNorm), "\(model.spec.summary)")
        }
    }

    /// The bounds C₁, C₂ (with the chart's 6 C₁) and L hold along retraction curves at random
    /// points and directions: |d^k/dt^k f(R_x(tξ))| at t = 0, by central differences of the
    /// double-double loss (h = 1e-2: rounding 1e-30/h³ = 1e-24, truncation O(h²) relative).
    func testDerivativeBoundsHoldAlongRetractionCurves() throws {
        var rng = SeededGenerator(seed: 9)
        for (K, d, n, tau) in [(3, 2, 2, 8.0), (4, 3, 1, 2.0), (3, 4, 3, 0.5), (2, 2, 1, 32.0)] {
            let model = try NormalizedFeatureModel(K: K, d: d, n: n, tau: tau)
            let worst = worstDerivativeRatios(model, rng: &rng) { x, xi in
                let h = 1e-2
                func f(_ t: Double) -> DoubleDouble {
                    var p = DoubleDoubleMatrix(x)
                    for i in 0 ..< p.storage.count { p.storage[i] += DoubleDouble(t * xi.storage[i]) }
                    return ExtendedPrecision.evaluate(model, at: p.normalizedColumns()).loss
                }
                let (m2, m1, z0, p1, p2) = (f(-2 * h), f(-h), f(0), f(h), f(2 * h))
                return (((p1 - m1) / DoubleDouble(2 * h)).double,
                        ((p1 + m1 - DoubleDouble(2) * z0) / DoubleDouble(h * h)).double,
                        ((p2 - DoubleDouble(2) * p1 + DoubleDouble(2) * m1 - m2) / DoubleDouble(2 * h * h * h)).double)
            }
            XCTAssertLessThanOrEqual(worst.0, 1, "C₁ at K=\(K) d=\(d) τ=\(tau)")
            XCTAssertLessThanOrEqual(worst.1, 1, "C₂ at K=\(K) d=\(d) τ=\(tau)")
            XCTAssertLessThanOrEqual(worst.2, 1, "L at K=\(K) d=\(d) τ=\(tau)")
        }
    }

    /// The constants against their documented formulas (docs/formulas.md §14), worked out here
    /// for K = 3, N = 12, τ = 2: C₁ = 4(1 + ½) = 6, C₂ = 4·(1 + ¼) + 8/√12, C₃ = 32(1 + 3√3/12) +
    /// 12(√12 + √3)/12, L = C₃ + 18C₂ + 36C₁. The validity test above cannot notice an L that is
    /// too small by a constant factor (the bound is not tight); this one does.
    func testDerivativeBoundsFollowTheirFormulas() throws {
        let b = DerivativeBounds(model: try NormalizedFeatureModel(K: 3, d: 4, n: 4, tau: 2))
        let c1 = 6.0, c2 = 5 + 8 / 12.0.squareRoot(), c3 = 32 * (1 + 3 * 3.0.squareRoot() / 12) + (12.0.squareRoot() + 3.0.squareRoot())
        XCTAssertEqual(b.c1, c1, accuracy: 1e-12)
        XCTAssertEqual(b.c2, c2, accuracy: 1e-12)
        XCTAssertEqual(b.c3, c3, accuracy: 1e-12)
        XCTAssertEqual(b.lipschitz, c3 + 18 * c2 + 36 * c1, accuracy: 1e-9)
    }

    /// Proven labels at small problems, each matching the threshold label and the dense index:
    /// the spurious minimizer of K=3, d=2, n=3, τ=8 (loss 0.4330577, checked independently to 80
    /// digits), the neural-collapse minimizer, and the anti-aligned saddle.
    func testCertifiesMinimizersAndSaddles() throws {
        let (model, x) = try fixture("spurious-K3-d2-n3-tau8.json")
        let d = try CertifiedDecision.decide(model, at: x, reference: model.optimalLoss)
        XCTAssertEqual(d.certificate.status, .certified, d.certificate.reason ?? "")
        XCTAssertEqual(d.certificate.label, .localMinimizer)
        XCTAssertEqual(d.provenClass, .spuriousLocalMinimizer)
        XCTAssertEqual(d.certificate.lossLower!, 0.4330576603, accuracy: 1e-9)
        XCTAssertLessThan(d.certificate.radius!, 1e-8)
        XCTAssertLessThanOrEqual(d.certificate.kantorovichH!, 0.5)

        let m2 = try NormalizedFeatureModel(K: 4, d: 5, n: 2, tau: 2)
        let w = try SpecialPoints.simplexETF(K: 4, d: 5)
        let etf = SpecialPoints.aligned(m2, classifiers: w, signs: [1, 1, 1, 1])
        let g = try CertifiedDecision.decide(m2, at: etf, reference: m2.optimalLoss)
        XCTAssertEqual(g.provenClass, .globalMinimizer, g.certificate.reason ?? "")
        XCTAssertFalse(g.escalated)
        let anti = try NewtonPolisher.polish(m2, from: SpecialPoints.aligned(m2, classifiers: w, signs: [-1, -1, -1, -1])).point
        let s = try CertifiedDecision.decide(m2, at: anti, reference: m2.optimalLoss)
        let a = try LandscapeAnalyzer.analyze(m2, at: anti, options: AnalysisOptions(method: .dense))
        XCTAssertEqual(s.provenClass, .strictSaddle, s.certificate.reason ?? "")
        XCTAssertEqual(s.certificate.index, a.index)
        XCTAssertTrue(s.certificate.summary.hasPrefix("certified strict saddle (index \(a.index)"), s.certificate.summary)
    }

    /// A random point is not near a critical point: no certificate, in double or after trying.
    func testPointFarFromAnyCriticalPointIsNotCertified() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 3, n: 2, tau: 2)
        var rng = SeededGenerator(seed: 2)
        let x = model.manifold.randomPoint(using: &rng)
        let c = try Certifier.certify(model, at: DoubleDoubleMatrix(x), extended: false)
        XCTAssertEqual(c.status, .notCertified)
        XCTAssertNil(c.label)
        XCTAssertNotNil(c.reason)
    }

    /// Kantorovich's condition h ≤ 1/2 is what decides: a critical point moved along a quotient
    /// direction until h ≈ 0.75 is refused, and the same point with L halved (h ≈ 0.375) would be
    /// accepted, so an underestimated L changes the outcome.
    func testHalvedLipschitzBoundWouldCertifyWhatMustNotBe() throws {
        let (model, x) = try fixture("spurious-K3-d2-n3-tau8.json")
        let base = try Certifier.certify(model, at: DoubleDoubleMatrix(x), extended: false)
        XCTAssertEqual(base.status, .certified)
        var rng = SeededGenerator(seed: 4)
        let dir = model.manifold.randomTangent(at: x, using: &rng)
        let unit = (1 / dir.frobeniusNorm) * dir
        var t = 1e-9, cert = base
        for _ in 0 ..< 12 {
            cert = try Certifier.certify(model, at: DoubleDoubleMatrix(model.manifold.retract(x, t * unit)), extended: false)
            guard let h = cert.kantorovichH else { break }
            if abs(h - 0.75) < 0.05 { break }
            t *= 0.75 / h
        }
        let h = try XCTUnwrap(cert.kantorovichH)
        XCTAssertEqual(h, 0.75, accuracy: 0.05)
        XCTAssertEqual(cert.status, .notCertified)
        XCTAssertTrue(cert.reason?.contains("Kantorovich") ?? false, cert.reason ?? "")
        let halved = try Certifier.certify(model, at: DoubleDoubleMatrix(model.manifold.retract(x, t * unit)), extended: false, lipschitzScale: 0.5)
        XCTAssertEqual(halved.status, .certified, "h = \(halved.kantorovichH ?? .nan)")
    }

    /// The total collapse at d = 2 (every column e₁, exactly critical) is a strict saddle
    /// (λ_min = −2/3, twice) with one zero eigenvalue beyond the symmetry: the quotient's
    /// enclosure contains 0 at every precision tried, so no existence proof; the two negative
    /// eigenvalues enclosed away from 0 make it a saddle region instead, with index ≥ 2.
    func testTotalCollapseIsASaddleRegionNotAFullCertificate() throws {
        let model = try NormalizedFeatureModel(K: 3, d: 2, n: 1, tau: 2)
        let total = try XCTUnwrap(AnsatzFamilies.starts(for: model).first { $0.origin == "total" }).point
        let d = try CertifiedDecision.decide(model, at: total, reference: model.optimalLoss)
        XCTAssertEqual(d.certificate.status, .saddleRegion)
        XCTAssertTrue(d.escalated)
        XCTAssertTrue(d.certificate.reason?.contains("contains 0") ?? false, d.certificate.reason ?? "")
        XCTAssertEqual(d.certificate.index, 2)
        XCTAssertEqual(d.provenClass, .strictSaddle)
    }

    /// Where doubles cannot decide (K=3, d=2, n=3, τ=32: the double "critical point" sits in a
    /// valley so flat that its gradient, 1e-12, is far from the true one's), the threshold says
    /// degenerate; Newton in extended precision moves the point ~0.7 and the quad-double
    /// certificate proves a strict local minimizer with all quotient eigenvalues ≥ 5e-13 — a
    /// spurious one (the ETF's loss is 3e-21).
    func testExtendedPrecisionDecidesTheFlatValley() throws {
        let (model, x) = try fixture("flat-valley-K3-d2-n3-tau32.json")
        let a = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense))
        XCTAssertEqual(a.classification, .degenerate)
        let double = try Certifier.certify(model, at: DoubleDoubleMatrix(x), extended: false)
        XCTAssertEqual(double.status, .notCertified)
        let d = try CertifiedDecision.decide(model, at: x, reference: model.optimalLoss)
        XCTAssertEqual(d.certificate.status, .certified, d.certificate.reason ?? "")
        XCTAssertEqual(d.certificate.precision, "quad-double")
        XCTAssertEqual(d.provenClass, .spuriousLocalMinimizer)
        XCTAssertGreaterThan(d.distanceMoved ?? 0, 0.1)
        XCTAssertEqual(d.certificate.smallestQuotientEigenvalue!, 5.6e-13, accuracy: 0.2e-13)
        XCTAssertEqual(d.certificate.lossLower!, 0.2824708804, accuracy: 1e-9)
    }
}
