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
///   - name: extra                # a published patch, pinned by size and digest
///     urls: [https://example.org/extra.patch]
///     size: 5120
///     sha256: 0123…
/// ```
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

    public init(name: String, location: Location) {
        self.name = name
        self.location = location
    }

    static func parse(_ node: Node, field: String, yaml: YAMLFields) throws -> PatchReference {
        if node.scalar != nil {
            let name = try yaml.name(node, field)
            return PatchReference(name: name, location: .local(path: "patches/\(name).patch"))
        }
        let fields = try yaml.fields(try yaml.mapping(node, field), field,
                                     allowed: ["name", "file", "urls", "size", "sha256"])
        let name = try yaml.name(try yaml.required(fields, "name", in: node, field), "\(field).name")
        switch (fields["file"], fields["urls"]) {
        case let (file?, nil):
            if fields["sha256"] != nil || fields["size"] != nil {
                throw yaml.error(node, field, "size and sha256 pin a download; a local file needs neither")
            }
            let path = try yaml.string(file, "\(field).file")
            guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw yaml.error(file, "\(field).file", "'\(path)' must be a path inside the project")
            }
            return PatchReference(name: name, location: .local(path: path))
        case let (nil, urls?):
            let digestNode = try yaml.required(fields, "sha256", in: node, field)
            let sizeNode = try yaml.required(fields, "size", in: node, field)
            return PatchReference(name: name, location: .remote(
                urls: try yaml.urls(urls, "\(field).urls"),
                size: try yaml.positiveInteger(sizeNode, "\(field).size"),
                sha256: try yaml.hexDigest(digestNode, "\(field).sha256", length: 64)))
        case (nil, nil):
            return PatchReference(name: name, location: .local(path: "patches/\(name).patch"))
        case (_?, _?):
            throw yaml.error(node, field, "give either 'file' or 'urls', not both")
        }
    }
}
