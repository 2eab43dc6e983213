import Foundation

/// Benchmarks of the structured methods, each a ratio or a time measured in one run.
public enum ScaleBenchmark {
    public struct Line: Codable, Sendable {
        public var name: String
        public var K: Int, d: Int, n: Int, m: Int
        public var seconds: Double
        @NullEncodable public var baselineSeconds: Double?
        /// What the baseline is (`dense`, `one WᵀH gemm`).
        @NullEncodable public var baseline: String?
        @NullEncodable public var speedup: Double?
        @NullEncodable public var maxEigenvalueDifference: Double?
        @NullEncodable public var lambdaMin: Double?
        @NullEncodable public var index: Int?
        public var classification: String
        @NullEncodable public var hessianVectorProducts: Int?
        public var blas: String
    }

    /// A strict saddle that is exactly critical and not collapsed, at any size: all classifiers
    /// equal `e_1`, features orthogonal to `e_1` in `±` pairs inside each class (every class sum
    /// is zero, so `∇_W f = (τ/N)[(1/K)Σ_j h_j − Σ_{y_j=k} h_j] = 0`; all logits vanish, so
    /// `∇_H f = (τ/N) W G = 0` because the columns of `G` sum to zero). Loss `log K`.
    public static func pairedSaddle(_ model: NormalizedFeatureModel, seed: UInt64) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        var x = Matrix(rows: model.d, cols: model.K + model.N)
        for k in 0 ..< model.K { x[0, k] = 1 }
        var pending: [Int: [Double]] = [:]
        for (j, y) in model.labels.enumerated() {
            if let v = pending.removeValue(forKey: y) { x.setColumn(model.K + j, v.map { -$0 }); continue }
            var v = [0] + rng.normals(model.d - 1)
            let nrm = Vector.norm(v)
            v = v.map { $0 / nrm }
            x.setColumn(model.K + j, v)
            pending[y] = v
        }
        return x
    }

    static func line(_ name: String, _ model: NormalizedFeatureModel, n: Int, _ a: PointAnalysis, seconds: Double,
                     baseline: Double? = nil, diff: Double? = nil) -> Line {
        Line(name: name, K: model.K, d: model.d, n: n, m: model.hessianSize, seconds: seconds, baselineSeconds: baseline,
             baseline: baseline == nil ? nil : "dense",
             speedup: baseline.map { $0 / seconds }, maxEigenvalueDifference: diff, lambdaMin: a.lambdaMin,
             index: a.inertiaExact ? a.index : nil, classification: a.classification.rawValue,
             hessianVectorProducts: a.hessianVectorProducts, blas: BLASRuntime.summary)
    }

    public static func run(parts: Set<String>, emit: (Line) -> Void) throws {
        if parts.contains("reduced-vs-dense") {
            let model = try NormalizedFeatureModel(K: 10, d: 11, n: 30, tau: 2)
            var rng = SeededGenerator(seed: 0)
            let x = try SpecialPoints.make(.anti, model: model, rng: &rng)
            let (dense, td) = try Stopwatch.time { try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .dense)) }
            let (red, tr) = try Stopwatch.time { try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .reduced)) }
            let diff = zip(dense.eigenvalues, red.eigenvalues).map { abs($0 - $1) }.max()
            emit(line("reduced vs dense (anti-aligned saddle, full spectrum + class)", model, n: 30, red, seconds: tr, baseline: td, diff: diff))
        }
        if parts.contains("reduced-large") {
            let model = try NormalizedFeatureModel(K: 10, d: 16, n: 10_000, tau: 2)
            var rng = SeededGenerator(seed: 0)
            let x = try SpecialPoints.make(.etf, model: model, rng: &rng)
            let (a, t) = try Stopwatch.time { try LandscapeAnalyzer.analyze(model, at: x, options: AnalysisOptions(method: .reduced)) }
            emit(line("reduced, N = 1e5 (NC point, complete spectrum + class)", model, n: 10_000, a, seconds: t))
        }
        if parts.contains("inertia") {
            let model = try NormalizedFeatureModel(K: 10, d: 16, n: 1000, tau: 2)
            var rng = SeededGenerator(seed: 1)
            let x = model.manifold.randomPoint(using: &rng)
            let (count, t) = try Stopwatch.time { try StructuredInertia.countBelow(0, blocks: HessianBlocks(model: model, point: x)) }
            var l = Line(name: "structured inertia (random point, exact index)", K: 10, d: 16, n: 1000, m: model.hessianSize, seconds: t,
                         baselineSeconds: nil, baseline: nil, speedup: nil, maxEigenvalueDifference: nil, lambdaMin: nil, index: count.below,
                         classification: "-", hessianVectorProducts: nil, blas: BLASRuntime.summary)
            l.name += String(format: " [smallest pivot gap %.2e]", count.smallestPivotGap)
            emit(l)
            // The Lanczos path counts at three shifts (−δ, +δ, λ_min − ε): one shared pass against
            // three single-shift passes, same run.
            let blocks = HessianBlocks(model: model, point: x)
            let shifts = [-1e-8, 1e-8, -0.05]
            let (shared, ts) = try Stopwatch.time { try StructuredInertia.countBelow(shifts, blocks: blocks) }
            let (separate, t3) = try Stopwatch.time { try shifts.map { try StructuredInertia.countBelow($0, blocks: blocks) } }
            guard shared.map(\.below) == separate.map(\.below) else {
                throw LinearAlgebraError.computationFailed(routine: "structured inertia", info: 0, meaning: "shared and separate counts differ")
            }
            emit(Line(name: "structured inertia at 3 shifts, one shared pass", K: 10, d: 16, n: 1000, m: model.hessianSize, seconds: ts,
                      baselineSeconds: t3, baseline: "three single-shift passes", speedup: t3 / ts, maxEigenvalueDifference: nil,
                      lambdaMin: nil, index: shared[0].below, classification: "-", hessianVectorProducts: nil, blas: BLASRuntime.summary))
        }
        if parts.contains("inertia-kronecker") {
            // The Kronecker assembly of the Schur complement against the per-sample products, one
            // shift each, same point and same run, at a size where the per-sample products still
            // finish (n = 2); then exact counts at n = 100 (m ≈ 1.3·10⁶), where the per-sample
            // products would need ≈ 4·10¹⁴ flops per shift.
            let small = try NormalizedFeatureModel(K: 100, d: 128, n: 2, tau: 2)
            var rngSmall = SeededGenerator(seed: 2)
            let blocksSmall = HessianBlocks(model: small, point: small.manifold.randomPoint(using: &rngSmall))
            let (kr, tk) = try Stopwatch.time { try StructuredInertia.countBelow(-1e-8, blocks: blocksSmall, assembly: .kronecker) }
            let (ps, tp) = try Stopwatch.time { try StructuredInertia.countBelow(-1e-8, blocks: blocksSmall, assembly: .perSample) }
            guard kr.below == ps.below else {
                throw LinearAlgebraError.computationFailed(routine: "structured inertia", info: 0, meaning: "Kronecker and per-sample counts differ")
            }
            emit(Line(name: "structured inertia, Kronecker assembly (random point, one count below −1e-8)", K: 100, d: 128, n: 2,
                      m: small.hessianSize, seconds: tk, baselineSeconds: tp, baseline: "per-sample assembly", speedup: tp / tk,
                      maxEigenvalueDifference: nil, lambdaMin: nil, index: kr.below, classification: "-", hessianVectorProducts: nil,
                      blas: BLASRuntime.summary))
            let model = try NormalizedFeatureModel(K: 100, d: 128, n: 100, tau: 2)
            // δ = 1e-8·‖M‖ with ‖M‖ from 30 Lanczos steps (what the analysis uses).
            func threshold(_ x: Matrix) throws -> (delta: Double, seconds: Double) {
                let op = TangentHessianOperator(model: model, at: x, firstOrder: model.firstOrder(at: x), normalShift: 0)
                var rng = SeededGenerator(seed: 1)
                let start = model.manifold.randomTangent(at: x, using: &rng).storage
                let (top, t) = try Stopwatch.time {
                    try LanczosTridiagonal.ritz(LanczosTridiagonal.run(start: start, steps: 30, reorthogonalize: false) { v, y in op.apply(v, into: &y) })
                }
                return (ClassificationRule.zeroThreshold(spectralNorm: max(abs(top.values.first ?? 0), abs(top.values.last ?? 0))), t)
            }
            func count(_ label: String, _ x: Matrix, shifts: Int) throws {
                let (delta, tl) = try threshold(x)
                let (blocks, tb) = Stopwatch.time { HessianBlocks(model: model, point: x) }
                let (c, tc) = try Stopwatch.time { try StructuredInertia.countBelow(shifts == 1 ? [-delta] : [-delta, delta], blocks: blocks) }
                let eta = c.map(\.uncertainty).max() ?? 0
                let resolved = eta <= StructuredInertia.resolvedFraction * delta
                var what = String(format: "%d below −δ", c[0].below)
                if shifts == 2 {
                    let inertia = StructuredInertia.inertia(below: c[0], belowPlus: c[1], size: model.hessianSize)
                    what = "inertia \(inertia.negative) / \(inertia.zero) / \(inertia.positive)"
                }
                emit(Line(name: String(format: "%@, %@ by Kronecker assembly (%@; δ = %.2e, rounding estimate %.1e = %.2g δ: %@; 30 Lanczos steps %.1f s, blocks %.1f s, counts %.1f s)",
                                  shifts == 1 ? "structured count at −δ" : "structured counts at ±δ", label, what, delta, eta, eta / delta,
                                  resolved ? "resolved" : "NOT resolved", tl, tb, tc),
                          K: 100, d: 128, n: 100, m: model.hessianSize, seconds: tl + tb + tc, baselineSeconds: nil, baseline: nil, speedup: nil,
                          maxEigenvalueDifference: nil, lambdaMin: nil, index: resolved ? c[0].below : nil, classification: "-",
                          hessianVectorProducts: 30, blas: BLASRuntime.summary))
            }
            var rng = SeededGenerator(seed: 2)
            try count("random point", model.manifold.randomPoint(using: &rng), shifts: 1)
            // The polish benchmark's point: the paired saddle with tangent noise 1e-3, re-polished.
            var rngP = SeededGenerator(seed: 4)
            let xs = pairedSaddle(model, seed: 3)
            let noise = model.manifold.randomTangent(at: xs, using: &rngP)
            let polished = try NewtonPolisher.polish(model, from: model.manifold.retract(xs, (1e-3 / noise.frobeniusNorm) * noise)).point
            try count("re-polished saddle", polished, shifts: 2)
            // Every feature block of the paired saddle is exactly zero: pivots ±δ, unresolved. The
            // whole analysis a user gets with the counts paid for (Lanczos, then four counts in one
            // pass: ±δ, λ_min − ε for the certificate, 100δ).
            var options = AnalysisOptions(method: .lanczos)
            options.structuredInertiaMaxFlops = 1e15
            let (a, ta) = try Stopwatch.time { try LandscapeAnalyzer.analyze(model, at: xs, options: options) }
            let counts = a.notes.filter { $0.contains("structured inertia") || $0.contains("certified") }.joined(separator: "; ")
            emit(Line(name: "paired saddle, Lanczos + four structured counts (--inertia-max-flops 1e15): " + counts,
                      K: 100, d: 128, n: 100, m: model.hessianSize, seconds: ta, baselineSeconds: nil, baseline: nil, speedup: nil,
                      maxEigenvalueDifference: nil, lambdaMin: a.lambdaMin, index: a.inertiaExact ? a.index : nil,
                      classification: a.classification.rawValue, hessianVectorProducts: a.hessianVectorProducts, blas: BLASRuntime.summary))
        }
        // One Hessian-vector product against its dominant cost, one `K × d × N` gemm (the product
        // needs four of them with twice the inner dimension, ≈ 6 gemm-equivalents: a ratio of
        // about 6 is the floor), at the Lanczos size and at the CIFAR-100 size.
        for (part, K, d, n, reps) in [("operator", 100, 128, 100, 20), ("operator-cifar", 100, 512, 500, 5)] where parts.contains(part) {
            let model = try NormalizedFeatureModel(K: K, d: d, n: n, tau: 2)
            var rng = SeededGenerator(seed: 2)
            let x = model.manifold.randomPoint(using: &rng)
            let op = TangentHessianOperator(model: model, at: x, firstOrder: model.firstOrder(at: x), normalShift: 1)
            let v = rng.normals(op.dimension)
            var y = [Double](repeating: 0, count: op.dimension)
            op.apply(v, into: &y)
            let (_, t) = Stopwatch.time { for _ in 0 ..< reps { op.apply(v, into: &y) } }
            var z = Matrix(rows: model.K, cols: model.N)
            BLAS.gemm(.t, model.classifiers(x), .n, model.features(x), into: &z)
            let (_, tg) = Stopwatch.time { for _ in 0 ..< reps { BLAS.gemm(.t, model.classifiers(x), .n, model.features(x), into: &z) } }
            emit(Line(name: "one Hessian-vector product (random point)", K: K, d: d, n: n, m: model.hessianSize,
                      seconds: t / Double(reps), baselineSeconds: tg / Double(reps), baseline: "one WᵀH gemm", speedup: tg / t, maxEigenvalueDifference: nil,
                      lambdaMin: nil, index: nil, classification: "-", hessianVectorProducts: reps, blas: BLASRuntime.summary))
            // The same product with single-precision workspaces and sgemm, against the double one
            // timed just above (what `--product-precision single` buys per product).
            let single = SinglePrecisionHessianOperator(model: model, at: x, firstOrder: model.firstOrder(at: x), normalShift: 1)
            var ys = [Double](repeating: 0, count: op.dimension)
            single.apply(v, into: &ys)
            let (_, ts) = Stopwatch.time { for _ in 0 ..< reps { single.apply(v, into: &ys) } }
            // The change on a tangent vector (on `v` itself the exact σ-part in double hides it).
            let tangent = model.manifold.project(x, Matrix(rows: d, cols: model.K + model.N, columnMajor: v)).storage
            op.apply(tangent, into: &y)
            single.apply(tangent, into: &ys)
            var diff = 0.0
            for i in y.indices { diff += (ys[i] - y[i]) * (ys[i] - y[i]) }
            emit(Line(name: String(format: "one product in single precision (relative change %.1e)", diff.squareRoot() / StreamingVector.dot(y, y).squareRoot()),
                      K: K, d: d, n: n, m: model.hessianSize,
                      seconds: ts / Double(reps), baselineSeconds: t / Double(reps), baseline: "the double product", speedup: t / ts, maxEigenvalueDifference: nil,
                      lambdaMin: nil, index: nil, classification: "-", hessianVectorProducts: reps, blas: BLASRuntime.summary))
        }
        if parts.contains("product-scaling") {
            // How one product's cost grows with N and with BLAS threads (docs/scaling.md): at
            // K = 100, d = 512, n = 50 … 500 per class, each product timed against the n = 50
            // product on one thread (the N-scaling), and on two threads against one (the
            // thread scaling), in the same run.
            let saved = BLASRuntime.threads
            defer { BLASRuntime.setThreads(saved) }
            var base: Double? = nil
            for n in [50, 125, 250, 500] {
                let model = try NormalizedFeatureModel(K: 100, d: 512, n: n, tau: 2)
                var rng = SeededGenerator(seed: 2)
                let x = model.manifold.randomPoint(using: &rng)
                let op = TangentHessianOperator(model: model, at: x, firstOrder: model.firstOrder(at: x), normalShift: 1)
                let v = rng.normals(op.dimension)
                var y = [Double](repeating: 0, count: op.dimension)
                let reps = n <= 125 ? 6 : 3
                var perThreads: [Int: Double] = [:]
                for threads in [1, 2] {
                    BLASRuntime.setThreads(threads)
                    op.apply(v, into: &y)
                    perThreads[threads] = Stopwatch.time { for _ in 0 ..< reps { op.apply(v, into: &y) } }.1 / Double(reps)
                }
                let one = perThreads[1]!, two = perThreads[2]!
                if base == nil { base = one }
                emit(Line(name: "one product, 1 BLAS thread, against n = 50 (N-scaling; N/N₅₀ = \(String(format: "%g", Double(n) / 50)))", K: 100, d: 512, n: n, m: model.hessianSize,
                          seconds: one, baselineSeconds: base, baseline: "n = 50, 1 thread", speedup: base! / one, maxEigenvalueDifference: nil,
                          lambdaMin: nil, index: nil, classification: "-", hessianVectorProducts: reps, blas: BLASRuntime.summary))
                emit(Line(name: "one product, 2 BLAS threads, against 1 thread (thread scaling)", K: 100, d: 512, n: n, m: model.hessianSize,
                          seconds: two, baselineSeconds: one, baseline: "same n, 1 thread", speedup: one / two, maxEigenvalueDifference: nil,
                          lambdaMin: nil, index: nil, classification: "-", hessianVectorProducts: reps, blas: BLASRuntime.summary))
            }
        }
        if parts.contains("polish") {
            // The issue's "saddle whose features were perturbed and re-polished", at the Lanczos
            // size: tangent noise of norm 1e-3 on the paired saddle, Newton–MINRES back to a
            // critical point, then Lanczos for λ_min and the class.
            let model = try NormalizedFeatureModel(K: 100, d: 128, n: 100, tau: 2)
            var rng = SeededGenerator(seed: 4)
            let xs = pairedSaddle(model, seed: 3)
            let noise = model.manifold.randomTangent(at: xs, using: &rng)
            let start = model.manifold.retract(xs, (1e-3 / noise.frobeniusNorm) * noise)
            let (p, tp) = try Stopwatch.time { try NewtonPolisher.polish(model, from: start) }
            let (a, ta) = try Stopwatch.time { try LandscapeAnalyzer.analyze(model, at: p.point, options: AnalysisOptions(method: .lanczos)) }
            var l = line(String(format: "perturbed saddle re-polished (%@, %d Newton steps, %d products, %.1f s, ‖grad‖ %.1e) + Lanczos (%.1f s)",
                                p.method, p.iterations, p.hessianVectorProducts ?? 0, tp, p.gradientNorm, ta),
                         model, n: 100, a, seconds: tp + ta)
            l.hessianVectorProducts = (a.hessianVectorProducts ?? 0) + (p.hessianVectorProducts ?? 0)
            emit(l)
        }
        if parts.contains("lanczos") {
            let model = try NormalizedFeatureModel(K: 100, d: 128, n: 100, tau: 2)
            var rng = SeededGenerator(seed: 2)
            let xr = model.manifold.randomPoint(using: &rng)
            let (a1, t1) = try Stopwatch.time { try LandscapeAnalyzer.analyze(model, at: xr, options: AnalysisOptions(method: .lanczos)) }
            emit(line("Lanczos λ_min + class, random point", model, n: 100, a1, seconds: t1))
            let xs = pairedSaddle(model, seed: 3)
            let (a2, t2) = try Stopwatch.time { try LandscapeAnalyzer.analyze(model, at: xs, options: AnalysisOptions(method: .lanczos)) }
            emit(line("Lanczos λ_min + class, non-collapsed strict saddle", model, n: 100, a2, seconds: t2))
        }
    }
}
