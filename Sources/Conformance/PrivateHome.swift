import Foundation
import Spawn
#if canImport(Glibc)
import Glibc
#endif

/// Runs the programs of a real build so that they see a scratch folder (a
/// *view*) at the qmail home compiled into them, never the home itself:
/// each program starts in a mount namespace of its own (`unshare -m`, with a
/// user namespace when not root) in which the view is bound over the home.
/// qmail-smtpd and qmail-remote chdir to their compiled-in home and read
/// `control/` there, so a scenario's control files go into the view and an
/// administrator's `control/` is neither read nor written. The home's `bin/`
/// appears read-only in the view (a check program may live there); nothing
/// else of the home is visible. The mounts live only as long as the program:
/// a verify run killed at any moment leaves the home as it was.
public struct PrivateHome: Sendable {
    /// The qmail home compiled into the programs.
    public let home: URL
    /// `unshare` and its options.
    private let namespace: [String]
    private let mount: String

    /// Marks a folder as a view; the program runs only if the home shows it.
    static let marker = ".qmailkit-view"

    /// Why programs cannot be given a private view.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Binds the home's `bin/` (if any) read-only into the view, the view
    /// over the home, checks the view is what the home shows, and runs the
    /// program. Arguments: mount, home, view, program and its arguments.
    private static let script = """
        set -e
        if [ -d "$2/bin" ]; then "$1" -n --bind -o ro "$2/bin" "$3/bin"; fi
        "$1" -n --rbind "$3" "$2"
        test -f "$2/\(marker)"
        shift 3
        exec "$@"
        """

    /// Finds `unshare` and `mount` and tries them on `home` with an empty
    /// view under `scratch`: as root a mount namespace alone, else (or if
    /// that is refused) a user namespace too. Cost: one or two short runs.
    public init(home: URL, scratch: URL) throws(Unavailable) {
        self.home = home
        let why = "verify runs a build's programs only with a private view of their qmail home, so that nothing of the administrator's in \(home.path) can be read or changed"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: home.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Unavailable(description: "the qmail home compiled into the build, \(home.path), does not exist; \(why), and a folder is needed to mount the view on: create it (it may stay empty)")
        }
        let folders = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        guard let unshare = folders.map({ $0 + "/unshare" }).first(where: FileManager.default.isExecutableFile),
              let mount = folders.map({ $0 + "/mount" }).first(where: FileManager.default.isExecutableFile) else {
            throw Unavailable(description: "unshare and mount (util-linux) are not installed; \(why)")
        }
        self.mount = mount
        let candidates = getuid() == 0 ? [["-m"], ["-r", "-m"]] : [["-r", "-m"]]
        var refusals: [String] = []
        for options in candidates {
            let namespace = [unshare] + options + ["--propagation", "private"]
            let probe = PrivateHome(home: home, namespace: namespace, mount: mount)
            do {
                let view = try probe.makeView(at: scratch.appendingPathComponent("probe-\(options.joined())"), controls: [:])
                let argv = probe.command(view: view, program: "/bin/sh", arguments: ["-c", "exit 0"])
                let output = try Command.run(argv[0], Array(argv.dropFirst()), environment: ["PATH": "/usr/bin:/bin"])
                if output.status == 0 {
                    self.namespace = namespace
                    return
                }
                refusals.append("\(namespace.joined(separator: " ")): \(output.err.trimmingCharacters(in: .whitespacesAndNewlines))")
            } catch {
                refusals.append("\(namespace.joined(separator: " ")): \(error)")
            }
        }
        throw Unavailable(description: "cannot give the build's programs a private view of \(home.path) (\(refusals.joined(separator: "; "))); \(why): run verify as root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0)")
    }

    /// Why this machine cannot give programs a private view (nil when it
    /// can), found once by trying it on an empty scratch home. A container
    /// without CAP_SYS_ADMIN and without user namespaces cannot.
    public static let unavailableHere: String? = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-view-probe-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        let home = root.appendingPathComponent("home")
        do {
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            _ = try PrivateHome(home: home, scratch: root.appendingPathComponent("scratch"))
            return nil
        } catch {
            return "\(error)"
        }
    }()

    private init(home: URL, namespace: [String], mount: String) {
        self.home = home
        self.namespace = namespace
        self.mount = mount
    }

    /// Creates the view `folder`: the marker, `bin/` (a mount point) and
    /// `control/` holding `controls`.
    public func makeView(at folder: URL, controls: [String: ControlFile]) throws -> URL {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try Data().write(to: folder.appendingPathComponent(Self.marker))
        try ControlDirectory.write(controls, into: folder.appendingPathComponent("control"))
        return folder
    }

    /// The command line that runs `program` with `view` in the home's place.
    /// The program's own path is looked up inside the view: one under the
    /// home must be in its `bin/`.
    public func command(view: URL, program: String, arguments: [String]) -> [String] {
        namespace + ["/bin/sh", "-c", Self.script, "qmailkit-view", mount, home.path, view.path, program] + arguments
    }
}
