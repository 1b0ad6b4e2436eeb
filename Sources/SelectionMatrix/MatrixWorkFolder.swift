import Foundation

/// Where `qmailkit matrix` puts each selection's tree, build and sandbox home:
/// a folder the user names (kept, and reused by the next run), or a temporary
/// one (removed at the end unless `keep()` was called, e.g. after a failure).
public final class MatrixWorkFolder: @unchecked Sendable {
    public let url: URL
    private let temporary: Bool
    private var kept = false

    /// Marks a folder as ours, so a later run may replace what is inside.
    static let markerName = ".qmailkit-matrix"

    public struct Refused: Error, CustomStringConvertible {
        public var description: String
    }

    /// `given` must be missing, empty, or a folder an earlier matrix run made.
    public init(given: URL?) throws {
        let manager = FileManager.default
        if let given {
            url = given
            temporary = false
            let marker = given.appendingPathComponent(Self.markerName)
            if manager.fileExists(atPath: given.path) {
                let entries = (try? manager.contentsOfDirectory(atPath: given.path)) ?? []
                if !entries.isEmpty && !manager.fileExists(atPath: marker.path) {
                    throw Refused(description: "\(given.path) exists and was not made by 'qmailkit matrix'; name a new or empty folder")
                }
            }
            do {
                try manager.createDirectory(at: given, withIntermediateDirectories: true)
                try Data().write(to: marker)
            } catch {
                throw Refused(description: "cannot use \(given.path) as the work folder: \(error.localizedDescription)")
            }
        } else {
            url = manager.temporaryDirectory.appendingPathComponent("qmailkit-matrix-\(UUID().uuidString)", isDirectory: true)
            temporary = true
            try manager.createDirectory(at: url, withIntermediateDirectories: true)
        }
    }

    /// Leaves a temporary folder in place at the end.
    public func keep() { kept = true }

    public func removeIfTemporary() {
        if temporary && !kept { try? FileManager.default.removeItem(at: url) }
    }
}
