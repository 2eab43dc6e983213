import Foundation

/// Heat maps of sweep verdicts (`nclandscape phase`).
///
/// Configurations are never pooled across regimes: a regime is one loss, one label smoothing ε
/// and one imbalance ratio, and each gets its own file of d-against-K maps, one panel per τ
/// (cells pool only the sample counts n). The theorem's regime (cross-entropy, balanced, ε = 0)
/// also stands alone. `--where key=value` selectors restrict what is drawn.
public enum PhaseDiagram {
    /// Verdict severity used when several configurations share a cell: the worst one colors it.
    static func severity(_ v: VerifySummary.Verdict) -> Int {
        switch v { case .spuriousMinimumFound: return 2; case .inconclusive: return 1; case .benign: return 0 }
    }
    static let colors = ["#4daf4a", "#ff9f1c", "#e41a1c"]
    static let names = ["all benign", "some inconclusive", "spurious minimum found"]
    /// The verdicts in the legend's mixed-cell rows (short enough for its width at 11 px).
    static let shortNames = ["benign", "inconclusive", "spurious"]

    public struct Cell { public var total = 0; public var benign = 0; public var inconclusive = 0; public var spurious = 0; public var worst = 0 }

    /// A filter on sweep results: `key=value` with keys K, d, n, loss (a kind such as `cosface`,
    /// or a full name such as `cosface-m0.35`; `cross-entropy` or `mse` for the regularized model),
    /// starts, seed, and the model's own: tau, labelSmoothing (or eps), imbalance for the
    /// normalized model, lambdaW, lambdaH, lambdaB (or lambda-w, lambda-h, lambda-b) for the
    /// regularized one.
    public struct Selector: Sendable, CustomStringConvertible {
        public enum Key: String, CaseIterable, Sendable { case K, d, n, tau, labelSmoothing, imbalance, loss, starts, seed, lambdaW, lambdaH, lambdaB }
        static let normalizedOnly: Set<Key> = [.tau, .labelSmoothing, .imbalance]
        static let regularizedOnly: Set<Key> = [.lambdaW, .lambdaH, .lambdaB]
        static let aliases = ["eps": "labelSmoothing", "lambda-w": "lambdaW", "lambda-h": "lambdaH", "lambda-b": "lambdaB"]
        public let key: Key
        public let value: String

        public init(parsing text: String) throws {
            let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[1].isEmpty else { throw InputError("--where: expected key=value, got '\(text)'") }
            let name = Self.aliases[parts[0]] ?? parts[0]
            guard let k = Key(rawValue: name) else {
                throw InputError("--where: unknown key '\(parts[0])'; use one of \(Key.allCases.map(\.rawValue).joined(separator: ", ")) (or eps, lambda-w, lambda-h, lambda-b)")
            }
            // lambdaB=none selects the configurations without a bias.
            if k != .loss, !(k == .lambdaB && parts[1] == "none"), Double(parts[1]) == nil {
                throw InputError("--where \(k.rawValue): '\(parts[1])' is not a number")
            }
            key = k; value = parts[1]
        }

        /// Refuses, in one line, a key the file's model does not have.
        public static func check(_ selectors: [Selector], regularized: Bool) throws {
            let foreign = selectors.filter { (regularized ? normalizedOnly : regularizedOnly).contains($0.key) }
            guard foreign.isEmpty else {
                throw InputError("--where \(foreign.map(\.key.rawValue).joined(separator: ", ")): a key of \(regularized ? "normalized" : "regularized") sweeps, and this file is a \(regularized ? "regularized" : "normalized") sweep")
            }
        }

        func eq(_ a: Double) -> Bool { abs(a - Double(value)!) <= 1e-12 * max(1, abs(a)) }

        public func matches(_ r: RegularizedSweepResult) -> Bool {
            let c = r.config
            switch key {
            case .K: return eq(Double(c.K))
            case .d: return eq(Double(c.d))
            case .n: return eq(Double(c.n))
            case .lambdaW: return eq(c.lambdaW)
            case .lambdaH: return eq(c.lambdaH)
            case .lambdaB: return value == "none" ? c.lambdaB == nil : c.lambdaB.map(eq) ?? false
            case .loss: return c.loss.rawValue == value
            case .starts: return eq(Double(r.census.randomStarts))
            case .seed: return eq(Double(r.census.seed))
            case .tau, .labelSmoothing, .imbalance: return false
            }
        }

        public var description: String { "\(key.rawValue)=\(value)" }

        public func matches(_ r: SweepResult) -> Bool {
            let c = r.config
            switch key {
            case .K: return eq(Double(c.K))
            case .d: return eq(Double(c.d))
            case .n: return eq(Double(c.n))
            case .tau: return eq(c.tau)
            case .labelSmoothing: return eq(c.labelSmoothing)
            case .imbalance: return eq(PhaseDiagram.ratio(r))
            case .loss: return c.loss.name == value || c.loss.kind == value
            case .starts: return eq(Double(r.starts))
            case .seed: return eq(Double(r.seed))
            case .lambdaW, .lambdaH, .lambdaB: return false
            }
        }
    }

    /// Majority-to-minority ratio of the class counts.
    static func ratio(_ r: SweepResult) -> Double { Double(r.counts.max() ?? 1) / Double(max(1, r.counts.min() ?? 1)) }

    /// One loss, one ε, one imbalance ratio.
    public struct Regime: Hashable, Comparable, Sendable {
        public var loss: LossFunction
        public var labelSmoothing: Double
        public var imbalance: Double

        init(_ r: SweepResult) { loss = r.config.loss; labelSmoothing = r.config.labelSmoothing; imbalance = PhaseDiagram.ratio(r) }

        /// Cross-entropy, balanced, ε = 0: where the theorem speaks (for d > K).
        public var isTheorems: Bool { loss == .crossEntropy && labelSmoothing == 0 && imbalance == 1 }

        public var title: String {
            "\(loss.name), " + (imbalance == 1 ? "balanced" : "imbalance \(PhaseDiagram.fmt(imbalance)):1") + ", ε = \(PhaseDiagram.fmt(labelSmoothing))"
        }
        public var slug: String {
            "\(loss.name)-imb\(PhaseDiagram.fmt(imbalance))-eps\(PhaseDiagram.fmt(labelSmoothing))"
        }

        /// Rows by the registry's order of losses, then by the parameter values.
        static func order(_ l: LossFunction) -> (Int, [Double]) { (LossRegistry.rank(of: l.kind), l.definition.parameterValues) }
        public static func < (a: Regime, b: Regime) -> Bool {
            let (ra, pa) = order(a.loss), (rb, pb) = order(b.loss)
            if ra != rb { return ra < rb }
            if pa != pb { return pa.lexicographicallyPrecedes(pb) }
            return (a.labelSmoothing, a.imbalance) < (b.labelSmoothing, b.imbalance)
        }
    }

    static func cells<R: SweepLine>(_ results: [R], x: (R) -> Double, y: (R) -> Double) -> [Double: [Double: Cell]] {
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

    /// Fill opacity of an all-benign cell, and of a cell whose worst verdict is not benign, with
    /// `share` of its configurations not benign (shared by the cells and the legend).
    static let benignOpacity = 0.85
    static func mixedOpacity(share: Double) -> Double { 0.35 + 0.65 * share }

    /// One heat-map panel drawn at the origin: one rectangle per (x, y), colored by the worst
    /// verdict, labelled "benign/total". `boundaries` draws lines y = x + c (e.g. d = K + 1).
    /// `xs`/`ys` fix the axes so that panels of one figure line up.
    /// `levels` draws horizontal lines under the first row with y ≥ level (e.g. d > K in a panel
    /// of one K), styled like the boundaries of the same index.
    static func panel<R: SweepLine>(_ results: [R], title: String, xLabel: String, yLabel: String, xs: [Double], ys: [Double],
                                    x: (R) -> Double, y: (R) -> Double, yNames: [Double: String] = [:],
                                    boundaries: [(Double, String)] = [], levels: [Double] = []) -> (svg: String, width: Double, height: Double) {
        let grid = cells(results, x: x, y: y)
        // The left margin fits the longest row label (≈ 6.5 px per character at this font size)
        // plus the rotated axis title, so names like "cosface-m0.35" are neither cut nor overlapped.
        let longest = ys.map { (yNames[$0] ?? fmt($0)).count }.max() ?? 3
        let cw = 46.0, ch = 26.0, ml = max(70.0, 36 + 6.5 * Double(longest)), mt = 40.0
        let w = ml + cw * Double(max(1, xs.count)) + 16, h = mt + ch * Double(max(1, ys.count)) + 44
        var svg = "<text x=\"\(ml + cw * Double(xs.count) / 2)\" y=\"24\" text-anchor=\"middle\" font-size=\"13\">\(SVGChart.esc(title))</text>\n"
        for (i, xv) in xs.enumerated() {
            for (jj, yv) in ys.enumerated() {
                let px = ml + Double(i) * cw, py = mt + Double(ys.count - 1 - jj) * ch
                if let c = grid[xv]?[yv] {
                    // Opacity grows with the share of non-benign configurations, so a cell with one
                    // bad configuration out of eight reads lighter than one where all are bad.
                    let share = Double(c.total - c.benign) / Double(max(1, c.total))
                    let opacity = c.worst == 0 ? benignOpacity : mixedOpacity(share: share)
                    svg += "<rect x=\"\(px)\" y=\"\(py)\" width=\"\(cw - 2)\" height=\"\(ch - 2)\" fill=\"\(colors[c.worst])\" fill-opacity=\"\(opacity)\"/>\n"
                    svg += "<text x=\"\(px + cw / 2 - 1)\" y=\"\(py + ch / 2 + 3)\" text-anchor=\"middle\" font-size=\"10\">\(c.benign)/\(c.total)</text>\n"
                } else {
                    svg += "<rect x=\"\(px)\" y=\"\(py)\" width=\"\(cw - 2)\" height=\"\(ch - 2)\" fill=\"#eee\"/>\n"
                }
            }
            svg += "<text x=\"\(ml + Double(i) * cw + cw / 2)\" y=\"\(mt + Double(ys.count) * ch + 13)\" text-anchor=\"middle\">\(fmt(xv))</text>\n"
        }
        for (jj, yv) in ys.enumerated() {
            svg += "<text x=\"\(ml - 6)\" y=\"\(mt + Double(ys.count - 1 - jj) * ch + ch / 2 + 3)\" text-anchor=\"end\">\(SVGChart.esc(yNames[yv] ?? fmt(yv)))</text>\n"
        }
        let dashes = ["", "5,3"]
        for (bi, (c, _)) in boundaries.enumerated() {
            var pts: [String] = []
            for (i, xv) in xs.enumerated() {
                guard let jj = ys.firstIndex(where: { $0 >= xv + c }) else { continue }
                let py = mt + Double(ys.count - jj) * ch - 1
                pts.append("\(ml + Double(i) * cw),\(py) \(ml + Double(i + 1) * cw - 2),\(py)")
            }
            guard !pts.isEmpty else { continue }
            let dash = dashes[bi % dashes.count]
            svg += "<polyline points=\"\(pts.joined(separator: " "))\" fill=\"none\" stroke=\"#000\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>\n"
        }
        for (bi, level) in levels.enumerated() {
            guard let jj = ys.firstIndex(where: { $0 >= level }), jj > 0 else { continue }
            let py = mt + Double(ys.count - jj) * ch - 1
            let dash = dashes[bi % dashes.count]
            svg += "<line x1=\"\(ml)\" y1=\"\(py)\" x2=\"\(ml + Double(xs.count) * cw - 2)\" y2=\"\(py)\" stroke=\"#000\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>\n"
        }
        svg += "<text x=\"\(ml + Double(xs.count) * cw / 2)\" y=\"\(mt + Double(ys.count) * ch + 30)\" text-anchor=\"middle\">\(SVGChart.esc(xLabel))</text>\n"
        // The rotated axis title runs along the plot's height: on a one-row panel "d (feature
        // dimension)" is taller than the panel and ran into its neighbours, so it drops its
        // parenthesis there ("d").
        let plotHeight = Double(ys.count) * ch
        let shortLabel = yLabel.components(separatedBy: " (").first ?? yLabel
        let label = SVGChart.textWidth(yLabel, fontSize: 11) <= plotHeight + 30 ? yLabel : shortLabel
        svg += "<text transform=\"translate(16,\(mt + plotHeight / 2)) rotate(-90)\" text-anchor=\"middle\">\(SVGChart.esc(label))</text>\n"
        return (svg, w, h)
    }

    /// Panels side by side (wrapping after `perRow`), a title and one legend.
    static func figure(title: String, panels: [(svg: String, width: Double, height: Double)], boundaries: [(Double, String)],
                       perRow: Int = 3, note: String) -> String {
        let pw = panels.map(\.width).max() ?? 300, ph = panels.map(\.height).max() ?? 200
        let rows = (panels.count + perRow - 1) / perRow
        let legendW = 270.0
        let w = Double(min(perRow, max(1, panels.count))) * pw + legendW
        // Title and footer wrap to the figure's width: a title centred over the panels alone ran
        // past the left edge ("gime: cross-entropy…"), and a long footer past the right one.
        let titleLines = SVGChart.wrap(title, width: w - 20, fontSize: 15)
        let noteLines = SVGChart.wrap(note, width: w - 20, fontSize: 11)
        let top = 30 + 18 * Double(titleLines.count - 1)
        // The legend: one solid swatch per verdict, then the lighter shades of mixed cells.
        let legendRows = names.count + 1 + (colors.count - 1) + boundaries.count
        let h = max(top + 10 + Double(rows) * ph, top + 30 + Double(legendRows) * 18 + 20) + 14 * Double(noteLines.count) + 16
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (i, line) in titleLines.enumerated() {
            svg += "<text x=\"\(w / 2)\" y=\"\(22 + 18 * Double(i))\" text-anchor=\"middle\" font-size=\"15\">\(SVGChart.esc(line))</text>\n"
        }
        for (i, p) in panels.enumerated() {
            svg += "<g transform=\"translate(\(Double(i % perRow) * pw),\(top + Double(i / perRow) * ph))\">\n\(p.svg)</g>\n"
        }
        let lx = w - legendW + 10
        let legendTop = top + 20
        for (i, n) in names.enumerated() {
            let ly = legendTop + Double(i) * 18
            svg += "<rect x=\"\(lx)\" y=\"\(ly)\" width=\"12\" height=\"12\" fill=\"\(colors[i])\" fill-opacity=\"\(i == 0 ? benignOpacity : mixedOpacity(share: 1))\"/><text x=\"\(lx + 16)\" y=\"\(ly + 10)\">\(n)\(i == 0 ? "" : " (whole cell)")</text>\n"
        }
        // Mixed cells: the worst verdict's colour, lighter the fewer configurations have it.
        svg += "<text x=\"\(lx)\" y=\"\(legendTop + Double(names.count) * 18 + 10)\">mixed cell, lighter = fewer of them:</text>\n"
        for i in 1 ..< colors.count {
            let ly = legendTop + Double(names.count + i) * 18
            svg += "<rect x=\"\(lx)\" y=\"\(ly)\" width=\"12\" height=\"12\" fill=\"\(colors[i])\" fill-opacity=\"\(mixedOpacity(share: 0.25))\"/><text x=\"\(lx + 16)\" y=\"\(ly + 10)\">\(shortNames[i]) in 1 of 4, rest benign</text>\n"
        }
        let dashes = ["", "5,3"]
        for (bi, (_, label)) in boundaries.enumerated() {
            let ly = legendTop + Double(names.count + colors.count + bi) * 18 + 10
            let dash = dashes[bi % dashes.count]
            svg += "<line x1=\"\(lx)\" y1=\"\(ly - 4)\" x2=\"\(lx + 24)\" y2=\"\(ly - 4)\" stroke=\"#000\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")/>"
            svg += "<text x=\"\(lx + 30)\" y=\"\(ly)\">\(SVGChart.esc(label))</text>\n"
        }
        for (i, line) in noteLines.enumerated() {
            svg += "<text x=\"10\" y=\"\(h - 10 - 14 * Double(noteLines.count - 1 - i))\" fill=\"#333\">\(SVGChart.esc(line))</text>\n"
        }
        return svg + "</svg>\n"
    }

    static let dBoundaries: [(Double, String)] = [(1, "above: d > K (the theorem)"), (-1, "above: d ≥ K − 1 (ETF fits)")]

    /// d-against-K maps of one set of results, one panel per τ.
    static func dVersusK(_ results: [SweepResult], title: String) -> String {
        let ks = Array(Set(results.map { Double($0.config.K) })).sorted(), ds = Array(Set(results.map { Double($0.config.d) })).sorted()
        let panels = Array(Set(results.map(\.config.tau))).sorted().map { t in
            panel(results.filter { $0.config.tau == t }, title: "τ = \(fmt(t))", xLabel: "K (classes)", yLabel: "d (feature dimension)",
                  xs: ks, ys: ds, x: { Double($0.config.K) }, y: { Double($0.config.d) }, boundaries: dBoundaries)
        }
        return figure(title: title, panels: panels, boundaries: dBoundaries,
                      note: "cell: benign / all configurations (pooled over the sample counts n); color: worst verdict in the cell")
    }

    /// One variable against τ, split by the position of d relative to K.
    static func versusTau(_ results: [SweepResult], title: String, yLabel: String, y: @escaping (SweepResult) -> Double,
                          yNames: [Double: String] = [:]) -> String {
        let taus = Array(Set(results.map(\.config.tau))).sorted(), ys = Array(Set(results.map(y))).sorted()
        let groups: [(String, (SweepResult) -> Bool)] = [("d ≥ K", { $0.config.d >= $0.config.K }), ("d = K − 1", { $0.config.d == $0.config.K - 1 }),
                                                         ("d < K − 1", { $0.config.d < $0.config.K - 1 })]
        let panels = groups.compactMap { name, f -> (svg: String, width: Double, height: Double)? in
            let g = results.filter(f)
            return g.isEmpty ? nil : panel(g, title: name, xLabel: "τ", yLabel: yLabel, xs: taus, ys: ys, x: { $0.config.tau }, y: y, yNames: yNames)
        }
        return figure(title: title, panels: panels, boundaries: [], note: "cell: benign / all configurations (pooled over K, d in the group, n); color: worst verdict in the cell")
    }

    /// Writes the diagrams, the counterexample points and `phase.md` into `dir`; returns the
    /// diagram file names.
    public static func write(_ all: [SweepResult], to dir: String, source: String, selectors: [Selector] = []) throws -> [String] {
        // A key names counterexample files: it must be the configuration's own key (as `merge`
        // checks), which holds no path separator — a line with key `../../x` wrote outside `dir`.
        for r in all {
            try Sweep.checkConsistent(r, path: source)
            guard !r.key.contains("/"), !r.key.hasPrefix("."), !r.key.contains("..") else {
                throw InputError("\(source): the key \(r.key) is not a plain name; the file was edited or is damaged")
            }
        }
        try Selector.check(selectors, regularized: false)
        let results = try SweepResult.distinct(all.filter { r in selectors.allSatisfy { $0.matches(r) } }, source: source)
        guard !results.isEmpty else { throw InputError("no sweep result matches \(selectors.map(\.description).joined(separator: " "))") }
        // One line per configuration: several searches of one configuration would be counted twice.
        let searches = Set(results.map(\.searchSignature))
        if Set(results.map(\.key)).count != results.count {
            throw InputError("the results hold more than one search of some configurations (\(searches.sorted().joined(separator: ", "))); pick one with --where seed=… and --where starts=…")
        }
        var files: [String] = []
        let regimes = Dictionary(grouping: results, by: Regime.init)
        for regime in regimes.keys.sorted() {
            let name = regime.isTheorems ? "phase_theorem_regime.svg" : "phase_\(regime.slug).svg"
            let title = regime.isTheorems ? "The theorem's regime: \(regime.title) (the theorem covers d > K)" : "Verdicts: \(regime.title)"
            try AtomicFile.write(dVersusK(regimes[regime]!, title: title), to: dir + "/" + name)
            files.append(name)
        }
        let ce = results.filter { $0.config.loss == .crossEntropy }
        let ceNoSmoothing = ce.filter { $0.config.labelSmoothing == 0 }
        if Set(ceNoSmoothing.map(ratio)).count > 1 {
            try AtomicFile.write(versusTau(ceNoSmoothing, title: "Imbalance against τ (cross-entropy, ε = 0)", yLabel: "majority/minority ratio", y: ratio),
                                 to: dir + "/phase_imbalance_vs_tau.svg")
            files.append("phase_imbalance_vs_tau.svg")
        }
        let ceBalanced = ce.filter { ratio($0) == 1 }
        if Set(ceBalanced.map(\.config.labelSmoothing)).count > 1 {
            try AtomicFile.write(versusTau(ceBalanced, title: "Label smoothing against τ (cross-entropy, balanced)", yLabel: "label smoothing ε",
                                           y: { $0.config.labelSmoothing }), to: dir + "/phase_smoothing_vs_tau.svg")
            files.append("phase_smoothing_vs_tau.svg")
        }
        let plain = results.filter { ratio($0) == 1 && $0.config.labelSmoothing == 0 }
        let losses = Array(Set(plain.map(\.config.loss))).sorted {
            let (ra, pa) = Regime.order($0), (rb, pb) = Regime.order($1)
            return ra != rb ? ra < rb : pa.lexicographicallyPrecedes(pb)
        }
        if losses.count > 1 {
            let index = Dictionary(uniqueKeysWithValues: losses.enumerated().map { ($0.element, Double($0.offset)) })
            let names = Dictionary(uniqueKeysWithValues: losses.enumerated().map { (Double($0.offset), $0.element.name) })
            try AtomicFile.write(versusTau(plain, title: "Loss against τ (balanced, ε = 0)", yLabel: "loss", y: { index[$0.config.loss]! }, yNames: names),
                                 to: dir + "/phase_loss_vs_tau.svg")
            files.append("phase_loss_vs_tau.svg")
        }
        // Keyed by configuration: one key can be a prefix of another's ("…-eps0.0" and
        // "…-eps0.0-focal-g1"), so files are never matched by name.
        var counterexamples: [String: [String]] = [:]
        for r in results { for (i, p) in r.spuriousMinima.enumerated() {
            let name = "counterexamples/\(r.key)-\(i).json"
            try p.write(to: dir + "/" + name)
            counterexamples[r.key, default: []].append(name)
        } }
        try AtomicFile.write(markdown(results, regimes: regimes, files: files, counterexamples: counterexamples, source: source, selectors: selectors),
                             to: dir + "/phase.md")
        return files
    }

    static func counts(_ g: [SweepResult]) -> String {
        let starts = g.map(\.starts)
        let bounds = g.compactMap(\.missingMassBound)
        let coverage = bounds.count == g.count ? PopulationCoverage.percent(bounds.max() ?? .nan) : "not measured"
        return "\(g.count) | \(g.filter { $0.verdict == .benign }.count) | \(g.filter { $0.verdict == .inconclusive }.count) | \(g.filter { $0.verdict == .spuriousMinimumFound }.count)"
            + " | \(starts.min() ?? 0)–\(starts.max() ?? 0) | \(coverage)"
    }

    /// One row per configuration: its search, its coverage and its verdict.
    static func coverageTable(_ results: [SweepResult]) -> String {
        var md = "| configuration | verdict | random starts | descent classes | missing mass ≤ | target met | distinct points | certified labels | saddle regions |\n|---|---|---|---|---|---|---|---|---|\n"
        for r in results.sorted(by: { $0.key < $1.key }) {
            let p = r.populations?.first { $0.origin == CoverageTarget.controllingOrigin(r.startMix ?? .descent) }
            md += "| \(r.key) | \(r.verdict.rawValue) | \(r.starts) | \(p.map { "\($0.classes)" } ?? "—") | "
                + "\(r.missingMassBound.map(PopulationCoverage.percent) ?? "not measured") | "
                + "\(r.coverageTargetMet.map { $0 ? "yes" : "**no** (cap)" } ?? "fixed starts") | \(r.distinctCriticalPoints) | "
                + "\(r.certifiedPoints.map { "\($0) of \(r.certificationAttempted ?? 0) attempted" } ?? "not attempted") | "
                + "\(r.saddleRegionPoints.map(String.init) ?? "—") |\n"
        }
        return md
    }

    static func markdown(_ results: [SweepResult], regimes: [Regime: [SweepResult]], files: [String], counterexamples: [String: [String]],
                         source: String, selectors: [Selector]) -> String {
        var by: [String: Int] = [:]
        for r in results { by[r.verdict.rawValue, default: 0] += 1 }
        let inside = results.filter(\.theoremApplies)
        var md = "# Phase diagram\n\nFrom `\(source)`" + (selectors.isEmpty ? "" : " where " + selectors.map { "`\($0)`" }.joined(separator: ", "))
        md += ": \(results.count) configurations — " + by.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ".\n\n"
        md += "Inside the theorem's assumptions (cross-entropy, balanced, ε = 0, d > K): \(inside.count) configurations, "
        md += "\(inside.filter { $0.verdict == .benign }.count) benign.\n\n"
        md += "## By regime and by d relative to K\n\n| regime | d vs K | configurations | benign | inconclusive | spurious minimum found | random starts per configuration | largest missing mass |\n|---|---|---|---|---|---|---|---|\n"
        let bands: [(String, (SweepResult) -> Bool)] = [("d > K", { $0.config.d > $0.config.K }), ("d = K", { $0.config.d == $0.config.K }),
                                                        ("d = K − 1", { $0.config.d == $0.config.K - 1 }), ("d < K − 1", { $0.config.d < $0.config.K - 1 })]
        for regime in regimes.keys.sorted() {
            for (band, f) in bands {
                let g = regimes[regime]!.filter(f)
                if !g.isEmpty { md += "| \(regime.title) | \(band) | \(counts(g)) |\n" }
            }
        }
        md += "\nMissing mass: the descent starts' max(Good–Turing f₁/S, rule of three 3/S), the estimated probability that one more "
        md += "start lands on a critical point not yet seen. A spurious minimum is a counterexample whatever the coverage; "
        md += "a benign cell is only as good as its coverage.\n"
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
                let files = (counterexamples[r.key] ?? []).map { "[\(($0 as NSString).lastPathComponent)](\($0))" }.joined(separator: " ")
                md += "| \(r.key) | \(r.lowestLoss.map { String(format: "%.8g", $0) } ?? "—") | \(losses) | \(files) |\n"
            }
        }
        md += "\n## Every configuration: search and coverage\n\n" + coverageTable(results)
        let inconclusive = results.filter { $0.verdict == .inconclusive }.sorted { $0.key < $1.key }
        if !inconclusive.isEmpty {
            md += "\n## Inconclusive configurations\n\n| configuration | degenerate points (losses) | undetermined | minimizer found |\n|---|---|---|---|\n"
            for r in inconclusive {
                let minimizers = CriticalPointClass.allCases.filter(\.isMinimizer).reduce(0) { $0 + (r.classCounts[$1.rawValue] ?? 0) }
                md += "| \(r.key) | \(r.degenerateLosses.map { String(format: "%.8g", $0) }.joined(separator: ", ")) | "
                    + "\(r.classCounts[CriticalPointClass.undetermined.rawValue] ?? 0) | \(minimizers > 0 ? "yes" : "**no**") |\n"
            }
            md += "\nA configuration where the search found no minimizer at all is inconclusive: every compact landscape has one, "
                + "so the search did not cover it.\n"
        }
        return md
    }
}
