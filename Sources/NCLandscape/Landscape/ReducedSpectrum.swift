/// Exact spectrum at a collapsed point (every class's features coincide), at a cost independent
/// of the number of samples.
///
/// Permuting the samples of a class is then a symmetry of the point, and the tangent space
/// splits into two invariant subspaces of `M`:
/// - within-class-symmetric vectors `η_j = u_k/√n_k` (`y_j = k`), together with the classifiers:
///   `M` acts there as the `2K(d−1)` matrix
///   `R = [[A, √n_k B_{·k}], [√n_k B_{·k}ᵀ, D_k]]` (`A` classifier block, `B_{·k}` the mixed block
///   and `D_k` the feature block of any sample of class `k`);
/// - vectors with zero sum inside every class: the mixed blocks cancel, and `M` acts as `D_k` on
///   each class, `n_k − 1` times.
/// So `spec M = spec R ∪ ⋃_k (spec D_k)^{n_k − 1}` with multiplicities. `R` is computed as the
/// Hessian of the weighted problem with one representative per class (weight `n_k`, loss still
/// divided by `N`), rescaled by `diag(1, n_k^{-1/2})` on both sides; `D_k` is its `u_k` block.
public struct ReducedSpectrum: Sendable {
    /// Largest `‖h_j − h_{first of class}‖` accepted as collapsed. The reduced spectrum is exact
    /// for exactly collapsed points and moves by O(deviation) otherwise; Newton-polished
    /// collapsed points deviate by ~1e−15.
    public static let collapseTolerance = 1e-10

    public let reducedModel: NormalizedFeatureModel
    public let reducedPoint: Matrix
    /// `2Kq × 2Kq`.
    public let r: Matrix
    public let rEigen: SymmetricEigen
    /// Per class: eigen-decomposition of `D_k` and its multiplicity `n_k − 1`.
    public let classBlocks: [(eigen: SymmetricEigen, multiplicity: Int)]
    /// All `m = (K+N)(d−1)` eigenvalues of `M`, ascending.
    public let eigenvalues: [Double]
    public let collapseDeviation: Double
    /// First sample of each class.
    let representatives: [Int]

    /// The first sample `r(k)` of each class (−1 for a class without samples).
    static func representatives(_ model: NormalizedFeatureModel) -> [Int] {
        var first = [Int](repeating: -1, count: model.K)
        for (j, y) in model.labels.enumerated() where first[y] < 0 { first[y] = j }
        return first
    }

    /// `[W, x_{K+r(0)} … x_{K+r(K−1)}]`: the classifier columns and each class's representative
    /// feature column, taken as they are.
    static func representativePoint(_ x: Matrix, model: NormalizedFeatureModel, representatives reps: [Int]) -> Matrix {
        let K = model.K
        var xr = Matrix(rows: x.rows, cols: 2 * K)
        for k in 0 ..< K { xr.setColumn(k, x.column(k)); xr.setColumn(K + k, x.column(K + reps[k])) }
        return xr
    }

    /// `[W, Σ_{y_j = 0} v_j … Σ_{y_j = K−1} v_j]`: the classifier columns and each class's sum of
    /// feature columns — the representative problem's gradient from the full one's (`f_red(W, h) =
    /// f(W, h expanded)`), and the unnormalized class means.
    static func classSums(_ v: Matrix, model: NormalizedFeatureModel) -> Matrix {
        let K = model.K
        var out = Matrix(rows: v.rows, cols: 2 * K)
        for k in 0 ..< K { out.setColumn(k, v.column(k)) }
        for (j, y) in model.labels.enumerated() { for i in 0 ..< v.rows { out[i, K + y] += v[i, K + j] } }
        return out
    }

    /// `max_j ‖h_j − h_{r(y_j)}‖` with `r(k)` the first sample of class `k`.
    public static func collapseDeviation(model: NormalizedFeatureModel, point x: Matrix) -> Double {
        let first = representatives(model)
        var dev = 0.0
        for (j, y) in model.labels.enumerated() where first[y] != j {
            var s = 0.0
            for i in 0 ..< model.d { let t = x[i, model.K + j] - x[i, model.K + first[y]]; s += t * t }
            dev = max(dev, s.squareRoot())
        }
        return dev
    }

    /// One representative per class with weight `n_k`, loss still divided by the original `N`.
    static func representativeModel(_ model: NormalizedFeatureModel) throws -> NormalizedFeatureModel {
        var spec = model.spec
        spec.labels = Array(0 ..< model.K)
        return try NormalizedFeatureModel(spec, weights: model.counts.map(Double.init), normalization: Double(model.N))
    }

    /// The weighted problem with one representative per class (weight `n_k`, loss divided by
    /// `N`) and its point `[W, μ_0 … μ_{K−1}]`, `μ_k` the normalized mean of class `k`'s features
    /// (equal to each of them at a collapsed point).
    public static func reducedProblem(model: NormalizedFeatureModel, point x: Matrix) throws -> (NormalizedFeatureModel, Matrix) {
        (try Self.representativeModel(model), ProductOfSpheres.normalizeColumns(classSums(x, model: model)))
    }

    /// The collapsed full point with classifiers and class features from a reduced point.
    public static func expand(model: NormalizedFeatureModel, reducedPoint xr: Matrix) -> Matrix {
        var x = Matrix(rows: model.d, cols: model.K + model.N)
        for k in 0 ..< model.K { x.setColumn(k, xr.column(k)) }
        for (j, y) in model.labels.enumerated() { x.setColumn(model.K + j, xr.column(model.K + y)) }
        return x
    }

    public init(model: NormalizedFeatureModel, point x: Matrix) throws {
        let dev = Self.collapseDeviation(model: model, point: x)
        guard dev <= Self.collapseTolerance else {
            throw InputError(String(format: "the point is not collapsed (features of one class differ by up to %.2e > 1e-10); the reduced method is exact only at collapsed points — use --method dense or lanczos", dev))
        }
        collapseDeviation = dev
        let K = model.K, d = model.d, q = d - 1
        let reps = Self.representatives(model)
        representatives = reps
        let rm = try Self.representativeModel(model)
        // Representatives taken as they are (not averaged): the spectrum is of this very point.
        let xr = Self.representativePoint(x, model: model, representatives: reps)
        reducedModel = rm
        reducedPoint = xr
        var r = rm.denseRiemannianHessian(at: xr).matrix
        let size = 2 * K * q
        var scale = [Double](repeating: 1, count: size)
        for k in 0 ..< K { for t in 0 ..< q { scale[K * q + k * q + t] = 1 / Double(model.counts[k]).squareRoot() } }
        for c in 0 ..< size { for i in 0 ..< size { r.storage[c * size + i] *= scale[i] * scale[c] } }
        self.r = r
        rEigen = try LAPACK.eigen(r)
        var blocks: [(SymmetricEigen, Int)] = []
        for k in 0 ..< K {
            var dk = Matrix(rows: q, cols: q)
            let off = K * q + k * q
            for c in 0 ..< q { for i in 0 ..< q { dk[i, c] = r[off + i, off + c] } }
            blocks.append((try LAPACK.eigen(dk), model.counts[k] - 1))
        }
        classBlocks = blocks
        var pairs: [(Double, Int)] = rEigen.values.map { ($0, 1) }
        for (e, mult) in blocks where mult > 0 { pairs += e.values.map { ($0, mult) } }
        pairs.sort { $0.0 < $1.0 }
        var all: [Double] = []
        all.reserveCapacity(model.hessianSize)
        for (v, mlt) in pairs { all.append(contentsOf: repeatElement(v, count: mlt)) }
        eigenvalues = all
    }

    /// Smallest eigenvalue of `M` restricted to the complement of the orbit tangents: the orbit
    /// tangents are within-class symmetric, so they live in `R`'s subspace (features scaled
    /// by √n_k); the zero-sum blocks are untouched.
    public func quotientLambdaMin() throws -> Double {
        let K = reducedModel.K
        let scale = (0 ..< 2 * K).map { $0 < K ? 1 : Double(reducedModel.sampleWeights![$0 - K]).squareRoot() }
        let sym = try SymmetryAnalysis(point: reducedPoint, basis: TangentBasis(point: reducedPoint), columnScale: scale)
        var rq = try sym.quotientHessian(r)
        var best = rq.rows > 0 ? try LAPACK.eigen(destroying: &rq, indices: 0 ..< 1).values[0] : Double.infinity
        for (e, mult) in classBlocks where mult > 0 { best = min(best, e.values[0]) }
        return best
    }

    /// The `count` lowest eigenpairs of `M`, eigenvectors mapped to ambient `(Ẇ, Ḣ)` matrices of
    /// the full problem: `R`'s vectors spread `u_k/√n_k` over class `k`; a `D_k` eigenvector
    /// `e` with multiplicity `n_k − 1` gives `η_j = c_j U e` for orthonormal zero-sum weights `c`
    /// over the class (Helmert vectors).
    public func lowestEigenpairs(model: NormalizedFeatureModel, point x: Matrix, count: Int) -> [(value: Double, direction: Matrix)] {
        let K = model.K, d = model.d, q = d - 1
        let fullBasis = TangentBasis(point: x)
        enum Source { case r(Int), block(Int, Int, Int) }   // block(class, eigen index, copy)
        var cands: [(Double, Source)] = rEigen.values.enumerated().map { ($0.element, .r($0.offset)) }
        for (k, b) in classBlocks.enumerated() where b.multiplicity > 0 {
            for (i, v) in b.eigen.values.enumerated() { for c in 0 ..< min(b.multiplicity, count) { cands.append((v, .block(k, i, c))) } }
        }
        cands.sort { $0.0 < $1.0 }
        let members = (0 ..< K).map { k in model.labels.indices.filter { model.labels[$0] == k } }
        var out: [(Double, Matrix)] = []
        for (value, src) in cands.prefix(count) {
            var coords = [Double](repeating: 0, count: model.hessianSize)
            switch src {
            case let .r(i):
                let v = rEigen.vectors!.column(i)
                for t in 0 ..< K * q { coords[t] = v[t] }
                for k in 0 ..< K {
                    let s = 1 / Double(model.counts[k]).squareRoot()
                    for j in members[k] { for t in 0 ..< q { coords[K * q + j * q + t] = s * v[K * q + k * q + t] } }
                }
            case let .block(k, i, c):
                let e = classBlocks[k].eigen.vectors!.column(i)
                // Helmert vector c+1 over the class members: (1,…,1,−(c+1),0,…)/√((c+1)(c+2)).
                let norm = 1 / (Double(c + 1) * Double(c + 2)).squareRoot()
                for (pos, j) in members[k].enumerated() where pos <= c + 1 {
                    let w = pos <= c ? norm : -Double(c + 1) * norm
                    for t in 0 ..< q { coords[K * q + j * q + t] = w * e[t] }
                }
            }
            out.append((value, fullBasis.vector(from: coords)))
        }
        return out
    }
}
