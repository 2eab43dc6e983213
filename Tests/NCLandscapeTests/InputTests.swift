import XCTest
@testable import NCLandscape

final class InputTests: XCTestCase {
    func pointJSON(K: Int = 2, d: Int = 2, tau: Double = 1, eps: Double = 0, labels: String = "[0,1]",
                   classifiers: String = "[[1,0],[0,1]]", features: String = "[[1,0],[0,1]]") -> Data {
        Data("{\"K\":\(K),\"d\":\(d),\"tau\":\(tau),\"labelSmoothing\":\(eps),\"labels\":\(labels),\"classifiers\":\(classifiers),\"features\":\(features)}".utf8)
    }

    func load(_ data: Data, normalize: Bool = false) throws -> (NormalizedFeatureModel, Matrix) {
        let r = try PointFile.decode(from: data, source: "test.json").load(normalize: normalize)
        return (r.model, r.point)
    }

    func testValidPointLoadsAndRoundTrips() throws {
        let (m, x) = try load(pointJSON())
        XCTAssertEqual(m.K, 2); XCTAssertEqual(x.cols, 4)
        let back = try PointFile.decode(from: JSONOutput.encode(PointFile(model: m, point: x)), source: "x").load()
        XCTAssertEqual(back.point, x)
        XCTAssertEqual(back.model, m)
    }

    func testEveryBadInputHasItsError() {
        assertThrowsInput(try load(Data("{not json".utf8)), contains: "malformed point JSON")
        assertThrowsInput(try load(Data("{\"K\":2}".utf8)), contains: "missing key")
        assertThrowsInput(try load(pointJSON(K: 1, labels: "[0,0]", classifiers: "[[1,0]]")), contains: "K must be at least 2")
        assertThrowsInput(try load(pointJSON(d: 1, classifiers: "[[1],[1]]", features: "[[1],[1]]")), contains: "d must be at least 2")
        assertThrowsInput(try load(pointJSON(tau: 0)), contains: "tau must be a positive")
        assertThrowsInput(try load(pointJSON(tau: -1)), contains: "tau must be a positive")
        assertThrowsInput(try load(pointJSON(eps: 1)), contains: "label smoothing must lie in [0, 1)")
        assertThrowsInput(try load(pointJSON(labels: "[0,2]")), contains: "out of range")
        assertThrowsInput(try load(pointJSON(labels: "[0,0]")), contains: "class 1 has no samples")
        assertThrowsInput(try load(pointJSON(labels: "[0,1,1]")), contains: "\"labels\" has 3")
        assertThrowsInput(try load(pointJSON(classifiers: "[[1,0]]")), contains: "\"classifiers\" has 1 vectors")
        assertThrowsInput(try load(pointJSON(features: "[[1,0,0],[0,1]]")), contains: "has 3 entries")
        assertThrowsInput(try load(pointJSON(features: "[[2,0],[0,1]]")), contains: "--normalize")
        // NaN and Inf are not JSON; huge literals overflow to Inf and are caught as non-finite.
        assertThrowsInput(try load(pointJSON(features: "[[NaN,0],[0,1]]")), contains: "malformed point JSON")
        assertThrowsInput(try load(pointJSON(features: "[[1e400,0],[0,1]]")), contains: "malformed point JSON")
        assertThrowsInput(try load(pointJSON(features: "[[0,0],[0,1]]"), normalize: true), contains: "zero vector")
        assertThrowsInput(try NormalizedFeatureModel(d: 3, counts: [2, 0, 1], tau: 1), contains: "class 1 has no samples")
        assertThrowsInput(try SpecialPoints.simplexETF(K: 5, d: 3), contains: "needs d ≥ K−1")
        var model = try! NormalizedFeatureModel(K: 10, d: 11, n: 3000, tau: 1)
        assertThrowsInput(try LandscapeAnalyzer.checkDenseFits(model, budget: 1e9), contains: "needs 2.0 TiB, over the 954 MiB memory budget")
        model = try! NormalizedFeatureModel(K: 2, d: 2, n: 1, tau: 1)
        XCTAssertNoThrow(try LandscapeAnalyzer.checkDenseFits(model, budget: 1e9))
    }

    func testNormalizeProjectsColumns() throws {
        let (_, x) = try load(pointJSON(features: "[[3,4],[0,2]]"), normalize: true)
        XCTAssertEqual(x.column(2), [0.6, 0.8])
        XCTAssertEqual(x.column(3), [0, 1])
    }

    func testLAPACKErrorsBecomeSwiftErrors() {
        var bad = Matrix(rows: 2, cols: 2, columnMajor: [1, .nan, .nan, 1])
        assertThrowsInput(try LAPACK.eigenvalues(destroying: &bad), contains: "NaN")
        var rect = Matrix(rows: 2, cols: 3)
        assertThrowsInput(try LAPACK.eigenvalues(destroying: &rect), contains: "square")
        XCTAssertThrowsError(try LinearAlgebraError.check(-3, "dsyevr") { _ in "" }) { e in
            XCTAssertEqual(e as? LinearAlgebraError, .illegalArgument(routine: "dsyevr", argument: 3))
        }
        XCTAssertThrowsError(try LinearAlgebraError.check(2, "dgesdd") { _ in "no convergence" })
    }

    func testNPYRoundTripIsExactAndReadsOtherDtypes() throws {
        var rng = SeededGenerator(seed: 1)
        let a = NPYArray(shape: [3, 4], values: rng.normals(12))
        XCTAssertEqual(try NPY.parse(NPY.encode(a), source: "mem"), a)
        let labels = NPYArray(shape: [5], values: [0, 1, 2, 1, 0], isInteger: true)
        XCTAssertEqual(try NPY.parse(NPY.encode(labels), source: "mem"), labels)
        // Hand-made float32 Fortran-order 2×3 array [[1,2,3],[4,5,6]] (stored column by column).
        func npy(_ descr: String, fortran: Bool, shape: String, payload: [UInt8]) -> Data {
            var h = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
            h += String(repeating: " ", count: (64 - (10 + h.utf8.count + 1) % 64) % 64) + "\n"
            return Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.utf8.count), 0] + Array(h.utf8) + payload)
        }
        let f32 = [1, 4, 2, 5, 3, 6].flatMap { v -> [UInt8] in withUnsafeBytes(of: Float(v).bitPattern.littleEndian, Array.init) }
        let fa = try NPY.parse(npy("<f4", fortran: true, shape: "(2, 3)", payload: f32), source: "f4")
        XCTAssertEqual(fa.shape, [2, 3]); XCTAssertEqual(fa.values, [1, 2, 3, 4, 5, 6])
        let i32 = [7, -1].flatMap { v -> [UInt8] in withUnsafeBytes(of: Int32(v).littleEndian, Array.init) }
        XCTAssertEqual(try NPY.parse(npy("<i4", fortran: false, shape: "(2,)", payload: i32), source: "i4").values, [7, -1])
        assertThrowsInput(try NPY.parse(Data("hello".utf8), source: "x"), contains: "magic")
        assertThrowsInput(try NPY.parse(npy(">f8", fortran: false, shape: "(1,)", payload: [UInt8](repeating: 0, count: 8)), source: "x"), contains: "big-endian")
        assertThrowsInput(try NPY.parse(npy("<f8", fortran: false, shape: "(2,)", payload: [UInt8](repeating: 0, count: 8)), source: "x"), contains: "needs 16 data bytes, the file has 8")
    }

    func testNPYFeaturesValidation() throws {
        let dir = NSTemporaryDirectory() + "/nclandscape-npyf-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try NPY.write(NPYArray(shape: [3, 2], values: [1, 0, 0, 1, 1, 1]), to: dir + "/H.npy")
        try NPY.write(NPYArray(shape: [3], values: [0, 1, 1], isInteger: true), to: dir + "/y.npy")
        try NPY.write(NPYArray(shape: [3], values: [0, 3, 1], isInteger: true), to: dir + "/ybad.npy")
        try NPY.write(NPYArray(shape: [3], values: [0, 2, 2], isInteger: true), to: dir + "/yempty.npy")
        try NPY.write(NPYArray(shape: [3, 2], values: [1, .nan, 0, 1, 1, 1]), to: dir + "/Hnan.npy")
        try NPY.write(NPYArray(shape: [2, 3], values: [1, 0, 0, 0, 1, 0]), to: dir + "/Wbad.npy")
        let f = try NPYFeatures.load(features: dir + "/H.npy", labels: dir + "/y.npy", classifiers: nil, K: nil)
        XCTAssertEqual(f.K, 2); XCTAssertEqual(f.features.column(2), [1, 1])
        assertThrowsInput(try NPYFeatures.load(features: dir + "/H.npy", labels: dir + "/ybad.npy", classifiers: nil, K: 3), contains: "out of range")
        assertThrowsInput(try NPYFeatures.load(features: dir + "/H.npy", labels: dir + "/yempty.npy", classifiers: nil, K: nil), contains: "class 1 has no samples")
        assertThrowsInput(try NPYFeatures.load(features: dir + "/Hnan.npy", labels: dir + "/y.npy", classifiers: nil, K: nil), contains: "NaN")
        assertThrowsInput(try NPYFeatures.load(features: dir + "/H.npy", labels: dir + "/y.npy", classifiers: dir + "/Wbad.npy", K: nil), contains: "K × d")
        assertThrowsInput(try NPYFeatures.load(features: dir + "/missing.npy", labels: dir + "/y.npy", classifiers: nil, K: nil), contains: "cannot read")
    }

    func testNPYPointRoundTrip() throws {
        let model = try NormalizedFeatureModel(d: 4, counts: [2, 1, 3], tau: 1.5)
        var rng = SeededGenerator(seed: 2)
        let x = model.manifold.randomPoint(using: &rng)
        let dir = NSTemporaryDirectory() + "/nclandscape-npy-\(getpid())"
        try NPYPoint.write(model: model, point: x, directory: dir)
        let (m2, x2) = try NPYPoint.load(classifiers: dir + "/W.npy", features: dir + "/H.npy", labels: dir + "/y.npy", K: nil,
                                         tau: 1.5, labelSmoothing: 0, normalize: false)
        XCTAssertEqual(m2, model)
        XCTAssertEqual(x2, x)
    }
}
