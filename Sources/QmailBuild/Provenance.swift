import Foundation

/// What went into a build, written as `qmailkit-provenance.json` next to the binaries.
public struct Provenance: Sendable, Equatable, Codable {
    /// The options as they reached the build (conf values after test users and OpenSSL were resolved).
    public struct Options: Sendable, Equatable, Codable {
        public var conf: [String: [String]]
        public var targets: [String]
        public var jobs: Int
        public var sanitizers: [String]
        /// `user` or `user:group` when all accounts were mapped to one (test builds only).
        public var testUsers: String?
        /// The sandbox directory used as qmail home, if any.
        public var sandbox: String?
    }

    public var format: Int
    /// The tree identity (git tree id or content hash).
    public var base: String
    /// The pristine upstream the patches were applied to, when known (`netqmail-1.06 tree <id>`).
    public var upstream: String?
    public var patches: [AppliedPatch]
    public var options: Options
    /// First line of `cc --version`.
    public var compiler: String
    /// `pkg-config --modversion openssl` when OpenSSL is linked.
    public var openssl: String?
    public var cacheKey: String
    /// The programs built.
    public var programs: [String]

    /// The file name used in the build directory.
    public static let fileName = "qmailkit-provenance.json"

    /// Stable, human-readable JSON (sorted keys, pretty-printed).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Decodes a provenance file's contents, or nil when it is not one.
    public static func decode(_ data: Data) -> Provenance? {
        try? JSONDecoder().decode(Provenance.self, from: data)
    }
}
