import Foundation

/// Which per-sample loss of the logits, with its parameters (docs/formulas.md §11).
/// JSON: `{"kind": "cross-entropy" | "focal" | "cosface", "gamma": γ, "margin": m}`, each
/// parameter present only with its kind.
public enum LossFunction: Sendable, Hashable {
    /// `lse(z) − tᵀz` (label smoothing from the model description).
    case crossEntropy
    /// Focal loss `−(1 − p_y)^γ log p_y`, `γ ≥ 0` (γ = 0 is cross-entropy).
    case focal(gamma: Double)
    /// CosFace / AM-softmax: cross-entropy of the logits with the target one lowered by `τm`, `m ≥ 0`.
    case cosface(margin: Double)

    public enum Kind: String, Codable, CaseIterable, Sendable {
        case crossEntropy = "cross-entropy", focal, cosface
    }

    public var kind: Kind {
        switch self { case .crossEntropy: return .crossEntropy; case .focal: return .focal; case .cosface: return .cosface }
    }

    /// Short name for tables and file names: `cross-entropy`, `focal-g2`, `cosface-m0.35`.
    public var name: String {
        switch self {
        case .crossEntropy: return "cross-entropy"
        case let .focal(g): return "focal-g\(Self.format(g))"
        case let .cosface(m): return "cosface-m\(Self.format(m))"
        }
    }

    static func format(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }

    /// Builds and validates a loss from its kind and the parameters given for it; a parameter
    /// that does not belong to the kind is an error, not silently ignored.
    public static func make(kind: Kind, gamma: Double?, margin: Double?) throws -> LossFunction {
        switch kind {
        case .crossEntropy:
            if gamma != nil { throw InputError("gamma belongs to the focal loss, not to cross-entropy") }
            if margin != nil { throw InputError("margin belongs to the cosface loss, not to cross-entropy") }
            return .crossEntropy
        case .focal:
            if margin != nil { throw InputError("margin belongs to the cosface loss, not to focal") }
            let g = gamma ?? 2
            guard g.isFinite, g >= 0 else { throw InputError("the focal exponent gamma must be finite and ≥ 0 (got \(g))") }
            return .focal(gamma: g)
        case .cosface:
            if gamma != nil { throw InputError("gamma belongs to the focal loss, not to cosface") }
            let m = margin ?? 0.35
            guard m.isFinite, m >= 0, m <= 2 else { throw InputError("the cosface margin m must lie in [0, 2] (a cosine margin; got \(m))") }
            return .cosface(margin: m)
        }
    }

    /// The saturation-safe kernel for temperature `τ` and label smoothing `ε`.
    public func kernel(tau: Double, labelSmoothing: Double) -> any SampleLoss {
        switch self {
        case .crossEntropy: return CrossEntropy(labelSmoothing: labelSmoothing)
        case let .focal(g): return FocalLoss(gamma: g)
        case let .cosface(m): return CrossEntropy(labelSmoothing: labelSmoothing, targetShift: -tau * m)
        }
    }
}

extension LossFunction: Codable {
    enum CodingKeys: String, CodingKey { case kind, gamma, margin }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kindText = try c.decode(String.self, forKey: .kind)
        guard let kind = Kind(rawValue: kindText) else {
            throw InputError("unknown loss kind \"\(kindText)\"; use one of: \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        // A key present with null is an error, not "use the default".
        self = try Self.make(kind: kind, gamma: c.contains(.gamma) ? try c.decode(Double.self, forKey: .gamma) : nil,
                             margin: c.contains(.margin) ? try c.decode(Double.self, forKey: .margin) : nil)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind.rawValue, forKey: .kind)
        switch self {
        case .crossEntropy: break
        case let .focal(g): try c.encode(g, forKey: .gamma)
        case let .cosface(m): try c.encode(m, forKey: .margin)
        }
    }
}

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
        if case .focal = loss, labelSmoothing != 0 {
            throw InputError("the focal loss takes no label smoothing (got ε = \(labelSmoothing)); use cross-entropy or cosface with --label-smoothing")
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
