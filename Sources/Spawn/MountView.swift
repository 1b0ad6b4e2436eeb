import CViewSpawn
import Glibc

/// A private view for a child: the child starts in a mount namespace of its
/// own (and a user namespace when the caller is not root) in which `folder`
/// is bound over `home`, and `home/bin` appears read-only inside it when
/// `bindsBin`. The mounts end with the child. The set-up runs in the child
/// itself (created as vfork creates one, sharing our memory until it
/// execs), so a view costs one process, not the four that `unshare`, `sh`
/// and two `mount` runs would.
public struct MountView: Sendable, Equatable {
    public var home: String
    public var folder: String
    public var bindsBin: Bool
    /// A file that must exist at `home` once the view is mounted (it is the
    /// proof that the program sees the view).
    public var marker: String
    public var userNamespace: Bool

    public init(home: String, folder: String, bindsBin: Bool, marker: String, userNamespace: Bool) {
        self.home = home
        self.folder = folder
        self.bindsBin = bindsBin
        self.marker = marker
        self.userNamespace = userNamespace
    }

    /// The set-up step that failed in the child, as `qk_view_spawn` reports it.
    func stepName(_ step: Int32) -> String {
        switch UInt32(step) {
        case qk_view_step_fork.rawValue: "fork"
        case qk_view_step_unshare.rawValue: "unshare"
        case qk_view_step_user_map.rawValue: "writing the user namespace's uid/gid map"
        case qk_view_step_private_propagation.rawValue: "making mounts private"
        case qk_view_step_bind_bin.rawValue: "binding \(home)/bin"
        case qk_view_step_read_only_bin.rawValue: "making bin read-only"
        case qk_view_step_bind_view.rawValue: "binding \(folder) over \(home)"
        case qk_view_step_marker.rawValue: "finding the view's marker at \(home)"
        case qk_view_step_descriptors.rawValue: "dup2"
        default: "exec"
        }
    }

    /// Starts `path` in the view; the descriptor sources must lie
    /// above every target (ChildProcess.spawn moves them there).
    func spawn(path: String, argv: [String], environment: [String: String],
               descriptors: [(source: Int32, target: Int32)]) throws -> pid_t {
        // C copies that outlive the call; the child only reads them.
        let strings: [String] = [home, folder, home + "/bin", folder + "/bin", marker,
                                 "0 \(getuid()) 1", "0 \(getgid()) 1", path]
        let texts = strings.map { UnsafePointer(strdup($0)!) }
        let arguments = argv.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in texts { free(UnsafeMutablePointer(mutating: pointer)) }
            for pointer in arguments + variables { free(pointer) }
        }
        let sources = descriptors.map(\.source), targets = descriptors.map(\.target)
        var step: Int32 = 0, error: Int32 = 0
        let pid = arguments.withUnsafeBufferPointer { arguments in
            variables.withUnsafeBufferPointer { variables in
                sources.withUnsafeBufferPointer { sources in
                    targets.withUnsafeBufferPointer { targets in
                        var request = qk_view_request(
                            home: texts[0], view: texts[1], home_bin: texts[2], view_bin: texts[3],
                            bind_bin: bindsBin ? 1 : 0, marker: texts[4],
                            user_namespace: userNamespace ? 1 : 0, uid_map: texts[5], gid_map: texts[6],
                            path: texts[7], argv: arguments.baseAddress, envp: variables.baseAddress,
                            sources: sources.baseAddress, targets: targets.baseAddress, count: Int32(descriptors.count))
                        return qk_view_spawn(&request, &step, &error)
                    }
                }
            }
        }
        guard pid > 0 else {
            let isExec = UInt32(step) == qk_view_step_exec.rawValue
            throw ChildProcess.SpawnError.view(step: stepName(step), errno: error, execFailed: isExec)
        }
        return pid
    }
}
