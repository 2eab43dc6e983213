import Foundation

/// `nclandscape phase` for a regularized sweep: `phase.md` (one row per configuration),
/// `phase.json` and `phase.csv` (the same rows), one SVG map per regime (loss and λ_b) of the
/// verdict over d against λ_W, one panel per (K, λ_H), and the spurious minima as point files.
/// The maps reuse `PhaseDiagram`'s panels, colors and legend.
public enum RegularizedPhaseDiagram {
    /// One configuration's row of `phase.md`, `phase.json` and `phase.csv`.
    public struct Row: Codable, Sendable {
        public var key: String
        public var K: Int
        public var d: Int
        public var n: Int
        public var lambdaW: Double
        public var lambdaH: Double
        @NullEncodable public var lambdaB: Double?
        public var loss: RegularizedLoss
        public var randomStarts: Int
        public var seed: UInt64
        public var distinctCriticalPoints: Int
        /// Distinct points labelled minimizers of any kind.
        public var minimizers: Int
        public var verdict: VerifySummary.Verdict
        public var theoremApplies: Bool
        /// Null where there is no closed form.
        @NullEncodable public var closedFormOptimumFound: Bool?
        @NullEncodable public var fStar: Double?
        @NullEncodable public var lowestLoss: Double?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case key, K, d, n, lambdaW, lambdaH, lambdaB, loss, randomStarts, seed, distinctCriticalPoints, minimizers, verdict,
                 theoremApplies, closedFormOptimumFound, fStar, lowestLoss
        }

        public init(_ r: RegularizedSweepResult) {
            let c = r.config
            key = r.key; K = c.K; d = c.d; n = c.n; lambdaW = c.lambdaW; lambdaH = c.lambdaH; lambdaB = c.lambdaB; loss = c.loss
            randomStarts = r.census.randomStarts; seed = r.census.seed
            distinctCriticalPoints = r.census.distinctCriticalPoints; minimizers = r.census.minimizers
            verdict = r.verdict; theoremApplies = r.census.theoremApplies
            closedFormOptimumFound = r.closedFormOptimumFound; fStar = r.census.fStar; lowestLoss = r.lowestLoss
        }

        /// The CSV cells, in `CodingKeys` order (empty for null; numbers as Swift prints them, which round-trip).
        var csvCells: [String] {
            [key, "\(K)", "\(d)", "\(n)", "\(lambdaW)", "\(lambdaH)", lambdaB.map { "\($0)" } ?? "", loss.rawValue, "\(randomStarts)", "\(seed)",
             "\(distinctCriticalPoints)", "\(minimizers)", verdict.rawValue, "\(theoremApplies)",
             closedFormOptimumFound.map { "\($0)" } ?? "", fStar.map { "\($0)" } ?? "", lowestLoss.map { "\($0)" } ?? ""]
        }
    }

    /// One loss with one bias setting: configurations of different regimes are never pooled.
    struct Regime: Hashable, Comparable {
        var loss: RegularizedLoss
        var lambdaB: Double?

        init(_ r: RegularizedSweepResult) { loss = r.config.loss; lambdaB = r.config.lambdaB }

        var title: String { "\(loss.rawValue), " + (lambdaB.map { "bias, λ_b = \(PhaseDiagram.fmt($0))" } ?? "no bias") }
        var slug: String { RegularizedSweepConfiguration.code(loss) + (lambdaB.map { "-b\(PhaseDiagram.fmt($0))" } ?? "") }

        static func < (a: Regime, b: Regime) -> Bool {
            let ia = RegularizedLoss.allCases.firstIndex(of: a.loss)!, ib = RegularizedLoss.allCases.firstIndex(of: b.loss)!
            if ia != ib { return ia < ib }
            return (a.lambdaB ?? -1) < (b.lambdaB ?? -1)
        }

        var hasClosedForm: Bool { !(loss == .mse && lambdaB != nil) }

        /// The smallest d with a closed-form optimum (docs/formulas.md §8), or nil (MSE with a bias).
        func closedFormMinimumD(K: Int) -> Int? {
            switch loss {
            case .crossEntropy: return K - 1
            case .mse: return hasClosedForm ? K : nil
            }
        }
    }

    /// Writes `phase.md`, `phase.json`, `phase.csv`, the maps and the counterexample points into
    /// `dir`; returns the map file names. Refuses two lines of one configuration with different
    /// results, and two searches of one configuration (they would be counted twice).
    public static func write(_ all: [RegularizedSweepResult], to dir: String, source: String,
                             selectors: [PhaseDiagram.Selector] = []) throws -> [String] {
        for r in all { try r.checkConsistent(path: source) }
        try PhaseDiagram.Selector.check(selectors, regularized: true)
        var results = try RegularizedSweepResult.distinct(all.filter { r in selectors.allSatisfy { $0.matches(r) } }, source: source)
        guard !results.isEmpty else { throw InputError("no sweep result matches \(selectors.map(\.description).joined(separator: " "))") }
        if Set(results.map(\.key)).count != results.count {
            throw InputError("\(source) holds more than one search of some configurations (\(Set(results.map(\.searchSignature)).sorted().joined(separator: ", "))); phase one search at a time")
        }
        results.sort { $0.key < $1.key }
        var files: [String] = []
        let regimes = Dictionary(grouping: results, by: Regime.init)
        for regime in regimes.keys.sorted() {
            let name = "phase_regularized_\(regime.slug).svg"
            try AtomicFile.write(map(regimes[regime]!, regime: regime), to: dir + "/" + name)
            files.append(name)
        }
        let rows = results.map(Row.init)
        try AtomicFile.write(JSONOutput.encodeArray(rows), to: dir + "/phase.json")
        try AtomicFile.write(csv(rows), to: dir + "/phase.csv")
        let counterexamples = try writeCounterexamples(results, to: dir)
        try AtomicFile.write(markdown(results, rows: rows, files: files, counterexamples: counterexamples, source: source, selectors: selectors),
                             to: dir + "/phase.md")
        return files
    }

    static func csv(_ rows: [Row]) -> String {
        Row.CodingKeys.allCases.map(\.stringValue).joined(separator: ",") + "\n" + rows.map { $0.csvCells.joined(separator: ",") + "\n" }.joined()
    }

    /// d against λ_W, one panel per (K, λ_H); lines under d = K + 1 (the theorem's d > K) and
    /// under the smallest d with a closed-form optimum.
    static func map(_ results: [RegularizedSweepResult], regime: Regime) -> String {
        let lambdaWs = Array(Set(results.map(\.config.lambdaW))).sorted(), ds = Array(Set(results.map { Double($0.config.d) })).sorted()
        var keys: [(K: Int, lambdaH: Double)] = []
        for r in results where !keys.contains(where: { $0 == (r.config.K, r.config.lambdaH) }) { keys.append((r.config.K, r.config.lambdaH)) }
        keys.sort { ($0.K, $0.lambdaH) < ($1.K, $1.lambdaH) }
        let closedForm = regime.loss == .crossEntropy ? "d ≥ K − 1" : "d ≥ K"
        var boundaries: [(Double, String)] = [(1, "above: d > K (the theorem)")]
        if regime.hasClosedForm { boundaries.append((0, "above: \(closedForm) (closed-form optimum)")) }
        let panels = keys.map { key in
            let levels = [Double(key.K + 1)] + (regime.closedFormMinimumD(K: key.K).map { [Double($0)] } ?? [])
            return PhaseDiagram.panel(results.filter { $0.config.K == key.K && $0.config.lambdaH == key.lambdaH },
                                      title: "K = \(key.K), λ_H = \(PhaseDiagram.fmt(key.lambdaH))", xLabel: "λ_W (classifiers)",
                                      yLabel: "d (feature dimension)", xs: lambdaWs, ys: ds, x: { $0.config.lambdaW }, y: { Double($0.config.d) },
                                      levels: levels)
        }
        return PhaseDiagram.figure(title: "Regularized model: \(regime.title)", panels: panels, boundaries: boundaries,
                                   note: "cell: benign / all configurations (pooled over the sample counts n); color: worst verdict in the cell")
    }

    /// The spurious minima as regularized point files, `counterexamples/KEY-i.json`, by key.
    static func writeCounterexamples(_ results: [RegularizedSweepResult], to dir: String) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for r in results {
            // The key names files: it must be a plain name (a line with key `../x` wrote outside `dir`).
            guard !r.key.contains("/"), !r.key.hasPrefix("."), !r.key.contains("..") else {
                throw InputError("the key \(r.key) is not a plain name; the file was edited or is damaged")
            }
            let spurious = r.census.points.filter { $0.classification == .spuriousLocalMinimizer }
            guard !spurious.isEmpty else { continue }
            let p = try r.config.makeObjective()
            for (i, q) in spurious.enumerated() {
                let columns = q.classifiers + q.features
                guard columns.count == p.K + p.N, columns.allSatisfy({ $0.count == p.rows }) else {
                    throw InputError("configuration \(r.key): point \(q.id) does not have the problem's \(p.K + p.N) columns of \(p.rows) entries")
                }
                var x = Matrix(rows: p.rows, cols: p.K + p.N)
                for (c, v) in columns.enumerated() { for i in 0 ..< p.rows { x[i, c] = v[i] } }
                let name = "counterexamples/\(r.key)-\(i).json"
                try RegularizedPointFile(model: p, point: x).write(to: dir + "/" + name)
                out[r.key, default: []].append(name)
            }
        }
        return out
    }

    static func markdown(_ results: [RegularizedSweepResult], rows: [Row], files: [String], counterexamples: [String: [String]], source: String,
                         selectors: [PhaseDiagram.Selector] = []) -> String {
        func g(_ v: Double?) -> String { v.map { String(format: "%.10g", $0) } ?? "—" }
        var by: [String: Int] = [:]
        for r in results { by[r.verdictName, default: 0] += 1 }
        let inside = results.filter(\.census.theoremApplies)
        let closed = rows.filter { $0.closedFormOptimumFound != nil }
        var md = "# Phase diagram of the regularized model\n\nFrom `\(source)`" + (selectors.isEmpty ? "" : " where " + selectors.map { "`\($0)`" }.joined(separator: ", "))
            + ": \(results.count) configurations — "
        md += by.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ".\n\n"
        md += "Inside the theorems' assumptions (balanced, d > K; Zhu et al. 2021 for cross-entropy, Zhou et al. 2022 for MSE): "
        md += "\(inside.count) configurations, \(inside.filter { $0.verdict == .benign }.count) benign. "
        md += "The closed-form global minimizer (docs/formulas.md §8) exists in \(closed.count) configurations and was found in "
        md += "\(closed.filter { $0.closedFormOptimumFound == true }.count).\n\n"
        md += "Each configuration is a census: the ansatz starts and a fixed number of random starts, Newton-polished, labelled "
        md += "from the dense Hessian (no coverage estimate, no certificates). A benign verdict says that no other kind of critical "
        md += "point was found by these starts.\n"
        md += "\n## Diagrams\n\n" + files.map { "![\($0)](\($0))" }.joined(separator: "\n\n") + "\n"
        md += "\n## Every configuration\n\n"
        md += "| configuration | K | d | n | λ_W | λ_H | λ_b | loss | random starts | distinct points | minimizers | verdict | closed-form optimum found | f* | lowest loss |\n"
        md += "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        for r in rows {
            let found = r.closedFormOptimumFound.map { $0 ? "yes" : "**no**" } ?? "no closed form"
            md += "| \(r.key) | \(r.K) | \(r.d) | \(r.n) | \(g(r.lambdaW)) | \(g(r.lambdaH)) | \(r.lambdaB.map { g($0) } ?? "no bias") | \(r.loss.rawValue) | "
            md += "\(r.randomStarts) | \(r.distinctCriticalPoints) | \(r.minimizers) | \(r.verdict.rawValue) | \(found) | \(g(r.fStar)) | \(g(r.lowestLoss)) |\n"
        }
        let bad = results.filter { $0.verdict != .benign }
        md += "\n## Configurations that are not benign\n\n"
        if bad.isEmpty { md += "None.\n" } else {
            md += "| configuration | verdict | points | point files |\n|---|---|---|---|\n"
            for r in bad {
                let links = (counterexamples[r.key] ?? []).map { "[\(($0 as NSString).lastPathComponent)](\($0))" }.joined(separator: " ")
                md += "| \(r.key) | \(r.verdictName) | \(r.census.message) | \(links.isEmpty ? "—" : links) |\n"
            }
        }
        md += "\nFiles: `phase.json` and `phase.csv` hold the table above (keys \(Row.CodingKeys.allCases.map(\.stringValue).joined(separator: ", "))).\n"
        return md
    }
}
