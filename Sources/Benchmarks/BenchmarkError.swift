/// Why a benchmark could not run.
enum BenchmarkError: Error, CustomStringConvertible {
    case commandFailed(String, status: Int32)
    case unexpected(String)

    var description: String {
        switch self {
        case let .commandFailed(script, status):
            return "baseline command failed with status \(status): \(script)"
        case let .unexpected(what):
            return what
        }
    }
}
