import XCTest
@testable import NCLandscape

/// Slopes of log(error) against log(t) between consecutive step sizes.
func loglogSlopes(_ ts: [Double], _ errs: [Double]) -> [Double] {
    (1 ..< ts.count).map { i -> Double in
        let de: Double = log(errs[i]) - log(errs[i - 1])
        let dt: Double = log(ts[i]) - log(ts[i - 1])
        return de / dt
    }
}

/// Taylor test along the retraction curve `t ↦ R_x(t ξ)`: the first-order remainder must fall like
/// `t²` and the second-order one like `t³` (log-log slopes within ±0.15: a smooth function's slopes
/// settle within a few hundredths over these steps; a wrong gradient or Hessian term gives slope 2
/// for both). `steps` must keep the errors far above the loss's ~1e-15 roundoff.
func assertTaylorSlopes(_ model: NormalizedFeatureModel, at x: Matrix, direction xi: Matrix, steps ts: [Double],
                        _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    let fo = model.firstOrder(at: x)
    let grad = model.manifold.euclideanToRiemannianGradient(x, fo.euclideanGradient)
    let hxi = model.riemannianHessianVectorProduct(at: x, firstOrder: fo, direction: xi)
    let g1 = model.manifold.inner(grad, xi), h2 = model.manifold.inner(xi, hxi)
    var e1: [Double] = [], e2: [Double] = []
    for t in ts {
        let ft = model.loss(at: model.manifold.retract(x, t * xi))
        e1.append(abs(ft - fo.loss - t * g1))
        e2.append(abs(ft - fo.loss - t * g1 - 0.5 * t * t * h2))
    }
    for s in loglogSlopes(ts, e1) { XCTAssertEqual(s, 2, accuracy: 0.15, "gradient slope, \(message)", file: file, line: line) }
    for s in loglogSlopes(ts, e2) { XCTAssertEqual(s, 3, accuracy: 0.15, "Hessian slope, \(message)", file: file, line: line) }
}

/// The Riemannian Hessian built one column at a time from Hessian-vector products: an
/// independent route to the same matrix as the blockwise BLAS assembly.
func hessianFromProducts(_ model: NormalizedFeatureModel, _ x: Matrix) -> Matrix {
    let basis = TangentBasis(point: x)
    let fo = model.firstOrder(at: x)
    let m = basis.dimension
    var out = Matrix(rows: m, cols: m)
    for i in 0 ..< m {
        var e = [Double](repeating: 0, count: m); e[i] = 1
        let hv = model.riemannianHessianVectorProduct(at: x, firstOrder: fo, direction: basis.vector(from: e))
        out.setColumn(i, basis.coordinates(of: hv))
    }
    return out
}

/// One model per loss and regime: cross-entropy (balanced, imbalanced, label smoothing), focal
/// (γ = 2 and γ = 0.5, the branch where s^{γ−1} grows), CosFace (with label smoothing).
func models() throws -> [NormalizedFeatureModel] {
    [try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 2),
     try NormalizedFeatureModel(d: 3, counts: [3, 1, 2, 1], tau: 5),
     try NormalizedFeatureModel(K: 4, d: 3, n: 2, tau: 0.7, labelSmoothing: 0.2),
     try NormalizedFeatureModel(K: 3, d: 4, n: 2, tau: 2, loss: .focal(gamma: 2)),
     try NormalizedFeatureModel(d: 3, counts: [2, 1, 3], tau: 3, loss: .focal(gamma: 0.5)),
     try NormalizedFeatureModel(K: 4, d: 3, n: 2, tau: 2.5, labelSmoothing: 0.1, loss: .cosface(margin: 0.3))]
}

func assertThrowsInput(_ expr: @autoclosure () throws -> Any, contains text: String, file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try expr()
        XCTFail("expected an error mentioning '\(text)'", file: file, line: line)
    } catch {
        XCTAssertTrue("\(error)".contains(text), "error '\(error)' does not mention '\(text)'", file: file, line: line)
    }
}

/// The worst ratios `|f′|/C₁`, `|f″|/(C₂ + 6C₁)` and `|f‴|/L` of the derivatives along
/// retraction curves `t ↦ R_x(tξ)` to the model's derivative bounds, over `count` random points
/// and unit tangents; `derivatives(x, ξ)` returns the three derivatives at `t = 0`.
func worstDerivativeRatios(_ model: NormalizedFeatureModel, count: Int = 20, rng: inout SeededGenerator,
                           derivatives: (Matrix, Matrix) -> (Double, Double, Double)) -> (Double, Double, Double) {
    let b = DerivativeBounds(model: model)
    var worst = (0.0, 0.0, 0.0)
    for _ in 0 ..< count {
        let x = model.manifold.randomPoint(using: &rng)
        let v = model.manifold.randomTangent(at: x, using: &rng)
        let (d1, d2, d3) = derivatives(x, (1 / v.frobeniusNorm) * v)
        worst = (max(worst.0, abs(d1) / b.c1), max(worst.1, abs(d2) / (b.c2 + 6 * b.c1)), max(worst.2, abs(d3) / b.lipschitz))
    }
    return worst
}
