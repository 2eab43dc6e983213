import Foundation

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
