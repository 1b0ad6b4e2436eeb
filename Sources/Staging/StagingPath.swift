#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// Where a result is built before it is renamed into place: a hidden sibling
/// `.<name>.partial-<pid>[.<tag>]` that carries the id of the process that owns
/// it, so a later run can tell the leftover of a dead process from the work in
/// progress of a live one.
public enum StagingPath {
    /// The staging sibling of `target` for this process; `tag` tells apart
    /// several stagings of one target in one process.
    public static func sibling(of target: URL, tag: String? = nil) -> URL {
        target.deletingLastPathComponent()
            .appendingPathComponent(entryName(for: target.lastPathComponent, pid: getpid(), tag: tag))
    }

    /// `.<name>.partial-<pid>` or `.<name>.partial-<pid>.<tag>`.
    static func entryName(for name: String, pid: pid_t, tag: String?) -> String {
        ".\(name)\(marker)\(pid)" + (tag.map { ".\($0)" } ?? "")
    }

    static let marker = ".partial-"

    /// The owner of `entry`, a name in a directory, when it is a staging
    /// entry (of `name` only, when given); nil for anything else.
    static func owner(of entry: String, name: String? = nil) -> pid_t? {
        guard entry.hasPrefix("."), let range = entry.range(of: marker, options: .backwards) else { return nil }
        let staged = entry[entry.index(after: entry.startIndex)..<range.lowerBound]
        guard !staged.isEmpty, name.map({ $0 == staged }) ?? true else { return nil }
        let digits = entry[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
        let rest = entry[range.upperBound...].dropFirst(digits.count)
        guard !digits.isEmpty, rest.isEmpty || (rest.first == "." && rest.count > 1),
              let pid = pid_t(digits), pid > 0 else { return nil }
        return pid
    }
}
