import Foundation
import SMTPEngine

/// Finds out which of our features a build that does not record them
/// carries, by asking its qmail-smtpd: the EHLO reply with a server
/// certificate and a check program shows tls (STARTTLS) and auth (an AUTH
/// line with `FORCETLS=0`); forcetls is auth's line missing once `FORCETLS`
/// is unset. The features that change no reply until configured are told
/// by the name of what configures them in the binary: `control/maxrcpt`
/// (maxrcpt), `control/policy` (empf), `ALLOW_BARELF` (liberal-lf); msgid-log,
/// which changes qmail-send only, by `msgid <none>` in the qmail-send next to
/// qmail-smtpd. Every verdict comes with the evidence, for the report.
struct FeatureProbe {
    let smtpd: URL
    let checkProgram: URL

    /// One qmail-smtpd run: what its view's control/ holds, its environment and arguments.
    struct Session {
        var program: String
        var arguments: [String]
        var environment: [String: String]
        var controls: [String: ControlFile]
    }

    typealias Start = (Session) throws -> SpawnedServer

    struct ProbeError: Error, CustomStringConvertible {
        var description: String
    }

    /// The greeting name `checkHome` gives.
    static let probeName = "view-check.qmailkit.invalid"

    /// Fails unless qmail-smtpd greets with the view's control/me: then its
    /// compiled-in home is not the one the layout named, and scenarios would
    /// test nothing of ours.
    func checkHome(start: Start) throws {
        let server = try start(session(controls: ["me": .contents(Array((Self.probeName + "\n").utf8))], environment: [:]))
        let greeting = server.nextLine(timeout: 5)
        server.send(Array("QUIT\r\n".utf8))
        _ = server.waitForExit(timeout: 5)
        guard case .line(let line) = greeting, line == Array("220 \(Self.probeName) ESMTP".utf8) else {
            throw ProbeError(description: "\(smtpd.path) did not greet with the control/me of the view bound over its home "
                + "(it answered \(Self.describe(greeting))): it reads its control files from another qmail home than the one verify found")
        }
    }

    /// The features and, for each of the table's features, why it was judged so.
    func run(start: Start) throws -> (features: Features, evidence: [String]) {
        var features: Features = []
        var evidence: [String] = []
        let relaxed = try ehlo(environment: ["SMTPAUTH": "", "FORCETLS": "0"], start: start)
        if relaxed.contains(where: { $0.hasPrefix("STARTTLS") }) {
            features.insert(.tls)
            evidence.append("tls: yes, EHLO offers STARTTLS with control/servercert.pem present")
        } else {
            evidence.append("tls: no, EHLO offers no STARTTLS with control/servercert.pem present")
        }
        if let line = relaxed.first(where: { $0.hasPrefix("AUTH ") }) {
            features.insert(.auth)
            evidence.append("auth: yes, EHLO offers '\(line)' with a check program and SMTPAUTH set")
        } else {
            evidence.append("auth: no, EHLO offers no AUTH with a check program and SMTPAUTH set")
        }
        if features.isSuperset(of: [.auth, .tls]) {
            let strict = try ehlo(environment: ["SMTPAUTH": ""], start: start)
            if strict.contains(where: { $0.hasPrefix("AUTH ") }) {
                evidence.append("forcetls: no, EHLO offers AUTH before TLS with FORCETLS unset")
            } else {
                features.insert(.forceTLS)
                evidence.append("forcetls: yes, EHLO offers AUTH before TLS only with FORCETLS=0")
            }
        } else {
            evidence.append("forcetls: no, it needs auth and tls")
        }
        let binary = try Data(contentsOf: smtpd)
        for (feature, marker) in [(Features.liberalLF, "ALLOW_BARELF"), (.maxRecipients, "control/maxrcpt"), (.empf, "control/policy")] {
            let name = Features.table.first { $0.feature == feature }!.name
            if binary.range(of: Data(marker.utf8)) != nil {
                features.insert(feature)
                evidence.append("\(name): yes, \(smtpd.lastPathComponent) contains \"\(marker)\"")
            } else {
                evidence.append("\(name): no, \(smtpd.lastPathComponent) does not contain \"\(marker)\"")
            }
        }
        let send = smtpd.deletingLastPathComponent().appendingPathComponent("qmail-send")
        let marker = "msgid <none>"
        if let binary = try? Data(contentsOf: send), binary.range(of: Data(marker.utf8)) != nil {
            features.insert(.msgidLog)
            evidence.append("msgid-log: yes, qmail-send contains \"\(marker)\"")
        } else {
            evidence.append("msgid-log: no, \(send.path) is missing or does not contain \"\(marker)\"")
        }
        return (features, evidence)
    }

    /// The EHLO reply's lines after the greeting line, without `250-`/`250 `.
    private func ehlo(environment: [String: String], start: Start) throws -> [String] {
        var controls = ScenarioBase.controls.mapValues(ControlFile.contents)
        controls["servercert.pem"] = .certificate("server")
        let server = try start(session(controls: controls, environment: environment, arguments: [checkProgram.path]))
        defer { _ = server.waitForExit(timeout: 5) }
        let greeting = server.nextLine(timeout: 5)
        guard case .line(let first) = greeting, first.starts(with: Array("220 ".utf8)) else {
            throw ProbeError(description: "\(smtpd.path) did not greet (it answered \(Self.describe(greeting))); cannot probe its features")
        }
        server.send(Array("EHLO probe.qmailkit.invalid\r\nQUIT\r\n".utf8))
        var lines: [String] = []
        while case .line(let line) = server.nextLine(timeout: 5) {
            let text = String(decoding: line, as: UTF8.self)
            guard text.hasPrefix("250") else { break }
            lines.append(String(text.dropFirst(4)))
            if text.hasPrefix("250 ") { break }
        }
        guard !lines.isEmpty else {
            throw ProbeError(description: "\(smtpd.path) did not answer EHLO with 250; cannot probe its features")
        }
        return Array(lines.dropFirst())
    }

    private func session(controls: [String: ControlFile], environment: [String: String], arguments: [String] = []) -> Session {
        var variables = ScenarioBase.environment
        variables["PATH"] = "/usr/bin:/bin"
        for (name, value) in environment { variables[name] = value }
        return Session(program: smtpd.path, arguments: arguments, environment: variables, controls: controls)
    }

    private static func describe(_ read: LineRead) -> String {
        switch read {
        case .line(let line): "'\(ByteEscapes.encode(line))'"
        case .closed: "nothing, it closed the connection"
        case .timedOut: "nothing within 5 s"
        }
    }
}

extension Features {
    /// The names, comma-separated, or `none`.
    public var listed: String { isEmpty ? "none" : names.joined(separator: ", ") }
}
