import Foundation

/// A NumPy array read from or written to a `.npy` file: shape and values in C (row-major)
/// order as `Double`s. Integer arrays keep exact values up to 2^53.
public struct NPYArray: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Double]
    public var isInteger: Bool

    public init(shape: [Int], values: [Double], isInteger: Bool = false) {
        precondition(shape.reduce(1, *) == values.count)
        self.shape = shape; self.values = values; self.isInteger = isInteger
    }
}

/// Reader and writer for NumPy's `.npy` format (versions 1.0–3.0). Reads little-endian
/// `float64`, `float32`, `int64`, `int32` in C or Fortran order; writes `<f8` or `<i8` in C order.
public enum NPY {
    public static func read(path: String) throws -> NPYArray {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("cannot read \(path): no such file or not readable") }
        return try parse(data, source: path)
    }

    public static func parse(_ data: Data, source: String) throws -> NPYArray {
        let bytes = [UInt8](data)
        func bad(_ why: String) -> InputError { InputError(InputError.printable("malformed .npy file \(source): \(why)")) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1 ..< 6]) == Array("NUMPY".utf8) else { throw bad("missing the \\x93NUMPY magic") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw bad("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; headerStart = 12
        default: throw bad("unsupported format version \(major)")
        }
        guard headerLength <= bytes.count - headerStart else { throw bad("truncated header") }
        guard let header = String(bytes: bytes[headerStart ..< headerStart + headerLength], encoding: major == 3 ? .utf8 : .isoLatin1) else { throw bad("unreadable header") }
        let h = try NPYHeader(parsing: header, source: source)
        let descr = h.descr, fortran = h.fortranOrder, shape = h.shape
        // Checked: a header may claim any shape; the product must fit and match the file.
        var count = 1
        for v in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: v)
            guard !overflow else { throw bad("shape \(shape) has more elements than a 64-bit count holds") }
            count = p
        }
        let itemSize: Int, isInteger: Bool
        switch descr {
        case "<f8": itemSize = 8; isInteger = false
        case "<f4": itemSize = 4; isInteger = false
        case "<i8": itemSize = 8; isInteger = true
        case "<i4": itemSize = 4; isInteger = true
        case "|u1", "|i1", "|b1": throw bad("dtype \(descr) is not supported; save float64/float32 or int64/int32")
        default:
            if descr.hasPrefix(">") { throw bad("big-endian dtype \(descr) is not supported; use arr.astype('<f8')") }
            throw bad("dtype \(descr) is not supported; use float64, float32, int64 or int32")
        }
        let start = headerStart + headerLength
        let (dataBytes, overflow) = count.multipliedReportingOverflow(by: itemSize)
        guard !overflow, bytes.count - start == dataBytes else {
            throw bad("shape \(shape) with dtype \(descr) needs \(overflow ? "more than 2^63" : String(dataBytes)) data bytes, the file has \(bytes.count - start)")
        }
        try MemoryBudget.check(8 * Double(count), for: "reading \(source) (\(count) values)")
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + start
            for i in 0 ..< count {
                let p = base + i * itemSize
                switch descr {
                case "<f8": values[i] = Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
                case "<f4": values[i] = Double(Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self))))
                case "<i8": values[i] = Double(Int64(littleEndian: p.loadUnaligned(as: Int64.self)))
                default: values[i] = Double(Int32(littleEndian: p.loadUnaligned(as: Int32.self)))
                }
            }
        }
        if fortran && shape.count > 1 { values = fortranToC(values, shape: shape) }
        return NPYArray(shape: shape, values: values, isInteger: isInteger)
    }

    /// Reorders column-major (Fortran) data into row-major (C) order.
    static func fortranToC(_ v: [Double], shape: [Int]) -> [Double] {
        var out = [Double](repeating: 0, count: v.count)
        var fStrides = [Int](repeating: 1, count: shape.count)
        for i in 1 ..< shape.count { fStrides[i] = fStrides[i - 1] * shape[i - 1] }
        var idx = [Int](repeating: 0, count: shape.count)
        for c in 0 ..< v.count {
            var f = 0
            for k in 0 ..< shape.count { f += idx[k] * fStrides[k] }
            out[c] = v[f]
            var k = shape.count - 1
            while k >= 0 { idx[k] += 1; if idx[k] < shape[k] { break }; idx[k] = 0; k -= 1 }
        }
        return out
    }

    /// Encodes `<f8` (or `<i8` for integer arrays) in C order, format version 1.0.
    public static func encode(_ a: NPYArray) -> Data {
        let shapeText = a.shape.count == 1 ? "(\(a.shape[0]),)" : "(" + a.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(a.isInteger ? "<i8" : "<f8")', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let len = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(len & 0xFF), UInt8(len >> 8)])
        data.append(contentsOf: Array(header.utf8))
        var raw = [UInt8](); raw.reserveCapacity(a.values.count * 8)
        for v in a.values {
            let bits: UInt64 = a.isInteger ? UInt64(bitPattern: Int64(v)).littleEndian : v.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { raw.append(contentsOf: $0) }
        }
        data.append(contentsOf: raw)
        return data
    }

    public static func write(_ a: NPYArray, to path: String) throws { try AtomicFile.write(encode(a), to: path) }
}

/// Features, labels and (optionally) classifiers read from NumPy arrays as a Python user saves
/// them: rows are vectors (`H.npy` is `N × d`, `W.npy` is `K × d`), `y.npy` holds `N` integers.
public struct NPYFeatures: Sendable {
    /// `d × N` (columns are the features).
    public let features: Matrix
    public let labels: [Int]
    public let K: Int
    /// `d × K`, when given.
    public let classifiers: Matrix?

    /// Validates shapes, finiteness, integer labels in range and non-empty classes.
    /// `K` defaults to the classifier's rows, else to the largest label + 1.
    public static func load(features hPath: String, labels yPath: String, classifiers wPath: String?, K: Int?) throws -> NPYFeatures {
        let h = try NPY.read(path: hPath)
        guard h.shape.count == 2 else { throw InputError("\(hPath): features must be a 2-D array N × d, got shape \(h.shape)") }
        let n = h.shape[0], d = h.shape[1]
        guard h.values.allSatisfy({ $0.isFinite }) else { throw InputError("\(hPath) contains NaN or Inf") }
        let y = try NPY.read(path: yPath)
        guard y.shape.count == 1 || (y.shape.count == 2 && y.shape[1] == 1) else { throw InputError("\(yPath): labels must be a 1-D array, got shape \(y.shape)") }
        guard y.values.count == n else { throw InputError("\(yPath) has \(y.values.count) labels but \(hPath) has \(n) rows") }
        guard y.values.allSatisfy({ $0.isFinite && $0 == $0.rounded() && $0 >= 0 }) else { throw InputError("\(yPath): labels must be non-negative integers") }
        // Every class needs a sample, so K ≤ N and a label is < N (< K with classifiers). Check
        // that on the doubles, before `Int(_:)` (which traps at 2^63) and before anything is
        // allocated per class (a label of 1e12 asked for a 1e12-entry array).
        let wArray = try wPath.map { try NPY.read(path: $0) }
        let bound = wArray.map { $0.shape.first ?? 0 } ?? K ?? n
        if let bad = y.values.first(where: { $0 >= Double(bound) }) {
            let shown = bad < 9e15 ? String(Int(bad)) : String(bad)
            throw InputError(wPath != nil || K != nil
                ? "\(yPath): label \(shown) is out of range 0..<\(bound) (K = \(bound))"
                : "\(yPath): label \(shown) is out of range: with \(n) samples and every class needing one, labels must be < \(n)")
        }
        if let K, K > n { throw InputError("K = \(K) classes cannot all have samples among N = \(n)") }
        let labels = y.values.map { Int($0) }
        var w: Matrix? = nil
        var k = K ?? ((labels.max() ?? 0) + 1)
        if let wPath, let a = wArray {
            guard a.shape.count == 2, a.shape[1] == d else { throw InputError("\(wPath): classifiers must be K × d with d = \(d), got shape \(a.shape)") }
            guard a.values.allSatisfy({ $0.isFinite }) else { throw InputError("\(wPath) contains NaN or Inf") }
            if let K, K != a.shape[0] { throw InputError("--K \(K) disagrees with \(wPath), which has \(a.shape[0]) rows") }
            k = a.shape[0]
            w = Matrix(rows: d, cols: k, columnMajor: a.values)   // C-order rows are column-major columns
        }
        if let bad = labels.first(where: { $0 >= k }) { throw InputError("label \(bad) is out of range 0..<\(k)") }
        var seen = [Bool](repeating: false, count: k)
        for l in labels { seen[l] = true }
        if let empty = seen.firstIndex(of: false) { throw InputError("class \(empty) has no samples (every class needs at least one)") }
        return NPYFeatures(features: Matrix(rows: d, cols: n, columnMajor: h.values), labels: labels, K: k, classifiers: w)
    }
}

/// The header of a `.npy` file, parsed exactly: a Python dict literal with the keys `'descr'` (a
/// quoted string), `'fortran_order'` (`True` or `False`) and `'shape'` (a tuple of non-negative
/// integers), each once and nothing else, e.g. `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`.
struct NPYHeader {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    init(parsing text: String, source: String) throws {
        func bad(_ why: String) -> InputError { InputError(InputError.printable("malformed .npy file \(source): \(why) in the header \(text.trimmingCharacters(in: .whitespacesAndNewlines))")) }
        let chars = Array(text)
        var i = 0
        func skipSpace() { while i < chars.count, chars[i] == " " || chars[i] == "\t" || chars[i] == "\n" || chars[i] == "\r" { i += 1 } }
        func expect(_ c: Character) throws {
            skipSpace()
            guard i < chars.count, chars[i] == c else { throw bad("expected '\(c)'") }
            i += 1
        }
        func quoted() throws -> String {
            skipSpace()
            guard i < chars.count, chars[i] == "'" || chars[i] == "\"" else { throw bad("expected a quoted string") }
            let q = chars[i]; i += 1
            var out = ""
            while i < chars.count, chars[i] != q { out.append(chars[i]); i += 1 }
            guard i < chars.count else { throw bad("unterminated string") }
            i += 1
            return out
        }
        func word() -> String {
            skipSpace()
            var out = ""
            while i < chars.count, chars[i].isLetter || chars[i].isNumber { out.append(chars[i]); i += 1 }
            return out
        }
        try expect("{")
        var fields: [String: Any] = [:]
        while true {
            skipSpace()
            if i < chars.count, chars[i] == "}" { i += 1; break }
            let key = try quoted()
            guard fields[key] == nil else { throw bad("key '\(key)' appears twice") }
            try expect(":")
            switch key {
            case "descr": fields[key] = try quoted()
            case "fortran_order":
                let w = word()
                guard w == "True" || w == "False" else { throw bad("fortran_order must be True or False, not '\(w)'") }
                fields[key] = w == "True"
            case "shape":
                try expect("(")
                var dims: [Int] = []
                while true {
                    skipSpace()
                    if i < chars.count, chars[i] == ")" { i += 1; break }
                    let w = word()
                    guard let v = Int(w), v >= 0 else { throw bad("shape entry '\(w)' is not a non-negative integer") }
                    dims.append(v)
                    skipSpace()
                    if i < chars.count, chars[i] == "," { i += 1; continue }
                    guard i < chars.count, chars[i] == ")" else { throw bad("expected ',' or ')' in the shape") }
                }
                fields[key] = dims
            default: throw bad("unknown key '\(key)'")
            }
            skipSpace()
            if i < chars.count, chars[i] == "," { i += 1; continue }
            guard i < chars.count, chars[i] == "}" else { throw bad("expected ',' or '}'") }
        }
        skipSpace()
        guard i == chars.count else { throw bad("text after the closing brace") }
        guard let d = fields["descr"] as? String else { throw bad("no 'descr'") }
        guard let f = fields["fortran_order"] as? Bool else { throw bad("no 'fortran_order'") }
        guard let sh = fields["shape"] as? [Int] else { throw bad("no 'shape'") }
        descr = d; fortranOrder = f; shape = sh
    }
}
