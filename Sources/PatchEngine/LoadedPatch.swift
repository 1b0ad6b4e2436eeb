import Archive
import Crypto
import DiffFormat
import Foundation
import Recipes

/// A patch file read from disk and understood: its metadata, its parsed diff and
/// its two identities (the bytes as downloaded, and the dialect-independent
/// canonical form that survives re-generation).
public struct LoadedPatch: Sendable {
    /// `tls`, or `resolutions/tls-on-auth` for a resolution variant.
    public let name: String
    /// Path relative to the project, for messages.
    public let file: String
    public let metadata: PatchMetadata
    public let document: PatchDocument
    public let stripLevel: Int
    public let bytesSHA256: String
    public let canonicalSHA256: String

    /// The strip level of an entry that does not give one: the `a/`, `b/` convention.
    public static let defaultStripLevel = 1

    /// Parses `bytes` exactly as downloaded (see `PatchDocument(patchFile:named:)`).
    /// `entry` is what the recipe says about the patch (metadata, strip level);
    /// `defaultFeature` and `defaultBase` what an entry implies when neither it nor
    /// the header says more.
    public init(name: String, file: String, bytes: [UInt8], entry: EntryMetadata = EntryMetadata(),
                defaultFeature: String? = nil, defaultBase: String? = nil) throws {
        let document = try PatchDocument(patchFile: bytes, named: file)
        let strip = entry.strip?.value ?? Self.defaultStripLevel
        self.name = name
        self.file = file
        self.document = document
        self.stripLevel = strip
        self.metadata = try PatchMetadata.resolve(header: document.header, file: file, entry: entry,
                                               defaultFeature: defaultFeature, defaultBase: defaultBase)
        self.bytesSHA256 = SHA256.hash(data: bytes).hexString
        do {
            self.canonicalSHA256 = try document.canonicalSHA256(strip: strip)
        } catch {
            let usable = (0...max(strip, 8)).first { $0 != strip && (try? document.canonicalDiff(strip: $0)) != nil }
            throw PatchEngineError.badPath(file: file, detail: "\(error)", hint: usable.map(Self.stripHint))
        }
    }

    /// What to do when strip level `level` is the one that works.
    static func stripHint(level: Int) -> String {
        "-p\(level) fits the patch's paths: give its recipe entry `strip: \(level)`"
    }

    /// The strip hint when this patch's files are not found in `tree` at its
    /// level but are at another one; nil when no other level does better.
    func stripHint(against tree: FileTree) -> String? {
        guard let level = try? document.guessStripLevel(existingPaths: tree.paths), level != stripLevel else { return nil }
        return Self.stripHint(level: level)
    }
}

extension PatchDocument {
    /// Parses the patch file `name` as downloaded: gzip, bzip2 and xz files are
    /// recognised by their first bytes and decompressed. Refused (naming it) when it
    /// does not parse, or when it holds no diff at all (an empty file, an HTML page,
    /// prose, a header alone).
    init(patchFile bytes: [UInt8], named name: String) throws {
        do {
            self = try PatchDocument(parsing: try Compression.decompressIfCompressed(bytes))
        } catch {
            throw PatchEngineError.malformedPatch(file: name, detail: "\(error)")
        }
        guard !files.isEmpty else { throw PatchEngineError.noDiff(file: name) }
    }
}

extension Digest {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
