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
/// README's test command use) runs everything this machine can.
public enum TestScope {
    public static let full = ProcessInfo.processInfo.environment["QMAILKIT_TESTS"] == "full"

    /// For suites tagged `.realBuild` or `.slow`: enabled in a full run only.
    public static let costly = Testing.ConditionTrait.enabled(
        if: full, "a costly test: run with QMAILKIT_TESTS=full (the README's test command does)")
}
