import Foundation
import RealBuildSupport
import Testing
import TestSupport

/// msgid-log on the real queue (docs/msgid-log.md): messages go through
/// qmail-queue and qmail-send (`QueueRun`), and the `info msg` lines of
/// qmail-send's log are compared with what the spec says for each header.
/// Every message must also be delivered exactly once.
@Suite(.ownThread, .tags(.realBuild), TestScope.costly, .serialized,
       .enabled(if: QmailkitCache.hasNetqmail, QmailkitCache.netqmailMissing), privateViews)
struct MsgidLogTests {
    /// One message of the run: its header and body, and what `msgid` must log.
    struct Case: Sendable {
        var name: String
        var bytes: [UInt8]
        var logged: String

        var sender: String { "\(name)@example.org" }
        var recipient: String { "\(name)@\(QueueRun.remoteDomain)" }
    }

    static let longID = "<" + String(repeating: "x", count: 300) + "@example.org>"

    static let cases: [Case] = [
        Case(name: "plain", bytes: Array("Message-ID: <plain.1@example.org>\nSubject: s\n\nbody\n".utf8),
             logged: "<plain.1@example.org>"),
        Case(name: "absent", bytes: Array("Subject: no id\n\nbody\n".utf8), logged: "<none>"),
        Case(name: "folded", bytes: Array("Subject: s\nMESSAGE-ID:\n\t<folded.3@example.org>\nTo: t@example.org\n\nbody\n".utf8),
             logged: "<folded.3@example.org>"),
        Case(name: "folded-inside", bytes: Array("Message-Id: <inside.4@\n example.org>  \n\nbody\n".utf8),
             logged: "<inside.4@?example.org>"),
        Case(name: "long", bytes: Array("Message-ID: \(longID)\n\nbody\n".utf8),
             logged: String(longID.prefix(200)) + "..."),
        Case(name: "hostile", bytes: Array("Message-ID: <ctl".utf8) + [1, 13, 27] + Array("[31m".utf8) + [0xFF, 0x7F]
                + Array("x@example.org>\r\n\nbody\n".utf8),
             logged: "<ctl???[31m??x@example.org>"),
        Case(name: "body-only", bytes: Array("Subject: s\n\nMessage-ID: <body.7@example.org>\n".utf8), logged: "<none>"),
        Case(name: "first-wins", bytes: Array("message-id: <first.8@example.org>\nMessage-ID: <second.8@example.org>\n\nb\n".utf8),
             logged: "<first.8@example.org>"),
    ]

    /// What is wrong with a queue run of `cases` on a build with msgid-log
    /// (empty when nothing is): the regression catalogue asks this too.
    static func problems(on build: PatchedBuild) throws -> [String] {
        let outcome = try QueueRun().run(cases.map { QueueRun.Message(sender: $0.sender, recipient: $0.recipient, bytes: $0.bytes) },
                                         on: build)
        return cases.flatMap { problems(of: $0, in: outcome, expected: " msgid \($0.logged)") }
    }

    /// The checks of one message: one `info msg` line, ending in `suffix`
    /// after stock's fields; one delivery attempt, successful; one copy at the sink.
    static func problems(of message: Case, in outcome: QueueRun.Outcome, expected suffix: String) -> [String] {
        var found: [String] = []
        let info = outcome.infoLines.filter { $0.contains(" from <\(message.sender)> ") }
        guard info.count == 1, let line = info.first else {
            return ["\(message.name): \(info.count) info msg lines, expected 1; log:\n" + outcome.log.joined(separator: "\n")]
        }
        let pattern = #/^info msg (\d+): bytes (\d+) from <([^>]*)> qp (\d+) uid (\d+)(.*)$/#
        guard let match = line.wholeMatch(of: pattern), let bytes = Int(match.2) else {
            return ["\(message.name): not an info msg line: \(line)"]
        }
        if String(match.6) != suffix { found.append("\(message.name): logged '\(match.6)', expected '\(suffix)' in: \(line)") }
        // The mess file is qmail-queue's Received line and the message.
        if bytes <= message.bytes.count || bytes > message.bytes.count + 100 {
            found.append("\(message.name): bytes \(bytes) for a \(message.bytes.count)-byte message")
        }
        let number = String(match.1)
        let starts = outcome.log.filter { $0.hasPrefix("starting delivery ") && $0.hasSuffix(": msg \(number) to remote \(message.recipient)") }
        if starts.count != 1 { found.append("\(message.name): \(starts.count) deliveries started, expected 1") }
        let copies = outcome.delivered.filter { $0.sender == Array(message.sender.utf8) }
        if copies.count != 1 {
            found.append("\(message.name): the sink got \(copies.count) copies, expected 1")
        } else if copies[0].recipients != [Array(message.recipient.utf8)] || !copies[0].bytes.reversed().starts(with: message.bytes.reversed()) {
            found.append("\(message.name): the sink got another envelope or message than was queued")
        }
        return found
    }

    @Test("info msg ends in the Message-ID, cleaned; every message is delivered once")
    func infoLineCarriesTheMessageID() throws {
        let build = try PatchedBuild.sandbox(features: ["msgid-log"])
        let problems = try Self.problems(on: build)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("without msgid-log the info msg line is stock: it ends after uid")
    func stockInfoLineHasNoMessageID() throws {
        let build = try PatchedBuild.sandbox(features: [])
        let chosen = Self.cases.filter { ["plain", "absent"].contains($0.name) }
        let outcome = try QueueRun().run(chosen.map { QueueRun.Message(sender: $0.sender, recipient: $0.recipient, bytes: $0.bytes) },
                                         on: build)
        let problems = chosen.flatMap { Self.problems(of: $0, in: outcome, expected: "") }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}
