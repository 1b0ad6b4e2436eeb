import Foundation

/// Asks pkg-config how to compile and link against OpenSSL.
enum OpenSSLProbe {
    /// `--libs`, `--cflags` and `--modversion` of the `openssl` pkg-config module.
    static func flags() throws(BuildError) -> OpenSSLFlags {
        let hint = PackageHint(package: "libssl-dev", missing: "OpenSSL's development files")
        guard let pkgConfig = ToolRunner.locate("pkg-config") else {
            throw .openSSLUnavailable(detail: "pkg-config is not installed", hint: hint)
        }
        func query(_ flag: String) throws(BuildError) -> String {
            let (status, text) = try ToolRunner.capture(pkgConfig, [flag, "openssl"])
            guard status == 0 else {
                let reason = text.split(separator: "\n").first.map(String.init) ?? "exit status \(status)"
                throw .openSSLUnavailable(detail: "pkg-config \(flag) openssl: \(reason)", hint: hint)
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return OpenSSLFlags(libs: try query("--libs"), cflags: try query("--cflags"),
                            version: try query("--modversion"))
    }
}
