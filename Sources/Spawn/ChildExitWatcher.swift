import Foundation
import Glibc
import Synchronization

/// Reaps children without a thread per child: each watched child gets a
/// pidfd (Linux 5.3+), one process-wide thread waits on all of them with
/// poll(2), reaps a child as soon as it has ended and calls its `onExit`.
/// A server with many queue programs and checkpassword runs in flight
/// thus pins one thread in total, however long a child takes.
public enum ChildExitWatcher {
    /// Watches `pid`, a child of this process not yet reaped (a zombie is
    /// fine). `onExit` runs once, on the watcher's thread, after the child
    /// has been reaped; keep it short (hop to an event loop). Throws (and
    /// leaves the child alone) when no pidfd can be had.
    @discardableResult
    public static func watch(_ pid: pid_t,
                             onExit: @escaping @Sendable (ChildProcess.Termination) -> Void) throws -> WatchedChild {
        guard let open = PidfdCalls.open else { throw ChildProcess.SpawnError.failed(errno: ENOSYS, execFailed: false) }
        let descriptor = open(pid, 0)
        guard descriptor >= 0 else { throw ChildProcess.SpawnError.failed(errno: errno, execFailed: false) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        let child = WatchedChild(pid: pid, descriptor: descriptor)
        Poller.shared.add(child, onExit: onExit)
        return child
    }
}

/// A child under watch. Its pidfd stays open until the child has been
/// reaped, and `kill` signals through it, so a kill never reaches another
/// process that has since got the same pid.
public final class WatchedChild: Sendable {
    public let pid: pid_t
    /// The pidfd; -1 once the child has been reaped.
    private let descriptor: Mutex<Int32>

    fileprivate init(pid: pid_t, descriptor: Int32) {
        self.pid = pid
        self.descriptor = Mutex(descriptor)
    }

    /// SIGKILL if the child has not been reaped yet; true if it was sent.
    @discardableResult
    public func kill() -> Bool {
        descriptor.withLock { descriptor in
            guard descriptor >= 0, let send = PidfdCalls.sendSignal else { return false }
            return send(descriptor, SIGKILL, nil, 0) == 0
        }
    }

    fileprivate var fd: Int32 { descriptor.withLock { $0 } }

    /// Reaps the child (it has ended: its pidfd was readable) and closes the pidfd.
    fileprivate func reap() -> ChildProcess.Termination {
        descriptor.withLock { descriptor in
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(pid, &status, WNOHANG) } while result == -1 && errno == EINTR
            close(descriptor)
            descriptor = -1
            return result == pid ? ChildProcess.Termination(waitStatus: status) : .waitFailed
        }
    }
}

/// The one thread that waits for watched children to end: poll(2) on
/// their pidfds and on a pipe that `add` writes to, so that a new child
/// joins the wait at once.
private final class Poller: Sendable {
    static let shared = Poller()

    private let wake: (read: Int32, write: Int32)
    private let watched = Mutex<[Int32: (child: WatchedChild, onExit: @Sendable (ChildProcess.Termination) -> Void)]>([:])

    private init() {
        wake = try! ChildProcess.makePipe()
        _ = fcntl(wake.read, F_SETFL, O_NONBLOCK)
        _ = fcntl(wake.write, F_SETFL, O_NONBLOCK)
        let thread = Thread { [self] in run() }
        thread.name = "qmailkit child reaper"
        thread.start()
    }

    func add(_ child: WatchedChild, onExit: @escaping @Sendable (ChildProcess.Termination) -> Void) {
        watched.withLock { $0[child.fd] = (child, onExit) }
        var byte: UInt8 = 0
        _ = write(wake.write, &byte, 1)
    }

    private func run() -> Never {
        var drain = [UInt8](repeating: 0, count: 256)
        while true {
            var descriptors = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            descriptors += watched.withLock { $0.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) } }
            guard poll(&descriptors, nfds_t(descriptors.count), -1) > 0 else { continue }
            if descriptors[0].revents != 0 { _ = read(wake.read, &drain, drain.count) }
            for descriptor in descriptors.dropFirst() where descriptor.revents != 0 {
                guard let entry = watched.withLock({ $0.removeValue(forKey: descriptor.fd) }) else { continue }
                entry.onExit(entry.child.reap())
            }
        }
    }
}

/// glibc's pidfd wrappers (2.36+), looked up at run time like the other
/// extensions Swift's Glibc module does not import.
private enum PidfdCalls {
    typealias Open = @convention(c) (pid_t, UInt32) -> Int32
    typealias SendSignal = @convention(c) (Int32, Int32, UnsafeMutablePointer<siginfo_t>?, UInt32) -> Int32

    static let open: Open? = GlibcExtensions.symbol("pidfd_open")
    static let sendSignal: SendSignal? = GlibcExtensions.symbol("pidfd_send_signal")
}
