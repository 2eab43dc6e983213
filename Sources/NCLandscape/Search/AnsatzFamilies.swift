/// A starting point for the search, named by where it came from.
public struct SearchStart: Sendable {
    /// Stable task identifier (`ansatz:…` or `start:i:method`), used for resume.
    public let task: String
    /// Family or method that produced it (`etf`, `anti`, `signs:a=2`, `groups:2+1+1`, `total`,
    /// `random-newton`, `random-descent`).
    public let origin: String
    public let point: Matrix
    /// Whether to descend (Riemannian trust region) before Newton polishing.
    public let descendFirst: Bool
    /// Whether a failed Newton run is retried from early gradient-descent iterates (saddle
    /// seeking from random points; see `CriticalPointSearch.saddleSeekingSteps`).
    public var seekSaddle = false
}

/// The symmetric ansatz families of docs/formulas.md §5, each a candidate to polish with Newton.
public enum AnsatzFamilies {
    /// Integer partitions of `k` into exactly `g` positive parts, largest first.
    public static func partitions(_ k: Int, into g: Int, maxPart: Int? = nil) -> [[Int]] {
        let cap = min(maxPart ?? k, k)
        if g == 0 { return k == 0 ? [[]] : [] }
        if k < g { return [] }
        var out: [[Int]] = []
        for first in stride(from: cap, through: 1, by: -1) where k - first >= g - 1 {
            for rest in partitions(k - first, into: g - 1, maxPart: first) { out.append([first] + rest) }
        }
        return out
    }

    /// Every family member for the model. Sign patterns and groups use consecutive classes
    /// (for balanced classes every choice is equivalent up to class permutation).
    public static func starts(for model: NormalizedFeatureModel) -> [SearchStart] {
        let K = model.K, d = model.d
        var out: [SearchStart] = []
        if let w = try? SpecialPoints.simplexETF(K: K, d: d) {
            out.append(SearchStart(task: "ansatz:etf", origin: "etf",
                                   point: SpecialPoints.aligned(model, classifiers: w, signs: [Double](repeating: 1, count: K)), descendFirst: false))
            out.append(SearchStart(task: "ansatz:anti", origin: "anti",
                                   point: SpecialPoints.aligned(model, classifiers: w, signs: [Double](repeating: -1, count: K)), descendFirst: false))
            for a in 1 ..< K {
                let signs = (0 ..< K).map { $0 < a ? -1.0 : 1.0 }
                out.append(SearchStart(task: "ansatz:signs:\(a)", origin: "signs:a=\(a)",
                                       point: SpecialPoints.aligned(model, classifiers: w, signs: signs), descendFirst: false))
            }
        }
        // Group collapse: classes split into g groups (sizes from a partition of K), the
        // classifiers of a group at one vertex of a g-simplex (needs d ≥ g−1), its features on
        // that vertex (or anti-aligned to it). g = 1 is total collapse, g = K the ETF.
        for g in 1 ... K {
            if g == K { continue }   // the ETF and its sign patterns are above
            var vertices = Matrix(rows: d, cols: 1)
            if g == 1 {
                vertices[0, 0] = 1
            } else {
                guard let v = try? SpecialPoints.simplexETF(K: g, d: d) else { continue }
                vertices = v
            }
            for parts in partitions(K, into: g) {
                var groupOf: [Int] = []
                for (i, s) in parts.enumerated() { groupOf += [Int](repeating: i, count: s) }
                var w = Matrix(rows: d, cols: K)
                for k in 0 ..< K { w.setColumn(k, vertices.column(groupOf[k])) }
                let name = parts.map(String.init).joined(separator: "+")
                for sign in (g == 1 ? [1.0] : [1.0, -1.0]) {
                    let origin = g == 1 ? "total" : "groups:\(name)\(sign < 0 ? ":anti" : "")"
                    out.append(SearchStart(task: "ansatz:\(origin)", origin: origin,
                                           point: SpecialPoints.aligned(model, classifiers: w, signs: [Double](repeating: sign, count: K)),
                                           descendFirst: false))
                }
            }
        }
        return out
    }

    /// Random start `i`: with `.alternate`, even starts go straight to Newton (which converges to
    /// critical points of any index), odd ones descend first (reaching minimizers).
    /// The task name of random start `i`, and back.
    public static func randomTaskName(_ i: Int) -> String { "start:\(i)" }
    public static func randomIndex(taskName: String) -> Int? {
        taskName.hasPrefix("start:") ? Int(taskName.dropFirst(6)) : nil
    }

    public static func randomStart(_ i: Int, model: NormalizedFeatureModel, seed: UInt64, mix: StartMix = .alternate) -> SearchStart {
        var rng = SeededGenerator(seed: seed).derived(i)
        let x = model.manifold.randomPoint(using: &rng)
        let gd: Bool
        switch mix { case .alternate: gd = i % 2 == 1; case .descent: gd = true; case .newton: gd = false }
        var s = SearchStart(task: randomTaskName(i), origin: gd ? "random-descent" : "random-newton", point: x, descendFirst: gd)
        s.seekSaddle = !gd
        return s
    }
}

/// Which kinds of random start a search uses.
public enum StartMix: String, Codable, CaseIterable, Sendable {
    /// Even starts Newton from the random point (saddles of any index), odd ones descend first.
    case alternate
    /// Every start descends first (minimizers: what decides whether spurious minima exist).
    case descent
    /// Every start goes to Newton directly.
    case newton
}
