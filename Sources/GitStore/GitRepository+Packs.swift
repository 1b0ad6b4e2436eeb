import CGit2

extension GitRepository {
    /// A git pack file holding the tree `id` and every subtree and blob under
    /// it that `target` does not already have (a subtree `target` has is
    /// skipped whole). Objects are delta-compressed against each other, as git
    /// does. Returns nil when `target` is missing nothing.
    func pack(ofTree id: ObjectID, missingFrom target: GitRepository) throws(GitError) -> [UInt8]? {
        let operation = "pack tree \(id)"
        var targetODB: OpaquePointer?
        try check(git_repository_odb(&targetODB, target.handle), operation)
        defer { git_odb_free(targetODB) }
        var builder: OpaquePointer?
        try check(git_packbuilder_new(&builder, handle), operation)
        defer { git_packbuilder_free(builder) }

        try insertMissing(tree: id.oid, path: "", builder: builder, targetODB: targetODB, operation: operation)
        guard git_packbuilder_object_count(builder) > 0 else { return nil }
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try check(git_packbuilder_write_buf(&buffer, builder), operation)
        guard let bytes = buffer.ptr, buffer.size > 0 else { return nil }
        return Array(UnsafeRawBufferPointer(start: bytes, count: buffer.size))
    }

    private func insertMissing(
        tree id: git_oid, path: String, builder: OpaquePointer?, targetODB: OpaquePointer?, operation: String
    ) throws(GitError) {
        var treeID = id
        guard git_odb_exists(targetODB, &treeID) == 0 else { return }
        try check(git_packbuilder_insert(builder, &treeID, path), operation)
        let tree = try lookupTree(ObjectID(id), operation)
        defer { git_tree_free(tree) }
        for index in 0..<git_tree_entrycount(tree) {
            let entry = git_tree_entry_byindex(tree, index)
            var entryID = git_tree_entry_id(entry).pointee
            let name = String(cString: git_tree_entry_name(entry))
            let entryPath = path.isEmpty ? name : path + "/" + name
            if git_tree_entry_type(entry) == GIT_OBJECT_TREE {
                try insertMissing(tree: entryID, path: entryPath, builder: builder, targetODB: targetODB, operation: operation)
            } else if git_odb_exists(targetODB, &entryID) == 0 {
                try check(git_packbuilder_insert(builder, &entryID, entryPath), operation)
            }
        }
    }

    /// Indexes `pack` into this repository's object database (`objects/pack`).
    func storePack(_ pack: [UInt8]) throws(GitError) {
        let operation = "store pack of \(pack.count) bytes"
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), operation)
        defer { git_odb_free(odb) }
        var writer: UnsafeMutablePointer<git_odb_writepack>?
        try check(git_odb_write_pack(&writer, odb, nil, nil), operation)
        guard let writer else { throw GitError(operation: operation, message: "libgit2 returned no pack writer") }
        defer { writer.pointee.free(writer) }
        var progress = git_indexer_progress()
        let appended = pack.withUnsafeBytes { writer.pointee.append(writer, $0.baseAddress, $0.count, &progress) }
        try check(appended, operation)
        try check(writer.pointee.commit(writer, &progress), operation)
        // libgit2 lists pack files once and does not notice the new one by itself.
        try check(git_odb_refresh(odb), operation)
    }
}

extension GitRepository {
    /// Every object reachable from the commit `head` (its ancestors, their trees
    /// and blobs) as one pack, for `importPack` into another repository: a whole
    /// history built in memory reaches the disk as two files instead of a loose
    /// file per object.
    public func packHistory(endingAt head: ObjectID) throws(GitError) -> [UInt8] {
        let operation = "pack the history of \(head)"
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, handle), operation)
        defer { git_revwalk_free(walk) }
        var headID = head.oid
        try check(git_revwalk_push(walk, &headID), operation)
        var builder: OpaquePointer?
        try check(git_packbuilder_new(&builder, handle), operation)
        defer { git_packbuilder_free(builder) }
        try check(git_packbuilder_insert_walk(builder, walk), operation)
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try check(git_packbuilder_write_buf(&buffer, builder), operation)
        guard let bytes = buffer.ptr else { throw GitError(operation: operation, message: "libgit2 wrote no pack") }
        return Array(UnsafeRawBufferPointer(start: bytes, count: buffer.size))
    }

    /// Adds the objects of `pack` (from `packHistory`) to this repository.
    public func importPack(_ pack: [UInt8]) throws(GitError) {
        try storePack(pack)
    }
}
