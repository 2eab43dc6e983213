import Foundation

/// The one description of a problem (docs/formulas.md §1): sizes, labels, temperature, label
/// smoothing and loss. Point files, run manifests, critical-point records, sweep
/// configurations and reports all carry this value, so a new parameter touches this type only.
/// JSON keys: `K`, `d`, `tau`, `labelSmoothing`, `labels`, `loss` (absent `loss`: cross-entropy;
/// absent `labelSmoothing`: 0).
public struct ModelDescription: Codable, Sendable, Hashable {
    public var K: Int
    public var d: Int
    public var tau: Double
    public var labelSmoothing: Double
    public var loss: LossFunction
    public var labels: [Int]

    public init(K: Int, d: Int, labels: [Int], tau: Double, labelSmoothing: Double = 0, loss: LossFunction = .crossEntropy) {
        self.K = K; self.d = d; self.labels = labels; self.tau = tau; self.labelSmoothing = labelSmoothing; self.loss = loss
    }

    /// Samples sorted by class: `counts[k]` samples with label `k` (`K = counts.count`).
    public init(d: Int, counts: [Int], tau: Double, labelSmoothing: Double = 0, loss: LossFunction = .crossEntropy) throws {
        guard counts.allSatisfy({ $0 >= 0 }) else { throw InputError("class counts must be non-negative (got \(counts))") }
        var total = 0
        for c in counts {
            let (s, overflow) = total.addingReportingOverflow(c)
            guard !overflow else { throw InputError("class counts \(counts) add up to more than \(Int.max) samples") }
            total = s
        }
        try SizeLimits.checkSampleCount(total)
        // Before the labels are allocated.
        try MemoryBudget.check(MemoryEstimate.point(K: counts.count, d: max(d, 1), N: total), for: "a problem with N = \(total) samples, K = \(counts.count), d = \(d)")
        self.init(K: counts.count, d: d, labels: counts.enumerated().flatMap { k, n in [Int](repeating: k, count: n) },
                  tau: tau, labelSmoothing: labelSmoothing, loss: loss)
    }

    enum CodingKeys: String, CodingKey { case K, d, tau, labelSmoothing, loss, labels }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        K = try c.decode(Int.self, forKey: .K)
        d = try c.decode(Int.self, forKey: .d)
        tau = try c.decode(Double.self, forKey: .tau)
        // Absent keys take their defaults; present ones must hold a value (null is an error,
        // not a silent 0).
        labelSmoothing = c.contains(.labelSmoothing) ? try c.decode(Double.self, forKey: .labelSmoothing) : 0
        loss = c.contains(.loss) ? try c.decode(LossFunction.self, forKey: .loss) : .crossEntropy
        labels = try c.decode([Int].self, forKey: .labels)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(K, forKey: .K); try c.encode(d, forKey: .d); try c.encode(tau, forKey: .tau)
        try c.encode(labelSmoothing, forKey: .labelSmoothing); try c.encode(loss, forKey: .loss); try c.encode(labels, forKey: .labels)
    }

    public var N: Int { labels.count }

    /// `n_k` per class (labels validated first).
    public var counts: [Int] {
        var out = [Int](repeating: 0, count: max(K, 0))
        for y in labels where y >= 0 && y < K { out[y] += 1 }
        return out
    }

    public var isBalanced: Bool { Set(counts).count == 1 }

    /// One line for tables and reports: `K=4 d=5 N=12 counts=3,3,3,3 τ=2 ε=0 loss=cross-entropy`.
    public var summary: String {
        "K=\(K) d=\(d) N=\(N) counts=\(counts.map(String.init).joined(separator: ",")) τ=\(tau) ε=\(labelSmoothing) loss=\(loss.name)"
    }

    /// Checks every parameter; throws `InputError` with a one-line reason.
    public func validate() throws {
        guard K >= 2 else { throw InputError("K must be at least 2 (got \(K))") }
        guard d >= 2 else { throw InputError("d must be at least 2 (got \(d)): S^{d-1} needs d ≥ 2") }
        guard tau.isFinite, tau > 0 else { throw InputError("tau must be a positive finite number (got \(tau))") }
        // A subnormal τ has lost most of its significant bits and its products underflow (τ =
        // 1e-320 labelled the ETF not_critical): refuse it instead of analyzing noise.
        guard tau >= Double.leastNormalMagnitude else {
            throw InputError("tau = \(tau) is subnormal (below \(Double.leastNormalMagnitude)): it carries too few significant digits for the loss and its derivatives; use a normal number")
        }
        guard tau <= SizeLimits.maximumTemperature else {
            throw InputError("tau = \(tau) is too large: logits τ·cos reach \(tau), and beyond τ = \(SizeLimits.maximumTemperature) every softmax of interest underflows in double precision (docs/formulas.md §9)")
        }
        guard labelSmoothing.isFinite, labelSmoothing >= 0, labelSmoothing < 1 else {
            throw InputError("label smoothing must lie in [0, 1) (got \(labelSmoothing))")
        }
        if !loss.acceptsLabelSmoothing, labelSmoothing != 0 {
            let smoothing = LossRegistry.definitions.filter { $0.acceptsLabelSmoothing }.map { $0.kind }
            throw InputError("the \(loss.kind) loss takes no label smoothing (got ε = \(labelSmoothing)); use \(smoothing.joined(separator: " or ")) with --label-smoothing")
        }
        guard !labels.isEmpty else { throw InputError("there are no samples (N = 0)") }
        try SizeLimits.checkSampleCount(labels.count)
        for (j, y) in labels.enumerated() where y < 0 || y >= K {
            throw InputError("label \(y) of sample \(j) is out of range 0..<\(K)")
        }
        if let empty = counts.firstIndex(of: 0) { throw InputError("class \(empty) has no samples (every class needs at least one)") }
        _ = try SizeLimits.hessianSize(K: K, N: labels.count, d: d)
        try MemoryBudget.check(MemoryEstimate.point(K: K, d: d, N: labels.count), for: "the point and its first-order data (K = \(K), d = \(d), N = \(labels.count))")
    }
}
