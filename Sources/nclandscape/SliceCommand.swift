import ArgumentParser
import Foundation
import NCLandscape

struct SliceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slice",
        abstract: "Loss along geodesics from a point: 1-D curves per direction and a 2-D map for two directions (SVG, CSV, JSON).",
        discussion: """
        Directions: lambda-min (the lowest Hessian eigenvector: the descent direction at a strict saddle), random (a seeded
        uniformly random unit tangent), gradient (−grad f normalized). The second direction is orthonormalized against the
        first, so the map's axes are arc lengths along orthogonal geodesic directions.
        Example:  nclandscape slice saddle.json --directions lambda-min,random --span 0.5 --grid 41 --out slice-report
        """)
    @OptionGroup var input: PointInputOptions
    @Option(name: .customLong("directions"), help: "One or two of lambda-min, random, gradient (comma-separated). Default: lambda-min,random.")
    var directions: String = "lambda-min,random"
    @Option(name: .customLong("span"), help: "Half-width of the grid in geodesic arc length: radians in (0, π] for the normalized model, Euclidean length for a regularized point file. Default: 0.5.")
    var span: Double = 0.5
    @Option(name: .customLong("grid"), help: "Grid points per direction (odd, 3…401; the 2-D map costs grid² loss evaluations). Default: 41.")
    var grid: Int = 41
    @Option(name: .customLong("seed"), help: "Seed of the random direction. Default: 0.")
    var seed: UInt64 = 0
    @Option(name: .customLong("method"), help: "Spectrum method for the λ_min eigenvector: auto | dense | reduced | lanczos. Default: auto.")
    var method: HessianMethod = .auto
    @Option(name: .customLong("out"), help: "Report folder (slice.csv, slice_1d.svg, slice_2d.svg, summary.json, report.md). Required: nothing is written into the current folder by default.")
    var out: String?
    @Flag(name: .customLong("json"), help: "Print the summary as JSON instead of the table.")
    var json = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        let dir = try requiredOut(out, command: "slice")
        let dirs = try parseList(directions, "--directions") { SliceDirection(rawValue: $0) }
        let (loaded, source) = try input.loadProblem()
        let show = terminalProgress
        func compute<P: FeatureObjective>(_ model: P, _ x: Matrix) throws -> LossSlice {
            try LossSlice.compute(model: model, point: x, directions: dirs, span: span, grid: grid, seed: seed,
                                  options: AnalysisOptions(method: method)) { done, total in
                if done % 50 == 0 || done == total { show?("slice: \(done)/\(total) loss evaluations") }
            }
        }
        let slice: LossSlice
        switch loaded {
        case let .normalized(m, x): slice = try compute(m, x)
        case let .regularized(p, x): slice = try compute(p, x)
        }
        if show != nil { StandardError.write("\n") }
        try SliceReport.write(slice, source: source, to: dir)
        if json { print(try JSONOutput.string(slice, pretty: false), terminator: ""); return }
        print(String(format: "f(x) = %.12g%@", slice.loss, slice.lambdaMin.map { String(format: ", λ_min = %.6g", $0) } ?? ""))
        for c in slice.curves {
            print(String(format: "%-10@  ⟨grad, u⟩ %.3e   uᵀMu %.6g   second difference %.6g   lowest f − f(x) on the curve %.3e",
                         c.direction.rawValue, c.slope, c.rayleighQuotient, c.secondDifference, (c.losses.min() ?? slice.loss) - slice.loss))
        }
        print("report: \(dir)/report.md")
    }
}

extension SliceDirection: ExpressibleByArgument {}
