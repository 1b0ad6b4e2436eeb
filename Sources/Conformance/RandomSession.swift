import Foundation
import SeededRandom

/// Random qmail-smtpd sessions for differential testing (sans-IO: a seed in,
/// a `RandomSession` out). A session has a random setting — environment
/// (`SMTPAUTH`, `FORCETLS`, `RELAYCLIENT`, `ALLOW_BARELF`, `DATABYTES`),
/// control files (rcpthosts, badmailfrom, databytes, maxrcpt, policy), the
/// check program and the queue program's exit — and a random dialogue of
/// HELO/EHLO/MAIL/RCPT/DATA/RSET/NOOP/VRFY/HELP/QUIT, AUTH exchanges (PLAIN,
/// LOGIN, CRAM-MD5 with right and wrong credentials for the suite's
/// checkpassword stand-in, cancels, malformed answers) and junk lines, over
/// addresses of local, remote and policy domains with odd bytes now and then.
/// There is no STARTTLS: TLS has scenarios of its own (tls*.scn), and the
/// two TLS libraries settle on different ciphers, which the Received line shows.
///
/// Nothing is expected of the server: `SessionSweep` plays a session on two
/// targets and compares what they answer. The generator is not tuned to what
/// either implementation does; the same seed gives the same session on every
/// platform (`SplitMix64` is SplitMix64, fully specified).
public struct RandomSession: Sendable, Equatable {
    /// The seed the session was made from.
    public var seed: UInt64
    /// Environment, control files, arguments, queue outcome; no steps.
    public var setting: Scenario
    /// The dialogue in units that are kept or dropped whole when shrinking: a
    /// command line, or an AUTH exchange with its answers, or DATA with its
    /// message lines and the final dot.
    public var units: [[Step.Kind]]

    public init(seed: UInt64, setting: Scenario, units: [[Step.Kind]]) {
        self.seed = seed
        self.setting = setting
        self.units = units
    }

    /// The session as a scenario: the setting with every unit's steps, in order.
    /// It has no expectations; `SessionSweep.play` reads whatever replies come.
    public var scenario: Scenario {
        var scenario = setting
        var line = setting.line + 1
        scenario.steps = units.flatMap { $0 }.map { kind in
            defer { line += 1 }
            return Step(kind, line: line)
        }
        return scenario
    }

    /// The session for `seed`. Cost: a few microseconds.
    public static func generate(seed: UInt64) -> RandomSession {
        var random = SplitMix64(seed: seed)
        var setting = Scenario(name: "random-\(SplitMix64.hex(seed))", file: "random-session", line: 1)
        setting.summary = "random session, seed \(SplitMix64.hex(seed))"
        setting.spec = ["docs/README.md#combining-features"]
        Setting.environment(&random, into: &setting)
        Setting.controls(&random, into: &setting)
        Setting.arguments(&random, into: &setting)
        Setting.queue(&random, into: &setting)
        let offered = Dialogue.mechanisms(setting.environment["SMTPAUTH"] ?? nil)
        var units: [[Step.Kind]] = []
        // A client that sees AUTH offered often logs in first.
        if !offered.isEmpty && random.chance(40) {
            if random.chance(50) { units.append([Dialogue.line("EHLO client.example")]) }
            let login = random.chance(75) ? random.pick([CheckPasswordStandIn.user, CheckPasswordStandIn.addressUser]) : nil
            units.append(Dialogue.auth(&random, offered: offered, login: login))
        }
        let count = units.count + 1 + random.below(random.chance(20) ? 40 : 16)
        while units.count < count {
            if random.chance(40) {
                // A whole transaction, one unit per command: MAIL, RCPTs, DATA.
                units.append([Dialogue.mail(&random)])
                for _ in 0..<(1 + random.below(4)) { units.append([Dialogue.rcpt(&random)]) }
                if random.chance(75) { units.append(Dialogue.data(&random)) }
            } else {
                units.append(Dialogue.unit(&random, offered: offered))
            }
        }
        return RandomSession(seed: seed, setting: setting, units: units)
    }

    // MARK: - Setting

    enum Setting {
        /// Values from every row of docs/auth.md#smtpauth, in odd cases too.
        static let smtpAuthValues = ["", "-", "cram", "CRAM", "cramx", "+cram", "+CRAM-MD5", "yes", "-x", "plain",
                                     "!", "!x", "!-", "!cram", "!CRAM-MD5", "!+cram", "!+Cram", "!!", "! cram"]

        static func environment(_ random: inout SplitMix64, into scenario: inout Scenario) {
            if random.chance(85) { scenario.environment["SMTPAUTH"] = random.pick(smtpAuthValues) }
            // FORCETLS=0 most of the time: without STARTTLS a strict FORCETLS hides AUTH.
            switch random.below(10) {
            case 0..<7: scenario.environment["FORCETLS"] = "0"
            case 7: scenario.environment["FORCETLS"] = ""
            case 8: scenario.environment["FORCETLS"] = "1"
            default: break
            }
            switch random.below(20) {
            case 0..<5: scenario.environment["RELAYCLIENT"] = ""
            case 5: scenario.environment["RELAYCLIENT"] = "@relay.test"
            default: break
            }
            switch random.below(10) {
            case 0..<2: scenario.environment["ALLOW_BARELF"] = ""
            case 2..<4: scenario.environment["ALLOW_BARELF"] = "1"
            default: break
            }
            if random.chance(5) { scenario.environment["DATABYTES"] = random.pick(["0", "40", "200"]) }
        }

        static let rcpthostsLines = ["example.org", ".example.net", "example.com", "other.test", "EXAMPLE.COM",
                                     "sub.example.net", "bad.test"]
        static let badmailfromLines = ["a@bad.test", "@bad.test", "@Other.Test", "x@example.com", "@example.net"]

        static func controls(_ random: inout SplitMix64, into scenario: inout Scenario) {
            switch random.below(20) {
            case 0..<9: break // the base: example.org and .example.net
            case 9: scenario.controls["rcpthosts"] = .absent
            default:
                // Mostly with the domains the addresses use, so that recipients get past relaying.
                var lines = rcpthostsLines.filter { _ in random.chance(40) }
                if random.chance(80) { lines.insert("example.org", at: 0) }
                if random.chance(60) { lines.insert("example.com", at: 0) }
                if lines.isEmpty { lines = ["example.org"] }
                scenario.controls["rcpthosts"] = file(lines)
            }
            if random.chance(25) {
                let lines = badmailfromLines.filter { _ in random.chance(40) }
                scenario.controls["badmailfrom"] = file(lines.isEmpty ? [random.pick(badmailfromLines)] : lines)
            }
            if random.chance(20) { scenario.controls["databytes"] = file([random.pick(["0", "30", "120", "4000"])]) }
            if random.chance(55) {
                scenario.controls["maxrcpt"] = file([random.pick(["0", "1", "1", "2", "2", "3", "5", "", "many"])])
            }
            switch random.below(100) {
            case 0..<40: break
            case 40..<42: scenario.controls["policy"] = .directory
            default: scenario.controls["policy"] = .contents(Array(PolicyText.file(&random).utf8))
            }
        }

        static func file(_ lines: [String]) -> ControlFile {
            .contents(Array(lines.map { $0 + "\n" }.joined().utf8))
        }

        static func arguments(_ random: inout SplitMix64, into scenario: inout Scenario) {
            switch random.below(20) {
            case 0..<16: scenario.arguments = [CheckPasswordStandIn.argumentName]
            case 16..<19: scenario.arguments = []
            default: scenario.arguments = [CheckPasswordStandIn.argumentName, "/bin/true"]
            }
        }

        /// docs/stock-smtpd.md#queue-exit-codes: mostly success.
        static func queue(_ random: inout SplitMix64, into scenario: inout Scenario) {
            guard random.chance(12) else { return }
            scenario.queueOutcome = random.chance(15) ? .crash : .exit(Int32(random.pick([11, 31, 51, 53, 61, 71, 74, 81, 91, 100, 120])))
        }
    }

    /// Policy files in the docs/empf.md#syntax format over the session's
    /// domains; now and then one syntax error.
    enum PolicyText {
        static let domains = ["example.com", "example.org", "other.test", "sub.example.net", "relay.test"]
        static let users = ["x", "sales", "tasks", "alice", "boss"]

        static func file(_ random: inout SplitMix64) -> String {
            var lines: [String] = []
            var domains = domains
            for _ in 0..<(1 + random.below(3)) {
                let domain = domains.remove(at: random.below(domains.count))
                var line = random.mixCase(domain, 10) + ":" + policy(&random) + ","
                var users = users
                for _ in 0..<random.below(3) {
                    let user = users.remove(at: random.below(users.count))
                    line += random.mixCase(user, 10) + ":" + policy(&random) + ","
                }
                lines.append(line)
            }
            if random.chance(15) { lines.insert(random.pick(["", "# comment", "; x:r,"]), at: random.below(lines.count + 1)) }
            if random.chance(7) {
                let index = random.below(lines.count)
                switch random.below(4) {
                case 0: lines[index] = String(lines[index].dropLast())
                case 1: lines[index] = lines[index].replacingFirst(":", with: ":X")
                case 2: lines[index] = lines[index].replacingFirst(":", with: ":R(")
                default: lines.append(lines[index])
                }
            }
            return lines.map { $0 + "\n" }.joined()
        }

        static func policy(_ random: inout SplitMix64) -> String {
            var text = ""
            for _ in 0..<random.below(5) {
                text.append(random.pick(Array("LlRrIiEe")))
                if random.chance(30) {
                    text += "(" + (0...random.below(2)).map { _ in pattern(&random) }.joined(separator: ",") + ")"
                }
            }
            return text
        }

        static func pattern(_ random: inout SplitMix64) -> String {
            switch random.below(6) {
            case 0: return "*@" + random.pick(domains)
            case 1: return random.pick(users) + "@*"
            case 2: return "*@*.example.net"
            case 3: return "?@" + random.pick(domains)
            case 4: return random.mixCase(random.pick(users) + "@" + random.pick(domains), 20)
            default: return "*"
            }
        }
    }

    // MARK: - Dialogue

    enum Dialogue {
        static func line(_ text: String) -> Step.Kind { .send(Array(text.utf8) + [13, 10]) }
        static func bytes(_ bytes: [UInt8]) -> Step.Kind { .send(bytes + [13, 10]) }

        static func unit(_ random: inout SplitMix64, offered: [String]) -> [Step.Kind] {
            switch random.below(100) {
            case 0..<6: return [line(random.pick(["HELO", "helo"]) + random.pick([" client.example", "", " [127.0.0.1]"]))]
            case 6..<14: return [line(random.pick(["EHLO", "ehlo"]) + random.pick([" client.example", "", " x"]))]
            case 14..<30: return [mail(&random)]
            case 30..<54: return [rcpt(&random)]
            case 54..<64: return data(&random)
            case 64..<67: return [line(random.pick(["RSET", "rset", "RSET x"]))]
            case 67..<70: return [line(random.pick(["NOOP", "VRFY x@example.org", "HELP"]))]
            case 70..<88: return auth(&random, offered: offered)
            case 88..<90: return [line(random.pick(["QUIT", "quit"]))]
            default: return [junk(&random)]
            }
        }

        static let localParts = ["x", "y", "alice", "sales", "tasks", "boss", "postmaster", "a.b", "a"]
        static let domains = ["example.com", "example.com", "example.org", "example.org", "Example.COM", "example.net",
                              "sub.example.net", "sub.example.net", "other.test", "other.test", "bad.test", "third.test",
                              "relay.test", "[127.0.0.1]"]

        /// An address as it appears between `<` and `>` (raw bytes).
        static func address(_ random: inout SplitMix64) -> [UInt8] {
            switch random.below(100) {
            case 0..<4: return []
            case 4..<7: return Array(random.pick(localParts).utf8)
            case 7..<15: return oddAddress(&random)
            default:
                return Array((random.mixCase(random.pick(localParts), 8) + "@" + random.pick(domains)).utf8)
            }
        }

        /// Bytes a client should not send but may: 8-bit, control bytes, CR,
        /// quotes, backslashes, a source route, a long local part.
        static func oddAddress(_ random: inout SplitMix64) -> [UInt8] {
            let domain = Array(random.pick(domains).utf8)
            switch random.below(9) {
            case 0: return Array("j".utf8) + [0xC3, 0xA9] + Array("r".utf8) + [UInt8(ascii: "@")] + domain
            case 1: return [0x61, 0x01, 0x62, 0x7F, UInt8(ascii: "@")] + domain
            case 2: return [0x61, 0x0D, 0x62, UInt8(ascii: "@")] + domain
            case 3: return Array("\"q u\"@".utf8) + domain
            case 4: return Array("a\\>b@".utf8) + domain
            case 5: return Array("@relay.test,@x.test:y@".utf8) + domain
            case 6: return Array(repeating: UInt8(ascii: "l"), count: random.pick([890, 899, 1200])) + [UInt8(ascii: "@")] + domain
            case 7: return [0xFF, 0x09, UInt8(ascii: "x"), UInt8(ascii: "@")] + domain
            default: return Array("x@".utf8) + domain + [UInt8(ascii: "@")]
            }
        }

        /// One of `verbs`, then a random `<address>` (`bracketed`% of the time) or one of `bare`.
        static func addressCommand(_ random: inout SplitMix64, verbs: [String], bracketed: Int, bare: [String]) -> [UInt8] {
            let verb = Array(random.pick(verbs).utf8)
            guard random.chance(bracketed) else { return verb + Array(random.pick(bare).utf8) }
            return verb + [UInt8(ascii: "<")] + address(&random) + [UInt8(ascii: ">")]
        }

        static func mail(_ random: inout SplitMix64) -> Step.Kind {
            var text = addressCommand(&random, verbs: ["MAIL FROM:", "mail from:", "MAIL FROM: ", "MAIL "], bracketed: 90,
                                      bare: ["a@example.com", "x@example.com x", ""])
            if random.chance(15) {
                text += Array(random.pick([" SIZE=10", " SIZE=100000", " SIZE=", " AUTH=<>", " AUTH=x@example.com",
                                           " BODY=8BITMIME", " size=35"]).utf8)
            }
            return bytes(text)
        }

        static func rcpt(_ random: inout SplitMix64) -> Step.Kind {
            bytes(addressCommand(&random, verbs: ["RCPT TO:", "rcpt to:", "RCPT TO: ", "RCPT "], bracketed: 92,
                                 bare: ["x@example.org", "x@other.test", ""]))
        }

        /// DATA, message lines (dot-stuffed or not, 8-bit, bare LF, long), the dot.
        static func data(_ random: inout SplitMix64) -> [Step.Kind] {
            var steps = [line(random.pick(["DATA", "data", "DATA x"]))]
            for _ in 0..<random.below(6) {
                switch random.below(12) {
                case 0: steps.append(line("Subject: random"))
                case 1: steps.append(line(""))
                case 2: steps.append(line("..leading dot"))
                case 3: steps.append(line(".x"))
                case 4: steps.append(bytes(Array("8bit ".utf8) + [0xE9, 0x80]))
                case 5: steps.append(.send(Array("bare LF\nin the middle".utf8) + [13, 10]))
                case 6: steps.append(.send(Array("ends in a bare LF\n".utf8)))
                case 7: steps.append(.send(Array("CR\rinside".utf8) + [13, 10]))
                case 8: steps.append(line(String(repeating: "z", count: random.pick([50, 150]))))
                case 9: steps.append(line("Received: from elsewhere"))
                default: steps.append(line("hello world"))
                }
            }
            steps.append(line("."))
            return steps
        }

        static func base64(_ bytes: [UInt8]) -> String {
            let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
            var text = ""
            var index = 0
            while index < bytes.count {
                let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
                let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
                for position in 0..<4 {
                    text.append(position <= chunk.count ? table[(value >> (18 - 6 * position)) & 63] : "=")
                }
                index += 3
            }
            return text
        }

        static let users = ["alice", "alice", "alice", "alice@example.com", "alice@example.com", "bob", "crash", "Alice"]
        static let passwords = ["secret", "secret", "secret", "wrong", ""]

        /// The mechanisms docs/auth.md#smtpauth offers for an SMTPAUTH value
        /// (`nil` = unset): what a client that read the EHLO reply would pick from.
        static func mechanisms(_ smtpAuth: String?) -> [String] {
            guard var value = smtpAuth?.lowercased(), value != "-" else { return [] }
            if value.hasPrefix("!") { value.removeFirst() }
            if value.hasPrefix("cram") { return ["CRAM-MD5"] }
            if value.hasPrefix("+cram") { return ["LOGIN", "PLAIN", "CRAM-MD5"] }
            return ["LOGIN", "PLAIN"]
        }

        /// An AUTH command with the lines that answer its prompts (sent
        /// whatever the server says; a refused AUTH turns them into commands).
        /// Mostly with a mechanism of `offered`, as a client would choose.
        static func auth(_ random: inout SplitMix64, offered: [String], login: String? = nil) -> [Step.Kind] {
            var user = random.pick(users), password = random.pick(passwords)
            if let login { (user, password) = (login, CheckPasswordStandIn.password) }
            let verb = random.pick(["AUTH", "AUTH", "auth"])
            let answerStar = random.chance(8)
            let choice: Int
            if !offered.isEmpty && random.chance(70) {
                choice = switch random.pick(offered) {
                case "PLAIN": random.below(38)
                case "LOGIN": 38 + random.below(30)
                default: 68 + random.below(20)
                }
            } else {
                choice = random.below(100)
            }
            switch choice {
            case 0..<38:
                let mechanism = random.pick(["PLAIN", "PLAIN", "plain"])
                var credential = Array(random.pick(["", "", "authz"]).utf8) + [0] + Array(user.utf8) + [0] + Array(password.utf8)
                if random.chance(8) { credential = random.pick([Array("alice\u{0}secret".utf8), Array("a\u{0}b\u{0}c\u{0}d".utf8)]) }
                let encoded = random.chance(6) ? random.pick(["=", "!!!", "AGFsaWNl", "*", ""]) : base64(credential)
                if random.chance(50) {
                    return [line("\(verb) \(mechanism) \(encoded)")]
                }
                return [line("\(verb) \(mechanism)"), line(answerStar ? "*" : encoded)]
            case 38..<68:
                let mechanism = random.pick(["LOGIN", "login"])
                let encodedUser = random.chance(5) ? "not base64!" : base64(Array(user.utf8))
                let encodedPassword = answerStar ? "*" : (random.chance(5) ? "" : base64(Array(password.utf8)))
                if random.chance(30) {
                    return [line("\(verb) \(mechanism) \(encodedUser)"), line(encodedPassword)]
                }
                return [line("\(verb) \(mechanism)"), line(encodedUser), line(encodedPassword)]
            case 68..<88:
                let mechanism = random.pick(["CRAM-MD5", "cram-md5"])
                if random.chance(8) { return [line("\(verb) \(mechanism) \(base64(Array(user.utf8)))")] }
                if answerStar { return [line("\(verb) \(mechanism)"), line("*")] }
                return [line("\(verb) \(mechanism)"), .cramResponse(user: user, password: password.isEmpty ? "x" : password)]
            default:
                return [line(random.pick(["AUTH", "AUTH DIGEST-MD5", "AUTH XOAUTH2 abc", "AUTH  PLAIN", "AUTH PLAIN\tx"]))]
            }
        }

        static func junk(_ random: inout SplitMix64) -> Step.Kind {
            random.pick([
                line("EXPN x"), line(""), line(" MAIL FROM:<a@example.com>"), line("MAIL\tFROM:<a@example.com>"),
                line("BDAT 10"), line("X"), .send(Array("NOOP\n".utf8)), .send(Array("RSET\r\r\n".utf8)),
                bytes([0x80, 0xFF]), line("HELO\u{1}"),
            ])
        }
    }
}

/// The seeds of a sweep, written and read as the reports show them.
extension SplitMix64 {
    /// The seed of the `index`th session of a sweep that starts at `seed`.
    public static func sessionSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
        var mixer = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        return mixer.next()
    }

    public static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    /// Decimal or `0x` hex.
    public static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed.hasPrefix("0x") { return UInt64(trimmed.dropFirst(2), radix: 16) }
        return UInt64(trimmed)
    }
}

private extension String {
    func replacingFirst(_ target: Character, with replacement: String) -> String {
        guard let found = firstIndex(of: target) else { return self }
        return String(self[..<found]) + replacement + String(self[index(after: found)...])
    }
}
