import Foundation

/// Options for analyzing one point.
public struct AnalysisOptions: Sendable {
    /// Number of lowest eigenpairs to return (mapped back to `(Ẇ, Ḣ)`).
    public var eigenvectors: Int = 0
    /// A loss to compare minimizers against where no closed-form `f*` applies (best found).
    public var bestKnownLoss: Double? = nil
    /// Refuse a dense Hessian needing more bytes than this.
    public var memoryBudgetBytes: Double = 8 * 1024 * 1024 * 1024
    public init(eigenvectors: Int = 0, bestKnownLoss: Double? = nil) {
        self.eigenvectors = eigenvectors
        self.bestKnownLoss = bestKnownLoss
    }
}

/// An eigenpair of `M` with its eigenvector mapped back to the ambient `(Ẇ, Ḣ)` and the
/// residual `‖M v − λ v‖` that certifies it.
public struct EigenDirection: Sendable {
    public let value: Double
    /// `d × (K+N)` tangent matrix `[Ẇ Ḣ]`, unit Frobenius norm.
    public let direction: Matrix
    public let residual: Double
}

/// Everything SPEC §4 says about one point: loss, gradient, spectrum, symmetry, class.
public struct PointAnalysis: Sendable {
    public let loss: Double
    public let riemannianGradientNorm: Double
    /// All eigenvalues of the Riemannian Hessian, ascending.
    public let eigenvalues: [Double]
    public let delta: Double
    public let inertia: Inertia
    public let rank: Int
    public let symmetryNullity: Int
    /// Smallest eigenvalue of the quotient Hessian `M_⊥` (computed only when `λ_min ≥ −δ`).
    public let quotientLambdaMin: Double?
    public let classification: CriticalPointClass
    /// The closed-form `f*` where SPEC §3 gives it.
    public let optimalLoss: Double?
    /// Lowest eigenpairs requested, plus the negative-curvature direction at a saddle.
    public let lowest: [EigenDirection]
    /// `max ‖V ᵀV − I‖` over the returned eigenvectors (orthogonality check).
    public let orthogonalityError: Double
    public let method: String
    public let hessianSize: Int

    public var lambdaMin: Double { eigenvalues.first ?? .nan }
    public var lambdaMax: Double { eigenvalues.last ?? .nan }
    /// Number of negative eigenvalues (the Morse index where the point is nondegenerate).
    public var index: Int { inertia.negative }
    /// `|λ_decisive| / δ`: how far the eigenvalue that decided the class sits from the zero
    /// threshold (`λ_min` at a saddle, `λ_min(M_⊥)` at a minimizer or degenerate point).
    public var classificationMargin: Double {
        ClassificationRule.margin(lambdaMin: lambdaMin, quotientLambdaMin: quotientLambdaMin, delta: delta)
    }
    public var negativeCurvatureDirection: Matrix? {
        classification == .strictSaddle ? lowest.first?.direction : nil
    }
}

/// The analysis layer: consumes the model's Hessian and produces a `PointAnalysis`.
public enum LandscapeAnalyzer {
    public static func checkDenseFits(_ model: NormalizedFeatureModel, budget: Double) throws {
        let need = model.denseHessianBytes
        if need > budget {
            let gib = need / 1_073_741_824
            throw InputError(String(format: "the dense Hessian (m = %d) needs %.1f GiB, over the %.1f GiB budget; use a smaller problem or raise --memory-budget",
                                    model.hessianSize, gib, budget / 1_073_741_824))
        }
    }

    public static func analyze(_ model: NormalizedFeatureModel, at x: Matrix,
                               options: AnalysisOptions = AnalysisOptions()) throws -> PointAnalysis {
        try checkDenseFits(model, budget: options.memoryBudgetBytes)
        let fo = model.firstOrder(at: x)
        let gradNorm = model.manifold.euclideanToRiemannianGradient(x, fo.euclideanGradient).frobeniusNorm
        let hess = model.denseRiemannianHessian(at: x, firstOrder: fo)
        var work = hess.matrix
        let values = try LAPACK.eigenvalues(destroying: &work)
        let spectralNorm = max(abs(values.first ?? 0), abs(values.last ?? 0))
        let delta = ClassificationRule.zeroThreshold(spectralNorm: spectralNorm)
        let inertia = Inertia(eigenvalues: values, tolerance: delta)
        let symmetry = try SymmetryAnalysis(point: x, basis: hess.basis)

        let isSaddleCandidate = (values.first ?? 0) < -delta
        var quotientMin: Double? = nil
        if !isSaddleCandidate {
            var q = try symmetry.quotientHessian(hess.matrix)
            quotientMin = q.rows > 0 ? try LAPACK.eigen(destroying: &q, indices: 0 ..< 1).values[0] : .infinity
        }
        let reference = model.optimalLoss ?? options.bestKnownLoss
        let cls = ClassificationRule.classify(gradientNorm: gradNorm, loss: fo.loss, lambdaMin: values.first ?? 0,
                                              quotientLambdaMin: quotientMin, delta: delta, reference: reference)

        let wanted = max(options.eigenvectors, cls == .strictSaddle ? 1 : 0)
        var lowest: [EigenDirection] = []
        var orthErr = 0.0
        if wanted > 0 {
            var w2 = hess.matrix
            let count = min(wanted, model.hessianSize)
            let eig = try LAPACK.eigen(destroying: &w2, indices: 0 ..< count)
            let vecs = eig.vectors!
            let mv = BLAS.product(.n, hess.matrix, .n, vecs)
            let gram = BLAS.product(.t, vecs, .n, vecs)
            orthErr = Matrix.maxAbsDifference(gram, .identity(count))
            for i in 0 ..< count {
                var r = mv.column(i)
                Vector.axpy(-eig.values[i], vecs.column(i), &r)
                lowest.append(EigenDirection(value: eig.values[i], direction: hess.basis.vector(from: vecs.column(i)),
                                             residual: Vector.norm(r)))
            }
        }
        return PointAnalysis(loss: fo.loss, riemannianGradientNorm: gradNorm, eigenvalues: values, delta: delta,
                             inertia: inertia, rank: symmetry.rank, symmetryNullity: symmetry.nullity,
                             quotientLambdaMin: quotientMin, classification: cls, optimalLoss: model.optimalLoss,
                             lowest: lowest, orthogonalityError: orthErr, method: "dense", hessianSize: model.hessianSize)
    }
}
