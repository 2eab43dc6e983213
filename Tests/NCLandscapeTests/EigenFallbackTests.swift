import XCTest
@testable import NCLandscape

/// `LAPACK.eigen(destroying:)` finishes with the QR algorithm where divide and conquer fails
/// (`dlaed4` non-convergence, seen on a tightly clustered Hessian at m = 300).
final class EigenFallbackTests: XCTestCase {
    func testQRTakesOverWhenDivideAndConquerFails() throws {
        var rng = SeededGenerator(seed: 5)
        let n = 120
        let g = Matrix(rows: n, cols: n, columnMajor: rng.normals(n * n))
        var a = Matrix(rows: n, cols: n)
        // A spectrum with a 40-fold cluster (as the symmetry zeros give) plus spread values.
        let q = try SpecialPoints.randomOrthogonal(n, using: &rng)
        var lambda = [Double](repeating: 0, count: n)
        for k in 0 ..< n {
            let spread: Double = Double(k - 39) + 0.01 * g.storage[k]
            lambda[k] = k < 40 ? 1e-15 * Double(k) : spread
        }
        for i in 0 ..< n { for j in 0 ..< n { var s = 0.0; for k in 0 ..< n { s += q[i, k] * lambda[k] * q[j, k] }; a[i, j] = s } }
        let reference = try LAPACK.eigenvalues(a)       // dsyevr, a different algorithm
        LAPACK.simulateDivideAndConquerFailure = true
        defer { LAPACK.simulateDivideAndConquerFailure = false }
        var work = a
        let e = try LAPACK.eigen(destroying: &work)
        let v = try XCTUnwrap(e.vectors)
        // Backward-stable solvers: eigenvalues agree to a few ε‖A‖ (‖A‖ ≈ 81; 1e-12 is ~50 ε‖A‖).
        for (x, y) in zip(e.values, reference) { XCTAssertEqual(x, y, accuracy: 1e-12 * 81) }
        // Residual ‖AV − VΛ‖ and orthogonality ‖VᵀV − I‖, each a small multiple of ε(‖A‖ or 1)·n.
        let av = BLAS.product(.n, a, .n, v)
        var residual = 0.0, orthogonality = 0.0
        let vtv = BLAS.product(.t, v, .n, v)
        for j in 0 ..< n { for i in 0 ..< n {
            residual = max(residual, abs(av[i, j] - v[i, j] * e.values[j]))
            orthogonality = max(orthogonality, abs(vtv[i, j] - (i == j ? 1 : 0)))
        } }
        XCTAssertLessThan(residual, 1e-11 * 81)
        XCTAssertLessThan(orthogonality, 1e-12)
    }
}
