import Foundation

/// Loops whose iterations write disjoint memory, split over two threads.
enum TwoThreads {
    /// Runs `body` on `0..<count` split in two halves on two threads when the work is large
    /// enough to repay the hand-off (the halves must touch disjoint memory). Inside parallel
    /// batch work (which sets OpenBLAS to one thread) it stays on one thread: no oversubscription.
    static func split(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        guard work >= 1 << 18, count >= 2, BLASRuntime.threads > 1 else { body(0 ..< count); return }
        let half = count / 2
        DispatchQueue.concurrentPerform(iterations: 2) { part in body(part == 0 ? 0 ..< half : half ..< count) }
    }

    /// Per-sample work on `0..<count` in two halves, each on its own thread with OpenBLAS on one
    /// thread (many small BLAS calls: two threads inside each call would mostly wait on each
    /// other). The first error thrown by either half is rethrown.
    static func splitSamples(_ count: Int, work: Int, _ body: (Range<Int>) throws -> Void) throws {
        guard work >= 1 << 18, count >= 2, BLASRuntime.threads > 1 else { try body(0 ..< count); return }
        let half = count / 2
        var errors: [Error?] = [nil, nil]
        try BLASRuntime.singleThreaded(while: true) {
            errors.withUnsafeMutableBufferPointer { errs in
                DispatchQueue.concurrentPerform(iterations: 2) { part in
                    do { try body(part == 0 ? 0 ..< half : half ..< count) } catch { errs[part] = error }
                }
            }
            if let e = errors.compactMap({ $0 }).first { throw e }
        }
    }
}
