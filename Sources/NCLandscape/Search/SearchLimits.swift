import Foundation

extension CriticalPointSearch {
    /// Bytes priced per random start: a start point (`d(K+N)` doubles), its bookkeeping and its
    /// task record. Measured when every start point was built up front: 200 000 starts at K = 4,
    /// d = 5, n = 3 (640 bytes of doubles each) held 830 bytes per start before any task finished;
    /// a task record adds a few hundred. Start points are now drawn a batch at a time, so this
    /// over-estimates a long run; it is kept as the price so the refusal threshold stays put.
    static func bytesPerStart(K: Int, d: Int, N: Int) -> Double { 8 * Double(d) * (Double(K) + Double(N)) + 1024 }

    /// Refuses search settings no run could finish before anything is allocated: a thread count
    /// outside `1...Validate.maximumJobs`, and a start list over the memory budget (`--starts
    /// 9223372036854775807` asked for the whole list at once and aborted with "failed to allocate").
    public static func checkLimits(K: Int, d: Int, N: Int, config: SearchConfiguration) throws {
        try Validate.jobs(config.jobs)
        try Validate.atLeast(config.starts, 0, "--starts")
        try Validate.countFits(config.starts, bytesEach: bytesPerStart(K: K, d: d, N: N),
                               "--starts \(config.starts) (a start point of d(K+N) = \(d) × \(K + N) values each)")
        if let c = config.coverage {
            // Adaptive mode draws start points a batch at a time; what grows with --max-starts is
            // the task log (one record of a few hundred bytes per start).
            try Validate.countFits(c.maxStarts, bytesEach: 1024, "--max-starts \(c.maxStarts) (a task record each)")
            try Validate.countFits(c.batch, bytesEach: bytesPerStart(K: K, d: d, N: N), "--batch \(c.batch) (a start point each)")
        }
    }
}

extension CriticalPointSearch {
    /// The files a run writes into its folder (`verify`'s report included), besides the
    /// per-class histograms `eigenvalues_<class>.svg`.
    static let runFiles = ["run.json", "critical_points.jsonl", "tasks.jsonl", "summary.json", "critical_points.json",
                           "critical_points.csv", "spectra.csv", "loss_vs_index.svg", "report.md"]

    /// Removes a previous run's files before a fresh start (`--force`), `run.json` first: an
    /// interrupted `--force` left the new run.json beside the old summary and report (K = 4 vs
    /// K = 6), and a per-class histogram of a class the new run never finds stayed forever.
    /// Other files in the folder are the user's and stay.
    static func clearRun(in dir: String) throws {
        let fm = FileManager.default
        let stale = runFiles + ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("eigenvalues_") && $0.hasSuffix(".svg") }
        for name in stale {
            let path = dir + "/" + name
            if unlink(path) != 0 && errno != ENOENT {
                throw InputError("cannot remove the previous run's \(path): \(String(cString: strerror(errno)))")
            }
        }
    }
}
