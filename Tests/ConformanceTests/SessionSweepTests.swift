import Conformance
import Foundation
import RealBuildSupport
import SMTPEngine
import Testing
import TestSupport

/// Random SMTP sessions over every feature (`RandomSession`), played on the
/// reference engine and on a real build with every patch: every difference in
/// what they answer — replies, queued envelopes and messages, exit status —
/// fails, with the seed and the smallest dialogue that still shows it.
///
/// Seeded and sized by `QMAILKIT_SESSION_SWEEP_SEED` (decimal or 0x-hex) and
/// `QMAILKIT_SESSION_SWEEP_COUNT`, so one large sweep can be run by hand:
/// `QMAILKIT_SESSION_SWEEP_COUNT=20000 swift test --filter SessionSweepTests`.
@Suite(.ownThread, .serialized, .tags(.realBuild), TestScope.costly, .enabled(if: QmailkitCache.hasNetqmail, QmailkitCache.netqmailMissing), privateViews)
struct SessionSweepTests {
    static let defaultSeed: UInt64 = 0x2026_1204_5e55
    static let defaultCount = 200
    /// Differences reported in full (`QMAILKIT_SESSION_SWEEP_REPORTED`); the rest are counted.
    static let reported = 5

    @Test func referenceEngineAndCombinedBuildAnswerAlike() async throws {
        try await RealBuilds.with(RealBuilds.combined) { build in try Self.sweep(build) }
    }

    static func sweep(_ build: BuildTarget) throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["QMAILKIT_SESSION_SWEEP_SEED"].flatMap(SplitMix64.parse) ?? defaultSeed
        let count = environment["QMAILKIT_SESSION_SWEEP_COUNT"].flatMap { Int($0) } ?? defaultCount
        #expect(build.features == Features.all)
        let sweep = SessionSweep(first: ReferenceTarget(features: build.features), second: build)
        let report = sweep.run(seed: seed, count: count, excluding: KnownSessionDifferences.name)
        let reported = environment["QMAILKIT_SESSION_SWEEP_REPORTED"].flatMap { Int($0) } ?? reported
        for difference in report.differences.prefix(reported) {
            Issue.record(Comment(rawValue: difference.report))
        }
        let codes = report.replyCodes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let summary = "session sweep: seed \(SplitMix64.hex(seed)), \(count) sessions, \(report.linesSent) client lines, "
            + "\(report.differences.count) differing, excluded \(report.excluded), "
            + String(format: "%.1f s", report.seconds) + "; replies: \(codes)"
        print(summary)
        #expect(report.differences.count == 0, "\(summary)\nrerun one: QMAILKIT_SESSION_SWEEP_SEED=\(SplitMix64.hex(seed)) QMAILKIT_SESSION_SWEEP_COUNT=N")
        if count >= 100 {
            for code in ["235", "354", "452", "530", "535", "550", "553"] {
                #expect(report.replyCodes[code, default: 0] > 0, "the sessions never got a \(code): \(codes)")
            }
        }
    }
}

/// Differences between the engine and the C patches that are known, reported
/// and not fixed yet: each is named and matched as narrowly as possible.
enum KnownSessionDifferences {
    static func name(_ difference: SessionDifference) -> String? {
        nil
    }
}
