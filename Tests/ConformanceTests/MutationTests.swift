import Conformance
import SMTPEngine
import Testing
import TestSupport

/// A deliberately broken reference engine: a configuration switch, or a
/// wrapper that corrupts what the client sees.
struct Mutant: Sendable {
    var name: String
    var adjust: @Sendable (inout SessionConfiguration) -> Void = { _ in }
    /// Rewrites a reply line; `isGreeting` is true for the first line.
    var line: @Sendable (_ line: [UInt8], _ isGreeting: Bool) -> [UInt8] = { line, _ in line }
    var completion: @Sendable (Completion) -> Completion = { $0 }

    func target(features: Features) -> MutantTarget {
        MutantTarget(base: ReferenceTarget(features: features, adjust: adjust), mutant: self)
    }

    static func replaceFirstDigit(_ from: UInt8, _ to: UInt8) -> @Sendable ([UInt8], Bool) -> [UInt8] {
        { line, _ in line.first == from ? [to] + line.dropFirst() : line }
    }

    static let all: [Mutant] = [
        Mutant(name: "5xx replies sent as 4xx", line: replaceFirstDigit(UInt8(ascii: "5"), UInt8(ascii: "4"))),
        Mutant(name: "4xx replies sent as 5xx", line: replaceFirstDigit(UInt8(ascii: "4"), UInt8(ascii: "5"))),
        Mutant(name: "2xx/3xx reply texts changed (greeting kept)", line: { line, greeting in
            guard !greeting, let first = line.first, first == UInt8(ascii: "2") || first == UInt8(ascii: "3") else { return line }
            return line + Array(" mutated".utf8)
        }),
        Mutant(name: "multi-line replies end early", line: { line, _ in
            line.count > 3 && line[3] == UInt8(ascii: "-") ? Array(line[..<3]) + [32] + line.dropFirst(4) : line
        }),
        Mutant(name: "envelope loses its last recipient", completion: { completion in
            var changed = completion
            changed.queued = completion.queued.map { message in
                var envelope = message.envelope
                if let start = envelope.dropLast(2).lastIndex(of: 0), envelope[start + 1] == UInt8(ascii: "T") {
                    envelope.removeSubrange((start + 1)..<(envelope.count - 1))
                } else {
                    envelope.insert(UInt8(ascii: "X"), at: 1)
                }
                return CapturedMessage(message: message.message, envelope: envelope)
            }
            return changed
        }),
        Mutant(name: "message body gains a byte", completion: { completion in
            var changed = completion
            changed.queued = completion.queued.map { CapturedMessage(message: $0.message + [UInt8(ascii: "!")], envelope: $0.envelope) }
            return changed
        }),
        Mutant(name: "Received line says ESMTP", completion: { completion in
            var changed = completion
            changed.queued = completion.queued.map { message in
                let text = String(decoding: message.message, as: UTF8.self)
                return CapturedMessage(message: Array(text.replacingOccurrences(of: " with ", with: " with X").utf8),
                                       envelope: message.envelope)
            }
            return changed
        }),
        Mutant(name: "exit status 0 and 1 swapped", completion: { completion in
            var changed = completion
            changed.exitStatus = completion.exitStatus.map { $0 == 0 ? 1 : $0 == 1 ? 0 : $0 }
            return changed
        }),
        Mutant(name: "nothing reaches the queue", completion: { Completion(exitStatus: $0.exitStatus, queued: []) }),
        Mutant(name: "rcpthosts ignored (open relay)", adjust: { $0.recipientHosts = .open }),
        Mutant(name: "badmailfrom ignored", adjust: { $0.badMailFrom = nil }),
        Mutant(name: "databytes ignored", adjust: { $0.controlDatabytes = nil; $0.environment.databytes = nil }),
        Mutant(name: "RELAYCLIENT ignored", adjust: { $0.environment.relayClient = nil }),
        Mutant(name: "bare LF always accepted", adjust: { $0.features.insert(.liberalLF); $0.environment.allowBareLF = [] }),
        Mutant(name: "no patches built in", adjust: { $0.features = [] }),
        Mutant(name: "SMTPAUTH ignored (LOGIN PLAIN)", adjust: { $0.environment.smtpAuth = [] }),
        Mutant(name: "FORCETLS ignored", adjust: { $0.environment.forceTLS = Array("0".utf8) }),
        Mutant(name: "check program cannot run", adjust: { $0.checkProgram = $0.checkProgram.isEmpty ? [] : ["missing"] }),
        Mutant(name: "maxrcpt ignored", adjust: { $0.maxRecipients = nil }),
        Mutant(name: "policy ignored", adjust: { $0.policy = .absent }),
        Mutant(name: "certificate always usable", adjust: { $0.serverCertificate = .usable }),
        Mutant(name: "tlsclients ignored", adjust: { $0.tlsClients = .absent }),
        Mutant(name: "smtpgreeting ignored", adjust: { $0.smtpGreeting = nil }),
        Mutant(name: "localiphost ignored", adjust: { $0.localIPHost = Array("elsewhere.example".utf8) }),
    ]
}

final class MutantTarget: ConformanceTarget, @unchecked Sendable {
    let base: ReferenceTarget
    let mutant: Mutant
    var name: String { "mutant: \(mutant.name)" }
    var kind: String { base.kind }
    var features: Features { base.features }
    let maxParallelism = 1

    init(base: ReferenceTarget, mutant: Mutant) {
        self.base = base
        self.mutant = mutant
    }

    func connect(_ scenario: Scenario) throws -> any TargetConnection {
        MutantConnection(inner: try base.connect(scenario), mutant: mutant)
    }
}

final class MutantConnection: TargetConnection {
    let inner: any TargetConnection
    let mutant: Mutant
    var linesSeen = 0

    init(inner: any TargetConnection, mutant: Mutant) {
        self.inner = inner
        self.mutant = mutant
    }

    func send(_ bytes: [UInt8]) { inner.send(bytes) }
    func shutdownInput() { inner.shutdownInput() }
    func startTLS(offer: TLSOffer, timeout: Double) -> String? {
        inner.startTLS(offer: offer, timeout: timeout)
    }
    func finish(timeout: Double) -> Completion { mutant.completion(inner.finish(timeout: timeout)) }
    func nextLine(timeout: Double) -> LineRead {
        guard case .line(let line) = inner.nextLine(timeout: timeout) else { return inner.nextLine(timeout: timeout) }
        linesSeen += 1
        return .line(mutant.line(line, linesSeen == 1))
    }
}

@Suite(.ownThread) struct MutationTests {
    /// No scenario passes vacuously: each one fails on at least one broken
    /// engine, and each broken engine is caught by some scenario.
    @Test func everyScenarioFailsOnSomeMutant() {
        let runner = ScenarioRunner(replyTimeout: 0, exitTimeout: 0)
        let scenarios = library.filter { $0.targets.isEmpty || $0.targets.contains("ref") }
        func kills(_ mutant: Mutant, _ scenario: Scenario) -> Bool {
            !runner.run(scenario, on: mutant.target(features: scenario.features.smallestSelection ?? [])).passed
        }
        var caught: Set<String> = []
        var survivors: [String] = []
        for scenario in scenarios {
            if let killer = Mutant.all.first(where: { kills($0, scenario) }) { caught.insert(killer.name) }
            else { survivors.append(scenario.name) }
        }
        #expect(survivors.isEmpty, "scenarios that no mutant breaks: \(survivors)")
        let idle = Mutant.all.filter { mutant in !caught.contains(mutant.name) && !scenarios.contains { kills(mutant, $0) } }
        #expect(idle.isEmpty, "mutants no scenario catches: \(idle.map(\.name))")
    }

    @Test func mutantsReallyChangeBehaviour() throws {
        let scenario = try #require(library.first { $0.name == "noop-ok" })
        let runner = ScenarioRunner(replyTimeout: 0, exitTimeout: 0)
        #expect(runner.run(scenario, on: ReferenceTarget(features: [])).passed)
        let broken = try #require(Mutant.all.first { $0.name.hasPrefix("2xx/3xx") })
        let result = runner.run(scenario, on: broken.target(features: []))
        #expect(result.violation?.message == "expected '250 ok', got '250 ok mutated'")
    }
}
