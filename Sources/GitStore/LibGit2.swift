import CGit2

/// One-time, process-wide libgit2 set-up.
///
/// A global `let` is initialised lazily and exactly once, even when several
/// threads race for it, so this is the thread-safe "init once" gate. libgit2 is
/// never shut down: the process ends first.
enum LibGit2 {
    private static let initialisation: Result<Void, GitError> = {
        Result { () throws(GitError) in
            try check(git_libgit2_init(), "initialise libgit2")
        }
    }()

    /// Call before any other libgit2 function; cheap after the first call.
    static func ready() throws(GitError) {
        try initialisation.get()
    }
}
