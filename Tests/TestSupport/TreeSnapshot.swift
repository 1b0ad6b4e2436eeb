import Foundation
import Glibc

/// Everything of a folder that a program could change: for every entry
/// below it (the folder itself included), its kind, mode, owner, size,
/// modification time to the nanosecond, and a file's bytes or a link's
/// target. Two snapshots are equal when nothing was written, removed,
/// created, renamed or touched.
public struct TreeSnapshot: Equatable, CustomStringConvertible {
    public var entries: [String: String]

    public init(of root: URL) throws {
        entries = [:]
        try record(root.path, as: ".")
    }

    private mutating func record(_ path: String, as name: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: path]) }
        let kind = info.st_mode & S_IFMT
        var text = "mode \(String(info.st_mode, radix: 8)) owner \(info.st_uid):\(info.st_gid) size \(info.st_size) "
            + "mtime \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        switch kind {
        case S_IFREG:
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            text += " bytes \(bytes.base64EncodedString())"
        case S_IFLNK:
            text += " -> " + (try FileManager.default.destinationOfSymbolicLink(atPath: path))
        case S_IFDIR:
            for child in try FileManager.default.contentsOfDirectory(atPath: path).sorted() {
                try record(path + "/" + child, as: name + "/" + child)
            }
        default:
            break
        }
        entries[name] = text
    }

    /// The entries that differ from `other`, one line each.
    public func differences(from other: TreeSnapshot) -> [String] {
        Set(entries.keys).union(other.entries.keys).sorted().compactMap { name in
            entries[name] == other.entries[name] ? nil
                : "\(name): \(other.entries[name].map { String($0.prefix(120)) } ?? "absent") -> \(entries[name].map { String($0.prefix(120)) } ?? "absent")"
        }
    }

    public var description: String { entries.keys.sorted().joined(separator: "\n") }
}
