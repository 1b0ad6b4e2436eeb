#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Reports long work on standard error: a redrawn bar on a terminal, a few plain
/// lines in a pipe or log (so CI output stays readable), nothing when silenced.
public final class ProgressReporter: @unchecked Sendable {
    public enum Style: Sendable { case bar, lines, silent }

    private let style: Style
    private let lock = NSLock()
    private var lastLinePercent = -1
    private var lastBar = ""
    private var barVisible = false

    public init(style: Style) {
        self.style = style
    }

    /// `.bar` when standard error is a terminal, `.lines` otherwise.
    public static func automatic(quiet: Bool) -> ProgressReporter {
        if quiet { return ProgressReporter(style: .silent) }
        return ProgressReporter(style: isatty(2) == 1 ? .bar : .lines)
    }

    /// Updates the task `label` to `done` of `total` units (bytes, files…).
    public func update(_ label: String, done: Int64, total: Int64?) {
        lock.withLock {
            switch style {
            case .silent:
                return
            case .bar:
                let text: String
                if let total, total > 0 {
                    let fraction = min(1, Double(done) / Double(total))
                    let width = 30
                    let filled = Int(fraction * Double(width))
                    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                    text = "\(label) [\(bar)] \(Int(fraction * 100))% \(formatBytes(done))/\(formatBytes(total))"
                } else {
                    text = "\(label) \(formatBytes(done))"
                }
                guard text != lastBar else { return }
                lastBar = text
                write("\r\u{1B}[2K" + text)
                barVisible = true
            case .lines:
                guard let total, total > 0 else { return }
                let percent = Int(min(1, Double(done) / Double(total)) * 100) / 25 * 25
                if percent != lastLinePercent {
                    lastLinePercent = percent
                    write("\(label): \(percent)%\n")
                }
            }
        }
    }

    /// Prints a finished step (ends any bar first).
    public func note(_ message: String) {
        lock.withLock {
            guard style != .silent else { return }
            if barVisible {
                write("\r\u{1B}[2K")
                barVisible = false
            }
            lastLinePercent = -1
            write(message + "\n")
        }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// `1.2 MiB`-style sizes for people.
public func formatBytes(_ count: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB"]
    var value = Double(count)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(count) B" : "\(String(format: "%.1f", value)) \(units[unit])"
}
