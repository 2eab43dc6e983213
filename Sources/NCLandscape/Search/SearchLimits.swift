import Foundation

extension CriticalPointSearch {
    /// Bytes one random start holds for the whole run: its start point (`d(K+N)` doubles, built
    /// up front by `allStarts`) and its task record.
    static func bytesPerStart(K: Int, d: Int, N: Int) -> Double { 8 * Double(d) * (Double(K) + Double(N)) + 512 }

    /// Refuses search settings no run could finish before anything is allocated: a thread count
    /// outside `1...Validate.maximumJobs`, and a start list over the memory budget (`--starts
    /// 9223372036854775807` asked for the whole list at once and aborted with "failed to allocate").
    public static func checkLimits(K: Int, d: Int, N: Int, config: SearchConfiguration) throws {
        try Validate.jobs(config.jobs)
        try Validate.atLeast(config.starts, 0, "--starts")
        try Validate.countFits(config.starts, bytesEach: bytesPerStart(K: K, d: d, N: N),
                               "--starts \(config.starts) (a start point of d(K+N) = \(d) × \(K + N) values each)")
    }
}
