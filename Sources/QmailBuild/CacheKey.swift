import Crypto

/// The build cache key: SHA-256 over everything that decides the build's result. Sans-IO.
///
/// Inputs are the tree identity, the applied patches, every conf file value
/// (which carry all result-changing options, after test users and OpenSSL flags
/// were resolved), the make targets and the compiler version. `jobs` is left
/// out on purpose: parallelism does not change what is built.
public enum CacheKey {
    /// The canonical text that is hashed, one `name=value` line per input.
    public static func canonicalText(
        treeIdentity: String, patches: [AppliedPatch], confValues: [String: [String]],
        targets: [String], compilerVersion: String
    ) -> String {
        var lines = ["qmailkit-build-key=2", "tree=\(treeIdentity)"]
        lines += patches.map { "patch=\($0.feature) \($0.name) \($0.sha256)" }
        for name in confValues.keys.sorted() {
            for (index, value) in (confValues[name] ?? []).enumerated() {
                lines.append("\(name)[\(index)]=\(value)")
            }
        }
        lines.append("targets=\(targets.joined(separator: " "))")
        lines.append("compiler=\(compilerVersion)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Lower-case hex SHA-256 of `canonicalText(…)`.
    public static func compute(
        treeIdentity: String, patches: [AppliedPatch], confValues: [String: [String]],
        targets: [String], compilerVersion: String
    ) -> String {
        let text = canonicalText(treeIdentity: treeIdentity, patches: patches, confValues: confValues,
                                 targets: targets, compilerVersion: compilerVersion)
        return SHA256.hash(data: Array(text.utf8)).hexString
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
    }
}
