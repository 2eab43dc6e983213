/// For every column `x_c` of a point on `(S^{d−1})^n`, an orthonormal basis `U_c ∈ R^{d×(d−1)}`
/// of `x_c^⊥`, stored side by side as one `d × n(d−1)` column-major matrix so the Hessian
/// assembly can multiply all of them in one BLAS call.
///
/// Construction: the Householder reflector `P = I − 2vvᵀ/(vᵀv)`, `v = x + sign(x_1) e_1`, maps
/// `x` to `∓e_1`; being symmetric and orthogonal, its columns 2…d are orthonormal and
/// orthogonal to `x`. Choosing the sign of `x_1` avoids cancellation in `v`.
public struct TangentBasis: Sendable {
    public let d: Int
    public let count: Int
    /// `d × count(d−1)`: columns `c(d−1) ..< (c+1)(d−1)` are `U_c`.
    public let matrix: Matrix

    public init(point x: Matrix) {
        d = x.rows
        count = x.cols
        let k = d - 1
        var u = Matrix(rows: d, cols: count * k)
        for c in 0 ..< count {
            let x1 = x[0, c]
            let s: Double = x1 >= 0 ? 1 : -1
            var v = x.column(c)
            v[0] += s
            let vv = Vector.dot(v, v)
            for i in 1 ..< d {
                let col = c * k + (i - 1)
                let f = 2 * v[i] / vv
                for r in 0 ..< d { u[r, col] = (r == i ? 1 : 0) - f * v[r] }
            }
        }
        matrix = u
    }

    /// Dimension of the product tangent space, `count(d−1)`.
    public var dimension: Int { count * (d - 1) }

    /// Coordinates `s_c = U_cᵀ v_c` of an ambient `d × n` matrix (its tangent part).
    public func coordinates(of v: Matrix) -> [Double] {
        precondition(v.rows == d && v.cols == count)
        let k = d - 1
        var s = [Double](repeating: 0, count: dimension)
        for c in 0 ..< count {
            for j in 0 ..< k {
                var acc = 0.0
                let base = (c * k + j) * d
                for r in 0 ..< d { acc += matrix.storage[base + r] * v.storage[c * d + r] }
                s[c * k + j] = acc
            }
        }
        return s
    }

    /// The tangent vector `v_c = U_c s_c` with coordinates `s`.
    public func vector(from s: [Double]) -> Matrix {
        precondition(s.count == dimension)
        let k = d - 1
        var v = Matrix(rows: d, cols: count)
        for c in 0 ..< count {
            for j in 0 ..< k {
                let coef = s[c * k + j]
                if coef == 0 { continue }
                let base = (c * k + j) * d
                for r in 0 ..< d { v.storage[c * d + r] += coef * matrix.storage[base + r] }
            }
        }
        return v
    }

    /// The `d × (d−1)` basis block of column `c`.
    public func block(_ c: Int) -> ColumnSlice { ColumnSlice(matrix, c * (d - 1) ..< (c + 1) * (d - 1)) }

    /// All blocks of columns `range` at once (`d × |range|(d−1)`).
    public func blocks(_ range: Range<Int>) -> ColumnSlice {
        ColumnSlice(matrix, range.lowerBound * (d - 1) ..< range.upperBound * (d - 1))
    }
}
