import Foundation
import Yams

/// An ordered patch series on top of a pinned base source: `recipes/<name>.yaml`.
///
/// ```yaml
/// name: tls-auth
/// description: STARTTLS and SMTP AUTH
/// base: netqmail-1.06
/// patches:
///   - auth                       # patches/auth.patch
///   - tls
///   - name: extra                # a published patch, pinned by size and digest,
///     urls: [https://example.org/extra.patch.gz]   # used exactly as downloaded
///     size: 5120
///     sha256: 0123…
///     feature: extra             # metadata the patch file itself may lack
///     requires: [auth]
///     strip: 0
/// ```
///
/// The metadata fields of an entry (see `EntryMetadata`) say what a patch's
/// DEP-3 header would say; docs/recipes.md lists them.
public struct Recipe: Sendable, Equatable {
    public var name: String
    public var summary: String?
    /// Name of a source definition in `recipes/sources/`.
    public var base: String
    public var patches: [PatchReference]

    public init(name: String, summary: String?, base: String, patches: [PatchReference]) {
        self.name = name
        self.summary = summary
        self.base = base
        self.patches = patches
    }

    /// Parses a recipe. `file` is only used in error messages.
    public static func parse(_ text: String, file: String) throws -> Recipe {
        let yaml = YAMLFields(file: file)
        let root = try yaml.document(text)
        let fields = try yaml.fields(try yaml.mapping(root, ""), "",
                                     allowed: ["name", "description", "base", "patches"])
        let patchesNode = try yaml.required(fields, "patches", in: root, "")
        guard let sequence = patchesNode.sequence else {
            throw yaml.error(patchesNode, "patches", "expected a list of patches")
        }
        var patches: [PatchReference] = []
        for (index, item) in sequence.enumerated() {
            let reference = try PatchReference.parse(item, field: "patches[\(index)]", yaml: yaml)
            if patches.contains(where: { $0.name == reference.name }) {
                throw yaml.error(item, "patches[\(index)]", "patch '\(reference.name)' is listed twice")
            }
            patches.append(reference)
        }
        return Recipe(
            name: try yaml.name(try yaml.required(fields, "name", in: root, ""), "name"),
            summary: try fields["description"].map { try yaml.string($0, "description") },
            base: try yaml.name(try yaml.required(fields, "base", in: root, ""), "base"),
            patches: patches)
    }
}

/// One entry of a recipe's patch list.
public struct PatchReference: Sendable, Equatable {
    public enum Location: Sendable, Equatable {
        /// A file of the project, relative to its root (default `patches/<name>.patch`).
        case local(path: String)
        /// A published patch: mirrors, and the size and SHA-256 of the downloaded bytes.
        case remote(urls: [URL], size: Int64, sha256: String)
    }

    public var name: String
    public var location: Location
    /// What the entry says about the patch (empty for a bare name).
    public var metadata: EntryMetadata

    public init(name: String, location: Location, metadata: EntryMetadata = EntryMetadata()) {
        self.name = name
        self.location = location
        self.metadata = metadata
    }

    static let metadataFields: Set<String> = ["feature", "requires", "conflicts", "base", "strip", "description", "origin"]

    static func parse(_ node: Node, field: String, yaml: YAMLFields) throws -> PatchReference {
        if node.scalar != nil {
            let name = try yaml.name(node, field)
            return PatchReference(name: name, location: .local(path: "patches/\(name).patch"))
        }
        let fields = try yaml.fields(try yaml.mapping(node, field), field,
                                     allowed: Set(["name", "file", "urls", "size", "sha256"]).union(metadataFields))
        let name = try yaml.name(try yaml.required(fields, "name", in: node, field), "\(field).name")
        let metadata = try EntryMetadata.parse(fields, field: field, yaml: yaml)
        switch (fields["file"], fields["urls"]) {
        case let (file?, nil):
            if fields["sha256"] != nil || fields["size"] != nil {
                throw yaml.error(node, field, "size and sha256 pin a download; a local file needs neither")
            }
            let path = try yaml.string(file, "\(field).file")
            guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw yaml.error(file, "\(field).file", "'\(path)' must be a path inside the project")
            }
            return PatchReference(name: name, location: .local(path: path), metadata: metadata)
        case let (nil, urls?):
            let digestNode = try yaml.required(fields, "sha256", in: node, field)
            let sizeNode = try yaml.required(fields, "size", in: node, field)
            return PatchReference(name: name, location: .remote(
                urls: try yaml.urls(urls, "\(field).urls"),
                size: try yaml.positiveInteger(sizeNode, "\(field).size"),
                sha256: try yaml.hexDigest(digestNode, "\(field).sha256", length: 64)), metadata: metadata)
        case (nil, nil):
            return PatchReference(name: name, location: .local(path: "patches/\(name).patch"), metadata: metadata)
        case (_?, _?):
            throw yaml.error(node, field, "give either 'file' or 'urls', not both")
        }
    }
}

/// A value read from a recipe, with the place it was written (for messages
/// that name both the recipe and the patch when they disagree).
public struct Located<Value: Sendable & Equatable>: Sendable, Equatable {
    public var value: Value
    /// The recipe file, relative to the project.
    public var file: String
    /// 1-based line.
    public var line: Int

    public init(_ value: Value, file: String, line: Int) {
        self.value = value
        self.file = file
        self.line = line
    }

    /// `recipes/x.yaml:7`.
    public var place: String { "\(file):\(line)" }
}

/// What a recipe entry says about its patch: the same facts a patch's own
/// header gives (`Feature`, `Requires`, `Conflicts`, `Base`, `Description`,
/// `Origin`), plus the strip level. Every field is optional; a published patch
/// is used as downloaded and described here.
public struct EntryMetadata: Sendable, Equatable {
    public var feature: Located<String>?
    public var requires: Located<[String]>?
    public var conflicts: Located<[String]>?
    /// `netqmail-1.06` or `netqmail-1.06 + auth`, as in a `Base:` header.
    public var base: Located<String>?
    /// The `-p` level for the patch's paths (default 1).
    public var strip: Located<Int>?
    public var description: Located<String>?
    public var origin: Located<String>?

    public init(feature: Located<String>? = nil, requires: Located<[String]>? = nil,
                conflicts: Located<[String]>? = nil, base: Located<String>? = nil, strip: Located<Int>? = nil,
                description: Located<String>? = nil, origin: Located<String>? = nil) {
        self.feature = feature
        self.requires = requires
        self.conflicts = conflicts
        self.base = base
        self.strip = strip
        self.description = description
        self.origin = origin
    }

    static func parse(_ fields: [String: Node], field: String, yaml: YAMLFields) throws -> EntryMetadata {
        func located<T>(_ name: String, _ read: (Node, String) throws -> T) throws -> Located<T>? {
            guard let node = fields[name] else { return nil }
            return Located(try read(node, "\(field).\(name)"), file: yaml.file, line: node.mark?.line ?? 1)
        }
        return EntryMetadata(
            feature: try located("feature", yaml.name),
            requires: try located("requires", yaml.names),
            conflicts: try located("conflicts", yaml.names),
            base: try located("base", yaml.string),
            strip: try located("strip", yaml.stripLevel),
            description: try located("description", yaml.string),
            origin: try located("origin", yaml.string))
    }
}
