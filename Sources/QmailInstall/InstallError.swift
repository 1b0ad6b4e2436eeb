/// Why an install or a package was not made. Each description says what to do.
public enum InstallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The build folder cannot be installed (no provenance, or one without the conf values).
    case unusableBuild(String)
    /// The programs were compiled for another qmail home than the prefix.
    case homeMismatch(compiled: String, prefix: String)
    /// Files the hierarchy copies are not in the build folder.
    case missingBuiltFiles(build: String, names: [String])
    /// An option value that cannot be used.
    case invalidOption(String)
    /// The place to stage in already holds files (nothing of them is changed).
    case destinationInUse(String)
    /// A file system operation failed.
    case fileSystem(operation: String, path: String, reason: String)
    /// What was asked for needs root.
    case needsRoot(String)
    /// A program the install runs failed or is missing.
    case toolFailed(command: String, detail: String)

    /// True for problems of the input (exit 2); the others are local problems (exit 5).
    public var isBadInput: Bool {
        switch self {
        case .unusableBuild, .homeMismatch, .missingBuiltFiles, .invalidOption: true
        case .destinationInUse, .fileSystem, .needsRoot, .toolFailed: false
        }
    }

    public var description: String {
        switch self {
        case let .unusableBuild(reason):
            return "the build cannot be installed: \(reason)"
        case let .homeMismatch(compiled, prefix):
            return "the build's programs were compiled for the qmail home \(compiled) (conf-qmail), not \(prefix); "
                + "pass --prefix \(compiled), or build again with 'qmailkit build --prefix \(prefix)'"
        case let .missingBuiltFiles(build, names):
            let shown = names.prefix(8).joined(separator: ", ") + (names.count > 8 ? " and \(names.count - 8) more" : "")
            return "\(build) lacks what 'make setup' installs: \(shown); build the tree with the default target (it)"
        case let .invalidOption(reason):
            return reason
        case let .destinationInUse(path):
            return "\(path) already exists and is not empty; install into a new or empty folder (nothing was changed)"
        case let .fileSystem(operation, path, reason):
            return "could not \(operation) \(path): \(reason)"
        case let .needsRoot(what):
            return "\(what) needs root (it creates system accounts); run it as root, or create the accounts with the commands printed without it"
        case let .toolFailed(command, detail):
            return "\(command) failed: \(detail)"
        }
    }
}
