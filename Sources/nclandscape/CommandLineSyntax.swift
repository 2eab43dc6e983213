/// Command-line rewriting done before parsing.
enum CommandLineSyntax {
    /// `--tau -2` means `--tau=-2`: an option followed by a negative number takes it as its value
    /// (ArgumentParser would read `-2` as a short flag and report a missing value). Only tokens
    /// that parse as numbers are joined, so `--flag -h` still means help.
    static func joiningNegativeValues(_ args: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a.hasPrefix("--"), !a.contains("="), a != "--", i + 1 < args.count,
               args[i + 1].hasPrefix("-"), Double(args[i + 1]) != nil || isNumberList(args[i + 1]) || startsWithDigit(args[i + 1]) {
                out.append(a + "=" + args[i + 1])
                i += 2
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }

    /// `-1/2` (a shard), `-3x`: no flag starts with a digit, so a dash and a digit begin a value,
    /// which the option then refuses for what it is (ArgumentParser said "Missing value").
    private static func startsWithDigit(_ s: String) -> Bool {
        let rest = s.dropFirst()
        return rest.first.map { $0.isASCII && $0.isNumber } ?? false
    }

    /// `-1,2,-3`: a comma-separated list of numbers (list options such as `--radii`).
    private static func isNumberList(_ s: String) -> Bool {
        let parts = s.split(separator: ",", omittingEmptySubsequences: false)
        return parts.count > 1 && parts.allSatisfy { Double($0) != nil }
    }
}
