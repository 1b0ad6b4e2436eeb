import Foundation

/// This test process's scratch folder (removed at exit) and fresh subfolders of it.
enum Scratch {
    private static let counter = Counter()

    /// `$TMPDIR/qmailkit-patchset-<pid>`, created on first use.
    static let root: URL = {
        let url = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("qmailkit-patchset-\(getpid())", isDirectory: true)
        try? FileManager.default.removeItem(at: url)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Scratch.rootPath) }
        return url
    }()
    private static var rootPath: String { NSTemporaryDirectory() + "/qmailkit-patchset-\(getpid())" }

    /// A new empty folder `<root>/<prefix>-<n>`.
    static func directory(_ prefix: String) throws -> URL {
        let url = root.appendingPathComponent("\(prefix)-\(counter.next())", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `text` to `url` (creating folders) with `mode`.
    static func write(_ text: String, to url: URL, mode: Int = 0o644) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }
}

/// A thread-safe increasing number.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
