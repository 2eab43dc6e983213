import Foundation

/// Writes the `verify` report folder.
public enum VerifyReport {
    static let classColors: [String: String] = [
        "global_minimizer": "#2ca02c", "strict_saddle": "#1f77b4", "spurious_local_minimizer": "#d62728",
        "local_minimizer": "#ff7f0e", "degenerate": "#9467bd",
    ]

    public static func write(summary s: VerifySummary, points: [CriticalPointRecord], to dir: String) throws {
        try AtomicFile.write(JSONOutput.encode(s), to: dir + "/summary.json")
        try AtomicFile.write(JSONOutput.encodeArray(points), to: dir + "/critical_points.json")
        var csv = "id,classification,lossValue,riemannianGradientNorm,index,lambdaMin,lambdaMax,quotientLambdaMin,zeroEigenvalues,symmetryNullity,rank,nc1,nc2,nc3,accuracy,hits,origin,origins\n"
        for p in points {
            let origins = p.origins.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ";")
            csv += "\(p.id),\(p.classification.rawValue),\(p.loss),\(p.riemannianGradientNorm),\(p.index),\(p.lambdaMin),\(p.lambdaMax),"
                + "\(p.quotientLambdaMin.map { "\($0)" } ?? ""),\(p.zeroEigenvalues.map(String.init) ?? ""),\(p.symmetryNullity),\(p.rank),"
                + "\(p.nc.nc1),\(p.nc.nc2),\(p.nc.nc3),\(p.nc.accuracy ?? .nan),\(p.hits),\(p.origin),\(origins)\n"
        }
        try AtomicFile.write(csv, to: dir + "/critical_points.csv")
        var spectra = "id,classification,k,eigenvalue\n"
        for p in points { for (k, v) in p.eigenvalues.enumerated() { spectra += "\(p.id),\(p.classification.rawValue),\(k),\(v)\n" } }
        try AtomicFile.write(spectra, to: dir + "/spectra.csv")
        try AtomicFile.write(lossIndexPlot(points, fStar: s.fStar), to: dir + "/loss_vs_index.svg")
        var plots: [String] = ["loss_vs_index.svg"]
        for cls in CriticalPointClass.allCases {
            let group = points.filter { $0.classification == cls }
            guard !group.isEmpty else { continue }
            let name = "eigenvalues_\(cls.rawValue).svg"
            try AtomicFile.write(histogram(group, cls: cls.rawValue), to: dir + "/" + name)
            plots.append(name)
        }
        try AtomicFile.write(markdown(s, points: points, plots: plots), to: dir + "/report.md")
    }

    static let classMarkers: [String: SVGChart.Series.Marker] = [
        "global_minimizer": .diamond, "strict_saddle": .circle, "spurious_local_minimizer": .triangle,
        "local_minimizer": .square, "degenerate": .cross,
    ]

    /// Loss against index, and below it the excess over the lowest loss on a log scale, where
    /// minima 1e-4 apart (invisible on the first panel) are decades apart.
    static func lossIndexPlot(_ points: [CriticalPointRecord], fStar: Double?) -> String {
        var c = SVGChart(title: "Critical points: loss against Morse index", xLabel: "index (number of negative eigenvalues)", yLabel: "loss")
        let groups = Dictionary(grouping: points, by: { $0.classification.rawValue }).sorted(by: { $0.key < $1.key })
        for (cls, ps) in groups {
            c.series.append(.init(name: "\(cls) (\(ps.count))", color: classColors[cls] ?? "#333",
                                  style: .marked(radius: 5, marker: classMarkers[cls] ?? .circle),
                                  xs: ps.map { Double($0.index) }, ys: ps.map(\.loss)))
        }
        let maxIdx = Double(max(points.map(\.index).max() ?? 1, 1))
        if let f = fStar {
            c.series.append(.init(name: "f* (proven optimum)", color: "#2ca02c", style: .line(dashed: true), xs: [0, maxIdx], ys: [f, f]))
        }
        guard let best = fStar ?? points.map(\.loss).min() else { return c.render() }
        var z = SVGChart(title: "Excess loss over \(fStar != nil ? "f*" : "the lowest loss found") (log scale; points at the optimum not shown)",
                         xLabel: "index (number of negative eigenvalues)", yLabel: "loss − \(fStar != nil ? "f*" : "lowest")")
        z.logY = true
        for (cls, ps) in groups {
            let above = ps.filter { !ClassificationRule.lossesAgree($0.loss, best) && $0.loss > best }
            guard !above.isEmpty else { continue }
            z.series.append(.init(name: "\(cls)", color: classColors[cls] ?? "#333", style: .marked(radius: 5, marker: classMarkers[cls] ?? .circle),
                                  xs: above.map { Double($0.index) }, ys: above.map { $0.loss - best }))
        }
        let atOptimum = points.filter { ClassificationRule.lossesAgree($0.loss, best) }.count
        z.notes = [String(format: "%d point(s) at the optimum %.10g", atOptimum, best)]
        return z.series.isEmpty ? c.render() : SVGChart.stack([c, z])
    }

    static func histogram(_ points: [CriticalPointRecord], cls: String) -> String {
        // Each point's eigenvalues against its own δ (the classification threshold).
        let all = points.flatMap { p in p.eigenvalues.map { abs($0) <= p.zeroThreshold ? 0 : $0 } }
        return EigenvalueHistogram.chart(all, delta: 0, title: "Hessian eigenvalues of the \(points.count) \(cls) point(s)",
                                         zeroLabel: "|λ| ≤ δ (\(all.filter { $0 == 0 }.count))").render()
    }

    /// `yes (r = 3e-13)`, `yes, quad-double (r = …)`, `no`, or `—` when not attempted.
    static func certificateCell(_ p: CriticalPointRecord) -> String {
        guard let c = p.certification else { return "—" }
        guard c.certificate.status != .notCertified, let r = c.certificate.radius else { return "no" }
        let prec = c.certificate.precision == "double" ? "" : c.certificate.precision + ", "
        if c.certificate.status == .saddleRegion { return String(format: "saddle region (%@no minimizer within %.1e)", prec, r) }
        return String(format: "yes (%@r = %.1e)", prec, r)
    }

    /// A loss in the table: ten decimals in the ordinary range, scientific with seven
    /// significant digits for tiny or huge values (2.6e-37 and 3.2e-28 both printed as
    /// 0.0000000000 in fixed notation), and "0" only for an exact zero.
    static func lossCell(_ v: Double) -> String {
        if v == 0 { return "0" }
        return abs(v) < 1e-4 || abs(v) >= 1e6 ? String(format: "%.6e", v) : String(format: "%.10f", v)
    }

    public static func table(_ points: [CriticalPointRecord]) -> String {
        var rows = [["#", "class", "loss", "index", "λ_min", "zeros", "ν", "margin", "‖grad‖", "NC1", "hits", "first origin", "certificate"]]
        for p in points.sorted(by: { ($0.loss, $0.index) < ($1.loss, $1.index) }) {
            rows.append(["\(p.id)", p.classification.rawValue, lossCell(p.loss), "\(p.index)", String(format: "%.4g", p.lambdaMin),
                         p.zeroEigenvalues.map(String.init) ?? "—", "\(p.symmetryNullity)", (p.classificationMargin.map { String(format: p.isMarginal ? "%.3g (!)" : "%.3g", $0) } ?? "by value"),
                         String(format: "%.1e", p.riemannianGradientNorm),
                         String(format: "%.2g", p.nc.nc1), "\(p.hits)", p.origin, certificateCell(p)])
        }
        let widths = (0 ..< rows[0].count).map { c in rows.map { $0[c].count }.max()! }
        return rows.map { r in r.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ") }
            .joined(separator: "\n")
    }

    public static func markdown(_ s: VerifySummary, points: [CriticalPointRecord], plots: [String]) -> String {
        let p = s.parameters, m = p.model
        var md = """
        # verify: critical points of the normalized feature model

        **Verdict: `\(s.verdict.rawValue)`** — \(s.message).

        | parameter | value |
        |---|---|
        | K, d, N | \(m.K), \(m.d), \(m.N) |
        | class counts | \(p.counts.map(String.init).joined(separator: ", ")) |
        | τ | \(m.tau) |
        | loss | \(m.loss.name) |
        | label smoothing ε | \(m.labelSmoothing) |
        | random starts drawn, seed, jobs | \(s.starts), \(p.search.seed), \(p.search.jobs) |
        | coverage target | \(s.coverageTarget.map { "missing mass ≤ \(PopulationCoverage.percent($0.missingMass)) of \(CoverageTarget.controllingOrigin(p.search.startMix)) starts, batches of \($0.batch), cap \($0.maxStarts): " + (s.coverageTargetMet == true ? "met" : "NOT met") } ?? "none (fixed --starts)") |
        | ansatz families | \(p.search.ansatz ? "yes" : "no") |
        | theorem's assumptions hold (cross-entropy, balanced, ε = 0, d > K) | \(s.theoremApplies ? "yes" : "no") |
        | proven optimum f* | \(s.fStar.map { String(format: "%.12g", $0) } ?? "none proven (minimizers compared with the best loss found)") |
        | best loss found | \(s.bestLoss.map { String(format: "%.12g", $0) } ?? "—") |
        | tasks (converged to a critical point / not) | \(s.tasks - s.tasksNotConverged) / \(s.tasksNotConverged) |
        | wall time | \(String(format: "%.2f s", s.seconds)) |
        | Hessian method | \(s.method) |
        | software | \(s.software) |

        ## Counts by class

        | class | distinct points |
        |---|---|

        """
        for (k, v) in s.counts.sorted(by: { $0.key < $1.key }) where v > 0 { md += "| \(k) | \(v) |\n" }
        md += "\n## Search coverage\n\n| origin | started | new point | found before | did not converge (why) | converged from a descent iterate |\n|---|---|---|---|---|---|\n"
        for c in s.coverage {
            let failed = c.failed.isEmpty ? "0" : "\(c.failed.values.reduce(0, +)) (" + c.failed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
            md += "| \(c.origin) | \(c.started) | \(c.new) | \(c.duplicate) | \(failed) | \(c.origin == "random-newton" ? "\(c.convergedAfterDescentSteps)" : "—") |\n"
        }
        md += "\n## Measured coverage of the random starts\n\n"
        md += "| population | drawn | converged | classes | f₁ | f₂ | missing mass (Good–Turing f₁/S) | rule of three 3/S | Chao1 unseen classes |\n|---|---|---|---|---|---|---|---|---|\n"
        for c in s.populations {
            md += "| \(c.origin) | \(c.draws) | \(c.converged) | \(c.classes) | \(c.singletons) | \(c.doubletons) | "
                + "\(c.missingMass.map(PopulationCoverage.percent) ?? "—") | \(c.ruleOfThree.map(PopulationCoverage.percent) ?? "—") | "
                + "\(c.unseenClassesChao1.map { String(format: "%.1f", $0) } ?? "—") |\n"
        }
        md += "\nMissing mass: the estimated probability that one more converged start of that kind lands on a critical point "
        md += "(up to symmetry) not yet seen. Good–Turing f₁/S counts the classes hit once; the rule of three 3/S bounds the "
        md += "probability of any single class that all S starts missed, at 95% confidence. Each start kind is its own population; "
        md += "ansatz families are deterministic and form none. Saddles are many (their population rarely looks covered); "
        md += "minimizers, which decide the verdict, are what descent starts reach. A spurious minimizer is a counterexample "
        md += "whatever the coverage; a benign verdict is only as good as its coverage.\n"
        md += "\n`stalled`: Newton stopped gaining (a non-critical local minimum of ‖grad‖); `no_decrease`: no step along its direction lowered ‖grad‖. "
        md += "Random Newton starts that fail from the random point retry from gradient-descent iterates 1, 2, 4, …, 32 (saddle seeking).\n"
        md += "\n## Distinct critical points (sorted by loss)\n\n```\n" + table(points) + "\n```\n\n"
        md += "`zeros` counts eigenvalues with |λ| ≤ δ = 1e-8·‖M‖₂; `ν` of them are forced by the O(d) symmetry. "
        md += "`margin` = |deciding eigenvalue| / δ (λ_min at a saddle, λ_min(M_⊥) otherwise), `by value` when the loss met a proven lower bound "
        md += "(a global minimizer even with flat directions); `(!)` marks labels decided within 100δ, "
        md += "which depend on how accurately the point was polished (typical at degenerate critical sets).\n\n"
        md += "`certificate`: a computer-assisted proof of the label (docs/formulas.md §14): an exact critical point lies within r of the listed one "
        md += "(Newton–Kantorovich on the slice transversal to the symmetry orbit), and every eigenvalue of its quotient Hessian is enclosed away from 0 "
        md += "(Weyl, with the eigensolver's, the products' and the assembly's rounding errors bounded). Where doubles cannot decide, the point is polished "
        md += "and certified again with its gradient and Hessian in double-double, then quad-double. `saddle region`: where existence cannot be proven "
        md += "(flat directions beyond the symmetry make the quotient Hessian singular), a negative eigenvalue enclosed away from 0 proves that no local "
        md += "minimizer lies within the stated radius: the point is not a spurious minimizer. `no`: the bounds still straddle 0 (the point's "
        md += "`certification.certificate.reason` in critical_points.json says why and what precision it would need); `—`: not attempted (Lanczos, focal loss, m > 2000).\n\n"
        md += "## Plots\n\n" + plots.map { "![\($0)](\($0))" }.joined(separator: "\n\n") + "\n\n"
        md += "Files: `summary.json`, `critical_points.json` (with the points), `critical_points.csv`, `spectra.csv`, `critical_points.jsonl` and `tasks.jsonl` (the resumable log).\n"
        return md
    }
}
