import Foundation

/// A configuration a sweep could not evaluate (its model or analysis refused it), with the
/// reason: one line of `OUT.failed.jsonl` beside the sweep file. The refusal depends only on the
/// configuration and the search settings, so a rerun does not try it again (every rerun failed
/// the same way and, before, stopped the whole sweep there).
public struct SweepFailure: Codable, Sendable {
    public var key: String
    public var searchSignature: String
    public var reason: String
}

extension Sweep {
    /// `OUT.failed.jsonl` next to the real sweep file (a link's target's folder).
    public static func failuresPath(_ output: String) throws -> String { try AtomicFile.canonicalOutput(output) + ".failed.jsonl" }

    /// The failures recorded for `signature`, by key.
    static func recordedFailures(output: String, signature: String) throws -> [String: SweepFailure] {
        let path = try failuresPath(output)
        try JSONLines.repairTail(SweepFailure.self, path: path)
        var out: [String: SweepFailure] = [:]
        for f in try JSONLines.read(SweepFailure.self, path: path) where f.searchSignature == signature { out[f.key] = f }
        return out
    }

    /// One line naming the failed configurations (the first with its reason) and where they are.
    static func failureMessage(_ failures: [SweepFailure], total: Int, output: String) throws -> String {
        let sorted = failures.sorted { $0.key < $1.key }
        return "\(sorted.count) of \(total) configurations failed and are recorded in \(try failuresPath(output)) (the others are in \(output)); "
            + "first, \(sorted[0].key): \(sorted[0].reason)"
    }
}
