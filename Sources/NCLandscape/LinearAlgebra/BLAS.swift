import CLinearAlgebra

/// Something BLAS can read as a column-major `rows × cols` operand without a copy.
public protocol BLASOperand {
    var rows: Int { get }
    var cols: Int { get }
    func withOperand<R>(_ body: (UnsafePointer<Double>, Int32) throws -> R) rethrows -> R
}

extension Matrix: BLASOperand {
    public func withOperand<R>(_ body: (UnsafePointer<Double>, Int32) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body($0.baseAddress!, Int32(Swift.max(rows, 1))) }
    }
}

extension ColumnSlice: BLASOperand {
    public func withOperand<R>(_ body: (UnsafePointer<Double>, Int32) throws -> R) rethrows -> R {
        try base.storage.withUnsafeBufferPointer {
            try body($0.baseAddress! + columns.lowerBound * base.rows, Int32(Swift.max(base.rows, 1)))
        }
    }
}

/// A `rows × cols` submatrix of `base` read with `base`'s own leading dimension, or the whole
/// storage reinterpreted with a different shape: stacked operands (`[W; Ẇ]`, `[G; Ġ]`) enter
/// one product as two interleaved blocks without a copy.
public struct MatrixView: BLASOperand {
    public let base: Matrix
    public let offset: Int
    public let rows: Int
    public let cols: Int
    public let leadingDimension: Int

    /// Rows `range` of `base` (all columns), leading dimension `base.rows`.
    public init(_ base: Matrix, rows range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= base.rows)
        self.base = base; offset = range.lowerBound; rows = range.count; cols = base.cols; leadingDimension = base.rows
    }

    /// `base`'s storage read as a column-major `rows × cols` matrix (`rows · cols` = its size).
    public init(_ base: Matrix, reshapedTo rows: Int, _ cols: Int) {
        precondition(rows * cols == base.storage.count)
        self.base = base; offset = 0; self.rows = rows; self.cols = cols; leadingDimension = rows
    }

    public func withOperand<R>(_ body: (UnsafePointer<Double>, Int32) throws -> R) rethrows -> R {
        try base.storage.withUnsafeBufferPointer { try body($0.baseAddress! + offset, Int32(Swift.max(leadingDimension, 1))) }
    }
}

/// Whether an operand enters a product as itself or transposed.
public enum Op { case n, t
    var cblas: CBLAS_TRANSPOSE { self == .n ? CblasNoTrans : CblasTrans }
}

/// Typed wrappers over the CBLAS calls the toolkit uses.
public enum BLAS {
    /// `C[cRows, cColumns] = α op(A) op(B) + β C[cRows, cColumns]` (`dgemm`, written in place
    /// with `C`'s own leading dimension). `cRows` and `cColumns` default to all.
    public static func gemm<A: BLASOperand, B: BLASOperand>(
        _ opA: Op, _ a: A, _ opB: Op, _ b: B, alpha: Double = 1, beta: Double = 0,
        into c: inout Matrix, rows cRows: Range<Int>? = nil, columns cColumns: Range<Int>? = nil
    ) {
        let m = opA == .n ? a.rows : a.cols
        let k = opA == .n ? a.cols : a.rows
        let kb = opB == .n ? b.rows : b.cols
        let n = opB == .n ? b.cols : b.rows
        let cc = cColumns ?? 0 ..< c.cols
        let cr = cRows ?? 0 ..< c.rows
        precondition(k == kb, "gemm inner dimensions \(k) ≠ \(kb)")
        precondition(cr.count == m && cr.lowerBound >= 0 && cr.upperBound <= c.rows && cc.count == n && cc.upperBound <= c.cols,
                     "gemm output \(cr.count)×\(cc.count) ≠ \(m)×\(n)")
        if m == 0 || n == 0 { return }
        let ldc = Int32(Swift.max(c.rows, 1))
        let offset = cc.lowerBound * c.rows + cr.lowerBound
        a.withOperand { pa, lda in
            b.withOperand { pb, ldb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(CblasColMajor, opA.cblas, opB.cblas, Int32(m), Int32(n), Int32(k),
                                alpha, pa, lda, pb, ldb, beta, pc.baseAddress! + offset, ldc)
                }
            }
        }
    }

    /// `C = α op(A) op(B) + β C` into raw storage with leading dimension `ldc`: for work split
    /// over threads, each writing its own columns of one matrix (an `inout Matrix` cannot be
    /// shared between threads).
    static func gemm<A: BLASOperand, B: BLASOperand>(
        _ opA: Op, _ a: A, _ opB: Op, _ b: B, alpha: Double = 1, beta: Double = 0,
        into c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        let m = opA == .n ? a.rows : a.cols
        let k = opA == .n ? a.cols : a.rows
        let kb = opB == .n ? b.rows : b.cols
        let n = opB == .n ? b.cols : b.rows
        precondition(k == kb && ldc >= max(m, 1), "gemm inner dimensions \(k) ≠ \(kb) or ldc \(ldc) < \(m)")
        if m == 0 || n == 0 { return }
        a.withOperand { pa, lda in
            b.withOperand { pb, ldb in
                cblas_dgemm(CblasColMajor, opA.cblas, opB.cblas, Int32(m), Int32(n), Int32(k),
                            alpha, pa, lda, pb, ldb, beta, c, Int32(ldc))
            }
        }
    }

    /// `C = α op(A) op(B)` on raw column-major storage (`dgemm`).
    public static func gemm(_ opA: Op, _ opB: Op, m: Int, n: Int, k: Int, alpha: Double, _ a: UnsafePointer<Double>, lda: Int,
                            _ b: UnsafePointer<Double>, ldb: Int, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        if m == 0 || n == 0 { return }
        cblas_dgemm(CblasColMajor, opA.cblas, opB.cblas, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }

    /// `C = α op(A) op(B)` on raw column-major storage in single precision (`sgemm`).
    public static func gemm(_ opA: Op, _ opB: Op, m: Int, n: Int, k: Int, alpha: Float, _ a: UnsafePointer<Float>, lda: Int,
                            _ b: UnsafePointer<Float>, ldb: Int, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(CblasColMajor, opA.cblas, opB.cblas, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }

    /// Convenience: `op(A) op(B)` as a new matrix.
    public static func product<A: BLASOperand, B: BLASOperand>(_ opA: Op, _ a: A, _ opB: Op, _ b: B,
                                                               alpha: Double = 1) -> Matrix {
        var c = Matrix(rows: opA == .n ? a.rows : a.cols, cols: opB == .n ? b.cols : b.rows)
        gemm(opA, a, opB, b, alpha: alpha, into: &c)
        return c
    }

    /// `y = α op(A) x + β y` (`dgemv`).
    public static func gemv<A: BLASOperand>(_ opA: Op, _ a: A, _ x: [Double], alpha: Double = 1,
                                            beta: Double = 0, into y: inout [Double]) {
        let outLen = opA == .n ? a.rows : a.cols
        let inLen = opA == .n ? a.cols : a.rows
        precondition(x.count == inLen && y.count == outLen, "gemv dimensions")
        if outLen == 0 { return }
        if inLen == 0 { for i in 0 ..< outLen { y[i] *= beta }; return }
        a.withOperand { pa, lda in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    cblas_dgemv(CblasColMajor, opA.cblas, Int32(a.rows), Int32(a.cols), alpha, pa, lda,
                                px.baseAddress!, 1, beta, py.baseAddress!, 1)
                }
            }
        }
    }

    public static func matVec<A: BLASOperand>(_ opA: Op, _ a: A, _ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: opA == .n ? a.rows : a.cols)
        gemv(opA, a, x, into: &y)
        return y
    }
}
