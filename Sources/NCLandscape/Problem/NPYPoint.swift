import Foundation

/// Builds a model and point from NumPy arrays (see `NPYFeatures`); the classifier is required
/// because it is part of the point.
public enum NPYPoint {
    public static func load(classifiers wPath: String?, features hPath: String, labels yPath: String, K: Int?, tau: Double,
                            labelSmoothing: Double, loss: LossFunction = .crossEntropy, normalize: Bool) throws -> (model: NormalizedFeatureModel, point: Matrix) {
        guard wPath != nil else {
            throw InputError("--classifiers W.npy is required to analyze the model at a point (W is part of the point)")
        }
        let f = try NPYFeatures.load(features: hPath, labels: yPath, classifiers: wPath, K: K)
        let d = f.features.rows, kk = f.K
        let vectors = (0 ..< kk).map { f.classifiers!.column($0) } + (0 ..< f.labels.count).map { f.features.column($0) }
        let model = try NormalizedFeatureModel(K: kk, d: d, labels: f.labels, tau: tau, labelSmoothing: labelSmoothing, loss: loss)
        let x = try PointFile.assemble(d: d, vectors: vectors, names: { $0 < kk ? "classifier \($0) (row \($0) of \(wPath!))" : "feature \($0 - kk) (row \($0 - kk) of \(hPath))" },
                                       normalize: normalize)
        return (model, x)
    }

    /// Writes `W.npy` (`K × d`), `H.npy` (`N × d`) and `y.npy` (`N`) into `directory`.
    public static func write(model: NormalizedFeatureModel, point x: Matrix, directory: String) throws {
        let d = model.d
        // Column-major columns are exactly NumPy's C-order rows.
        var w: [Double] = [], h: [Double] = []
        for c in 0 ..< model.K { w += x.column(c) }
        for j in 0 ..< model.N { h += x.column(model.K + j) }
        try NPY.write(NPYArray(shape: [model.K, d], values: w), to: directory + "/W.npy")
        try NPY.write(NPYArray(shape: [model.N, d], values: h), to: directory + "/H.npy")
        try NPY.write(NPYArray(shape: [model.N], values: model.labels.map(Double.init), isInteger: true), to: directory + "/y.npy")
    }
}
