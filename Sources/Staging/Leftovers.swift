#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// Removes the staging entries of interrupted runs: those whose owning process
/// is gone. A staging entry of a live process (a concurrent run) is never
/// touched.
public enum Leftovers {
    /// Deletes every staging entry in `directory` (only those of `name`, when
    /// given) whose owner has exited; returns what it removed. Entries it
    /// cannot remove are left and not returned. Cost: one directory listing.
    @discardableResult
    public static func reclaim(in directory: URL, of name: String? = nil) -> [URL] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [URL] = []
        for entry in entries.sorted() {
            guard let owner = StagingPath.owner(of: entry, name: name), !isRunning(owner) else { continue }
            let url = directory.appendingPathComponent(entry)
            if (try? FileManager.default.removeItem(at: url)) != nil { removed.append(url) }
        }
        return removed
    }

    /// Whether a process with id `pid` exists (EPERM: it does, owned by
    /// someone else).
    static func isRunning(_ pid: pid_t) -> Bool {
        pid == getpid() || kill(pid, 0) == 0 || errno == EPERM
    }
}
