import Foundation

/// The machine-readable summary of one analyzed point (the `spectrum --json` object).
public struct SpectrumSummary: Codable, Sendable {
    /// JSON keys: the loss value is `lossValue` (the key `loss` names the loss function in every
    /// file, as in the point files). A new stored property must be listed here too, or it is not
    /// written (docs/schemas/ then needs it as well).
    enum CodingKeys: String, CodingKey {
        case model, regularizedModel, N, counts, loss = "lossValue", optimalLoss, lossBound, riemannianGradientNorm, gradientScale, eigenvalues, eigenvaluesComplete, lambdaMin, lambdaMax, quotientLambdaMin, zeroThreshold, inertia, inertiaExact, lambdaMinCertified, lambdaMinProbabilisticLowerBound, lambdaMinBoundFailureProbability, productPrecision, singlePrecisionErrorEstimate, structuredCounts, index, rank, symmetryNullity, classification, classificationMargin, nonIsolated, extraZeroEigenvalues, method, hessianSize, hessianVectorProducts, collapseDeviation, notes, eigenvectorOrthogonalityError, eigenvectors, negativeCurvatureWeights, lambdaMinMultiplicity, eigenvalueClusters, polishIterations, polishMethod, polishGradientNorm, polishDisplacement, methodReason, topEigenpairs, blas, source, certification
    }

    public struct Direction: Codable, Sendable {
        public var eigenvalue: Double
        public var residual: Double
        /// `Ẇ`, K vectors of length d.
        public var classifiers: [[Double]]
        /// `Ḣ`, N vectors of length d.
        public var features: [[Double]]
    }
    /// Share of a direction's squared norm on each class: its classifier and its features.
    public struct ClassWeight: Codable, Sendable {
        public var classIndex: Int
        public var classifier: Double
        public var features: Double
    }
    /// The normalized problem (K, d, τ, ε, loss, labels); absent for the regularized model.
    public var model: ModelDescription?
    /// The regularized problem (K, d, counts, λ_W, λ_H, loss); absent for the normalized model.
    public var regularizedModel: RegularizedDescription?
    public var K: Int { model?.K ?? regularizedModel?.K ?? 0 }
    public var d: Int { model?.d ?? regularizedModel?.d ?? 0 }
    public var N: Int
    public var counts: [Int]
    public var loss: Double
    @NullEncodable public var optimalLoss: Double?
    /// The proven lower bound on the loss and its argument, when there is one.
    @NullEncodable public var lossBound: LossBound?
    public var riemannianGradientNorm: Double
    /// `γ`, the scale of the gradient's terms (the criticality test is relative to it and `‖M‖₂`).
    public var gradientScale: Double
    /// Ascending; all of them unless `eigenvaluesComplete` is false (Lanczos: the extreme ones).
    public var eigenvalues: [Double]
    public var eigenvaluesComplete: Bool
    public var lambdaMin: Double
    public var lambdaMax: Double
    @NullEncodable public var quotientLambdaMin: Double?
    public var zeroThreshold: Double
    /// Counts of eigenvalues below `−δ`, within `[−δ, δ]` and above `δ`; `zero` and `positive`
    /// are null when not counted (Lanczos without structured inertia: `negative` is then a lower bound).
    public var inertia: ReportedInertia
    /// False when Lanczos ran without structured inertia (negative count is then a lower bound).
    public var inertiaExact: Bool
    /// Whether `λ_min` is proven smallest (complete spectrum, or Lanczos checked by an exact count).
    @NullEncodable public var lambdaMinCertified: Bool?
    /// Where no exact count fits: a lower bound on λ_min holding with probability
    /// `1 − lambdaMinBoundFailureProbability` over Lanczos's random start (not a proof).
    @NullEncodable public var lambdaMinProbabilisticLowerBound: Double?
    @NullEncodable public var lambdaMinBoundFailureProbability: Double?
    /// Lanczos: `double` or `single` Hessian-vector products (null for the complete methods).
    @NullEncodable public var productPrecision: ProductPrecision?
    /// Single precision: the estimate added to λ_min's residual and bound (null otherwise).
    @NullEncodable public var singlePrecisionErrorEstimate: Double?
    /// Lanczos with structured inertia: the counts below `±δ` with their rounding estimate, also
    /// when that estimate exceeds `0.1δ` and `inertia` therefore does not use them (null otherwise).
    @NullEncodable public var structuredCounts: StructuredCounts?
    public var index: Int
    public var rank: Int
    public var symmetryNullity: Int
    public var classification: CriticalPointClass
    /// `|deciding eigenvalue| / δ`; below 100 the label is marginal; null when the label was
    /// decided by the loss meeting a proven bound.
    @NullEncodable public var classificationMargin: Double?
    /// A global minimizer with zero eigenvalues beyond the symmetry (part of a continuum).
    public var nonIsolated: Bool
    /// Zero eigenvalues beyond `ν` (null when the inertia is not exact).
    @NullEncodable public var extraZeroEigenvalues: Int?
    public var method: HessianMethod
    public var hessianSize: Int
    @NullEncodable public var hessianVectorProducts: Int?
    @NullEncodable public var collapseDeviation: Double?
    public var notes: [String]
    public var eigenvectorOrthogonalityError: Double
    public var eigenvectors: [Direction]
    /// At a saddle: the share of the `λ_min` eigenspace on each class, `tr(P_E P_class)/dim E`
    /// (basis-independent; for a simple `λ_min`, the squared norms of its eigenvector).
    @NullEncodable public var negativeCurvatureWeights: [ClassWeight]?
    /// Multiplicity of `λ_min` (null for Lanczos).
    @NullEncodable public var lambdaMinMultiplicity: Int?
    /// Distinct eigenvalues with multiplicities (complete spectra; empty for Lanczos).
    public var eigenvalueClusters: [EigenvalueCluster]
    @NullEncodable public var polishIterations: Int?
    /// How the Newton steps were computed (`reduced`, `dense`, `matrix-free (N Hessian-vector products)`).
    @NullEncodable public var polishMethod: String?
    @NullEncodable public var polishGradientNorm: Double?
    /// How far polishing moved the columns (geodesic angles in radians); null when not polished.
    @NullEncodable public var polishDisplacement: PolishDisplacement?
    /// Why `--method auto` chose `method`, with its cost estimates; null when a method was named.
    @NullEncodable public var methodReason: String?
    /// The largest eigenvalues, descending, with residuals (`--top k`; empty when not asked).
    public var topEigenpairs: [TopEigenpair]
    public var blas: String
    public var source: String
    /// The computer-assisted proof of the label (docs/formulas.md §14); null when not attempted.
    @NullEncodable public var certification: CertifiedDecision?

    public init<P: FeatureObjective>(model: P, analysis a: PointAnalysis, source: String, polish: PolishResult?,
                                     polishDisplacement: PolishDisplacement? = nil, top: [TopEigenpair] = []) {
        self.polishDisplacement = polishDisplacement
        methodReason = a.methodReason
        topEigenpairs = top
        switch model.problemDescription {
        case let .normalized(m): self.model = m
        case let .regularized(r): regularizedModel = r
        }
        N = model.N; counts = model.counts
        loss = a.loss; optimalLoss = a.optimalLoss; riemannianGradientNorm = a.riemannianGradientNorm
        lossBound = a.lossBound; gradientScale = a.gradientScale
        nonIsolated = a.nonIsolated; extraZeroEigenvalues = a.extraZeroEigenvalues
        eigenvalues = a.eigenvalues; eigenvaluesComplete = a.eigenvaluesComplete; inertiaExact = a.inertiaExact
        lambdaMinCertified = a.lambdaMinCertified
        lambdaMinProbabilisticLowerBound = a.lambdaMinProbabilisticLowerBound
        lambdaMinBoundFailureProbability = a.lambdaMinBoundFailureProbability
        productPrecision = a.productPrecision; singlePrecisionErrorEstimate = a.singlePrecisionErrorEstimate
        structuredCounts = a.structuredCounts
        hessianVectorProducts = a.hessianVectorProducts; collapseDeviation = a.collapseDeviation; notes = a.notes
        lambdaMin = a.lambdaMin; lambdaMax = a.lambdaMax; quotientLambdaMin = a.quotientLambdaMin
        zeroThreshold = a.delta; inertia = ReportedInertia(a.inertia, exact: a.inertiaExact); index = a.index; rank = a.rank; symmetryNullity = a.symmetryNullity
        classification = a.classification; classificationMargin = a.classificationMargin; method = a.method; hessianSize = a.hessianSize
        eigenvectorOrthogonalityError = a.orthogonalityError
        eigenvectors = a.lowest.map { e in
            Direction(eigenvalue: e.value, residual: e.residual,
                      classifiers: (0 ..< model.K).map { e.direction.column($0) },
                      features: (0 ..< model.N).map { e.direction.column(model.K + $0) })
        }
        let space = a.negativeCurvatureEigenspace
        negativeCurvatureWeights = space.isEmpty ? nil : Self.classWeights(model: model, eigenspace: space)
        lambdaMinMultiplicity = a.lambdaMinMultiplicity
        eigenvalueClusters = a.eigenvalueClusters
        polishIterations = polish?.iterations
        polishMethod = polish.map { p in p.method + (p.hessianVectorProducts.map { " (\($0) Hessian-vector products)" } ?? "") }
        polishGradientNorm = polish?.gradientNorm
        if let p = polishDisplacement, p.isFar {
            notes.append(String(format: "WARNING: polishing moved the point far (mean %.3g rad, max %.3g rad at column %d, over %.2g rad): the spectrum describes a different critical point, not the input", p.meanAngle, p.maxAngle, p.maxColumn, PolishDisplacement.farAngle))
        }
        blas = BLASRuntime.summary
        self.source = source
    }

    /// How the label was decided, in words: by the loss meeting a bound (with the flat
    /// directions), or by an eigenvalue `margin·δ` from zero.
    public static func marginText(_ s: SpectrumSummary) -> String {
        guard let m = s.classificationMargin else {
            return "loss meets the proven lower bound" + (s.nonIsolated ? "; non-isolated: \(s.extraZeroEigenvalues ?? 0) zero eigenvalue(s) beyond ν" : "")
        }
        return String(format: "margin %.3g δ", m) + (m < ClassificationRule.marginalFactor ? ", MARGINAL: within 100δ of the threshold" : "")
    }

    /// Shares of an eigenspace with orthonormal basis `V`: `tr(VᵀP_class V)/dim = mean over the
    /// basis of the per-vector squared norms` — the same for every orthonormal basis of the space.
    public static func classWeights<P: FeatureObjective>(model: P, eigenspace: [Matrix]) -> [ClassWeight] {
        var out = (0 ..< model.K).map { ClassWeight(classIndex: $0, classifier: 0, features: 0) }
        for v in eigenspace {
            for w in classWeights(model: model, direction: v) {
                out[w.classIndex].classifier += w.classifier / Double(eigenspace.count)
                out[w.classIndex].features += w.features / Double(eigenspace.count)
            }
        }
        return out
    }

    /// `‖v_{w_k}‖²` and `Σ_{y_j = k} ‖v_{h_j}‖²` per class for a unit direction.
    public static func classWeights<P: FeatureObjective>(model: P, direction v: Matrix) -> [ClassWeight] {
        var out = (0 ..< model.K).map { ClassWeight(classIndex: $0, classifier: 0, features: 0) }
        for k in 0 ..< model.K { out[k].classifier = Vector.dot(v.column(k), v.column(k)) }
        for (j, y) in model.labels.enumerated() { let c = v.column(model.K + j); out[y].features += Vector.dot(c, c) }
        return out
    }
}

/// Writes the Hessian-spectrum report folder: `report.md`, `spectrum.csv`, `spectrum.svg`,
/// `summary.json`.
public enum SpectrumReport {
    public static func write(_ s: SpectrumSummary, to dir: String) throws {
        try AtomicFile.write(JSONOutput.encode(s), to: dir + "/summary.json")
        var csv = "index,eigenvalue,sign\n"
        for (i, v) in s.eigenvalues.enumerated() {
            csv += "\(i),\(v),\(v < -s.zeroThreshold ? "negative" : (v > s.zeroThreshold ? "positive" : "zero"))\n"
        }
        try AtomicFile.write(csv, to: dir + "/spectrum.csv")
        if !s.topEigenpairs.isEmpty {
            var top = "rank,eigenvalue,residual\n"
            for (i, e) in s.topEigenpairs.enumerated() { top += "\(i),\(e.eigenvalue),\(e.residual.map { "\($0)" } ?? "")\n" }
            try AtomicFile.write(top, to: dir + "/top_eigenvalues.csv")
        }
        try AtomicFile.write(svg(s), to: dir + "/spectrum.svg")
        try AtomicFile.write(markdown(s), to: dir + "/report.md")
    }

    static func g(_ v: Double?) -> String { v.map { String(format: "%.12g", $0) } ?? "—" }

    /// The model's own parameters as table rows: τ, loss and ε for the normalized model; the
    /// model kind, loss and λ_W, λ_H for the regularized one.
    public static func problemRows(_ s: SpectrumSummary) -> [(String, String)] {
        if let r = s.regularizedModel {
            return [("model", "regularized (Euclidean, weight decay, " + (r.lambdaB.map { "bias, λ_b = \($0)" } ?? "no bias") + ")"), ("loss", r.loss.rawValue),
                    ("λ_W, λ_H", "\(r.lambdaW), \(r.lambdaH)")]
        }
        guard let m = s.model else { return [] }
        return [("τ (temperature)", "\(m.tau)"), ("loss", m.loss.name), ("ε (label smoothing)", "\(m.labelSmoothing)")]
    }

    public static func markdown(_ s: SpectrumSummary) -> String {
        var md = """
        # Hessian spectrum report

        | quantity | value |
        |---|---|
        | point | `\(s.source)` |
        | K, d, N | \(s.K), \(s.d), \(s.N) |
        | class counts n_k | \(s.counts.map(String.init).joined(separator: ", ")) |
        \(problemRows(s).map { "| \($0.0) | \($0.1) |" }.joined(separator: "\n"))
        | loss f | \(g(s.loss)) |
        | proven optimum f* | \(s.optimalLoss.map { g($0) } ?? "none proven here (docs/formulas.md §3, §10)") |
        | proven lower bound | \(s.lossBound.map { "\(g($0.value)): \($0.argument)" } ?? "none") |
        | ‖grad f‖ | \(String(format: "%.3e", s.riemannianGradientNorm)) |
        | λ_min (multiplicity), λ_max | \(g(s.lambdaMin)) (\(s.lambdaMinMultiplicity.map(String.init) ?? "not counted by Lanczos")), \(g(s.lambdaMax)) |
        | lowest distinct eigenvalues (multiplicity) | \(s.eigenvalueClusters.prefix(6).map { "\(g($0.value)) (\($0.multiplicity))" }.joined(separator: ", ")) |
        | λ_min of quotient Hessian M_⊥ | \(s.quotientLambdaMin.map { g($0) } ?? "not needed (λ_min < −δ)") |
        | zero threshold δ | \(String(format: "%.3e", s.zeroThreshold)) |
        | inertia (negative / zero / positive) | \(s.inertia.negative) / \(s.inertia.zero.map(String.init) ?? "—") / \(s.inertia.positive.map(String.init) ?? "—") |
        | rank [W H], symmetry nullity ν | \(s.rank), \(s.symmetryNullity) |
        | **classification** | **\(s.classification.rawValue)** (\(SpectrumSummary.marginText(s))) |
        | Hessian size m, method | \(s.hessianSize), \(s.method.rawValue)\(s.hessianVectorProducts.map { " (\($0) Hessian-vector products)" } ?? "") |
        | eigenvalues listed | \(s.eigenvaluesComplete ? "all \(s.eigenvalues.count)" : "the \(s.eigenvalues.count) extreme ones Lanczos computed") |
        | inertia exact | \(s.inertiaExact ? "yes" : "no (negative count is a lower bound)") |
        | structured counts below −δ, +δ | \(s.structuredCounts.map { String(format: "%d, %d (rounding estimate %.2e = %.2g δ%@)", $0.belowMinusDelta, $0.belowPlusDelta, $0.roundingEstimate, $0.roundingEstimate / s.zeroThreshold, $0.resolved ? "" : ": NOT resolved, eigenvalues within it of ±δ may be miscounted") } ?? "not computed") |
        | λ_min proven smallest | \(s.lambdaMinCertified.map { $0 ? "yes" : "NO: an exact count found eigenvalues below it" } ?? "not checked (structured inertia too expensive)")\(s.lambdaMinProbabilisticLowerBound.map { String(format: "; with probability ≥ 1 − %.0e over the random start, none below %.6g", s.lambdaMinBoundFailureProbability ?? .nan, $0) } ?? "") |
        | Newton polishing | \(s.polishIterations.map { "\($0) iterations, \(s.polishMethod ?? "")" } ?? "not polished")\(s.polishDisplacement.map { String(format: "; moved mean %.3g rad, max %.3g rad per column%@", $0.meanAngle, $0.maxAngle, $0.isFar ? " (FAR from the input: a different critical point)" : "") } ?? "") |
        | method choice | \(s.methodReason ?? "named by the user") |
        | BLAS | \(s.blas) |

        """
        if !s.notes.isEmpty { md += "\nMethod notes: " + s.notes.joined(separator: "; ") + ".\n" }
        if !s.eigenvectors.isEmpty {
            md += "\n## Lowest eigenpairs\n\n| # | eigenvalue | residual ‖Mv − λv‖ |\n|---|---|---|\n"
            for (i, e) in s.eigenvectors.enumerated() { md += "| \(i) | \(g(e.eigenvalue)) | \(String(format: "%.2e", e.residual)) |\n" }
            md += "\nOrthogonality error max|VᵀV − I| = \(String(format: "%.2e", s.eigenvectorOrthogonalityError)).\n"
        }
        if let w = s.negativeCurvatureWeights {
            let dim = s.lambdaMinMultiplicity ?? 1
            md += "\n## Negative-curvature eigenspace (λ = \(g(s.lambdaMin)), dimension \(dim))\n\n"
            md += dim > 1 ? "Share of the eigenspace on each class, tr(P_E P_class)/\(dim) (independent of the basis):\n\n"
                          : "Share of ‖v‖² per class:\n\n"
            md += "| class | on classifier w_k | on features h_j (y_j = k) |\n|---|---|---|\n"
            for c in w { md += "| \(c.classIndex) | \(String(format: "%.4f", c.classifier)) | \(String(format: "%.4f", c.features)) |\n" }
            let tw = w.reduce(0) { $0 + $1.classifier }, th = w.reduce(0) { $0 + $1.features }
            md += "| total | \(String(format: "%.4f", tw)) | \(String(format: "%.4f", th)) |\n"
        }
        if !s.topEigenpairs.isEmpty {
            md += "\n## Largest eigenvalues (--top)\n\n| # | eigenvalue | residual ‖Mv − λv‖ |\n|---|---|---|\n"
            for (i, e) in s.topEigenpairs.enumerated() { md += "| \(i) | \(g(e.eigenvalue)) | \(e.residual.map { String(format: "%.2e", $0) } ?? "— (reduced: complete spectrum)") |\n" }
        }
        let listed = s.eigenvaluesComplete ? "all \(s.eigenvalues.count) eigenvalues"
            : "only the \(s.eigenvalues.count) extreme eigenvalues Lanczos computed, not the spectrum; the counts are in the inertia row"
        md += "\nFiles: `spectrum.csv` (\(listed)), `spectrum.svg` (histogram)\(s.topEigenpairs.isEmpty ? "" : ", `top_eigenvalues.csv`"), `summary.json`.\n"
        return md
    }

    public static func svg(_ s: SpectrumSummary) -> String {
        let vals = s.eigenvalues
        // With Lanczos only a few Ritz values are plotted: the legend says how many of each sign
        // were computed and what the exact inertia is, never the plotted counts alone (it read
        // "negative (1), positive (1)" next to an inertia of 75 / 0 / 20 280).
        let partial = !s.eigenvaluesComplete
        func count(_ n: Int?) -> String { n.map(String.init) ?? "not counted" }
        let computedNeg = vals.filter { $0 < -s.zeroThreshold }.count, computedPos = vals.filter { $0 > s.zeroThreshold }.count
        // "12 in all" when counted exactly; "≥ 12 in all" / "not counted" without structured inertia.
        func inAll(_ n: Int?, lowerBound: Bool = false) -> String { n.map { (lowerBound ? "≥ " : "") + "\($0) in all" } ?? "total not counted" }
        var chart = EigenvalueHistogram.chart(vals, delta: s.zeroThreshold,
                                              title: "Riemannian Hessian spectrum (\(s.classification.rawValue), m = \(s.hessianSize))"
                                                  + (partial ? ": the \(vals.count) eigenvalues Lanczos computed" : ""),
                                              zeroLabel: partial ? "|λ| ≤ δ: \(inAll(s.inertia.zero))" : "|λ| ≤ δ (\(count(s.inertia.zero)); ν = \(s.symmetryNullity) from symmetry)",
                                              negativeLabel: partial ? "negative: \(computedNeg) shown, \(inAll(s.inertia.negative, lowerBound: !s.inertiaExact))" : nil,
                                              positiveLabel: partial ? "positive: \(computedPos) shown, \(inAll(s.inertia.positive))" : nil)
        let critical = s.classification != .notCritical
        let forced = critical ? String(format: "ν = %d of them are forced by the O(d) symmetry", s.symmetryNullity)
            : String(format: "the O(d) symmetry forces ν = %d zero eigenvalues only at a critical point, and this point is not critical", s.symmetryNullity)
        chart.notes = [String(format: "loss %.10g, ‖grad‖ %.1e, λ_min %.6g, λ_max %.6g", s.loss, s.riemannianGradientNorm, s.lambdaMin, s.lambdaMax),
                       s.inertia.zero.map { String(format: "%d eigenvalues with |λ| ≤ δ = %.1e; ", $0, s.zeroThreshold) + forced }
                           ?? String(format: "eigenvalues with |λ| ≤ δ = %.1e not counted (Lanczos without structured inertia); ν = %d from the O(d) symmetry", s.zeroThreshold, s.symmetryNullity)]
        if partial, let inertia = s.inertia.zero, let pos = s.inertia.positive {
            chart.notes.append("exact inertia (negative / zero / positive): \(s.inertia.negative) / \(inertia) / \(pos); only the computed extreme eigenvalues are plotted")
        }
        var charts = [chart]
        if let w = s.negativeCurvatureWeights {
            let dim = s.lambdaMinMultiplicity ?? 1
            var c2 = SVGChart(title: dim > 1 ? "λ_min eigenspace (dimension \(dim)): share per class, tr(P_E P_class)/\(dim)"
                                             : "Negative-curvature direction: share of ‖v‖² per class",
                              xLabel: "class k", yLabel: "share")
            let ks = w.map { Double($0.classIndex) }
            c2.series = [
                .init(name: "classifier w_k", color: "#9467bd", style: .bars(width: 0.38), xs: ks.map { $0 - 0.2 }, ys: w.map(\.classifier)),
                .init(name: "features of class k", color: "#2ca02c", style: .bars(width: 0.38), xs: ks.map { $0 + 0.2 }, ys: w.map(\.features)),
            ]
            c2.height = 320
            charts.append(c2)
        }
        return SVGChart.stack(charts)
    }
}

/// Inertia as reports show it: unknown counts are null, never a sentinel.
public struct ReportedInertia: Codable, Sendable {
    public var negative: Int
    @NullEncodable public var zero: Int?
    @NullEncodable public var positive: Int?
    public init(_ i: Inertia, exact: Bool) {
        negative = i.negative
        zero = exact ? i.zero : nil
        positive = exact ? i.positive : nil
    }
}
