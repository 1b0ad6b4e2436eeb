/// Two patches of a series give one path shapes a tree cannot hold at once: a file
/// below another patch's file or symlink, a file where another patch made a
/// directory, a symlink where another patch made a file.
public struct TreeClash: Sendable, CustomStringConvertible {
    public enum Shape: Sendable, Equatable {
        case belowFile, belowSymlink, overDirectory, symlinkAndFile
    }

    public var patch: String
    public var patchFile: String
    /// Where the patch's diff of `path` begins.
    public var line: Int
    public var path: String
    public var shape: Shape
    public var otherPath: String
    /// The earlier patch that made `otherPath`; nil when the pristine tree has it.
    public var otherPatch: String?
    public var otherPatchFile: String?

    public var description: String {
        let other = otherPatchFile.map { "by \($0)" } ?? "in the pristine tree"
        let what: String
        switch shape {
        case .belowFile:
            what = "'\(path)' would lie below '\(otherPath)', which is a file made \(other)"
        case .belowSymlink:
            what = "'\(path)' would lie below '\(otherPath)', which is a symlink made \(other); "
                + "a write there would follow the link"
        case .overDirectory:
            what = "'\(path)' would be a file, but '\(otherPath)' below it was made \(other)"
        case .symlinkAndFile:
            what = "'\(path)' is a symlink on one side and a file on the other (the other side made \(other))"
        }
        return "clash: \(patchFile) line \(line): \(what). The two patches cannot both apply; "
            + "drop one of the features or ship a resolution (nothing was written)"
    }
}
