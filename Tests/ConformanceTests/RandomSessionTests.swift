import Conformance
import Foundation
import SMTPEngine
import Testing
import TestSupport

/// The random-session generator and the sweep machinery, on the reference
/// engine only (the real build's sweep is `SessionSweepTests`).
@Suite(.ownThread) struct RandomSessionTests {
    static let seeds = (0..<2000).map { SplitMix64.sessionSeed(0x5e55_1015, $0) }

    @Test func aSeedAlwaysMakesTheSameSession() {
        for seed in Self.seeds.prefix(200) {
            #expect(RandomSession.generate(seed: seed) == RandomSession.generate(seed: seed))
        }
        let distinct = Set(Self.seeds.prefix(200).map { RandomSession.generate(seed: $0).scenario.steps.map(\.kind).description })
        #expect(distinct.count >= 195)
    }

    /// The generator is SplitMix64: these values are part of what a seed means.
    @Test func theGeneratorIsSplitMix64() {
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(SplitMix64.parse("0x1f") == 31 && SplitMix64.parse("31") == 31 && SplitMix64.parse("x") == nil)
    }

    /// A played session written as scenario text reads back as the same scenario, so
    /// a reported dialogue can be pasted into a .scn file.
    @Test func sessionsRoundTripThroughScenarioText() throws {
        let target = ReferenceTarget(features: Features.all)
        let sweep = SessionSweep(first: target, second: target, replyTimeout: 0, exitTimeout: 0)
        for seed in Self.seeds.prefix(500) {
            let scenario = sweep.play(RandomSession.generate(seed: seed).scenario, on: target).recorded
            let text = ScenarioText.render(scenario)
            let parsed = try #require(try ScenarioParser.parse(Array(text.utf8), file: "random.scn").first, "\(text)")
            #expect(parsed.name == scenario.name && parsed.spec == scenario.spec)
            #expect(parsed.environment == scenario.environment, "\(text)")
            #expect(parsed.controls == scenario.controls, "\(text)")
            #expect(parsed.arguments == scenario.arguments && parsed.queueOutcome == scenario.queueOutcome, "\(text)")
            #expect(parsed.steps.map(\.kind) == scenario.steps.map(\.kind), "\(text)")
            #expect(parsed.queue.map(\.envelope) == scenario.queue.map(\.envelope) && parsed.exitStatus == scenario.exitStatus)
        }
    }

    /// Over many seeds, every command, every AUTH mechanism, every SMTPAUTH
    /// row of docs/auth.md#smtpauth, every environment variable and control
    /// file of the brief turns up: the sweep covers all features, not stock only.
    @Test func sessionsCoverEveryFeature() {
        let sessions = Self.seeds.map(RandomSession.generate)
        let lines = sessions.flatMap { $0.scenario.steps }.compactMap { step -> String? in
            if case .send(let bytes) = step.kind { return String(decoding: bytes, as: UTF8.self).uppercased() }
            return nil
        }
        for verb in ["HELO", "EHLO", "MAIL FROM:", "RCPT TO:", "DATA", "RSET", "NOOP", "VRFY", "HELP", "QUIT",
                     "AUTH PLAIN ", "AUTH LOGIN", "AUTH CRAM-MD5", "AUTH DIGEST-MD5"] {
            #expect(lines.contains { $0.hasPrefix(verb) }, "no \(verb)")
        }
        #expect(sessions.contains { $0.scenario.steps.contains { if case .cramResponse = $0.kind { true } else { false } } })
        let smtpAuth = Set(sessions.compactMap { $0.setting.environment["SMTPAUTH"] ?? nil })
        for value in ["", "-", "cram", "+cram", "yes", "!", "!x", "!-", "!cram", "!+cram"] {
            #expect(smtpAuth.contains(value), "SMTPAUTH=\(value) never set")
        }
        #expect(sessions.contains { $0.setting.environment["SMTPAUTH"] == nil })
        for name in ["FORCETLS", "RELAYCLIENT", "ALLOW_BARELF", "DATABYTES"] {
            #expect(sessions.contains { $0.setting.environment[name] != nil }, "\(name) never set")
        }
        for name in ["rcpthosts", "badmailfrom", "databytes", "maxrcpt", "policy"] {
            #expect(sessions.contains { if case .contents = $0.setting.controls[name] { true } else { false } }, "no control/\(name)")
        }
        #expect(sessions.contains { $0.setting.controls["policy"] == .directory })
        #expect(sessions.contains { $0.setting.queueOutcome != .exit(0) })
        #expect(sessions.contains { $0.setting.arguments.isEmpty })
        let odd = lines.filter { $0.utf8.contains { $0 >= 0x80 || ($0 < 0x20 && $0 != 13 && $0 != 10) } }
        #expect(odd.count >= 50, "odd bytes in only \(odd.count) lines")
    }

    /// The engine against itself: nothing may differ, and the sessions reach
    /// the replies of every feature.
    @Test func theEngineAgreesWithItselfAndSessionsReachEveryFeature() {
        let features = Features.all
        let sweep = SessionSweep(first: ReferenceTarget(features: features), second: ReferenceTarget(features: features),
                                 replyTimeout: 0, exitTimeout: 0)
        let report = sweep.run(seed: 0x5e55_1015, count: 400)
        #expect(report.differences.isEmpty, "\(report.differences.first?.report ?? "")")
        for code in ["235", "334", "354", "452", "454", "501", "503", "504", "530", "535", "538", "550", "552", "553", "555"] {
            #expect(report.replyCodes[code, default: 0] > 0, "no \(code) reply in 400 sessions: \(report.replyCodes)")
        }
    }

    /// What a target answered, recorded as a scenario, passes on that target.
    @Test func aRecordedSessionReplaysOnItsTarget() {
        let target = ReferenceTarget(features: Features.all)
        let sweep = SessionSweep(first: target, second: target, replyTimeout: 0, exitTimeout: 0)
        for seed in Self.seeds.prefix(300) {
            let played = sweep.play(RandomSession.generate(seed: seed).scenario, on: target)
            let replay = ScenarioRunner(replyTimeout: 0, exitTimeout: 0).run(played.recorded, on: target)
            #expect(replay.passed, "\(Reports.failureDetail(replay))\n\(ScenarioText.render(played.recorded))")
        }
    }

    @Test func canonicalFormHidesTimesPidsAndChallengesOnly() {
        let challenge = Array("334 ".utf8) + Array(Data("<4242.1795618026@mail.example.org>".utf8).base64EncodedString().utf8)
        let message = Array("Received: from unknown (HELO x) (127.0.0.1)\n  by mail.example.org with SMTP; 25 Nov 2026 14:47:06 -0000\nhi\n".utf8)
        let canonical = SessionSweep.canonical([
            .received(Array("250 ok 1795618026 qp 4242".utf8)), .received(challenge),
            .received(Array("334 VXNlcm5hbWU6".utf8)), .received(Array("250 ok".utf8)),
            .queued(index: 1, CapturedMessage(message: message, envelope: [70, 0])),
        ])
        #expect(canonical[0] == .received(Array("250 ok <time> qp <pid>".utf8)))
        #expect(canonical[1] == .received(Array("334 (CRAM-MD5 challenge) <pid.time@mail.example.org>".utf8)))
        #expect(canonical[2] == .received(Array("334 VXNlcm5hbWU6".utf8)))
        #expect(canonical[3] == .received(Array("250 ok".utf8)))
        #expect(canonical[4] == .queued(index: 1, CapturedMessage(
            message: Array("Received: from unknown (HELO x) (127.0.0.1)\n  by mail.example.org with SMTP; <date> -0000\nhi\n".utf8),
            envelope: [70, 0])))
    }

    /// A target that cannot start is a difference, not two equal empty transcripts.
    @Test func aTargetThatCannotStartDiffers() throws {
        struct Broken: ConformanceTarget {
            struct Failure: Error {}
            let name = "broken"
            let kind = "build"
            let features = Features.all
            let maxParallelism = 1
            func connect(_ scenario: Scenario) throws -> any TargetConnection { throw Failure() }
        }
        let sweep = SessionSweep(first: ReferenceTarget(features: Features.all), second: Broken(),
                                 replyTimeout: 0, exitTimeout: 0)
        let report = sweep.run(seed: 1, count: 3)
        #expect(report.differences.count == 3)
        let first = try #require(report.differences.first)
        #expect(first.session.units.count == 1)
        #expect(first.report.contains("broken: could not start: Failure()"), "\(first.report)")
    }

    /// A mutant engine (maxrcpt one too generous) is found, and shrinking
    /// leaves a dialogue of a few lines that still shows it, with the seed.
    @Test func aMutantIsFoundAndShrunkToAFewLines() throws {
        let features = Features.all
        let mutant = ReferenceTarget(features: features) { configuration in
            configuration.maxRecipients = configuration.maxRecipients.map { $0 + 1 }
        }
        let sweep = SessionSweep(first: ReferenceTarget(features: features), second: mutant, replyTimeout: 0, exitTimeout: 0)
        let report = sweep.run(seed: 0x5e55_1015, count: 300)
        let found = try #require(report.differences.first, "the mutant went unnoticed in 300 sessions")
        #expect(found.session.units.count <= 4, "\(found.report)")
        let text = found.report
        #expect(text.contains("seed \(SplitMix64.hex(found.session.seed))"))
        #expect(text.contains("452 too many recipients (#4.5.3)"), "\(text)")
        #expect(found.session.setting.controls["maxrcpt"] != nil)
        #expect(found.session.setting.controls.count <= 2, "\(text)")
        // The shrunk session still differs on its own.
        #expect(sweep.compare(found.session).0 != nil)
        // Its dialogue, as printed, is a scenario that the first target passes.
        let dialogue = String(text[text.range(of: "name: random-")!.lowerBound...])
        let scenario = try #require(try ScenarioParser.parse(Array(dialogue.utf8), file: "shrunk.scn").first)
        #expect(ScenarioRunner(replyTimeout: 0, exitTimeout: 0).run(scenario, on: ReferenceTarget(features: features)).passed)
    }
}
