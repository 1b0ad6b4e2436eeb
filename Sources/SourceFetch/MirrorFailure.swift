import Foundation

/// Why one mirror did not deliver a verified file.
public enum MirrorFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which timeout of ``FetchTimeouts`` expired.
    public enum TimeoutPhase: Sendable, Equatable {
        case connect
        case idle
        /// ``FetchTimeouts/total``.
        case total
    }

    /// The server answered with a status other than 200.
    case httpStatus(Int)
    /// The mirror went quiet for longer than the configured timeout.
    case timedOut(TimeoutPhase, after: Duration)
    /// Fewer than `minimum` bytes per second arrived: `bytes` in `window`.
    case tooSlow(bytes: Int64, in: Duration, minimum: Int64)
    /// The mirror redirected more than `limit` times; `last` is where the
    /// redirect that was refused pointed.
    case tooManyRedirects(limit: Int, last: String)
    /// The body arrived but does not match the pin, or was too long.
    case payload(PayloadProblem)
    /// Connecting or transferring failed (refused, reset, TLS, name lookup…).
    case network(String)
    /// A `file` mirror could not be read.
    case unreadable(String)
    /// The URL scheme is not `http`, `https` or `file`.
    case unsupportedScheme(String)

    public var description: String {
        switch self {
        case .httpStatus(let status):
            return "HTTP status \(status) (expected 200)"
        case .timedOut(.connect, let after):
            return "no response within \(after.formattedSeconds)"
        case .timedOut(.idle, let after):
            return "no data for \(after.formattedSeconds) during the download"
        case .timedOut(.total, let after):
            return "download not complete within \(after.formattedSeconds), the limit per mirror"
        case .tooSlow(let bytes, let window, let minimum):
            return "too slow (\(bytes) bytes in \(window.formattedSeconds), minimum \(minimum) bytes/s)"
        case .tooManyRedirects(let limit, let last):
            return "more than \(limit) redirects (a redirect loop?); the last one pointed to \(last)"
        case .payload(let problem):
            return problem.description
        case .network(let reason):
            return reason
        case .unreadable(let reason):
            return "cannot read: \(reason)"
        case .unsupportedScheme(let scheme):
            return "unsupported URL scheme '\(scheme)' (use http, https or file)"
        }
    }
}

/// One mirror that was tried, and why it failed.
public struct MirrorAttempt: Sendable, Equatable {
    public var url: URL
    public var failure: MirrorFailure

    public init(url: URL, failure: MirrorFailure) {
        self.url = url
        self.failure = failure
    }
}

extension Duration {
    /// `1.5 s`-style text for messages.
    var formattedSeconds: String {
        let (seconds, attoseconds) = components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0
            ? "\(milliseconds / 1000) s"
            : "\(Double(milliseconds) / 1000) s"
    }
}
