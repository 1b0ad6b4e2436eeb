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

    /// `currentFormat` when written by this qmailkit.
    public var format: Int
    /// The tree identity (git tree id or content hash).
    public var base: String
    /// The pristine upstream the patches were applied to, when known (`netqmail-1.06 tree <id>`).
    public var upstream: String?
    /// In the order applied; empty for a tree without a `qmailkit patch` history (stock).
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
    /// 2: each patch names its feature (format 1 had only the patch file).
    public static let currentFormat = 2

    /// The features built in, in the order their patches were applied.
    public var features: [String] { patches.map(\.feature) }

    /// Stable, human-readable JSON (sorted keys, pretty-printed).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Why a build directory's provenance cannot be used.
    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads `fileName` in the build directory `directory`.
    public static func read(buildDirectory directory: URL) throws(ReadError) -> Provenance {
        let file = directory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw ReadError(description: "\(file.path) is missing or unreadable; pass the output directory of 'qmailkit build'")
        }
        struct Format: Decodable { var format: Int }
        guard let format = try? JSONDecoder().decode(Format.self, from: data).format else {
            throw ReadError(description: "\(file.path) is not a qmailkit provenance file")
        }
        guard format == currentFormat else {
            throw ReadError(description: "\(file.path) has format \(format), this qmailkit reads format \(currentFormat) "
                + "(which names each patch's feature); build the tree again with this qmailkit")
        }
        do {
            return try JSONDecoder().decode(Provenance.self, from: data)
        } catch {
            throw ReadError(description: "\(file.path) is not a qmailkit provenance file: \(error)")
        }
    }
}
