/// `qmailkit check`: every pair of features and every dependency-closed selection
/// of a recipe, applied in memory; nothing is written.
public struct ConflictMatrix: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Applies; `resolutions` lists resolution variants used, `merged` the files
        /// that needed a three-way merge.
        case clean(resolutions: [String], merged: [String])
        /// `places`: where the merge cannot reconcile the files, `qmail-smtpd.c in smtp_ehlo`
        /// (empty for a clash of tree shapes).
        case conflict(patch: String, with: [String], files: [String], places: [String] = [])
        /// Not a valid selection (declared conflict, missing requirement).
        case refused(String)

        public var isFailure: Bool {
            if case .conflict = self { return true }
            return false
        }
    }

    public struct Row: Sendable {
        public var selection: [String]
        public var outcome: Outcome
    }

    public var features: [String]
    /// Every non-empty dependency-closed selection, smallest first.
    public var selections: [Row]
    /// Each unordered pair (their closure applied), keyed "a+b".
    public var pairs: [String: Outcome]

    /// Checked features and entries that cannot be selected even on their own, and
    /// why: a broken entry, a Requires cycle, a feature listed before its base, a
    /// requirement the recipe lacks. Every selection with one of them fails.
    public var unusable: [(name: String, reason: any Error)]

    public var hasConflicts: Bool { selections.contains { $0.outcome.isFailure } }

    /// Builds the matrix for `features` (default: all of the catalogue's).
    public static func compute(catalog: PatchCatalog, applier: SeriesApplier, features: [String]? = nil) -> ConflictMatrix {
        let chosen = features ?? catalog.features
        var cache: [[String]: Outcome] = [:]
        func outcome(_ selection: [String]) -> Outcome {
            let plan: SeriesPlan
            do {
                plan = try catalog.planner.plan(selecting: selection)
            } catch {
                return .refused("\(error)")
            }
            if let known = cache[plan.features] { return known }
            let result: Outcome
            do {
                let run = try applier.run(plan)
                result = .clean(resolutions: plan.steps.filter { !$0.resolves.isEmpty }.map(\.patchName),
                                merged: run.steps.flatMap { step in step.report.mergedFiles.map { "\(step.report.feature):\($0)" } })
            } catch let PatchEngineError.conflicts(report) {
                result = .conflict(patch: report.patch, with: report.collidesWith, files: report.files.map(\.path),
                                   places: report.regions.map { entry in
                                       entry.region.place.map { "\(entry.path) \($0)" } ?? entry.path
                                   })
            } catch let PatchEngineError.treeClash(clash) {
                result = .conflict(patch: clash.patch, with: [clash.otherPatch ?? "pristine"], files: [clash.path])
            } catch {
                result = .refused("\(error)")
            }
            cache[plan.features] = result
            return result
        }
        let rows = closedSelections(catalog: catalog, features: chosen).map { Row(selection: $0, outcome: outcome($0)) }
        var pairs: [String: Outcome] = [:]
        for (i, a) in chosen.enumerated() {
            for b in chosen[(i + 1)...] {
                pairs["\(a)+\(b)"] = outcome([a, b])
            }
        }
        let unusable = (features ?? catalog.wholeRecipe).compactMap { name -> (name: String, reason: any Error)? in
            do {
                _ = try catalog.planner.plan(selecting: [name])
                return nil
            } catch {
                return (name, error)
            }
        }
        return ConflictMatrix(features: chosen, selections: rows, pairs: pairs, unusable: unusable)
    }

    /// Every non-empty subset of `features` that the planner accepts as it is
    /// (nothing added by Requires, no declared conflict), in `features` order,
    /// smallest first. Cost: one plan per subset (2^n; n is 6 for `combined`).
    public static func closedSelections(catalog: PatchCatalog, features: [String]) -> [[String]] {
        var selections: [[String]] = []
        for mask in 1..<(1 << features.count) {
            let selection = features.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
            guard let plan = try? catalog.planner.plan(selecting: selection),
                  Set(plan.features) == Set(selection) else { continue }
            selections.append(selection)
        }
        return selections.sorted {
            ($0.count, $0.joined(separator: ",")) < ($1.count, $1.joined(separator: ","))
        }
    }
}
