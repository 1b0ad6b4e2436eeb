import Foundation

/// Why a build did not happen or did not succeed. Each description says what to do.
public enum BuildError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The options are inconsistent; nothing was written.
    case invalidOptions([String])
    /// The input directory is not a netqmail tree (the listed files are missing).
    case notANetqmailTree(URL, missing: [String])
    /// The output directory is unusable (not empty and not a previous qmailkit build, or inside the tree).
    case unusableOutput(URL, reason: String)
    /// Accounts named in conf-users/conf-groups do not exist; nothing was written.
    case missingAccounts(MissingAccounts)
    /// A command the build needs is not installed.
    case missingTool(String, hint: PackageHint?)
    /// The tree needs OpenSSL (it has conf-ssl) but pkg-config could not describe it.
    case openSSLUnavailable(detail: String, hint: PackageHint)
    /// make failed; the first error is parsed from its output, the full output is in `log`.
    case makeFailed(status: Int32, firstError: BuildDiagnostic?, log: URL)
    /// A file system operation failed.
    case fileSystem(operation: String, path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidOptions(let problems):
            return "invalid build options:\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
        case .notANetqmailTree(let url, let missing):
            return "\(url.path) is not a netqmail-1.06 tree (missing \(missing.joined(separator: ", "))); "
                + "point the build at the unpacked (and patched) source directory"
        case .unusableOutput(let url, let reason):
            return "cannot build into \(url.path): \(reason)"
        case .missingAccounts(let missing):
            return missing.message
        case .missingTool(let tool, let hint):
            return "the build needs the command \(tool), which is not on PATH"
                + (hint.map { "; install the Debian package \($0.package)" } ?? "")
        case .openSSLUnavailable(let detail, let hint):
            return "this tree links OpenSSL (it has conf-ssl), but pkg-config cannot describe it (\(detail)); "
                + "install the Debian packages pkg-config and \(hint.package)"
        case .makeFailed(let status, let firstError, let log):
            var text = "make failed (exit status \(status)); full output in \(log.path)"
            if let firstError {
                let location = [firstError.file, firstError.line.map(String.init)].compactMap { $0 }.joined(separator: ":")
                text += "\nfirst error: " + (location.isEmpty ? "" : location + ": ") + firstError.message
                if let hint = firstError.hint { text += "\nhint: \(hint)" }
            }
            return text
        case .fileSystem(let operation, let path, let reason):
            return "could not \(operation) \(path): \(reason)"
        }
    }
}
