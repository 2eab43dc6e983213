/// Quantities unchanged by every symmetry of the problem (rotations `Q ∈ O(d)`, class
/// permutations with relabelling, permutations of samples within a class), used to recognize
/// the same critical point reached twice (docs/formulas.md §5).
public struct CriticalPointInvariants: Codable, Sendable, Equatable {
    public var loss: Double
    public var index: Int
    /// Sorted eigenvalues of `WᵀW` (K × K).
    public var classifierGram: [Double]
    /// Sorted eigenvalues of `H̄ᵀH̄`, the Gram matrix of the class means.
    public var classMeanGram: [Double]
    /// Sorted eigenvalues of `X Xᵀ` (d × d), `X = [W H]`: sensitive to spread within classes.
    public var pointGram: [Double]

    public init<P: FeatureObjective>(model: P, point x: Matrix, loss: Double, index: Int) throws {
        self.loss = loss
        self.index = index
        let w = x.columns(model.classifierColumns)
        classifierGram = try LAPACK.eigenvalues(BLAS.product(.t, w, .n, w))
        var means = Matrix(rows: model.d, cols: model.K)
        for (j, y) in model.labels.enumerated() {
            for i in 0 ..< model.d { means[i, y] += x[i, model.K + j] / Double(model.counts[y]) }
        }
        classMeanGram = try LAPACK.eigenvalues(BLAS.product(.t, means, .n, means))
        pointGram = try LAPACK.eigenvalues(BLAS.product(.n, x, .t, x))
    }

    /// Loss agreement: well below the 1e−9 classification tolerance, well above the ~1e−14
    /// variation of the loss between polished copies of one point.
    public static let lossTolerance = 1e-10
    /// Gram eigenvalues of polished copies (‖grad‖ ≤ 1e−10, so coordinates accurate to ~1e−10)
    /// agree to ~1e−9; distinct critical points differ at O(1e−3) or more in practice.
    public static let spectrumTolerance = 1e-6

    /// `matches` without the index: for recognizing a known class before its spectrum is computed.
    public func matchesIgnoringIndex(_ o: CriticalPointInvariants) -> Bool {
        var copy = o
        copy.index = index
        return matches(copy)
    }

    public func matches(_ o: CriticalPointInvariants) -> Bool {
        func close(_ a: [Double], _ b: [Double]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= Self.spectrumTolerance * max(1, abs($0)) }
        }
        return index == o.index && abs(loss - o.loss) <= Self.lossTolerance * max(1, abs(loss))
            && close(classifierGram, o.classifierGram) && close(classMeanGram, o.classMeanGram) && close(pointGram, o.pointGram)
    }
}

/// JSON keys: the loss value is `lossValue`, as everywhere; records written before the names
/// were unified (schemaVersion 1 and earlier, e.g. committed `critical_points.json.gz` files)
/// spell it `loss` inside `invariants`, and are still read.
extension CriticalPointInvariants {
    enum CodingKeys: String, CodingKey { case lossValue, index, classifierGram, classMeanGram, pointGram, loss }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if c.contains(.lossValue), c.contains(.loss) {
            throw DecodingError.dataCorruptedError(forKey: .loss, in: c, debugDescription: "both \"lossValue\" and its old name \"loss\"")
        }
        loss = try c.contains(.loss) ? c.decode(Double.self, forKey: .loss) : c.decode(Double.self, forKey: .lossValue)
        index = try c.decode(Int.self, forKey: .index)
        classifierGram = try c.decode([Double].self, forKey: .classifierGram)
        classMeanGram = try c.decode([Double].self, forKey: .classMeanGram)
        pointGram = try c.decode([Double].self, forKey: .pointGram)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(loss, forKey: .lossValue)
        try c.encode(index, forKey: .index)
        try c.encode(classifierGram, forKey: .classifierGram)
        try c.encode(classMeanGram, forKey: .classMeanGram)
        try c.encode(pointGram, forKey: .pointGram)
    }
}
