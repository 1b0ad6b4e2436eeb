import Dispatch
import Glibc
import SMTPEngine
import Spawn

/// Runs a checkpassword-style program as qmail's auth patch does: argv from
/// qmail-smtpd's command line, `user\0password\0timestamp\0` readable on fd 3,
/// stdin and stdout on /dev/null (stderr is shared).
enum CheckProgram {
    /// Spawns the program now and writes the payload and waits on a global
    /// queue; `completion` runs there.
    static func run(argv: [String], payload: [UInt8], environment: [String: String],
                    completion: @escaping @Sendable (CheckProgramTermination) -> Void) {
        guard !argv.isEmpty else { return completion(.couldNotRun) }
        let pid: pid_t
        let payloadPipe: (read: Int32, write: Int32)
        do {
            payloadPipe = try ChildProcess.makePipe()
        } catch {
            return completion(.couldNotRun)
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
            return completion(.couldNotRun)
        }
        let writeEnd = payloadPipe.write
        DispatchQueue.global().async {
            // A program that exits without reading gets EPIPE here; its exit
            // status still decides.
            _ = ChildProcess.writeAll(writeEnd, payload)
            close(writeEnd)
            switch ChildProcess.wait(pid) {
            case .exited(let status): completion(.exited(status))
            case .signalled: completion(.crashed)
            case .waitFailed: completion(.couldNotRun)
            }
        }
    }
}
