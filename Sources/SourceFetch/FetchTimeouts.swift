/// How long one mirror may keep a download waiting before it is given up.
///
/// Applies to `http` and `https` mirrors; `file` mirrors are read directly.
public struct FetchTimeouts: Sendable, Equatable {
    /// From sending the request until the response headers arrive. Covers name
    /// lookup, TCP and TLS set-up, and a server that accepts but never answers.
    public var connect: Duration
    /// Longest silence allowed between two pieces of the body.
    public var idle: Duration

    public init(connect: Duration, idle: Duration) {
        self.connect = connect
        self.idle = idle
    }

    /// 20 s to connect and answer, 30 s of silence during the body.
    public static let standard = FetchTimeouts(connect: .seconds(20), idle: .seconds(30))
}
