import XCTest
@testable import NCLandscape

/// The default memory budget comes from the smallest limit the process runs under; the cgroup
/// part is read from a fake hierarchy handed in as `root` and a fake `/proc/self/cgroup` text.
final class MemoryBudgetTests: XCTestCase {
    var root: String!

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "/nclandscape-cgroup-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDown() { if let root { try? FileManager.default.removeItem(atPath: root) } }

    func put(_ text: String, _ path: String) throws {
        let full = root + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
    }

    func testCgroupV2MemoryMaxIsReadAlongTheAncestors() throws {
        // The job's own cgroup says "max" (no limit), its parent 3 GiB, the root 8 GiB: the
        // parent's limit applies to the job too and is the smallest.
        try put("max\n", "batch/job7/memory.max")
        try put("3221225472\n", "batch/memory.max")
        try put("8589934592\n", "memory.max")
        let c = MemoryBudget.cgroupLimit(membership: "0::/batch/job7\n", root: root)
        XCTAssertEqual(c?.name, "cgroup memory.max")
        XCTAssertEqual(c?.bytes, 3_221_225_472)
    }

    func testMaxEverywhereMeansNoLimit() throws {
        try put("max\n", "batch/job7/memory.max")
        try put("max\n", "batch/memory.max")
        XCTAssertNil(MemoryBudget.cgroupLimit(membership: "0::/batch/job7\n", root: root))
        // No files at all (cgroups not mounted, or hidden in a container): no limit either.
        XCTAssertNil(MemoryBudget.cgroupLimit(membership: "0::/elsewhere\n", root: root + "/missing"))
        XCTAssertNil(MemoryBudget.cgroupLimit(membership: nil, root: root))
    }

    func testCgroupV1LimitInBytes() throws {
        // v1: the memory controller's hierarchy; "no limit" is 2^63 rounded down to a page.
        try put("9223372036854771712\n", "memory/slurm/memory.limit_in_bytes")
        try put("1073741824\n", "memory/slurm/uid_0/job_3/memory.limit_in_bytes")
        let membership = "12:cpu,cpuacct:/slurm/uid_0/job_3\n11:memory:/slurm/uid_0/job_3\n0::/\n"
        let c = MemoryBudget.cgroupLimit(membership: membership, root: root)
        XCTAssertEqual(c?.name, "cgroup memory.limit_in_bytes")
        XCTAssertEqual(c?.bytes, 1_073_741_824)
        try put("9223372036854771712\n", "memory/slurm/uid_0/job_3/memory.limit_in_bytes")
        XCTAssertNil(MemoryBudget.cgroupLimit(membership: membership, root: root), "v1's page-rounded 2^63 is no limit")
    }

    func testHybridLayoutReadsTheUnifiedHierarchy() throws {
        try put("2147483648\n", "unified/user.slice/memory.max")
        let c = MemoryBudget.cgroupLimit(membership: "0::/user.slice\n", root: root)
        XCTAssertEqual(c?.bytes, 2_147_483_648)
    }

    func testTheSmallestLimitIsTheBudget() {
        let gib = 1_073_741_824.0
        let cg: (name: String, bytes: Double) = ("cgroup memory.max", 3 * gib)
        // Each of the four limits made the smallest in turn: the budget is 80% of it, named.
        let cases: [(Double, Double?, Double?, (name: String, bytes: Double)?, String, Double)] = [
            (16 * gib, nil, nil, nil, "physical memory", 16 * gib),
            (16 * gib, 2 * gib, 5 * gib, cg, "RLIMIT_AS (ulimit -v)", 2 * gib),
            (16 * gib, 9 * gib, 1 * gib, cg, "RLIMIT_DATA (ulimit -d)", 1 * gib),
            (16 * gib, 9 * gib, 5 * gib, cg, "cgroup memory.max", 3 * gib),
            (2 * gib, 9 * gib, 5 * gib, cg, "physical memory", 2 * gib),
        ]
        for (physical, addressSpace, data, cgroup, name, smallest) in cases {
            let limits = MemoryBudget.limits(physical: physical, addressSpaceHeadroom: addressSpace, data: data, cgroup: cgroup)
            let b = MemoryBudget.defaultBudget(limits)
            XCTAssertEqual(b.source, name)
            XCTAssertEqual(b.bytes, 0.8 * smallest)
        }
    }

    func testCgroupLimitFromAFakeHierarchyDecidesTheBudget() throws {
        try put("536870912\n", "job/memory.max")
        let cg = MemoryBudget.cgroupLimit(membership: "0::/job\n", root: root)
        let limits = MemoryBudget.limits(physical: 16 * 1_073_741_824, addressSpaceHeadroom: nil, data: 4 * 1_073_741_824, cgroup: cg)
        let b = MemoryBudget.defaultBudget(limits)
        XCTAssertEqual(b.source, "cgroup memory.max")
        XCTAssertEqual(b.bytes, 0.8 * 536_870_912)
    }
}
