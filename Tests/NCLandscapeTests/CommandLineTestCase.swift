import XCTest
@testable import NCLandscape

/// Runs the built `nclandscape` binary, each test in a fresh temporary folder, and checks
/// refusals: one "Error:" line on stderr, exit code 1, no signal.
class CommandLineTestCase: XCTestCase {
    struct Outcome {
        var status: Int32
        var signaled: Bool
        var stdout: String
        var stderr: String
    }

    var exe: String!
    var dir: String!

    /// Name prefix of each test's temporary folder.
    var folderPrefix: String { "nclandscape-cli" }
    /// Whether a refusal must also leave the test's folder unchanged.
    var refusalsLeaveNoFiles: Bool { true }

    override func setUpWithError() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        guard let e = [".build/debug/nclandscape", ".build/release/nclandscape"].map({ root.appendingPathComponent($0).path })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("nclandscape binary not built")
        }
        exe = e
        dir = NSTemporaryDirectory() + "/\(folderPrefix)-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { if let dir { try? FileManager.default.removeItem(atPath: dir) } }

    /// Runs the binary with `args` in `dir` (or, with `shell`, `/bin/sh -c shell` with `$NCL`
    /// naming the binary); `stdout` replaces the captured standard output.
    @discardableResult
    func run(_ args: [String], stdout: FileHandle? = nil, shell: String? = nil) throws -> Outcome {
        let p = Process()
        if let shell {
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", shell]
            p.environment = ProcessInfo.processInfo.environment.merging(["NCL": exe]) { $1 }
        } else {
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = args
        }
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let out = Pipe(), err = Pipe()
        p.standardOutput = stdout ?? out
        p.standardError = err
        try p.run()
        // Drain both pipes while the process runs (a full pipe would block it).
        var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { if stdout == nil { outData = out.fileHandleForReading.readDataToEndOfFile() }; group.leave() }
        group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        p.waitUntilExit()
        group.wait()
        return Outcome(status: p.terminationStatus, signaled: p.terminationReason == .uncaughtSignal,
                       stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs `args` and expects the refusal (and, with `refusalsLeaveNoFiles`, that nothing under
    /// `dir` changed).
    func assertRefused(_ args: [String], contains text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let before = Set(FileManager.default.subpaths(atPath: dir) ?? [])
        let o = try run(args)
        let shown = args.joined(separator: " ")
        XCTAssertFalse(o.signaled, "\(shown): killed by a signal", file: file, line: line)
        XCTAssertEqual(o.status, 1, "\(shown): exit \(o.status), stderr \(o.stderr)", file: file, line: line)
        XCTAssertEqual(o.stderr.split(separator: "\n").count, 1, "\(shown): stderr is not one line: \(o.stderr)", file: file, line: line)
        XCTAssertTrue(o.stderr.hasPrefix("Error: "), "\(shown): \(o.stderr)", file: file, line: line)
        XCTAssertTrue(o.stderr.contains(text), "\(shown): '\(o.stderr)' does not mention '\(text)'", file: file, line: line)
        if refusalsLeaveNoFiles {
            let after = Set(FileManager.default.subpaths(atPath: dir) ?? [])
            XCTAssertEqual(after.subtracting(before), [], "\(shown): left files behind", file: file, line: line)
        }
    }
}
