import Foundation

/// Histograms of Hessian eigenvalues that stay readable when thousands of eigenvalues share a
/// bar and the rest span decades on both sides of zero: counts on a log axis, eigenvalues on a
/// symmetric-log axis (linear within `±c`, `c = 1e-4 ‖M‖₂`, logarithmic beyond), and the
/// eigenvalues with `|λ| ≤ δ` in a bar of their own at 0.
public enum EigenvalueHistogram {
    public static func chart(_ values: [Double], delta: Double, title: String, negative: String = "#d62728",
                             zero: String = "#7f7f7f", positive: String = "#1f77b4", zeroLabel: String? = nil,
                             negativeLabel: String? = nil, positiveLabel: String? = nil) -> SVGChart {
        var c = SVGChart(title: title, xLabel: "eigenvalue λ (symmetric log scale)", yLabel: "count (log scale)")
        let norm = values.map(abs).max() ?? 1
        let lin = max(1e-4 * norm, .leastNormalMagnitude)
        c.symlogX = lin
        c.logY = true
        func t(_ v: Double) -> Double { (v < 0 ? -1 : 1) * log10(1 + abs(v) / lin) }
        func untransform(_ u: Double) -> Double { (u < 0 ? -1 : 1) * lin * (pow(10, abs(u)) - 1) }
        let bins = 60
        let span = max(t(norm), 1e-12)
        let width = 2 * span / Double(bins)
        func histogram(_ vs: [Double]) -> (xs: [Double], ys: [Double]) {
            var counts = [Double](repeating: 0, count: bins)
            for v in vs { counts[min(bins - 1, max(0, Int((t(v) + span) / width)))] += 1 }
            let keep = counts.indices.filter { counts[$0] > 0 }
            return (keep.map { untransform(-span + (Double($0) + 0.5) * width) }, keep.map { counts[$0] })
        }
        let neg = values.filter { $0 < -delta }, pos = values.filter { $0 > delta }, zeros = values.count - neg.count - pos.count
        let hn = histogram(neg), hp = histogram(pos)
        c.series = [
            .init(name: negativeLabel ?? "negative (\(neg.count))", color: negative, style: .bars(width: width), xs: hn.xs, ys: hn.ys),
            .init(name: zeroLabel ?? "|λ| ≤ δ (\(zeros))", color: zero, style: .bars(width: width / 2), xs: zeros > 0 ? [0] : [], ys: [Double(zeros)]),
            .init(name: positiveLabel ?? "positive (\(pos.count))", color: positive, style: .bars(width: width), xs: hp.xs, ys: hp.ys),
        ]
        c.yRange = (0.5, 2 * Double(max(1, [hn.ys.max() ?? 1, hp.ys.max() ?? 1, Double(zeros)].max()!)))
        c.verticalMarkers = [(0, "λ = 0", "#333")]
        return c
    }
}
