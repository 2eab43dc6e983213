import Foundation

/// Writes to standard error with write(2), ignoring failure. `FileHandle.standardError.write`
/// traps when the write fails (stderr closed with `2>&-`, or `2>/dev/full`), which turned a
/// failing command's exit code 1 into a crash (132); a message that cannot be shown must not
/// change the exit code.
public enum StandardError {
    public static func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Foundation.write(2, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            bytes = bytes.dropFirst(n)
        }
    }
}
