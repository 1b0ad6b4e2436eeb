import ArgumentParser
import Console
import Foundation
import PatchEngine
import SourceImport

struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download, verify and import a pinned source into a git repository.",
        discussion: """
            Downloads the source (default netqmail-1.06) from its mirrors in order, or takes \
            it from the cache when a verified copy is there (then no network is used at all), \
            or from --from FILE. Size and SHA-256 are checked before anything is kept. The \
            tarball is unpacked in memory by qmailkit's own reader, which refuses hostile \
            archives (absolute paths, '..', links leaving the tree, devices, duplicates, absurd \
            sizes), and imported with libgit2 as the 'pristine' commit of a new repository.

            A mirror that gives no answer within 20 s, no data for 30 s, less than 1 KiB/s over \
            30 s, no complete file within 10 minutes, or more than 5 redirects is left for the \
            next one. SIGINT or SIGTERM removes the unfinished download and repository; what a \
            killed run left behind is removed by the next run.

            Examples:
              qmailkit fetch
              qmailkit fetch --from ~/Downloads/netqmail-1.06.tar.gz -o src
              qmailkit fetch --cache-only --json

            \(ExitStatus.helpText)
            """)

    @Argument(help: "The source to fetch, a name from recipes/sources.")
    var source = "netqmail-1.06"


    @Option(name: .shortAndLong, help: ArgumentHelp("Repository to create (default: ./<source>).", valueName: "dir"))
    var output: String?

    @Flag(help: "Only put the verified tarball in the cache; create no repository.")
    var cacheOnly = false

    @Flag(help: "Print the result as JSON on standard output.")
    var json = false

    @OptionGroup var common: CommonOptions

    struct Report: Encodable {
        var source: String
        var sha256: String
        var size: Int64
        var origin: String
        var cachedAt: String
        var treeID: String?
        var files: Int?
        var repository: String?
    }

    func run() async throws {
        do {
            let project = try common.loadProject()
            let definition = try project.source(named: source)
            if !cacheOnly {
                try ResultRepository(destination: common.path(output ?? definition.name)).requireFreeDestination()
            }
            let reporter = common.progress()
            reporter.cleanUpInterruptedRuns(beside: cacheOnly ? nil : common.path(output ?? definition.name))
            let pristine = PristineSource(definition: definition, cache: try common.sourceCache())
            let fetched = try await pristine.obtain(localFile: common.from.map(common.path), progress: reporter.fetchEvents())
            var report = Report(source: definition.name, sha256: fetched.sha256, size: definition.size,
                                origin: "\(fetched.origin)", cachedAt: fetched.path.path)
            if !cacheOnly {
                let destination = common.path(output ?? definition.name)
                let tree = try pristine.unpack(fetched.path) { bytes in
                    reporter.update("unpacking", done: bytes, total: definition.size)
                }
                reporter.note("unpacked \(tree.files.count) files, git tree \(tree.treeID)")
                let result = SeriesResult(pristine: FileTree(tree.files), steps: [])
                try ResultRepository(destination: destination).write(result, sourceName: definition.name, commitTime: 0)
                report.treeID = tree.treeID
                report.files = tree.files.count
                report.repository = destination.path
            }
            if json {
                try printJSON(report)
            } else if let repository = report.repository {
                print("\(definition.name): verified (sha256 \(fetched.sha256)), imported into \(repository)")
            } else {
                print("\(definition.name): verified (sha256 \(fetched.sha256)), cached at \(fetched.path.path)")
            }
        } catch {
            throw failure(error)
        }
    }
}
