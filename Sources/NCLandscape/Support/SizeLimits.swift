/// Sizes derived from user input, computed with checked arithmetic: a product that overflows
/// `Int` is a clear error, never a trap or a negative size.
public enum SizeLimits {
    /// Above this the Hessian's scale `τ²` overflows double precision (1e150² = 1e300).
    public static let maximumTemperature = 1e150

    /// `a · b`, or an error naming `what` when it overflows.
    public static func product(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow, p >= 0 else { throw InputError("\(what()) = \(a) × \(b) overflows a 64-bit size") }
        return p
    }

    /// `a + b`, or an error naming `what` when it overflows.
    public static func sum(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        let (s, overflow) = a.addingReportingOverflow(b)
        guard !overflow, s >= 0 else { throw InputError("\(what()) = \(a) + \(b) overflows a 64-bit size") }
        return s
    }

    /// Samples are stored as `Int` labels and `d`-vectors; refuse counts no machine could hold
    /// before anything is allocated (memory budgets are checked separately).
    public static func checkSampleCount(_ n: Int) throws {
        guard n <= 1 << 40 else { throw InputError("N = \(n) samples is more than any machine can hold (limit 2^40)") }
    }

    /// `m = (K+N)(d−1)` and the ambient size `d(K+N)`, checked.
    public static func hessianSize(K: Int, N: Int, d: Int) throws -> Int {
        let columns = try sum(K, N, "the number of columns K + N")
        _ = try product(columns, d, "the ambient dimension (K+N)·d")
        return try product(columns, d - 1, "the Hessian size m = (K+N)(d−1)")
    }
}
