import Foundation
import SMTPEngine

/// A scenario file could not be read: names the file, the line and what to fix.
public struct ScenarioParseError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }
}

/// Parses `.scn` files: bytes in, scenarios out (no I/O).
///
/// A file holds one or more scenarios; each starts with `name:`. Blank lines
/// and lines starting with `#` are ignored. Settings (`desc:`, `spec:`,
/// `features:`, `env:`, `control:`, `pki:`, `args:`, `queue-exit:`, `targets:`) may
/// appear anywhere in a scenario; the dialogue lines run in order:
///
///     > HELO x                 send "HELO x" CR LF (escapes \r \n \t \0 \\ \xHH)
///     >> DATA\n                send exactly these bytes
///     < 250 ok                 the next reply line, byte for byte
///     < ~ ^250 ok \d+ qp \d+$  the next reply line matches this regex
///     cram: alice secret       answer the last 334 challenge with CRAM-MD5
///     close                    shut down the client's sending side
///     eof                      the server has closed: no further reply
///     tls / tls: relay max=1.2 TLS handshake now (SuitePKI client certificate, versions, ciphers)
///     tls-refused: max=1.1     a handshake that must fail; then the server ends
///     silence: 1.5             nothing said either way for 1.5 s, connection open
///     within: 3                the next `<` or `eof` within 3 s
///     reconnect                close, then a new connection (later control:/pki: apply to it)
///     stderr: empty            qmail-smtpd's stderr (also `~ regex`, exact text)
///     queue: Fa@b\0Tc@d\0\0    next queued message's envelope (or `~ regex`)
///     queue-received: ~ …      its Received header (the first two lines)
///     queue-body: hello\n      the message after the Received header
///     expect-exit: 0           the process's exit status
///
/// `program: qmail-remote` (before anything else but settings) makes a
/// remote scenario: `peer:`, `host:`, `sender:`, `recipient:`, `message:`,
/// `pki:`, `sent:` and `report:` lines instead of the dialogue (see
/// `RemoteSetup` and scenarios/README.md).
public enum ScenarioParser {
    /// Parses one file's bytes; `file` names it in errors and reports.
    /// Cost: linear in the input, plus compiling each regex once to check it.
    public static func parse(_ bytes: [UInt8], file: String) throws(ScenarioParseError) -> [Scenario] {
        var scenarios: [Scenario] = []
        var names: Set<String> = []
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (offset, rawLine) in lines.enumerated() {
            let number = offset + 1
            func fail(_ message: String) -> ScenarioParseError { ScenarioParseError(file: file, line: number, message: message) }
            var lineBytes = Array(rawLine)
            if lineBytes.last == 13 { lineBytes.removeLast() }
            guard let text = String(validating: lineBytes, as: UTF8.self) else { throw fail("line is not UTF-8; write other bytes as \\xHH") }
            let trimmed = text.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }

            if let value = setting("name", text) {
                guard !value.isEmpty, !value.contains(" ") else { throw fail("name must be one word, e.g. name: helo-empty") }
                guard names.insert(value).inserted else { throw fail("scenario name '\(value)' is used twice in this file") }
                if let last = scenarios.last { try check(last, file: file) }
                scenarios.append(Scenario(name: value, file: file, line: number))
                continue
            }
            guard !scenarios.isEmpty else { throw fail("expected 'name: <scenario>' before anything else") }
            do {
                try apply(text, to: &scenarios[scenarios.count - 1], line: number)
            } catch {
                throw fail(error.description)
            }
        }
        if let last = scenarios.last { try check(last, file: file) }
        return scenarios
    }

    private struct LineError: Error { var description: String }

    private static func check(_ scenario: Scenario, file: String) throws(ScenarioParseError) {
        if let remote = scenario.remote {
            guard !remote.report.isEmpty else {
                throw ScenarioParseError(file: file, line: scenario.line,
                                         message: "remote scenario '\(scenario.name)' checks no report; add at least one 'report: …'")
            }
            return
        }
        guard scenario.steps.contains(where: {
            switch $0.kind {
            case .expect, .expectEOF, .refusedTLS, .silence: true
            default: false
            }
        }) else {
            throw ScenarioParseError(file: file, line: scenario.line,
                                     message: "scenario '\(scenario.name)' expects no reply line; add at least one '< …', 'eof', 'silence:' or 'tls-refused'")
        }
    }

    /// The value of `key: value` (or `key:` alone), if the line is that setting.
    private static func setting(_ key: String, _ line: String) -> String? {
        guard line.hasPrefix(key + ":") else { return nil }
        return String(line.dropFirst(key.count + 1).drop { $0 == " " })
    }

    private static func apply(_ text: String, to scenario: inout Scenario, line: Int) throws(LineError) {
        if let value = setting("program", text) {
            guard value == "qmail-remote" else { throw LineError(description: "program: takes qmail-remote (qmail-smtpd is the default)") }
            guard scenario.steps.isEmpty, scenario.environment.isEmpty, scenario.arguments.isEmpty, scenario.targets.isEmpty else {
                throw LineError(description: "program: qmail-remote must come before the dialogue, env:, args: and targets:")
            }
            scenario.remote = RemoteSetup()
            scenario.targets = ["build"]
            return
        }
        if try applyShared(text, to: &scenario, line: line) { return }
        if scenario.remote != nil {
            return try applyRemote(text, to: &scenario, line: line)
        }
        if let key = remoteOnlyKeys.first(where: { setting($0, text) != nil }) {
            throw LineError(description: "\(key): belongs to qmail-remote scenarios; put 'program: qmail-remote' first")
        }
        if text.hasPrefix(">> ") || text == ">>" {
            scenario.steps.append(Step(.send(try decode(text.dropFirst(3))), line: line))
        } else if text.hasPrefix("> ") || text == ">" {
            scenario.steps.append(Step(.send(try decode(text.dropFirst(2)) + [13, 10]), line: line))
        } else if text.hasPrefix("< ") || text == "<" {
            scenario.steps.append(Step(.expect(try match(String(text.dropFirst(2)))), line: line))
        } else if text == "close" {
            scenario.steps.append(Step(.close, line: line))
        } else if text == "eof" {
            scenario.steps.append(Step(.expectEOF, line: line))
        } else if text == "tls" {
            scenario.steps.append(Step(.startTLS(TLSOffer()), line: line))
        } else if let value = setting("tls", text) {
            scenario.steps.append(Step(.startTLS(try offer(value)), line: line))
        } else if text == "tls-refused" {
            scenario.steps.append(Step(.refusedTLS(TLSOffer()), line: line))
        } else if let value = setting("tls-refused", text) {
            scenario.steps.append(Step(.refusedTLS(try offer(value)), line: line))
        } else if let value = setting("silence", text) {
            scenario.steps.append(Step(.silence(seconds: try seconds(value, "silence")), line: line))
        } else if let value = setting("within", text) {
            scenario.steps.append(Step(.within(seconds: try seconds(value, "within")), line: line))
        } else if text == "reconnect" {
            scenario.steps.append(Step(.reconnect(controls: [:]), line: line))
        } else if let value = setting("stderr", text) {
            scenario.stderr = value == "empty" ? .exact([]) : try match(value)
        } else if let value = setting("pki", text) {
            try afterReconnect(&scenario) { scenario throws(LineError) in try applyPKI(value, to: &scenario, name: controlName) }
        } else if let value = setting("cram", text) {
            let words = value.split(separator: " ")
            guard words.count == 2 else { throw LineError(description: "cram: needs a user and a password, e.g. cram: alice secret") }
            scenario.steps.append(Step(.cramResponse(user: String(words[0]), password: String(words[1])), line: line))
        } else if let value = setting("env", text) {
            if value.hasPrefix("-") {
                scenario.environment[String(value.dropFirst())] = .some(nil)
            } else if let equals = value.firstIndex(of: "=") {
                scenario.environment[String(value[..<equals])] = String(decoding: try decode(value[value.index(after: equals)...]), as: UTF8.self)
            } else {
                throw LineError(description: "env: takes NAME=value, NAME= (empty) or -NAME (unset)")
            }
        } else if let value = setting("control", text) {
            try afterReconnect(&scenario) { scenario throws(LineError) in try applyControl(value, to: &scenario) }
        } else if let value = setting("args", text) {
            scenario.arguments = value.split(separator: " ").map(String.init)
        } else if let value = setting("queue-exit", text) {
            if value == "crash" { scenario.queueOutcome = .crash }
            else if let code = Int32(value), (0...255).contains(code) { scenario.queueOutcome = .exit(code) }
            else { throw LineError(description: "queue-exit: takes an exit status 0-255 or 'crash'") }
        } else if let value = setting("targets", text) {
            let kinds = Set(value.split(separator: " ").map(String.init))
            guard kinds.isSubset(of: ["ref", "build"]), !kinds.isEmpty else { throw LineError(description: "targets: takes ref and/or build") }
            scenario.targets = kinds
        } else {
            throw LineError(description: "cannot read '\(text)': expected '> ', '>> ', '< ', close, eof, tls, tls:, tls-refused, silence:, within:, reconnect, cram:, queue:, queue-received:, queue-body:, expect-exit:, stderr: or a setting (desc, spec, features, env, control, pki, args, queue-exit, targets)")
        }
    }

    /// `control:` and `pki:` lines after a `reconnect` change the setup of
    /// the connections from that `reconnect` on; before any, the scenario's.
    private static func afterReconnect(_ scenario: inout Scenario,
                                       _ apply: (inout Scenario) throws(LineError) -> Void) throws(LineError) {
        guard let index = scenario.steps.lastIndex(where: { if case .reconnect = $0.kind { true } else { false } }),
              case .reconnect(let controls) = scenario.steps[index].kind else {
            return try apply(&scenario)
        }
        var changes = Scenario(name: scenario.name, file: scenario.file, line: scenario.line)
        changes.controls = controls
        try apply(&changes)
        scenario.steps[index].kind = .reconnect(controls: changes.controls)
    }

    /// `tls:` and `tls-refused:` words: a suite certificate, `min=` and
    /// `max=` protocol versions, `ciphers=` a TLS 1.2 cipher list.
    private static func offer(_ value: String) throws(LineError) -> TLSOffer {
        let usage = "tls: takes a suite certificate (\(SuitePKI.items.sorted().joined(separator: " "))), min=VERSION, max=VERSION (1.0 1.1 1.2 1.3) and ciphers=LIST, e.g. tls: relay max=1.2"
        var offer = TLSOffer()
        for word in value.split(separator: " ").map(String.init) {
            if let version = word.split(separator: "=", maxSplits: 1).last, word.hasPrefix("min=") || word.hasPrefix("max=") {
                guard let parsed = TLSProtocolVersion(rawValue: String(version)) else { throw LineError(description: usage) }
                if word.hasPrefix("min=") { offer.minimumVersion = parsed } else { offer.maximumVersion = parsed }
            } else if word.hasPrefix("ciphers="), word.count > 8 {
                offer.ciphers = String(word.dropFirst(8))
            } else if SuitePKI.items.contains(word), offer.certificate == nil {
                offer.certificate = word
            } else {
                throw LineError(description: usage)
            }
        }
        return offer
    }

    private static func seconds(_ value: String, _ key: String) throws(LineError) -> Double {
        guard let seconds = Double(value), seconds > 0, seconds <= 60 else {
            throw LineError(description: "\(key): takes seconds (up to 60), e.g. \(key): 1.5")
        }
        return seconds
    }

    /// Lines both kinds of scenario take; false if `text` is none of them.
    private static func applyShared(_ text: String, to scenario: inout Scenario, line: Int) throws(LineError) -> Bool {
        if let value = setting("queue", text) {
            scenario.queue.append(QueuedMessage(envelope: try match(value), line: line))
        } else if let value = setting("queue-received", text) {
            guard !scenario.queue.isEmpty else { throw LineError(description: "queue-received: must follow a queue: line") }
            scenario.queue[scenario.queue.count - 1].received = try match(value)
        } else if let value = setting("queue-body", text) {
            guard !scenario.queue.isEmpty else { throw LineError(description: "queue-body: must follow a queue: line") }
            scenario.queue[scenario.queue.count - 1].body = try match(value)
        } else if let value = setting("expect-exit", text) {
            guard let status = Int32(value) else { throw LineError(description: "expect-exit: takes a number, e.g. expect-exit: 1") }
            scenario.exitStatus = status
        } else if let value = setting("desc", text) {
            scenario.summary = value
        } else if let value = setting("spec", text) {
            scenario.spec.append(value)
        } else if let value = setting("features", text) {
            try applyFeatures(value, to: &scenario)
        } else {
            return false
        }
        return true
    }

    private static let remoteOnlyKeys = ["peer", "host", "sender", "recipient", "message", "sent", "report"]

    /// `pki: name=item`: the control file `name` holds the suite certificate `item`.
    private static func applyPKI(_ value: String, to scenario: inout Scenario,
                                 name: (Substring) throws(LineError) -> String) throws(LineError) {
        guard let equals = value.firstIndex(of: "="), SuitePKI.items.contains(String(value[value.index(after: equals)...])) else {
            throw LineError(description: "pki: takes name=item with an item of the suite's certificates: \(SuitePKI.items.sorted().joined(separator: " ")), e.g. pki: clientca.pem=ca")
        }
        scenario.controls[try name(value[..<equals])] = .certificate(String(value[value.index(after: equals)...]))
    }

    /// The lines of a `program: qmail-remote` scenario (see scenarios/README.md).
    private static func applyRemote(_ text: String, to scenario: inout Scenario, line: Int) throws(LineError) {
        var remote = scenario.remote!
        defer { scenario.remote = remote }
        if let value = setting("peer", text) {
            try applyPeer(value, to: &remote.peer)
        } else if let value = setting("host", text) {
            remote.host = try word(value, "host: takes one name, e.g. host: example.net")
        } else if let value = setting("sender", text) {
            remote.sender = value
        } else if let value = setting("recipient", text) {
            remote.recipients.append(try word(value, "recipient: takes one address, e.g. recipient: bob@example.net"))
        } else if let value = setting("message", text) {
            remote.message = try decode(Substring(value))
        } else if let value = setting("pki", text) {
            try applyPKI(value, to: &scenario, name: controlPath)
        } else if let value = setting("sent", text) {
            remote.sent.append(LineExpectation(try match(value), line: line))
        } else if let value = setting("report", text) {
            remote.report.append(LineExpectation(try match(value), line: line))
        } else if let value = setting("control", text) {
            try applyControl(value, to: &scenario, name: controlPath)
        } else {
            throw LineError(description: "cannot read '\(text)' in a qmail-remote scenario: expected peer:, host:, sender:, recipient:, message:, control:, pki:, sent:, report:, queue:, queue-received:, queue-body:, expect-exit:, desc:, spec: or features:")
        }
    }

    /// `peer: certificate NAME`, `peer: smtps`, `peer: auth MECH…`, `peer: answer VERB REPLY`.
    private static func applyPeer(_ value: String, to peer: inout PeerSetup) throws(LineError) {
        let words = value.split(separator: " ", maxSplits: 2).map(String.init)
        switch words.first {
        case "certificate":
            guard words.count == 2, SuitePKI.peerCertificates.contains(words[1]) else {
                throw LineError(description: "peer: certificate takes \(SuitePKI.peerCertificates.sorted().joined(separator: ", "))")
            }
            peer.certificate = words[1]
        case "smtps" where words.count == 1:
            peer.smtps = true
        case "auth" where words.count > 1:
            peer.authOffer = value.split(separator: " ").dropFirst().map(String.init)
        case "answer" where words.count == 3:
            peer.answers[words[1].uppercased()] = try decode(Substring(words[2]))
        default:
            throw LineError(description: "peer: takes 'certificate NAME', 'smtps', 'auth MECHANISM…' or 'answer VERB REPLY'")
        }
        if peer.smtps && peer.certificate == nil {
            throw LineError(description: "peer: smtps needs a 'peer: certificate NAME' line before it")
        }
    }

    private static func word(_ value: String, _ usage: String) throws(LineError) -> String {
        guard !value.isEmpty, !value.contains(" ") else { throw LineError(description: usage) }
        return value
    }

    /// A control file of qmail-remote: a name, or one folder level below tlshosts/ or notlshosts/.
    private static func controlPath(_ path: Substring) throws(LineError) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, ["tlshosts", "notlshosts"].contains(parts[0]) {
            return "\(parts[0])/\(try controlName(parts[1]))"
        }
        return try controlName(path)
    }

    private static func applyFeatures(_ value: String, to scenario: inout Scenario) throws(LineError) {
        for word in value.split(separator: " ") {
            let excluded = word.hasPrefix("!")
            let name = String(excluded ? word.dropFirst() : word)
            guard let feature = Features.named(name) else {
                throw LineError(description: "\(Features.UnknownName(name: name))")
            }
            if excluded { scenario.features.excluded.insert(feature) } else { scenario.features.required.insert(feature) }
        }
    }

    /// `control: name=line` (repeat to add lines), `control: -name` (absent),
    /// `control: name/` (a directory: unreadable).
    private static func applyControl(_ value: String, to scenario: inout Scenario,
                                     name controlName: (Substring) throws(LineError) -> String = controlName) throws(LineError) {
        if value.hasPrefix("-") {
            scenario.controls[try controlName(value.dropFirst())] = .absent
        } else if value.hasSuffix("/") {
            scenario.controls[try controlName(value.dropLast())] = .directory
        } else if let equals = value.firstIndex(of: "=") {
            let name = try controlName(value[..<equals])
            let line = try decode(value[value.index(after: equals)...]) + [10]
            if case .contents(let earlier)? = scenario.controls[name] {
                scenario.controls[name] = .contents(earlier + line)
            } else {
                scenario.controls[name] = .contents(line)
            }
        } else {
            throw LineError(description: "control: takes name=line, -name (absent) or name/ (unreadable)")
        }
    }

    private static func controlName(_ name: Substring) throws(LineError) -> String {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw LineError(description: "'\(name)' is not a control file name")
        }
        return String(name)
    }

    private static func decode(_ text: Substring) throws(LineError) -> [UInt8] {
        do { return try ByteEscapes.decode(text) } catch { throw LineError(description: error.description) }
    }

    private static func match(_ text: String) throws(LineError) -> LineMatch {
        if text.hasPrefix("~ ") {
            let pattern = String(text.dropFirst(2))
            do { _ = try NSRegularExpression(pattern: pattern) } catch {
                throw LineError(description: "invalid regular expression '\(pattern)'")
            }
            return .regex(pattern)
        }
        return .exact(try decode(Substring(text)))
    }
}
