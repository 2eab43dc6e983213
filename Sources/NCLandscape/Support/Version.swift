import Foundation

/// Version strings recorded in every report: toolkit, compiler, the git commit of the source
/// tree the binary was built from, and the BLAS in use.
public enum SoftwareVersion {
    public static let nclandscape = "0.2.0"

    /// The compiler that built this binary (`#if compiler`, not `#if swift`: the package's
    /// language mode is 5, so `swift(>=6)` is false even under a Swift 6 compiler).
    public static var swift: String {
        #if compiler(>=6.4)
        return "Swift 6.4 or later"
        #elseif compiler(>=6.3)
        return "Swift 6.3"
        #elseif compiler(>=6.2)
        return "Swift 6.2"
        #elseif compiler(>=6.1)
        return "Swift 6.1"
        #elseif compiler(>=6.0)
        return "Swift 6.0"
        #else
        return "Swift 5"
        #endif
    }

    /// `git describe`-style commit of the checkout this file was compiled from (`+dirty` when it
    /// had uncommitted changes at run time), or nil when that checkout is gone or git is missing.
    public static let gitCommit: String? = {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        func git(_ args: [String]) -> String? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["git", "-C", dir] + args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return nil }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { return nil }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let head = git(["rev-parse", "--short=12", "HEAD"]), !head.isEmpty else { return nil }
        let dirty = git(["status", "--porcelain", "--untracked-files=no"]).map { !$0.isEmpty } ?? false
        return head + (dirty ? "+dirty" : "")
    }()

    public static var summary: String {
        "nclandscape \(nclandscape) (git \(gitCommit ?? "unknown")), \(swift), LAPACK 3 (LAPACKE), \(BLASRuntime.summary)"
    }
}
