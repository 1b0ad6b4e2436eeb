import Foundation
import PatchEngine
import Testing
import TestSupport

/// What the planner says about a recipe whose patches cannot all be used: cycles,
/// order mistakes and broken entries, each failing only the selections it concerns.
@Suite(.ownThread) struct RecipeValidationTests {
    static let edit = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\n"
    static let create = "diff --git a/z b/z\nnew file mode 100644\n--- /dev/null\n+++ b/z\n@@ -0,0 +1 @@\n+z\n"

    func message(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func requiresCycleIsRefusedNamingTheCycleAndSparesTheRest() throws {
        let project = try TestProject(pristine: ["a": "a\n"])
        defer { project.remove() }
        try project.patch("ping", requires: "pong", base: "base-1.0 + pong", diff: Self.edit)
        try project.patch("pong", requires: "ping", base: "base-1.0 + ping", diff: Self.edit)
        try project.patch("solo", diff: Self.create)
        let applier = try project.applier(["ping", "pong", "solo"])
        let planner = applier.catalog.planner
        #expect(message { try planner.plan(selecting: ["ping"]) }
                == "Requires/Base form a cycle: ping → pong → ping; no order can apply them. Remove one of these requirements from its patch")
        #expect(message { try planner.plan(selecting: ["pong", "solo"]) }?.contains("pong → ping → pong") == true)
        #expect(message { try applier.baseTree(["pong"]) }?.contains("form a cycle") == true)
        let solo = try applier.run(planner.plan(selecting: ["solo"]))
        #expect(text(solo.final, "z") == "z\n")

        let matrix = ConflictMatrix.compute(catalog: applier.catalog, applier: applier)
        #expect(matrix.selections.map(\.selection) == [["solo"]])
        guard case let .refused(reason)? = matrix.pairs["ping+pong"] else {
            Issue.record("ping+pong should be refused")
            return
        }
        #expect(reason.contains("cycle"))
        #expect(matrix.unusable.map(\.name) == ["ping", "pong"])
    }

    @Test func featureListedBeforeItsBaseSaysWhatToMoveWhere() throws {
        let project = try TestProject(pristine: ["a": "a\n"])
        defer { project.remove() }
        try project.patch("addon", requires: "core", base: "base-1.0 + core", diff: Self.create)
        try project.patch("core", diff: Self.edit)
        let planner = try project.applier(["addon", "core"]).catalog.planner
        let refusal = message { try planner.plan(selecting: ["addon"]) }
        #expect(refusal == "the recipe lists 'addon' before 'core', but 'addon' was written against a tree with 'core' "
                + "applied; move 'core' above 'addon' in the recipe's patches list")
        #expect(message { try planner.plan(selecting: ["core"]) } == nil)
    }

    @Test func baseFeatureIsAddedLikeARequirement() throws {
        let project = try TestProject(pristine: ["a": "a\n"])
        defer { project.remove() }
        try project.patch("core", diff: Self.edit)
        try project.patch("addon", base: "base-1.0 + core", diff: Self.create)
        let plan = try project.applier(["core", "addon"]).catalog.planner.plan(selecting: ["addon"])
        #expect(plan.features == ["core", "addon"])
        #expect(plan.addedByRequirement.map(\.feature) == ["core"])
    }

    @Test func brokenEntryFailsOnlyTheSelectionsThatContainIt() throws {
        let project = try TestProject(pristine: ["a": "a\n"])
        defer { project.remove() }
        try project.patch("good", diff: Self.create)
        try project.patch("mangled", diff: "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n")
        try project.patch("needs", requires: "mangled", diff: Self.edit)
        let applier = try project.applier(["good", "absent", "mangled", "needs"])
        let planner = applier.catalog.planner
        #expect(applier.catalog.features == ["good", "needs"])
        #expect(Set(planner.broken.keys) == ["absent", "mangled"])
        #expect(try applier.run(planner.plan(selecting: ["good"])).steps.count == 1)
        #expect(message { try planner.plan(selecting: ["absent"]) }
                == "recipe entry 'absent' cannot be used: patches/absent.patch does not exist; the recipe names it: add the file or fix the entry")
        #expect(message { try planner.plan(selecting: ["needs", "good"]) }?
            .hasPrefix("'needs' requires 'mangled', but that recipe entry cannot be used: patches/mangled.patch: patch line 13:") == true)
        #expect(message { try planner.plan(selecting: applier.catalog.wholeRecipe) } != nil)

        let matrix = ConflictMatrix.compute(catalog: applier.catalog, applier: applier)
        #expect(matrix.selections.map(\.selection) == [["good"]])
        #expect(matrix.unusable.map(\.name) == ["needs", "absent", "mangled"])
        #expect(ConflictMatrix.compute(catalog: applier.catalog, applier: applier, features: ["good"]).unusable.isEmpty)
    }
}
