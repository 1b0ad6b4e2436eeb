/// A run of lines of one file: `count` lines from the 1-based line `first`.
/// A count of 0 is an insertion point: between line `first - 1` and line `first`.
public struct LineSpan: Hashable, Sendable, CustomStringConvertible {
    public var first: Int
    public var count: Int

    public init(first: Int, count: Int) {
        self.first = first
        self.count = count
    }

    /// The last line of the span; `first - 1` for an insertion point.
    public var last: Int { first + count - 1 }

    /// The smallest span holding both.
    public func union(_ other: LineSpan) -> LineSpan {
        let start = min(first, other.first)
        return LineSpan(first: start, count: max(last, other.last) - start + 1)
    }

    /// `lines 120-131`, `line 7`, or `after line 41` for an insertion point.
    public var description: String {
        switch count {
        case 0: return first > 1 ? "after line \(first - 1)" : "at the top"
        case 1: return "line \(first)"
        default: return "lines \(first)-\(last)"
        }
    }
}
