/// Renders the `conf-*` files of a netqmail tree from `BuildOptions`. Sans-IO.
///
/// qmail reads only the first line(s) of each conf file; the explanation that
/// follows is kept as it was in the tree.
public enum ConfFiles {
    /// The conf file names this module writes, besides `conf-ssl`.
    public static let names = [
        "conf-qmail", "conf-cc", "conf-ld", "conf-users", "conf-groups", "conf-split", "conf-spawn",
    ]

    /// The value lines of each conf file, keyed by file name.
    ///
    /// `users` and `groups` are the accounts after `testUsers` was resolved.
    /// `openSSL` is non-nil only for trees with `conf-ssl`: its libraries go to
    /// `conf-ssl`, its cflags are appended to `conf-cc`.
    public static func values(
        options: BuildOptions, users: QmailUsers, groups: QmailGroups, openSSL: OpenSSLFlags?
    ) -> [String: [String]] {
        let sanitizing = sanitizerFlags(options.sanitizers)
        var compile = [options.compile]
        if let cflags = openSSL?.cflags, !cflags.isEmpty { compile.append(cflags) }
        compile += sanitizing
        var link = options.link
        if !sanitizing.isEmpty {
            // `-s` strips the symbols a sanitizer report needs.
            link = link.split(separator: " ").filter { $0 != "-s" }.joined(separator: " ")
        }
        var values: [String: [String]] = [
            "conf-qmail": [options.effectiveQmailHome],
            "conf-cc": [compile.joined(separator: " ")],
            "conf-ld": [([link] + sanitizing).joined(separator: " ")],
            "conf-users": users.inFileOrder,
            "conf-groups": groups.inFileOrder,
            "conf-split": [String(options.split)],
            "conf-spawn": [String(options.spawn)],
        ]
        if let openSSL { values["conf-ssl"] = [openSSL.libs] }
        return values
    }

    /// Adds to the `conf-cc` and `conf-ld` lines of `values` the words the tree's own
    /// first line (`treeFirstLines`, by file name) has beyond the stock netqmail command
    /// and qmailkit's: a patch's own settings (`-DTLS=…`, `-I…`, `-lssl`), which rewriting
    /// the file would otherwise drop. Returns the words kept, by file, for the build to
    /// say. The compiler word is always qmailkit's.
    public static func keepingTreeSettings(_ values: inout [String: [String]],
                                           treeFirstLines: [String: String]) -> [String: [String]] {
        let stock = BuildOptions()
        var kept: [String: [String]] = [:]
        for (name, stockLine) in [("conf-cc", stock.compile), ("conf-ld", stock.link)] {
            guard let ours = values[name]?.first, let tree = treeFirstLines[name] else { continue }
            let known = Set(stockLine.split(separator: " ") + ours.split(separator: " "))
            var words: [Substring] = []
            for word in tree.split(whereSeparator: \.isWhitespace).dropFirst() where !known.contains(word) && !words.contains(word) {
                words.append(word)
            }
            guard !words.isEmpty else { continue }
            values[name] = [([Substring(ours)] + words).joined(separator: " ")]
            kept[name] = words.map(String.init)
        }
        return kept
    }

    /// `-fsanitize=a,b -fno-omit-frame-pointer -g`, or nothing without sanitizers.
    public static func sanitizerFlags(_ sanitizers: [Sanitizer]) -> [String] {
        guard !sanitizers.isEmpty else { return [] }
        let names = sanitizers.map(\.rawValue).joined(separator: ",")
        return ["-fsanitize=\(names)", "-fno-omit-frame-pointer", "-g"]
    }

    /// `existing` with its first `lines.count` lines replaced by `lines`.
    ///
    /// A file shorter than that (or empty) ends up holding just `lines`.
    public static func replacingValueLines(of existing: String, with lines: [String]) -> String {
        var all = existing.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if all.last == "" { all.removeLast() }
        let kept = all.count > lines.count ? Array(all[lines.count...]) : []
        return (lines + kept).joined(separator: "\n") + "\n"
    }
}
