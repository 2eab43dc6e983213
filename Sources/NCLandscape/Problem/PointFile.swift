import Foundation

/// The point JSON format: the model description's keys (`K`, `d`, `tau`, `labelSmoothing`,
/// `labels`, `loss`; docs/formulas.md §1) and the point, `"classifiers": [[d numbers] × K]`,
/// `"features": [[d numbers] × N]`, all in one flat object. Files without `loss` (written
/// before losses existed) are cross-entropy. Files with other keys are refused.
public struct PointFile: Codable, Sendable {
    public var model: ModelDescription
    public var classifiers: [[Double]]
    public var features: [[Double]]

    public init(model: NormalizedFeatureModel, point x: Matrix) {
        self.model = model.spec
        classifiers = (0 ..< model.K).map { x.column($0) }
        features = (0 ..< model.N).map { x.column(model.K + $0) }
    }

    public init(model: ModelDescription, classifiers: [[Double]], features: [[Double]]) {
        self.model = model; self.classifiers = classifiers; self.features = features
    }

    enum CodingKeys: String, CodingKey { case classifiers, features }

    /// The description's keys and the point's share one JSON object.
    public init(from decoder: Decoder) throws {
        model = try ModelDescription(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        classifiers = try c.decode([[Double]].self, forKey: .classifiers)
        features = try c.decode([[Double]].self, forKey: .features)
    }

    public func encode(to encoder: Encoder) throws {
        try model.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(classifiers, forKey: .classifiers)
        try c.encode(features, forKey: .features)
    }

    /// Largest allowed `|‖x_c‖ − 1|` before a column is refused (or, with `normalize`, projected).
    public static let unitNormTolerance = 1e-6

    /// Validates and builds the model and the point `X = [W H]`.
    public func load(normalize: Bool = false) throws -> (model: NormalizedFeatureModel, point: Matrix) {
        let K = model.K
        guard classifiers.count == K else { throw InputError("\"classifiers\" has \(classifiers.count) vectors but K = \(K)") }
        guard features.count == model.labels.count else {
            throw InputError("\"features\" has \(features.count) vectors but \"labels\" has \(model.labels.count)")
        }
        let m = try NormalizedFeatureModel(model)
        let x = try Self.assemble(d: model.d, vectors: classifiers + features, names: { $0 < K ? "classifier \($0)" : "feature \($0 - K)" },
                                  normalize: normalize)
        return (m, x)
    }

    /// Checks lengths, finiteness and unit norms of the columns and packs them.
    static func assemble(d: Int, vectors: [[Double]], names: (Int) -> String, normalize: Bool) throws -> Matrix {
        var x = Matrix(rows: d, cols: vectors.count)
        for (c, v) in vectors.enumerated() {
            guard v.count == d else { throw InputError("\(names(c)) has \(v.count) entries, expected d = \(d)") }
            guard v.allSatisfy({ $0.isFinite }) else { throw InputError("\(names(c)) contains NaN or Inf") }
            let nrm = Vector.norm(v)
            if normalize {
                // Scale by the largest entry first: squares of subnormal entries underflow (rows
                // of 1e-310 ended with norm 1.118) and squares of 1e308 overflow (rows became
                // zero vectors). After scaling the norm lies in [1, √d] and nothing under- or
                // overflows; the result is checked, never assumed.
                let largest = v.reduce(0) { max($0, abs($1)) }
                guard largest > 0 else { throw InputError("\(names(c)) is the zero vector and cannot be normalized") }
                let scaled = v.map { $0 / largest }
                let s = Vector.norm(scaled)
                let unit = scaled.map { $0 / s }
                let check = Vector.norm(unit)
                guard s.isFinite, s >= 1, unit.allSatisfy({ $0.isFinite }), abs(check - 1) <= unitNormTolerance else {
                    throw InputError(String(format: "%@ cannot be normalized (norm after scaling %.9g)", names(c), check))
                }
                x.setColumn(c, unit)
            } else {
                guard abs(nrm - 1) <= unitNormTolerance else {
                    throw InputError(String(format: "%@ has norm %.9g, not 1 (tolerance 1e-6); pass --normalize to project columns onto the sphere",
                                            names(c), nrm))
                }
                x.setColumn(c, v)
            }
        }
        return x
    }

    public static func readData(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("cannot read \(path): no such file or not readable") }
        return data
    }

    /// The keys a point file may hold.
    public static let keys: Set<String> = ["K", "d", "tau", "labelSmoothing", "loss", "labels", "classifiers", "features", "schemaVersion"]

    public func write(to path: String) throws {
        try AtomicFile.write(JSONOutput.encode(self, pretty: false), to: path)
    }
}
