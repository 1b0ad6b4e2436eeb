import Glibc
import NIOCore
import SMTPEngine
import Spawn
import Synchronization

/// A running queue program (qmail.c's `qmail_open` … `qmail_close`): the
/// message pipe on its fd 0, the envelope pipe on its fd 1, working
/// directory the qmail home.
///
/// Both pipes are written by NIO on the session's event loop, so a slow
/// program holds back the session's reads (through `pendingBytes`) rather
/// than a thread; the child is reaped by the `ChildExitWatcher`. If the
/// program cannot be executed the transaction still "starts" and ends as
/// exit status 120, as qmail's child does, so the client sees 354 and then
/// `451 unable to exec qq`.
final class QueueProgramTransaction: DeliveryTransaction {
    let queueID: Int
    var onProgress: (() -> Void)? {
        get { message.onProgress }
        set { message.onProgress = newValue }
    }
    private let message: PipeWriter
    private let envelope: PipeWriter
    private let end: ProgramEnd

    init(_ context: DeliveryContext) throws {
        let messagePipe = try ChildProcess.makePipe()
        let envelopePipe: (read: Int32, write: Int32)
        do { envelopePipe = try ChildProcess.makePipe() } catch {
            close(messagePipe.read); close(messagePipe.write)
            throw error
        }
        defer { close(messagePipe.read); close(envelopePipe.read) }
        let loop = context.loop
        let end = ProgramEnd()
        self.end = end
        do {
            let pid = try ChildProcess.spawn(
                argv: [context.program], environment: context.environment, workingDirectory: context.qmailHome,
                descriptors: [(messagePipe.read, 0), (envelopePipe.read, 1)])
            do {
                try ChildExitWatcher.watch(pid) { end.ended(QueueTermination($0)) }
            } catch {
                kill(pid, SIGKILL)
                _ = ChildProcess.wait(pid)
                throw error
            }
            queueID = Int(pid)
        } catch ChildProcess.SpawnError.failed(_, execFailed: true) {
            end.ended(.exited(120))
            queueID = 0
        } catch {
            close(messagePipe.write); close(envelopePipe.write)
            throw error
        }
        message = PipeWriter(descriptor: messagePipe.write, loop: loop)
        envelope = PipeWriter(descriptor: envelopePipe.write, loop: loop)
    }

    var pendingBytes: Int { message.pendingBytes }

    func append(_ bytes: [UInt8]) {
        message.write(bytes)
    }

    /// Closes the message pipe once written, writes the envelope (none: the
    /// program sees EOF and aborts) and closes it, then waits for the
    /// program's end; `completion` runs on any thread.
    func finish(envelope bytes: [UInt8]?, completion: @escaping @Sendable (QueueTermination, Bool) -> Void) {
        let envelope = self.envelope
        let end = self.end
        message.finish().assumeIsolated().flatMap { messageWritten in
            if let bytes, messageWritten { envelope.write(bytes) }
            return envelope.finish().map { envelopeWritten in messageWritten && (bytes == nil || envelopeWritten) }
        }.whenSuccess { written in
            end.whenEnded { completion($0, !written) }
        }
    }

    func abandon() {
        message.abandon()
        envelope.abandon()
    }
}

/// The program's end, once reaped (`.exited(120)` if it never ran), and
/// who waits for it. Nothing is scheduled on an event loop unless someone
/// waits, so a program that outlives its server's loops is reaped quietly.
private final class ProgramEnd: Sendable {
    private enum State {
        case running
        case waiting(@Sendable (QueueTermination) -> Void)
        case ended(QueueTermination)
    }

    private let state = Mutex(State.running)

    func ended(_ termination: QueueTermination) {
        let waiter: (@Sendable (QueueTermination) -> Void)? = state.withLock { state in
            defer { state = .ended(termination) }
            if case .waiting(let waiter) = state { return waiter }
            return nil
        }
        waiter?(termination)
    }

    /// Calls `body` once the program has ended (at once if it has).
    func whenEnded(_ body: @escaping @Sendable (QueueTermination) -> Void) {
        let ended: QueueTermination? = state.withLock { state in
            if case .ended(let termination) = state { return termination }
            state = .waiting(body)
            return nil
        }
        if let ended { body(ended) }
    }
}

private extension QueueTermination {
    init(_ termination: ChildProcess.Termination) {
        switch termination {
        case .exited(let status): self = .exited(status)
        case .signalled: self = .crashed
        case .waitFailed: self = .waitFailed
        }
    }
}
