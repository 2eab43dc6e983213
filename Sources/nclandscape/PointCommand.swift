import ArgumentParser
import Foundation
import NCLandscape

struct PointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "point",
        abstract: "Write a special point as point JSON (and optionally .npy).",
        discussion: """
        KIND is one of: etf (neural collapse: W a simplex ETF, h_j = w_{y_j}; needs d ≥ K−1),
        anti (h_j = −w_{y_j}), total (every column equal), random (uniform on the spheres).
        With --model regularized: optimum (the papers' global minimizer, collapse at the optimal scale),
        origin (W = H = 0), anti (the optimum's classifiers, features h_j = −c w_{y_j}), total (all
        columns along one direction at the optimum's scale), random (Gaussian entries of variance 1/d).
        """)

    @Argument(help: "etf | anti | total | random (normalized); optimum | origin | anti | total | random (regularized)")
    var kind: String
    @OptionGroup var model: ModelOptions
    @Option(name: .customLong("seed"), help: "Seed of the random generator (random points, --rotate).")
    var seed: UInt64 = 0
    @Flag(name: .customLong("rotate"), help: "Apply a random rotation Q ∈ O(d) (a symmetry of the loss) drawn from --seed.")
    var rotate = false
    @Option(name: [.customShort("o"), .customLong("output")], help: "Output point JSON file. Default: standard output.")
    var output: String?
    @Option(name: .customLong("npy-dir"), help: "Also write W.npy (K×d), H.npy (N×d), y.npy (N) into this folder. Default: none.")
    var npyDir: String?

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        if case let .regularized(p) = try model.problem() {
            guard let k = RegularizedSpecialPoint(rawValue: kind) else {
                throw InputError("unknown point kind '\(kind)' for --model regularized; use one of: \(RegularizedSpecialPoint.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard npyDir == nil else { throw InputError("--npy-dir writes the normalized model's arrays; it is not available for --model regularized") }
            var rng = SeededGenerator(seed: seed)
            var x = try p.specialPoint(k, rng: &rng)
            if rotate { x = BLAS.product(.n, try SpecialPoints.randomOrthogonal(p.d, using: &rng), .n, x) }
            let file = RegularizedPointFile(model: p, point: x)
            if let output { try file.write(to: output) } else { print(try JSONOutput.string(file, pretty: false), terminator: "") }
            return
        }
        guard let k = SpecialPoint(rawValue: kind) else {
            throw InputError("unknown point kind '\(kind)'; use one of: \(SpecialPoint.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let m = try model.model()
        var rng = SeededGenerator(seed: seed)
        let x = try SpecialPoints.make(k, model: m, rng: &rng, rotate: rotate)
        let file = PointFile(model: m, point: x)
        if let output { try file.write(to: output) } else { print(try JSONOutput.string(file, pretty: false), terminator: "") }
        if let npyDir { try NPYPoint.write(model: m, point: x, directory: npyDir) }
    }
}

struct BLASInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas-info",
        abstract: "Show which OpenBLAS kernel and thread count this process uses, and the kernel nclandscape requests on this CPU.")
    @Flag(name: .customLong("recommended-coretype"), help: "Print only the OPENBLAS_CORETYPE nclandscape would request here (empty when OpenBLAS's own choice is kept).")
    var recommendedOnly = false

    func run() throws {
        let rec = BLASRuntime.recommendedCoreType(selected: BLASRuntime.coreName, flags: BLASRuntime.cpuFlags())
        if recommendedOnly { print(BLASRuntime.userCoreType == nil ? (rec ?? "") : ""); return }
        print("kernel: \(BLASRuntime.coreName)")
        print("threads: \(BLASRuntime.threads)")
        print("OPENBLAS_CORETYPE: \(BLASRuntime.userCoreType ?? "(unset)")")
        print("relaunched with a chosen kernel: \(getenv("NCLANDSCAPE_KERNEL_RELAUNCHED") != nil ? "yes" : "no")")
    }
}
