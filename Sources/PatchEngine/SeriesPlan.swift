/// Which patch variant to apply for each selected feature, in recipe order: the
/// pure decision part of `qmailkit patch`, made before any tree is touched.
public struct SeriesPlan: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var feature: String
        /// Name of the chosen patch file (`tls`, or `resolutions/tls-on-auth`).
        public var patchName: String
        /// Set when a resolution variant was chosen: the features it resolves.
        public var resolves: [String]
    }

    public var steps: [Step]
    /// Features added because a selected feature requires them, with the reason.
    public var addedByRequirement: [(feature: String, requiredBy: String)]

    public var features: [String] { steps.map(\.feature) }

    public static func == (lhs: SeriesPlan, rhs: SeriesPlan) -> Bool {
        lhs.steps == rhs.steps
            && lhs.addedByRequirement.map { "\($0.feature)<\($0.requiredBy)" }
                == rhs.addedByRequirement.map { "\($0.feature)<\($0.requiredBy)" }
    }
}

/// Makes `SeriesPlan`s from a recipe order and the patch catalogue's metadata.
public struct SeriesPlanner: Sendable {
    /// Feature names in recipe order.
    public let order: [String]
    /// Every variant of each feature: its main patch first, then resolutions.
    public let variants: [String: [(name: String, metadata: PatchMetadata)]]
    /// Recipe entries that could not be loaded, by entry name, with the reason: they
    /// fail only the selections that contain them.
    public let broken: [String: any Error]
    /// Each feature on a cycle of Requires/Base, with the cycle (`a → b → a`).
    private let cycles: [String: [String]]

    public init(order: [String], variants: [String: [(name: String, metadata: PatchMetadata)]],
                broken: [String: any Error] = [:]) {
        self.order = order
        self.variants = variants
        self.broken = broken
        var edges: [String: [String]] = [:]
        for feature in order {
            guard let main = variants[feature]?.first(where: { $0.metadata.resolves.isEmpty })?.metadata else { continue }
            edges[feature] = main.requires + main.baseFeatures.filter { !main.requires.contains($0) }
        }
        cycles = Self.cycles(in: edges, order: order)
    }

    /// Resolves `Requires` and `Base` (recording what was added and why), refuses
    /// broken entries, cycles, declared `Conflicts`, unknown features and a feature
    /// listed before its base; orders by the recipe and picks, for each feature, the
    /// resolution variant that matches the features before it.
    public func plan(selecting requested: [String]) throws -> SeriesPlan {
        for feature in requested {
            if let reason = broken[feature] { throw PatchEngineError.brokenEntry(name: feature, requiredBy: nil, reason: reason) }
            guard order.contains(feature) else { throw PatchEngineError.unknownFeature(feature, known: order) }
        }
        var selected = Set(requested)
        var added: [(feature: String, requiredBy: String)] = []
        var queue = order.filter { selected.contains($0) }
        while let feature = queue.first {
            queue.removeFirst()
            if let cycle = cycles[feature] { throw PatchEngineError.requirementCycle(cycle) }
            let main = try main(feature)
            for required in main.requires + main.baseFeatures where !selected.contains(required) {
                if let reason = broken[required] {
                    throw PatchEngineError.brokenEntry(name: required, requiredBy: feature, reason: reason)
                }
                guard order.contains(required) else {
                    throw PatchEngineError.missingRequirement(feature: feature, requires: required)
                }
                selected.insert(required)
                added.append((required, feature))
                queue.append(required)
            }
        }
        for feature in order where selected.contains(feature) {
            let main = try main(feature)
            for other in main.conflicts where selected.contains(other) {
                throw PatchEngineError.declaredConflict(feature, other)
            }
            let position = order.firstIndex(of: feature)!
            if let base = main.baseFeatures.first(where: { order.firstIndex(of: $0)! > position }) {
                throw PatchEngineError.listedBeforeBase(feature: feature, base: base)
            }
        }
        var applied: [String] = []
        var steps: [SeriesPlan.Step] = []
        for feature in order where selected.contains(feature) {
            let step = try chooseVariant(feature, after: applied)
            steps.append(step)
            applied.append(feature)
        }
        return SeriesPlan(steps: steps, addedByRequirement: added)
    }

    /// The metadata of a feature's main (non-resolution) patch.
    public func main(_ feature: String) throws -> PatchMetadata {
        guard let variant = variants[feature]?.first(where: { $0.metadata.resolves.isEmpty }) else {
            throw PatchEngineError.unknownFeature(feature, known: order)
        }
        return variant.metadata
    }

    private func chooseVariant(_ feature: String, after applied: [String]) throws -> SeriesPlan.Step {
        let candidates = (variants[feature] ?? []).filter { variant in
            Set(variant.metadata.resolves).isSubset(of: applied)
                && Set(variant.metadata.baseFeatures).isSubset(of: applied)
        }
        guard let best = candidates.max(by: { $0.metadata.resolves.count < $1.metadata.resolves.count }) else {
            let base = try main(feature).baseFeatures.filter { !applied.contains($0) }
            throw PatchEngineError.missingRequirement(feature: feature, requires: base.joined(separator: ", "))
        }
        return SeriesPlan.Step(feature: feature, patchName: best.name, resolves: best.metadata.resolves)
    }

    /// Every feature that lies on a cycle of `edges`, with one such cycle written from
    /// it back to it. Cost: one depth-first walk per feature, O(features × edges).
    private static func cycles(in edges: [String: [String]], order: [String]) -> [String: [String]] {
        var found: [String: [String]] = [:]
        for start in order {
            var stack: [(feature: String, next: Int)] = [(start, 0)]
            var visited: Set<String> = [start]
            while let top = stack.last {
                let targets = edges[top.feature] ?? []
                guard top.next < targets.count else {
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let target = targets[top.next]
                if target == start {
                    found[start] = stack.map(\.feature) + [start]
                    break
                }
                if visited.insert(target).inserted { stack.append((target, 0)) }
            }
        }
        return found
    }
}
