import Dispatch
import Synchronization

/// `body(0) … body(count - 1)` on up to `width` threads at once, each thread
/// taking the next index when it is done with one; the results in index
/// order. Blocks the calling thread until all are done: call it from a
/// thread of its own (a command line's, a test's), never from an event loop
/// or the cooperative pool.
public func parallelMap<Result: Sendable>(count: Int, width: Int,
                                          _ body: @Sendable (Int) -> Result) -> [Result] {
    let next = Mutex(0)
    let results = Mutex([Result?](repeating: nil, count: count))
    DispatchQueue.concurrentPerform(iterations: max(1, min(width, count))) { _ in
        while let index = next.withLock({ value -> Int? in
            guard value < count else { return nil }
            defer { value += 1 }
            return value
        }) {
            let result = body(index)
            results.withLock { $0[index] = result }
        }
    }
    return results.withLock { $0.map { $0! } }
}
