import CLinearAlgebra
import Foundation

/// Arithmetic past double precision (QD library): what the extended-precision evaluation of the
/// model needs.
public protocol ExtendedReal: Sendable, Comparable {
    init(_ x: Double)
    /// Rounded to the nearest double.
    var double: Double { get }
    /// Relative error of one operation (a small multiple of QD's documented accuracy).
    static var unitRoundoff: Double { get }
    /// `double-double`, `quad-double`.
    static var name: String { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
    static prefix func - (a: Self) -> Self
    static func exp(_ a: Self) -> Self
    static func log(_ a: Self) -> Self
    static func sqrt(_ a: Self) -> Self
}

extension ExtendedReal {
    public static var zero: Self { Self(0) }
    public static var one: Self { Self(1) }
    public static func += (a: inout Self, b: Self) { a = a + b }
    public static func -= (a: inout Self, b: Self) { a = a - b }
}

/// A double-double number `hi + lo` (about 32 significant digits) with arithmetic from the QD
/// library (Hida, Li & Bailey; Debian `libqd-dev`): each operation is accurate to a small
/// multiple of `2⁻¹⁰⁴` relative. Used where doubles cannot decide: polishing a critical point
/// past double precision and evaluating its gradient for a certificate (docs/formulas.md §14).
public struct DoubleDouble: ExtendedReal, CustomStringConvertible {
    public var hi: Double
    public var lo: Double

    public init(_ x: Double) { hi = x; lo = 0 }
    public init(hi: Double, lo: Double) { self.hi = hi; self.lo = lo }

    /// Unit roundoff of one QD operation, `2⁻¹⁰⁴` (QD's documented accuracy is a few of these).
    public static var unitRoundoff: Double { 0x1p-104 }
    public static var name: String { "double-double" }

    public var double: Double { hi + lo }
    public var description: String { String(format: "%.17g%+.6g", hi, lo) }
    public var isFinite: Bool { hi.isFinite && lo.isFinite }

    typealias Binary = (UnsafePointer<Double>?, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?) -> Void
    typealias Unary = (UnsafePointer<Double>?, UnsafeMutablePointer<Double>?) -> Void

    @inline(__always) static func apply(_ a: DoubleDouble, _ b: DoubleDouble, _ f: Binary) -> DoubleDouble {
        var x = (a.hi, a.lo), y = (b.hi, b.lo), z = (0.0, 0.0)
        withUnsafePointer(to: &x) { px in withUnsafePointer(to: &y) { py in withUnsafeMutablePointer(to: &z) { pz in
            f(UnsafeRawPointer(px).assumingMemoryBound(to: Double.self), UnsafeRawPointer(py).assumingMemoryBound(to: Double.self),
              UnsafeMutableRawPointer(pz).assumingMemoryBound(to: Double.self))
        } } }
        return DoubleDouble(hi: z.0, lo: z.1)
    }

    @inline(__always) static func apply(_ a: DoubleDouble, _ f: Unary) -> DoubleDouble {
        var x = (a.hi, a.lo), z = (0.0, 0.0)
        withUnsafePointer(to: &x) { px in withUnsafeMutablePointer(to: &z) { pz in
            f(UnsafeRawPointer(px).assumingMemoryBound(to: Double.self), UnsafeMutableRawPointer(pz).assumingMemoryBound(to: Double.self))
        } }
        return DoubleDouble(hi: z.0, lo: z.1)
    }

    public static func + (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble { apply(a, b, c_dd_add) }
    public static func - (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble { apply(a, b, c_dd_sub) }
    public static func * (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble { apply(a, b, c_dd_mul) }
    public static func / (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble { apply(a, b, c_dd_div) }
    public static prefix func - (a: DoubleDouble) -> DoubleDouble { DoubleDouble(hi: -a.hi, lo: -a.lo) }
    public static func < (a: DoubleDouble, b: DoubleDouble) -> Bool { a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

    public static func exp(_ a: DoubleDouble) -> DoubleDouble { apply(a, c_dd_exp) }
    public static func log(_ a: DoubleDouble) -> DoubleDouble { apply(a, c_dd_log) }
    public static func sqrt(_ a: DoubleDouble) -> DoubleDouble { apply(a, c_dd_sqrt) }
    public var magnitude: DoubleDouble { hi < 0 || (hi == 0 && lo < 0) ? -self : self }
}

/// A quad-double number (four doubles, about 64 significant digits), QD's `c_qd_*` routines.
public struct QuadDouble: ExtendedReal {
    public var v: (Double, Double, Double, Double)
    public init(_ x: Double) { v = (x, 0, 0, 0) }
    init(_ v: (Double, Double, Double, Double)) { self.v = v }
    public var double: Double { ((v.3 + v.2) + v.1) + v.0 }
    public static var unitRoundoff: Double { 0x1p-208 }
    public static var name: String { "quad-double" }

    @inline(__always) static func apply(_ a: QuadDouble, _ b: QuadDouble, _ f: DoubleDouble.Binary) -> QuadDouble {
        var x = a.v, y = b.v, z = (0.0, 0.0, 0.0, 0.0)
        withUnsafePointer(to: &x) { px in withUnsafePointer(to: &y) { py in withUnsafeMutablePointer(to: &z) { pz in
            f(UnsafeRawPointer(px).assumingMemoryBound(to: Double.self), UnsafeRawPointer(py).assumingMemoryBound(to: Double.self),
              UnsafeMutableRawPointer(pz).assumingMemoryBound(to: Double.self))
        } } }
        return QuadDouble(z)
    }
    @inline(__always) static func apply(_ a: QuadDouble, _ f: DoubleDouble.Unary) -> QuadDouble {
        var x = a.v, z = (0.0, 0.0, 0.0, 0.0)
        withUnsafePointer(to: &x) { px in withUnsafeMutablePointer(to: &z) { pz in
            f(UnsafeRawPointer(px).assumingMemoryBound(to: Double.self), UnsafeMutableRawPointer(pz).assumingMemoryBound(to: Double.self))
        } }
        return QuadDouble(z)
    }
    public static func + (a: QuadDouble, b: QuadDouble) -> QuadDouble { apply(a, b, c_qd_add) }
    public static func - (a: QuadDouble, b: QuadDouble) -> QuadDouble { apply(a, b, c_qd_sub) }
    public static func * (a: QuadDouble, b: QuadDouble) -> QuadDouble { apply(a, b, c_qd_mul) }
    public static func / (a: QuadDouble, b: QuadDouble) -> QuadDouble { apply(a, b, c_qd_div) }
    public static prefix func - (a: QuadDouble) -> QuadDouble { QuadDouble((-a.v.0, -a.v.1, -a.v.2, -a.v.3)) }
    public static func < (a: QuadDouble, b: QuadDouble) -> Bool {
        (a.v.0, a.v.1, a.v.2, a.v.3) < (b.v.0, b.v.1, b.v.2, b.v.3)
    }
    public static func == (a: QuadDouble, b: QuadDouble) -> Bool { a.v == b.v }
    public static func exp(_ a: QuadDouble) -> QuadDouble { apply(a, c_qd_exp) }
    public static func log(_ a: QuadDouble) -> QuadDouble { apply(a, c_qd_log) }
    public static func sqrt(_ a: QuadDouble) -> QuadDouble { apply(a, c_qd_sqrt) }
}

/// A `d × n` matrix of extended-precision numbers, column-major like `Matrix` (a point on the
/// product of spheres past double precision).
public struct ExtendedMatrix<T: ExtendedReal>: Sendable {
    public let rows: Int
    public let cols: Int
    public var storage: [T]

    public init(_ m: Matrix) {
        rows = m.rows; cols = m.cols
        storage = m.storage.map(T.init)
    }

    /// The same values in another precision (rounded when it is lower).
    public init<S: ExtendedReal>(converting m: ExtendedMatrix<S>) where S: ExtendedReal {
        rows = m.rows; cols = m.cols
        storage = m.storage.map { Self.convert($0) }
    }

    static func convert<S: ExtendedReal>(_ x: S) -> T {
        if let q = x as? QuadDouble, T.self == QuadDouble.self { return q as! T }
        if let dd = x as? DoubleDouble {
            if T.self == QuadDouble.self { return QuadDouble((dd.hi, dd.lo, 0, 0)) as! T }
            if T.self == DoubleDouble.self { return dd as! T }
        }
        if let q = x as? QuadDouble, T.self == DoubleDouble.self { return DoubleDouble(hi: q.v.0, lo: q.v.1) as! T }
        return T(x.double)
    }

    public subscript(i: Int, j: Int) -> T {
        get { storage[j * rows + i] }
        set { storage[j * rows + i] = newValue }
    }

    /// Rounded to doubles.
    public var rounded: Matrix { Matrix(rows: rows, cols: cols, columnMajor: storage.map(\.double)) }

    /// Every column scaled to unit norm in this precision.
    public func normalizedColumns() -> ExtendedMatrix<T> {
        var out = self
        for c in 0 ..< cols {
            var s = T.zero
            for i in 0 ..< rows { s += self[i, c] * self[i, c] }
            let n = T.sqrt(s)
            for i in 0 ..< rows { out[i, c] = self[i, c] / n }
        }
        return out
    }

    /// Frobenius norm, rounded to a double.
    public var frobeniusNorm: Double {
        var s = T.zero
        for v in storage { s += v * v }
        return T.sqrt(s).double
    }
}

public typealias DoubleDoubleMatrix = ExtendedMatrix<DoubleDouble>
