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
