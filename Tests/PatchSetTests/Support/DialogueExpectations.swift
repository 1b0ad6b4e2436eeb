import Foundation
import Testing
import RealBuildSupport

/// Assertions on replies that name the dialogue so far when they fail.
extension SMTPDConnection {
    /// Sends `text` (nil: only reads) and expects the reply's last line to start with `prefix`.
    @discardableResult
    func expect(_ text: String?, _ prefix: String, _ what: String = "",
                sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        if let text { send(text) }
        let reply = readReply()
        #expect(reply.last?.hasPrefix(prefix) == true,
                "\(what.isEmpty ? text ?? "(read)" : what): expected \(prefix)…, got \(reply)\n\(log)",
                sourceLocation: sourceLocation)
        return reply
    }

    /// Sends `text` (nil: only reads) and expects exactly `lines`.
    @discardableResult
    func expect(_ text: String?, lines: [String], _ what: String = "",
                sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        if let text { send(text) }
        let reply = readReply()
        #expect(reply == lines, "\(what.isEmpty ? text ?? "(read)" : what)\n\(log)", sourceLocation: sourceLocation)
        return reply
    }

    /// Expects the stock greeting `220 mail.example.org ESMTP`.
    func expectGreeting(sourceLocation: SourceLocation = #_sourceLocation) {
        expect(nil, lines: ["220 \(PatchedBuild.greeting) ESMTP"], "greeting", sourceLocation: sourceLocation)
    }

    /// One message from `sender` to `recipient` accepted: MAIL, RCPT, DATA and a short body.
    func expectDelivery(from sender: String, to recipient: String, sourceLocation: SourceLocation = #_sourceLocation) {
        expect("MAIL FROM:<\(sender)>\r\n", lines: ["250 ok"], sourceLocation: sourceLocation)
        expect("RCPT TO:<\(recipient)>\r\n", lines: ["250 ok"], sourceLocation: sourceLocation)
        expect("DATA\r\n", "354", sourceLocation: sourceLocation)
        expect("\r\nhi\r\n.\r\n", "250 ok", sourceLocation: sourceLocation)
    }

    /// QUIT → `221 mail.example.org`, then the daemon exits with `status`.
    func expectQuit(status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation) {
        expect("QUIT\r\n", lines: ["221 \(PatchedBuild.greeting)"], sourceLocation: sourceLocation)
        let exit = finish()
        #expect(exit == status, "exit status\n\(log)", sourceLocation: sourceLocation)
    }

    /// The daemon's exit status after we close our end.
    func expectExit(_ status: Int32, sourceLocation: SourceLocation = #_sourceLocation) {
        let exit = finish()
        #expect(exit == status, "exit status\n\(log)", sourceLocation: sourceLocation)
    }
}

/// The EHLO reply a selection must give (docs/ehlo.md#line-order).
enum EHLOReply {
    /// `250-<greeting>`, optional STARTTLS, PIPELINING, 8BITMIME, optional AUTH line, and
    /// `250 SIZE <databytes>` last when the build has auth (else `250 8BITMIME` last).
    static func lines(_ build: PatchedBuild, startTLS: Bool = false, auth: String? = nil, size: Int = 0) -> [String] {
        var lines = ["250-\(PatchedBuild.greeting)"]
        if startTLS { lines.append("250-STARTTLS") }
        lines.append("250-PIPELINING")
        guard build.features.contains("auth") else { return lines + ["250 8BITMIME"] }
        lines.append("250-8BITMIME")
        if let auth { lines.append("250-AUTH \(auth)") }
        return lines + ["250 SIZE \(size)"]
    }
}
