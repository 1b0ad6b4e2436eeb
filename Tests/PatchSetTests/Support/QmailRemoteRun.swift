import Conformance
import Foundation
import RealBuildSupport

/// One run of the real qmail-remote (Conformance's `RemoteDelivery`) with a
/// small message. Its report is NUL-separated; here the NULs are shown as `|`
/// (so success reads `r|K…`, a deferral `Z…`).
struct QmailRemoteRun {
    var status: Int32
    var report: String

    /// True when the recipient was accepted and the message delivered (`r` then `K`).
    var delivered: Bool { report.hasPrefix("r|K") }
    /// True for a temporary failure of the whole delivery.
    var deferred: Bool { report.hasPrefix("Z") }

    /// Exit 0, delivered (or, when `delivered` is false, deferred), and a report
    /// holding `reportContains` unless that is nil.
    func ended(delivered: Bool, reportContains: String?) -> Bool {
        status == 0 && (delivered ? self.delivered : deferred) && reportContains.map(report.contains) != false
    }

    /// Runs qmail-remote of `build` (optionally under valgrind); call inside `withControl`.
    static func run(_ build: PatchedBuild, host: String = "example.net", sender: String = "joe@example.org",
                    recipients: [String] = ["bob@example.net"], valgrind: Bool = false) throws -> QmailRemoteRun {
        var wrapper: [String] = []
        if valgrind {
            guard let path = SMTPDConnection.valgrindPath else { throw HarnessError("valgrind is not installed") }
            wrapper = [path, "-q", "--error-exitcode=99", "--leak-check=no"]
        }
        let delivery = try RemoteDelivery.run(Launch(argv: wrapper + [build.remote.path]), host: host, sender: sender,
                                              recipients: recipients, message: Array("Subject: x\n\nhello\n".utf8), timeout: 60)
        return QmailRemoteRun(status: delivery.status ?? -1,
                              report: String(decoding: delivery.output, as: UTF8.self).replacingOccurrences(of: "\0", with: "|"))
    }
}
