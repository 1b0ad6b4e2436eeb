import Glibc
import NIOCore
import SMTPEngine
import Spawn

/// Runs a checkpassword-style program as qmail's auth patch does: argv from
/// qmail-smtpd's command line, `user\0password\0timestamp\0` readable on fd 3,
/// stdin and stdout on /dev/null (stderr is shared).
enum CheckProgram {
    /// Spawns the program; the payload is written through NIO on `loop` and
    /// the `ChildExitWatcher` reaps the program, so nothing blocks and no
    /// thread waits for it. `completion` runs on the watcher's thread, or
    /// at once if the program could not be started. Returns the running
    /// child (nil if it could not be started), which the caller kills when
    /// it has waited long enough: the program then ends as `.crashed`.
    @discardableResult
    static func run(argv: [String], payload: [UInt8], environment: [String: String], loop: any EventLoop,
                    completion: @escaping @Sendable (CheckProgramTermination) -> Void) -> WatchedChild? {
        guard !argv.isEmpty else {
            completion(.couldNotRun)
            return nil
        }
        let payloadPipe: (read: Int32, write: Int32)
        do {
            payloadPipe = try ChildProcess.makePipe()
        } catch {
            completion(.couldNotRun)
            return nil
        }
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer {
            close(payloadPipe.read)
            if null >= 0 { close(null) }
        }
        let child: WatchedChild
        do {
            guard null >= 0 else { throw ChildProcess.SpawnError.failed(errno: errno, execFailed: false) }
            let pid = try ChildProcess.spawn(argv: argv, environment: environment, workingDirectory: nil,
                                             descriptors: [(null, 0), (null, 1), (payloadPipe.read, 3)])
            do {
                child = try ChildExitWatcher.watch(pid) { termination in
                    switch termination {
                    case .exited(let status): completion(.exited(status))
                    case .signalled: completion(.crashed)
                    case .waitFailed: completion(.couldNotRun)
                    }
                }
            } catch {
                kill(pid, SIGKILL)
                _ = ChildProcess.wait(pid)
                throw error
            }
        } catch {
            close(payloadPipe.write)
            completion(.couldNotRun)
            return nil
        }
        // A program that exits without reading makes this write fail
        // (EPIPE); its exit status still decides.
        let writer = PipeWriter(descriptor: payloadPipe.write, loop: loop)
        writer.write(payload)
        _ = writer.finish()
        return child
    }
}
