import Foundation

/// What the search established about one distinct critical point (the numbers of a record).
public struct CriticalPointStats: Codable, Sendable {
    public var id: Int
    public var task: String
    public var origin: String
    /// All origins that reached this point and how often (filled when the run is summarized).
    public var origins: [String: Int]
    public var hits: Int
    public var loss: Double
    public var riemannianGradientNorm: Double
    public var index: Int
    public var lambdaMin: Double
    public var lambdaMax: Double
    @NullEncodable public var quotientLambdaMin: Double?
    /// `δ = 1e−8 ‖M‖₂` used to classify this point.
    public var zeroThreshold: Double
    /// Eigenvalues with `|λ| ≤ δ`; null when not counted (Lanczos without structured inertia).
    @NullEncodable public var zeroEigenvalues: Int?
    /// `|λ_decisive|/δ` (see `ClassificationRule.margin`); below 100 the label is marginal; null
    /// when the loss meeting a proven bound decided it.
    @NullEncodable public var classificationMargin: Double?
    /// A global minimizer with zero eigenvalues beyond the symmetry (a continuum of minima).
    public var nonIsolated: Bool
    /// Zero eigenvalues beyond `ν` (null when the inertia is not exact).
    @NullEncodable public var extraZeroEigenvalues: Int?
    public var symmetryNullity: Int
    public var rank: Int
    public var classification: CriticalPointClass
    /// Spectrum method used for this point (`dense`, `reduced`, `lanczos`).
    public var method: HessianMethod
    public var nc: NCMetrics
    public var invariants: CriticalPointInvariants
    public var eigenvalues: [Double]
    public var polishIterations: Int
    /// The computer-assisted proof of the label (null: not attempted, e.g. Lanczos or focal).
    @NullEncodable public var certification: CertifiedDecision? = nil
    /// The label the fixed threshold δ gave, before the certificate and the search's loss
    /// comparison (null where no certificate was attempted, and in older records).
    @NullEncodable public var thresholdClassification: CriticalPointClass? = nil

    /// The loss value is `lossValue` in JSON: a record is also a point file, whose `loss` key
    /// names the loss function.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, task, origin, origins, hits, loss = "lossValue", riemannianGradientNorm, index, lambdaMin, lambdaMax
        case quotientLambdaMin, zeroThreshold, zeroEigenvalues, classificationMargin, nonIsolated, extraZeroEigenvalues
        case symmetryNullity, rank, classification, method, nc, invariants, eigenvalues, polishIterations
        case certification, thresholdClassification
    }

    /// The keys a record adds to a point file's (a line of `critical_points.jsonl`, an entry of
    /// `critical_points.json`).
    public static var recordKeys: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }

    /// Whether the label is proven (`certification.certificate.status == certified`).
    public var isCertified: Bool { certification?.certificate.status == .certified }
    /// Proven to have no local minimizer within the certificate's radius, existence not proven.
    public var isSaddleRegion: Bool { certification?.certificate.status == .saddleRegion }
}

/// One distinct critical point as stored in `critical_points.jsonl` / `.json`: its numbers, its
/// class, where it was first reached, and the point itself in the point-JSON keys — one flat
/// object, so every line is also a point file (`nclandscape spectrum` reads it).
@dynamicMemberLookup
public struct CriticalPointRecord: Codable, Sendable {
    public var stats: CriticalPointStats
    public var pointFile: PointFile

    public init(stats: CriticalPointStats, pointFile: PointFile) { self.stats = stats; self.pointFile = pointFile }

    public subscript<T>(dynamicMember key: WritableKeyPath<CriticalPointStats, T>) -> T {
        get { stats[keyPath: key] }
        set { stats[keyPath: key] = newValue }
    }

    public init(from decoder: Decoder) throws {
        stats = try CriticalPointStats(from: decoder)
        pointFile = try PointFile(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        try stats.encode(to: encoder)
        try pointFile.encode(to: encoder)
    }

    public var isMarginal: Bool { (stats.classificationMargin ?? .infinity) < ClassificationRule.marginalFactor }
    public var classValue: CriticalPointClass { stats.classification }
    public var model: ModelDescription { pointFile.model }
    public var point: Matrix { Matrix(columns: pointFile.classifiers + pointFile.features, rows: pointFile.model.d) }
}

/// One finished search task (`tasks.jsonl`): what it reached.
public struct TaskRecord: Codable, Sendable {
    public enum Outcome: String, Codable, Sendable {
        case new, duplicate, notCritical = "not_critical"
        /// Polishing converged where the loss is not twice differentiable: no second-order label.
        case notTwiceDifferentiable = "not_twice_differentiable"
    }
    public var task: String
    public var origin: String
    public var outcome: Outcome
    public var pointId: Int?
    public var gradientNorm: Double
    public var seconds: Double
    /// Why polishing stopped (`converged`, `no_decrease`, `stalled`, `max_iterations`).
    public var polish: PolishStop? = nil
    /// Saddle-seeking starts: the gradient-descent iterate Newton converged from (0: the start
    /// itself), nil when none did or the start is not saddle seeking.
    public var descentSteps: Int? = nil
    /// Outcome `not_twice_differentiable`: the refusal, "loss X is not twice differentiable at
    /// this point: …" (absent otherwise).
    public var refusal: String? = nil
}
