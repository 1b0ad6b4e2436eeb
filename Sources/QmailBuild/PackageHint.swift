/// Which Debian package provides a missing tool, header or library.
public struct PackageHint: Sendable, Equatable, CustomStringConvertible {
    /// The Debian package name, e.g. `libssl-dev`.
    public var package: String
    /// What was missing, e.g. `the header openssl/ssl.h`.
    public var missing: String

    public init(package: String, missing: String) {
        self.package = package
        self.missing = missing
    }

    public var description: String {
        "\(missing) is missing: install the Debian package \(package) (apt-get install \(package))"
    }

    /// The package for a command the build runs (compiler, make, nroff, pkg-config, binutils).
    public static func forTool(_ tool: String) -> PackageHint? {
        let name = tool.split(separator: "/").last.map(String.init) ?? tool
        let package: String
        switch name {
        case "cc", "cc1", "c99", "gcc", "collect2": package = "gcc"
        case _ where name.hasPrefix("gcc-"): package = "gcc"
        case "make", "gmake": package = "make"
        case "nroff", "groff", "troff", "grotty": package = "groff-base"
        case "pkg-config", "pkgconf": package = "pkg-config"
        case "ld", "as", "ar", "ranlib", "strip": package = "binutils"
        default: return nil
        }
        return PackageHint(package: package, missing: "the command \(name)")
    }

    /// The package for a header named in an `#include`, when it is a known one.
    public static func forHeader(_ header: String) -> PackageHint? {
        let package: String
        if header.hasPrefix("openssl/") {
            package = "libssl-dev"
        } else if header == "zlib.h" {
            package = "zlib1g-dev"
        } else if header.hasPrefix("sys/") || cHeaders.contains(header) {
            package = "libc6-dev"
        } else {
            return nil
        }
        return PackageHint(package: package, missing: "the header \(header)")
    }

    /// The package for a library named by `-l<name>`, when it is a known one.
    public static func forLibrary(_ library: String) -> PackageHint? {
        switch library {
        case "ssl", "crypto": PackageHint(package: "libssl-dev", missing: "the library -l\(library)")
        case "z": PackageHint(package: "zlib1g-dev", missing: "the library -lz")
        case "c", "m", "resolv": PackageHint(package: "libc6-dev", missing: "the library -l\(library)")
        default: nil
        }
    }

    private static let cHeaders: Set<String> = [
        "stdio.h", "stdlib.h", "string.h", "unistd.h", "errno.h", "fcntl.h", "signal.h",
        "time.h", "pwd.h", "grp.h", "netdb.h", "dirent.h", "limits.h", "ctype.h",
    ]
}
