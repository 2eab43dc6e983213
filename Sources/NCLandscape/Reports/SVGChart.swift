import Foundation

/// A minimal SVG chart writer (axes, ticks, bars, points, lines, legend), so reports need no
/// plotting dependency. Coordinates are data units; `logX`/`logY` plot log10 of the data;
/// `symlogX = c` plots `sign(x) log10(1 + |x|/c)` (linear within ±c, logarithmic beyond), so
/// eigenvalues spanning decades on both sides of zero stay readable.
public struct SVGChart {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX = false
    public var logY = false
    public var symlogX: Double? = nil
    /// Fixed axis ranges in data units (nil: from the data).
    public var yRange: (Double, Double)? = nil
    public var width = 860.0
    public var height = 420.0

    public struct Series {
        public enum Marker: Sendable { case circle, square, triangle, diamond, cross }
        public enum Style { case bars(width: Double), points(radius: Double), marked(radius: Double, marker: Marker), line(dashed: Bool) }
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

    private func tx(_ v: Double) -> Double {
        if let c = symlogX { return (v < 0 ? -1 : 1) * log10(1 + abs(v) / c) }
        return logX ? log10(max(v, 1e-300)) : v
    }
    /// The data value at a transformed x coordinate (inverse of `tx`, for tick labels).
    private func untx(_ t: Double) -> Double {
        if let c = symlogX { return (t < 0 ? -1 : 1) * c * (pow(10, abs(t)) - 1) }
        return logX ? pow(10, t) : t
    }
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

    /// Whole-decade ticks (exponents) on a log axis spanning `lo…hi` in log10 units, thinned to ~8.
    static func decadeTicks(_ lo: Double, _ hi: Double) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let first = ceil(lo), last = floor(hi)
        guard last >= first else { return ticks(lo, hi) }
        let stride = max(1.0, ceil((last - first + 1) / 8))
        return Array(Swift.stride(from: first, through: last, by: stride))
    }

    static func fmt(_ v: Double) -> String { fmt(v, digits: 1) }

    /// `v` with `digits` significant digits in scientific form far from 1, plain otherwise.
    static func fmt(_ v: Double, digits: Int) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e4 || abs(v) < 1e-3 { return String(format: "%.\(max(0, digits - 1))e", v) }
        return String(format: "%g", (v * 1e6).rounded() / 1e6)
    }

    /// Labels for a set of ticks: the fewest significant digits (up to 6) that keep every
    /// label distinct ("1.5e+04" and "2e+04", never "2e+04" twice).
    static func tickLabels(_ values: [Double], _ label: (Double, Int) -> String = { fmt($0, digits: $1) }) -> [String] {
        for digits in 1 ... 6 {
            let out = values.map { label($0, digits) }
            if Set(out).count == out.count { return out }
        }
        return values.map { label($0, 6) }
    }

    /// Approximate width of `text` in pixels at `fontSize` (sans-serif averages about 0.55 em
    /// per character; 0.6 keeps a margin so that wrapped lines are never cut at the edge).
    static func textWidth(_ text: String, fontSize: Double) -> Double { Double(text.count) * 0.6 * fontSize }

    /// `text` broken at spaces into lines no wider than `width` pixels (a word longer than a
    /// line stays whole): titles and footers are wrapped instead of running past the edge.
    public static func wrap(_ text: String, width: Double, fontSize: Double) -> [String] {
        let perLine = max(10, Int(width / (0.6 * fontSize)))
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if current.isEmpty { current = String(word); continue }
            if current.count + 1 + word.count > perLine { lines.append(current); current = String(word) } else { current += " " + word }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }

    public func render() -> String {
        let named = series.filter { !$0.name.isEmpty }
        // Long titles and notes wrap to the chart's width (they were cut at the edges).
        let titleLines = Self.wrap(title, width: width - 20, fontSize: 15)
        let noteLines = notes.flatMap { Self.wrap($0, width: width - 78 - 10, fontSize: 11) }
        let ml = 78.0, mr = named.isEmpty ? 20.0 : 230.0, mt = 40.0 + 18 * Double(titleLines.count - 1), mb = 56.0 + Double(noteLines.count) * 15
        let pw = width - ml - mr, ph = height - mt - mb
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            for (x, y) in zip(s.xs, s.ys) where tx(x).isFinite && ty(y).isFinite && (!logX || x > 0) && (!logY || y > 0) {
                xs.append(tx(x)); ys.append(ty(y))
                if case let .bars(w) = s.style { xs.append(tx(x) - w / 2); xs.append(tx(x) + w / 2); ys.append(logY ? 0 : 0) }
            }
        }
        for m in verticalMarkers where tx(m.x).isFinite { xs.append(tx(m.x)) }
        var x0 = xs.min() ?? 0, x1 = xs.max() ?? 1, y0 = ys.min() ?? 0, y1 = ys.max() ?? 1
        if x1 - x0 < 1e-12 { x0 -= 1; x1 += 1 }
        if y1 - y0 < 1e-12 { y0 -= 1; y1 += 1 }
        let padX = 0.04 * (x1 - x0), padY = 0.06 * (y1 - y0)
        x0 -= padX; x1 += padX; y1 += padY
        if !logY && y0 >= 0 { y0 = 0 } else { y0 -= padY }
        if let (a, b) = yRange { y0 = ty(a); y1 = ty(b) }
        func px(_ v: Double) -> Double { ml + (v - x0) / (x1 - x0) * pw }
        func py(_ v: Double) -> Double { mt + ph - (v - y0) / (y1 - y0) * ph }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        \(titleLines.enumerated().map { "<text x=\"\(width / 2)\" y=\"\(22 + 18 * Double($0.offset))\" text-anchor=\"middle\" font-size=\"15\">\(Self.esc($0.element))</text>" }.joined(separator: "\n"))
        <rect x="\(ml)" y="\(mt)" width="\(pw)" height="\(ph)" fill="none" stroke="#444"/>

        """
        // Symmetric-log ticks at 0 and at round decades ±10^j beyond the linear range.
        var xticks = logX ? Self.decadeTicks(x0, x1) : Self.ticks(x0, x1)
        if let c = symlogX {
            var decades: [Double] = []
            var j = ceil(log10(c)) + 1   // the first decade past the linear part, clear of the 0 label
            while tx(pow(10, j)) <= max(abs(x0), abs(x1)) && decades.count < 60 { decades.append(pow(10, j)); j += 1 }
            // At most ~4 decades a side, keeping the largest.
            let stride = max(1, (decades.count + 3) / 4)
            let kept = decades.reversed().enumerated().filter { $0.offset % stride == 0 }.map(\.element)
            xticks = [0] + kept.flatMap { [tx($0), tx(-$0)] }.filter { $0 >= x0 && $0 <= x1 }
        }
        let xLabels = Self.tickLabels(xticks.map { symlogX != nil ? untx($0) : (logX ? pow(10, $0) : $0) })
        for (t, label) in zip(xticks, xLabels) {
            let p = px(t)
            out += "<line x1=\"\(p)\" y1=\"\(mt + ph)\" x2=\"\(p)\" y2=\"\(mt + ph + 5)\" stroke=\"#444\"/><text x=\"\(p)\" y=\"\(mt + ph + 18)\" text-anchor=\"middle\">\(label)</text>\n"
        }
        let yticks = logY ? Self.decadeTicks(y0, y1) : Self.ticks(y0, y1)
        for (t, label) in zip(yticks, Self.tickLabels(yticks.map { logY ? pow(10, $0) : $0 })) {
            let p = py(t)
            out += "<line x1=\"\(ml - 5)\" y1=\"\(p)\" x2=\"\(ml + pw)\" y2=\"\(p)\" stroke=\"#ddd\"/><text x=\"\(ml - 8)\" y=\"\(p + 4)\" text-anchor=\"end\">\(label)</text>\n"
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
                    // On a log axis bars rise from the bottom of the plot, not from log10(1) = 0.
                    let a = px(tx(x) - w / 2), b = px(tx(x) + w / 2)
                    let top = logY ? py(ty(y)) : py(max(ty(y), 0)), bot = logY ? py(y0) : py(min(ty(y), 0))
                    out += "<rect x=\"\(a)\" y=\"\(top)\" width=\"\(max(b - a, 0.5))\" height=\"\(max(bot - top, 0))\" fill=\"\(s.color)\" fill-opacity=\"0.8\"/>\n"
                }
            case let .points(r):
                for (x, y) in pts { out += Self.marker(.circle, x: px(tx(x)), y: py(ty(y)), r: r, color: s.color) }
            case let .marked(r, m):
                for (x, y) in pts { out += Self.marker(m, x: px(tx(x)), y: py(ty(y)), r: r, color: s.color) }
            case let .line(dashed):
                let path = pts.map { "\(px(tx($0.0))),\(py(ty($0.1)))" }.joined(separator: " ")
                out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"6,4\"" : "")/>\n"
            }
        }
        var ly = mt + 16
        // Each legend entry shows its series' own mark: a bar, a marker of its shape, a (dashed) line.
        for s in named {
            let lx = ml + pw + 12
            switch s.style {
            case .bars: out += "<rect x=\"\(lx)\" y=\"\(ly - 10)\" width=\"12\" height=\"12\" fill=\"\(s.color)\" fill-opacity=\"0.8\"/>"
            case let .points(r): out += Self.marker(.circle, x: lx + 6, y: ly - 4, r: max(r, 3.5), color: s.color)
            case let .marked(r, m): out += Self.marker(m, x: lx + 6, y: ly - 4, r: max(r, 3.5), color: s.color)
            case let .line(dashed):
                out += "<line x1=\"\(lx - 4)\" y1=\"\(ly - 4)\" x2=\"\(lx + 16)\" y2=\"\(ly - 4)\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"6,4\"" : "")/>"
            }
            out += "<text x=\"\(lx + 22)\" y=\"\(ly)\" font-size=\"11\">\(Self.esc(s.name))</text>\n"
            ly += 16
        }
        for (i, n) in noteLines.enumerated() {
            out += "<text x=\"\(ml)\" y=\"\(mt + ph + 54 + Double(i) * 15)\" font-size=\"11\" fill=\"#333\">\(Self.esc(n))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Charts one below the other in one SVG (each keeps its own size).
    public static func stack(_ charts: [SVGChart]) -> String {
        let w = charts.map(\.width).max() ?? 0, h = charts.reduce(0) { $0 + $1.height }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        var y = 0.0
        for c in charts {
            out += "<svg x=\"0\" y=\"\(y)\" width=\"\(Int(c.width))\" height=\"\(Int(c.height))\">\n"
            out += c.render().split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
            out += "\n"
            y += c.height
        }
        return out + "</svg>\n"
    }

    /// One marker centred at `(x, y)`.
    static func marker(_ m: Series.Marker, x: Double, y: Double, r: Double, color: String) -> String {
        switch m {
        case .circle: return "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"\(r)\" fill=\"\(color)\" fill-opacity=\"0.75\"/>\n"
        case .square: return "<rect x=\"\(x - r)\" y=\"\(y - r)\" width=\"\(2 * r)\" height=\"\(2 * r)\" fill=\"\(color)\" fill-opacity=\"0.75\"/>\n"
        case .triangle:
            return "<polygon points=\"\(x),\(y - 1.2 * r) \(x - 1.1 * r),\(y + 0.8 * r) \(x + 1.1 * r),\(y + 0.8 * r)\" fill=\"\(color)\" fill-opacity=\"0.75\"/>\n"
        case .diamond:
            return "<polygon points=\"\(x),\(y - 1.3 * r) \(x + 1.1 * r),\(y) \(x),\(y + 1.3 * r) \(x - 1.1 * r),\(y)\" fill=\"\(color)\" fill-opacity=\"0.75\"/>\n"
        case .cross:
            return "<path d=\"M\(x - r) \(y - r) L\(x + r) \(y + r) M\(x - r) \(y + r) L\(x + r) \(y - r)\" stroke=\"\(color)\" stroke-width=\"2\" fill=\"none\"/>\n"
        }
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
