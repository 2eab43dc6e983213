import Foundation

/// Writes the saddle-escape report folder: `runs.csv`, `summary.csv`, `summary.json`,
/// `report.md`, `escape_time.svg`.
public enum EscapeReport {
    static func f(_ v: Double?) -> String { v.map { String(format: "%.4g", $0) } ?? "—" }

    public static func write(_ s: EscapeSummary, runs: [EscapeRun], to dir: String) throws {
        try AtomicFile.write(JSONOutput.encode(s), to: dir + "/summary.json")
        var csv = "direction,radius,seed,overlap,escaped,escape_iteration,predicted_iteration,iterations,stop_reason,final_loss,final_gradient_norm,final_classification,ends_at_global_minimizer,nc1,nc2,nc3\n"
        for r in runs {
            csv += "\(r.direction.rawValue),\(r.radius),\(r.seed),\(r.overlap),\(r.escaped),\(r.escapeIteration.map(String.init) ?? ""),"
                + "\(r.predictedIteration),\(r.iterations),\(r.stopReason),\(r.finalLoss),\(r.finalGradientNorm),\(r.finalClassification),"
                + "\(r.endsAtGlobalMinimizer),\(r.nc1),\(r.nc2),\(r.nc3)\n"
        }
        try AtomicFile.write(csv, to: dir + "/runs.csv")
        var t = "direction,radius,median_measured,median_predicted,fraction_escaped,fraction_global\n"
        for row in s.table {
            t += "\(row.direction.rawValue),\(row.radius),\(row.medianMeasured.map { "\($0)" } ?? ""),\(row.medianPredicted),\(row.fractionEscaped),\(row.fractionGlobal)\n"
        }
        try AtomicFile.write(t, to: dir + "/summary.csv")
        try AtomicFile.write(svg(s, runs: runs), to: dir + "/escape_time.svg")
        try AtomicFile.write(markdown(s), to: dir + "/report.md")
    }

    public static func table(_ s: EscapeSummary) -> String {
        var out = "direction            radius    measured (median)  predicted (median)  escaped  ends global\n"
        for r in s.table {
            out += r.direction.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0)
                + String(format: " %-9.0e ", r.radius) + f(r.medianMeasured).padding(toLength: 18, withPad: " ", startingAt: 0)
                + String(format: " %-19.1f %-8.2f %.2f\n", r.medianPredicted, r.fractionEscaped, r.fractionGlobal)
        }
        for (k, v) in s.directions.sorted(by: { $0.key < $1.key }) {
            out += String(format: "%@: slope of escape time vs log(1/r): measured %@, predicted %.4g (1/log(1+η|λ|)); fraction ending at a global minimizer %.2f\n",
                          k, f(v.slopeMeasured), v.slopePredicted, v.fractionGlobal)
        }
        return out
    }

    static func markdown(_ s: EscapeSummary) -> String {
        var md = """
        # Saddle escape study

        | quantity | value |
        |---|---|
        | saddle | `\(s.source)` |
        | K, d, N, counts | \(s.model.K), \(s.model.d), \(s.model.N), \(s.counts.map(String.init).joined(separator: ",")) |
        | τ, ε, loss | \(s.model.tau), \(s.model.labelSmoothing), \(s.model.loss.name) |
        | saddle loss f(x*) | \(String(format: "%.12g", s.saddleLoss)) |
        | λ_min (multiplicity), index, λ_max | \(String(format: "%.8g", s.lambdaMin)) (\(s.multiplicity)), \(s.index), \(String(format: "%.6g", s.lambdaMax)) |
        | optimizer, step η | \(s.optimizer), \(s.step) |
        | Hessian method (saddle) | \(s.method.rawValue) |
        | escape: distance > ρ and loss < f(x*) − δ | ρ = \(s.rho), δ = \(String(format: "%.3g", s.lossDrop)) |
        | radii, seeds per radius and direction, seed | \(s.configuration.radii.map { String(format: "%g", $0) }.joined(separator: ", ")); \(s.configuration.seeds); \(s.configuration.seed) |
        | wall time | \(String(format: "%.2f s", s.seconds)) |
        | software | \(s.software) |

        Prediction (docs/formulas.md §6): `T ≈ log(ρ / (r ‖Pξ‖)) / log(1 + η|λ_min|)`, `P` the projection on the λ_min eigenspace
        (`|⟨ξ, v⟩|` when simple); the predicted slope of `T` against `log(1/r)` is `1/log(1 + η|λ_min|)`.

        ## Per direction

        | direction | slope measured | slope predicted | measured / predicted | escaped | ends at a global minimizer |
        |---|---|---|---|---|---|

        """
        for (k, v) in s.directions.sorted(by: { $0.key < $1.key }) {
            md += "| \(k) | \(f(v.slopeMeasured)) | \(f(v.slopePredicted)) | \(f(v.slopeMeasured.map { $0 / v.slopePredicted })) | \(String(format: "%.2f", v.fractionEscaped)) | \(String(format: "%.2f", v.fractionGlobal)) |\n"
        }
        md += "\n## Median escape time per radius\n\n| direction | r | measured | predicted | escaped | ends global |\n|---|---|---|---|---|---|\n"
        for r in s.table {
            md += "| \(r.direction.rawValue) | \(String(format: "%g", r.radius)) | \(f(r.medianMeasured)) | \(String(format: "%.1f", r.medianPredicted)) | \(String(format: "%.2f", r.fractionEscaped)) | \(String(format: "%.2f", r.fractionGlobal)) |\n"
        }
        md += "\n![escape time](escape_time.svg)\n\nFiles: `runs.csv` (one row per run), `summary.csv`, `summary.json`.\n"
        return md
    }

    static func svg(_ s: EscapeSummary, runs: [EscapeRun]) -> String {
        var c = SVGChart(title: "Escape time against perturbation radius (\(s.optimizer), η = \(s.step))",
                         xLabel: "radius r (log scale)", yLabel: "escape iteration")
        c.logX = true
        let colors: [EscapeDirection: String] = [.random: "#1f77b4", .negativeCurvature: "#d62728"]
        for dir in EscapeDirection.allCases {
            let rs = runs.filter { $0.direction == dir && $0.escaped }
            guard !rs.isEmpty else { continue }
            c.series.append(.init(name: "\(dir == .random ? "random" : "neg. curvature"), measured", color: colors[dir]!, style: .points(radius: 3.5),
                                  xs: rs.map(\.radius), ys: rs.map { Double($0.escapeIteration!) }))
            let rows = s.table.filter { $0.direction == dir }
            c.series.append(.init(name: "\(dir == .random ? "random" : "neg. curvature"), predicted", color: colors[dir]!, style: .line(dashed: true),
                                  xs: rows.map(\.radius), ys: rows.map(\.medianPredicted)))
        }
        c.notes = [String(format: "λ_min = %.6g (multiplicity %d), ρ = %g; predicted slope 1/log(1+η|λ|) = %.4g per unit of log(1/r)",
                          s.lambdaMin, s.multiplicity, s.rho, s.directions.values.first?.slopePredicted ?? .nan)]
        return c.render()
    }
}
