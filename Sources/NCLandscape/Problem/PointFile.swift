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

    public static func read(path: String, normalize: Bool = false, id: Int? = nil) throws -> (model: NormalizedFeatureModel, point: Matrix) {
        try decode(from: readData(path), source: path, id: id).load(normalize: normalize)
    }

    public static func readData(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("cannot read \(path): no such file or not readable") }
        return data
    }

    /// The keys a point file may hold.
    public static let keys: Set<String> = ["K", "d", "tau", "labelSmoothing", "loss", "labels", "classifiers", "features", "schemaVersion"]

    /// Strict JSON (no duplicate keys, no trailing commas, no null for a number), then the keys.
    /// An unknown top-level key is refused: a misspelt optional key (`"los"`, `"labelSmothing"`)
    /// would otherwise be silently replaced by its default.
    /// Also takes what `verify` and `enumerate` write: a critical-point record (a point file with
    /// the record's keys added, one line of `critical_points.jsonl`), or the array
    /// `critical_points.json` with `id` naming the entry.
    public static func decode(from data: Data, source: String, id: Int? = nil) throws -> PointFile {
        let value = try StrictJSON.parse(data, what: "point JSON", source: source)
        if case let .array(entries) = value {
            guard let id else {
                throw InputError("\(source) holds \(entries.count) critical points; pick one with --id N (its \"id\")")
            }
            for entry in entries {
                guard case let .object(fields) = entry, let v = fields.first(where: { $0.key == "id" })?.value,
                      case let .number(text) = v, Int(text) == id else { continue }
                try checkKeys(fields, source: "\(source) (id \(id))")
                let records = try StrictJSON.decode([CriticalPointRecord].self, from: data, what: "critical points", source: source)
                if let r = records.first(where: { $0.stats.id == id }) { return r.pointFile }
            }
            throw InputError("\(source) has no critical point with id \(id) (\(entries.count) entries)")
        }
        guard case let .object(fields) = value else { return try StrictJSON.decode(PointFile.self, from: data, what: "point JSON", source: source) }
        if id != nil, !fields.contains(where: { $0.key == "lossValue" }) {
            throw InputError("--id picks an entry of critical_points.json; \(source) is a single point")
        }
        return try decodeObject(fields, data: data, source: source)
    }

    static func decodeObject(_ fields: [(key: String, value: StrictJSON.Value)], data: Data, source: String) throws -> PointFile {
        try checkKeys(fields, source: source)
        if fields.contains(where: { $0.key == "lossValue" }) {
            return try StrictJSON.decode(CriticalPointRecord.self, from: data, what: "critical-point record", source: source).pointFile
        }
        return try StrictJSON.decode(PointFile.self, from: data, what: "point JSON", source: source)
    }

    static func checkKeys(_ fields: [(key: String, value: StrictJSON.Value)], source: String) throws {
        if fields.contains(where: { $0.key == "model" }) {
            throw InputError("\(source) is a point of the regularized model; this command analyses normalized points only (point, spectrum, optimize, escape and verify take both)")
        }
        // A record (it has the record's loss value) may carry the record keys; a plain point file
        // may not: a misspelt optional key ("los", "labelSmothing") would otherwise be silently
        // replaced by its default.
        let isRecord = fields.contains { $0.key == "lossValue" }
        let allowed = isRecord ? keys.union(CriticalPointStats.recordKeys) : keys
        let unknown = fields.map(\.key).filter { !allowed.contains($0) }
        guard unknown.isEmpty else {
            throw InputError("malformed point JSON \(source): unknown key(s) \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); the keys are \(keys.sorted().joined(separator: ", "))"
                             + (isRecord ? " and a critical-point record's" : ""))
        }
        try JSONOutput.checkSchemaVersion(fields.first { $0.key == "schemaVersion" }?.value, source: source)
    }

    public func write(to path: String) throws {
        try AtomicFile.write(JSONOutput.encode(self, pretty: false), to: path)
    }
}

/// Shared JSON helpers (one encoder configuration for every output file).
public enum JSONOutput {
    /// The version of the JSON this build writes: the first key of every top-level object it
    /// writes (reports, `--json` output, point files, every JSONL line, and every entry of the
    /// array `critical_points.json`). Readers refuse a version above their own, naming both.
    /// Version 2 spells every loss value `lossValue` (`loss` is always the loss function) and
    /// every CSV column as its JSON key; version-1 files are still read (docs/schemas/README.md).
    public static let schemaVersion = 2

    /// Refuses a `schemaVersion` newer than this build's (absent: a file from before versions).
    static func checkSchemaVersion(_ value: StrictJSON.Value?, source: String) throws {
        guard let value else { return }
        guard case let .number(text) = value, let v = Int(text), v >= 1 else {
            throw InputError("malformed JSON \(source): schemaVersion must be a positive integer, got \(value.description)")
        }
        guard v <= schemaVersion else {
            throw InputError("\(source) was written by a newer nclandscape (schemaVersion \(v); this build reads up to \(schemaVersion)); update nclandscape")
        }
    }

    /// `data` (one encoded value) with `"schemaVersion"` as the first key when it is an object.
    static func versioned(_ data: Data, pretty: Bool) -> Data {
        guard data.first == UInt8(ascii: "{") else { return data }
        let rest = data.dropFirst()
        let isEmpty = rest.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 } == UInt8(ascii: "}")
        let head = pretty ? "{\n  \"schemaVersion\" : \(schemaVersion)" : "{\"schemaVersion\":\(schemaVersion)"
        if isEmpty { return Data((head + (pretty ? "\n}" : "}")).utf8) }
        // Pretty output continues with "\n  \"key\" : …": the comma goes before that newline.
        return Data((head + ",").utf8) + rest
    }

    public static func encode<T: Encodable>(_ value: T, pretty: Bool = true) throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        // Non-finite numbers have no JSON spelling; they are written as strings rather than
        // failing a whole report (a NaN eigenvalue is itself worth seeing).
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var data = versioned(try enc.encode(value), pretty: pretty)
        data.append(0x0A)
        return data
    }

    /// A JSON array whose every entry is an object carrying `schemaVersion` first (as each line
    /// of the matching JSON-lines file does), so that any entry is itself a valid file.
    public static func encodeArray<T: Encodable>(_ values: [T]) throws -> Data {
        var data = Data("[".utf8)
        for (i, v) in values.enumerated() {
            if i > 0 { data.append(UInt8(ascii: ",")) }
            data.append(try encode(v, pretty: false).dropLast())   // without its newline
        }
        data.append(contentsOf: Array("]\n".utf8))
        return data
    }

    public static func string<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
        String(decoding: try encode(value, pretty: pretty), as: UTF8.self)
    }
}

enum JSONErrors {
    static func describe(_ e: DecodingError) -> String {
        func path(_ ctx: DecodingError.Context) -> String {
            let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "" : " at \(p)"
        }
        switch e {
        case let .keyNotFound(k, ctx): return "missing key \"\(k.stringValue)\"\(path(ctx))"
        case let .typeMismatch(t, ctx): return "expected \(t)\(path(ctx))"
        case let .valueNotFound(t, ctx): return "missing \(t) value\(path(ctx))"
        case let .dataCorrupted(ctx): return "invalid JSON\(path(ctx)): \(ctx.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}
