import Foundation

/// Path arithmetic on text, without Foundation's `NSString.deletingLastPathComponent`: in the
/// swift-corelibs-foundation of this toolchain it traps (SIGILL) on every one-character string,
/// so `verify --out v` or `-o .` crashed instead of running.
public enum PathText {
    /// The folder part of `path`, as `NSString.deletingLastPathComponent` defines it: `a/b` →
    /// `a`, `/a` → `/`, `a` → `` (empty: the current folder), `/` → `/`, trailing slashes ignored
    /// (`a/b/` → `a`).
    public static func parent(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        if slash == p.startIndex { return "/" }
        var head = p[..<slash]
        while head.count > 1, head.hasSuffix("/") { head = head.dropLast() }
        return String(head)
    }
}
