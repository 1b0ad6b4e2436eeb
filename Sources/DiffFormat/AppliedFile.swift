/// The result of applying one file patch in memory.
public struct AppliedFile: Sendable, Equatable {
    /// The new contents, or nil when the patch deleted the file.
    public var contents: [UInt8]?
    /// One entry per hunk, in patch order.
    public var hunks: [HunkResult]

    public init(contents: [UInt8]?, hunks: [HunkResult]) {
        self.contents = contents
        self.hunks = hunks
    }
}

/// Where one hunk landed.
public struct HunkResult: Sendable, Equatable {
    /// 0-based index of the hunk in its file patch.
    public var index: Int
    /// Lines between the position the hunk header names and where it applied
    /// (the same number GNU patch reports as "offset N lines").
    public var offset: Int
    /// Context lines ignored at the hunk's ends to make it match (0 = exact).
    public var fuzz: Int

    public init(index: Int, offset: Int, fuzz: Int) {
        self.index = index
        self.offset = offset
        self.fuzz = fuzz
    }
}
