import Foundation

/// Heat maps of sweep verdicts (`nclandscape phase`).
public enum PhaseDiagram {
    /// Verdict severity used when several configurations share a cell: the worst one colors it.
    static func severity(_ v: VerifySummary.Verdict) -> Int {
        switch v { case .spuriousMinimumFound: return 2; case .inconclusive: return 1; case .benign: return 0 }
    }
    static let colors = ["#4daf4a", "#ff9f1c", "#e41a1c"]
    static let names = ["benign", "inconclusive", "spurious minimum found"]

    public struct Cell { public var total = 0; public var benign = 0; public var inconclusive = 0; public var spurious = 0; public var worst = 0 }

    static func cells(_ results: [SweepResult], x: (SweepResult) -> Double, y: (SweepResult) -> Double) -> [Double: [Double: Cell]] {
        var out: [Double: [Double: Cell]] = [:]
        for r in results {
            var c = out[x(r), default: [:]][y(r), default: Cell()]
            c.total += 1
            switch severity(r.verdict) { case 2: c.spurious += 1; case 1: c.inconclusive += 1; default: c.benign += 1 }
            c.worst = max(c.worst, severity(r.verdict))
            out[x(r), default: [:]][y(r)] = c
        }
        return out
    }

    static func fmt(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e6 ? String(Int(v)) : String(format: "%g", v) }

    /// An SVG heat map: one rectangle per (x, y), colored by the worst verdict, labelled
    /// "benign/total". `boundaries` draws lines y = x + c (e.g. the theorem's d = K + 1).
    public static func heatMap(_ results: [SweepResult], title: String, xLabel: String, yLabel: String,
                               x: (SweepResult) -> Double, y: (SweepResult) -> Double, boundaries: [(Double, String)] = []) -> String {
        let grid = cells(results, x: x, y: y)
        let xs = Array(Set(results.map(x))).sorted(), ys = Array(Set(results.map(y))).sorted()
        let cw = 58.0, ch = 34.0, ml = 80.0, mt = 50.0
        let w = max(640, ml + cw * Double(max(1, xs.count)) + 260), h = mt + ch * Double(max(1, ys.count)) + 70
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"\(w / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(SVGChart.esc(title))</text>\n"
        for (i, xv) in xs.enumerated() {
            for (jj, yv) in ys.enumerated() {
                let px = ml + Double(i) * cw, py = mt + Double(ys.count - 1 - jj) * ch
                if let c = grid[xv]?[yv] {
                    svg += "<rect x=\"\(px)\" y=\"\(py)\" width=\"\(cw - 2)\" height=\"\(ch - 2)\" fill=\"\(colors[c.worst])\" fill-opacity=\"\(0.35 + 0.65 * Double(c.total - c.benign) / Double(max(1, c.total)) * (c.worst > 0 ? 1 : 0) + (c.worst == 0 ? 0.5 : 0))\"/>\n"
                    svg += "<text x=\"\(px + cw / 2 - 1)\" y=\"\(py + ch / 2 + 3)\" text-anchor=\"middle\">\(c.benign)/\(c.total)</text>\n"
                } else {
                    svg += "<rect x=\"\(px)\" y=\"\(py)\" width=\"\(cw - 2)\" height=\"\(ch - 2)\" fill=\"#eee\"/>\n"
                }
            }
            svg += "<text x=\"\(ml + Double(i) * cw + cw / 2)\" y=\"\(mt + Double(ys.count) * ch + 14)\" text-anchor=\"middle\">\(fmt(xv))</text>\n"
        }
        for (jj, yv) in ys.enumerated() {
            svg += "<text x=\"\(ml - 8)\" y=\"\(mt + Double(ys.count - 1 - jj) * ch + ch / 2 + 3)\" text-anchor=\"end\">\(fmt(yv))</text>\n"
        }
        // Boundary lines y = x + c over the grid's index space (only meaningful for integer axes).
        let dashes = ["", "2,3", "8,3"]
        for (bi, (c, label)) in boundaries.enumerated() {
            var pts: [String] = []
            for (i, xv) in xs.enumerated() {
                guard let jj = ys.firstIndex(where: { $0 >= xv + c }) else { continue }
                let py = mt + Double(ys.count - jj) * ch - 1
                pts.append("\(ml + Double(i) * cw),\(py) \(ml + Double(i + 1) * cw - 2),\(py)")
            }
            if !pts.isEmpty {
                let dash = dashes[bi % dashes.count]
                svg += "<polyline points=\"\(pts.joined(separator: " "))\" fill=\"none\" stroke=\"#000\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>\n"
                let ly = mt + 70 + Double(bi) * 16, lx = ml + Double(xs.count) * cw + 8
                svg += "<line x1=\"\(lx)\" y1=\"\(ly - 4)\" x2=\"\(lx + 24)\" y2=\"\(ly - 4)\" stroke=\"#000\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>"
                svg += "<text x=\"\(lx + 30)\" y=\"\(ly)\">\(SVGChart.esc(label))</text>\n"
            }
        }
        svg += "<text x=\"\(ml + Double(xs.count) * cw / 2)\" y=\"\(mt + Double(ys.count) * ch + 34)\" text-anchor=\"middle\">\(SVGChart.esc(xLabel))</text>\n"
        svg += "<text transform=\"translate(18,\(mt + Double(ys.count) * ch / 2)) rotate(-90)\" text-anchor=\"middle\">\(SVGChart.esc(yLabel))</text>\n"
        for (i, n) in names.enumerated() {
            let lx = ml + Double(xs.count) * cw + 8, ly = mt + Double(i) * 18
            svg += "<rect x=\"\(lx)\" y=\"\(ly)\" width=\"12\" height=\"12\" fill=\"\(colors[i])\"/><text x=\"\(lx + 16)\" y=\"\(ly + 10)\">\(n)</text>\n"
        }
        svg += "<text x=\"\(ml)\" y=\"\(h - 10)\" fill=\"#333\">cell: benign configurations / all configurations in the cell; color: worst verdict in the cell</text>\n"
        return svg + "</svg>\n"
    }

    /// Writes the diagrams, the counterexample points and `phase.md` into `dir`.
    public static func write(_ results: [SweepResult], to dir: String, source: String) throws -> [String] {
        var files: [String] = []
        let taus = Array(Set(results.map(\.config.tau))).sorted()
        for t in taus {
            let name = "phase_d_vs_K_tau\(fmt(t)).svg"
            try AtomicFile.write(heatMap(results.filter { $0.config.tau == t }, title: "Verdicts, τ = \(fmt(t)) (all n, ε, imbalance)",
                                         xLabel: "K (classes)", yLabel: "d (feature dimension)",
                                         x: { Double($0.config.K) }, y: { Double($0.config.d) },
                                         boundaries: [(1, "above: d > K (theorem)"), (-1, "above: d ≥ K − 1 (simplex ETF fits)")]), to: dir + "/" + name)
            files.append(name)
        }
        try AtomicFile.write(heatMap(results, title: "Verdicts: imbalance ratio against τ (all K, d, n, ε)", xLabel: "τ", yLabel: "majority/minority ratio",
                                     x: { $0.config.tau }, y: { Double($0.counts.max()!) / Double($0.counts.min()!) }), to: dir + "/phase_imbalance_vs_tau.svg")
        files.append("phase_imbalance_vs_tau.svg")
        try AtomicFile.write(heatMap(results, title: "Verdicts: label smoothing against τ (all K, d, n, imbalance)", xLabel: "τ", yLabel: "label smoothing ε",
                                     x: { $0.config.tau }, y: { $0.config.labelSmoothing }), to: dir + "/phase_smoothing_vs_tau.svg")
        files.append("phase_smoothing_vs_tau.svg")
        var counterexamples: [String] = []
        for r in results { for (i, p) in r.spuriousMinima.enumerated() {
            let name = "counterexamples/\(r.key)-\(i).json"
            try p.write(to: dir + "/" + name)
            counterexamples.append(name)
        } }
        try AtomicFile.write(markdown(results, files: files, counterexamples: counterexamples, source: source), to: dir + "/phase.md")
        return files
    }

    static func markdown(_ results: [SweepResult], files: [String], counterexamples: [String], source: String) -> String {
        var by: [String: Int] = [:]
        for r in results { by[r.verdict.rawValue, default: 0] += 1 }
        let inside = results.filter(\.theoremApplies)
        var md = "# Phase diagram\n\nFrom `\(source)`: \(results.count) configurations — "
        md += by.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ".\n\n"
        md += "Inside the theorem's assumptions (balanced, ε = 0, d > K): \(inside.count) configurations, "
        md += "\(inside.filter { $0.verdict == .benign }.count) benign.\n\n"
        md += "## By regime\n\n| regime | configurations | benign | inconclusive | spurious minimum found |\n|---|---|---|---|---|\n"
        let regimes: [(String, (SweepResult) -> Bool)] = [
            ("theorem: balanced, ε = 0, d > K", { $0.theoremApplies }),
            ("balanced, ε = 0, d = K", { $0.config.labelSmoothing == 0 && Set($0.counts).count == 1 && $0.config.d == $0.config.K }),
            ("balanced, ε = 0, d = K − 1", { $0.config.labelSmoothing == 0 && Set($0.counts).count == 1 && $0.config.d == $0.config.K - 1 }),
            ("balanced, ε = 0, d < K − 1", { $0.config.labelSmoothing == 0 && Set($0.counts).count == 1 && $0.config.d < $0.config.K - 1 }),
            ("imbalanced, ε = 0", { $0.config.labelSmoothing == 0 && Set($0.counts).count > 1 }),
            ("label smoothing ε > 0", { $0.config.labelSmoothing > 0 }),
        ]
        for (name, f) in regimes {
            let g = results.filter(f)
            md += "| \(name) | \(g.count) | \(g.filter { $0.verdict == .benign }.count) | \(g.filter { $0.verdict == .inconclusive }.count) | \(g.filter { $0.verdict == .spuriousMinimumFound }.count) |\n"
        }
        md += "\n## Diagrams\n\n" + files.map { "![\($0)](\($0))" }.joined(separator: "\n\n") + "\n"
        md += "\n## Configurations with spurious minima\n\n"
        let sp = results.filter { !$0.spuriousMinima.isEmpty }.sorted { $0.key < $1.key }
        if sp.isEmpty { md += "None found.\n" } else {
            md += "| configuration | lowest loss | spurious minimum losses | point files |\n|---|---|---|---|\n"
            for r in sp {
                let losses = r.spuriousMinima.compactMap { p -> String? in
                    guard let (m, x) = try? p.load() else { return nil }
                    return String(format: "%.8g", m.loss(at: x))
                }.joined(separator: ", ")
                let files = counterexamples.filter { $0.hasPrefix("counterexamples/\(r.key)-") }.map { "[\(($0 as NSString).lastPathComponent)](\($0))" }.joined(separator: " ")
                md += "| \(r.key) | \(r.lowestLoss.map { String(format: "%.8g", $0) } ?? "—") | \(losses) | \(files) |\n"
            }
        }
        return md
    }
}
