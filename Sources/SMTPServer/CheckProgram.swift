import Dispatch
import Glibc
import SMTPEngine
import Spawn
import Synchronization

/// Runs a checkpassword-style program as qmail's auth patch does: argv from
/// qmail-smtpd's command line, `user\0password\0timestamp\0` readable on fd 3,
/// stdin and stdout on /dev/null (stderr is shared).
enum CheckProgram {
    /// Spawns the program now and writes the payload and waits on a global
    /// queue; `completion` runs there. Returns the running child (nil if it
    /// could not be started; `completion` has been called then), which the
    /// caller kills when it has waited long enough: the program then ends as
    /// `.crashed`.
    @discardableResult
    static func run(argv: [String], payload: [UInt8], environment: [String: String],
                    completion: @escaping @Sendable (CheckProgramTermination) -> Void) -> Child? {
        guard !argv.isEmpty else {
            completion(.couldNotRun)
            return nil
        }
        let pid: pid_t
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
        do {
            guard null >= 0 else { throw ChildProcess.SpawnError.failed(errno: errno, execFailed: false) }
            pid = try ChildProcess.spawn(argv: argv, environment: environment, workingDirectory: nil,
                                         descriptors: [(null, 0), (null, 1), (payloadPipe.read, 3)])
        } catch {
            close(payloadPipe.write)
            completion(.couldNotRun)
            return nil
        }
        let child = Child(pid: pid)
        let writeEnd = payloadPipe.write
        DispatchQueue.global().async {
            // A program that exits without reading gets EPIPE here; its exit
            // status still decides. One killed while this write blocks (a
            // payload larger than the pipe, never read) ends it with EPIPE too.
            _ = ChildProcess.writeAll(writeEnd, payload)
            close(writeEnd)
            child.waitUntilEnded()
            switch ChildProcess.wait(pid) {
            case .exited(let status): completion(.exited(status))
            case .signalled: completion(.crashed)
            case .waitFailed: completion(.couldNotRun)
            }
        }
        return child
    }

    /// A running check program. Its pid stays valid for `kill()` until the
    /// program has ended: the waiting thread notes the end (without reaping,
    /// `WNOWAIT`) under the same lock before it reaps, so a kill never
    /// reaches a process that has since got the same pid.
    final class Child: Sendable {
        let pid: pid_t
        private let running = Mutex(true)

        fileprivate init(pid: pid_t) {
            self.pid = pid
        }

        /// SIGKILL if it still runs; true if it was sent.
        @discardableResult
        func kill() -> Bool {
            running.withLock { running in
                guard running else { return false }
                return Glibc.kill(pid, SIGKILL) == 0
            }
        }

        /// Blocks until the program has ended, leaving it to be reaped.
        fileprivate func waitUntilEnded() {
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
            running.withLock { $0 = false }
        }
    }
}
