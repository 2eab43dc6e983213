import XCTest
@testable import NCLandscape

/// Reliability regressions, run against the built binary: output
/// paths that are devices, FIFOs or links behave as for `cat > path`; sizes and labels that
/// crashed are one line and exit 1; logs damaged at the end are repaired; wrong answers that
/// were accepted silently are refused or corrected. Device nodes are created here (never the
/// system's /dev: run as root, a rename onto /dev/null replaces it for the whole machine).
final class ReliabilityTests: CommandLineTestCase {
    override var folderPrefix: String { "nclandscape-rel" }
    /// Some refusals here come after a lock file or a run folder was made on purpose.
    override var refusalsLeaveNoFiles: Bool { false }

    func assertSucceeds(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        let o = try run(args)
        XCTAssertEqual(o.status, 0, "\(args.joined(separator: " ")): \(o.stderr)", file: file, line: line)
        return o
    }

    /// A character device node of our own (`mknod`, needs root), or a skip.
    func device(_ name: String, minor: Int32) throws -> String {
        let p = dir + "/" + name
        // Linux's encoding of device 1:minor (memory devices: 3 null, 7 full).
        guard mknod(p, S_IFCHR | 0o666, dev_t((1 << 8) | minor)) == 0 else { throw XCTSkip("mknod not permitted here") }
        return p
    }

    func fileType(_ path: String) -> mode_t {
        var st = stat()
        guard lstat(path, &st) == 0 else { return 0 }
        return st.st_mode & S_IFMT
    }

    func npy(_ name: String, shape: [Int], doubles: [Double]) throws -> String {
        try NPY.write(NPYArray(shape: shape, values: doubles), to: dir + "/" + name)
        return dir + "/" + name
    }

    /// An int64 `.npy` whose payload is written bit for bit (values beyond 2^53 included).
    func labelsNPY(_ name: String, _ labels: [Int64]) throws -> String {
        var h = "{'descr': '<i8', 'fortran_order': False, 'shape': (\(labels.count),), }"
        h += String(repeating: " ", count: (64 - (10 + h.utf8.count + 1) % 64) % 64) + "\n"
        let payload = labels.flatMap { v in withUnsafeBytes(of: v.littleEndian, Array.init) }
        let data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.utf8.count & 0xff), UInt8(h.utf8.count >> 8)] + Array(h.utf8) + payload)
        try data.write(to: URL(fileURLWithPath: dir + "/" + name))
        return dir + "/" + name
    }

    // MARK: - Data loss

    func testOutputsOntoDevicesFIFOsAndLinksBehaveAsCatRedirection() throws {
        let null = try device("devnull", minor: 3), full = try device("devfull", minor: 7)
        _ = try assertSucceeds(["point", "etf", "-o", null])
        XCTAssertEqual(fileType(null), S_IFCHR, "the device node was replaced")
        try assertRefused(["point", "etf", "-o", full], contains: "No space left on device")
        XCTAssertEqual(fileType(full), S_IFCHR)

        // A FIFO's reader gets the whole point (it got 0 bytes when the FIFO was replaced).
        let fifo = dir + "/fifo"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        // The reader opens without blocking, so a writer that never opens the FIFO cannot hang
        // the test (the writer's own open then finds a reader at once).
        let rfd = open(fifo, O_RDONLY | O_NONBLOCK)
        XCTAssertGreaterThanOrEqual(rfd, 0)
        defer { close(rfd) }
        _ = try assertSucceeds(["point", "etf", "-o", fifo])
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(rfd, &buffer, buffer.count)
            guard n > 0 else { break }
            received.append(contentsOf: buffer[..<n])
        }
        XCTAssertEqual(fileType(fifo), S_IFIFO)
        XCTAssertNoThrow(try PointFile.decode(from: received, source: "fifo"))

        // Through a link, the target is replaced and the link stays.
        let target = dir + "/target.json", link = dir + "/link.json"
        try "old".write(toFile: target, atomically: false, encoding: .utf8)
        chmod(target, 0o600)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "target.json")
        _ = try assertSucceeds(["point", "etf", "-o", link])
        XCTAssertEqual(fileType(link), S_IFLNK)
        XCTAssertNoThrow(try PointFile.read(path: target))
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int, 0o600)

        // A link to a descriptor's name (what /dev/stdout is) writes through the descriptor:
        // here the pipe the test reads (the /dev/stdout link was replaced by a regular file).
        let stdoutLink = dir + "/stdout"
        try FileManager.default.createSymbolicLink(atPath: stdoutLink, withDestinationPath: "/proc/self/fd/1")
        let piped = try assertSucceeds(["point", "etf", "-o", stdoutLink])
        XCTAssertNoThrow(try PointFile.decode(from: Data(piped.stdout.utf8), source: "stdout"))
        XCTAssertEqual(fileType(stdoutLink), S_IFLNK)

        // A dangling link is written through when the target's folder exists, else refused.
        try FileManager.default.createSymbolicLink(atPath: dir + "/fresh.json", withDestinationPath: "created.json")
        _ = try assertSucceeds(["point", "etf", "-o", dir + "/fresh.json"])
        XCTAssertNoThrow(try PointFile.read(path: dir + "/created.json"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/dangling", withDestinationPath: "missing/x")
        try assertRefused(["point", "etf", "-o", dir + "/dangling"], contains: "symbolic link to")
        try assertRefused(["verify", "--K", "3", "--d", "4", "--starts", "0", "--out", dir + "/dangling"], contains: "which does not exist")
        try assertRefused(["point", "etf", "-o", ""], contains: "output path is empty")
        XCTAssertFalse((FileManager.default.subpaths(atPath: dir) ?? []).contains { $0.contains(".tmp-") }, "temporary files left behind")
    }

    func testFullDiskIsNamed() throws {
        let full = try device("devfull", minor: 7)
        XCTAssertThrowsError(try AtomicFile.appendLine("{}", to: full)) { e in
            XCTAssertTrue("\(e)".contains("No space left on device"), "\(e)")
        }
    }

    func testSweepOutputsAreLockedByTheirRealPath() throws {
        let target = dir + "/s.jsonl", link = dir + "/alias.jsonl"
        FileManager.default.createFile(atPath: target, contents: Data())
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        do {
            let held = try RunLock.file(target)
            try assertRefused(["sweep", "--K", "3", "--d", "3", "--starts", "1", "--out", link], contains: "another nclandscape process")
            try assertRefused(["sweep", "--K", "3", "--d", "3", "--starts", "1", "--out", dir + "/./sub/../s.jsonl"], contains: "another nclandscape process")
            withExtendedLifetime(held) {}
        }
        let null = try device("devnull", minor: 3)
        try assertRefused(["sweep", "--K", "3", "--d", "3", "--starts", "1", "--out", null], contains: "not a regular file")
        XCTAssertEqual(fileType(null), S_IFCHR)
    }

    func testMergeRefusesAShardStillBeingWritten() throws {
        let shard = dir + "/shard.jsonl"
        _ = try assertSucceeds(["sweep", "--K", "3", "--d", "3", "--starts", "1", "--out", shard])
        do {
            let held = try RunLock.file(shard)
            try assertRefused(["merge", shard, "-o", dir + "/merged.jsonl"], contains: "still being written")
            withExtendedLifetime(held) {}
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/merged.jsonl"))
        _ = try assertSucceeds(["merge", shard, "-o", dir + "/merged.jsonl"])
    }

    /// A complete last line that does not parse is dropped before the next append, so the file
    /// stays readable (it was kept, and every later resume, merge and phase refused the file).
    func testDamagedLastLineIsRepairedNotAppendedAfter() throws {
        let out = dir + "/s.jsonl"
        let args = ["sweep", "--K", "3", "--d", "3,4", "--starts", "1", "--out", out]
        _ = try assertSucceeds(args)
        var lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2)
        lines[1] = String(lines[1].prefix(40))   // complete (newline-terminated) but damaged
        try (lines.joined(separator: "\n") + "\n").write(toFile: out, atomically: true, encoding: .utf8)
        _ = try assertSucceeds(args)
        _ = try assertSucceeds(args)
        XCTAssertEqual(try JSONLines.read(SweepResult.self, path: out).count, 2)
        _ = try assertSucceeds(["merge", out, "-o", dir + "/merged.jsonl"])

        let run = dir + "/v"
        let verify = ["verify", "--K", "3", "--d", "4", "--n", "1", "--starts", "2", "--jobs", "1", "--out", run]
        _ = try assertSucceeds(verify)
        let tasks = run + "/tasks.jsonl"
        var t = try String(contentsOfFile: tasks, encoding: .utf8).split(separator: "\n").map(String.init)
        let total = t.count
        t[t.count - 1] = "{\"task\":"
        try (t.joined(separator: "\n") + "\n").write(toFile: tasks, atomically: true, encoding: .utf8)
        _ = try assertSucceeds(verify + ["--resume"])
        _ = try assertSucceeds(verify + ["--resume"])
        XCTAssertEqual(try JSONLines.read(TaskRecord.self, path: tasks).count, total)
    }

    /// A crash after a point's line and before its task's line: the resumed run's task log (and
    /// so its coverage table) equals the uninterrupted run's (the redone task re-found its own
    /// point and was logged as a duplicate: new 14 / dup 6 against 15 / 5).
    func testResumeAfterACrashBetweenPointAndTaskLines() throws {
        let out = dir + "/run"
        let args = ["verify", "--K", "4", "--d", "4", "--n", "2", "--starts", "8", "--jobs", "1", "--out", out]
        _ = try assertSucceeds(args)
        let tasks = out + "/tasks.jsonl"
        let full = try String(contentsOfFile: tasks, encoding: .utf8).split(separator: "\n").map(String.init)
        let lastNew = try XCTUnwrap(full.lastIndex { $0.contains("\"outcome\":\"new\"") })
        try (full[..<lastNew].joined(separator: "\n") + "\n").write(toFile: tasks, atomically: true, encoding: .utf8)
        _ = try assertSucceeds(args + ["--resume"])
        func outcomes(_ lines: [String]) throws -> [String] {
            try lines.map { try StrictJSON.decode(TaskRecord.self, from: Data($0.utf8), what: "task", source: "t") }
                .map { "\($0.task) \($0.outcome.rawValue) \($0.pointId.map(String.init) ?? "-")" }
        }
        XCTAssertEqual(try outcomes(try String(contentsOfFile: tasks, encoding: .utf8).split(separator: "\n").map(String.init)), try outcomes(full))
    }

    func testPhaseNeverWritesOutsideItsFolder() throws {
        let out = dir + "/s.jsonl"
        _ = try assertSucceeds(["sweep", "--K", "3", "--d", "3", "--starts", "1", "--out", out])
        let line = try String(contentsOfFile: out, encoding: .utf8)
        let key = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["key"] as? String)
        let evil = dir + "/evil.jsonl"
        try line.replacingOccurrences(of: "\"key\":\"\(key)\"", with: "\"key\":\"../../../x\"").write(toFile: evil, atomically: true, encoding: .utf8)
        try assertRefused(["phase", evil, "--out", dir + "/a/b/out"], contains: "../../../x")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/a"))

        // The same line twice is one result; "more than one search" only when there is.
        let twice = dir + "/twice.jsonl"
        try (line + line).write(toFile: twice, atomically: true, encoding: .utf8)
        _ = try assertSucceeds(["phase", twice, "--out", dir + "/p"])
        _ = try assertSucceeds(["sweep", "--K", "3", "--d", "3", "--starts", "1", "--seed", "1", "--out", out])
        try assertRefused(["phase", out, "--out", dir + "/p2"], contains: "more than one search")
    }

    func testForceRemovesThePreviousRunsFiles() throws {
        let out = dir + "/run"
        let args = ["verify", "--K", "3", "--d", "4", "--n", "1", "--starts", "1", "--jobs", "1", "--out", out]
        _ = try assertSucceeds(args)
        let stale = out + "/eigenvalues_spurious_local_minimizer.svg", mine = out + "/notes.txt"
        try "<svg/>".write(toFile: stale, atomically: true, encoding: .utf8)
        try "mine".write(toFile: mine, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: out + "/summary.json")
        try "{\"stale\":true}".write(toFile: out + "/summary.json", atomically: true, encoding: .utf8)
        _ = try assertSucceeds(["verify", "--K", "4", "--d", "4", "--n", "1", "--starts", "1", "--jobs", "1", "--force", "--out", out])
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
        XCTAssertTrue(FileManager.default.fileExists(atPath: mine), "a file the run did not write was removed")
        XCTAssertFalse(try String(contentsOfFile: out + "/summary.json", encoding: .utf8).contains("stale"))
        // The cleanup itself: run.json goes with the rest.
        try CriticalPointSearch.clearRun(in: out)
        for f in ["run.json", "summary.json", "report.md", "tasks.jsonl"] { XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/" + f), f) }
    }

    // MARK: - Crashes

    func testHugeLabelsAreRefused() throws {
        let h = try npy("H.npy", shape: [2, 2], doubles: [1, 0, 0, 1])
        let w = try npy("W.npy", shape: [2, 2], doubles: [1, 0, 0, 1])
        for (i, big) in [Int64.max, 1 << 62, 1_000_000_000_000].enumerated() {
            let y = try labelsNPY("y\(i).npy", [0, big])
            try assertRefused(["metrics", "--features", h, "--labels", y], contains: "out of range")
            try assertRefused(["spectrum", "--tau", "2", "--classifiers", w, "--features", h, "--labels", y], contains: "out of range")
        }
        for (i, big) in [1e20, 1e300].enumerated() {
            let y = try npy("yf\(i).npy", shape: [2], doubles: [0, big])
            try assertRefused(["metrics", "--features", h, "--labels", y], contains: "out of range")
        }
    }

    func testHugeCountsAreRefusedBeforeAllocating() throws {
        let big = "9223372036854775807"
        try assertRefused(["verify", "--K", "3", "--d", "3", "--jobs", big, "--out", dir + "/v"], contains: "--jobs must be between 1 and")
        try assertRefused(["escape", "--from", "total", "--K", "3", "--d", "3", "--jobs", big, "--out", dir + "/e"], contains: "--jobs")
        try assertRefused(["verify", "--K", "3", "--d", "3", "--starts", big, "--out", dir + "/v"], contains: "memory budget")
        try assertRefused(["sweep", "--K", "3", "--d", "3", "--starts", big, "--out", dir + "/s.jsonl"], contains: "memory budget")
        try assertRefused(["enumerate", "--K", "3", "--d", "3", "--starts", "100000000000", "--out", dir + "/en"], contains: "memory budget")
        try assertRefused(["enumerate", "--K", "3", "--d", "3", "--starts", "1e11", "--out", dir + "/en"], contains: "'1e11' is invalid for '--starts")
        try assertRefused(["escape", "--from", "total", "--K", "3", "--d", "3", "--seeds", "4611686018427387904", "--out", dir + "/e"], contains: "seeds")
        try assertRefused(["escape", "--from", "total", "--K", "3", "--d", "3", "--seeds", "100000000", "--memory-budget", "0.5", "--out", dir + "/e"], contains: "memory budget")
        try assertRefused(["train", "--K", "3", "--d", "3", "--seeds", "100000000", "--memory-budget", "0.5", "--out", dir + "/t"], contains: "memory budget")
        try assertRefused(["verify", "--K", "3", "--d", "3", "--starts", "100000000", "--memory-budget", "0.5", "--out", dir + "/v"], contains: "memory budget")
        try assertRefused(["sweep", "--list", "--d", "2..K+1000000000000"], contains: "narrower range")
        try assertRefused(["sweep", "--list", "--d", "2..9223372036854775807"], contains: "narrower range")
        try assertRefused(["sweep", "--list", "--K", big], contains: "overflows")
        try assertRefused(["sweep", "--list", "--K", "4611686018427387904", "--d", "3"], contains: "samples")
        try assertRefused(["sweep", "--shard", "-1/2", "--out", dir + "/s.jsonl"], contains: "--shard must be i/N")
    }

    /// The default budget honours the process's address-space limit (`ulimit -v`), as a batch
    /// scheduler sets it: the problem is refused with its size instead of aborting.
    func testMemoryLimitOfTheProcessIsTheBudget() throws {
        let o = try run([], shell: "ulimit -v 3000000 && exec \"$NCL\" verify --K 10 --d 11 --n 1000000 --method dense --starts 0 --out v")
        XCTAssertFalse(o.signaled)
        XCTAssertEqual(o.status, 1, o.stderr)
        XCTAssertTrue(o.stderr.contains("memory budget (80% of RLIMIT_AS"), o.stderr)
        // `ulimit -d` (RLIMIT_DATA) alone is honoured the same way.
        let d = try run([], shell: "ulimit -d 3000000 && exec \"$NCL\" verify --K 10 --d 11 --n 1000000 --method dense --starts 0 --out v")
        XCTAssertFalse(d.signaled)
        XCTAssertEqual(d.status, 1, d.stderr)
        XCTAssertTrue(d.stderr.contains("memory budget (80% of RLIMIT_DATA"), d.stderr)
        XCTAssertTrue(MemoryBudget.limits.contains { $0.name == "physical memory" })
        XCTAssertLessThanOrEqual(MemoryBudget.defaultBytes, 0.8 * MemoryBudget.physicalBytes)
    }

    func testUnwritableStandardErrorStillExitsOne() throws {
        let full = try device("devfull", minor: 7)
        for redirect in ["2>&-", "2>'\(full)'"] {
            let o = try run([], shell: "\"$NCL\" point etf --tau -2 \(redirect); echo \"status $?\"")
            XCTAssertEqual(o.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "status 1", redirect)
        }
    }

    // MARK: - Wrong answers

    /// `--normalize` gives the point of the unit vectors whatever the scale of the rows.
    func testNormalizeIsScaleSafeAndChecked() throws {
        let w = [1.0, 0, -0.5, 0.8660254037844386, -0.5, -0.8660254037844386]
        let hDir = [0.6, 0.8, -0.8, 0.6, 0.28, -0.96]
        let y = try labelsNPY("y.npy", [0, 1, 2])
        let wPath = try npy("W.npy", shape: [3, 2], doubles: w)
        func loss(_ scale: Double) throws -> Double {
            let h = try npy("H\(scale).npy", shape: [3, 2], doubles: hDir.map { $0 * scale })
            let o = try assertSucceeds(["spectrum", "--tau", "2", "--classifiers", wPath, "--features", h, "--labels", y, "--normalize", "--json"])
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])
            return try XCTUnwrap(obj["lossValue"] as? Double)
        }
        let reference = try loss(1)
        for scale in [1e-310, 1e308] {
            XCTAssertEqual(try loss(scale), reference, accuracy: 1e-12 * reference, "rows scaled by \(scale)")
        }
        let zero = try npy("Hz.npy", shape: [3, 2], doubles: [0, 0, 0.6, 0.8, 1, 0])
        try assertRefused(["spectrum", "--tau", "2", "--classifiers", wPath, "--features", zero, "--labels", y, "--normalize"], contains: "zero vector")
    }

    /// `analyze` and `metrics --normalize` project columns with `normalizeColumns`: unit norm
    /// at any scale (a subnormal norm kept few bits and the column was not a unit vector).
    func testNormalizeColumnsGivesUnitColumnsAtAnyScale() {
        for scale in [1e-320, 1e-310, 1e-200, 1, 1e200, 1e308] {
            let x = Matrix(rows: 3, cols: 2, columnMajor: [0.3, -0.4, 1.2, 1, 1, 1].map { $0 * scale })
            let u = ProductOfSpheres.normalizeColumns(x)
            for c in 0 ..< 2 {
                XCTAssertEqual(Vector.norm(u.column(c)), 1, accuracy: 4 * Double.ulpOfOne, "scale \(scale) column \(c)")
            }
        }
    }

    func testSubnormalTemperatureIsRefused() throws {
        try assertRefused(["point", "etf", "--tau", "1e-320"], contains: "subnormal")
        _ = try assertSucceeds(["point", "etf", "--tau", "1e-300"])
    }

    func testTrainingDrawsNoConclusionFromADivergedRun() throws {
        let o = try assertSucceeds(["train", "--K", "3", "--d", "4", "--n", "2", "--steps", "1e12", "--iterations", "40", "--seeds", "1",
                                    "--search-iterations", "10", "--out", dir + "/t"])
        XCTAssertTrue(o.stdout.contains("not evaluated"), o.stdout)
        XCTAssertFalse(o.stdout.contains("faster? yes"), o.stdout)
        XCTAssertTrue(o.stderr.contains("diverged"), o.stderr)
        let s = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/t/summary.json"))) as? [String: Any])
        XCTAssertEqual((s["claimHolds"] as? [String: Any])?.count, 0)
        XCTAssertEqual(s["divergedRuns"] as? [String], ["regularized-seed0"])
    }

    // MARK: - Messages

    func testMetricsAreScaleSafe() throws {
        let h = [0.9, 0.1, 1.1, -0.2, -0.3, 1.0, 0.1, 0.8, -1.0, -0.9, -0.8, -1.2]
        let w = [1.0, 0.2, -0.1, 1.0, -1.0, -1.1]
        let y = try labelsNPY("y.npy", [0, 0, 1, 1, 2, 2])
        func metrics(_ scale: Double) throws -> [String: Double] {
            let hp = try npy("H\(scale).npy", shape: [6, 2], doubles: h.map { $0 * scale })
            let wp = try npy("W\(scale).npy", shape: [3, 2], doubles: w.map { $0 * scale })
            let o = try assertSucceeds(["metrics", "--features", hp, "--labels", y, "--classifiers", wp, "--json"])
            // Every number, nested groups (nc2ClassMeans.equinorm, …) flattened to dotted keys.
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])
            var flat: [String: Double] = [:]
            for (k, v) in obj {
                if let x = v as? Double { flat[k] = x }
                if let g = v as? [String: Double] { for (k2, x) in g { flat[k + "." + k2] = x } }
            }
            XCTAssertGreaterThan(flat.count, 10)
            return flat
        }
        let reference = try metrics(1)
        for scale in [1e308 / 1.2, 1e-310] {
            let m = try metrics(scale)
            for (k, v) in reference { XCTAssertEqual(m[k]!, v, accuracy: 1e-10 * max(1, abs(v)), "\(k) at scale \(scale)") }
        }
    }

    func testOneBadConfigurationDoesNotStopASweep() throws {
        let out = dir + "/s.jsonl"
        let args = ["sweep", "--K", "2,3", "--d", "2", "--tau", "8", "--loss", "focal", "--gamma", "50", "--starts", "1", "--out", out]
        try assertRefused(args, contains: "1 of 2 configurations failed and are recorded in")
        let done = try JSONLines.read(SweepResult.self, path: out)
        XCTAssertEqual(done.map(\.key), ["K3-d2-n1-imb1.0-tau8.0-eps0.0-focal-g50"])
        // Recorded with its reason; a rerun reports it again without retrying or duplicating it.
        let failed = try JSONLines.read(SweepFailure.self, path: try Sweep.failuresPath(out))
        XCTAssertEqual(failed.map(\.key), ["K2-d2-n1-imb1.0-tau8.0-eps0.0-focal-g50"])
        XCTAssertTrue(failed[0].reason.contains("saturated"), failed[0].reason)
        try assertRefused(args, contains: "K2-d2-n1-imb1.0-tau8.0-eps0.0-focal-g50: every sample")
        XCTAssertEqual(try JSONLines.read(SweepFailure.self, path: try Sweep.failuresPath(out)).count, 1)
        XCTAssertEqual(try JSONLines.read(SweepResult.self, path: out).count, 1)
    }

    /// Every JSON object written carries `schemaVersion` first; a point file from a newer version
    /// is refused by name, and one without a version (older files) is read.
    func testJSONOutputsCarryASchemaVersion() throws {
        let p = dir + "/p.json"
        _ = try assertSucceeds(["point", "etf", "--K", "3", "--d", "3", "-o", p])
        let out = dir + "/v", sweep = dir + "/s.jsonl"
        _ = try assertSucceeds(["verify", "--K", "3", "--d", "3", "--n", "1", "--starts", "1", "--jobs", "1", "--out", out])
        _ = try assertSucceeds(["sweep", "--K", "3", "--d", "3", "--starts", "1", "--out", sweep])
        var texts = [try assertSucceeds(["spectrum", p, "--json"]).stdout]
        for f in [p, out + "/summary.json", out + "/run.json", sweep] { texts.append(try String(contentsOfFile: f, encoding: .utf8)) }
        texts += try String(contentsOfFile: out + "/tasks.jsonl", encoding: .utf8).split(separator: "\n").map(String.init)
        for t in texts {
            let v = JSONOutput.schemaVersion
            XCTAssertTrue(t.hasPrefix("{\"schemaVersion\":\(v),") || t.hasPrefix("{\n  \"schemaVersion\" : \(v),"), String(t.prefix(80)))
        }
        let text = try String(contentsOfFile: p, encoding: .utf8)
        let v = JSONOutput.schemaVersion
        try text.replacingOccurrences(of: "\"schemaVersion\":\(v)", with: "\"schemaVersion\":\(v + 1)").write(toFile: dir + "/new.json", atomically: true, encoding: .utf8)
        try assertRefused(["spectrum", dir + "/new.json"], contains: "newer nclandscape (schemaVersion \(v + 1)")
        try text.replacingOccurrences(of: "\"schemaVersion\":\(v),", with: "").write(toFile: dir + "/old.json", atomically: true, encoding: .utf8)
        _ = try assertSucceeds(["spectrum", dir + "/old.json", "--json"])
        XCTAssertEqual(String(decoding: JSONOutput.versioned(Data("{}".utf8), pretty: false), as: UTF8.self), "{\"schemaVersion\":\(v)}")
    }

    func testJSONWithAByteOrderMarkIsRead() throws {
        let p = dir + "/p.json"
        _ = try assertSucceeds(["point", "etf", "--K", "3", "--d", "3", "-o", p])
        let bom = dir + "/bom.json"
        try (Data([0xEF, 0xBB, 0xBF]) + Data(contentsOf: URL(fileURLWithPath: p))).write(to: URL(fileURLWithPath: bom))
        _ = try assertSucceeds(["spectrum", bom, "--json"])
    }

    /// A kernel forced with OPENBLAS_CORETYPE that the CPU cannot execute is one line and exit 1
    /// (it died with SIGILL inside OpenBLAS: SkylakeX on an AVX2-only EPYC); a runnable one works.
    func testUnrunnableForcedKernelIsOneLine() throws {
        let noAVX512: Set<String> = ["avx", "avx2", "fma", "sse2"]
        XCTAssertEqual(BLASRuntime.missingExtensions(coreType: "SkylakeX", flags: noAVX512),
                       ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"])
        XCTAssertEqual(BLASRuntime.missingExtensions(coreType: "haswell", flags: noAVX512), [])
        XCTAssertEqual(BLASRuntime.missingExtensions(coreType: "Sandybridge", flags: ["sse2"]), ["avx"])
        XCTAssertEqual(BLASRuntime.missingExtensions(coreType: "Prescott", flags: ["sse2"]), [], "unlisted kernels are not checked")
        XCTAssertEqual(BLASRuntime.missingExtensions(coreType: "SkylakeX", flags: []), [], "no flags known: not checked")
        let flags = BLASRuntime.cpuFlags()
        let p = dir + "/p.json"
        _ = try assertSucceeds(["point", "etf", "--K", "3", "--d", "3", "-o", p])
        for core in ["SkylakeX", "Haswell", "Sandybridge"] {
            let o = try run([], shell: "OPENBLAS_CORETYPE=\(core) exec \"$NCL\" spectrum '\(p)'")
            XCTAssertFalse(o.signaled, core)
            if BLASRuntime.missingExtensions(coreType: core, flags: flags).isEmpty {
                XCTAssertEqual(o.status, 0, "\(core): \(o.stderr)")
            } else {
                XCTAssertEqual(o.status, 1, core)
                XCTAssertEqual(o.stderr.split(separator: "\n").count, 1, o.stderr)
                XCTAssertTrue(o.stderr.hasPrefix("Error: OPENBLAS_CORETYPE=\(core) needs CPU extensions"), o.stderr)
            }
        }
    }
}
