/// The oblique manifold `OB(d, n) = (S^{d−1})^n`: `d × n` matrices with unit columns, as a
/// Riemannian submanifold of `R^{d×n}`. A point of the normalized feature model is one such
/// matrix `X = [W H]` with `n = K + N` columns; this type knows nothing about the problem.
///
/// Tangent space at `X`: `{V : x_cᵀ v_c = 0 for every column c}`, dimension `n(d−1)`.
public struct ProductOfSpheres: Sendable, Equatable {
    public let ambientDimension: Int   // d
    public let count: Int              // n, number of sphere factors

    public init(ambientDimension d: Int, count n: Int) {
        precondition(d >= 1 && n >= 0)
        ambientDimension = d
        count = n
    }

    /// `dim M = n(d−1)`.
    public var dimension: Int { count * (ambientDimension - 1) }

    /// Orthogonal projection onto the tangent space: `v_c − (x_cᵀ v_c) x_c`.
    public func project(_ x: Matrix, _ v: Matrix) -> Matrix {
        var out = v
        let d = ambientDimension
        for c in 0 ..< count {
            let s = columnDot(x, v, c)
            for i in 0 ..< d { out.storage[c * d + i] -= s * x.storage[c * d + i] }
        }
        return out
    }

    /// Euclidean to Riemannian gradient (Manopt's `egrad2rgrad`): the tangent projection.
    public func euclideanToRiemannianGradient(_ x: Matrix, _ egrad: Matrix) -> Matrix { project(x, egrad) }

    /// Riemannian Hessian from the Euclidean one (Manopt's `ehess2rhess`), column by column:
    /// `Hess f(x)[ξ]_c = (I − x_c x_cᵀ) (∇²f(x)[ξ])_c − (x_cᵀ g_c) ξ_c`.
    public func euclideanToRiemannianHessian(_ x: Matrix, egrad: Matrix, ehess: Matrix, direction xi: Matrix) -> Matrix {
        var out = project(x, ehess)
        let d = ambientDimension
        for c in 0 ..< count {
            let s = columnDot(x, egrad, c)
            for i in 0 ..< d { out.storage[c * d + i] -= s * xi.storage[c * d + i] }
        }
        return out
    }

    /// Metric retraction `R_x(ξ)_c = (x_c + ξ_c)/‖x_c + ξ_c‖` (second order on the sphere).
    public func retract(_ x: Matrix, _ xi: Matrix) -> Matrix {
        Self.normalizeColumns(x + xi)
    }

    /// Exponential map, column by column `x_c cos‖ξ_c‖ + (ξ_c/‖ξ_c‖) sin‖ξ_c‖`: the geodesic
    /// through `x` with velocity `ξ` (tangent), evaluated at time 1. Columns stay unit to rounding.
    public func exp(_ x: Matrix, _ xi: Matrix) -> Matrix {
        let d = ambientDimension
        var out = x
        for c in 0 ..< count {
            let r = columnDot(xi, xi, c).squareRoot()
            guard r > 0 else { continue }
            let (co, si) = (libmCos(r), libmSin(r) / r)
            for i in 0 ..< d { out.storage[c * d + i] = co * x.storage[c * d + i] + si * xi.storage[c * d + i] }
        }
        return Self.normalizeColumns(out)
    }

    public func inner(_ a: Matrix, _ b: Matrix) -> Double { Vector.dot(a.storage, b.storage) }
    public func norm(_ a: Matrix) -> Double { a.frobeniusNorm }

    /// Geodesic distance `sqrt(Σ_c arccos(x_cᵀ y_c)²)`.
    public func distance(_ x: Matrix, _ y: Matrix) -> Double {
        var s = 0.0
        for c in 0 ..< count {
            let a = acosClamped(columnDot(x, y, c))
            s += a * a
        }
        return s.squareRoot()
    }

    /// `a_cᵀ b_c` for column `c` (columns of length `ambientDimension`, stored contiguously).
    @inline(__always) private func columnDot(_ a: Matrix, _ b: Matrix, _ c: Int) -> Double {
        let d = ambientDimension
        var s = 0.0
        for i in 0 ..< d { s += a.storage[c * d + i] * b.storage[c * d + i] }
        return s
    }

    /// Scales every column to unit norm; zero columns stay zero (callers validate first).
    public static func normalizeColumns(_ x: Matrix) -> Matrix {
        var out = x
        for c in 0 ..< x.cols {
            let col = Array(x.storage[c * x.rows ..< (c + 1) * x.rows])
            let nrm = Vector.norm(col)
            if nrm > 0x1p-500 && nrm < 0x1p500 {
                for i in 0 ..< x.rows { out.storage[c * x.rows + i] = col[i] / nrm }
            } else if nrm > 0 && nrm.isFinite {
                // Far from unit scale (subnormal entries, 1e308): a subnormal norm keeps few
                // significant bits and col/‖col‖ is then not a unit vector, so divide by the
                // largest entry first (exact scale, norm in [1, √d]) and normalize that.
                let largest = col.reduce(0) { max($0, abs($1)) }
                let scaled = col.map { $0 / largest }
                let n = Vector.norm(scaled)
                for i in 0 ..< x.rows { out.storage[c * x.rows + i] = scaled[i] / n }
            }
        }
        return out
    }

    /// Uniformly distributed point (normalized Gaussian columns).
    public func randomPoint(using rng: inout SeededGenerator) -> Matrix {
        var x = Matrix(rows: ambientDimension, cols: count, columnMajor: rng.normals(ambientDimension * count))
        x = Self.normalizeColumns(x)
        return x
    }

    /// A random tangent vector at `x` with unit norm (projected Gaussian).
    public func randomTangent(at x: Matrix, using rng: inout SeededGenerator) -> Matrix {
        let g = Matrix(rows: ambientDimension, cols: count, columnMajor: rng.normals(ambientDimension * count))
        let v = project(x, g)
        return (1 / v.frobeniusNorm) * v
    }

    /// Orthonormal bases of every tangent space, from Householder reflectors.
    public func tangentBasis(at x: Matrix) -> TangentBasis { TangentBasis(point: x) }
}

@inline(__always) func acosClamped(_ x: Double) -> Double {
    Foundation_acos(Swift.min(1, Swift.max(-1, x)))
}

#if canImport(Glibc)
import Glibc
@inline(__always) func Foundation_acos(_ x: Double) -> Double { Glibc.acos(x) }
@inline(__always) func libmCos(_ x: Double) -> Double { Glibc.cos(x) }
@inline(__always) func libmSin(_ x: Double) -> Double { Glibc.sin(x) }
#else
import Darwin
@inline(__always) func Foundation_acos(_ x: Double) -> Double { Darwin.acos(x) }
@inline(__always) func libmCos(_ x: Double) -> Double { Darwin.cos(x) }
@inline(__always) func libmSin(_ x: Double) -> Double { Darwin.sin(x) }
#endif
