import CGit2

/// A failed libgit2 call, or input this module refused before calling libgit2.
///
/// `operation` says what GitStore was doing ("open repository at /x"),
/// `message` is libgit2's own explanation (`git_error_last`) or ours, and
/// `code` is the libgit2 return code (`GIT_ENOTFOUND`, …; `GIT_ERROR` when the
/// input was rejected by GitStore itself).
public struct GitError: Error, Sendable, Equatable, CustomStringConvertible {
    public let operation: String
    public let message: String
    public let code: Int32

    public init(operation: String, message: String, code: Int32 = GIT_ERROR.rawValue) {
        self.operation = operation
        self.message = message
        self.code = code
    }

    /// True when libgit2 reported that the thing asked for does not exist.
    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }

    public var description: String { "\(operation): \(message)" }
}

/// Turns a libgit2 return code into a thrown `GitError` when it is negative.
///
/// Reads `git_error_last` right away, on the calling thread, where libgit2
/// keeps it. Returns the (non-negative) code for calls that report counts.
@discardableResult
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(GitError) -> Int32 {
    guard code < 0 else { return code }
    var message = "libgit2 error \(code)"
    if let last = git_error_last(), let text = last.pointee.message {
        message = String(cString: text)
    }
    throw GitError(operation: operation(), message: message, code: code)
}
