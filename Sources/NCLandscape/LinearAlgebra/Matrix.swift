/// A dense real matrix stored contiguously in column-major order, the layout BLAS and LAPACK
/// expect, so every wrapper hands `storage` to C without copying.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    /// Entry `(i, j)` lives at `storage[i + j * rows]`.
    public var storage: [Double]

    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "negative matrix dimension")
        self.rows = rows
        self.cols = cols
        self.storage = [Double](repeating: value, count: rows * cols)
    }

    /// Wraps column-major data (`data.count == rows * cols`).
    public init(rows: Int, cols: Int, columnMajor data: [Double]) {
        precondition(data.count == rows * cols, "storage size \(data.count) ≠ \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = data
    }

    /// Builds a matrix whose columns are the given vectors (all of length `rows`).
    public init(columns: [[Double]], rows: Int) {
        self.init(rows: rows, cols: columns.count)
        for (j, c) in columns.enumerated() {
            precondition(c.count == rows, "column \(j) has length \(c.count), expected \(rows)")
            storage.replaceSubrange(j * rows ..< (j + 1) * rows, with: c)
        }
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0 ..< n { m.storage[i + i * n] = 1 }
        return m
    }

    @inline(__always)
    public subscript(i: Int, j: Int) -> Double {
        get { storage[i + j * rows] }
        set { storage[i + j * rows] = newValue }
    }

    public func column(_ j: Int) -> [Double] {
        Array(storage[j * rows ..< (j + 1) * rows])
    }

    public mutating func setColumn(_ j: Int, _ v: [Double]) {
        precondition(v.count == rows)
        storage.replaceSubrange(j * rows ..< (j + 1) * rows, with: v)
    }

    /// The columns `range` as a new matrix (a copy; use `ColumnSlice` to avoid it).
    public func columns(_ range: Range<Int>) -> Matrix {
        Matrix(rows: rows, cols: range.count,
               columnMajor: Array(storage[range.lowerBound * rows ..< range.upperBound * rows]))
    }

    public var transposed: Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for j in 0 ..< cols { for i in 0 ..< rows { t.storage[j + i * cols] = storage[i + j * rows] } }
        return t
    }

    public var frobeniusNorm: Double { Vector.norm(storage) }

    /// The same shape with `f` applied to every entry (e.g. `abs` for rounding-error bounds).
    public func map(_ f: (Double) -> Double) -> Matrix { Matrix(rows: rows, cols: cols, columnMajor: storage.map(f)) }

    public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }

    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.cols == b.cols)
        return Matrix(rows: a.rows, cols: a.cols, columnMajor: zip(a.storage, b.storage).map { $0 + $1 })
    }

    public static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.cols == b.cols)
        return Matrix(rows: a.rows, cols: a.cols, columnMajor: zip(a.storage, b.storage).map { $0 - $1 })
    }

    public static func * (s: Double, a: Matrix) -> Matrix {
        Matrix(rows: a.rows, cols: a.cols, columnMajor: a.storage.map { s * $0 })
    }

    /// Largest absolute entry of `a − b` (a test and report helper).
    public static func maxAbsDifference(_ a: Matrix, _ b: Matrix) -> Double {
        precondition(a.rows == b.rows && a.cols == b.cols)
        return zip(a.storage, b.storage).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}

/// A contiguous block of columns of a matrix: in column-major storage this is a pointer
/// offset, so `W` and `H` stored side by side in one `d × (K+N)` point matrix reach BLAS
/// without copies.
public struct ColumnSlice {
    public let base: Matrix
    public let columns: Range<Int>
    public init(_ base: Matrix, _ columns: Range<Int>) {
        precondition(columns.lowerBound >= 0 && columns.upperBound <= base.cols)
        self.base = base
        self.columns = columns
    }
    public var rows: Int { base.rows }
    public var cols: Int { columns.count }
}

/// Small dense-vector helpers (level-1 work is cheaper inline than a BLAS call at these sizes).
public enum Vector {
    public static func dot(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        var s = 0.0
        for i in 0 ..< a.count { s += a[i] * b[i] }
        return s
    }

    /// Euclidean norm, scaled to avoid overflow/underflow.
    public static func norm(_ a: [Double]) -> Double {
        var scale = 0.0
        for x in a { scale = max(scale, abs(x)) }
        if scale == 0 || !scale.isFinite { return scale }
        var s = 0.0
        for x in a { let y = x / scale; s += y * y }
        return scale * s.squareRoot()
    }

    public static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        precondition(x.count == y.count)
        for i in 0 ..< x.count { y[i] += alpha * x[i] }
    }

    public static func scaled(_ alpha: Double, _ x: [Double]) -> [Double] { x.map { alpha * $0 } }
}
