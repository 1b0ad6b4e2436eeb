import Foundation

/// A pinned upstream source (e.g. netqmail-1.06): where to download it and how to
/// know it is the real thing. Lives in `recipes/sources/<name>.yaml`.
public struct SourceDefinition: Sendable, Equatable {
    public var name: String
    /// The file name the download is cached under.
    public var fileName: String
    /// Mirrors, tried in order.
    public var urls: [URL]
    public var size: Int64
    /// Lowercase hex SHA-256 of the downloaded bytes.
    public var sha256: String
    /// Git tree id of the unpacked tree (top-level directory stripped), when pinned:
    /// the content identity that lets later steps say "this is exactly <name>".
    public var treeID: String?

    public init(name: String, fileName: String, urls: [URL], size: Int64, sha256: String, treeID: String?) {
        self.name = name
        self.fileName = fileName
        self.urls = urls
        self.size = size
        self.sha256 = sha256
        self.treeID = treeID
    }

    /// Parses a source definition. `file` is only used in error messages.
    public static func parse(_ text: String, file: String) throws -> SourceDefinition {
        let yaml = YAMLFields(file: file)
        let root = try yaml.document(text)
        let fields = try yaml.fields(try yaml.mapping(root, ""), "",
                                     allowed: ["name", "file", "urls", "size", "sha256", "tree"])
        let name = try yaml.name(try yaml.required(fields, "name", in: root, ""), "name")
        return SourceDefinition(
            name: name,
            fileName: try yaml.name(try yaml.required(fields, "file", in: root, ""), "file"),
            urls: try yaml.urls(try yaml.required(fields, "urls", in: root, ""), "urls"),
            size: try yaml.positiveInteger(try yaml.required(fields, "size", in: root, ""), "size"),
            sha256: try yaml.hexDigest(try yaml.required(fields, "sha256", in: root, ""), "sha256", length: 64),
            treeID: try fields["tree"].map { try yaml.hexDigest($0, "tree", length: 40) })
    }
}
