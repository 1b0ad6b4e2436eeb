import Foundation

/// ccache in front of the compiler, for many builds of nearly the same tree
/// (`qmailkit matrix`): a selection recompiles only the files its patches change.
/// ccache hashes the preprocessed source and the flags, so a hit is the object
/// the compiler would have produced.
public struct CompilerCache: Sendable, Equatable {
    /// The ccache executable.
    public var executable: URL
    /// Where ccache keeps its objects (`CCACHE_DIR`).
    public var directory: URL

    /// ccache from `PATH` with its objects under `cacheRoot/ccache`, or nil when it is not installed.
    public static func locate(cacheRoot: URL) -> CompilerCache? {
        guard let executable = ToolRunner.locate("ccache") else { return nil }
        return CompilerCache(executable: executable, directory: cacheRoot.appendingPathComponent("ccache", isDirectory: true))
    }

    /// `compile` (a conf-cc line such as `cc -O2`) run through ccache. qmail pastes
    /// conf-cc into a shell script, so the cache folder is passed with `env` and quoted.
    public func wrapping(_ compile: String) -> String {
        "env CCACHE_DIR=\(Self.shellQuoted(directory.path)) \(Self.shellQuoted(executable.path)) \(compile)"
    }

    /// `text` as one word for a POSIX shell, in single quotes unless it is plain.
    public static func shellQuoted(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+".contains($0) }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
