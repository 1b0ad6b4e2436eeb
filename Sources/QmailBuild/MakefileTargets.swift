/// Reads target lists out of qmail's Makefile. Sans-IO.
public enum MakefileTargets {
    /// The prerequisites of `target` (e.g. `it`), following backslash continuations.
    ///
    /// Returns nil when the Makefile has no rule for `target`.
    public static func prerequisites(of target: String, in makefile: String) -> [String]? {
        var lines = makefile.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let line = lines.popFirst() {
            guard line.hasPrefix(target + ":"), !line.hasPrefix(target + ":=") else { continue }
            var text = String(line.dropFirst(target.count + 1))
            while text.hasSuffix("\\"), let next = lines.popFirst() {
                text = String(text.dropLast()) + " " + next
            }
            return text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        }
        return nil
    }
}
