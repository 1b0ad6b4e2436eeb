import Foundation
import Glibc
import Testing

/// Runs each test case of a suite on a thread of its own instead of the
/// cooperative pool.
///
/// Swift Testing runs test bodies, synchronous ones included, as tasks on the
/// cooperative pool, which has one thread per core (two here). A test that
/// waits for a child process, a build or a socket holds one of those threads;
/// two such tests starve every other task of the run (NIO-free timers, URL
/// sessions, a peer started with `Task {}`), and a wait for one of those
/// tasks deadlocks. Under this trait the test case prefers an executor backed
/// by a dedicated thread, so its blocking waits cost only that thread.
/// Swift Testing still caps how many test cases run at once.
public struct OwnThread: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        ProcessLimits.raiseOpenFiles
        let executor = DedicatedThreadExecutor()
        defer { executor.finish() }
        try await withTaskExecutorPreference(executor) { try await function() }
    }
}

extension Trait where Self == OwnThread {
    /// Each test case on a thread of its own (see ``OwnThread``).
    public static var ownThread: Self { OwnThread() }
}

extension OwnThread {
    /// An unstructured task on a thread of its own: a probe that must run
    /// while the test case's thread waits, whatever else holds the
    /// cooperative pool.
    public static func task<Result: Sendable>(_ body: @escaping @Sendable () async -> Result) -> Task<Result, Never> {
        let executor = DedicatedThreadExecutor()
        return Task(executorPreference: executor) {
            defer { executor.finish() }
            return await body()
        }
    }
}

/// A task executor with one thread that runs its jobs in order; the thread
/// ends after `finish()` once the queue is empty.
final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false

    init() {
        let thread = Thread { [self] in runJobs() }
        thread.name = "test-case"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Test cases side by side hold many sockets, pipes and servers at once; an
/// ordinary user's soft limit on open files (often 1,024) is raised to the
/// hard limit, once per process.
enum ProcessLimits {
    static let raiseOpenFiles: Void = {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(RLIMIT_NOFILE_VALUE, &limit)
    }()
}

/// RLIMIT_NOFILE as the C library's __rlimit_resource_t.
private let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
