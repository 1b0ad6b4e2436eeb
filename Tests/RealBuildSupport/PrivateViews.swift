import Conformance
import Testing

/// verify runs a build's programs in a private view of their qmail home
/// (`PrivateHome`, a mount namespace). Tests that run them are skipped, with
/// the reason, on a machine that cannot make one (a container without
/// CAP_SYS_ADMIN or user namespaces).
public let privateViews = ConditionTrait.enabled(
    if: PrivateHome.unavailableHere == nil,
    "no private view of a qmail home can be made here: \(PrivateHome.unavailableHere ?? "")")
