import Foundation
import Synchronization
import Testing
import Workers

@Suite struct ParallelMapTests {
    @Test func resultsComeInIndexOrder() {
        let squares = parallelMap(count: 100, width: 7) { $0 * $0 }
        #expect(squares == (0..<100).map { $0 * $0 })
    }

    /// Dispatch's concurrentPerform runs one body per CPU; bodies that wait
    /// (a child process, a pause) must each have a thread: eight bodies that
    /// each wait until all eight are running finish only with eight threads,
    /// whatever the number of CPUs.
    @Test func widthIsThreadsNotCPUs() {
        let running = Mutex(0)
        let highest = Mutex(0)
        let sawAll = parallelMap(count: 8, width: 8) { _ -> Bool in
            running.withLock { $0 += 1 }
            let deadline = Date().addingTimeInterval(10)
            var all = false
            while Date() < deadline {
                let now = running.withLock { $0 }
                highest.withLock { $0 = max($0, now) }
                if now == 8 { all = true; break }
                usleep(1_000)
            }
            return all
        }
        #expect(highest.withLock { $0 } == 8)
        #expect(sawAll.allSatisfy { $0 })
    }

    @Test func aWidthOfOneRunsOnTheCallersThreadAlone() {
        let caller = pthread_self()
        let same = parallelMap(count: 5, width: 1) { _ in pthread_equal(pthread_self(), caller) != 0 }
        #expect(same == Array(repeating: true, count: 5))
    }
}
