import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a suite run keeps its per-connection files: thousands of small
/// folders (views, captured messages, test peers' homes) made and removed
/// within seconds. On a disk file system that churn costs: `perf` found a
/// quarter of verify's CPU in ext4's inode allocation. So the folder lives
/// in memory (`/dev/shm`) when that is writable, lets programs run (the
/// suite's scripts live there too) and has room (a container's default
/// 64 MB does not: scenarios with long lines side by side need more);
/// `$TMPDIR`, when set, is the user's choice and wins; else the system's
/// temporary folder.
enum ScratchRoot {
    static let url: URL = {
        let environment = ProcessInfo.processInfo.environment
        if environment["TMPDIR"] == nil, access("/dev/shm", W_OK | X_OK) == 0 {
            var info = statvfs()
            let noExec: UInt = 8 // ST_NOEXEC, which Swift's Glibc does not import
            let room = 512 * 1024 * 1024
            if statvfs("/dev/shm", &info) == 0, info.f_flag & noExec == 0,
               Int(info.f_bavail) * Int(info.f_frsize) >= room {
                return URL(fileURLWithPath: "/dev/shm", isDirectory: true)
            }
        }
        return FileManager.default.temporaryDirectory
    }()

    /// A new, not yet created folder `prefix-UUID` under `url`.
    static func folder(_ prefix: String) -> URL {
        url.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
    }
}
