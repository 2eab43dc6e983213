import XCTest
@testable import NCLandscape

final class KernelTests: XCTestCase {
    func testKernelRecommendationNeverRequestsUnsupportedInstructions() {
        let avx512: Set = ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
        XCTAssertEqual(BLASRuntime.recommendedCoreType(selected: "Prescott", flags: avx512), "SkylakeX")
        XCTAssertEqual(BLASRuntime.recommendedCoreType(selected: "Prescott", flags: ["avx", "avx2", "fma"]), "Haswell")
        XCTAssertNil(BLASRuntime.recommendedCoreType(selected: "Prescott", flags: ["sse2"]))
        // A kernel OpenBLAS recognized itself is kept.
        XCTAssertNil(BLASRuntime.recommendedCoreType(selected: "Zen", flags: avx512))
        XCTAssertNil(BLASRuntime.recommendedCoreType(selected: "SkylakeX", flags: avx512))
        let flags = BLASRuntime.cpuFlags(cpuinfo: "processor : 0\nflags\t\t: fpu sse2 avx2 fma\n")
        XCTAssertEqual(flags, ["fpu", "sse2", "avx2", "fma"])
    }

    /// Results do not depend on the kernel: the built `nclandscape` binary run with the generic
    /// `Prescott` kernel and with the kernel it picks by itself gives the same spectrum (to 1e-12;
    /// kernels differ only in summation order, ~1e-15 relative here).
    func testSpectrumIsUnchangedAcrossKernels() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [".build/debug/nclandscape", ".build/release/nclandscape"].map { root.appendingPathComponent($0).path }
        guard let exe = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("nclandscape binary not built")
        }
        let pointPath = NSTemporaryDirectory() + "/kernel-test-\(getpid()).json"
        let model = try NormalizedFeatureModel(K: 4, d: 5, n: 3, tau: 2)
        var rng = SeededGenerator(seed: 11)
        try PointFile(model: model, point: model.manifold.randomPoint(using: &rng)).write(to: pointPath)
        func run(_ env: [String: String]) throws -> (core: String, values: [Double]) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = ["spectrum", pointPath, "--json"]
            var e = ProcessInfo.processInfo.environment
            e.removeValue(forKey: "OPENBLAS_CORETYPE"); e.removeValue(forKey: "NCLANDSCAPE_KERNEL_RELAUNCHED")
            for (k, v) in env { e[k] = v }
            p.environment = e
            let pipe = Pipe(); p.standardOutput = pipe
            try p.run(); p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
            let obj = try JSONSerialization.jsonObject(with: pipe.fileHandleForReading.readDataToEndOfFile()) as! [String: Any]
            return (obj["blas"] as! String, obj["eigenvalues"] as! [Double])
        }
        let generic = try run(["OPENBLAS_CORETYPE": "Prescott"])
        let auto = try run([:])
        XCTAssertTrue(generic.core.contains("Prescott"))
        XCTAssertEqual(generic.values.count, auto.values.count)
        XCTAssertLessThan(zip(generic.values, auto.values).map { abs($0 - $1) }.max()!, 1e-12)
    }
}
