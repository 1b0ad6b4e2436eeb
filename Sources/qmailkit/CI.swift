import ArgumentParser
import CIWorkflow
import Foundation

struct CI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ci",
        abstract: "Print a CI file that runs the selection matrix with one job per selection.",
        discussion: """
            'qmailkit ci github' prints a GitHub Actions workflow, 'qmailkit ci gitlab' a GitLab CI \
            pipeline. Each job runs one selection of 'qmailkit matrix --list' (matrix include / \
            parallel:matrix): scripts/install-deps, 'qmailkit fetch' of the base source, then \
            'qmailkit matrix --only SELECTION --results results/SELECTION', and uploads that \
            folder (GitLab also reads its JUnit files). The qmailkit cache (.cache/qmailkit: the \
            tarball and ccache's objects) is kept between jobs and runs by the CI cache. A last \
            job downloads every folder and runs 'qmailkit matrix --merge results/*', which fails \
            when a selection failed or did not report.

            GitHub runs at most 256 jobs in one matrix and GitLab 200 in one parallel:matrix: a \
            longer list is split into several matrix jobs (matrix-1, matrix-2, …), which the file \
            says in a comment and qmailkit on standard error. The jobs run in the image \
            \(CIWorkflow.image) with --privileged on GitHub; a GitLab runner must be privileged, \
            as verify runs qmail-smtpd in mount namespaces.

            Examples:
              qmailkit ci github > .github/workflows/matrix.yml
              qmailkit ci gitlab --with tls,auth,forcetls > .gitlab-ci.yml

            Exit codes: 0 printed; 2 bad input (recipe, patch, unknown feature); 5 local problem; \
            64 wrong usage.
            """,
        subcommands: [GitHub.self, GitLab.self])

    struct GitHub: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "github", abstract: "Print a GitHub Actions workflow for the matrix.",
            discussion: """
                Examples:
                  qmailkit ci github > .github/workflows/matrix.yml
                  qmailkit ci github --recipe tls-auth

                Exit codes: 0 printed; 2 bad input (recipe, patch, unknown feature); 5 local problem; 64 wrong usage.
                """)

        @OptionGroup var selection: SelectionOptions
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await CI.emit(.github, selection: selection, common: common)
        }
    }

    struct GitLab: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gitlab", abstract: "Print a GitLab CI pipeline for the matrix.",
            discussion: """
                Examples:
                  qmailkit ci gitlab > .gitlab-ci.yml
                  qmailkit ci gitlab --with maxrcpt,liberal-lf

                Exit codes: 0 printed; 2 bad input (recipe, patch, unknown feature); 5 local problem; 64 wrong usage.
                """)

        @OptionGroup var selection: SelectionOptions
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await CI.emit(.gitlab, selection: selection, common: common)
        }
    }

    static func emit(_ system: CIWorkflow.System, selection: SelectionOptions, common: CommonOptions) async throws {
        let chosen = try await selection.load(common, command: "ci \(system.rawValue)")
        let workflow = CIWorkflow(plan: .init(recipe: selection.recipe, features: selection.features,
                                              baseSource: chosen.patches.source.name, entries: chosen.list.entries))
        let output = try workflow.render(for: system)
        for note in output.notes { printError("qmailkit ci \(system.rawValue): \(note)") }
        print(output.yaml, terminator: "")
    }
}
