#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call, with the path it was about and the `errno` text.
struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    let call: String
    let path: String
    let code: Int32

    /// Captures the current `errno` for `call` on `path`.
    static func current(_ call: String, _ path: String) -> SystemCallError {
        SystemCallError(call: call, path: path, code: errno)
    }

    var description: String {
        "\(call) \(path): \(String(cString: strerror(code)))"
    }
}
