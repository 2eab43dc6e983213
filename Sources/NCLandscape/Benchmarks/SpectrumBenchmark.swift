import Foundation

/// The dense-spectrum benchmark: time of Hessian assembly + full eigenvalue solve,
/// against the LAPACK eigenvalue call alone on a symmetric matrix of the same size, measured
/// in the same run so machine noise cancels in the ratio.
public struct SpectrumBenchmark: Codable, Sendable {
    public var K: Int
    public var d: Int
    public var n: Int
    public var m: Int
    public var repeats: Int
    public var assemblySeconds: Double
    public var assemblyPlusEigenvaluesSeconds: Double
    public var lapackAloneSeconds: Double
    public var ratio: Double
    public var maxEigenvalueDifferenceBetweenRuns: Double
    public var blas: String

    public static func run(K: Int, d: Int, n: Int, repeats: Int = 3, seed: UInt64 = 1) throws -> SpectrumBenchmark {
        let model = try NormalizedFeatureModel(K: K, d: d, n: n, tau: 2)
        var rng = SeededGenerator(seed: seed)
        let x = model.manifold.randomPoint(using: &rng)
        let m = model.hessianSize
        // A generic symmetric matrix of the same size for the LAPACK-alone baseline.
        let g = Matrix(rows: m, cols: m, columnMajor: rng.normals(m * m))
        let sym = BLAS.product(.n, g, .t, g, alpha: 1 / Double(m))
        var tAsm: [Double] = [], tFull: [Double] = [], tLapack: [Double] = []
        var first: [Double]? = nil
        var maxDiff = 0.0
        for _ in 0 ..< repeats {
            let t0 = Stopwatch.now()
            var h = model.denseRiemannianHessian(at: x).matrix
            let t1 = Stopwatch.now()
            let ev = try LAPACK.eigenvalues(destroying: &h)
            let t2 = Stopwatch.now()
            tAsm.append(t1 - t0); tFull.append(t2 - t0)
            if let f = first { maxDiff = max(maxDiff, zip(f, ev).map { abs($0 - $1) }.max() ?? 0) } else { first = ev }
            var s = sym
            let t3 = Stopwatch.now()
            _ = try LAPACK.eigenvalues(destroying: &s)
            tLapack.append(Stopwatch.now() - t3)
        }
        return SpectrumBenchmark(K: K, d: d, n: n, m: m, repeats: repeats, assemblySeconds: tAsm.median,
                                 assemblyPlusEigenvaluesSeconds: tFull.median, lapackAloneSeconds: tLapack.median,
                                 ratio: tFull.median / tLapack.median, maxEigenvalueDifferenceBetweenRuns: maxDiff,
                                 blas: BLASRuntime.summary)
    }
}
