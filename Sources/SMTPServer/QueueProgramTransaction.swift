import Dispatch
import Glibc
import SMTPEngine
import Spawn

/// A running queue program (qmail.c's `qmail_open` … `qmail_close`): the
/// message pipe on its fd 0, the envelope pipe on its fd 1, working
/// directory the qmail home.
///
/// Writes and the final wait block, so they run in order on a private serial
/// queue; the event loop only enqueues. If the program cannot be executed the
/// transaction still "starts" and ends as exit status 120, as qmail's child
/// does, so the client sees 354 and then `451 unable to exec qq`.
final class QueueProgramTransaction: DeliveryTransaction {
    private let queue = DispatchQueue(label: "qmailkit.queue-program")
    private let pipes: Pipes
    let queueID: Int

    init(_ context: DeliveryContext) throws {
        let message = try ChildProcess.makePipe()
        let envelope: (read: Int32, write: Int32)
        do { envelope = try ChildProcess.makePipe() } catch {
            close(message.read); close(message.write)
            throw error
        }
        defer { close(message.read); close(envelope.read) }
        do {
            let pid = try ChildProcess.spawn(
                argv: [context.program], environment: context.environment, workingDirectory: context.qmailHome,
                descriptors: [(message.read, 0), (envelope.read, 1)])
            pipes = Pipes(message: message.write, envelope: envelope.write, child: .running(pid))
            queueID = Int(pid)
        } catch ChildProcess.SpawnError.failed(_, execFailed: true) {
            pipes = Pipes(message: message.write, envelope: envelope.write, child: .couldNotExec)
            queueID = 0
        } catch {
            close(message.write); close(envelope.write)
            throw error
        }
    }

    func append(_ bytes: [UInt8]) {
        let pipes = self.pipes
        queue.async { pipes.writeMessage(bytes) }
    }

    func finish(envelope: [UInt8]?, completion: @escaping @Sendable (QueueTermination, Bool) -> Void) {
        let pipes = self.pipes
        queue.async {
            let (termination, writeFailed) = pipes.finish(envelope: envelope)
            completion(termination, writeFailed)
        }
    }

    func abandon() {
        let pipes = self.pipes
        queue.async { _ = pipes.finish(envelope: nil) }
    }
}

/// The parent's ends of the two pipes and the child; used only on the
/// transaction's serial queue, hence unchecked Sendable.
private final class Pipes: @unchecked Sendable {
    enum Child {
        case running(pid_t)
        case couldNotExec
    }

    private var message: Int32
    private var envelope: Int32
    private let child: Child
    private var writeFailed = false
    private var finished = false

    init(message: Int32, envelope: Int32, child: Child) {
        self.message = message
        self.envelope = envelope
        self.child = child
    }

    func writeMessage(_ bytes: [UInt8]) {
        guard !writeFailed, !finished else { return }
        if !ChildProcess.writeAll(message, bytes) { writeFailed = true }
    }

    /// Closes the message pipe, writes the envelope (none: the program sees
    /// EOF and aborts), closes, reaps.
    func finish(envelope bytes: [UInt8]?) -> (QueueTermination, Bool) {
        guard !finished else { return (.waitFailed, writeFailed) }
        finished = true
        close(message)
        if let bytes, !writeFailed, !ChildProcess.writeAll(envelope, bytes) { writeFailed = true }
        close(envelope)
        switch child {
        case .couldNotExec:
            return (.exited(120), writeFailed)
        case .running(let pid):
            switch ChildProcess.wait(pid) {
            case .exited(let status): return (.exited(status), writeFailed)
            case .signalled: return (.crashed, writeFailed)
            case .waitFailed: return (.waitFailed, writeFailed)
            }
        }
    }
}
