import Foundation
import Testing

extension Tag {
    /// Builds netqmail-1.06 (needs the tarball in the qmailkit cache).
    @Tag public static var realBuild: Tag
    /// Takes more than a few seconds on two cores.
    @Tag public static var slow: Tag
}

/// Which tests a run includes: the default run leaves out the costly ones
/// (`QMAILKIT_TESTS` unset), `QMAILKIT_TESTS=full` (what `.ci/run` and the
/// README's test command use) runs everything this machine can except the
/// regression catalogue, which builds some thirty netqmail variants and is
/// asked for by name: `QMAILKIT_TESTS=full,regressions`.
public enum TestScope {
    private static let words = Set((ProcessInfo.processInfo.environment["QMAILKIT_TESTS"] ?? "").split(separator: ",").map(String.init))
    public static let full = words.contains("full")

    /// For suites tagged `.realBuild` or `.slow`: enabled in a full run only.
    public static let costly = Testing.ConditionTrait.enabled(
        if: full, "a costly test: run with QMAILKIT_TESTS=full (the README's test command does)")

    /// The regression catalogue: a full run that also names `regressions`.
    public static let regressions = Testing.ConditionTrait.enabled(
        if: full && words.contains("regressions"),
        "builds every regression of regressions/: run with QMAILKIT_TESTS=full,regressions (about 13 min cold, 2–3 min with the builds cached)")
}
