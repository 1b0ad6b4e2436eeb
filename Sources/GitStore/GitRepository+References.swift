import CGit2

/// Where HEAD points.
public enum GitHead: Hashable, Sendable {
    /// HEAD names a branch reference ("refs/heads/main"), which may not exist
    /// yet (an unborn branch in a new repository).
    case symbolic(String)
    /// HEAD holds a commit id directly.
    case detached(ObjectID)
}

extension GitRepository {
    /// Points the reference `name` (e.g. "refs/heads/main") at `id`, creating
    /// or overwriting it. `id` must be an object in this repository. Not
    /// available in memory.
    public func setReference(_ name: String, to id: ObjectID) throws(GitError) {
        let operation = "set reference \(name) to \(id)"
        try requireReferences(operation)
        var oid = id.oid
        var reference: OpaquePointer?
        try check(git_reference_create(&reference, handle, name, &oid, 1, nil), operation)
        git_reference_free(reference)
    }

    /// The object id that `name` ("HEAD", "refs/heads/x", …) finally points
    /// to, following symbolic references. Throws a `GitError` whose
    /// `isNotFound` is true when the reference (or HEAD's branch) does not exist.
    public func resolve(_ name: String) throws(GitError) -> ObjectID {
        let operation = "resolve reference \(name)"
        try requireReferences(operation)
        var oid = git_oid()
        try check(git_reference_name_to_id(&oid, handle, name), operation)
        return ObjectID(oid)
    }

    /// Makes HEAD a symbolic reference to `branch` ("refs/heads/x"), which
    /// need not exist yet.
    public func setHead(toBranch branch: String) throws(GitError) {
        let operation = "point HEAD at \(branch)"
        try requireReferences(operation)
        try check(git_repository_set_head(handle, branch), operation)
    }

    /// Detaches HEAD at the commit `id`.
    public func setHead(detachedAt id: ObjectID) throws(GitError) {
        let operation = "detach HEAD at \(id)"
        try requireReferences(operation)
        var oid = id.oid
        try check(git_repository_set_head_detached(handle, &oid), operation)
    }

    /// What HEAD currently holds, without following it.
    public func head() throws(GitError) -> GitHead {
        let operation = "read HEAD"
        try requireReferences(operation)
        var reference: OpaquePointer?
        try check(git_reference_lookup(&reference, handle, "HEAD"), operation)
        defer { git_reference_free(reference) }
        if git_reference_type(reference) == GIT_REFERENCE_SYMBOLIC {
            return .symbolic(String(cString: git_reference_symbolic_target(reference)))
        }
        return .detached(ObjectID(git_reference_target(reference).pointee))
    }

    /// Throws when this repository has no reference database (in memory).
    func requireReferences(_ operation: @autoclosure () -> String) throws(GitError) {
        guard isInMemory else { return }
        throw GitError(
            operation: operation(),
            message: "an in-memory repository has no references; use a repository on disk, or keep the ids yourself")
    }
}
