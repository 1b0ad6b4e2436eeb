#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Foundation
import Synchronization

/// The staging paths this process is writing, so that SIGINT or SIGTERM can
/// delete them before the process ends.
///
/// Library code ``track(_:)``s a path when it creates it and ends the tracking
/// with ``settle(_:_:)`` when the path is renamed into place or removed.
/// Commands that want the cleanup call ``removeOnTermination()`` once.
public final class InterruptCleanup: Sendable {
    /// A tracked path; pass it back to ``settle(_:_:)``.
    public struct Token: Sendable, Hashable {
        fileprivate let id: Int
    }

    private struct State {
        var next = 0
        var paths: [Int: URL] = [:]
        var handlers: [any DispatchSourceSignal] = []
    }

    public static let shared = InterruptCleanup()

    private let state = Mutex(State())

    private init() {}

    /// Starts tracking `path`. Cost: one lock.
    public func track(_ path: URL) -> Token {
        state.withLock { state in
            state.next += 1
            state.paths[state.next] = path
            return Token(id: state.next)
        }
    }

    /// Runs `finish` (the rename into place, or the removal) and stops
    /// tracking the path, both under the lock the signal handler takes: a
    /// signal either finds the path still staged and deletes it, or finds it
    /// settled and leaves the result alone.
    public func settle<T, E: Error>(_ token: Token, _ finish: () throws(E) -> T) throws(E) -> T {
        try state.withLock { state throws(E) in
            defer { state.paths[token.id] = nil }
            return try finish()
        }
    }

    /// From now on SIGINT and SIGTERM delete every tracked path, then end the
    /// process as the signal would have (exit status 130 or 143 in a shell).
    /// Idempotent.
    public func removeOnTermination() {
        state.withLock { state in
            guard state.handlers.isEmpty else { return }
            state.handlers = [SIGINT, SIGTERM].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { [self] in terminate(by: number) }
                source.resume()
                return source
            }
        }
    }

    /// Deletes the tracked paths while holding the lock (so nothing settles
    /// meanwhile), then re-raises `number` with its default action.
    private func terminate(by number: Int32) -> Never {
        state.withLock { state -> Never in
            for path in state.paths.values { try? FileManager.default.removeItem(at: path) }
            signal(number, SIG_DFL)
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, number)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
            kill(getpid(), number)
            // Delivery can lag behind kill(2) on a multi-threaded process.
            usleep(200_000)
            exit(128 + number)
        }
    }
}
