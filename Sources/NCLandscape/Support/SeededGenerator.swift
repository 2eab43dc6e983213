/// xoshiro256** seeded through SplitMix64: a small, fast generator whose whole stream is
/// fixed by one 64-bit seed, so every random point, direction and start in a report can be
/// reproduced exactly from the seed it records.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    public let seed: UInt64
    private var cachedNormal: Double?

    public init(seed: UInt64) {
        self.seed = seed
        var sm = seed
        func splitmix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(&sm), splitmix(&sm), splitmix(&sm), splitmix(&sm))
    }

    /// An independent stream for sub-task `index` (a start, a run), stable under reordering.
    public func derived(_ index: Int) -> SeededGenerator {
        SeededGenerator(seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(truncatingIfNeeded: index) &+ 0x632B_E59B_D9B4_E019)
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }

    /// Uniform in (0, 1): 53 random bits, never exactly 0.
    public mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// Standard normal (Box–Muller; the second value is kept for the next call).
    public mutating func normal() -> Double {
        if let z = cachedNormal { cachedNormal = nil; return z }
        let u1 = uniform(), u2 = uniform()
        let r = (-2 * Foundation_log(u1)).squareRoot()
        cachedNormal = r * Foundation_sin(2 * Double.pi * u2)
        return r * Foundation_cos(2 * Double.pi * u2)
    }

    public mutating func normals(_ count: Int) -> [Double] { (0 ..< count).map { _ in normal() } }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func Foundation_log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func Foundation_sin(_ x: Double) -> Double { Glibc.sin(x) }
@inline(__always) func Foundation_cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) func Foundation_log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func Foundation_sin(_ x: Double) -> Double { Darwin.sin(x) }
@inline(__always) func Foundation_cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
