import XCTest
@testable import NCLandscape

final class DerivativeTests: XCTestCase {
    /// Taylor test along the retraction curve `c(t) = R_x(tξ)`: the first-order model error
    /// shrinks like t² and the second-order one like t³ (the metric projection retraction is
    /// second order, so the Riemannian Hessian gives the t² term exactly).
    func testTaylorSlopesAtRandomPoints() throws {
        for (i, model) in try models().enumerated() {
            var rng = SeededGenerator(seed: UInt64(10 + i))
            let x = model.manifold.randomPoint(using: &rng)
            let xi = model.manifold.randomTangent(at: x, using: &rng)
            // Step sizes chosen so errors (≥ ~1e-9 at t = 1e-3) stay far above the ~1e-15 roundoff of f.
            assertTaylorSlopes(model, at: x, direction: xi, steps: [1e-1, 3e-2, 1e-2, 3e-3, 1e-3], "model \(i)")
        }
    }

    /// The Euclidean Hessian-vector product against central differences of the gradient
    /// (error O(h²) ≈ 1e-10 at h = 1e-5, far below the 1e-6 tolerance yet far above roundoff).
    func testEuclideanHessianMatchesFiniteDifferences() throws {
        for (i, model) in try models().enumerated() {
            var rng = SeededGenerator(seed: UInt64(20 + i))
            let x = model.manifold.randomPoint(using: &rng)
            let v = Matrix(rows: model.d, cols: model.K + model.N, columnMajor: rng.normals(model.d * (model.K + model.N)))
            let h = 1e-5
            let gp = model.firstOrder(at: x + h * v).euclideanGradient
            let gm = model.firstOrder(at: x - h * v).euclideanGradient
            let fd = (1 / (2 * h)) * (gp - gm)
            let hv = model.euclideanHessianVectorProduct(at: x, firstOrder: model.firstOrder(at: x), direction: v)
            XCTAssertLessThan(Matrix.maxAbsDifference(fd, hv), 1e-6, "model \(i)")
        }
    }

    /// Blockwise BLAS assembly equals the matrix of Hessian-vector products, which is itself
    /// symmetric (a self-adjointness check of the HVP independent of the assembly).
    func testDenseHessianMatchesProductsAndIsSymmetric() throws {
        for (i, model) in try models().enumerated() {
            var rng = SeededGenerator(seed: UInt64(30 + i))
            let x = model.manifold.randomPoint(using: &rng)
            let dense = model.denseRiemannianHessian(at: x).matrix
            let byProducts = hessianFromProducts(model, x)
            let scale = max(1, byProducts.storage.map(abs).max()!)
            // Both are sums of O(K+N) rounded terms: agreement to 1e-12 relative is roundoff level.
            XCTAssertLessThan(Matrix.maxAbsDifference(dense, byProducts) / scale, 1e-12, "model \(i)")
            XCTAssertLessThan(Matrix.maxAbsDifference(byProducts, byProducts.transposed) / scale, 1e-12, "model \(i)")
        }
    }

    func testGradientIsTangentAndLossIsStableAtHugeTemperature() throws {
        let model = try NormalizedFeatureModel(K: 5, d: 6, n: 2, tau: 1e4)
        var rng = SeededGenerator(seed: 3)
        let x = model.manifold.randomPoint(using: &rng)
        let fo = model.firstOrder(at: x)
        XCTAssertTrue(fo.loss.isFinite && fo.euclideanGradient.isFinite)
        let g = model.manifold.euclideanToRiemannianGradient(x, fo.euclideanGradient)
        for c in 0 ..< x.cols { XCTAssertEqual(Vector.dot(g.column(c), x.column(c)), 0, accuracy: 1e-9 * max(1, g.frobeniusNorm)) }
        // ETF at τ = 1e4: f* = log(1 + (K−1)e^{−τK/(K−1)}) underflows to 0, and so must the loss.
        var r2 = SeededGenerator(seed: 0)
        let etf = try SpecialPoints.make(.etf, model: model, rng: &r2)
        XCTAssertEqual(model.loss(at: etf), 0, accuracy: 1e-12)
    }

    func testTangentBasisIsOrthonormalAndOrthogonalToPoint() {
        var rng = SeededGenerator(seed: 5)
        let manifold = ProductOfSpheres(ambientDimension: 6, count: 7)
        var x = manifold.randomPoint(using: &rng)
        x[0, 2] = 0; x.setColumn(3, [-1, 0, 0, 0, 0, 0])   // exercise both reflector signs and x_1 = ±1
        x = ProductOfSpheres.normalizeColumns(x)
        let b = TangentBasis(point: x)
        for c in 0 ..< 7 {
            let u = b.block(c)
            let gram = BLAS.product(.t, u, .n, u)
            XCTAssertLessThan(Matrix.maxAbsDifference(gram, .identity(5)), 1e-14)
            let ux = BLAS.matVec(.t, u, x.column(c))
            XCTAssertLessThan(ux.map(abs).max()!, 1e-14)
        }
        let v = manifold.randomTangent(at: x, using: &rng)
        XCTAssertLessThan(Matrix.maxAbsDifference(b.vector(from: b.coordinates(of: v)), v), 1e-14)
    }
}
