import Foundation

/// A patch applied to the tree, recorded in the provenance file.
public struct AppliedPatch: Sendable, Equatable, Codable {
    /// The feature the patch implements: its `Feature:` header, e.g. `tls`.
    public var feature: String
    /// The patch file, e.g. `patches/tls.patch` or `patches/resolutions/tls-on-auth.patch`.
    public var name: String
    /// SHA-256 (lower-case hex) of the normalised patch text.
    public var sha256: String

    public init(feature: String, name: String, sha256: String) {
        self.feature = feature
        self.name = name
        self.sha256 = sha256
    }
}

/// What to build and where.
public struct BuildRequest: Sendable, Equatable {
    /// A netqmail-1.06 source directory, pristine or patched. It is copied, never modified.
    public var tree: URL
    /// The tree's identity: its git tree id, or `DirectoryHash.identity(of:)`.
    public var treeIdentity: String
    /// Where the build happens. Created if needed; must be empty or a previous qmailkit build.
    public var output: URL
    public var options: BuildOptions
    /// Patches applied to the tree, for provenance (and the cache key).
    public var patches: [AppliedPatch]
    /// The pristine upstream the patches were applied to (`netqmail-1.06 tree <id>`), for provenance.
    public var upstream: String?

    public init(tree: URL, treeIdentity: String, output: URL, options: BuildOptions = BuildOptions(),
                patches: [AppliedPatch] = [], upstream: String? = nil) {
        self.tree = tree
        self.treeIdentity = treeIdentity
        self.output = output
        self.options = options
        self.patches = patches
        self.upstream = upstream
    }
}

/// What a build produced.
public struct BuildResult: Sendable, Equatable {
    /// The cache key recorded in the stamp.
    public var cacheKey: String
    /// True when an earlier build with the same key was reused and make did not run.
    public var cacheHit: Bool
    /// The build directory: sources, binaries, log, stamp and provenance.
    public var directory: URL
    public var logFile: URL
    public var provenanceFile: URL
    /// Programs of the Makefile's `it` list that exist as executables after the build.
    public var builtPrograms: [String]
    /// Programs of the `it` list that were not produced (expected empty for target `it`).
    public var missingPrograms: [String]
    /// First line of `cc --version`.
    public var compilerVersion: String
    /// `pkg-config --modversion openssl`, when the tree links OpenSSL.
    public var openSSLVersion: String?
}

/// What the builder reports while it works.
public enum BuildEvent: Sendable, Equatable {
    /// The tree's own `file` carried `words` beyond the stock command (a patch's
    /// settings); they are kept, and `line` is what the build writes.
    case keptTreeSettings(file: String, words: [String], line: String)
    /// An identical earlier build is reused; make does not run.
    case cacheHit(key: String, directory: URL)
    /// The conf files are written and make starts; its full output goes to `log`.
    case started(key: String, log: URL)
    /// make compiled an object or is linking a program.
    case progress(BuildProgress)
    /// make failed; the first error found in its output (nil when none was recognised).
    case failed(firstError: BuildDiagnostic?)
    /// The build finished (or was reused).
    case finished(BuildResult)
}
