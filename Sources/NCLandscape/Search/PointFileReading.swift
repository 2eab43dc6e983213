import Foundation

// Reading a point accepts what `verify` and `enumerate` write (critical-point records), so it
// lives with the search that defines those records, above the point formats themselves.
extension PointFile {
    public static func read(path: String, normalize: Bool = false, id: Int? = nil) throws -> (model: NormalizedFeatureModel, point: Matrix) {
        try decode(from: readData(path), source: path, id: id).load(normalize: normalize)
    }

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
}

/// A problem and a point read from a file, whichever model it belongs to.
public enum LoadedProblem {
    case normalized(NormalizedFeatureModel, Matrix)
    case regularized(RegularizedObjective, Matrix)

    /// Reads a point file: a regularized one (`"model": "regularized"`) or any file `PointFile`
    /// reads (normalized points and critical-point records).
    public static func read(path: String, normalize: Bool = false, id: Int? = nil) throws -> LoadedProblem {
        let data = try PointFile.readData(path)
        if case let .object(fields) = try StrictJSON.parse(data, what: "point JSON", source: path),
           let kind = fields.first(where: { $0.key == "model" })?.value {
            guard case let .string(text) = kind, text == FeatureModelKind.regularized.rawValue else {
                throw InputError("malformed point JSON \(path): \"model\" must be \"regularized\" (normalized point files have no \"model\" key)")
            }
            let unknown = fields.map(\.key).filter { !RegularizedPointFile.keys.contains($0) }
            guard unknown.isEmpty else {
                throw InputError("malformed point JSON \(path): unknown key(s) \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); the keys are \(RegularizedPointFile.keys.sorted().joined(separator: ", "))")
            }
            guard !normalize else { throw InputError("--normalize projects onto the spheres; a regularized point is Euclidean") }
            guard id == nil else { throw InputError("--id picks an entry of critical_points.json; \(path) is a single point") }
            try JSONOutput.checkSchemaVersion(fields.first { $0.key == "schemaVersion" }?.value, source: path)
            let (p, x) = try StrictJSON.decode(RegularizedPointFile.self, from: data, what: "regularized point JSON", source: path).load()
            return .regularized(p, x)
        }
        let (m, x) = try PointFile.read(path: path, normalize: normalize, id: id)
        return .normalized(m, x)
    }
}
