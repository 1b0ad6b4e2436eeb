import CGit2
import Foundation

/// A git repository opened through libgit2: on disk (bare or with a work
/// directory) or entirely in memory.
///
/// Owns its `git_repository*` and frees it when released. Not `Sendable`: a
/// libgit2 repository handle must not be used from two threads at once, so
/// keep each instance within one task (open another instance elsewhere).
public final class GitRepository {
    let handle: OpaquePointer

    /// True for a repository made by `inMemory()`: objects live in RAM only,
    /// and there are no references.
    public let isInMemory: Bool

    private init(handle: OpaquePointer, isInMemory: Bool) {
        self.handle = handle
        self.isInMemory = isInMemory
    }

    deinit {
        git_repository_free(handle)
    }

    /// Creates a new repository at `url` (creating missing directories):
    /// `url/.git` plus a work directory, or a bare repository at `url` itself.
    /// HEAD is a symbolic reference to `refs/heads/<initialBranch>`, which does
    /// not exist until something is committed to it.
    ///
    /// Refuses (and changes nothing) when `url` already holds a repository.
    /// Cost: a few small files written.
    public static func create(at url: URL, bare: Bool, initialBranch: String = "main") throws(GitError) -> GitRepository {
        try LibGit2.ready()
        let operation = "create repository at \(url.path)"
        var options = git_repository_init_options()
        try check(git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)), operation)
        options.flags = GIT_REPOSITORY_INIT_NO_REINIT.rawValue | GIT_REPOSITORY_INIT_MKPATH.rawValue
        if bare { options.flags |= GIT_REPOSITORY_INIT_BARE.rawValue }
        var handle: OpaquePointer?
        let code = initialBranch.withCString { head in
            options.initial_head = head
            return git_repository_init_ext(&handle, url.path, &options)
        }
        try check(code, operation)
        return GitRepository(handle: handle!, isInMemory: false)
    }

    /// Opens the repository at exactly `url`: a work directory containing
    /// `.git`, a `.git` directory, or a bare repository. Parent directories are
    /// not searched, so a path inside some other repository is not mistaken for it.
    public static func open(at url: URL) throws(GitError) -> GitRepository {
        try LibGit2.ready()
        var handle: OpaquePointer?
        try check(
            git_repository_open_ext(&handle, url.path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil),
            "open repository at \(url.path)")
        return GitRepository(handle: handle!, isInMemory: false)
    }

    /// A repository whose object database is libgit2's in-memory "mempack"
    /// backend and nothing else: blobs, trees and commits can be written and
    /// read back, and their ids computed, without touching the disk. Objects
    /// are gone when the instance is released. It has no references, so
    /// reference and HEAD operations throw, and `commit(updateRef:)` must be nil.
    public static func inMemory() throws(GitError) -> GitRepository {
        try LibGit2.ready()
        let operation = "create in-memory repository"
        var odb: OpaquePointer?
        try check(git_odb_new(&odb), operation)
        // The repository takes its own reference to the odb.
        defer { git_odb_free(odb) }
        var backend: UnsafeMutablePointer<git_odb_backend>?
        try check(git_mempack_new(&backend), operation)
        let added = git_odb_add_backend(odb, backend, 1)
        if added < 0 {
            // The odb owns the backend only once it has been added.
            backend!.pointee.free(backend)
            try check(added, operation)
        }
        var handle: OpaquePointer?
        try check(git_repository_wrap_odb(&handle, odb), operation)
        return GitRepository(handle: handle!, isInMemory: true)
    }

    /// The `.git` directory (or the bare repository's directory); nil in memory.
    public var gitDirectory: URL? {
        guard let path = git_repository_path(handle) else { return nil }
        return URL(fileURLWithPath: String(cString: path), isDirectory: true)
    }

    /// The work directory; nil for bare and in-memory repositories.
    public var workDirectory: URL? {
        guard let path = git_repository_workdir(handle) else { return nil }
        return URL(fileURLWithPath: String(cString: path), isDirectory: true)
    }
}
