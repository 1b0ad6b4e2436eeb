import Conformance
import Foundation
import RealBuildSupport
import TestSupport

/// The qmailkit binary built next to this test bundle.
let qmailkitBinary: URL = {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [directory, Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("qmailkit")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return directory.appendingPathComponent("qmailkit")
}()

/// The conformance suite's build targets on the run's shared sandbox builds
/// (RealBuildSupport's PatchedBuild: each selection built once per run, for
/// every test target). A BuildTarget never writes its home (its programs
/// see a private view of it), but some tests here run the home's programs
/// directly with control files of their own: `with` holds the build's
/// control lock for them against every other test of the run.
enum RealBuilds {
    struct Shared: Sendable {
        let build: PatchedBuild
        let target: BuildTarget
    }

    /// Pristine netqmail-1.06 (no features).
    static let pristine = Result { try shared([]) }
    /// auth and tls (with the tls-on-auth resolution).
    static let authTLS = Result { try shared(["auth", "tls"]) }
    /// tls, auth and forcetls, the README's selection.
    static let tlsAuthForceTLS = Result { try shared(["tls", "auth", "forcetls"]) }
    /// Every feature: what the random-session sweep compares with the engine.
    static let combined = Result { try shared(combinedFeatures) }
    /// The recipe `combined`: every feature.
    static let combinedFeatures = ["auth", "tls", "forcetls", "liberal-lf", "maxrcpt", "empf", "msgid-log"]

    private static func shared(_ features: [String]) throws -> Shared {
        let build = try PatchedBuild.sandbox(features: features)
        return Shared(build: build, target: try BuildTarget(buildDirectory: build.buildDirectory))
    }

    /// Runs `body` on the build's target with its control lock held.
    static func with<T>(_ shared: Result<Shared, any Error>, _ body: (BuildTarget) async throws -> T) async throws -> T {
        let shared = try shared.get()
        return try await shared.build.exclusively { try await body(shared.target) }
    }
}
