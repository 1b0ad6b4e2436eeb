import Foundation

/// Fresh folders under the system temporary directory, one per call, so that
/// tests running side by side never share one.
public enum ScratchDirectory {
    public static func make(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qmailkit-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
