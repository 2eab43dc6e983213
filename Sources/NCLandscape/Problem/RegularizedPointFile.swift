import Foundation

/// A point of the regularized model as JSON: `"model": "regularized"`, the description's keys
/// (`K`, `d`, `counts`, `lambdaW`, `lambdaH`, `loss`, and `lambdaB` with a bias) and the point,
/// `"classifiers": [[d] × K]`, `"features": [[d] × N]` (samples sorted by class) and, with a bias,
/// `"b": [K]`. Columns are unconstrained (Euclidean).
public struct RegularizedPointFile: Codable, Sendable {
    public var model: FeatureModelKind = .regularized
    public var K: Int
    public var d: Int
    public var counts: [Int]
    public var lambdaW: Double
    public var lambdaH: Double
    public var loss: RegularizedLoss
    public var lambdaB: Double?
    public var classifiers: [[Double]]
    public var features: [[Double]]
    public var b: [Double]?

    public init(model p: RegularizedObjective, point x: Matrix) {
        K = p.K; d = p.d; counts = p.counts; lambdaW = p.lambdaW; lambdaH = p.lambdaH; loss = p.loss
        lambdaB = p.description.lambdaB
        let d = p.d
        classifiers = (0 ..< p.K).map { Array(x.column($0)[0 ..< d]) }
        features = (0 ..< p.N).map { Array(x.column(p.K + $0)[0 ..< d]) }
        b = p.hasBias ? (0 ..< p.K).map { x[d, $0] } : nil
    }

    public static let keys: Set<String> = ["schemaVersion", "model", "K", "d", "counts", "lambdaW", "lambdaH", "lambdaB", "loss", "classifiers", "features", "b"]

    /// Validates and builds the problem and the point.
    public func load() throws -> (model: RegularizedObjective, point: Matrix) {
        guard model == .regularized else { throw InputError("not a regularized point file (\"model\": \"\(model.rawValue)\")") }
        guard counts.count == K else { throw InputError("\"counts\" has \(counts.count) entries but K = \(K)") }
        guard (lambdaB == nil) == (b == nil) else { throw InputError("a bias needs both \"lambdaB\" and \"b\" (K numbers); without a bias give neither") }
        let p = try RegularizedObjective(d: d, counts: counts, lambdaW: lambdaW, lambdaH: lambdaH, loss: loss, lambdaB: lambdaB)
        guard classifiers.count == K else { throw InputError("\"classifiers\" has \(classifiers.count) vectors but K = \(K)") }
        guard features.count == p.N else { throw InputError("\"features\" has \(features.count) vectors but the counts sum to \(p.N)") }
        var x = p.emptyPoint()
        for (c, v) in (classifiers + features).enumerated() {
            let name = c < K ? "classifier \(c)" : "feature \(c - K)"
            guard v.count == d else { throw InputError("\(name) has \(v.count) entries, expected d = \(d)") }
            guard v.allSatisfy({ $0.isFinite }) else { throw InputError("\(name) contains NaN or Inf") }
            for i in 0 ..< d { x[i, c] = v[i] }
        }
        if let b {
            guard b.count == K, b.allSatisfy({ $0.isFinite }) else { throw InputError("\"b\" must hold K = \(K) finite numbers") }
            for k in 0 ..< K { x[d, k] = b[k] }
        }
        return (p, x)
    }

    public func write(to path: String) throws {
        try AtomicFile.write(JSONOutput.encode(self, pretty: false), to: path)
    }
}

/// Point files of either model.
public enum AnyPointFile {
    /// `PointFile` for the normalized model, `RegularizedPointFile` for the regularized one.
    public static func write<P: FeatureObjective>(_ model: P, _ x: Matrix, to path: String) throws {
        if let m = model.structured { return try PointFile(model: m, point: x).write(to: path) }
        guard let r = model as? RegularizedObjective else { throw InputError("no point file format for this model") }
        try RegularizedPointFile(model: r, point: x).write(to: path)
    }
}
