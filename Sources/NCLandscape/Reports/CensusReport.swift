import Foundation

public enum CensusReport {
    /// One line per point: id, class, loss, index, λ_min, λ_max, zeros vs ν, mean norms, hits, origin.
    public static func table(_ points: [CensusPoint]) -> String {
        func row(_ cells: [String]) -> String {
            zip(cells, [4, 18, 15, 6, 12, 11, 7, 4, 9, 9, 6, 0]).map { $1 > 0 ? $0.padding(toLength: max($1, $0.count + 1), withPad: " ", startingAt: 0) : $0 }.joined()
        }
        var out = row(["#", "class", "loss", "index", "λ_min", "λ_max", "zeros", "ν", "‖w‖", "‖h‖", "hits", "first origin"])
        for p in points {
            out += "\n" + row(["\(p.id)", p.classification.rawValue, String(format: "%.10f", p.loss), "\(p.index)", String(format: "%.4g", p.lambdaMin),
                              String(format: "%.4g", p.lambdaMax), "\(p.zeroEigenvalues)", "\(p.symmetryNullity)", String(format: "%.4g", p.classifierNorm),
                              String(format: "%.4g", p.featureNorm), "\(p.hits)", p.origin])
        }
        return out
    }

    public static func markdown(_ s: CensusSummary) -> String {
        var md = """
        # Critical points of the regularized model

        **Verdict: `\(s.verdict.rawValue)`** — \(s.message).

        | quantity | value |
        |---|---|
        | model | regularized (Euclidean, weight decay, \(s.problem.lambdaB.map { "bias, λ_b = \($0)" } ?? "no bias")), loss \(s.problem.loss.rawValue) |
        | K, d, counts | \(s.problem.K), \(s.problem.d), \(s.problem.counts.map(String.init).joined(separator: ",")) |
        | λ_W, λ_H | \(s.problem.lambdaW), \(s.problem.lambdaH) |
        | f* (closed form) | \(s.fStar.map { String(format: "%.12g", $0) } ?? "none (outside the closed form's range)")\(s.fStarArgument.map { ": " + $0 } ?? "") |
        | theorem applies (balanced, d > K) | \(s.theoremApplies ? "yes" : "no") |
        | tasks (ansatz + \(s.randomStarts) random, seed \(s.seed)) | \(s.tasks), \(s.tasksNotConverged) did not reach a critical point |
        | software | \(s.software) |

        Labels from the dense Euclidean Hessian (docs/formulas.md §4, §8): δ = 1e−8 ‖M‖₂, ν = the O(d)
        nullity. No certificates and no coverage estimate: a fixed number of starts.


        """
        md += "```\n" + table(s.points) + "\n```\n"
        return md
    }

    /// `summary.json` (with the points) and `report.md`.
    public static func write(_ s: CensusSummary, to dir: String) throws {
        try AtomicFile.makeFolder(dir)
        try AtomicFile.write(JSONOutput.encode(s), to: dir + "/summary.json")
        try AtomicFile.write(markdown(s), to: dir + "/report.md")
    }
}
