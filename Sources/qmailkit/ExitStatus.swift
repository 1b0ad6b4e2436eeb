import ArgumentParser
import Archive
import DiffFormat
import PatchEngine
import QmailBuild
import QmailInstall
import Recipes
import SourceFetch
import SourceImport

/// The exit codes scripts can rely on, and which error maps to which.
enum ExitStatus: Int32 {
    case success = 0
    /// `compare`: the trees differ; `check`: a selection conflicts.
    case differs = 1
    /// Bad input: checksum or tree mismatch, hostile or corrupt archive, malformed recipe or patch.
    case badInput = 2
    /// Every mirror failed; `verify`: the remote server cannot be reached.
    case network = 3
    /// Patches collide or do not apply to their base.
    case conflict = 4
    /// Local trouble: output exists, unreadable or unwritable files, missing users or tools.
    case environment = 5
    /// make failed.
    case buildFailed = 6

    static let helpText = """
        Exit codes: 0 success; 1 compare found a difference / check found a conflict; \
        2 bad input (checksum, corrupt or hostile archive or patch, malformed recipe or patch, no diff, unknown feature, \
        Requires cycle); 3 network (every mirror failed; verify: the remote server cannot be reached); 4 patches conflict, \
        clash or do not apply; 5 local problem (output exists, also as a symlink, I/O, \
        missing qmail users or build tools); 6 the build failed; 64 wrong command-line usage.
        """

    static func classify(_ error: Error) -> ExitStatus {
        switch error {
        case let remote as RemotePatchError:
            if remote.isChecksumMismatch { return .badInput }
            return classify(remote.fetch)
        case let fetch as FetchError:
            if case .allMirrorsFailed = fetch { return .network }
            switch fetch {
            case .cacheNotWritable, .cacheLocationUnknown, .cancelled: return .environment
            default: break
            }
            return .badInput
        case is GzipError, is DecompressionError, is TarFormatError, is ArchiveLimitError, is UnsafeEntryError,
             is RecipeError, is ProjectError, is ImportError, is PatchParseError, is PatchPathError:
            return .badInput
        case let build as BuildError:
            switch build {
            case .makeFailed: return .buildFailed
            case .invalidOptions, .notANetqmailTree: return .badInput
            default: return .environment
            }
        case let install as InstallError:
            return install.isBadInput ? .badInput : .environment
        case let engine as PatchEngineError:
            switch engine {
            case let .brokenEntry(_, _, reason): return classify(reason)
            case .conflicts, .treeClash, .patchDoesNotApply: return .conflict
            case .outputExists, .outputIsSymlink, .io: return .environment
            default: return .badInput
            }
        default:
            return .environment
        }
    }
}

/// Prints `error` as `qmailkit: …` on standard error and returns the exit code to throw.
func failure(_ error: Error) -> ExitCode {
    printError("qmailkit: \(error)")
    return ExitCode(ExitStatus.classify(error).rawValue)
}
