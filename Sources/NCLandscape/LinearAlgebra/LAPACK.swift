import CLinearAlgebra

@inline(__always) private func ch(_ c: Character) -> CChar { CChar(UInt8(ascii: c.unicodeScalars.first!)) }

/// Eigenvalues (ascending) and, when requested, the matching orthonormal eigenvectors as
/// the columns of `vectors`.
public struct SymmetricEigen: Sendable {
    public let values: [Double]
    public let vectors: Matrix?
}

/// Counts of negative, zero and positive eigenvalues of a symmetric matrix.
public struct Inertia: Codable, Equatable, Sendable {
    public var negative: Int
    public var zero: Int
    public var positive: Int
    public init(negative: Int, zero: Int, positive: Int) {
        self.negative = negative; self.zero = zero; self.positive = positive
    }
    /// Inertia read off ascending eigenvalues with `|λ| ≤ tolerance` counted as zero.
    public init(eigenvalues: [Double], tolerance: Double) {
        negative = eigenvalues.filter { $0 < -tolerance }.count
        positive = eigenvalues.filter { $0 > tolerance }.count
        zero = eigenvalues.count - negative - positive
    }
}

/// Typed wrappers over the LAPACKE routines the toolkit uses. Inputs that LAPACK destroys
/// are taken `inout` (documented per call) so large Hessians are not copied.
public enum LAPACK {
    /// All eigenvalues of the symmetric matrix `a` (lower triangle read), ascending
    /// (`dsyevr`, `jobz = N`, `range = A`). `a` is overwritten.
    public static func eigenvalues(destroying a: inout Matrix) throws -> [Double] {
        try syevr(&a, wantVectors: false, indices: nil).values
    }

    /// All eigenpairs (`dsyevd`, divide and conquer). `a` is overwritten. Hessians here have
    /// tight clusters (the symmetry zeros, the copies at collapsed points), where MRRR (`dsyevr`)
    /// spends most of its time refining representations: measured on the Newton polisher's
    /// m = 168 Hessians (K=6, d=8, n=3) it took 60% of a whole `verify` run in `dlaneg`/`dlar1v`.
    ///
    /// `dsyevd` can fail to converge (info > 0, in its secular-equation solver `dlaed4`) on
    /// spectra with extremely tight clusters: a `verify` at K = 10, d = 16, n = 1, τ = 4 stopped on
    /// info = 45 751 at m = 300. Up to `fallbackMaximumSize` the input is kept and the QR
    /// algorithm (`dsyev`, slower but without that failure mode) takes over; above it the copy
    /// would double a dense Hessian's memory, and the failure is reported.
    public static func eigen(destroying a: inout Matrix) throws -> SymmetricEigen {
        guard a.rows == a.cols else { throw LinearAlgebraError.dimensionMismatch("dsyevd needs a square matrix, got \(a.rows)×\(a.cols)") }
        if a.rows == 0 { return SymmetricEigen(values: [], vectors: Matrix(rows: 0, cols: 0)) }
        guard a.isFinite else { throw LinearAlgebraError.nonFiniteInput(routine: "dsyevd") }
        guard a.rows <= fallbackMaximumSize else { return try syevd(&a, wantVectors: true) }
        let backup = a
        do {
            if simulateDivideAndConquerFailure { throw LinearAlgebraError.computationFailed(routine: "dsyevd", info: 1, meaning: "simulated") }
            return try syevd(&a, wantVectors: true)
        } catch LinearAlgebraError.computationFailed(routine: "dsyevd", _, _) {
            a = backup
            return try syevQR(&a)
        }
    }

    /// Largest matrix whose copy `eigen(destroying:)` keeps for its fallback (4000² doubles: 128 MB).
    public static let fallbackMaximumSize = 4000
    /// Tests only: make the next `dsyevd` calls in `eigen(destroying:)` fail as `dlaed4` can.
    nonisolated(unsafe) static var simulateDivideAndConquerFailure = false

    /// All eigenpairs by the implicit QL/QR algorithm (`dsyev`); `a` is overwritten.
    static func syevQR(_ a: inout Matrix) throws -> SymmetricEigen {
        let n = a.rows
        var w = [Double](repeating: 0, count: n)
        let info = a.storage.withUnsafeMutableBufferPointer {
            LAPACKE_dsyev(LAPACK_COL_MAJOR, ch("V"), ch("L"), Int32(n), $0.baseAddress!, Int32(n), &w)
        }
        try LinearAlgebraError.check(info, "dsyev") { _ in "the QR eigensolver did not converge" }
        return SymmetricEigen(values: w, vectors: a)
    }

    /// Eigenpairs with 0-based ascending indices `indices` (`dsyevr`, `range = I`): e.g. `0..<3`
    /// gives the three smallest. `a` is overwritten.
    public static func eigen(destroying a: inout Matrix, indices: Range<Int>) throws -> SymmetricEigen {
        try syevr(&a, wantVectors: true, indices: indices)
    }

    /// Non-destructive conveniences.
    public static func eigenvalues(_ a: Matrix) throws -> [Double] { var c = a; return try eigenvalues(destroying: &c) }
    public static func eigen(_ a: Matrix) throws -> SymmetricEigen { var c = a; return try eigen(destroying: &c) }
    public static func eigen(_ a: Matrix, indices: Range<Int>) throws -> SymmetricEigen {
        var c = a; return try eigen(destroying: &c, indices: indices)
    }

    /// Eigenpairs with 0-based ascending indices `indices` of the symmetric tridiagonal matrix
    /// (`dstevr`, `range = I`, relatively robust representations): O(n) per pair, so a
    /// convergence check of a long Lanczos run does not pay for all `n` eigenvectors.
    public static func tridiagonalEigen(diagonal: [Double], offDiagonal: [Double], indices: Range<Int>) throws -> SymmetricEigen {
        let n = diagonal.count
        guard offDiagonal.count == Swift.max(0, n - 1) else {
            throw LinearAlgebraError.dimensionMismatch("dstevr needs n − 1 = \(n - 1) off-diagonal entries, got \(offDiagonal.count)")
        }
        guard !indices.isEmpty, indices.lowerBound >= 0, indices.upperBound <= n else {
            throw LinearAlgebraError.dimensionMismatch("dstevr indices \(indices) outside 0..<\(n)")
        }
        guard (diagonal + offDiagonal).allSatisfy(\.isFinite) else { throw LinearAlgebraError.nonFiniteInput(routine: "dstevr") }
        var d = diagonal, e = offDiagonal + [0]
        let count = indices.count
        var w = [Double](repeating: 0, count: n)
        var z = Matrix(rows: n, cols: count)
        var found: nc_lapack_int = 0
        var support = [nc_lapack_int](repeating: 0, count: 2 * Swift.max(1, count))
        let info = z.storage.withUnsafeMutableBufferPointer { pz in
            LAPACKE_dstevr(LAPACK_COL_MAJOR, ch("V"), ch("I"), Int32(n), &d, &e, 0, 0,
                           Int32(indices.lowerBound + 1), Int32(indices.upperBound), 0,
                           &found, &w, pz.baseAddress!, Int32(n), &support)
        }
        try LinearAlgebraError.check(info, "dstevr") { _ in "internal error in the MRRR algorithm" }
        return SymmetricEigen(values: Array(w.prefix(Int(found))), vectors: z)
    }

    /// Eigenpairs of the symmetric tridiagonal matrix with `diagonal` and `offDiagonal`
    /// (`dstev`, implicit QL/QR): the Lanczos matrix of a quadrature.
    public static func tridiagonalEigen(diagonal: [Double], offDiagonal: [Double]) throws -> SymmetricEigen {
        let n = diagonal.count
        guard offDiagonal.count == Swift.max(0, n - 1) else {
            throw LinearAlgebraError.dimensionMismatch("dstev needs n − 1 = \(n - 1) off-diagonal entries, got \(offDiagonal.count)")
        }
        if n == 0 { return SymmetricEigen(values: [], vectors: Matrix(rows: 0, cols: 0)) }
        guard (diagonal + offDiagonal).allSatisfy(\.isFinite) else { throw LinearAlgebraError.nonFiniteInput(routine: "dstev") }
        var d = diagonal, e = offDiagonal + [0]
        var z = Matrix(rows: n, cols: n)
        let info = z.storage.withUnsafeMutableBufferPointer { pz in
            LAPACKE_dstev(LAPACK_COL_MAJOR, ch("V"), Int32(n), &d, &e, pz.baseAddress!, Int32(n))
        }
        try LinearAlgebraError.check(info, "dstev") { _ in "the QL/QR iteration did not converge" }
        return SymmetricEigen(values: d, vectors: z)
    }

    private static func syevr(_ a: inout Matrix, wantVectors: Bool, indices: Range<Int>?) throws -> SymmetricEigen {
        guard a.rows == a.cols else { throw LinearAlgebraError.dimensionMismatch("dsyevr needs a square matrix, got \(a.rows)×\(a.cols)") }
        let n = a.rows
        if n == 0 { return SymmetricEigen(values: [], vectors: wantVectors ? Matrix(rows: 0, cols: 0) : nil) }
        guard a.isFinite else { throw LinearAlgebraError.nonFiniteInput(routine: "dsyevr") }
        if let r = indices {
            guard r.lowerBound >= 0, r.upperBound <= n, !r.isEmpty else {
                throw LinearAlgebraError.dimensionMismatch("eigenvalue indices \(r) outside 0..<\(n)")
            }
        }
        let count = indices?.count ?? n
        // dsyevr (MRRR) occasionally reports an internal failure (info > 0) on matrices with
        // tight eigenvalue clusters, e.g. the many symmetry zeros here; keep the input so the
        // divide-and-conquer solver can take over.
        let backup = a
        var w = [Double](repeating: 0, count: n)
        var z = Matrix(rows: wantVectors ? n : 1, cols: wantVectors ? count : 1)
        var isuppz = [nc_lapack_int](repeating: 0, count: 2 * Swift.max(1, n))
        var found: nc_lapack_int = 0
        let ldz = Int32(wantVectors ? n : 1)
        let info = a.storage.withUnsafeMutableBufferPointer { pa in
            z.storage.withUnsafeMutableBufferPointer { pz in
                LAPACKE_dsyevr(LAPACK_COL_MAJOR, ch(wantVectors ? "V" : "N"), ch(indices == nil ? "A" : "I"), ch("L"),
                               Int32(n), pa.baseAddress!, Int32(n), 0, 0,
                               Int32((indices?.lowerBound ?? 0) + 1), Int32(indices?.upperBound ?? n),
                               0, &found, &w, pz.baseAddress!, ldz, &isuppz)
            }
        }
        if info > 0 {
            var b = backup
            let all = try syevd(&b, wantVectors: wantVectors)
            guard let r = indices else { return all }
            return SymmetricEigen(values: Array(all.values[r]), vectors: all.vectors.map { $0.columns(r) })
        }
        try LinearAlgebraError.check(info, "dsyevr") { _ in "internal error in the MRRR eigensolver" }
        guard Int(found) == count else {
            throw LinearAlgebraError.computationFailed(routine: "dsyevr", info: 0,
                                                       meaning: "returned \(found) eigenvalues, expected \(count)")
        }
        return SymmetricEigen(values: Array(w.prefix(count)), vectors: wantVectors ? z : nil)
    }

    /// All eigenvalues (and vectors) by divide and conquer (`dsyevd`); `a` is overwritten.
    static func syevd(_ a: inout Matrix, wantVectors: Bool) throws -> SymmetricEigen {
        let n = a.rows
        var w = [Double](repeating: 0, count: n)
        let info = a.storage.withUnsafeMutableBufferPointer {
            LAPACKE_dsyevd(LAPACK_COL_MAJOR, ch(wantVectors ? "V" : "N"), ch("L"), Int32(n), $0.baseAddress!, Int32(n), &w)
        }
        try LinearAlgebraError.check(info, "dsyevd") { _ in "the divide-and-conquer eigensolver did not converge" }
        return SymmetricEigen(values: w, vectors: wantVectors ? a : nil)
    }

    /// Number of eigenvalues of the symmetric `a` strictly below `shift`, by Sylvester's law of
    /// inertia: `A − σI = L D Lᵀ` (`dsytrf`, Bunch–Kaufman) has as many negative eigenvalues as
    /// the block-diagonal `D`. Backward stable, so exact for a matrix within ~ε‖A‖ of `a`.
    public static func countEigenvalues(below shift: Double, of a: Matrix) throws -> Int {
        try inertia(shifted: a, by: shift).negative
    }

    /// Inertia of `a − shift·I` from the `D` factor of `dsytrf`.
    public static func inertia(shifted a: Matrix, by shift: Double = 0) throws -> Inertia {
        var f = a
        if shift != 0 { for i in 0 ..< min(a.rows, a.cols) { f.storage[i + i * a.rows] -= shift } }
        return try inertia(destroying: &f)
    }

    /// Inertia of `f` from the `D` factor of `dsytrf`, factoring `f` in place (no copy: the
    /// Schur complements of structured inertia are over a gigabyte).
    public static func inertia(destroying f: inout Matrix) throws -> Inertia {
        guard f.rows == f.cols else { throw LinearAlgebraError.dimensionMismatch("dsytrf needs a square matrix") }
        guard f.isFinite else { throw LinearAlgebraError.nonFiniteInput(routine: "dsytrf") }
        let n = f.rows
        if n == 0 { return Inertia(negative: 0, zero: 0, positive: 0) }
        var ipiv = [nc_lapack_int](repeating: 0, count: n)
        let info = f.storage.withUnsafeMutableBufferPointer {
            LAPACKE_dsytrf(LAPACK_COL_MAJOR, ch("L"), Int32(n), $0.baseAddress!, Int32(n), &ipiv)
        }
        // info > 0 means D(i,i) is exactly zero: the factorization is complete and still gives
        // the inertia (that pivot counts as a zero eigenvalue), so only info < 0 is an error.
        if info < 0 { try LinearAlgebraError.check(info, "dsytrf") { _ in "" } }
        var result = Inertia(negative: 0, zero: 0, positive: 0)
        var k = 0
        while k < n {
            if ipiv[k] > 0 || k == n - 1 {
                let d = f[k, k]
                if d < 0 { result.negative += 1 } else if d > 0 { result.positive += 1 } else { result.zero += 1 }
                k += 1
            } else {
                // 2×2 pivot block [[a, b], [b, c]] (lower storage).
                let a11 = f[k, k], b = f[k + 1, k], c = f[k + 1, k + 1]
                let det = a11 * c - b * b
                if det < 0 { result.negative += 1; result.positive += 1 }
                else if det > 0 { if a11 + c > 0 { result.positive += 2 } else { result.negative += 2 } }
                else { result.zero += 1; if a11 + c > 0 { result.positive += 1 } else if a11 + c < 0 { result.negative += 1 } else { result.zero += 1 } }
                k += 2
            }
        }
        return result
    }

    /// Thin singular value decomposition `A = U diag(s) Vᵀ` (`dgesdd`, `jobz = S`), `s` descending.
    public static func svd(_ a: Matrix) throws -> (u: Matrix, s: [Double], vt: Matrix) {
        guard a.isFinite else { throw LinearAlgebraError.nonFiniteInput(routine: "dgesdd") }
        let m = a.rows, n = a.cols, k = Swift.min(m, n)
        if k == 0 { return (Matrix(rows: m, cols: 0), [], Matrix(rows: 0, cols: n)) }
        var f = a
        var s = [Double](repeating: 0, count: k)
        var u = Matrix(rows: m, cols: k)
        var vt = Matrix(rows: k, cols: n)
        let info = f.storage.withUnsafeMutableBufferPointer { pa in
            u.storage.withUnsafeMutableBufferPointer { pu in
                vt.storage.withUnsafeMutableBufferPointer { pv in
                    LAPACKE_dgesdd(LAPACK_COL_MAJOR, ch("S"), Int32(m), Int32(n), pa.baseAddress!, Int32(m), &s,
                                   pu.baseAddress!, Int32(m), pv.baseAddress!, Int32(k))
                }
            }
        }
        if info > 0 { return try svdByQRIteration(a) }
        try LinearAlgebraError.check(info, "dgesdd") { _ in "the bidiagonal SVD did not converge" }
        return (u, s, vt)
    }

    /// `dgesvd` (QR iteration on the bidiagonal form): slower than `dgesdd`'s divide and conquer
    /// but more robust; used when `dgesdd` reports that it did not converge (seen once in a 2808-
    /// configuration sweep, on a nearly rank-deficient point).
    static func svdByQRIteration(_ a: Matrix) throws -> (u: Matrix, s: [Double], vt: Matrix) {
        let m = a.rows, n = a.cols, k = Swift.min(m, n)
        var f = a
        var s = [Double](repeating: 0, count: k)
        var u = Matrix(rows: m, cols: k)
        var vt = Matrix(rows: k, cols: n)
        var superb = [Double](repeating: 0, count: Swift.max(1, k - 1))
        let info = f.storage.withUnsafeMutableBufferPointer { pa in
            u.storage.withUnsafeMutableBufferPointer { pu in
                vt.storage.withUnsafeMutableBufferPointer { pv in
                    LAPACKE_dgesvd(LAPACK_COL_MAJOR, ch("S"), ch("S"), Int32(m), Int32(n), pa.baseAddress!, Int32(m), &s,
                                   pu.baseAddress!, Int32(m), pv.baseAddress!, Int32(k), &superb)
                }
            }
        }
        try LinearAlgebraError.check(info, "dgesvd") { _ in "the SVD did not converge (dgesdd and dgesvd both failed)" }
        return (u, s, vt)
    }

    /// Singular values only (`dgesdd`, `jobz = N`), descending.
    public static func singularValues(_ a: Matrix) throws -> [Double] {
        guard a.isFinite else { throw LinearAlgebraError.nonFiniteInput(routine: "dgesdd") }
        let m = a.rows, n = a.cols, k = Swift.min(m, n)
        if k == 0 { return [] }
        var f = a
        var s = [Double](repeating: 0, count: k)
        var dummy = [Double](repeating: 0, count: 1)
        var dummy2 = [Double](repeating: 0, count: 1)
        let info = f.storage.withUnsafeMutableBufferPointer { pa in
            LAPACKE_dgesdd(LAPACK_COL_MAJOR, ch("N"), Int32(m), Int32(n), pa.baseAddress!, Int32(m), &s,
                           &dummy, 1, &dummy2, 1)
        }
        if info > 0 { return try svdByQRIteration(a).s }
        try LinearAlgebraError.check(info, "dgesdd") { _ in "the bidiagonal SVD did not converge" }
        return s
    }

    /// `Qᵀ A Q` for the full orthogonal `Q` of the Householder QR factorization of the
    /// `m × k` matrix `basis` (`dgeqrf`, then `dormqr` from both sides). When `basis` has
    /// orthonormal columns, the first `k` columns of `Q` span it (up to sign) and the trailing
    /// `(m−k)×(m−k)` block is `A` restricted to its orthogonal complement.
    public static func orthogonalSimilarity(_ a: Matrix, complementOf basis: Matrix) throws -> Matrix {
        let m = a.rows, k = basis.cols
        guard a.cols == m, basis.rows == m, k <= m else {
            throw LinearAlgebraError.dimensionMismatch("similarity: A \(a.rows)×\(a.cols), basis \(basis.rows)×\(k)")
        }
        var result = a
        if k == 0 { return result }
        var q = basis
        var tau = [Double](repeating: 0, count: k)
        var info = q.storage.withUnsafeMutableBufferPointer {
            LAPACKE_dgeqrf(LAPACK_COL_MAJOR, Int32(m), Int32(k), $0.baseAddress!, Int32(m), &tau)
        }
        try LinearAlgebraError.check(info, "dgeqrf") { _ in "" }
        for (side, trans) in [("L", "T"), ("R", "N")] {
            info = q.storage.withUnsafeBufferPointer { pq in
                result.storage.withUnsafeMutableBufferPointer { pr in
                    LAPACKE_dormqr(LAPACK_COL_MAJOR, ch(Character(side)), ch(Character(trans)), Int32(m), Int32(m), Int32(k),
                                   pq.baseAddress!, Int32(m), tau, pr.baseAddress!, Int32(m))
                }
            }
            try LinearAlgebraError.check(info, "dormqr") { _ in "" }
        }
        return result
    }

    /// An orthonormal basis (`m × (m−k)`) of the orthogonal complement of the span of the `m × k`
    /// matrix `basis` (orthonormal columns): the trailing columns of the full `Q` of its
    /// Householder QR factorization (`dgeqrf`, `dorgqr`).
    public static func orthogonalComplement(of basis: Matrix, dimension m: Int) throws -> Matrix {
        let k = basis.cols
        guard basis.rows == m, k <= m else {
            throw LinearAlgebraError.dimensionMismatch("complement: basis \(basis.rows)×\(k) in dimension \(m)")
        }
        if k == 0 { return .identity(m) }
        var q = Matrix(rows: m, cols: m)
        for j in 0 ..< k { for i in 0 ..< m { q[i, j] = basis[i, j] } }
        var tau = [Double](repeating: 0, count: k)
        var info = q.storage.withUnsafeMutableBufferPointer {
            LAPACKE_dgeqrf(LAPACK_COL_MAJOR, Int32(m), Int32(k), $0.baseAddress!, Int32(m), &tau)
        }
        try LinearAlgebraError.check(info, "dgeqrf") { _ in "" }
        info = q.storage.withUnsafeMutableBufferPointer {
            LAPACKE_dorgqr(LAPACK_COL_MAJOR, Int32(m), Int32(m), Int32(k), $0.baseAddress!, Int32(m), tau)
        }
        try LinearAlgebraError.check(info, "dorgqr") { _ in "" }
        return q.columns(k ..< m)
    }
}
