/// Coordinates on a tangent space: an orthonormal frame `U` of `T_x M` inside the ambient matrix
/// space, so that a Hessian becomes the symmetric matrix `Uᵀ Hess f(x) U` and a coordinate vector
/// `s` the tangent vector `U s`.
public protocol TangentFrame: Sendable {
    /// `dim T_x M`.
    var dimension: Int { get }
    /// `Uᵀ v` for an ambient matrix `v` (its tangent part's coordinates).
    func coordinates(of v: Matrix) -> [Double]
    /// `U s`.
    func vector(from s: [Double]) -> Matrix
}

/// A Riemannian submanifold of a matrix space `R^{rows × cols}` with the Euclidean metric
/// `⟨A, B⟩ = tr(AᵀB)` (Manopt's manifold structure, reduced to what the analysis uses): the
/// analysis works with Euclidean derivatives of a cost and this interface turns them into
/// Riemannian ones,
/// - `grad f(x) = P_x ∇f(x)` (`egrad2rgrad`),
/// - `Hess f(x)[ξ] = P_x ∇²f(x)[ξ] + W_x(ξ, P_x^⊥ ∇f(x))` (`ehess2rhess`, the Weingarten term `W_x`),
/// - a retraction `R_x(ξ)` (a first-order approximation of the exponential map; the analysis
///   needs it second order at critical points only through the Hessian above).
public protocol RiemannianManifold: Sendable {
    associatedtype Frame: TangentFrame
    /// Shape of a point.
    var rows: Int { get }
    var cols: Int { get }
    /// `dim M`.
    var dimension: Int { get }
    /// Orthogonal projection `P_x` of an ambient matrix onto `T_x M`.
    func project(_ x: Matrix, _ v: Matrix) -> Matrix
    /// `R_x(ξ)`.
    func retract(_ x: Matrix, _ xi: Matrix) -> Matrix
    /// The exponential map `Exp_x(ξ)`: the geodesic through `x` with velocity `ξ` at time 1, so
    /// that `t ↦ Exp_x(t u)` is parametrized by arc length for a unit `u` (loss slices need that).
    func exp(_ x: Matrix, _ xi: Matrix) -> Matrix
    func euclideanToRiemannianGradient(_ x: Matrix, _ egrad: Matrix) -> Matrix
    func euclideanToRiemannianHessian(_ x: Matrix, egrad: Matrix, ehess: Matrix, direction xi: Matrix) -> Matrix
    /// An orthonormal frame of `T_x M`.
    func tangentBasis(at x: Matrix) -> Frame
    /// A random unit tangent vector (projected Gaussian: uniform direction on `T_x M`).
    func randomTangent(at x: Matrix, using rng: inout SeededGenerator) -> Matrix
    func inner(_ a: Matrix, _ b: Matrix) -> Double
    /// Riemannian distance (or, where no closed form is used, a documented stand-in).
    func distance(_ x: Matrix, _ y: Matrix) -> Double
}

extension TangentBasis: TangentFrame {}

extension ProductOfSpheres: RiemannianManifold {
    public var rows: Int { ambientDimension }
    public var cols: Int { count }

    /// The unit sphere `S^{d−1} ⊂ R^d` as a `d × 1` point: the product with one factor.
    public static func sphere(dimension d: Int) -> ProductOfSpheres { ProductOfSpheres(ambientDimension: d, count: 1) }
}

/// Euclidean space `R^{rows × cols}`, or the affine subspace of it where the entries `pinned`
/// (column-major storage indices) keep their values: every map of `RiemannianManifold` is the
/// identity, addition or zeroing the pinned entries (`P_x v` = `v` with pinned entries 0,
/// `R_x(ξ) = x + ξ`, no Weingarten term: a flat space), and the frame is the standard basis of the
/// free entries in column-major order. (Pinned entries carry the constant 1 that turns a bias
/// into one more row: `Wᵀh + b = [W; bᵀ]ᵀ [h; 1]`.)
public struct EuclideanSpace: RiemannianManifold, Equatable {
    public let rows: Int
    public let cols: Int
    /// Sorted storage indices held fixed.
    public let pinned: [Int]
    public init(rows: Int, cols: Int, pinned: [Int] = []) {
        precondition(rows >= 1 && cols >= 0)
        self.rows = rows; self.cols = cols
        self.pinned = pinned.sorted()
        precondition(self.pinned.allSatisfy { $0 >= 0 && $0 < rows * cols })
    }

    public var dimension: Int { rows * cols - pinned.count }
    public func project(_ x: Matrix, _ v: Matrix) -> Matrix {
        guard !pinned.isEmpty else { return v }
        var out = v
        for i in pinned { out.storage[i] = 0 }
        return out
    }
    public func retract(_ x: Matrix, _ xi: Matrix) -> Matrix { x + project(x, xi) }
    /// Straight lines are the geodesics: the retraction is the exponential map.
    public func exp(_ x: Matrix, _ xi: Matrix) -> Matrix { retract(x, xi) }
    public func euclideanToRiemannianGradient(_ x: Matrix, _ egrad: Matrix) -> Matrix { project(x, egrad) }
    public func euclideanToRiemannianHessian(_ x: Matrix, egrad: Matrix, ehess: Matrix, direction xi: Matrix) -> Matrix { project(x, ehess) }
    public func tangentBasis(at x: Matrix) -> StandardFrame { StandardFrame(rows: rows, cols: cols, pinned: pinned) }
    public func randomTangent(at x: Matrix, using rng: inout SeededGenerator) -> Matrix {
        let g = project(x, Matrix(rows: rows, cols: cols, columnMajor: rng.normals(rows * cols)))
        return (1 / g.frobeniusNorm) * g
    }
    public func inner(_ a: Matrix, _ b: Matrix) -> Double { Vector.dot(a.storage, b.storage) }
    /// `‖x − y‖_F`.
    public func distance(_ x: Matrix, _ y: Matrix) -> Double { (x - y).frobeniusNorm }

    /// The standard basis `E_11, E_21, …` of the free entries: coordinates are those entries.
    public struct StandardFrame: TangentFrame {
        public let rows: Int
        public let cols: Int
        public var pinned: [Int] = []
        public var dimension: Int { rows * cols - pinned.count }
        public func coordinates(of v: Matrix) -> [Double] {
            guard !pinned.isEmpty else { return v.storage }
            var out: [Double] = []
            out.reserveCapacity(dimension)
            var p = 0
            for i in 0 ..< rows * cols {
                if p < pinned.count && pinned[p] == i { p += 1; continue }
                out.append(v.storage[i])
            }
            return out
        }
        public func vector(from s: [Double]) -> Matrix {
            guard !pinned.isEmpty else { return Matrix(rows: rows, cols: cols, columnMajor: s) }
            var out = Matrix(rows: rows, cols: cols)
            var p = 0, k = 0
            for i in 0 ..< rows * cols {
                if p < pinned.count && pinned[p] == i { p += 1; continue }
                out.storage[i] = s[k]; k += 1
            }
            return out
        }
    }
}

/// The product `A × B` of two manifolds whose points have the same number of rows, stored side
/// by side as one matrix `[x_A x_B]` (columns `0 ..< A.cols` on `A`, the rest on `B`). Every map
/// acts factor by factor, and the frame is block diagonal; products of products give any finite
/// product (the product of spheres is the power `(S^{d−1})^n`, kept as its own type for speed).
public struct ProductManifold<A: RiemannianManifold, B: RiemannianManifold>: RiemannianManifold {
    public let first: A
    public let second: B
    public init(_ first: A, _ second: B) {
        precondition(first.rows == second.rows, "factors of a column product need the same number of rows")
        self.first = first; self.second = second
    }

    public var rows: Int { first.rows }
    public var cols: Int { first.cols + second.cols }
    public var dimension: Int { first.dimension + second.dimension }

    func split(_ v: Matrix) -> (Matrix, Matrix) { (v.columns(0 ..< first.cols), v.columns(first.cols ..< cols)) }
    func join(_ a: Matrix, _ b: Matrix) -> Matrix { Matrix(rows: rows, cols: cols, columnMajor: a.storage + b.storage) }
    func both(_ x: Matrix, _ v: Matrix, _ f: (Matrix, Matrix, Bool) -> Matrix) -> Matrix {
        let (x1, x2) = split(x), (v1, v2) = split(v)
        return join(f(x1, v1, true), f(x2, v2, false))
    }

    public func project(_ x: Matrix, _ v: Matrix) -> Matrix {
        both(x, v) { a, b, isFirst in isFirst ? first.project(a, b) : second.project(a, b) }
    }
    public func retract(_ x: Matrix, _ xi: Matrix) -> Matrix {
        both(x, xi) { a, b, isFirst in isFirst ? first.retract(a, b) : second.retract(a, b) }
    }
    /// Geodesics of a product are products of geodesics.
    public func exp(_ x: Matrix, _ xi: Matrix) -> Matrix {
        both(x, xi) { a, b, isFirst in isFirst ? first.exp(a, b) : second.exp(a, b) }
    }
    public func euclideanToRiemannianGradient(_ x: Matrix, _ egrad: Matrix) -> Matrix {
        both(x, egrad) { a, b, isFirst in isFirst ? first.euclideanToRiemannianGradient(a, b) : second.euclideanToRiemannianGradient(a, b) }
    }
    public func euclideanToRiemannianHessian(_ x: Matrix, egrad: Matrix, ehess: Matrix, direction xi: Matrix) -> Matrix {
        let (x1, x2) = split(x), (g1, g2) = split(egrad), (h1, h2) = split(ehess), (v1, v2) = split(xi)
        return join(first.euclideanToRiemannianHessian(x1, egrad: g1, ehess: h1, direction: v1),
                    second.euclideanToRiemannianHessian(x2, egrad: g2, ehess: h2, direction: v2))
    }
    public func tangentBasis(at x: Matrix) -> Frame {
        let (x1, x2) = split(x)
        return Frame(first: first.tangentBasis(at: x1), second: second.tangentBasis(at: x2), rows: rows, firstCols: first.cols, cols: cols)
    }
    /// Uniform direction on `T_x A × T_x B`: both factors' Gaussians projected, then scaled together.
    public func randomTangent(at x: Matrix, using rng: inout SeededGenerator) -> Matrix {
        let g = Matrix(rows: rows, cols: cols, columnMajor: rng.normals(rows * cols))
        let v = project(x, g)
        return (1 / v.frobeniusNorm) * v
    }
    public func inner(_ a: Matrix, _ b: Matrix) -> Double { Vector.dot(a.storage, b.storage) }
    /// `sqrt(d_A² + d_B²)`, the product metric's distance.
    public func distance(_ x: Matrix, _ y: Matrix) -> Double {
        let (x1, x2) = split(x), (y1, y2) = split(y)
        let a = first.distance(x1, y1), b = second.distance(x2, y2)
        return (a * a + b * b).squareRoot()
    }

    /// The block-diagonal frame `diag(U_A, U_B)`.
    public struct Frame: TangentFrame {
        let first: A.Frame
        let second: B.Frame
        let rows: Int, firstCols: Int, cols: Int
        public var dimension: Int { first.dimension + second.dimension }
        public func coordinates(of v: Matrix) -> [Double] {
            first.coordinates(of: v.columns(0 ..< firstCols)) + second.coordinates(of: v.columns(firstCols ..< cols))
        }
        public func vector(from s: [Double]) -> Matrix {
            let a = first.vector(from: Array(s[0 ..< first.dimension])), b = second.vector(from: Array(s[first.dimension...]))
            return Matrix(rows: rows, cols: cols, columnMajor: a.storage + b.storage)
        }
    }
}
