import Foundation
import Testing
import RealBuildSupport

/// The outcome of one qmail-smtpd session driven command by command.
struct ScriptedSession {
    /// The last line of the reply to each command, in order; "" where none came
    /// (the daemon had exited).
    var replies: [String]
    /// What the capture queue program was handed, complete or not.
    var messages: [CapturedMessage]
    /// The daemon's exit status.
    var status: Int32
    /// What the daemon wrote to descriptor 2.
    var stderr: String
    /// The whole exchange, for failure messages.
    var log: Comment

    /// Starts qmail-smtpd on `build`, expects the greeting, sends each command (the caller
    /// writes the CRLFs) and reads one reply after each; then sends QUIT if the daemon still runs.
    /// Call it inside ``PatchedBuild/withControl(_:_:)``. Cost: one short-lived process.
    static func run(_ build: PatchedBuild, arguments: [String] = [], environment: [String: String?] = [:],
                    _ commands: [String]) throws -> ScriptedSession {
        let connection = try SMTPDConnection(build, arguments: arguments, environment: environment)
        let greeting = connection.readReply().last ?? ""
        #expect(greeting == "220 \(PatchedBuild.greeting) ESMTP", "\(connection.log)")
        var replies: [String] = []
        for command in commands {
            replies.append(connection.command(command).last ?? "")
        }
        if connection.process.poll() == nil, replies.last != "" {
            _ = connection.command("QUIT\r\n")
        }
        let status = connection.finish()
        // SMTPDConnection sends the daemon's descriptor 2 to this file.
        let stderr = (try? String(contentsOf: connection.captureDirectory.appendingPathComponent("stderr.log"),
                                  encoding: .utf8)) ?? ""
        return ScriptedSession(replies: replies, messages: try connection.captured(),
                               status: status, stderr: stderr, log: Comment(rawValue: connection.log))
    }

    /// The messages a real qmail-queue would have accepted.
    var queued: [CapturedMessage] { messages.filter(\.isComplete) }

    /// The envelope of the only message queued, as text (NULs included); nil unless exactly one was queued.
    var envelope: String? {
        queued.count == 1 ? queued[0].envelopeText : nil
    }
}

extension PatchedBuild {
    /// One ``ScriptedSession`` with `control` files in place (see ``withControl(_:_:)``).
    func session(control: [String: String?] = [:], arguments: [String] = [], environment: [String: String?] = [:],
                 _ commands: [String]) async throws -> ScriptedSession {
        try await withControl(control) {
            try ScriptedSession.run(self, arguments: arguments, environment: environment, commands)
        }
    }
}

extension CapturedMessage {
    /// Whether a real qmail-queue would have queued it: the envelope is complete,
    /// `F<sender>\0` … `\0\0`. The capture program also records the empty pipes a
    /// daemon that gave up mid-message leaves behind.
    var isComplete: Bool {
        envelope.first == UInt8(ascii: "F") && envelope.count >= 3 && envelope.suffix(2).allSatisfy { $0 == 0 }
    }

    /// The message as the client sent it: without the two-line Received header
    /// qmail-smtpd puts first; nil if that header is not there.
    var bodyAfterReceived: [UInt8]? {
        let prefix = Array("Received: from ".utf8)
        guard message.starts(with: prefix),
              let first = message.firstIndex(of: UInt8(ascii: "\n")),
              message.index(after: first) < message.endIndex,
              message[message.index(after: first)] == UInt8(ascii: " "),
              let second = message[message.index(after: first)...].firstIndex(of: UInt8(ascii: "\n"))
        else { return nil }
        return Array(message[message.index(after: second)...])
    }
}
