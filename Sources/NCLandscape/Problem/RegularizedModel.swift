/// The unnormalized comparison model of Zhu et al. (NeurIPS 2021), docs/formulas.md §8:
/// `f(W,H,b) = (1/N) Σ_j CE(Wᵀh_j + b, y_j) + (λ_W/2)‖W‖² + (λ_H/2)‖H‖² + (λ_b/2)‖b‖²`
/// over Euclidean space (no normalization, no temperature).
public struct RegularizedFeatureModel: Sendable {
    public let K: Int
    public let d: Int
    public let labels: [Int]
    public let lambdaW: Double
    public let lambdaH: Double
    public let lambdaB: Double
    public var N: Int { labels.count }

    public init(K: Int, d: Int, labels: [Int], lambdaW: Double, lambdaH: Double, lambdaB: Double) throws {
        _ = try NormalizedFeatureModel(K: K, d: d, labels: labels, tau: 1)   // same label/size validation
        guard [lambdaW, lambdaH, lambdaB].allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw InputError("weight decays λ_W, λ_H, λ_b must be finite and ≥ 0")
        }
        self.K = K; self.d = d; self.labels = labels
        self.lambdaW = lambdaW; self.lambdaH = lambdaH; self.lambdaB = lambdaB
    }

    /// A point: `W` (`d × K`), `H` (`d × N`), `b` (`K`).
    public struct Point: Sendable {
        public var W: Matrix
        public var H: Matrix
        public var b: [Double]
    }

    /// Loss and gradient: with `G = softmax(WᵀH + b1ᵀ) − Y`,
    /// `∇_W = (1/N) H Gᵀ + λ_W W`, `∇_H = (1/N) W G + λ_H H`, `∇_b = (1/N) G 1 + λ_b b`.
    public func lossAndGradient(at p: Point) -> (loss: Double, gradient: Point) {
        var z = BLAS.product(.t, p.W, .n, p.H)    // K × N, becomes G = P − Y
        var total = 0.0
        let ce = CrossEntropy()
        var state = [Double](repeating: 0, count: K), magnitude = state
        z.storage.withUnsafeMutableBufferPointer { zs in
            for j in 0 ..< N {
                let col = zs.baseAddress! + j * K
                for k in 0 ..< K { col[k] += p.b[k] }
                // The saturation-safe cross-entropy (G_y = −Σ_{k≠y} p_k, loss by log1p).
                total += ce.evaluate(UnsafePointer(col), label: labels[j], count: K, state: &state, gradient: col, magnitude: &magnitude).value
            }
        }
        let invN = 1 / Double(N)
        var gW = p.W, gH = p.H
        BLAS.gemm(.n, p.H, .t, z, alpha: invN, beta: lambdaW, into: &gW)
        BLAS.gemm(.n, p.W, .n, z, alpha: invN, beta: lambdaH, into: &gH)
        var gb = p.b.map { lambdaB * $0 }
        for j in 0 ..< N { for k in 0 ..< K { gb[k] += invN * z.storage[j * K + k] } }
        let reg = 0.5 * (lambdaW * Vector.dot(p.W.storage, p.W.storage) + lambdaH * Vector.dot(p.H.storage, p.H.storage)
                         + lambdaB * Vector.dot(p.b, p.b))
        return (total * invN + reg, Point(W: gW, H: gH, b: gb))
    }

    public static func norm(_ p: Point) -> Double {
        (Vector.dot(p.W.storage, p.W.storage) + Vector.dot(p.H.storage, p.H.storage) + Vector.dot(p.b, p.b)).squareRoot()
    }
}
