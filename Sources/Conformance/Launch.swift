import Spawn

/// A program's command line and the private view it runs in (nil: it runs
/// as it is, e.g. under a test's valgrind).
public struct Launch: Sendable {
    public var argv: [String]
    public var view: MountView?

    public init(argv: [String], view: MountView? = nil) {
        self.argv = argv
        self.view = view
    }

    /// The same launch with `more` arguments appended.
    func adding(_ more: [String]) -> Launch {
        Launch(argv: argv + more, view: view)
    }
}
