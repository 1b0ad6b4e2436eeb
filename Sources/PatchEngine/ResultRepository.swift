import Foundation
import GitStore
import Staging

/// Writes a series result as a git repository: the pristine commit (tagged
/// `pristine`), one commit per patch carrying its metadata, the work tree checked
/// out at the last one. Built in a scratch folder beside `destination` and moved
/// into place only when complete, so a failure leaves nothing half-written
/// (and SIGINT/SIGTERM remove the scratch folder, see ``InterruptCleanup``).
public struct ResultRepository {
    public let destination: URL
    public let keepFailed: Bool

    public init(destination: URL, keepFailed: Bool = false) {
        self.destination = destination
        self.keepFailed = keepFailed
    }

    /// Refuses a destination that exists in any form, a symlink (dangling or not)
    /// included: commands call it before doing any work, `write` once more.
    public func requireFreeDestination() throws {
        var info = stat()
        guard lstat(destination.path, &info) != 0 else {
            if info.st_mode & S_IFMT == S_IFLNK {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: destination.path)) ?? "?"
                throw PatchEngineError.outputIsSymlink(path: destination.path, target: target)
            }
            throw PatchEngineError.outputExists(destination.path)
        }
        guard errno == ENOENT else {
            throw PatchEngineError.io("cannot inspect \(destination.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Keeps what a failed series produced for inspection: the patches that applied as
    /// commits, and each conflicted file with its diff3 markers left uncommitted in
    /// the work tree. Returns what was kept, for the message.
    @discardableResult
    public func writeFailed(_ report: ConflictReport, sourceName: String, commitTime: Int64) throws -> KeptResult {
        try write(report.completed, sourceName: sourceName, commitTime: commitTime)
        for file in report.files {
            try WorkTreeFile.replace(file.path, in: destination, with: file.diff3)
        }
        return KeptResult(destination: destination.path, sourceName: sourceName,
                          committed: report.completed.steps.map { "\($0.report.feature) (\($0.report.patchFile))" },
                          failedPatch: report.patch, conflicted: report.files.map(\.path), notWritten: report.cleanFiles)
    }

    /// Writes the repository; returns the id of the final commit.
    @discardableResult
    public func write(_ result: SeriesResult, sourceName: String, commitTime: Int64) throws -> ObjectID {
        let fileManager = FileManager.default
        try requireFreeDestination()
        let scratch = StagingPath.sibling(of: destination)
        // Only this process's own earlier attempt can be there.
        try? fileManager.removeItem(at: scratch)
        let tracking = InterruptCleanup.shared.track(scratch)
        do {
            let head = try populate(scratch, result, sourceName: sourceName, commitTime: commitTime)
            try InterruptCleanup.shared.settle(tracking) { () throws in try fileManager.moveItem(at: scratch, to: destination) }
            return head
        } catch {
            InterruptCleanup.shared.settle(tracking) {
                if !keepFailed { try? fileManager.removeItem(at: scratch) }
            }
            throw error
        }
    }

    /// Deletes the scratch folders (`.<name>.partial-<pid>`) that interrupted
    /// runs writing this destination left beside it, those whose process is
    /// gone; a live concurrent run's is left alone. Returns what was removed.
    public func removeLeftovers() -> [URL] {
        Leftovers.reclaim(in: destination.deletingLastPathComponent(), of: destination.lastPathComponent)
    }

    private func populate(_ directory: URL, _ result: SeriesResult, sourceName: String,
                          commitTime: Int64) throws -> ObjectID {
        // The history is built in memory and reaches the disk as one pack.
        let staging = try GitRepository.inMemory()
        let signature = GitSignature(name: "qmailkit", email: "qmailkit@localhost", time: commitTime)
        var tree = try staging.writeTree(result.pristine.sortedFiles)
        let pristine = try staging.commit(tree: tree, parents: [], message: "\(sourceName): pristine upstream tree\n",
                                          author: signature, committer: signature)
        var head = pristine
        for step in result.steps {
            // A patch changes a few files: record only those on top of the previous tree.
            let changed = step.report.files.compactMap { step.tree[$0] }
            let removed = step.report.files.filter { step.tree[$0] == nil }
            tree = try staging.writeTree(updating: tree, upserting: changed, removing: removed)
            head = try staging.commit(tree: tree, parents: [head], message: Self.message(step.report),
                                      author: signature, committer: signature)
        }
        let repository = try GitRepository.create(at: directory, bare: false)
        try repository.importPack(try staging.packHistory(endingAt: head))
        try repository.setReference("refs/tags/pristine", to: pristine)
        try repository.setReference("refs/heads/main", to: head)
        try repository.setHead(toBranch: "refs/heads/main")
        try repository.checkoutHead()
        return head
    }

    /// The commit message of one patch step: summary, then metadata trailers.
    static func message(_ report: StepReport) -> String {
        var lines = ["\(report.feature): applied \(report.patchFile)", ""]
        lines.append("Feature: \(report.feature)")
        lines.append("Patch: \(report.patchFile)")
        lines.append("Base: \(report.baseDescription)")
        if !report.resolves.isEmpty { lines.append("Resolution-For: \(report.resolves.joined(separator: ", "))") }
        lines.append("Patch-SHA256: \(report.bytesSHA256)")
        lines.append("Canonical-SHA256: \(report.canonicalSHA256)")
        lines.append("Hunks: \(report.hunkCount) in \(report.files.count) files")
        for note in report.displacedHunks {
            lines.append("Offset: \(note.file) hunk \(note.hunk) by \(note.offset) lines" + (note.fuzz > 0 ? ", fuzz \(note.fuzz)" : ""))
        }
        for file in report.mergedFiles { lines.append("Merged: \(file)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// What `--keep-failed` left in the output folder.
public struct KeptResult: Sendable, CustomStringConvertible {
    public var destination: String
    public var sourceName: String
    /// `feature (patch file)` of each patch committed, in series order: each applied fully.
    public var committed: [String]
    public var failedPatch: String
    /// Files in the work tree with diff3 conflict markers, not committed.
    public var conflicted: [String]
    /// Files the failed patch changes that merged cleanly but were not written.
    public var notWritten: [String]

    public var description: String {
        var lines = ["kept the partial result in \(destination):"]
        lines.append("  committed: pristine \(sourceName)" + (committed.isEmpty ? "" : ", then each applied fully: "
                                                            + committed.joined(separator: ", ")))
        lines.append("  \(failedPatch) is not committed; its conflicted files carry diff3 markers in the work tree: "
                     + conflicted.joined(separator: ", "))
        if !notWritten.isEmpty {
            lines.append("  \(failedPatch)'s changes to \(notWritten.joined(separator: ", ")) merged cleanly but were not written")
        }
        return lines.joined(separator: "\n")
    }
}

/// Moves `scratch` over `destination` with rename(2): readers see the old file or
/// the new one, never a half-written one.
public func replaceAtomically(_ destination: URL, with scratch: URL) throws {
    guard rename(scratch.path, destination.path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: scratch)
        throw PatchEngineError.io("cannot write \(destination.path): \(reason)")
    }
}
