import Foundation

/// Runs benchmark bodies: one untimed warm-up, then timed runs, each in a fresh
/// empty scratch folder that is removed after the clock stops.
struct Stopwatch {
    let scratch: ScratchSpace
    let runs: Int

    /// Times several bodies, interleaved run by run (A B A B …) so that load from
    /// other processes on a shared machine falls on all of them alike.
    func compare(_ label: String, _ bodies: [(URL) throws -> Void]) throws -> [Samples] {
        var samples = Array(repeating: Samples(), count: bodies.count)
        for run in 0...runs {
            for (index, body) in bodies.enumerated() {
                let directory = try scratch.fresh("\(label)-\(index)-\(run)")
                let elapsed = try ContinuousClock().measure { try body(directory) }
                try scratch.remove(directory)
                if run > 0 { samples[index].durations.append(elapsed) }
            }
        }
        return samples
    }
}
