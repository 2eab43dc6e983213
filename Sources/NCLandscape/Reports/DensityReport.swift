import Foundation

/// Files of a spectral-density estimate: `density.csv` (grid, density, CDF and its stated
/// interval), `density.svg` (density on a symmetric-log eigenvalue axis with log counts, and the
/// estimated count of eigenvalues below each λ with its interval), `nodes.csv` (every probe's
/// quadrature nodes and weights), `summary.json` and `report.md`.
public enum DensityReport {
    /// The JSON summary without the per-probe nodes (those go to `nodes.csv` and `density.json`).
    public struct Summary: Codable, Sendable {
        /// The normalized model; a regularized point has `regularizedModel` instead.
        public var model: ModelDescription?
        public var regularizedModel: RegularizedDescription?
        public var dimension: Int, probes: Int, steps: Int
        public var seed: UInt64
        public var fullReorthogonalization: Bool
        public var traceEstimate: Double, traceStandardError: Double
        public var lowestNode: Double, highestNode: Double
        public var negativeCount: Double, negativeCountLower: Double, negativeCountUpper: Double
        public var kernelWidth: Double
        public var hessianVectorProducts: Int
        public var seconds: Double
        public var software: String
        public init(_ d: SpectralDensity) {
            model = d.model; regularizedModel = d.regularizedModel; dimension = d.dimension; probes = d.probes; steps = d.steps; seed = d.seed
            fullReorthogonalization = d.fullReorthogonalization; traceEstimate = d.traceEstimate; traceStandardError = d.traceStandardError
            lowestNode = d.lowestNode; highestNode = d.highestNode; negativeCount = d.negativeCount
            negativeCountLower = d.negativeCountLower; negativeCountUpper = d.negativeCountUpper; kernelWidth = d.kernelWidth
            hessianVectorProducts = d.hessianVectorProducts; seconds = d.seconds; software = d.software
        }
    }

    public static func write(_ d: SpectralDensity, source: String, to dir: String) throws {
        try AtomicFile.makeFolder(dir)
        var csv = "lambda,density,cdf,cdfLower,cdfUpper\n"
        for i in d.grid.indices { csv += "\(d.grid[i]),\(d.density[i]),\(d.cdf[i]),\(d.cdfLower[i]),\(d.cdfUpper[i])\n" }
        try AtomicFile.write(csv, to: dir + "/density.csv")
        var nodes = "probe,node,weight\n"
        for (p, r) in d.probeResults.enumerated() { for (t, w) in zip(r.nodes, r.weights) { nodes += "\(p),\(t),\(w)\n" } }
        try AtomicFile.write(nodes, to: dir + "/nodes.csv")
        try AtomicFile.write(chart(d), to: dir + "/density.svg")
        try AtomicFile.write(JSONOutput.encode(Summary(d)), to: dir + "/summary.json")
        try AtomicFile.write(markdown(d, source: source), to: dir + "/report.md")
    }

    /// Linear width of the symmetric-log axis: small next to the spectrum's extent, so the
    /// negative part (often a few eigenvalues near zero) is spread over its own decades.
    static func linearWidth(_ d: SpectralDensity) -> Double {
        max(1e-6 * max(abs(d.lowestNode), abs(d.highestNode)), d.kernelWidth / 10, .leastNormalMagnitude)
    }

    /// The plotted density: the smoothed curve only on `[lowest, highest Ritz value]`. Ritz
    /// values lie inside `[λ_min, λ_max]`, so the curve never reaches below λ_min; the Gaussian
    /// kernel alone spread it to −1.5e-4 where the certified λ_min was −4.77e-5.
    static func plottedCurve(_ d: SpectralDensity) -> (xs: [Double], ys: [Double]) {
        let floor = (d.density.max() ?? 1) * 1e-8
        let shown = zip(d.grid, d.density).filter { $0.1 > floor && $0.0 >= d.lowestNode && $0.0 <= d.highestNode }
        return (shown.map(\.0), shown.map(\.1))
    }

    static func chart(_ d: SpectralDensity) -> String {
        let c = linearWidth(d)
        let floor = (d.density.max() ?? 1) * 1e-8
        var top = SVGChart(title: "Hessian eigenvalue density (stochastic Lanczos quadrature, \(d.probes) probes × \(d.steps) steps)",
                           xLabel: "eigenvalue λ (symmetric log: linear within ±\(SVGChart.fmt(c)))", yLabel: "eigenvalues per unit λ (log)")
        top.symlogX = c
        top.logY = true
        let shown = plottedCurve(d)
        top.series.append(.init(name: "density (Gaussian width \(SVGChart.fmt(d.kernelWidth)))", color: "#1f77b4", style: .line(dashed: false),
                                xs: shown.xs, ys: shown.ys))
        let nodes = d.probeResults.flatMap(\.nodes)
        top.series.append(.init(name: "quadrature nodes", color: "#d62728", style: .marked(radius: 2, marker: .cross),
                                xs: nodes, ys: nodes.map { _ in floor * 2 }))
        top.verticalMarkers = [(0, "λ = 0", "#555")]
        top.notes = [String(format: "m = %d; trace ≈ %.6g ± %.2g (Hutchinson); eigenvalues below 0 ≈ %.1f, in [%.1f, %.1f]", d.dimension,
                            d.traceEstimate, d.traceStandardError, d.negativeCount, d.negativeCountLower, d.negativeCountUpper),
                     String(format: "curve drawn between the lowest and highest Ritz values (%.4g, %.4g), inside [λ_min, λ_max]; density.csv keeps the smoothed values beyond", d.lowestNode, d.highestNode)]
        var bottom = SVGChart(title: "Eigenvalues ≤ λ: estimate and stated interval (quadrature brackets ± 3 standard errors)",
                              xLabel: "eigenvalue λ (symmetric log)", yLabel: "count ≤ λ")
        bottom.symlogX = c
        let m = Double(d.dimension)
        bottom.series.append(.init(name: "estimate", color: "#1f77b4", style: .line(dashed: false), xs: d.grid, ys: d.cdf.map { $0 * m }))
        bottom.series.append(.init(name: "interval bounds", color: "#888888", style: .line(dashed: true), xs: d.grid, ys: d.cdfLower.map { $0 * m }))
        bottom.series.append(.init(name: "", color: "#888888", style: .line(dashed: true), xs: d.grid, ys: d.cdfUpper.map { $0 * m }))
        bottom.verticalMarkers = [(0, "λ = 0", "#555")]
        return SVGChart.stack([top, bottom])
    }

    public static func text(_ d: SpectralDensity) -> String {
        [String(format: "m = %d, %d probes × %d Lanczos steps (%@ reorthogonalization), %d Hessian-vector products, %.1f s", d.dimension,
                d.probes, d.steps, d.fullReorthogonalization ? "full" : "no", d.hessianVectorProducts, d.seconds),
         String(format: "trace (Hutchinson)        %.8g ± %.2g (standard error)", d.traceEstimate, d.traceStandardError),
         String(format: "Ritz values span          [%.6g, %.6g]", d.lowestNode, d.highestNode),
         String(format: "eigenvalues below 0       ≈ %.1f, stated interval [%.1f, %.1f]", d.negativeCount, d.negativeCountLower, d.negativeCountUpper)]
            .joined(separator: "\n")
    }

    static func markdown(_ d: SpectralDensity, source: String) -> String {
        var md = "# Hessian eigenvalue density\n\nPoint: `\(source)` — \(d.modelSummary).\n\n```\n\(text(d))\n```\n\n"
        md += "Stochastic Lanczos quadrature: each probe is a Rademacher vector projected on the tangent space; its Lanczos "
        md += "nodes and weights are a Gauss quadrature of the spectrum seen from that vector. The CDF's stated interval is the "
        md += "quadrature's Chebyshev–Markov–Stieltjes brackets averaged over probes, widened by three standard errors of the "
        md += "probe average"
        md += d.fullReorthogonalization ? ".\n\n" : "; without full reorthogonalization (the basis did not fit the memory budget) the brackets are approximate.\n\n"
        md += "![density.svg](density.svg)\n\n`density.csv`: grid, density, CDF and interval; `nodes.csv`: every node and weight; seed \(d.seed). \(d.software)\n"
        return md
    }
}
