import Foundation

/// The Hessian's eigenvalue density by stochastic Lanczos quadrature (docs/formulas.md §12), with
/// a Hutchinson trace estimate, at any size where Hessian-vector products run.
///
/// Probe `v`: `z = P r` (`r` Rademacher in ambient coordinates, `P` the tangent projection, so
/// `E[z zᵀ] = P` and `E[zᵀ g(M) z] = tr g(M)` over the `m` tangent dimensions). `k` Lanczos steps
/// from `z/‖z‖` give nodes `θ_i` and weights `τ_i` (first eigenvector components squared) of the
/// Gauss quadrature of the probe's spectral measure; the count of eigenvalues `≤ t` is estimated
/// by `(1/P) Σ_v ‖z_v‖² Σ_{θ_i ≤ t} τ_i`, the trace by `(1/P) Σ_v z_vᵀ M z_v`.
///
/// Error statement: for one probe, Gauss quadrature brackets the measure's distribution function
/// (Chebyshev–Markov–Stieltjes): with `j` nodes `≤ t`, `Σ_{i<j} τ_i ≤ μ_v(≤ t) ≤ Σ_{i≤j+1} τ_i`.
/// The stated interval of the CDF is the probe average of these brackets widened by three
/// standard errors of the probe average (the sampling error). With full reorthogonalization the
/// brackets hold to rounding; without it (when the basis does not fit the memory budget)
/// Lanczos loses orthogonality, the quadrature is still close (Greenbaum), but the brackets are
/// not guaranteed, and the result says so.
public struct SpectralDensity: Codable, Sendable {
    public struct Probe: Codable, Sendable {
        /// Ritz values `θ_i`, ascending.
        public var nodes: [Double]
        /// `‖z‖² τ_i`: weights on the scale of eigenvalue counts (they sum to `‖z‖² ≈ m`).
        public var weights: [Double]
        /// `zᵀ M z`.
        public var quadraticForm: Double
    }
    /// The normalized model (nil for a regularized one, which has `regularizedModel`).
    public var model: ModelDescription?
    public var regularizedModel: RegularizedDescription?
    /// `m`, the tangent dimension.
    public var dimension: Int
    public var probes: Int
    public var steps: Int
    public var seed: UInt64
    public var fullReorthogonalization: Bool
    public var traceEstimate: Double
    public var traceStandardError: Double
    /// Extreme Ritz values over all probes (inner bounds of the spectrum's extent).
    public var lowestNode: Double
    public var highestNode: Double
    /// Gaussian smoothing width of the density curve.
    public var kernelWidth: Double
    public var grid: [Double]
    /// Eigenvalues per unit λ (smoothed; integrates to ≈ m).
    public var density: [Double]
    /// Estimated fraction of eigenvalues `≤ grid[i]`, and its stated interval.
    public var cdf: [Double]
    public var cdfLower: [Double]
    public var cdfUpper: [Double]
    /// Estimated number of eigenvalues below zero (the index, for a critical point) with its interval.
    public var negativeCount: Double
    public var negativeCountLower: Double
    public var negativeCountUpper: Double
    public var hessianVectorProducts: Int
    public var seconds: Double
    public var probeResults: [Probe]
    public var software: String

    /// Number of standard errors the stated CDF interval adds for sampling.
    public static let standardErrors = 3.0

    public struct Options: Sendable {
        public var probes = 10
        public var steps = 80
        public var seed: UInt64 = 0
        public var gridPoints = 400
        /// nil: 1/200 of the spread of the Ritz values.
        public var kernelWidth: Double? = nil
        public init() {}

        public func validate() throws {
            try Validate.atLeast(probes, 2, "--probes")
            try Validate.atLeast(steps, 2, "--steps")
            try Validate.atLeast(gridPoints, 10, "--grid")
            if let kernelWidth { try Validate.positive(kernelWidth, "--kernel-width") }
        }
    }

    public var modelSummary: String { model?.summary ?? regularizedModel?.summary ?? "unknown model" }

    /// Any objective with Hessian-vector products: the probes live in the tangent space (the whole
    /// space for the regularized model, less its pinned entries), and the operator is the
    /// objective's projected Hessian with the normal directions at 0.
    public static func estimate<P: FeatureObjective>(model: P, point x: Matrix, options: Options = Options(),
                                                     progress: ((Int, Int) -> Void)? = nil) throws -> SpectralDensity {
        try options.validate()
        let t0 = Stopwatch.now()
        let fo = model.firstOrder(at: x)
        let m = model.hessianSize
        let rows = model.manifold.rows, cols = model.manifold.cols
        let n = rows * cols
        let k = min(options.steps, m)
        // The basis: k ambient vectors; kept (full reorthogonalization) when it fits in half the budget.
        let basisBytes = 8 * Double(k + 1) * Double(n)
        let full = basisBytes <= 0.5 * MemoryBudget.current
        try MemoryBudget.check(MemoryEstimate.lanczos(K: model.K, d: rows, N: cols - model.K, ncv: full ? k + 1 : 4),
                               for: "stochastic Lanczos quadrature (m = \(m), \(full ? k + 1 : 4) vectors of length \(n))")
        let op = model.ambientHessianOperator(at: x, firstOrder: fo, normalShift: 0)
        var rng = SeededGenerator(seed: options.seed)
        var results: [Probe] = []
        var products = 0
        for p in 0 ..< options.probes {
            var r = [Double](repeating: 0, count: n)
            for i in 0 ..< n { r[i] = (rng.next() & 1) == 0 ? -1 : 1 }
            let z = model.manifold.project(x, Matrix(rows: rows, cols: cols, columnMajor: r)).storage
            let zz = Vector.dot(z, z)
            let lz = try LanczosTridiagonal.run(start: z, steps: k, reorthogonalize: full) { v, y in op.apply(v, into: &y) }
            products += lz.products
            let t = try LanczosTridiagonal.ritz(lz)
            results.append(Probe(nodes: t.values, weights: t.firstComponents.map { zz * $0 * $0 }, quadraticForm: zz * lz.alpha[0]))
            progress?(p + 1, options.probes)
        }
        return summarize(problem: model.problemDescription, dimension: m, probes: results, steps: k, options: options, full: full,
                         products: products, seconds: Stopwatch.now() - t0)
    }

    static func summarize(problem: ProblemDescription, dimension: Int, probes: [Probe], steps: Int, options: Options, full: Bool,
                          products: Int, seconds: Double) -> SpectralDensity {
        let m = Double(dimension)
        let P = Double(probes.count)
        let forms = probes.map(\.quadraticForm)
        let trace = forms.reduce(0, +) / P
        let traceVar = forms.map { ($0 - trace) * ($0 - trace) }.reduce(0, +) / max(1, P - 1)
        let lo = probes.flatMap(\.nodes).min() ?? 0, hi = probes.flatMap(\.nodes).max() ?? 0
        let spread = max(hi - lo, abs(hi), abs(lo), .leastNormalMagnitude)
        let width = options.kernelWidth ?? spread / 200
        let pad = 4 * width
        let g = options.gridPoints
        let grid = (0 ..< g).map { lo - pad + (hi - lo + 2 * pad) * Double($0) / Double(g - 1) }
        var density = [Double](repeating: 0, count: g)
        let norm = 1 / (width * (2 * Double.pi).squareRoot() * P)
        for p in probes {
            for (theta, wgt) in zip(p.nodes, p.weights) {
                for (i, t) in grid.enumerated() {
                    let u = (t - theta) / width
                    if abs(u) < 8 { density[i] += norm * wgt * Foundation.exp(-0.5 * u * u) }
                }
            }
        }
        func cdfAt(_ t: Double) -> (estimate: Double, lower: Double, upper: Double) { interval(probes, dimension: m, at: t) }
        let c = grid.map(cdfAt)
        // "Below zero": the count at the largest double below 0.
        let neg = cdfAt(-Double.leastNonzeroMagnitude)
        return SpectralDensity(model: problem.normalized, regularizedModel: problem.regularized, dimension: dimension, probes: probes.count, steps: steps, seed: options.seed,
                               fullReorthogonalization: full, traceEstimate: trace, traceStandardError: (traceVar / P).squareRoot(),
                               lowestNode: lo, highestNode: hi, kernelWidth: width, grid: grid, density: density,
                               cdf: c.map(\.estimate), cdfLower: c.map(\.lower), cdfUpper: c.map(\.upper),
                               negativeCount: neg.estimate * m, negativeCountLower: neg.lower * m, negativeCountUpper: neg.upper * m,
                               hessianVectorProducts: products, seconds: seconds, probeResults: probes, software: SoftwareVersion.summary)
    }

    /// The stated interval of the fraction of eigenvalues `≤ t` (for any `t`, not only grid points).
    public func cdfInterval(at t: Double) -> (estimate: Double, lower: Double, upper: Double) {
        Self.interval(probeResults, dimension: Double(dimension), at: t)
    }

    /// Per probe the quadrature's brackets at `t` (with `j` nodes `≤ t`: weights of the first
    /// `j − 1`, `j` and `j + 1` nodes), averaged over probes; the interval adds `standardErrors`
    /// standard errors of the probe average of the midpoint.
    static func interval(_ probes: [Probe], dimension m: Double, at t: Double) -> (estimate: Double, lower: Double, upper: Double) {
        let P = Double(probes.count)
        var mids: [Double] = [], lows = 0.0, highs = 0.0
        for p in probes {
            let j = p.nodes.lastIndex(where: { $0 <= t }).map { $0 + 1 } ?? 0
            let prefix = { (c: Int) -> Double in p.weights.prefix(max(0, min(c, p.weights.count))).reduce(0, +) }
            mids.append(prefix(j)); lows += prefix(j - 1); highs += prefix(j + 1)
        }
        let mid = mids.reduce(0, +) / P
        let sd = (mids.map { ($0 - mid) * ($0 - mid) }.reduce(0, +) / max(1, P - 1)).squareRoot()
        let se = standardErrors * sd / P.squareRoot()
        return (mid / m, max(0, (lows / P - se) / m), min(1, (highs / P + se) / m))
    }
}
