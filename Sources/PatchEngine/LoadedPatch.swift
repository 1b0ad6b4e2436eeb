import Crypto
import DiffFormat
import Foundation

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

    /// Parses `bytes`; `stripLevel` nil means: guess it against `existingPaths`.
    public init(name: String, file: String, bytes: [UInt8], stripLevel: Int? = 1,
                existingPaths: Set<String> = []) throws {
        let document = try PatchDocument(patchFile: bytes, named: file)
        let strip = try stripLevel ?? document.guessStripLevel(existingPaths: existingPaths)
        self.name = name
        self.file = file
        self.document = document
        self.stripLevel = strip
        self.metadata = try PatchMetadata.parse(fields: document.header.fields.map { ($0.name, $0.value) }, file: file)
        self.bytesSHA256 = SHA256.hash(data: bytes).hexString
        self.canonicalSHA256 = try document.canonicalSHA256(strip: strip)
    }

    /// The paths this patch changes, after stripping.
    public func touchedPaths() throws -> [String] {
        try document.files.map { try $0.targetPath(strip: stripLevel) }
    }
}

extension PatchDocument {
    /// Parses the patch file `name`: refused (naming it) when it does not parse, or
    /// when it holds no diff at all (an empty file, an HTML page, prose, a header alone).
    init(patchFile bytes: [UInt8], named name: String) throws {
        do {
            self = try PatchDocument(parsing: bytes)
        } catch {
            throw PatchEngineError.malformedPatch(file: name, detail: "\(error)")
        }
        guard !files.isEmpty else { throw PatchEngineError.noDiff(file: name) }
    }
}

extension Digest {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
