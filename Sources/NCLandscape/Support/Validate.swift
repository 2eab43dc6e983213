/// One-line refusals for numeric settings, each naming the flag and the value it got. Library
/// configurations call these in their `validate()`, so a script using the library gets the same
/// messages as the command line.
public enum Validate {
    /// `v > 0` and finite.
    public static func positive(_ v: Double, _ flag: String) throws {
        guard v.isFinite, v > 0 else { throw InputError("\(flag) must be a positive finite number (got \(v))") }
    }

    /// `v ≥ 0` and finite.
    public static func nonNegative(_ v: Double, _ flag: String) throws {
        guard v.isFinite, v >= 0 else { throw InputError("\(flag) must be a finite number ≥ 0 (got \(v))") }
    }

    /// `lower ≤ v < upper` (`upperIncluded` for `≤`).
    public static func inRange(_ v: Double, _ flag: String, _ lower: Double, _ upper: Double, upperIncluded: Bool = false, why: String = "") throws {
        let ok = v.isFinite && v >= lower && (upperIncluded ? v <= upper : v < upper)
        guard ok else {
            throw InputError("\(flag) must be in [\(lower), \(upper)\(upperIncluded ? "]" : ")")\(why.isEmpty ? "" : " (\(why))") (got \(v))")
        }
    }

    /// An integer `≥ minimum`.
    public static func atLeast(_ v: Int, _ minimum: Int, _ flag: String) throws {
        guard v >= minimum else { throw InputError("\(flag) must be ≥ \(minimum) (got \(v))") }
    }

    /// Most worker threads a run may ask for. Batches are sized from `jobs` (`jobs × 2` tasks
    /// per batch overflowed at `--jobs 9223372036854775807`), and threads beyond the machine's
    /// cores only add overhead.
    public static let maximumJobs = 4096

    /// A thread count in `1...maximumJobs`.
    public static func jobs(_ v: Int, _ flag: String = "--jobs") throws {
        guard v >= 1, v <= maximumJobs else { throw InputError("\(flag) must be between 1 and \(maximumJobs) (got \(v))") }
    }

    /// A count of independent items (starts, seeds, runs) whose records are kept in memory:
    /// refused when `count × bytesEach` exceeds the memory budget, before the list is built.
    public static func countFits(_ count: Int, bytesEach: Double, _ what: @autoclosure () -> String) throws {
        try MemoryBudget.check(Double(count) * bytesEach, for: what(), hint: "raise --memory-budget or ask for fewer")
    }

    /// A geodesic radius on the unit sphere: positive, finite, below π (beyond π the geodesic
    /// wraps around and the radius no longer measures a distance).
    public static func radius(_ v: Double, _ flag: String) throws {
        guard v.isFinite, v > 0, v < Double.pi else {
            throw InputError("\(flag) must be a radius in (0, π) on the unit sphere (got \(v))")
        }
    }
}
