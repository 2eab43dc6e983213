import Foundation

/// A kind of line in a sweep file: what the shared resumable runner (`Sweep.runResumable`),
/// `merge` and `phase` need to know about it. The normalized model's lines are `SweepResult`,
/// the regularized model's `RegularizedSweepResult`; one file holds one kind.
public protocol SweepLine: Codable, Sendable {
    /// The model whose lines these are.
    static var kind: FeatureModelKind { get }
    /// The configuration's canonical identifier, stable across runs and shards.
    var key: String { get }
    /// The search settings that produced the line: two lines of one key with different
    /// signatures are different results, not duplicates.
    var searchSignature: String { get }
    /// What must agree between two runs of the same configuration and search (not the timing).
    var resultFingerprint: String { get }
    /// The configuration's verdict (what the phase maps color).
    var verdict: VerifySummary.Verdict { get }
    /// Throws when the stored key is not the one the line's body describes (an edited or damaged file).
    func checkConsistent(path: String) throws
}

extension SweepLine {
    /// Configuration and search together: what identifies a line.
    public var identity: String { key + "|" + searchSignature }
    /// The verdict's name, for messages.
    public var verdictName: String { verdict.rawValue }

    /// The lines with each identity once, in first-seen order: the same search of a
    /// configuration twice (shards merged by concatenation) is one result when the lines agree,
    /// and an error naming it when they do not.
    public static func distinct(_ lines: [Self], source: String) throws -> [Self] {
        var seen: [String: Self] = [:]
        var unique: [Self] = []
        for r in lines {
            if let old = seen[r.identity] {
                guard old.resultFingerprint == r.resultFingerprint else {
                    throw InputError("\(source): configuration \(r.key) (\(r.searchSignature)) appears twice with different results (\(old.verdictName) vs \(r.verdictName))")
                }
                continue
            }
            seen[r.identity] = r
            unique.append(r)
        }
        return unique
    }
}

extension SweepResult: SweepLine {
    public static var kind: FeatureModelKind { .normalized }
    public func checkConsistent(path: String) throws {
        guard key == config.key else {
            throw InputError("\(path): the line with key \(key) describes configuration \(config.key); the file was edited or is damaged")
        }
    }
}

/// Which model a sweep file's lines belong to. A regularized line carries `"model":
/// "regularized"` at its top level; a normalized line has no top-level `model` (its model is
/// nested in `config`), which also keeps the normalized lines exactly as they were.
public enum SweepLineKind {
    /// The kinds of the file's complete lines that parse as JSON objects (a torn or damaged line
    /// is left to the typed reader, which reports or repairs it). Empty for a missing file.
    public static func kinds(path: String) throws -> Set<FeatureModelKind> {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var out = Set<FeatureModelKind>()
        for (i, line) in data.split(separator: 0x0A, omittingEmptySubsequences: true).enumerated() {
            guard case let .object(fields)? = try? StrictJSON.parse(Data(line), what: "record", source: "\(path) line \(i + 1)") else { continue }
            guard let model = fields.first(where: { $0.key == "model" })?.value else { out.insert(.normalized); continue }
            guard case let .string(name) = model, let kind = FeatureModelKind(rawValue: name) else {
                throw InputError("\(path) line \(i + 1): \"model\" must be one of \(FeatureModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            out.insert(kind)
        }
        return out
    }

    /// The one kind of the file's lines (nil for a file without lines); a file mixing the two
    /// models is refused: each model has its own line format, reports and maps.
    public static func single(path: String) throws -> FeatureModelKind? {
        let k = try kinds(path: path)
        guard k.count <= 1 else {
            throw InputError("\(path) mixes normalized and regularized sweep lines; keep each model's sweep in its own file")
        }
        return k.first
    }

    /// Refuses a file whose lines are another model's (appending would mix the two).
    static func check(path: String, holds kind: FeatureModelKind) throws {
        guard let found = try single(path: path), found != kind else { return }
        throw InputError("\(path) holds \(found.rawValue)-model sweep lines; a \(kind.rawValue) sweep needs its own --out file")
    }
}
