/// Bad input from a user: a file, a flag, a configuration. Every case has a one-line message
/// that says what is wrong and, where there is one, what to do instead.
public struct InputError: Error, CustomStringConvertible, Equatable {
    public let message: String
    /// Control characters in `message` (from a damaged file's key or header, quoted in the
    /// message) are shown escaped, so every refusal is one line.
    public init(_ message: String) { self.message = Self.printable(message) }
    public var description: String { message }
}

extension InputError {
    /// `text` as it may appear inside a one-line message: control characters (a newline inside a
    /// damaged file's header, say) are shown escaped, `\n`, `\u{1}`.
    public static func printable(_ text: String) -> String {
        var out = ""
        for u in text.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out += u.value < 0x20 || u.value == 0x7F ? "\\u{\(String(u.value, radix: 16))}" : String(u)
            }
        }
        return out
    }
}
