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

    public init(order: [String], variants: [String: [(name: String, metadata: PatchMetadata)]]) {
        self.order = order
        self.variants = variants
    }

    /// Resolves `Requires` (recording what was added and why), refuses declared
    /// `Conflicts` and unknown features, orders by the recipe and picks, for each
    /// feature, the resolution variant that matches the features before it.
    public func plan(selecting requested: [String]) throws -> SeriesPlan {
        for feature in requested where !order.contains(feature) {
            throw PatchEngineError.unknownFeature(feature, known: order)
        }
        var selected = Set(requested)
        var added: [(feature: String, requiredBy: String)] = []
        var queue = order.filter { selected.contains($0) }
        while let feature = queue.first {
            queue.removeFirst()
            for required in try main(feature).requires where !selected.contains(required) {
                guard order.contains(required) else {
                    throw PatchEngineError.missingRequirement(feature: feature, requires: required)
                }
                selected.insert(required)
                added.append((required, feature))
                queue.append(required)
            }
        }
        for feature in order where selected.contains(feature) {
            for other in try main(feature).conflicts where selected.contains(other) {
                throw PatchEngineError.declaredConflict(feature, other)
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
}
