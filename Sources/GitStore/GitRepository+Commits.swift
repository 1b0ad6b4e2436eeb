import CGit2

/// A commit as read back from a repository.
public struct CommitRecord: Hashable, Sendable {
    public var tree: ObjectID
    public var parents: [ObjectID]
    /// The message exactly as stored (no clean-up, trailing newline kept).
    public var message: String
    public var author: GitSignature
    public var committer: GitSignature
}

extension GitRepository {
    /// Writes a commit of `tree` with `parents` (first parent first) and
    /// returns its id. The message is stored byte for byte as given (git's
    /// porcelain would add a final newline; do so yourself to match it).
    ///
    /// With `updateRef` (e.g. "refs/heads/main" or "HEAD") the reference is
    /// moved to the new commit, but only if it currently points at
    /// `parents.first` (or does not exist yet and `parents` is empty): a
    /// compare-and-swap, so a stale caller fails instead of losing work. A
    /// reference must be nil in memory. The tree and parents must already be
    /// in this repository. Cost: a few object reads and one write.
    public func commit(
        tree: ObjectID,
        parents: [ObjectID],
        message: String,
        author: GitSignature,
        committer: GitSignature,
        updateRef: String? = nil
    ) throws(GitError) -> ObjectID {
        let operation = "commit tree \(tree)"
        if updateRef != nil { try requireReferences(operation) }
        let treeObject = try lookupTree(tree, operation)
        defer { git_tree_free(treeObject) }

        var parentObjects: [OpaquePointer?] = []
        defer { parentObjects.forEach { git_commit_free($0) } }
        for parent in parents {
            parentObjects.append(try lookupCommit(parent, "\(operation): parent"))
        }

        var id = git_oid()
        try author.withGitSignature(role: "author") { (authorSignature) throws(GitError) in
            try committer.withGitSignature(role: "committer") { (committerSignature) throws(GitError) in
                let code = parentObjects.withUnsafeMutableBufferPointer { parentBuffer in
                    git_commit_create(
                        &id, handle, updateRef, authorSignature, committerSignature,
                        nil, message, treeObject, parentBuffer.count, parentBuffer.baseAddress)
                }
                try check(code, updateRef.map { "\(operation) onto \($0)" } ?? operation)
            }
        }
        return ObjectID(id)
    }

    /// Reads the commit `id`: tree, parents, message and signatures.
    public func readCommit(_ id: ObjectID) throws(GitError) -> CommitRecord {
        let commit = try lookupCommit(id, "read commit \(id)")
        defer { git_commit_free(commit) }
        let parents = (0..<git_commit_parentcount(commit)).map { ObjectID(git_commit_parent_id(commit, $0).pointee) }
        return CommitRecord(
            tree: ObjectID(git_commit_tree_id(commit).pointee),
            parents: parents,
            message: String(cString: git_commit_message_raw(commit)),
            author: GitSignature(git_commit_author(commit)),
            committer: GitSignature(git_commit_committer(commit)))
    }

    /// The root tree of the commit `id`.
    public func tree(ofCommit id: ObjectID) throws(GitError) -> ObjectID {
        try readCommit(id).tree
    }

    /// Looks up a commit; the caller frees it with `git_commit_free`.
    func lookupCommit(_ id: ObjectID, _ operation: @autoclosure () -> String) throws(GitError) -> OpaquePointer? {
        var oid = id.oid
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, handle, &oid), "\(operation()): look up commit \(id)")
        return commit
    }
}
