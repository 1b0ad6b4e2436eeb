import Foundation

/// One benchmark's outcome: timed rows and the ratios that are judged against targets.
struct Report {
    struct Row {
        var measured: String
        var samples: Samples
    }

    struct Ratio {
        var name: String
        var value: Double
        /// The ratio must not exceed this; nil when the ratio is informative only.
        var limit: Double?

        var verdict: String {
            guard let limit else { return "(no target)" }
            return value <= limit ? "target <= \(format(limit)): met" : "target <= \(format(limit)): MISSED"
        }
    }

    var benchmark: String
    var rows: [Row] = []
    var ratios: [Ratio] = []
    var notes: [String] = []

    /// `measured` against `baseline` (`samples`, in that order), judged by the ratio
    /// of their medians against `limit`; the ratio of their minimums is shown too.
    static func relative(_ benchmark: String, measured: String, baseline: String, samples: [Samples],
                         limit: Double) -> Report {
        Report(
            benchmark: benchmark,
            rows: [.init(measured: measured, samples: samples[0]), .init(measured: baseline, samples: samples[1])],
            ratios: [.init(name: "qmailkit/baseline (median)",
                           value: samples[0].median.seconds / samples[1].median.seconds, limit: limit),
                     .init(name: "qmailkit/baseline (min)",
                           value: samples[0].min.seconds / samples[1].min.seconds, limit: nil)])
    }

    /// `measured` judged by its median in seconds against `limit` (the ratio `medianName`),
    /// with its median over `baseline`'s shown as the ratio `ratioName`.
    static func absolute(_ benchmark: String, measured: String, baseline: String, samples: [Samples],
                         limit: Double, medianName: String, ratioName: String) -> Report {
        let seconds = samples[0].median.seconds
        return Report(
            benchmark: benchmark,
            rows: [.init(measured: measured, samples: samples[0]), .init(measured: baseline, samples: samples[1])],
            ratios: [.init(name: medianName, value: seconds, limit: limit),
                     .init(name: ratioName, value: seconds / samples[1].median.seconds, limit: nil)])
    }

    var missedTarget: Bool {
        ratios.contains { ratio in ratio.limit.map { ratio.value > $0 } ?? false }
    }

    /// The plain-text table printed to standard output.
    func rendered() -> String {
        var lines = ["\(benchmark)"]
        let width = max(40, rows.map(\.measured.count).max() ?? 0)
        lines.append("  " + "measured".padding(toLength: width, withPad: " ", startingAt: 0)
                     + "  runs     median        min")
        for row in rows {
            lines.append("  " + row.measured.padding(toLength: width, withPad: " ", startingAt: 0)
                         + "  " + pad(String(row.samples.count), 4)
                         + "  " + pad(seconds(row.samples.median), 9) + "  " + pad(seconds(row.samples.min), 9))
        }
        for ratio in ratios {
            lines.append("  ratio " + ratio.name + ": " + format(ratio.value, digits: 3) + "  " + ratio.verdict)
        }
        lines += notes.map { "  note: " + $0 }
        return lines.joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    private func seconds(_ duration: Duration) -> String {
        format(duration.seconds, digits: 3) + " s"
    }
}

/// A number with a fixed count of decimals, for the table.
func format(_ value: Double, digits: Int = 2) -> String {
    String(format: "%.\(digits)f", value)
}
