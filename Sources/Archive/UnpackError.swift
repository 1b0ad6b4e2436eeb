/// Reading an archive file failed before its contents could be judged.
public enum UnpackError: Error, Equatable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotRead(path, reason):
            return "cannot read archive '\(path)': \(reason); check the path and its permissions"
        }
    }
}
