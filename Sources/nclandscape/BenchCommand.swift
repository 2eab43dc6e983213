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

    func run() throws {
        for triple in sizes.split(separator: ";") {
            let v = triple.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
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
