/// Lines added and removed per file, as `git diff --stat` and `diffstat` summarise a patch.
public struct DiffStat: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public var path: String
        public var added: Int
        public var removed: Int
    }

    /// In patch order.
    public var files: [File]

    /// Counts `document`'s hunk lines per file; paths as chosen with no tree at `-p<strip>`
    /// (a name that cannot be stripped is shown as written).
    public init(_ document: PatchDocument, strip: Int) {
        files = document.files.map { file in
            let path = (try? file.choosePaths(strip: strip, exists: { _ in false }).path)
                ?? file.newPath ?? file.oldPath ?? "/dev/null"
            let lines = file.hunks.flatMap(\.lines)
            return File(path: path, added: lines.count { $0.kind == .addition }, removed: lines.count { $0.kind == .deletion })
        }
    }

    /// ` path | 12 ++++----` per file (bars scaled to `width` characters), then
    /// ` N files changed, X insertions(+), Y deletions(-)`.
    public func rendered(width: Int = 50) -> String {
        let nameWidth = files.map(\.path.count).max() ?? 0
        let countWidth = String(files.map { $0.added + $0.removed }.max() ?? 0).count
        let largest = max(1, files.map { $0.added + $0.removed }.max() ?? 1)
        var text = ""
        for file in files {
            let total = file.added + file.removed
            let scale = largest > width ? Double(width) / Double(largest) : 1
            let plus = file.added == 0 ? 0 : max(1, Int((Double(file.added) * scale).rounded()))
            let minus = file.removed == 0 ? 0 : max(1, Int((Double(file.removed) * scale).rounded()))
            let name = file.path + String(repeating: " ", count: nameWidth - file.path.count)
            let count = String(repeating: " ", count: countWidth - String(total).count) + String(total)
            text += " \(name) | \(count) \(String(repeating: "+", count: plus))\(String(repeating: "-", count: minus))\n"
        }
        let added = files.reduce(0) { $0 + $1.added }, removed = files.reduce(0) { $0 + $1.removed }
        text += " \(files.count) file\(files.count == 1 ? "" : "s") changed, "
            + "\(added) insertion\(added == 1 ? "" : "s")(+), \(removed) deletion\(removed == 1 ? "" : "s")(-)\n"
        return text
    }
}
