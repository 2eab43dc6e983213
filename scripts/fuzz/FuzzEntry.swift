// libFuzzer entry points for the readers. Not part of the package: scripts/fuzz.sh compiles
// this file together with Sources/NCLandscape into one module (so internal readers are
// reachable) with `-sanitize=fuzzer,address`, once per reader (-D NCL_FUZZ_NPY / _JSON / _JSONL).
// Every input must load or be refused with an InputError whose message is one line; any other
// error, a trap or an allocation abort is a finding (libFuzzer writes the input as crash-*).
import Foundation

/// A folder in memory for the readers that take paths (tmpfs when there is one).
private let scratch: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let d = base + "/nclandscape-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}()

private func expectRefusalOrSuccess(_ body: () throws -> Void) {
    do { try body() } catch let e as InputError {
        if e.message.contains("\n") { fatalError("refusal is not one line: \(e.message)") }
    } catch {
        fatalError("reader raised \(type(of: error)) instead of an InputError: \(error)")
    }
}

#if NCL_FUZZ_NPY
/// A valid 4 × 3 feature array and classifier array; the input is tried as labels, as features
/// and as classifiers (each with the other two files valid), after the plain parse.
private let validH = NPY.encode(NPYArray(shape: [4, 3], values: [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0]))
private let validW = NPY.encode(NPYArray(shape: [2, 3], values: [1, 0, 0, 0, 1, 0]))
private let validY = NPY.encode(NPYArray(shape: [4], values: [0, 1, 0, 1], isInteger: true))

private func fuzzOne(_ data: Data) {
    expectRefusalOrSuccess { _ = try NPY.parse(data, source: "input") }
    let (h, y, w, x) = (scratch + "/H.npy", scratch + "/y.npy", scratch + "/W.npy", scratch + "/x.npy")
    try? validH.write(to: URL(fileURLWithPath: h)); try? validY.write(to: URL(fileURLWithPath: y))
    try? validW.write(to: URL(fileURLWithPath: w)); try? data.write(to: URL(fileURLWithPath: x))
    expectRefusalOrSuccess { _ = try NPYFeatures.load(features: h, labels: x, classifiers: nil, K: nil) }
    expectRefusalOrSuccess { _ = try NPYPoint.load(classifiers: w, features: x, labels: y, K: nil, tau: 2, labelSmoothing: 0, normalize: true) }
    expectRefusalOrSuccess { _ = try NPYPoint.load(classifiers: x, features: h, labels: y, K: nil, tau: 2, labelSmoothing: 0, normalize: false) }
}
#elseif NCL_FUZZ_JSON
/// Point files, critical-point records and arrays (with --id 0), and sweep specifications.
private func fuzzOne(_ data: Data) {
    expectRefusalOrSuccess { _ = try PointFile.decode(from: data, source: "input").load(normalize: true) }
    expectRefusalOrSuccess { _ = try PointFile.decode(from: data, source: "input", id: 0).load(normalize: false) }
    expectRefusalOrSuccess {
        let g = try StrictJSON.decode(SweepGrid.self, from: data, what: "sweep spec", source: "input")
        // Expanding the grid is where sizes are checked; only small grids are listed.
        _ = try g.configurations().prefix(1)
    }
}
#elseif NCL_FUZZ_JSONL
/// The logs a resume, merge and phase read: sweep lines (with their consistency check),
/// verify's critical_points.jsonl and tasks.jsonl, and the torn-tail repair.
private func fuzzOne(_ data: Data) {
    let p = scratch + "/log.jsonl"
    try? data.write(to: URL(fileURLWithPath: p))
    expectRefusalOrSuccess {
        for r in try JSONLines.read(SweepResult.self, path: p) { try Sweep.checkConsistent(r, path: p) }
    }
    expectRefusalOrSuccess { _ = try JSONLines.read(CriticalPointRecord.self, path: p).map { try $0.pointFile.load() } }
    expectRefusalOrSuccess { _ = try JSONLines.read(TaskRecord.self, path: p) }
    expectRefusalOrSuccess { try JSONLines.repairTail(path: p) }
}
#else
#error("compile with one of -D NCL_FUZZ_NPY, NCL_FUZZ_JSON, NCL_FUZZ_JSONL")
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func nclandscapeFuzzOne(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzOne(Data(bytes: bytes, count: size))
    return 0
}
