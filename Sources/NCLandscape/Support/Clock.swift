import Foundation

/// Monotonic wall-clock timing.
public enum Stopwatch {
    public static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + 1e-9 * Double(t.tv_nsec)
    }

    /// Runs `body` and returns its result with the elapsed seconds.
    public static func time<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let t0 = now()
        let r = try body()
        return (r, now() - t0)
    }
}

extension Array where Element == Double {
    /// Median (NaN for an empty array).
    public var median: Double {
        if isEmpty { return .nan }
        let s = sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }
}
