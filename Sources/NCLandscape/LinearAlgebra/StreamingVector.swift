import Foundation

/// Level-1 passes over long vectors (the Lanczos recurrence at the CIFAR-100 size streams
/// 205 MB vectors every step), written for memory bandwidth: four-wide partial sums the compiler
/// can keep in vector registers (a single running sum is one dependent add per element), the
/// recurrence's update fused with its norm, and the halves on two threads (`TwoThreads`).
/// Summation order differs from `Vector`'s left-to-right sums, so results agree with them to
/// rounding (~1e-16 relative), not bit for bit.
enum StreamingVector {
    /// `aᵀb`.
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        return a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            halves(a.count) { lo, hi in dot(pa.baseAddress! + lo, pb.baseAddress! + lo, count: hi - lo) }
        } }
    }

    /// `Σ_{i<count} a[i] b[i]` on one thread (a column of a matrix: `d` entries).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
        var acc = SIMD4<Double>(repeating: 0)
        var i = 0
        while i + 4 <= count {
            acc += load(a, i) * load(b, i)
            i += 4
        }
        var s = acc.sum()
        while i < count { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// `w ← w − α q − β p`, returning `‖w‖` of the result (one pass instead of two).
    static func lanczosUpdate(_ w: inout [Double], alpha: Double, q: [Double], beta: Double, previous p: [Double]) -> Double {
        precondition(w.count == q.count && w.count == p.count)
        let n = w.count
        let sumOfSquares = q.withUnsafeBufferPointer { pq in p.withUnsafeBufferPointer { pp in
            w.withUnsafeMutableBufferPointer { pw in
                halves(n) { lo, hi in
                    let a4 = SIMD4<Double>(repeating: alpha), b4 = SIMD4<Double>(repeating: beta)
                    var acc = SIMD4<Double>(repeating: 0)
                    var i = lo
                    while i + 4 <= hi {
                        let r = load(pw.baseAddress!, i) - (a4 * load(pq.baseAddress!, i) + b4 * load(pp.baseAddress!, i))
                        store(r, pw.baseAddress!, i)
                        acc += r * r
                        i += 4
                    }
                    var s = acc.sum()
                    while i < hi { let r = pw[i] - (alpha * pq[i] + beta * pp[i]); pw[i] = r; s += r * r; i += 1 }
                    return s
                }
            }
        } }
        // Squares underflow (entries below ~1e-154) or overflow (above ~1e154) only far from
        // any Hessian's scale; there the scaled two-pass norm takes over.
        if sumOfSquares.isFinite && sumOfSquares > 1e-280 { return sumOfSquares.squareRoot() }
        return Vector.norm(w)
    }

    /// `y ← x / s`.
    static func divide(_ x: [Double], by s: Double, into y: inout [Double]) {
        precondition(x.count == y.count)
        let n = x.count
        x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in
            TwoThreads.split(n, work: n) { range in
                for i in range { py[i] = px[i] / s }
            }
        } }
    }

    /// `body(lo, hi)` on the two halves of `0..<n` (two threads when long enough), summed.
    private static func halves(_ n: Int, _ body: (Int, Int) -> Double) -> Double {
        var partial = [0.0, 0.0]
        partial.withUnsafeMutableBufferPointer { out in
            TwoThreads.split(n, work: n) { range in
                out[range.lowerBound == 0 ? 0 : 1] = body(range.lowerBound, range.upperBound)
            }
        }
        return partial[0] + partial[1]
    }

    /// Entries `i…i+3` (no alignment needed).
    @inline(__always)
    private static func load(_ p: UnsafePointer<Double>, _ i: Int) -> SIMD4<Double> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
    }

    @inline(__always)
    private static func store(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD4<Double>.self)
    }
}
