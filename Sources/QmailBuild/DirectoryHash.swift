import Crypto
import Foundation

/// A content hash of a source directory, for trees without a git tree id.
public enum DirectoryHash {
    /// `sha256:<hex>` over every entry below `directory` except `.git`, in byte order of
    /// the relative paths: its kind, path, executable bit and contents (or symlink target).
    ///
    /// Reads every file once; for a netqmail tree (about 1 MB) this takes milliseconds.
    /// Timestamps and owners are ignored, so two unpacks of the same tarball hash alike.
    public static func identity(of directory: URL) throws(BuildError) -> String {
        let manager = FileManager.default
        let root = directory.standardizedFileURL.path
        let relativePaths: [String]
        do {
            relativePaths = try manager.subpathsOfDirectory(atPath: root)
        } catch {
            throw .fileSystem(operation: "list", path: root, reason: error.localizedDescription)
        }
        var hasher = SHA256()
        let included = relativePaths
            .filter { $0 != ".git" && !$0.hasPrefix(".git/") }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for relative in included {
            let path = root + "/" + relative
            let attributes: [FileAttributeKey: Any]
            do {
                attributes = try manager.attributesOfItem(atPath: path)
            } catch {
                throw .fileSystem(operation: "inspect", path: path, reason: error.localizedDescription)
            }
            let type = attributes[.type] as? FileAttributeType
            let permissions = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
            switch type {
            case .typeDirectory?:
                hasher.update(data: Array("D \(relative)\0".utf8))
            case .typeSymbolicLink?:
                let target = (try? manager.destinationOfSymbolicLink(atPath: path)) ?? ""
                hasher.update(data: Array("L \(relative)\0\(target)\0".utf8))
            default:
                guard let contents = manager.contents(atPath: path) else {
                    throw .fileSystem(operation: "read", path: path, reason: "unreadable")
                }
                let executable = permissions & 0o111 != 0 ? "x" : "-"
                hasher.update(data: Array("F \(relative)\0\(executable)\0\(contents.count)\0".utf8))
                hasher.update(data: contents)
            }
        }
        return "sha256:" + hasher.finalize().hexString
    }
}
