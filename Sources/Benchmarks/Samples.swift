/// The timed runs of one measured thing: what the report's median and min come from.
struct Samples {
    var durations: [Duration] = []

    var median: Duration {
        let sorted = durations.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    var min: Duration { durations.min() ?? .zero }

    var count: Int { durations.count }
}

extension Duration {
    /// Seconds as a floating-point number, for ratios and the table.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
