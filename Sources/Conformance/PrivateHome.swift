import Foundation
import Spawn
#if canImport(Glibc)
import Glibc
#endif

/// Runs the programs of a real build so that they see a scratch folder (a
/// *view*) at the qmail home compiled into them, never the home itself:
/// each program starts in a mount namespace of its own (with a user
/// namespace when not root) in which the view is bound over the home
/// (`MountView`). qmail-smtpd and qmail-remote chdir to their compiled-in
/// home and read `control/` there, so a scenario's control files go into
/// the view and an administrator's `control/` is neither read nor written.
/// The home's `bin/` appears read-only in the view (a check program may live
/// there); nothing else of the home is visible. The mounts live only as long
/// as the program: a verify run killed at any moment leaves the home as it was.
public struct PrivateHome: Sendable {
    /// The qmail home compiled into the programs.
    public let home: URL
    private let userNamespace: Bool

    /// Marks a folder as a view; the program runs only if the home shows it.
    static let marker = ".qmailkit-view"

    /// Why programs cannot be given a private view.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Tries a view on `home` with an empty folder under `scratch`: as root
    /// a mount namespace alone, else (or if that is refused) a user
    /// namespace too. Cost: one or two short runs.
    public init(home: URL, scratch: URL) throws(Unavailable) {
        self.home = home
        let why = "verify runs a build's programs only with a private view of their qmail home, so that nothing of the administrator's in \(home.path) can be read or changed"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: home.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Unavailable(description: "the qmail home compiled into the build, \(home.path), does not exist; \(why), and a folder is needed to mount the view on: create it (it may stay empty)")
        }
        var refusals: [String] = []
        for userNamespace in getuid() == 0 ? [false, true] : [true] {
            let probe = PrivateHome(home: home, userNamespace: userNamespace)
            let kind = userNamespace ? "user and mount namespace" : "mount namespace"
            do {
                let view = try probe.makeView(at: scratch.appendingPathComponent("probe-\(kind.count)"), controls: [:])
                let launch = probe.launch(view: view, program: "/bin/sh", arguments: ["-c", "exit 0"])
                let output = try Command.run(launch.argv[0], Array(launch.argv.dropFirst()),
                                             environment: ["PATH": "/usr/bin:/bin"], view: launch.view)
                if output.status == 0 {
                    self.userNamespace = userNamespace
                    return
                }
                refusals.append("\(kind): exit \(output.status) \(output.err.trimmingCharacters(in: .whitespacesAndNewlines))")
            } catch ChildProcess.SpawnError.view(let step, let code, _) {
                refusals.append("\(kind): \(step) failed: \(String(cString: strerror(code)))")
            } catch {
                refusals.append("\(kind): \(error)")
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

    private init(home: URL, userNamespace: Bool) {
        self.home = home
        self.userNamespace = userNamespace
    }

    /// Creates the view `folder`: the marker, `bin/` (a mount point) and
    /// `control/` holding `controls`.
    public func makeView(at folder: URL, controls: [String: ControlFile]) throws -> URL {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try Data().write(to: folder.appendingPathComponent(Self.marker))
        try ControlDirectory.write(controls, into: folder.appendingPathComponent("control"))
        return folder
    }

    /// How to run `program` with `view` in the home's place. The program's
    /// own path is looked up inside the view: one under the home must be in
    /// its `bin/`.
    public func launch(view: URL, program: String, arguments: [String]) -> Launch {
        let bindsBin = FileManager.default.fileExists(atPath: home.appendingPathComponent("bin").path)
        let mount = MountView(home: home.path, folder: view.path, bindsBin: bindsBin,
                              marker: home.appendingPathComponent(Self.marker).path, userNamespace: userNamespace)
        return Launch(argv: [program] + arguments, view: mount)
    }
}
