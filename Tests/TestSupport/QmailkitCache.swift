import Foundation
import Testing

/// The qmailkit source cache as the command line finds it
/// (`$XDG_CACHE_HOME/qmailkit`, else `~/.cache/qmailkit`), and the real
/// netqmail-1.06 tarball in it.
public enum QmailkitCache {
    public static let directory: URL = {
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("qmailkit")
        }
        return URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".cache/qmailkit")
    }()

    public static let netqmailTarball = directory.appendingPathComponent("sources/netqmail-1.06.tar.gz")

    public static let hasNetqmail = FileManager.default.fileExists(atPath: netqmailTarball.path)

    public static let netqmailMissing: Comment =
        "netqmail-1.06 is not in the qmailkit cache; run: qmailkit fetch --from FILE"
}
