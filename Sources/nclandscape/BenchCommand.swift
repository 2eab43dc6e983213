import ArgumentParser
import Foundation
import NCLandscape

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark: dense Hessian assembly + full eigenvalue solve vs the LAPACK eigenvalue call alone (ratio, same run).",
        discussion: "Build in release first (swift build -c release). scripts/bench.sh also runs the NumPy baseline.")
    @Option(name: .customLong("sizes"), help: "Semicolon-separated K,d,n triples.")
    var sizes: String = "10,11,10;10,11,30"
    @Option(name: .customLong("repeats"), help: "Repetitions per size (the median is reported).")
    var repeats: Int = 3
    @Flag(name: .customLong("json"), help: "Print JSON lines instead of a table.")
    var json = false
    @Option(name: .customLong("suite"), help: "dense (assembly + dsyevr vs dsyevr alone) or scale (reduced, structured inertia, Lanczos).")
    var suite: String = "dense"
    @Option(name: .customLong("parts"), help: "For --suite scale: comma list of reduced-vs-dense, reduced-large, inertia, inertia-kronecker (not in the default: structured counts at K=100, d=128, n=100 with rounding estimates, and Kronecker vs per-sample Schur assembly at n=2; ≈ 22 min), operator (one Hessian-vector product vs one gemm), operator-cifar (the same at K=100, d=512, n=500; not in the default), product-scaling (one product at K=100, d=512, n=50…500 against n=50, and 2 BLAS threads against 1; not in the default), lanczos, polish (a perturbed saddle re-polished by Newton–MINRES, then Lanczos).")
    var parts: String = "reduced-vs-dense,reduced-large,inertia,operator,lanczos,polish"

    func run() throws {
        if suite == "scale" {
            try ScaleBenchmark.run(parts: Set(parts.split(separator: ",").map(String.init))) { l in
                if json { print((try? JSONOutput.string(l, pretty: false)) ?? "", terminator: "") }
                else {
                    var s = String(format: "%@: K=%d d=%d n=%d m=%d: %.3f s", l.name, l.K, l.d, l.n, l.m, l.seconds)
                    if let b = l.baselineSeconds, let sp = l.speedup {
                        s += String(format: " (%@ %.3f s; baseline/this = %.3g)", l.baseline ?? "baseline", b, sp)
                    }
                    if let e = l.maxEigenvalueDifference { s += String(format: ", max |Δλ| = %.1e", e) }
                    if let lm = l.lambdaMin { s += String(format: ", λ_min = %.10g", lm) }
                    if let i = l.index { s += ", index \(i)" }
                    s += ", class \(l.classification)"
                    if let h = l.hessianVectorProducts { s += ", \(h) HVPs" }
                    print(s)
                }
            }
            return
        }
        guard suite == "dense" else { throw InputError("--suite: use dense or scale") }
        for triple in sizes.split(separator: ";") {
            let v = try parseList(String(triple), "--sizes") { Int($0) }
            guard v.count == 3 else { throw InputError("--sizes: '\(triple)' is not K,d,n") }
            let b = try SpectrumBenchmark.run(K: v[0], d: v[1], n: v[2], repeats: repeats)
            if json { print(try JSONOutput.string(b, pretty: false), terminator: "") }
            else {
                print(String(format: "K=%d d=%d n=%d m=%d: assembly %.3f s, assembly+eigvals %.3f s, LAPACK dsyevr alone %.3f s, ratio %.3f  [%@]",
                             b.K, b.d, b.n, b.m, b.assemblySeconds, b.assemblyPlusEigenvaluesSeconds, b.lapackAloneSeconds, b.ratio, b.blas))
            }
        }
    }
}
