import XCTest
@testable import NCLandscape

/// Certificates for the focal loss (docs/formulas.md §14): its logit derivative bounds hold,
/// they carry over to the model's C₁, C₂, L, and the double-precision proof labels focal points
/// as the dense spectrum does.
final class FocalCertificateTests: XCTestCase {
    /// `g(t) = ℓ(z + t u)` and its first three derivatives in closed form, independent of the
    /// kernel: with `s(t) = log p_y`, `s′ = u_y − ū`, `s″ = −Var_p(u)`, `s‴ = −E_p[(u − ū)³]`, and
    /// `φ(s) = q^γ L` (`q = 1 − p_y`, `L = −s`):
    /// `φ′ = −q^{γ−1}(γ p L + q)`, `φ″ = γ p q^{γ−1}((γ−1) p L/q − L + 2)`,
    /// `φ‴ = γ(γ−1)A′ − γB′ + 2γC′` (the terms of formulas §14), and
    /// `g′ = φ′s′`, `g″ = φ″s′² + φ′s″`, `g‴ = φ‴s′³ + 3φ″s′s″ + φ′s‴`.
    func derivatives(z: [Double], u: [Double], y: Int, gamma g: Double) -> (Double, Double, Double) {
        let mx = z.max()!
        let e = z.map { exp($0 - mx) }
        let total = e.reduce(0, +)
        let p = e.map { $0 / total }
        var q = 0.0
        for k in p.indices where k != y { q += p[k] }
        let py = p[y], L = -log(py)
        let ubar = zip(p, u).map(*).reduce(0, +)
        let s1 = u[y] - ubar
        let s2 = -zip(p, u).map { $0 * ($1 - ubar) * ($1 - ubar) }.reduce(0, +)
        let s3 = -zip(p, u).map { $0 * pow($1 - ubar, 3) }.reduce(0, +)
        let f1 = -pow(q, g - 1) * (g * py * L + q)
        let f2 = g * py * pow(q, g - 1) * ((g - 1) * py * L / q - L + 2)
        let a = -(g - 2) * pow(q, g - 3) * pow(py, 3) * L + 2 * pow(q, g - 2) * py * py * L - pow(q, g - 2) * py * py
        let b = -(g - 1) * pow(q, g - 2) * py * py * L + pow(q, g - 1) * py * L - pow(q, g - 1) * py
        let c = -(g - 1) * pow(q, g - 2) * py * py + pow(q, g - 1) * py
        let f3 = g * (g - 1) * a - g * b + 2 * g * c
        return (f1 * s1, f2 * s1 * s1 + f1 * s2, f3 * s1 * s1 * s1 + 3 * f2 * s1 * s2 + f1 * s3)
    }

    /// The closed forms agree with the kernel (gradient and Hessian-vector product, a second
    /// implementation) and with a central difference of the kernel's g″ (for g‴); then, over
    /// 4000 random logit vectors and unit directions (spread 0.1–30, a third pushed into
    /// saturation), |g′| ≤ a₁, |g″| ≤ a₂, |g‴| ≤ a₃ for γ = 0.5, 1, 2, 5. Away from saturation the
    /// closed forms are accurate to ~1e-12; saturated samples (q < 1e-6) only enter the bound
    /// check, where the kernel's saturation-safe forms are the reference.
    func testFocalLogitBoundsHold() throws {
        var rng = SeededGenerator(seed: 11)
        for gamma in [0.5, 1, 2, 5] {
            let kernel = FocalLoss(gamma: gamma)
            let b = LogitDerivativeBounds.focal(gamma: gamma)
            var worst = (0.0, 0.0, 0.0), checked = 0
            for trial in 0 ..< 1000 {
                let K = [2, 3, 5, 10][trial % 4], y = Int(rng.next() % UInt64(K))
                let spread = [0.1, 1, 3, 10, 30][trial % 5]
                var z = (0 ..< K).map { _ in spread * rng.normal() }
                if trial % 3 == 0 { z[y] += 20 * rng.uniform() }
                var u = (0 ..< K).map { _ in rng.normal() }
                let norm = u.map { $0 * $0 }.reduce(0, +).squareRoot()
                u = u.map { $0 / norm }
                var p = [Double](repeating: 0, count: K), grad = p, mag = p, hu = p
                _ = kernel.evaluate(z, label: y, count: K, state: &p, gradient: &grad, magnitude: &mag)
                kernel.hessianProduct(p, label: y, count: K, u, into: &hu, scale: 1)
                let (d1, d2, d3) = derivatives(z: z, u: u, y: y, gamma: gamma)
                let q = 1 - p[y]
                if q > 1e-6 && p[y] > 1e-6 {
                    checked += 1
                    let kd1 = zip(grad, u).map(*).reduce(0, +), kd2 = zip(hu, u).map(*).reduce(0, +)
                    XCTAssertEqual(d1, kd1, accuracy: 1e-10 * max(1, abs(kd1)), "γ=\(gamma) z=\(z)")
                    XCTAssertEqual(d2, kd2, accuracy: 1e-9 * max(1, abs(kd2)), "γ=\(gamma) z=\(z)")
                    // g‴ against a central difference of the kernel's g″ (h = 1e-4: truncation
                    // ~1e-8 g⁗, rounding ~1e-12).
                    let h = 1e-4
                    func kernelSecond(_ t: Double) -> Double {
                        let zt = zip(z, u).map { $0 + t * $1 }
                        var pt = [Double](repeating: 0, count: K), g = pt, m = pt, out = pt
                        _ = kernel.evaluate(zt, label: y, count: K, state: &pt, gradient: &g, magnitude: &m)
                        kernel.hessianProduct(pt, label: y, count: K, u, into: &out, scale: 1)
                        return zip(out, u).map(*).reduce(0, +)
                    }
                    let fd3 = (kernelSecond(h) - kernelSecond(-h)) / (2 * h)
                    XCTAssertEqual(d3, fd3, accuracy: 1e-5 * max(1, abs(d3)), "γ=\(gamma) z=\(z)")
                }
                worst = (max(worst.0, abs(d1) / b.a1), max(worst.1, abs(d2) / b.a2), max(worst.2, abs(d3) / b.a3))
            }
            XCTAssertGreaterThan(checked, 500)
            XCTAssertLessThanOrEqual(worst.0, 1, "a₁ at γ = \(gamma)")
            XCTAssertLessThanOrEqual(worst.1, 1, "a₂ at γ = \(gamma)")
            XCTAssertLessThanOrEqual(worst.2, 1, "a₃ at γ = \(gamma)")
            // Not vacuous: a₁ is attained within a factor 5, and the others within the factors
            // the derivation's term-by-term triangle inequalities give (measured 0.02–0.15 for a₂,
            // 0.002–0.03 for a₃); a bound 10⁴ times too loose would fail here.
            XCTAssertGreaterThan(worst.0, 0.2, "a₁ at γ = \(gamma)")
            XCTAssertGreaterThan(worst.1, 1e-3, "a₂ at γ = \(gamma)")
            XCTAssertGreaterThan(worst.2, 1e-4, "a₃ at γ = \(gamma)")
        }
        // γ = 0 is cross-entropy: the focal formulas reduce to its constants.
        let zero = LogitDerivativeBounds.focal(gamma: 0)
        XCTAssertEqual(zero.a2, LogitDerivativeBounds.logSumExp.a2)
        XCTAssertEqual(zero.a3, LogitDerivativeBounds.logSumExp.a3)
    }

    /// The model's C₁, C₂ + 6C₁ and L for focal hold along retraction curves (third differences
    /// of the double-precision loss, h = 1e-2: rounding ~1e-16/h³ = 1e-10 relative, far inside
    /// the bounds' slack).
    func testFocalModelBoundsHoldAlongRetractionCurves() throws {
        var rng = SeededGenerator(seed: 12)
        for (K, d, n, tau, gamma) in [(3, 2, 2, 8.0, 2.0), (4, 3, 1, 2.0, 0.5), (3, 4, 2, 0.5, 5.0)] {
            let model = try NormalizedFeatureModel(K: K, d: d, n: n, tau: tau, loss: .focal(gamma: gamma))
            XCTAssertNil(DerivativeBounds.unsupportedReason(model))
            let worst = worstDerivativeRatios(model, rng: &rng) { x, xi in
                let h = 1e-2
                func f(_ t: Double) -> Double { model.loss(at: model.manifold.retract(x, t * xi)) }
                let (m2, m1, z0, p1, p2) = (f(-2 * h), f(-h), f(0), f(h), f(2 * h))
                return ((p1 - m1) / (2 * h), (p1 + m1 - 2 * z0) / (h * h), (p2 - 2 * p1 + 2 * m1 - m2) / (2 * h * h * h))
            }
            XCTAssertLessThanOrEqual(worst.0, 1, "C₁ at K=\(K) γ=\(gamma)")
            XCTAssertLessThanOrEqual(worst.1, 1, "C₂ at K=\(K) γ=\(gamma)")
            XCTAssertLessThanOrEqual(worst.2, 1, "L at K=\(K) γ=\(gamma)")
        }
    }

    /// The focal kernel in extended precision carries its precision: the double-double loss and
    /// gradient agree with the quad-double ones to 1e-30 of their scale (a factor computed in
    /// double would show as 1e-17), on saturated points (τ = 32; one feature on its classifier),
    /// for γ = 0.5, 2, 5. (Checked once against 80-digit mpmath as well: 1e-32 relative.)
    func testExtendedFocalKernelKeepsItsPrecision() throws {
        for gamma in [0.5, 2, 5] {
            let model = try NormalizedFeatureModel(K: 3, d: 3, n: 2, tau: 32, loss: .focal(gamma: gamma))
            var rng = SeededGenerator(seed: 5)
            var x = model.manifold.randomPoint(using: &rng)
            for i in 0 ..< 3 { x[i, 3] = x[i, model.labels[0]] + 1e-3 * Double(i) }
            x = ProductOfSpheres.normalizeColumns(x)
            let dd = ExtendedPrecision.evaluate(model, at: DoubleDoubleMatrix(x))
            let qd = ExtendedPrecision.evaluate(model, at: ExtendedMatrix<QuadDouble>(x))
            XCTAssertLessThan(abs((ExtendedMatrix<QuadDouble>.convert(dd.loss) - qd.loss).double), 1e-30 * abs(qd.loss.double))
            let scale = qd.euclideanGradient.storage.map { abs($0.double) }.max()!
            for (a, b) in zip(dd.euclideanGradient.storage, qd.euclideanGradient.storage) {
                XCTAssertLessThan(abs((ExtendedMatrix<QuadDouble>.convert(a) - b).double), 1e-30 * scale, "γ = \(gamma)")
            }
        }
    }

    /// Focal points get certificates in double precision, with the dense spectrum's label and
    /// index (the ETF a minimizer, the anti-aligned ETF a saddle), by the dense and the block
    /// proof alike, without escalating; a point far from any critical point is not certified even
    /// after the double-double escalation.
    func testFocalPointsAreCertified() throws {
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 2, tau: 2, loss: .focal(gamma: 2))
        XCTAssertTrue(Certifier.applies(to: model))
        XCTAssertNil(ExtendedPrecision.unsupportedReason(model))
        let w = try SpecialPoints.simplexETF(K: 4, d: 5)
        for signs in [[1.0, 1, 1, 1], [-1.0, -1, -1, -1]] {
            let x = try NewtonPolisher.polish(model, from: SpecialPoints.aligned(model, classifiers: w, signs: signs)).point
            let a = try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense))
            for blocks in [false, true] {
                let c = try Certifier.certify(model, at: DoubleDoubleMatrix(x), extended: false, collapsedBlocks: blocks)
                XCTAssertEqual(c.status, .certified, c.reason ?? "")
                XCTAssertEqual(c.index, a.index)
                XCTAssertEqual(c.label, a.index > 0 ? .strictSaddle : .localMinimizer)
            }
            let d = try CertifiedDecision.decide(model, at: x, reference: model.optimalLoss)
            XCTAssertFalse(d.escalated)
            XCTAssertEqual(d.provenClass, a.index > 0 ? .strictSaddle : .globalMinimizer)
        }
        // Far from any critical point: not certified, in double or after escalating.
        var rng = SeededGenerator(seed: 2)
        let far = try Certifier.certify(model, at: DoubleDoubleMatrix(model.manifold.randomPoint(using: &rng)), extended: true)
        XCTAssertEqual(far.status, .notCertified)
        XCTAssertTrue(far.reason?.contains("Kantorovich") ?? false, far.reason ?? "")
    }
}
