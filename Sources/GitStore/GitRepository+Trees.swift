import CGit2
#if canImport(Glibc)
import Glibc
#endif

extension GitRepository {
    /// Writes `files` as blobs and nested trees and returns the root tree's id:
    /// the same id `git add` + `git write-tree` give for the same files, modes
    /// and symlinks. The result depends only on the files (order of the array
    /// does not matter); an empty list gives git's empty tree.
    ///
    /// All paths are checked first (see `TreeLayout`); a bad path throws before
    /// anything is written. In memory, objects go straight to RAM. On disk, the
    /// objects are built in a private in-memory store, and those the repository
    /// lacks are written as one pack file (plus its index) under
    /// `objects/pack` instead of a loose file per object: a few file-system
    /// operations for a whole source tree, and a small pack for a tree that
    /// differs from a stored one in a few files. Nothing is written when the
    /// repository already has the tree. Cost: hashing and compressing every
    /// file once, one existence check per new object, git's delta search over
    /// the new objects.
    public func writeTree(_ files: [TreeFile]) throws(GitError) -> ObjectID {
        let layout = try TreeLayout(files)
        if isInMemory {
            return try writeTree(layout, files: files, path: "")
        }
        let staging = try GitRepository.inMemory()
        let tree = try staging.writeTree(layout, files: files, path: "")
        if let pack = try staging.pack(ofTree: tree, missingFrom: self) {
            try storePack(pack)
        }
        return tree
    }

    private func writeTree(_ layout: TreeLayout, files: [TreeFile], path: String) throws(GitError) -> ObjectID {
        let operation = "write tree '\(path.isEmpty ? "/" : path)'"
        var builder: OpaquePointer?
        try check(git_treebuilder_new(&builder, handle, nil), operation)
        defer { git_treebuilder_free(builder) }

        for (name, index) in layout.files {
            let file = files[index]
            var blob = try writeBlob(file.contents, path: file.path)
            try check(
                git_treebuilder_insert(nil, builder, name, &blob, git_filemode_t(rawValue: file.mode.filemode)),
                operation)
        }
        for (name, subdirectory) in layout.directories {
            let childPath = path.isEmpty ? name : "\(path)/\(name)"
            var tree = try writeTree(subdirectory, files: files, path: childPath).oid
            try check(git_treebuilder_insert(nil, builder, name, &tree, GIT_FILEMODE_TREE), operation)
        }
        var id = git_oid()
        try check(git_treebuilder_write(&id, builder), operation)
        return ObjectID(id)
    }

    private func writeBlob(_ contents: [UInt8], path: String) throws(GitError) -> git_oid {
        var id = git_oid()
        let code = contents.withUnsafeBytes { bytes in
            // libgit2 wants a pointer even for zero bytes.
            withUnsafePointer(to: 0 as UInt8) { empty in
                git_blob_create_from_buffer(&id, handle, bytes.baseAddress ?? UnsafeRawPointer(empty), bytes.count)
            }
        }
        try check(code, "write blob for '\(path)'")
        return id
    }

    /// Every file in the tree `tree`, recursively, sorted by path bytes (git's
    /// own order), with contents read into memory.
    ///
    /// Throws when `tree` is not a tree in this repository, or when the tree
    /// holds something that is not a file (a submodule) or a name that is not
    /// UTF-8. Cost: one object read per file and per directory.
    public func files(inTree tree: ObjectID) throws(GitError) -> [TreeFile] {
        var files: [TreeFile] = []
        try collectFiles(inTree: tree, prefix: "", into: &files)
        return files
    }

    private func collectFiles(inTree id: ObjectID, prefix: String, into files: inout [TreeFile]) throws(GitError) {
        let operation = "read tree \(prefix.isEmpty ? id.description : "'\(prefix)'")"
        let tree = try lookupTree(id, operation)
        defer { git_tree_free(tree) }

        for index in 0..<git_tree_entrycount(tree) {
            let entry = git_tree_entry_byindex(tree, index)
            guard let rawName = git_tree_entry_name(entry), let name = String(validatingCString: rawName) else {
                throw GitError(operation: operation, message: "an entry name is not valid UTF-8")
            }
            let path = prefix.isEmpty ? name : "\(prefix)/\(name)"
            let entryID = ObjectID(git_tree_entry_id(entry).pointee)
            let filemode = git_tree_entry_filemode(entry).rawValue
            if filemode == GIT_FILEMODE_TREE.rawValue {
                try collectFiles(inTree: entryID, prefix: path, into: &files)
                continue
            }
            guard let mode = TreeFile.Mode(filemode: filemode) else {
                throw GitError(
                    operation: operation,
                    message: "'\(path)' has mode \(String(filemode, radix: 8)), which is not a file or symlink (a submodule?)")
            }
            files.append(TreeFile(path: path, contents: try readBlob(entryID, path: path), mode: mode))
        }
    }

    private func readBlob(_ id: ObjectID, path: String) throws(GitError) -> [UInt8] {
        var oid = id.oid
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, handle, &oid), "read blob \(id) for '\(path)'")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let bytes = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: size))
    }

    /// Looks up a tree; the caller frees it with `git_tree_free`.
    func lookupTree(_ id: ObjectID, _ operation: @autoclosure () -> String) throws(GitError) -> OpaquePointer? {
        var oid = id.oid
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, handle, &oid), operation())
        return tree
    }
}

extension GitRepository {
    /// The tree `base` with `files` added or replaced and `removedPaths` deleted:
    /// the cheap way to record a change to a few files of a large tree. Only the
    /// new blobs and the trees on their paths are written; the result is the same
    /// id `writeTree` gives for the full file list. Paths are checked first.
    public func writeTree(updating base: ObjectID, upserting files: [TreeFile],
                          removing removedPaths: [String]) throws(GitError) -> ObjectID {
        let operation = "update tree \(base)"
        for path in files.map(\.path) + removedPaths {
            _ = try TreeLayout.components(of: path, operation: operation)
        }
        var baseTree: OpaquePointer?
        var baseID = base.oid
        try check(git_tree_lookup(&baseTree, handle, &baseID), operation)
        defer { git_tree_free(baseTree) }

        var paths: [UnsafeMutablePointer<CChar>] = []
        defer { paths.forEach { free($0) } }
        var updates: [git_tree_update] = []
        for file in files {
            let blob = try writeBlob(file.contents, path: file.path)
            guard let path = strdup(file.path) else { throw GitError(operation: operation, message: "out of memory") }
            paths.append(path)
            updates.append(git_tree_update(action: GIT_TREE_UPDATE_UPSERT, id: blob,
                                           filemode: git_filemode_t(rawValue: file.mode.filemode), path: path))
        }
        for removed in removedPaths {
            guard let path = strdup(removed) else { throw GitError(operation: operation, message: "out of memory") }
            paths.append(path)
            updates.append(git_tree_update(action: GIT_TREE_UPDATE_REMOVE, id: git_oid(),
                                           filemode: GIT_FILEMODE_UNREADABLE, path: path))
        }
        var result = git_oid()
        try check(git_tree_create_updated(&result, handle, baseTree, updates.count, &updates), operation)
        return ObjectID(result)
    }
}
