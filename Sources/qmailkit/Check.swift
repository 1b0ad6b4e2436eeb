import ArgumentParser
import Console
import PatchEngine

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which features combine: every pair and every dependency-closed selection.",
        discussion: """
            Applies each selection in memory (nothing is written) and prints the conflict \
            matrix; a conflicting selection names the places the three-way merge cannot \
            reconcile (file and containing C function; `qmailkit patch` shows their lines and \
            text), then what cannot be selected at all (a broken entry, a Requires cycle, a \
            feature listed before its base) with the reason. Exit status 1 when any selection \
            conflicts; anything unusable gives its own code first (2 for a bad patch or recipe).

            Example:
              qmailkit check --with auth,tls,forcetls

            \(ExitStatus.helpText)
            """)

    @Option(name: .customLong("with"), help: ArgumentHelp("Only these features (comma-separated).", valueName: "features"))
    var features: String?

    @Flag(help: "Every feature of the recipe (the default).")
    var all = false

    @Option(help: "Recipe giving the features and their order.")
    var recipe = "combined"


    @Flag(help: "Print the matrix as JSON.")
    var json = false

    @OptionGroup var common: CommonOptions

    struct JSONRow: Encodable {
        var selection: [String]
        var status: String
        var detail: String
    }

    func run() async throws {
        let matrix: ConflictMatrix
        do {
            let context = try await RecipeContext.load(common, recipe: recipe, from: common.from)
            let chosen = all ? nil : features.map { $0.split(separator: ",").map(String.init) }
            matrix = ConflictMatrix.compute(catalog: context.catalog, applier: context.applier(), features: chosen)
        } catch {
            throw failure(error)
        }
        if json {
            try printJSON(matrix.selections.map { JSONRow(selection: $0.selection, status: Self.status($0.outcome), detail: Self.detail($0.outcome)) }
                + matrix.unusable.map { JSONRow(selection: [$0.name], status: "unusable", detail: "\($0.reason)") })
        } else {
            print(Self.table(matrix))
        }
        if let first = matrix.unusable.first { throw ExitCode(ExitStatus.classify(first.reason).rawValue) }
        if matrix.hasConflicts { throw ExitCode(ExitStatus.differs.rawValue) }
    }

    static func status(_ outcome: ConflictMatrix.Outcome) -> String {
        switch outcome {
        case .clean(let resolutions, _): return resolutions.isEmpty ? "ok" : "resolved"
        case .conflict: return "CONFLICT"
        case .refused: return "refused"
        }
    }

    static func detail(_ outcome: ConflictMatrix.Outcome) -> String {
        switch outcome {
        case let .clean(resolutions, merged):
            return (resolutions.map { "uses \($0)" } + (merged.isEmpty ? [] : ["merged \(merged.joined(separator: " "))"]))
                .joined(separator: "; ")
        case let .conflict(patch, with, files, places):
            let detail = "\(patch) collides with \(with.joined(separator: ", ")) in \(files.joined(separator: ", "))"
            guard !places.isEmpty else { return detail }
            return detail + ": \(places.count) \(places.count == 1 ? "place" : "places") the merge cannot reconcile, "
                + places.joined(separator: "; ")
        case let .refused(reason):
            return reason
        }
    }

    static func table(_ matrix: ConflictMatrix) -> String {
        let width = max("CONFLICT".count + 1, (matrix.features.map(\.count).max() ?? 0) + 1)
        var out = "pairs:\n" + "".padding(toLength: width, withPad: " ", startingAt: 0)
        out += matrix.features.map { $0.padding(toLength: width, withPad: " ", startingAt: 0) }.joined() + "\n"
        for a in matrix.features {
            out += a.padding(toLength: width, withPad: " ", startingAt: 0)
            for b in matrix.features {
                let key = matrix.pairs["\(a)+\(b)"] ?? matrix.pairs["\(b)+\(a)"]
                let cell = a == b ? "-" : key.map(status) ?? "?"
                out += cell.padding(toLength: width, withPad: " ", startingAt: 0)
            }
            out += "\n"
        }
        out += "\nselections (closed under Requires):\n"
        for row in matrix.selections {
            let detail = detail(row.outcome)
            out += "  \(status(row.outcome).padding(toLength: 9, withPad: " ", startingAt: 0)) \(row.selection.joined(separator: ","))"
            out += detail.isEmpty ? "\n" : "  (\(detail))\n"
        }
        if !matrix.unusable.isEmpty {
            out += "\nunusable (every selection with them fails):\n"
            for entry in matrix.unusable {
                out += "  \(entry.name): \(entry.reason)\n"
            }
        }
        return out
    }
}
