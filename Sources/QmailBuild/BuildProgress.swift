/// A step of a running build, recognised in make's echoed commands.
public enum BuildProgress: Sendable, Equatable {
    /// `./compile <source>`: `count` objects compiled so far, this one included.
    case compiling(source: String, count: Int)
    /// `./load <program> …`: a program is being linked; `count` programs so far.
    case linking(program: String, count: Int)
}

/// Splits build output into lines and recognises progress and the first error. Sans-IO.
///
/// Feed it bytes as they arrive; it keeps partial lines between calls.
public struct BuildOutputScanner: Sendable {
    public private(set) var compiledCount = 0
    public private(set) var linkedCount = 0
    /// The first precise error seen (see `BuildOutputParser.firstError`).
    public var firstError: BuildDiagnostic? { precise ?? firstMake }

    private var pending: [UInt8] = []
    private var precise: BuildDiagnostic?
    private var firstMake: BuildDiagnostic?

    public init() {}

    /// Consumes output bytes and returns the progress steps completed lines show.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [BuildProgress] {
        var steps: [BuildProgress] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if let step = scan(line: String(decoding: pending, as: UTF8.self)) { steps.append(step) }
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
            }
        }
        return steps
    }

    /// Scans a last line without a newline, at the end of the output.
    public mutating func finish() -> [BuildProgress] {
        guard !pending.isEmpty else { return [] }
        defer { pending.removeAll() }
        return scan(line: String(decoding: pending, as: UTF8.self)).map { [$0] } ?? []
    }

    private mutating func scan(line: String) -> BuildProgress? {
        let line = line.hasSuffix("\r") ? String(line.dropLast()) : line
        if precise == nil, let found = BuildOutputParser.diagnostic(in: line) {
            if found.kind != .make {
                precise = found
            } else if firstMake == nil {
                firstMake = found
            }
        }
        let words = line.split(separator: " ", maxSplits: 2)
        guard words.count >= 2 else { return nil }
        switch words[0] {
        case "./compile":
            compiledCount += 1
            return .compiling(source: String(words[1]), count: compiledCount)
        case "./load":
            linkedCount += 1
            return .linking(program: String(words[1]), count: linkedCount)
        default:
            return nil
        }
    }
}
