import Foundation
import NCLandscape

// OpenBLAS reads OPENBLAS_CORETYPE only when it loads, before any of our code runs. If it fell
// back to a generic kernel on a CPU it does not recognize, start this program again with the
// right kernel requested (once; a user's own OPENBLAS_CORETYPE always wins).
if getenv("NCLANDSCAPE_KERNEL_RELAUNCHED") == nil, let core = BLASRuntime.recommendedCoreTypeHere() {
    setenv("OPENBLAS_CORETYPE", core, 1)
    setenv("NCLANDSCAPE_KERNEL_RELAUNCHED", "1", 1)
    let args = CommandLine.arguments.map { strdup($0) } + [nil]
    execv("/proc/self/exe", args)
    // execv returned: relaunching failed; carry on with the generic kernel.
    unsetenv("OPENBLAS_CORETYPE")
}

// A kernel forced through OPENBLAS_CORETYPE that this CPU cannot execute (SkylakeX on a CPU
// without AVX-512) would die with SIGILL inside OpenBLAS at the first BLAS call: say so instead.
if let core = BLASRuntime.userCoreType {
    let missing = BLASRuntime.missingExtensions(coreType: core, flags: BLASRuntime.cpuFlags())
    if !missing.isEmpty {
        StandardError.write("Error: OPENBLAS_CORETYPE=\(core) needs CPU extensions this CPU lacks (\(missing.joined(separator: ", "))); unset it or choose a kernel this CPU runs\n")
        exit(1)
    }
}

// With stderr closed (`2>&-`) the next file opened would get descriptor 2, and error messages
// would land in it (an output file, a log): hold descriptor 2 with /dev/null (opened for
// writing, never replaced), as coreutils do.
if fcntl(2, F_GETFD) == -1 && errno == EBADF {
    let fd = open("/dev/null", O_WRONLY)
    if fd >= 0 && fd != 2 { dup2(fd, 2); close(fd) }
}

// A closed pipe (`nclandscape … | head`) must give a write error we can report, not a SIGPIPE.
signal(SIGPIPE, SIG_IGN)

/// Standard output is flushed and checked before exiting: a full disk or a closed pipe is an
/// error with a message and exit code 1, never a silent success with lost output.
func exitAfterCheckingOutput(_ code: Int32) -> Never {
    if fflush(stdout) != 0 || ferror(stdout) != 0 {
        let reason = String(cString: strerror(errno))
        StandardError.write("Error: cannot write to standard output: \(reason)\n")
        exit(1)
    }
    exit(code)
}

do {
    var command = try NCLandscapeCommand.parseAsRoot(CommandLineSyntax.joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
    try command.run()
    exitAfterCheckingOutput(0)
} catch {
    // Help, version and usage errors print through ArgumentParser; everything else is one line.
    let code = NCLandscapeCommand.exitCode(for: error)
    let message = NCLandscapeCommand.fullMessage(for: error)
    if code == .success {
        print(message)
        exitAfterCheckingOutput(0)
    }
    // Every failure is one line on stderr and exit code 1 (usage errors included: scripts test
    // for non-zero, and the first line names the problem; `--help` shows the usage).
    let first = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? "Error: \(error)"
    StandardError.write(first + "\n")
    exitAfterCheckingOutput(1)
}
