/// How long one mirror may keep a download waiting, and how slowly it may
/// deliver, before it is given up and the next mirror is tried.
///
/// Applies to `http` and `https` mirrors; `file` mirrors are read directly.
public struct FetchTimeouts: Sendable, Equatable {
    /// From sending the request until the response headers arrive. Covers name
    /// lookup, TCP and TLS set-up, and a server that accepts but never answers.
    public var connect: Duration
    /// Longest silence allowed between two pieces of the body.
    public var idle: Duration
    /// Longest a whole download from one mirror may take, redirects included.
    public var total: Duration
    /// The body must arrive at this many bytes per second at least, averaged
    /// over each ``rateWindow`` from the first response on; 0 turns it off.
    public var minimumRate: Int64
    /// The span over which ``minimumRate`` is measured.
    public var rateWindow: Duration

    public init(connect: Duration, idle: Duration, total: Duration = .seconds(600),
                minimumRate: Int64 = 1024, rateWindow: Duration = .seconds(30)) {
        self.connect = connect
        self.idle = idle
        self.total = total
        self.minimumRate = minimumRate
        self.rateWindow = rateWindow
    }

    /// 20 s to connect and answer, 30 s of silence during the body, 1 KiB/s
    /// over every 30 s, 10 minutes in all: a 260 KB tarball at the minimum
    /// rate takes about 4 minutes, a server dripping a byte a second is left
    /// after 30 s.
    public static let standard = FetchTimeouts(connect: .seconds(20), idle: .seconds(30))
}
