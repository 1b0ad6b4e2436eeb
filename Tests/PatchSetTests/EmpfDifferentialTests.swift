import Foundation
import SMTPEngine
import Testing
import TestSupport

/// The empf patch's policy.c against the reference engine's `MessagingPolicy`: random
/// policy files (domains from a small set, letters in both cases, pattern lists, user
/// elements, comments, now and then a syntax error) × random sender/recipient/authenticated
/// triples, each answered by both. docs/empf.md is the authority for both sides.
///
/// The sweep is seeded: `QMAILKIT_EMPF_SWEEP_SEED` (decimal or 0x-hex) and
/// `QMAILKIT_EMPF_SWEEP_COUNT` (policy files; 20 triples each) override the defaults,
/// so one large sweep can be run by hand, e.g.
/// `QMAILKIT_EMPF_SWEEP_COUNT=20000 swift test --filter EmpfDifferentialTests`.
/// A failure names the seed, the file number, the files and the triple.
@Suite(.ownThread, realTree)
struct EmpfDifferentialTests {
    static let defaultSeed: UInt64 = 0x2026_1203_e3bf
    static let defaultFiles = 200
    static let triplesPerFile = 20
    /// Mismatches reported one by one; the rest are only counted.
    static let reportedMismatches = 10

    typealias Verdict = EmpfVerdictCheck.Verdict
    typealias Query = EmpfVerdictCheck.Query

    @Test("the C driver gives docs/empf.md's worked examples, in every direction")
    func driverAgreesWithWorkedExamples() async throws {
        let build = try PatchedBuild.sandbox(features: Selection.empf)
        let check = try EmpfVerdictCheck.compiled(for: build)
        typealias W = PolicyFixture.Worked
        let rows: [(String, String, String, Bool, Verdict)] = [
            (W.closed, "x@example.com", "y@example.com", true, .allow),
            (W.closed, "x@example.com", "y@example.com", false, .deny),
            (W.closed, "x@example.com", "a@other.test", true, .deny),
            (W.closed, "a@other.test", "x@example.com", false, .deny),
            (W.sendOut, "a@other.test", "x@example.com", false, .deny),
            (W.sendOut, "x@example.com", "a@other.test", true, .allow),
            (W.sendOut, "x@example.com", "y@example.com", true, .allow),
            (W.sales, "sales@example.com", "a@other.test", true, .allow),
            (W.sales, "a@other.test", "sales@example.com", false, .allow),
            (W.sales, "x@example.com", "a@other.test", true, .deny),
            (W.sales, "a@other.test", "x@example.com", false, .deny),
            (W.tasks, "tasks@example.com", "a@example.org", true, .allow),
            (W.tasks, "a@example.org", "tasks@example.com", false, .allow),
            (W.tasks, "tasks@example.com", "a@other.test", true, .deny),
            (W.tasks, "a@other.test", "tasks@example.com", false, .deny),
            (W.tasks, "tasks@example.com", "x@example.com", true, .allow),
            (W.tasks, "x@example.com", "a@example.org", true, .deny),
        ]
        for (policy, sender, recipient, authenticated, expected) in rows {
            let query = Query(sender: sender, recipient: recipient, authenticated: authenticated)
            let got = try check.verdicts(policy: policy, rcpthosts: W.rcpthosts, [query])
            #expect(got == [expected], "\(policy.debugDescription) \(query)")
        }
    }

    @Test("random policy files: policy.c and SMTPEngine.MessagingPolicy give the same verdict")
    func cAndEngineAgree() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["QMAILKIT_EMPF_SWEEP_SEED"].flatMap(Self.parseSeed) ?? Self.defaultSeed
        let files = environment["QMAILKIT_EMPF_SWEEP_COUNT"].flatMap { Int($0) } ?? Self.defaultFiles
        let build = try PatchedBuild.sandbox(features: Selection.empf)
        let check = try EmpfVerdictCheck.compiled(for: build)

        var mismatches = 0
        var compared = 0
        var tally: [Verdict: Int] = [:]
        for index in 0..<files {
            var random = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
            let world = PolicyWorld.generate(&random)
            let queries = (0..<Self.triplesPerFile).map { _ in world.query(&random) }
            let fromC = try check.verdicts(policy: world.policy, rcpthosts: world.rcpthosts, queries)
            let fromEngine = Self.engineVerdicts(world, queries)
            for (position, query) in queries.enumerated() {
                compared += 1
                tally[fromC[position], default: 0] += 1
                guard fromC[position] != fromEngine[position] else { continue }
                mismatches += 1
                if mismatches <= Self.reportedMismatches {
                    Issue.record(Comment(rawValue: """
                        policy.c says \(fromC[position].rawValue), MessagingPolicy says \(fromEngine[position].rawValue)
                        seed \(Self.hex(seed)) file \(index) (rerun: QMAILKIT_EMPF_SWEEP_SEED=\(Self.hex(seed)) \
                        QMAILKIT_EMPF_SWEEP_COUNT=\(index + 1))
                        triple: \(query)
                        control/policy: \(world.policy?.debugDescription ?? "(none)")
                        control/rcpthosts: \(world.rcpthosts.debugDescription)
                        """))
                }
            }
        }
        #expect(mismatches == 0, """
            \(mismatches) of \(compared) verdicts differ (seed \(Self.hex(seed)), \(files) files × \(Self.triplesPerFile) \
            triples; C verdicts: \(tally.map { "\($0.key.rawValue) \($0.value)" }.sorted().joined(separator: ", ")))
            """)
        // The generator must exercise every outcome, or the sweep proves little.
        if files >= 50 {
            #expect(tally[.allow, default: 0] > 0 && tally[.deny, default: 0] > 0 && tally[.broken, default: 0] > 0,
                    "seed \(Self.hex(seed)): C verdicts \(tally)")
        }
    }

    /// The engine's verdicts for `queries` under `world`: no file allows everything, a file
    /// that does not parse is broken for every recipient.
    static func engineVerdicts(_ world: PolicyWorld, _ queries: [Query]) -> [Verdict] {
        guard let text = world.policy else { return queries.map { _ in .allow } }
        let policy: MessagingPolicy
        do {
            policy = try MessagingPolicy(parsing: Array(text.utf8))
        } catch {
            return queries.map { _ in .broken }
        }
        return queries.map { query in
            policy.allows(sender: Array(query.sender.utf8), trusted: query.authenticated,
                          recipient: Array(query.recipient.utf8), isLocalDomain: world.isLocal) ? .allow : .deny
        }
    }

    static func parseSeed(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed.hasPrefix("0x") { return UInt64(trimmed.dropFirst(2), radix: 16) }
        return UInt64(trimmed)
    }

    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
}

/// SplitMix64: a small, fully specified generator, so a seed means the same sweep on
/// every platform and Swift version (no `random(in:using:)`, whose algorithm is not promised).
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0 ..< bound (bound > 0); the modulo bias is irrelevant for these small bounds.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// true with probability `percent`/100.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// `text` with each ASCII letter upper-cased with probability `percent`/100.
    mutating func mixCase(_ text: String, _ percent: Int = 25) -> String {
        String(text.map { chance(percent) ? Character($0.uppercased()) : $0 })
    }
}

/// One random setting: a control/policy file (or none), control/rcpthosts, and the
/// address material its triples are drawn from.
struct PolicyWorld {
    var policy: String?
    var rcpthosts: String
    /// Lower-cased rcpthosts lines.
    var localEntries: Set<[UInt8]>

    /// Domains that may get a policy line; the others only appear in addresses.
    static let policyDomains = ["a.test", "b.test", "sub.a.test", "c.example", "d.example"]
    static let otherDomains = ["other.test", "x.sub.a.test", "example"]
    static let localParts = ["u", "v", "boss", "tasks", "sales", "x.y", "a-b"]

    /// qmail's rcpthosts rule: the domain, or any suffix of it that starts at a dot, is a line.
    func isLocal(_ domain: [UInt8]) -> Bool {
        let lower = domain.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        for start in lower.indices where start == 0 || lower[start] == UInt8(ascii: ".") {
            if localEntries.contains(Array(lower[start...])) { return true }
        }
        return false
    }

    static func generate(_ random: inout SplitMix64) -> PolicyWorld {
        var hosts: [String] = []
        for entry in policyDomains + [".a.test", ".example", "other.test"] where random.chance(35) { hosts.append(entry) }
        let rcpthosts = hosts.map { $0 + "\n" }.joined()
        let policy = random.chance(4) ? nil : policyFile(&random)
        return PolicyWorld(policy: policy, rcpthosts: rcpthosts, localEntries: Set(hosts.map { Array($0.utf8) }))
    }

    /// Lines for a random subset of `policyDomains` (each at most once, as the engine
    /// refuses a domain listed twice), comments, blank lines, trailing blanks; now and
    /// then one syntax error.
    static func policyFile(_ random: inout SplitMix64) -> String {
        var lines: [String] = []
        var domains = policyDomains
        let count = random.below(5)
        for _ in 0..<count {
            let domain = domains.remove(at: random.below(domains.count))
            var line = random.mixCase(domain, 15) + ":" + policy(&random) + ","
            var users = localParts
            for _ in 0..<random.below(4) {
                let user = users.remove(at: random.below(users.count))
                line += random.mixCase(user, 15) + ":" + policy(&random) + ","
            }
            lines.append(line)
        }
        for _ in 0..<random.below(3) {
            let filler = random.pick(["", "# a comment: with, letters(L)", "; another", "   ", "\t"])
            lines.insert(filler, at: random.below(lines.count + 1))
        }
        if !lines.isEmpty, random.chance(6) {
            let index = random.below(lines.count)
            lines[index] = breakLine(lines[index], &random)
        }
        lines = lines.map { $0 + (random.chance(10) ? random.pick([" ", "\t", "\r", " \t"]) : "") }
        return lines.joined(separator: "\n") + (random.chance(85) ? "\n" : "")
    }

    /// A policy: up to five letters, some with a pattern list.
    static func policy(_ random: inout SplitMix64) -> String {
        var text = ""
        for _ in 0..<random.below(6) {
            text += String(random.pick(Array("LlRrIiEe")))
            if random.chance(35) {
                text += "(" + (0...random.below(3)).map { _ in pattern(&random) }.joined(separator: ",") + ")"
            }
        }
        return text
    }

    /// A glob over addresses: exact, by domain, by subdomain, by user, with ? and *.
    static func pattern(_ random: inout SplitMix64) -> String {
        let domain = random.pick(policyDomains + otherDomains)
        let user = random.pick(localParts)
        let text: String
        switch random.below(8) {
        case 0: text = "*@" + domain
        case 1: text = "*@*." + random.pick(["a.test", "test", "example"])
        case 2: text = user + "@*"
        case 3: text = "?@" + domain
        case 4: text = user + "@" + domain
        case 5: text = "*"
        case 6: text = String(user.prefix(1)) + "?*@" + domain
        default: text = "*" + random.pick([".test", "example", "a.test", "@b.test"])
        }
        return random.mixCase(text, 10)
    }

    /// `line` with one syntax error that both readers must refuse.
    static func breakLine(_ line: String, _ random: inout SplitMix64) -> String {
        guard line.contains(":") else { return "nocolon" }
        switch random.below(6) {
        case 0: return String(line.dropLast())                           // last element without its comma
        case 1: return line.replacingOccurrences(of: ":", with: ":X")    // an unknown letter
        case 2: return line.replacingOccurrences(of: ":", with: ":R()")  // an empty pattern list
        case 3: return line.replacingOccurrences(of: ":", with: ":R(*@a.test")  // ( without )
        case 4: return " " + line                                        // blank before the name
        default: return ":" + line                                       // an empty name
        }
    }

    /// A sender or recipient: mostly user@domain (mixed case), sometimes empty, without
    /// a domain, or with an empty one.
    func address(_ random: inout SplitMix64) -> String {
        switch random.below(100) {
        case 0..<4: return ""
        case 4..<8: return random.pick(Self.localParts)
        case 8..<10: return random.pick(Self.localParts) + "@"
        default:
            let domain = random.pick(Self.policyDomains + Self.policyDomains + Self.otherDomains)
            return random.mixCase(random.pick(Self.localParts), 10) + "@" + random.mixCase(domain, 10)
        }
    }

    func query(_ random: inout SplitMix64) -> EmpfVerdictCheck.Query {
        EmpfVerdictCheck.Query(sender: address(&random), recipient: address(&random), authenticated: random.chance(50))
    }
}
