import Foundation

/// One parameter of a loss, spelled once: the same key is the JSON key inside `loss`, the
/// sweep-spec key and the command-line flag `--<key>`.
public struct LossParameter: Sendable, Equatable {
    public let key: String
    /// What precedes the value in the loss's name (`g` in `focal-g2`, `m` in `cosface-m0.35`).
    public let tag: String
    public let defaultValue: Double
    /// The closed range the loss accepts (nil: unbounded on that side). The loss's validation
    /// enforces it with its own message; the JSON schemas state it.
    public let minimum: Double?
    public let maximum: Double?
    /// One phrase for --help, e.g. "focal exponent γ ≥ 0".
    public let help: String

    public init(key: String, tag: String, defaultValue: Double, minimum: Double?, maximum: Double?, help: String) {
        self.key = key; self.tag = tag; self.defaultValue = defaultValue; self.minimum = minimum; self.maximum = maximum; self.help = help
    }
}

/// What a loss proves about its optimum on the product of spheres: a lower bound (possibly
/// attained, then the optimal value `f*`), or explicitly none, with the reason.
public enum ProvenBound: Sendable {
    case bound(LossBound)
    case none(reason: String)

    public var bound: LossBound? {
        switch self { case let .bound(b): return b; case .none: return nil }
    }
}

/// Bounds on a per-sample loss's derivatives in its logits `z`, valid for every `z ∈ R^K`
/// (docs/formulas.md §14): `‖∇ℓ‖ ≤ a₁`, `‖∇²ℓ‖₂ ≤ a₂`, `|∇³ℓ[u,u,u]| ≤ a₃‖u‖³`. They give the
/// model's `C₁, C₂, C₃` and the Lipschitz bound behind every certificate.
public struct LogitDerivativeBounds: Sendable, Equatable {
    public var a1: Double
    public var a2: Double
    public var a3: Double
    /// The focal exponent whose local Hessian bound applies (0: the log-sum-exp family).
    public var focalGamma: Double

    /// Cross-entropy (with label smoothing) and CosFace: the log-sum-exp of (shifted) logits minus
    /// a target average, `‖p − t‖ ≤ 2`, `‖diag p − ppᵀ‖ ≤ 1/2`, `|E_p[(u − ū)³]| ≤ ‖u‖³`.
    public static let logSumExp = LogitDerivativeBounds(a1: 2, a2: 0.5, a3: 1, focalGamma: 0)

    /// Focal loss `ℓ = φ(s)`, `s = log p_y`, `φ(s) = −(1 − e^s)^γ s`: with `q = 1 − p_y`,
    /// `‖∇s‖ ≤ √2 q`, `‖∇²s‖ ≤ 1/2`, `|∇³s[u,u,u]| ≤ ‖u‖³` and `p_y(−log p_y) ≤ q`, the chain rule
    /// gives `|φ′| ≤ (1+γ) q^γ`, `|φ″| q² ≤ γ(|γ−1| + 3) q^{γ+1}` and
    /// `|φ‴| q³ ≤ γ|γ−1|(|γ−2|+3) + γ(|γ−1|+2) + 2γ(|γ−1|+1)`, so `a₁ = √2(1+γ)`,
    /// `a₂ = 2γ(|γ−1|+3) + (1+γ)/2` and
    /// `a₃ = 2√2[γ|γ−1|(|γ−2|+3) + γ(|γ−1|+2) + 2γ(|γ−1|+1)] + (3√2/2)γ(|γ−1|+3) + (1+γ)`
    /// (docs/formulas.md §14). γ = 0 gives cross-entropy's `a₂`, `a₃` (and `a₁ = √2`).
    public static func focal(gamma g: Double) -> LogitDerivativeBounds {
        let r2 = 2.0.squareRoot(), g1 = abs(g - 1), g2 = abs(g - 2)
        return LogitDerivativeBounds(a1: r2 * (1 + g), a2: 2 * g * (g1 + 3) + (1 + g) / 2,
                                     a3: 2 * r2 * (g * g1 * (g2 + 3) + g * (g1 + 2) + 2 * g * (g1 + 1)) + 1.5 * r2 * g * (g1 + 3) + (1 + g),
                                     focalGamma: g)
    }

    /// A bound on `‖∇²ℓ‖₂` at one sample, from its probability mass `offTop` off the top logit
    /// and `offLabel = 1 − p_y` (both sums, never differences): `‖diag p − ppᵀ‖ ≤ min(1/2, 2s)`,
    /// and for focal `2γ(|γ−1|+3) q^{γ+1} + (1+γ) q^γ min(1/2, 2s)`. At saturation it keeps the
    /// certificates' assembly bound on the Hessian's own scale.
    public func localHessianBound(offTop s: Double, offLabel q: Double) -> Double {
        let lse = min(0.5, 2 * s)
        let g = focalGamma
        guard g > 0 else { return lse }
        return min(a2, 2 * g * (abs(g - 1) + 3) * pow(q, g + 1) + (1 + g) * pow(q, g) * lse)
    }
}

/// Whether certificates (docs/formulas.md §14) cover a loss: its logit derivative bounds, or why not.
public enum DerivativeBoundSupport: Sendable, Equatable {
    case bounded(LogitDerivativeBounds)
    /// The phrase completes "no certificate for …".
    case unsupported(reason: String)
}

/// Whether the double-double evaluation behind the certificates (docs/formulas.md §14) covers a
/// loss (the escalation to extended precision; a certificate in double needs only
/// `DerivativeBoundSupport`). It implements two families: cross-entropy with label smoothing of
/// the logits with the target one lowered by `τ·margin`, and the focal loss.
public enum ExtendedPrecisionSupport: Sendable, Equatable {
    case shiftedSoftmax(margin: Double)
    /// The focal loss `−(1 − p_y)^γ log p_y` (the same saturation-safe factors as in double).
    case focal(gamma: Double)
    /// The phrase completes "no certificate for …".
    case unsupported(reason: String)
}

/// Everything about one loss of the normalized model (docs/formulas.md §11), in the loss's own
/// file: its name and parameters, their validation, its saturation-safe kernel (value and
/// derivatives, `SampleLoss`), its proven bound, and whether certificates cover it. The list of
/// losses is `LossRegistry.definitions`, and nothing else lists them.
///
/// Every requirement is without a default on purpose: a new loss that forgets its bound does
/// not compile, instead of silently inheriting another loss's `f*`.
public protocol LossDefinition: Sendable {
    /// Name in `--loss`, in JSON (`{"kind": …}`) and the first part of `LossFunction.name`.
    static var kind: String { get }
    /// One line for --help and `nclandscape losses`: the formula.
    static var summary: String { get }
    /// The parameters, in the order of the name (`focal-g2`).
    static var parameters: [LossParameter] { get }
    /// Whether `ε > 0` is meaningful for this loss (a sweep skips it otherwise, a model refuses it).
    static var acceptsLabelSmoothing: Bool { get }

    /// The loss with these parameter values (its keys only; absent keys take their defaults),
    /// or `InputError` with a one-line reason.
    init(validating values: [String: Double]) throws
    /// Values in the order of `parameters`.
    var parameterValues: [Double] { get }

    /// The per-sample kernel for temperature `τ` and label smoothing `ε`.
    func kernel(tau: Double, labelSmoothing: Double) -> any SampleLoss
    /// The target margin (in the loss's own shifted logits) every sample has at the simplex ETF
    /// with `h_j = w_{y_j}`: `τK/(K−1)` for cross-entropy. Reports quote it as the saturation a
    /// collapsed point reaches, and the bounds use it.
    func collapsedMargin(K: Int, tau: Double) -> Double
    /// The proven lower bound on `f` over the whole product of spheres for `model`, or none.
    func provenBound(for model: ModelDescription) -> ProvenBound
    /// Whether certificates can evaluate this loss in extended precision.
    var extendedPrecision: ExtendedPrecisionSupport { get }
    /// The logit derivative bounds certificates need, or why there are none.
    var derivativeBounds: DerivativeBoundSupport { get }
}

/// A loss with its parameters: a value of one of the registry's `LossDefinition`s.
/// JSON: `{"kind": <kind>, <key>: value, …}` with exactly the kind's parameters.
public struct LossFunction: Sendable, Hashable, CustomStringConvertible {
    public let definition: any LossDefinition

    public init(_ definition: any LossDefinition) { self.definition = definition }

    public var kind: String { type(of: definition).kind }
    public var parameters: [LossParameter] { type(of: definition).parameters }
    public var acceptsLabelSmoothing: Bool { type(of: definition).acceptsLabelSmoothing }
    /// Parameter values by key.
    public var values: [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(parameters.map(\.key), definition.parameterValues))
    }

    /// Short name for tables, keys and file names: `cross-entropy`, `focal-g2`, `cosface-m0.35`.
    public var name: String {
        zip(parameters, definition.parameterValues).reduce(kind) { $0 + "-\($1.0.tag)\(Self.format($1.1))" }
    }
    public var description: String { name }

    public static func format(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }

    /// Builds and validates a loss from its kind and the parameters given for it; a parameter
    /// that does not belong to the kind is an error, not silently ignored.
    public static func make(kind: String, parameters given: [String: Double]) throws -> LossFunction {
        guard let def = LossRegistry.definition(kind: kind) else {
            throw InputError("unknown loss kind \"\(kind)\"; use one of: \(LossRegistry.kinds.joined(separator: ", "))")
        }
        let own = Set(def.parameters.map(\.key))
        for key in given.keys.sorted() where !own.contains(key) {
            let owners = LossRegistry.kinds(taking: key)
            guard !owners.isEmpty else { throw InputError("\(key) is not a parameter of any loss (\(kind) takes \(own.isEmpty ? "none" : own.sorted().joined(separator: ", ")))") }
            let whose = owners.count == 1 ? "the \(owners[0]) loss" : "the " + owners.joined(separator: " and ") + " losses"
            throw InputError("\(key) belongs to \(whose), not to \(kind)")
        }
        return LossFunction(try def.init(validating: given))
    }

    public func kernel(tau: Double, labelSmoothing: Double) -> any SampleLoss { definition.kernel(tau: tau, labelSmoothing: labelSmoothing) }

    public static func == (a: LossFunction, b: LossFunction) -> Bool { a.kind == b.kind && a.definition.parameterValues == b.definition.parameterValues }
    public func hash(into h: inout Hasher) { h.combine(kind); h.combine(definition.parameterValues) }
}

extension LossFunction: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        let kindText = try c.decode(String.self, forKey: AnyCodingKey(stringValue: "kind"))
        // Keys that are no loss's parameter are ignored, as they always were; a present
        // parameter key holding null is an error, not "use the default".
        var given: [String: Double] = [:]
        for key in c.allKeys where LossRegistry.isParameterKey(key.stringValue) {
            given[key.stringValue] = try c.decode(Double.self, forKey: key)
        }
        self = try Self.make(kind: kindText, parameters: given)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        try c.encode(kind, forKey: AnyCodingKey(stringValue: "kind"))
        for (p, v) in zip(parameters, definition.parameterValues) { try c.encode(v, forKey: AnyCodingKey(stringValue: p.key)) }
    }
}
