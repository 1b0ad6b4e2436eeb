import Glibc
import Synchronization

/// `body(0) … body(count - 1)` on up to `width` threads at once, each thread
/// taking the next index when it is done with one; the results in index
/// order. The threads are real ones (the caller's and `width - 1` new
/// pthreads), not Dispatch's, which runs no more than one per CPU: a body that
/// mostly waits (a child process, a timer) must not hold a CPU's turn.
/// Blocks the calling thread until all are done: call it from a thread of
/// its own (a command line's, a test's), never from an event loop or the
/// cooperative pool.
public func parallelMap<Result: Sendable>(count: Int, width: Int,
                                          _ body: @Sendable (Int) -> Result) -> [Result] {
    let work = IndexedWork<Result>(count: count)
    withoutActuallyEscaping(body) { body in
        // pthreads joined before the block ends, so that no thread still
        // holds `body` when it does.
        var threads: [pthread_t] = []
        for _ in 0..<max(1, min(width, count)) - 1 {
            let start = Unmanaged.passRetained(ThreadStart { work.drain(body) }).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { context in
                Unmanaged<ThreadStart>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, start)
            if created == 0 {
                threads.append(thread)
            } else {
                Unmanaged<ThreadStart>.fromOpaque(start).release()
            }
        }
        work.drain(body)
        for thread in threads { pthread_join(thread, nil) }
    }
    return work.results.withLock { $0.map { $0! } }
}

/// The next index to take and the results so far, shared by the threads of
/// one `parallelMap`.
private final class IndexedWork<Result: Sendable>: Sendable {
    let count: Int
    let next = Mutex(0)
    let results: Mutex<[Result?]>

    init(count: Int) {
        self.count = count
        results = Mutex([Result?](repeating: nil, count: count))
    }

    func drain(_ body: (Int) -> Result) {
        while let index = next.withLock({ value -> Int? in
            guard value < count else { return nil }
            defer { value += 1 }
            return value
        }) {
            let result = body(index)
            results.withLock { $0[index] = result }
        }
    }
}

/// What a new pthread runs.
private final class ThreadStart {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
