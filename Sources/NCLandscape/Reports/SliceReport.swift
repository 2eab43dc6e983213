import Foundation

/// Files of a loss slice: `slice.csv` (every evaluated node), `slice_1d.svg` (each direction's
/// curve with the quadratic model from the gradient and the Rayleigh quotient),
/// `slice_2d.svg` (the map, colored by `f − f(x)`: blue below, red above, with the point and the
/// directions marked), `summary.json` and `report.md`.
public enum SliceReport {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c"]

    public static func write(_ s: LossSlice, source: String, to dir: String) throws {
        try AtomicFile.makeFolder(dir)
        var csv = "kind,direction,s,t,lossValue,excess\n"
        for c in s.curves {
            for (t, f) in zip(s.coordinates, c.losses) {
                csv += "curve,\(c.direction.rawValue),\(t),0,\(f),\(f - s.loss)\n"
            }
        }
        if let surface = s.surface {
            for (i, row) in surface.enumerated() {
                for (j, f) in row.enumerated() {
                    csv += "surface,\(s.curves[0].direction.rawValue)+\(s.curves[1].direction.rawValue),\(s.coordinates[i]),\(s.coordinates[j]),\(f),\(f - s.loss)\n"
                }
            }
        }
        try AtomicFile.write(csv, to: dir + "/slice.csv")
        try AtomicFile.write(curves(s), to: dir + "/slice_1d.svg")
        var files = ["slice_1d.svg"]
        if s.surface != nil {
            try AtomicFile.write(map(s), to: dir + "/slice_2d.svg")
            files.append("slice_2d.svg")
        }
        try AtomicFile.write(JSONOutput.encode(s), to: dir + "/summary.json")
        try AtomicFile.write(markdown(s, source: source, files: files), to: dir + "/report.md")
    }

    static func label(_ d: SliceDirection) -> String {
        switch d {
        case .lambdaMin: return "λ_min eigenvector"
        case .random: return "random tangent direction"
        case .gradient: return "−gradient"
        }
    }

    /// One curve per direction, `f − f(x)` against arc length, with the second-order model
    /// `⟨grad, u⟩ t + ½ uᵀMu t²` dashed.
    static func curves(_ s: LossSlice) -> String {
        var chart = SVGChart(title: "Loss along geodesics from the point", xLabel: "arc length t (\(s.lengthUnit))", yLabel: "f(Exp_x(t u)) − f(x)")
        for (i, c) in s.curves.enumerated() {
            let color = palette[i % palette.count]
            chart.series.append(.init(name: label(c.direction), color: color,
                                      style: .marked(radius: 2.5, marker: i == 0 ? .circle : .square), xs: s.coordinates,
                                      ys: c.losses.map { $0 - s.loss }))
            chart.series.append(.init(name: "  its quadratic model", color: color, style: .line(dashed: true),
                                      xs: s.coordinates, ys: s.coordinates.map { c.slope * $0 + 0.5 * c.rayleighQuotient * $0 * $0 }))
        }
        chart.verticalMarkers = [(0, "x", "#555")]
        chart.notes = [String(format: "f(x) = %.10g", s.loss) + (s.lambdaMin.map { String(format: ", λ_min = %.6g", $0) } ?? "")
            + "; quadratic model ⟨grad f, u⟩ t + ½ uᵀMu t² with "
            + s.curves.map { "uᵀMu = \(SVGChart.fmt($0.rayleighQuotient)) (\($0.direction.rawValue))" }.joined(separator: ", ")]
        return chart.render()
    }

    /// Signed square-root scaling of `f − f(x)` into [−1, 1], so the small values near the
    /// point stay visible next to the large ones at the edges.
    static func shade(_ v: Double, scale: Double) -> String {
        guard scale > 0 else { return "#ffffff" }
        let a = min(1, (abs(v) / scale).squareRoot())
        let level = (a * 10).rounded() / 10       // ten bands: the edges read as contours
        let (r, g, b): (Double, Double, Double) = v < 0 ? (1 - 0.85 * level, 1 - 0.6 * level, 1) : (1, 1 - 0.8 * level, 1 - 0.85 * level)
        return String(format: "#%02x%02x%02x", Int(r * 255), Int(g * 255), Int(b * 255))
    }

    static func map(_ s: LossSlice) -> String {
        guard let surface = s.surface else { return "" }
        let n = s.coordinates.count
        let size = 420.0, ml = 90.0, mt = 50.0
        let cell = size / Double(n)
        let excess = surface.flatMap { $0 }.map { $0 - s.loss }
        let scale = excess.map(abs).max() ?? 0
        let w = ml + size + 190, h = mt + size + 70
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"\(ml + size / 2)\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">Loss around the point: f(Exp_x(s u + t v)) − f(x)</text>\n"
        // Row i = s (first direction) drawn along x; column j = t drawn along y, upwards.
        for i in 0 ..< n {
            for j in 0 ..< n {
                let x = ml + Double(i) * cell, y = mt + size - Double(j + 1) * cell
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell + 0.5)\" height=\"\(cell + 0.5)\" fill=\"\(shade(surface[i][j] - s.loss, scale: scale))\"/>\n"
            }
        }
        svg += "<rect x=\"\(ml)\" y=\"\(mt)\" width=\"\(size)\" height=\"\(size)\" fill=\"none\" stroke=\"#444\"/>\n"
        // Axes through the point, and the point.
        let cx = ml + size / 2, cy = mt + size / 2
        svg += "<line x1=\"\(ml)\" y1=\"\(cy)\" x2=\"\(ml + size)\" y2=\"\(cy)\" stroke=\"#444\" stroke-dasharray=\"4,3\"/>\n"
        svg += "<line x1=\"\(cx)\" y1=\"\(mt)\" x2=\"\(cx)\" y2=\"\(mt + size)\" stroke=\"#444\" stroke-dasharray=\"4,3\"/>\n"
        svg += "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"4\" fill=\"black\"/>\n"
        for k in [0, n / 2, n - 1] {
            let v = SVGChart.fmt(s.coordinates[k])
            svg += "<text x=\"\(ml + (Double(k) + 0.5) * cell)\" y=\"\(mt + size + 16)\" text-anchor=\"middle\">\(v)</text>\n"
            svg += "<text x=\"\(ml - 6)\" y=\"\(mt + size - (Double(k) + 0.5) * cell + 4)\" text-anchor=\"end\">\(v)</text>\n"
        }
        svg += "<text x=\"\(ml + size / 2)\" y=\"\(mt + size + 36)\" text-anchor=\"middle\">s along the \(SVGChart.esc(label(s.curves[0].direction))) (\(s.lengthUnit))</text>\n"
        svg += "<text transform=\"translate(\(ml - 50),\(mt + size / 2)) rotate(-90)\" text-anchor=\"middle\">t along the \(SVGChart.esc(label(s.curves[1].direction))) (\(s.lengthUnit))</text>\n"
        // Colour bar: ten bands each side.
        let bx = ml + size + 40, bh = size / 21
        svg += "<text x=\"\(bx)\" y=\"\(mt - 8)\">f − f(x)</text>\n"
        for k in 0 ... 20 {
            let level = Double(10 - k) / 10
            let v = (level < 0 ? -1 : 1) * level * level * scale
            let y = mt + Double(k) * bh
            svg += "<rect x=\"\(bx)\" y=\"\(y)\" width=\"22\" height=\"\(bh + 0.5)\" fill=\"\(shade(v, scale: scale))\" stroke=\"#ccc\" stroke-width=\"0.3\"/>\n"
            if k % 5 == 0 {
                svg += "<text x=\"\(bx + 28)\" y=\"\(y + bh / 2 + 4)\">\(String(format: "%.2e", v))</text>\n"
            }
        }
        svg += "<text x=\"\(ml)\" y=\"\(h - 12)\" font-size=\"11\" fill=\"#444\">\(SVGChart.esc(String(format: "f(x) = %.10g; blue: below f(x), red: above; square-root colour scale, ten bands", s.loss)))</text>\n"
        return svg + "</svg>\n"
    }

    static func markdown(_ s: LossSlice, source: String, files: [String]) -> String {
        var md = "# Loss slice\n\n"
        md += "Point: `\(source)` — \(s.modelSummary). Loss f(x) = \(String(format: "%.12g", s.loss))"
        if let l = s.lambdaMin { md += String(format: ", λ_min = %.6g", l) }
        md += ".\n\nGrid: \(s.coordinates.count) points per direction on [−\(SVGChart.fmt(s.coordinates.last!)), \(SVGChart.fmt(s.coordinates.last!))] of geodesic arc length (\(s.lengthUnit)); random direction seed \(s.seed).\n\n"
        md += "| direction | ⟨grad f, u⟩ | uᵀ Hess f u | second difference at the smallest step | min of f − f(x) on the curve |\n|---|---|---|---|---|\n"
        for c in s.curves {
            md += String(format: "| %@ | %.4g | %.6g | %.6g | %.4g |\n", label(c.direction), c.slope, c.rayleighQuotient, c.secondDifference,
                         (c.losses.min() ?? s.loss) - s.loss)
        }
        md += "\n" + files.map { "![\($0)](\($0))" }.joined(separator: "\n\n") + "\n\nEvery node is a row of `slice.csv`; `summary.json` holds the same numbers. \(s.software)\n"
        return md
    }
}
