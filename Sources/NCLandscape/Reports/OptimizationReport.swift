import Foundation

/// Summary of an `optimize` run.
public struct OptimizationReport: Codable, Sendable {
    /// JSON keys: the loss value is `lossValue` (the key `loss` names the loss function in every
    /// file, as in the point files). A new stored property must be listed here too, or it is not
    /// written (docs/schemas/ then needs it as well).
    enum CodingKeys: String, CodingKey {
        case optimizer, source, seed, iterations, stopReason, loss = "lossValue", gradientNorm, hessianVectorProducts, perturbations, finalClassification, polishedLoss, polishedGradientNorm, nc, software
    }

    public var optimizer: String
    public var source: String
    public var seed: UInt64
    public var iterations: Int
    public var stopReason: StopReason
    public var loss: Double
    public var gradientNorm: Double
    public var hessianVectorProducts: Int
    public var perturbations: Int
    /// Class of the Newton-polished end point (`not_critical` when polishing does not converge).
    public var finalClassification: CriticalPointClass
    public var polishedLoss: Double
    public var polishedGradientNorm: Double
    public var nc: NCMetrics
    public var software: String

    /// Renders a settled run (`OptimizationOutcome.settle` did the polishing and classifying).
    public init(_ o: OptimizationOutcome, optimizer: String, source: String, seed: UInt64) {
        let r = o.result
        self.optimizer = optimizer; self.source = source; self.seed = seed
        iterations = r.iterations; stopReason = r.stopReason; loss = r.loss; gradientNorm = r.gradientNorm
        hessianVectorProducts = r.hessianVectorProducts; perturbations = r.perturbations
        finalClassification = o.classification; polishedLoss = o.polishedLoss; polishedGradientNorm = o.polished.gradientNorm
        nc = o.nc; software = SoftwareVersion.summary
    }

    /// `trajectory.csv`, `final.json` (the optimizer's last point, point JSON), `summary.json`.
    public static func write<P: FeatureObjective>(_ rep: OptimizationReport, result r: OptimizationResult, model: P, to dir: String) throws {
        var csv = "iteration,lossValue,gradientNorm,step,nc1,nc2,nc3\n"
        func o(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }
        for x in r.records { csv += "\(x.iteration),\(x.loss),\(x.gradientNorm),\(x.step),\(o(x.nc1)),\(o(x.nc2)),\(o(x.nc3))\n" }
        try AtomicFile.write(csv, to: dir + "/trajectory.csv")
        try AnyPointFile.write(model, r.point, to: dir + "/final.json")
        try AtomicFile.write(JSONOutput.encode(rep), to: dir + "/summary.json")
    }
}
