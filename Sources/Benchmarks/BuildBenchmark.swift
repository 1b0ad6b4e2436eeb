import Foundation
import QmailBuild

/// `build`: `QmailBuilder.build` of the combined tree into a sandbox, cold with
/// `make -j1` and `-j2`, and the cache hit of a second identical request.
struct BuildBenchmark {
    let fixture: Fixture
    let scratch: ScratchSpace
    let runs: Int

    func run() throws -> Report {
        let patched = try fixture.patchedTree(at: try scratch.fresh("build-tree").appendingPathComponent("combined"))

        var cold: [Int: Samples] = [1: Samples(), 2: Samples()]
        var hit = Samples()
        var programs = 0
        for run in 0...runs {
            // The warm-up (run 0) is one -j2 build; it fills the page cache and
            // whatever the compiler keeps warm, and is not counted.
            for jobs in run == 0 ? [2] : [1, 2] {
                let directory = try scratch.fresh("build-j\(jobs)-\(run)")
                let options = BuildOptions(testUsers: TestUsers(user: "root"),
                                           sandbox: directory.appendingPathComponent("sandbox"), jobs: jobs)
                let request = patched.request(output: directory.appendingPathComponent("build"), options: options)
                var built: BuildResult?
                let coldTime = try ContinuousClock().measure { built = try build(request, expectHit: false) }
                let hitTime = try ContinuousClock().measure { _ = try build(request, expectHit: true) }
                try scratch.remove(directory)
                programs = built?.builtPrograms.count ?? 0
                if run > 0 {
                    cold[jobs]?.durations.append(coldTime)
                    hit.durations.append(hitTime)
                }
            }
        }
        let one = cold[1] ?? Samples(), two = cold[2] ?? Samples()
        return Report(
            benchmark: "build",
            rows: [.init(measured: "cold build make -j1 (\(programs) programs)", samples: one),
                   .init(measured: "cold build make -j2", samples: two),
                   .init(measured: "cache hit (identical second request)", samples: hit)],
            ratios: [.init(name: "-j2/-j1 (median)", value: two.median.seconds / one.median.seconds, limit: nil),
                     .init(name: "cache hit/cold -j1 (median)", value: hit.median.seconds / one.median.seconds, limit: nil)])
    }

    private func build(_ request: BuildRequest, expectHit: Bool) throws -> BuildResult {
        let result: BuildResult
        do {
            result = try QmailBuilder.build(request)
        } catch {
            throw BenchmarkError.unexpected("qmailkit build failed: \(error)")
        }
        guard result.cacheHit == expectHit else {
            throw BenchmarkError.unexpected(expectHit ? "the second identical build was not a cache hit"
                                                      : "a build into a new directory was reported as a cache hit")
        }
        return result
    }
}
