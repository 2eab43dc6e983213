import Foundation

/// A minimal SVG chart writer (axes, ticks, bars, points, lines, legend), so reports need no
/// plotting dependency. Coordinates are data units; `logX`/`logY` plot log10 of the data.
public struct SVGChart {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX = false
    public var logY = false
    public var width = 860.0
    public var height = 420.0

    public struct Series {
        public enum Style { case bars(width: Double), points(radius: Double), line(dashed: Bool) }
        public var name: String
        public var color: String
        public var style: Style
        public var xs: [Double]
        public var ys: [Double]
        public init(name: String, color: String, style: Style, xs: [Double], ys: [Double]) {
            self.name = name; self.color = color; self.style = style; self.xs = xs; self.ys = ys
        }
    }
    public var series: [Series] = []
    /// Vertical marker lines with a label (e.g. `λ = 0`).
    public var verticalMarkers: [(x: Double, label: String, color: String)] = []
    public var notes: [String] = []

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
    }

    private func tx(_ v: Double) -> Double { logX ? log10(max(v, 1e-300)) : v }
    private func ty(_ v: Double) -> Double { logY ? log10(max(v, 1e-300)) : v }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var t = ceil(lo / step) * step
        var out: [Double] = []
        while t <= hi + 1e-9 * step { out.append(abs(t) < 1e-12 * step ? 0 : t); t += step }
        return out
    }

    static func fmt(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e4 || abs(v) < 1e-3 { return String(format: "%.0e", v) }
        return String(format: "%g", (v * 1e6).rounded() / 1e6)
    }

    public func render() -> String {
        let named = series.filter { !$0.name.isEmpty }
        let ml = 78.0, mr = named.isEmpty ? 20.0 : 230.0, mt = 40.0, mb = 56.0 + Double(notes.count) * 15
        let pw = width - ml - mr, ph = height - mt - mb
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            for (x, y) in zip(s.xs, s.ys) where tx(x).isFinite && ty(y).isFinite && (!logX || x > 0) && (!logY || y > 0) {
                xs.append(tx(x)); ys.append(ty(y))
                if case let .bars(w) = s.style { xs.append(tx(x) - w / 2); xs.append(tx(x) + w / 2); ys.append(0) }
            }
        }
        for m in verticalMarkers where tx(m.x).isFinite { xs.append(tx(m.x)) }
        var x0 = xs.min() ?? 0, x1 = xs.max() ?? 1, y0 = ys.min() ?? 0, y1 = ys.max() ?? 1
        if x1 - x0 < 1e-12 { x0 -= 1; x1 += 1 }
        if y1 - y0 < 1e-12 { y0 -= 1; y1 += 1 }
        let padX = 0.04 * (x1 - x0), padY = 0.06 * (y1 - y0)
        x0 -= padX; x1 += padX; y1 += padY
        if !logY && y0 >= 0 { y0 = 0 } else { y0 -= padY }
        func px(_ v: Double) -> Double { ml + (v - x0) / (x1 - x0) * pw }
        func py(_ v: Double) -> Double { mt + ph - (v - y0) / (y1 - y0) * ph }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="22" text-anchor="middle" font-size="15">\(Self.esc(title))</text>
        <rect x="\(ml)" y="\(mt)" width="\(pw)" height="\(ph)" fill="none" stroke="#444"/>

        """
        for t in Self.ticks(x0, x1) {
            let p = px(t)
            out += "<line x1=\"\(p)\" y1=\"\(mt + ph)\" x2=\"\(p)\" y2=\"\(mt + ph + 5)\" stroke=\"#444\"/><text x=\"\(p)\" y=\"\(mt + ph + 18)\" text-anchor=\"middle\">\(logX ? "1e" + Self.fmt(t) : Self.fmt(t))</text>\n"
        }
        for t in Self.ticks(y0, y1) {
            let p = py(t)
            out += "<line x1=\"\(ml - 5)\" y1=\"\(p)\" x2=\"\(ml + pw)\" y2=\"\(p)\" stroke=\"#ddd\"/><text x=\"\(ml - 8)\" y=\"\(p + 4)\" text-anchor=\"end\">\(logY ? "1e" + Self.fmt(t) : Self.fmt(t))</text>\n"
        }
        out += "<text x=\"\(ml + pw / 2)\" y=\"\(mt + ph + 38)\" text-anchor=\"middle\">\(Self.esc(xLabel))</text>\n"
        out += "<text transform=\"translate(16,\(mt + ph / 2)) rotate(-90)\" text-anchor=\"middle\">\(Self.esc(yLabel))</text>\n"
        for m in verticalMarkers where tx(m.x).isFinite {
            let p = px(tx(m.x))
            out += "<line x1=\"\(p)\" y1=\"\(mt)\" x2=\"\(p)\" y2=\"\(mt + ph)\" stroke=\"\(m.color)\" stroke-dasharray=\"4,3\"/><text x=\"\(p + 4)\" y=\"\(mt + 14)\" fill=\"\(m.color)\">\(Self.esc(m.label))</text>\n"
        }
        for s in series {
            let pts = zip(s.xs, s.ys).filter { tx($0.0).isFinite && ty($0.1).isFinite && (!logX || $0.0 > 0) && (!logY || $0.1 > 0) }
            switch s.style {
            case let .bars(w):
                for (x, y) in pts {
                    let a = px(tx(x) - w / 2), b = px(tx(x) + w / 2), top = py(max(ty(y), 0)), bot = py(min(ty(y), 0))
                    out += "<rect x=\"\(a)\" y=\"\(top)\" width=\"\(max(b - a, 0.5))\" height=\"\(max(bot - top, 0))\" fill=\"\(s.color)\" fill-opacity=\"0.8\"/>\n"
                }
            case let .points(r):
                for (x, y) in pts { out += "<circle cx=\"\(px(tx(x)))\" cy=\"\(py(ty(y)))\" r=\"\(r)\" fill=\"\(s.color)\" fill-opacity=\"0.75\"/>\n" }
            case let .line(dashed):
                let path = pts.map { "\(px(tx($0.0))),\(py(ty($0.1)))" }.joined(separator: " ")
                out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"6,4\"" : "")/>\n"
            }
        }
        var ly = mt + 16
        for s in named {
            out += "<rect x=\"\(ml + pw + 12)\" y=\"\(ly - 10)\" width=\"12\" height=\"12\" fill=\"\(s.color)\"/><text x=\"\(ml + pw + 30)\" y=\"\(ly)\" font-size=\"11\">\(Self.esc(s.name))</text>\n"
            ly += 16
        }
        for (i, n) in notes.enumerated() {
            out += "<text x=\"\(ml)\" y=\"\(mt + ph + 54 + Double(i) * 15)\" font-size=\"11\" fill=\"#333\">\(Self.esc(n))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Histogram counts of `values` over `bins` equal bins on `[lo, hi]`: (centres, counts, width).
    public static func histogram(_ values: [Double], bins: Int, range: (Double, Double)? = nil) -> (centers: [Double], counts: [Double], width: Double) {
        guard let lo0 = range?.0 ?? values.min(), let hi0 = range?.1 ?? values.max() else { return ([], [], 1) }
        let lo = lo0, hi = hi0 > lo0 ? hi0 : lo0 + 1
        let w = (hi - lo) / Double(bins)
        var counts = [Double](repeating: 0, count: bins)
        for v in values { counts[min(bins - 1, max(0, Int((v - lo) / w)))] += 1 }
        return ((0 ..< bins).map { lo + (Double($0) + 0.5) * w }, counts, w)
    }
}
