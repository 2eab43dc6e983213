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

NCLandscapeCommand.main()
