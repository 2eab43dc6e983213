import Foundation

/// Writes the saddle-escape report folder: `runs.csv`, `summary.csv`, `summary.json`,
/// `report.md`, `escape_time.svg`.
public enum EscapeReport {
    static func f(_ v: Double?) -> String { v.map { String(format: "%.4g", $0) } ?? "—" }

    public static func write(_ s: EscapeSummary, runs: [EscapeRun], to dir: String) throws {
        try AtomicFile.write(JSONOutput.encode(s), to: dir + "/summary.json")
        var csv = "direction,radius,seed,overlap,outcome,escapeIteration,predictedIteration,iterations,stopReason,iterationsAfterEscape,finalLoss,finalGradientNorm,finalClassification,endsAtGlobalMinimizer,nc1,nc2,nc3\n"
        for r in runs {
            csv += "\(r.direction.rawValue),\(r.radius),\(r.seed),\(r.overlap),\(r.outcome.rawValue),\(r.escapeIteration.map(String.init) ?? ""),"
                + "\(r.predictedIteration),\(r.iterations),\(r.stopReason.rawValue),\(r.iterationsAfterEscape),\(r.finalLoss),\(r.finalGradientNorm),"
                + "\(r.finalClassification.rawValue),\(r.endsAtGlobalMinimizer),\(r.nc1),\(r.nc2),\(r.nc3)\n"
        }
        try AtomicFile.write(csv, to: dir + "/runs.csv")
        var t = "direction,radius,medianMeasured,medianPredicted,fractionEscaped,unmeasured,fractionGlobal\n"
        for row in s.table {
            t += "\(row.direction.rawValue),\(row.radius),\(row.medianMeasured.map { "\($0)" } ?? ""),\(row.medianPredicted),\(row.fractionEscaped),\(row.unmeasured),\(row.fractionGlobal)\n"
        }
        try AtomicFile.write(t, to: dir + "/summary.csv")
        try AtomicFile.write(svg(s, runs: runs), to: dir + "/escape_time.svg")
        try AtomicFile.write(markdown(s), to: dir + "/report.md")
    }

    public static func table(_ s: EscapeSummary) -> String {
        var out = "direction            radius    measured (median)  predicted (median)  escaped  unmeasured  ends global\n"
        for r in s.table {
            out += r.direction.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0)
                + String(format: " %-9.0e ", r.radius) + f(r.medianMeasured).padding(toLength: 18, withPad: " ", startingAt: 0)
                + String(format: " %-19.1f %-8.2f %-11d %.2f\n", r.medianPredicted, r.fractionEscaped, r.unmeasured, r.fractionGlobal)
        }
        for (k, v) in s.directions.sorted(by: { $0.key < $1.key }) {
            out += String(format: "%@: slope of escape time vs log(1/r): measured %@ (%@), predicted %.4g (1/log(1+η|λ|))\n",
                          k, f(v.slopeMeasured), fittedOn(v.radiiFitted), v.slopePredicted)
            out += "  outcomes: " + v.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                + "; ends: " + v.endClasses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }
        out += "global = \(s.referenceSource)" + (s.referenceLoss.map { String(format: " (%.10g)", $0) } ?? "") + "\n"
        return out
    }

    /// "fitted on r = 1e-3, 1e-4", or why there is no fit (it printed "fitted on r = )").
    static func fittedOn(_ radii: [Double]) -> String {
        radii.count >= 2 ? "fitted on r = " + radii.map { String(format: "%g", $0) }.joined(separator: ", ")
            : "not fitted: escape times at fewer than two radii" + (radii.isEmpty ? "" : String(format: " (only r = %g)", radii[0]))
    }

    /// The model's rows: sizes and τ, ε, loss (normalized) or λ_W, λ_H, loss (regularized).
    static func problemRows(_ s: EscapeSummary) -> [(String, String)] {
        let counts = s.counts.map(String.init).joined(separator: ",")
        if let m = s.model {
            return [("K, d, N, counts", "\(m.K), \(m.d), \(m.N), \(counts)"), ("τ, ε, loss", "\(m.tau), \(m.labelSmoothing), \(m.loss.name)")]
        }
        guard let r = s.regularizedModel else { return [] }
        return [("K, d, N, counts", "\(r.K), \(r.d), \(r.counts.reduce(0, +)), \(counts)"),
                ("model, λ_W, λ_H, loss", "regularized (Euclidean; ρ is a Euclidean distance\(r.lambdaB.map { "; bias, λ_b = \($0)" } ?? "")), \(r.lambdaW), \(r.lambdaH), \(r.loss.rawValue)")]
    }

    static func markdown(_ s: EscapeSummary) -> String {
        var md = """
        # Saddle escape study

        | quantity | value |
        |---|---|
        | saddle | `\(s.source)` |
        \(problemRows(s).map { "| \($0.0) | \($0.1) |" }.joined(separator: "\n"))
        | saddle loss f(x*) | \(String(format: "%.12g", s.saddleLoss)) |
        | λ_min (multiplicity), index, λ_max | \(String(format: "%.8g", s.lambdaMin)) (\(s.multiplicity)), \(s.index), \(String(format: "%.6g", s.lambdaMax)) |
        | optimizer, step η | \(s.optimizer), \(s.step) |
        | Hessian method (saddle) | \(s.method.rawValue) |
        | escape: distance > ρ and loss < f(x*) − δ | ρ = \(s.rho), δ = \(String(format: "%.3g", s.lossDrop)) |
        | radii, seeds per radius and direction, seed | \(s.configuration.radii.map { String(format: "%g", $0) }.joined(separator: ", ")); \(s.configuration.seeds); \(s.configuration.seed) |
        | after escaping: run to ‖grad‖ ≤ tolerance · γ, then Newton-polish and classify | tolerance \(s.configuration.tolerance), iteration cap \(s.configuration.maxIterations) |
        | "global" judged against | \(s.referenceSource)\(s.referenceLoss.map { String(format: ": %.10g", $0) } ?? "") |
        | wall time | \(String(format: "%.2f s", s.seconds)) |
        | software | \(s.software) |

        Prediction (docs/formulas.md §6): `T ≈ log(ρ / (r ‖Pξ‖)) / log(1 + η|λ_min|)`, `P` the projection on the λ_min eigenspace
        (`|⟨ξ, v⟩|` when simple); the predicted slope of `T` against `log(1/r)` is `1/log(1 + η|λ_min|)`.

        ## How escape is measured

        Escape is measured with no gradient test (near the saddle ‖grad‖ ≈ |λ_min| r, below any fixed tolerance at small r).
        A run is *not escaped* when it is still inside after the iteration cap, *stopped* when the optimizer gave up first
        (no representable loss decrease, or perturbed GD's second-order stop); neither enters the escape-time statistics,
        and the slope is fitted only on the radii listed.

        ## Per direction

        | direction | slope measured | slope predicted | measured / predicted | fitted on r | outcomes | where runs end |
        |---|---|---|---|---|---|---|

        """
        for (k, v) in s.directions.sorted(by: { $0.key < $1.key }) {
            let outcomes = v.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let ends = v.endClasses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            md += "| \(k) | \(f(v.slopeMeasured)) | \(f(v.slopePredicted)) | \(f(v.slopeMeasured.map { $0 / v.slopePredicted })) | \(fittedOn(v.radiiFitted)) | \(outcomes) | \(ends) |\n"
        }
        md += "\n## Median escape time per radius\n\n| direction | r | measured | predicted | escaped | unmeasured | ends global |\n|---|---|---|---|---|---|---|\n"
        for r in s.table {
            md += "| \(r.direction.rawValue) | \(String(format: "%g", r.radius)) | \(f(r.medianMeasured)) | \(String(format: "%.1f", r.medianPredicted)) | \(String(format: "%.2f", r.fractionEscaped)) | \(r.unmeasured) | \(String(format: "%.2f", r.fractionGlobal)) |\n"
        }
        md += "\n![escape time](escape_time.svg)\n\nFiles: `runs.csv` (one row per run), `summary.csv`, `summary.json`.\n"
        return md
    }

    static func svg(_ s: EscapeSummary, runs: [EscapeRun]) -> String {
        var c = SVGChart(title: "Escape time against perturbation radius (\(s.optimizer), η = \(s.step))",
                         xLabel: "radius r (log scale)", yLabel: "escape iteration")
        c.logX = true
        let colors: [EscapeDirection: String] = [.random: "#1f77b4", .negativeCurvature: "#d62728"]
        let markers: [EscapeDirection: SVGChart.Series.Marker] = [.random: .circle, .negativeCurvature: .triangle]
        for dir in EscapeDirection.allCases {
            let all = runs.filter { $0.direction == dir }
            guard !all.isEmpty else { continue }
            let rs = all.filter(\.escaped)
            let name = dir == .random ? "random ξ" : "eigenspace ξ"
            c.series.append(.init(name: "\(name): measured (\(rs.count) runs)", color: colors[dir]!, style: .marked(radius: 4, marker: markers[dir]!),
                                  xs: rs.map(\.radius), ys: rs.map { Double($0.escapeIteration!) }))
            let rows = s.table.filter { $0.direction == dir }
            c.series.append(.init(name: "\(name): predicted", color: colors[dir]!, style: .line(dashed: true),
                                  xs: rows.map(\.radius), ys: rows.map(\.medianPredicted)))
        }
        c.notes = [String(format: "λ_min = %.6g (multiplicity %d), ρ = %g; predicted slope 1/log(1+η|λ|) = %.4g per unit of log(1/r)",
                          s.lambdaMin, s.multiplicity, s.rho, s.directions.values.first?.slopePredicted ?? .nan)]
        let unmeasured = s.table.filter { $0.unmeasured > 0 }
        if !unmeasured.isEmpty {
            c.notes.append("not shown (not escaped within the cap or stopped): "
                           + unmeasured.map { String(format: "%@ r = %g: %d", $0.direction == .random ? "random" : "eigenspace", $0.radius, $0.unmeasured) }.joined(separator: "; "))
        }
        return c.render()
    }
}
